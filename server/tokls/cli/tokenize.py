"""``tokls tokenize``: every token of a file (or stdin), special tokens included, as a table or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..core.settings import Settings
from ._io import load_tokenizer, positive, read_text


def register(subparsers) -> None:
    model = Settings().model
    p = subparsers.add_parser("tokenize", help="print every token of a file (or - for stdin)")
    p.add_argument("file", metavar="FILE|-", help="a text file, or - to read standard input")
    p.add_argument("--model", default=model, help=f"tokenizer (default: {model})")
    p.add_argument("--max-length", type=positive, help="override the model's maximum sequence length")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..core.analysis import DocumentTokens

    tok = load_tokenizer(args.model)
    text = read_text(None if args.file == "-" else Path(args.file))
    state = DocumentTokens(tok, text, "document", args.max_length)
    analysis = state.analysis()
    tokens = state.tokens_in(0, len(text))
    rows = [{"index": i, "id": tid, "piece": tok.piece(tid), "special": True, "start": None, "end": None}
            for i, tid in enumerate(tok.prefix_ids)]
    rows += [{"index": t.index, "id": t.id, "piece": t.piece, "special": t.special, "start": t.start, "end": t.end,
              "truncated": t.truncated} for t in tokens]
    base = len(rows)
    rows += [{"index": base + i, "id": tid, "piece": tok.piece(tid), "special": True, "start": None, "end": None}
             for i, tid in enumerate(tok.suffix_ids)]
    if args.format == "json":
        json.dump({"model": tok.name, "max_length": analysis.max_length, "tokens": rows}, sys.stdout,
                  ensure_ascii=False, indent=1)
        print()
        return 0
    marked = False
    for row in rows:
        if row.get("truncated") and not marked:
            print(f"----- truncation: the model reads {analysis.max_length} tokens; the rest is dropped -----")
            marked = True
        span = "special" if row["start"] is None else f"{row['start']}-{row['end']}"
        print(f"{row['index']:>6}  {row['id']:>7}  {json.dumps(row['piece'], ensure_ascii=False):<20} {span}")
    print(f"{analysis.tokens} tokens · {tok.name}", file=sys.stderr)
    return 0

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
    p = subparsers.add_parser(
        "tokenize", help="print every token of a file (or - for stdin)",
        description="Print every token of the model input (special tokens included): index, id, piece and "
                    "character span. Byte-level tokenizers (gpt2, tiktoken and Llama 3 vocabularies) get a "
                    "column with the text each piece stands for (GPT-2's `ĠâĢĶ` is \" —\"); a piece holding only "
                    "part of a multi-byte character shows its bytes (\"\\xe2\\x80\") and is marked (partial).")
    p.add_argument("file", metavar="FILE|-", help="the text file to tokenize (UTF-8), or - to read standard input")
    p.add_argument("--model", default=model, help=f"tokenizer (default: {model})")
    p.add_argument("--max-length", type=positive, help="override the model's maximum sequence length")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..core.analysis import DocumentTokens
    from ..core.pieces import is_byte_level

    tok = load_tokenizer(args.model)
    text = read_text(None if args.file == "-" else Path(args.file))
    state = DocumentTokens(tok, text, "document", args.max_length)
    analysis = state.analysis()
    tokens = state.tokens_in(0, len(text))
    byte_level = is_byte_level(tok.tokenizer)

    def special_row(index: int, tid: int) -> dict:
        row = {"index": index, "id": tid, "piece": tok.piece(tid), "special": True, "start": None, "end": None}
        if byte_level:
            row.update(decoded=row["piece"], partial=False)
        return row

    rows = [special_row(i, tid) for i, tid in enumerate(tok.prefix_ids)]
    for t in tokens:
        row = {"index": t.index, "id": t.id, "piece": t.piece, "special": t.special, "start": t.start, "end": t.end,
               "truncated": t.truncated}
        if byte_level:
            row.update(decoded=t.decoded, partial=t.partial)
        rows.append(row)
    base = len(rows)
    rows += [special_row(base + i, tid) for i, tid in enumerate(tok.suffix_ids)]
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
        piece = json.dumps(row["piece"], ensure_ascii=False)
        if byte_level:  # the text the bytes stand for, beside the piece
            if row["partial"]:  # already spelled with \xNN escapes
                decoded = f'"{row["decoded"]}" (partial)'
            else:
                decoded = json.dumps(row["decoded"], ensure_ascii=False)
            print(f"{row['index']:>6}  {row['id']:>7}  {piece:<20} {decoded:<20} {span}")
        else:
            print(f"{row['index']:>6}  {row['id']:>7}  {piece:<20} {span}")
    print(f"{analysis.tokens} tokens · {tok.name}", file=sys.stderr)
    return 0

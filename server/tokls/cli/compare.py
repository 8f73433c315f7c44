"""``tokls compare FILE --models gpt-4o,llama-3.1-8b,…``: one text, several models side by side.

Tokens (special tokens included), characters per token, share of each context window, input cost
and whether the model would truncate the text, as a table or JSON. Exit status 1 when any model
would truncate it, 2 when a model cannot be loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ._io import read_text


def register(subparsers) -> None:
    from ..core.compare import DEFAULT_MODELS

    p = subparsers.add_parser("compare", help="compare token counts, context-window share and cost across models")
    p.add_argument("file", metavar="FILE", help="text file, or - for stdin")
    p.add_argument("--models", default=",".join(DEFAULT_MODELS), metavar="A,B,…",
                   help=f"comma-separated model names or presets (default: {','.join(DEFAULT_MODELS)}); "
                        "see `tokls models`")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..core.compare import compare, parse_models, table
    from ..core.tokenizers import TokenizerRegistry

    text = read_text(None if args.file == "-" else Path(args.file))
    models = parse_models(args.models)
    rows = compare(text, models, TokenizerRegistry().get)
    if args.format == "json":
        json.dump([r.to_json() for r in rows], sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        for line in table(rows):
            print(line)
        for r in rows:
            if r.error is None and r.note and "no catalogue entry" in r.note:
                print(f"note: {r.model}: {r.note}", file=sys.stderr)
    if any(r.error is not None for r in rows):
        return 2
    return 1 if any(r.truncated for r in rows) else 0

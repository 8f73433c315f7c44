"""``tokls models [FILTER]``: the tokenizer presets and the model names tokls resolves.

Presets first (name, where the vocabulary comes from), then LiteLLM's catalogue entries whose name
contains FILTER: name, preset, context window and $ per 1M input tokens. Entries without a
tokenizer preset are listed only with ``--all``.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser("models", help="list tokenizer presets and model names (with window and price)")
    p.add_argument("filter", nargs="?", default="", metavar="FILTER", help="only names containing this text")
    p.add_argument("--all", action="store_true", help="also list catalogue entries without a tokenizer preset")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.set_defaults(run=run)


def _price(cost: float | None) -> str:
    return f"${cost * 1e6:,.2f}" if cost is not None else "–"


def run(args: argparse.Namespace) -> int:
    from ..core.catalogue import CATALOGUE_REQUIREMENT, catalogue_available, search
    from ..core.tokenizers import PRESETS

    needle = args.filter.strip().lower()
    presets = [name for name in PRESETS if needle in name.lower()]
    entries = [e for e in search(needle) if args.all or e.preset is not None]
    if args.format == "json":
        json.dump({"presets": presets, "models": [
            {"name": e.name, "preset": e.preset, "contextWindow": e.context_window,
             "inputCostPerToken": e.input_cost_per_token, "provider": e.provider} for e in entries]},
            sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    if presets:
        print("presets: " + ", ".join(presets))
    rows = [("model", "preset", "window", "$/1M input")] + [
        (e.name, e.preset or "–", f"{e.context_window:,}" if e.context_window else "–", _price(e.input_cost_per_token))
        for e in entries]
    if len(rows) > 1:
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for r in rows:
            print(f"{r[0].ljust(widths[0])}  {r[1].ljust(widths[1])}  {r[2].rjust(widths[2])}  {r[3].rjust(widths[3])}")
    if not catalogue_available():
        print(f"LiteLLM's catalogue is not installed: pip install --no-deps {CATALOGUE_REQUIREMENT}", file=sys.stderr)
    elif not entries and not presets:
        print(f"no preset or model name contains '{args.filter}'", file=sys.stderr)
        return 1
    return 0

"""Command line: ``tokls serve | check | tokenize | classify | train | compare | models``.

One module per subcommand, each with ``register(subparsers)``, which adds its parser and sets
``run`` (parsed arguments → exit status); :mod:`._io` holds what they share. ``tokls check`` is
the linter form of the language server: the same analysis, printed as ``path:line:col:`` lines.
"""

from __future__ import annotations

import argparse
import sys
from typing import Iterable

from .. import __version__
from ._io import CliError, long_lived

with long_lived():
    from . import check, classify, serve, serve_model, tokenize, train
    from . import compare, models, stats

__all__ = ["build_parser", "main"]

#: in the order ``tokls --help`` lists them
SUBCOMMANDS = (serve, check, tokenize, classify, train, compare, models, stats, serve_model)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tokls", description="See text the way a transformer model sees it.")
    parser.add_argument("--version", action="version", version=f"tokls {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.register(sub)
    return parser


def main(argv: Iterable[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        return int(args.run(args) or 0)
    except CliError as exc:
        print(f"tokls: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130

"""Command line: ``tokls serve | check | tokenize`` (and ``classify | train``).

``tokls check`` is the linter form of the language server: the same analysis, printed as
``path:line:col: warning: …`` lines (1-based line and column, column in characters), exiting 1
when any input is truncated.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import logging
import os
import sys
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from . import __version__

DEFAULT_INCLUDE = ("*.txt", "*.md", "*.markdown", "*.rst", "*.jsonl", "*.json", "*.csv", "*.tsv", "*.prompt",
                   "*.tex", "*.html", "*.xml", "*.yaml", "*.yml")
_SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".tox", "dist", "build"}


class CliError(Exception):
    """A problem the user can fix; printed without a traceback, exit status 2."""


# ------------------------------------------------------------------------------------------
# files


def _iter_files(paths: Sequence[str], include: Sequence[str]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            yield path
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
                for name in sorted(files):
                    if any(fnmatch.fnmatch(name, g) for g in include):
                        yield Path(root) / name
        else:
            raise CliError(f"{raw}: no such file or directory")


def read_text(path: Path | None) -> str:
    """A file (or stdin for None) as text, line ends kept; binary content is refused."""
    try:
        data = sys.stdin.buffer.read() if path is None else path.read_bytes()
    except OSError as exc:
        raise CliError(f"{path or '<stdin>'}: cannot read: {exc.strerror or exc}") from exc
    if b"\x00" in data[:8192]:
        raise CliError(f"{path or '<stdin>'}: binary file (NUL bytes), not read as text")
    return data.decode("utf-8", errors="replace")


def _line_col(starts: list[int], offset: int) -> tuple[int, int]:
    import bisect

    line = bisect.bisect_right(starts, offset) - 1
    return line, offset - starts[line]


# ------------------------------------------------------------------------------------------
# commands


def _load(model: str):
    from .core.tokenizers import TokenizerError, load_tokenizer

    try:
        return load_tokenizer(model)
    except TokenizerError as exc:
        raise CliError(str(exc)) from exc


def cmd_check(args: argparse.Namespace) -> int:
    from .core.analysis import DocumentTokens, line_starts, truncation_message

    tok = _load(args.model)
    include = args.include or DEFAULT_INCLUDE
    records, lines, problems = [], [], 0
    files = inputs = truncated = 0
    for path in _iter_files(args.paths, include):
        try:
            text = read_text(path)
        except CliError as exc:
            print(f"skipped: {exc}", file=sys.stderr)
            problems += 1
            continue
        files += 1
        analysis = DocumentTokens(tok, text, args.segment, args.max_length).analysis()
        starts = line_starts(text)
        shown = str(path)
        if args.segment == "document":
            seg = analysis.segments[0]
            limit = f"{seg.tokens / analysis.max_length:.0%} of {analysis.max_length}" if analysis.max_length else "no limit"
            lines.append(f"{shown}:1:1: note: {seg.tokens} tokens · {analysis.model} · {limit}")
        for seg in analysis.segments:
            inputs += 1
            record = {"path": shown, "segment": seg.index, "tokens": seg.tokens,
                      "max_length": analysis.max_length, "truncated": seg.truncation is not None}
            if seg.truncation is not None:
                truncated += 1
                line, col = _line_col(starts, seg.truncation.offset)
                record["truncation"] = {"offset": seg.truncation.offset, "line": line, "character": col,
                                        "dropped_tokens": seg.truncation.dropped_tokens}
                lines.append(f"{shown}:{line + 1}:{col + 1}: warning: {truncation_message(analysis, seg)}")
            records.append(record)
    if args.format == "json":
        json.dump(records, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        for line in lines:
            print(line)
        print(f"{files} file{'s' * (files != 1)}, {inputs} {args.segment} input{'s' * (inputs != 1)}, "
              f"{truncated} truncated · {tok.name} · max {analysis_limit(tok, args.max_length)} tokens")
    if files == 0 and not problems:
        print(f"no files matched ({', '.join(include)})", file=sys.stderr)
    return 1 if truncated else 0


def analysis_limit(tok, override: int | None) -> str:
    limit = override or tok.max_length
    return f"{limit}" if limit else "unbounded"


def cmd_tokenize(args: argparse.Namespace) -> int:
    from .core.analysis import DocumentTokens

    tok = _load(args.model)
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


def cmd_serve(args: argparse.Namespace) -> int:
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(getattr(logging, args.log_level.upper()))
    stderr.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[stderr])
    from .lsp.server import create_server

    server = create_server()
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            raise CliError(f"--tcp expects HOST:PORT, got {args.tcp!r}")
        server.start_tcp(host, int(port))
    else:
        server.start_io()
    return 0


# ------------------------------------------------------------------------------------------


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tokls", description="See text the way a transformer model sees it.")
    parser.add_argument("--version", action="version", version=f"tokls {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    serve.add_argument("--stdio", action="store_true",
                       help="use stdio (the default; accepted because some clients always pass it)")
    serve.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"],
                       help="stderr log level (default: warning)")
    serve.set_defaults(func=cmd_serve)

    from .core.analysis import MODES

    check = sub.add_parser("check", help="report token counts and truncation for files and folders")
    check.add_argument("paths", nargs="+", metavar="PATH", help="files, or folders searched with --include")
    check.add_argument("--model", default="bert-base-uncased",
                       help="tokenizer: preset (bert-base-uncased, gpt2), folder or hub id (default: bert-base-uncased)")
    check.add_argument("--max-length", type=_positive, help="override the model's maximum sequence length")
    check.add_argument("--segment", choices=MODES, default="document",
                       help="one model input per document (default), paragraph or line")
    check.add_argument("--include", action="append", metavar="GLOB",
                       help=f"file name globs for folders (repeatable; default: {' '.join(DEFAULT_INCLUDE)})")
    check.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    check.set_defaults(func=cmd_check)

    tokenize = sub.add_parser("tokenize", help="print every token of a file (or - for stdin)")
    tokenize.add_argument("file", metavar="FILE|-")
    tokenize.add_argument("--model", default="bert-base-uncased", help="tokenizer (default: bert-base-uncased)")
    tokenize.add_argument("--max-length", type=_positive, help="override the model's maximum sequence length")
    tokenize.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    tokenize.set_defaults(func=cmd_tokenize)

    # subcommands from other modules
    from . import cli_classify
    cli_classify.register(sub)
    return parser


def main(argv: Iterable[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"tokls: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

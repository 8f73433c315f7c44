"""``tokls check``: token counts and truncation for files and folders, as linter lines or JSON.

``path:line:col: warning: …`` lines (1-based line and column, column in characters), the same
messages the editor shows; exit status 1 when any input is truncated. Dataset files (``.jsonl``,
``.ndjson``, ``.csv``, ``.tsv``) are checked a record per model input (as in the editor), with the
truncation point at the exact character inside the record's string; a record that does not parse
is an ``error:`` line (and exit status 1).
"""

from __future__ import annotations

import argparse
import json
import sys

from ..core.analysis import SEGMENTS
from ..core.settings import Settings
from ..core.workspace import FileCount, folder_totals, summary_lines
from ._io import CliError, iter_files, line_col, load_tokenizer, positive, read_text

DEFAULT_INCLUDE = ("*.txt", "*.md", "*.markdown", "*.rst", "*.jsonl", "*.json", "*.csv", "*.tsv", "*.prompt",
                   "*.tex", "*.html", "*.xml", "*.yaml", "*.yml")


def register(subparsers) -> None:
    defaults = Settings()
    p = subparsers.add_parser("check", help="report token counts and truncation for files and folders")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, or folders searched with --include")
    p.add_argument("--model", default=defaults.model,
                   help=f"tokenizer: preset (bert-base-uncased, gpt2), folder or hub id (default: {defaults.model})")
    p.add_argument("--max-length", type=positive, help="override the model's maximum sequence length")
    p.add_argument("--segment", choices=SEGMENTS, default=defaults.segment,
                   help=f"one model input per {', '.join(SEGMENTS)} (default: {defaults.segment})")
    p.add_argument("--field", action="append", metavar="F",
                   help="dataset files (.jsonl, .ndjson, .csv, .tsv): the input field, as dataset.fields "
                        "(repeat for a text pair; 'a+b' joins fields)")
    p.add_argument("--include", action="append", metavar="GLOB",
                   help=f"file name globs for folders (repeatable; default: {' '.join(DEFAULT_INCLUDE)})")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.add_argument("--summary", action="store_true",
                   help="print token totals per folder (as the editor's workspace view) instead of each file's lines")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..core.analysis import line_starts
    from ..core.messages import count_message, truncation_message
    from ..core.record_tokens import RecordAnalysis, document_tokens, effective_segment

    tok = load_tokenizer(args.model)
    fields = tuple(args.field or ())
    render = None  # the chat renderer, made for the first dataset file
    include = args.include or DEFAULT_INCLUDE
    records, lines, problems, counts = [], [], 0, []
    files = inputs = truncated = invalid = 0
    kinds: dict[str, int] = {}
    for path in iter_files(args.paths, include):
        try:
            text = read_text(path)
        except CliError as exc:
            print(f"skipped: {exc}", file=sys.stderr)
            problems += 1
            continue
        files += 1
        segment = effective_segment(args.segment, path.name)
        if segment == "record" and render is None:
            from ..core.chat import chat_renderer
            render = chat_renderer(tok)[0]
        tokens = document_tokens(tok, text, args.segment, args.max_length, path.name, fields,
                                 *([render] if render is not None else []))
        analysis = tokens.analysis()
        starts = line_starts(text)
        shown = str(path)
        longest = analysis.longest
        counts.append(FileCount(path.as_posix(), analysis.tokens, longest.tokens if longest else 0,
                                analysis.max_length, len(analysis.truncated)))
        if segment in ("document", "record"):
            message = count_message(analysis, lambda offset: line_col(starts, offset)[0] + 1)
            lines.append(f"{shown}:1:1: note: {message}")
        by_kind = isinstance(analysis, RecordAnalysis)
        found = []  # (line, column, text) of this file, printed in document order
        for seg in analysis.segments:
            inputs += 1
            kinds[segment] = kinds.get(segment, 0) + 1
            record = {"path": shown, "segment": seg.index, "tokens": seg.tokens,
                      "max_length": analysis.max_length, "truncated": seg.truncation is not None}
            if by_kind:
                record["line"] = line_col(starts, seg.start)[0] + 1
            if seg.truncation is not None:
                truncated += 1
                line, col = line_col(starts, seg.truncation.offset)
                record["truncation"] = {"offset": seg.truncation.offset, "line": line, "character": col,
                                        "dropped_tokens": seg.truncation.dropped_tokens}
                found.append((line, col, f"{shown}:{line + 1}:{col + 1}: warning: {truncation_message(analysis, seg)}"))
            records.append(record)
        for problem in analysis.problems if by_kind else ():
            line, col = line_col(starts, problem.start)
            level = "error" if problem.kind == "invalid-record" else "note"
            invalid += problem.kind == "invalid-record"
            found.append((line, col, f"{shown}:{line + 1}:{col + 1}: {level}: {problem.message}"))
            records.append({"path": shown, "line": line + 1, "problem": problem.kind, "message": problem.message})
        lines.extend(text for _, _, text in sorted(found))
    if args.format == "json":
        json.dump(records, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        for line in summary_lines(folder_totals(counts)) if args.summary else lines:
            print(line)
        limit = args.max_length or tok.max_length
        if len(kinds) <= 1:
            what = f"{inputs:,} {next(iter(kinds), args.segment)} input{'s' * (inputs != 1)}"
        else:
            what = f"{inputs:,} input{'s' * (inputs != 1)} (" + ", ".join(
                f"{n:,} {kind}{'s' * (n != 1)}" for kind, n in sorted(kinds.items())) + ")"
        bad = f", {invalid:,} invalid record{'s' * (invalid != 1)}" if invalid else ""
        print(f"{files:,} file{'s' * (files != 1)}, {what}, {truncated:,} truncated{bad} · {tok.name} · "
              f"max {f'{limit:,}' if limit else 'unbounded'} tokens")
    if files == 0 and not problems:
        print(f"no files matched ({', '.join(include)})", file=sys.stderr)
    return 1 if truncated or invalid else 0

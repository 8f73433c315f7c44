"""``tokls check``: token counts and truncation for files and folders, as linter lines or JSON.

``path:line:col: warning: …`` lines (1-based line and column, column in characters), the same
messages the editor shows; exit status 1 when any input is truncated. Dataset files (``.jsonl``,
``.ndjson``, ``.csv``, ``.tsv``) are checked a record per model input (as in the editor), with the
truncation point at the exact character inside the record's string; a record that does not parse
is an ``error:`` line (and exit status 1).

Each file's own directives (front matter, ``tokls: model=…`` comments, ``tokls: off``/``on``
regions) apply as in the editor, through :func:`tokls.core.directives.document_settings`: the flags
``--model``, ``--max-length`` and ``--segment`` play the part of the workspace settings, and a
file's directive overrides them for that file (a note says so when it overrides a flag given on
the command line). An invalid directive is a ``warning:`` on its line (exit status 1).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from ..core.analysis import SEGMENTS
from ..core.settings import Settings
from ..core.workspace import DEFAULT_INCLUDE, FileCount, folder_totals, summary_lines, summary_root
from ._io import CliError, iter_files, line_col, load_tokenizer, positive, read_text

if TYPE_CHECKING:  # pragma: no cover
    from ..core.chat import ChatRenderer
    from ..core.directives import DocumentSettings
    from ..core.tokenizers import LoadedTokenizer

#: directive key → the flag it overrides, and that flag's attribute
OVERRIDDEN = {"model": ("--model", "model"), "maxLength": ("--max-length", "max_length"),
              "segment": ("--segment", "segment")}

DESCRIPTION = (
    "Report token counts and truncation for files and folders, with the editor's messages. "
    "A file's own directives apply as in the editor: Markdown front matter "
    "(tokls: {model: gpt2, maxLength: 120, segment: paragraph}), a magic comment on a line of its own "
    "(# tokls: model=gpt2 maxLength=4096) and tokls: off ... tokls: on regions (not counted). "
    "--model, --max-length and --segment are this run's workspace settings: a file's directive overrides "
    "them for that file, as it overrides the workspace settings in the editor, and a note says so when it "
    "overrides a flag given on the command line. An invalid directive is a warning on its line. "
    "Exit status: 1 when an input is truncated, a record does not parse or a directive is invalid; "
    "2 on a usage or model error.")


def register(subparsers) -> None:
    defaults = Settings()
    p = subparsers.add_parser("check", help="report token counts and truncation for files and folders",
                              description=DESCRIPTION)
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, or folders searched with --include")
    p.add_argument("--model", help=f"tokenizer: preset (bert-base-uncased, gpt2), folder or hub id "
                                   f"(default: {defaults.model}); a file's model directive overrides it")
    p.add_argument("--max-length", type=positive,
                   help="override the model's maximum sequence length; a file's maxLength directive overrides it")
    p.add_argument("--segment", choices=SEGMENTS,
                   help=f"one model input per {', '.join(SEGMENTS)} (default: {defaults.segment}); "
                        "a file's segment directive overrides it")
    p.add_argument("--field", action="append", metavar="F",
                   help="dataset files (.jsonl, .ndjson, .csv, .tsv): the input field, as dataset.fields "
                        "(repeat for a text pair; 'a+b' joins fields)")
    p.add_argument("--include", action="append", metavar="GLOB",
                   help=f"file name globs for folders (repeatable; default: {' '.join(DEFAULT_INCLUDE)})")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.add_argument("--summary", action="store_true",
                   help="print token totals per folder (as the editor's workspace view), relative to the "
                        "folder that holds every PATH, instead of each file's lines")
    p.set_defaults(run=run)


def _settings(args: argparse.Namespace) -> Settings:
    """The flags as settings (the part of the editor's workspace settings)."""
    defaults = Settings()
    return replace(defaults, model=args.model or defaults.model, max_length=args.max_length,
                   segment=args.segment or defaults.segment,
                   dataset=replace(defaults.dataset, fields=tuple(args.field or ())))


class _Tokenizers:
    """The run's tokenizer (``--model``: a :class:`CliError` if it does not load) and those that
    files name in directives (loaded once each; one that does not load falls back to the run's)."""

    def __init__(self, model: str) -> None:
        self.model, self.default = model, load_tokenizer(model)
        self._loaded: dict[str, LoadedTokenizer | str] = {model: self.default}
        self._renderers: dict[str, ChatRenderer] = {}

    def get(self, name: str) -> tuple[LoadedTokenizer, str | None]:
        """(tokenizer, None) or (the run's tokenizer, why ``name`` did not load)."""
        if name not in self._loaded:
            try:
                self._loaded[name] = load_tokenizer(name)
            except CliError as exc:
                self._loaded[name] = str(exc)
        got = self._loaded[name]
        if isinstance(got, str):
            return self.default, f"{got} Using {self.model} until this directive is fixed."
        return got, None

    def renderer(self, tok: LoadedTokenizer) -> ChatRenderer:
        """How chat records are rendered for ``tok`` (its chat template; made once per tokenizer)."""
        if tok.name not in self._renderers:
            from ..core.chat import chat_renderer
            self._renderers[tok.name] = chat_renderer(tok)[0]
        return self._renderers[tok.name]


def _directive_lines(args: argparse.Namespace, effective: DocumentSettings, model_problem: str | None) -> list[tuple[int, str, str]]:
    """(offset, level, message) of the file's invalid directives (warnings, as the editor's
    ``directive`` diagnostics) and of the directives that override a flag given on the command line
    (notes)."""
    d = effective.directives
    found = [(a, "warning", message) for a, _b, message in d.problems]
    if model_problem and d.line_of("model") is not None:
        found.append((d.line_of("model")[0], "warning", model_problem))
    for key, (flag, attr) in OVERRIDDEN.items():
        given = getattr(args, attr)
        if given is None or key not in d.settings:
            continue
        value, (start, _end) = d.settings[key]
        if value != given:
            shown = "null" if value is None else value
            found.append((start, "note", f"this file's directive {key}={shown} overrides {flag} {given}"))
    return found


def run(args: argparse.Namespace) -> int:
    from ..core.analysis import line_starts
    from ..core.directives import document_settings
    from ..core.messages import count_message, truncation_message
    from ..core.record_tokens import RecordAnalysis, document_tokens, effective_segment

    base = _settings(args)
    toks = _Tokenizers(base.model)
    include = args.include or DEFAULT_INCLUDE
    root = summary_root(args.paths) if args.summary else None
    records, lines, problems, counts = [], [], 0, []
    files = inputs = truncated = invalid = warnings = 0
    kinds: dict[str, int] = {}
    limits: dict[tuple[str, int | None], int] = {}  # (model, limit) → files, in the order first seen
    for path in iter_files(args.paths, include):
        try:
            text = read_text(path)
        except CliError as exc:
            print(f"skipped: {exc}", file=sys.stderr)
            problems += 1
            continue
        files += 1
        effective = document_settings(text, base)
        s = effective.settings
        tok, model_problem = toks.get(s.model)
        segment = effective_segment(s.segment, path.name)
        render = toks.renderer(tok) if segment == "record" else None
        tokens = document_tokens(tok, effective.text, s.segment, s.max_length, path.name, s.dataset.fields,
                                 *([render] if render is not None else []))
        analysis = tokens.analysis()
        starts = line_starts(text)
        shown = str(path)
        longest = analysis.longest
        key = (tok.name, analysis.max_length)
        limits[key] = limits.get(key, 0) + 1
        rel = path.as_posix() if root is None else os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
        counts.append(FileCount(rel, analysis.tokens, longest.tokens if longest else 0,
                                analysis.max_length, len(analysis.truncated)))
        if segment in ("document", "record"):
            message = count_message(analysis, lambda offset: line_col(starts, offset)[0] + 1)
            lines.append(f"{shown}:1:1: note: {message}")
        found = []  # (line, column, text) of this file, printed in document order
        for offset, level, message in _directive_lines(args, effective, model_problem):
            line = line_col(starts, offset)[0]
            found.append((line, 0, f"{shown}:{line + 1}:1: {level}: {message}"))
            if level == "warning":
                warnings += 1
                records.append({"path": shown, "line": line + 1, "problem": "directive", "message": message})
        by_kind = isinstance(analysis, RecordAnalysis)
        for seg in analysis.segments:
            inputs += 1
            kinds[segment] = kinds.get(segment, 0) + 1
            record = {"path": shown, "segment": seg.index, "tokens": seg.tokens, "model": tok.name,
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
        print(_summary(files, inputs, kinds, truncated, invalid, warnings, limits, base, toks.default))
    if files == 0 and not problems:
        print(f"no files matched ({', '.join(include)})", file=sys.stderr)
    return 1 if truncated or invalid or warnings else 0


def _summary(files: int, inputs: int, kinds: dict[str, int], truncated: int, invalid: int, warnings: int,
             limits: dict[tuple[str, int | None], int], base: Settings, default: LoadedTokenizer) -> str:
    """The last line: files, inputs, problems, and the model and limit (each of them, with its
    number of files, when directives made them differ)."""
    if len(kinds) <= 1:
        what = f"{inputs:,} {next(iter(kinds), base.segment)} input{'s' * (inputs != 1)}"
    else:
        what = f"{inputs:,} input{'s' * (inputs != 1)} (" + ", ".join(
            f"{n:,} {kind}{'s' * (n != 1)}" for kind, n in sorted(kinds.items())) + ")"
    bad = f", {invalid:,} invalid record{'s' * (invalid != 1)}" if invalid else ""
    bad += f", {warnings:,} invalid directive{'s' * (warnings != 1)}" if warnings else ""
    if not limits:
        limits = {(default.name, base.max_length or default.max_length): 0}

    def model(name: str, limit: int | None) -> str:
        return f"{name} · max {f'{limit:,}' if limit else 'unbounded'} tokens"

    used = " · ".join(model(*k) for k in limits) if len(limits) == 1 else "; ".join(
        f"{model(*k)} ({n:,} file{'s' * (n != 1)})" for k, n in limits.items())
    return f"{files:,} file{'s' * (files != 1)}, {what}, {truncated:,} truncated{bad} · {used}"

"""``tokls classify``: classify a text, a file or standard input, whole or line by line.

Text output is a short report (labels with bars, windows); ``--format json`` is a list with one
object per input, built from :meth:`~tokls.core.classify.ClassificationResult.to_json` (the
language server's form) with ``text`` (and ``start``/``end`` for ``--lines``/``--paragraphs``)
in front and windows as ``{start, end, label, score}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..core.settings import BACKEND_CHOICES, DEVICES, LONG_TEXT_MODES, ClassifierSettings
from ._io import CliError, non_negative, positive, read_text
from .classify_batch import add_batch_arguments, run_batch

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    defaults = ClassifierSettings()  # the editor's defaults
    p = subparsers.add_parser(
        "classify",
        help="classify text with a sequence-classification model (sentiment by default)",
        description="Classify TEXT, a file (--file F) or standard input (-). Long texts are scored "
        "in sliding windows whose probabilities are averaged (or truncated, with --long-text truncate).",
    )
    p.add_argument("text", nargs="?", help="the text to classify, or - for standard input")
    p.add_argument("--file", "-f", type=Path, help="read the text from this file")
    p.add_argument("--lines", action="store_true", help="classify every non-blank line as its own input")
    p.add_argument("--paragraphs", action="store_true", help="classify every paragraph as its own input")
    p.add_argument("--model", "-m", default=defaults.model,
                   help="`sentiment` (embedded, default), `sentiment-large` (opt-in: install.sh large), a checkpoint or adapter folder, or a hub id")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.add_argument("--long-text", choices=LONG_TEXT_MODES, default=defaults.long_text,
                   help="long texts: score sliding windows (default) or cut at the model's limit")
    p.add_argument("--stride", type=non_negative, default=defaults.stride,
                   help=f"tokens shared by consecutive windows (default {defaults.stride})")
    p.add_argument("--max-length", type=positive, default=None, help="window length in tokens (default: the model's)")
    p.add_argument("--batch-size", type=positive, default=defaults.batch_size,
                   help=f"inputs per forward pass (default {defaults.batch_size})")
    p.add_argument("--device", choices=DEVICES, default=defaults.device,
                   help=f"default {defaults.device} (auto: CUDA when present)")
    p.add_argument("--backend", choices=BACKEND_CHOICES, default=defaults.backend,
                   help=f"default {defaults.backend} (ONNX Runtime on a cached export when onnxruntime is "
                   "installed, else torch)")
    p.add_argument("--endpoint", default=None,
                   help="classify through a TEI-compatible endpoint (URL, e.g. from `tokls serve-model`)")
    p.add_argument("--timeout", type=float, default=defaults.timeout_ms / 1000,
                   help=f"seconds to wait for the endpoint per batch (default {defaults.timeout_ms / 1000:g})")
    add_batch_arguments(p)
    p.set_defaults(run=run)


def _read_input(args) -> str:
    if args.file is not None and args.text is not None:
        raise CliError("classify: give TEXT, --file or -, not several")
    if args.file is not None:
        return read_text(args.file)
    if args.text is None or args.text == "-":
        if args.text is None and sys.stdin.isatty():
            raise CliError("classify: give TEXT, --file F, or - to read standard input")
        return read_text(None)
    return args.text


def run(args) -> int:
    from ..core.classify import Classifier, ClassifierError, ClassifyOptions, split_segments

    if args.input or args.output:
        return run_batch(args)
    text = _read_input(args)
    options = ClassifyOptions(
        long_text=args.long_text, stride=args.stride, max_length=args.max_length, batch_size=args.batch_size
    )
    classifier = Classifier(args.model, device=args.device, backend=args.backend, endpoint=args.endpoint,
                            timeout=args.timeout)
    try:
        if args.lines or args.paragraphs:
            segments = split_segments(text, "paragraph" if args.paragraphs else "line")
            if not segments:
                raise CliError("classify: no non-blank lines to classify")
            results = classifier.classify_many([s.text for s in segments], options)
            spans = [(s.start, s.end) for s in segments]
        else:
            results = [classifier.classify(text, options)]
            spans = [None]
    except ClassifierError as exc:
        print(f"tokls classify: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        rows = [_json_row(r, span) for r, span in zip(results, spans)]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print(_table(results, spans, classifier.display_name))
    return 0


def _json_row(result, span: tuple[int, int] | None) -> dict:
    """One input: ``text`` (and its span), then the shared JSON form less ``model``, windows as spans."""
    row: dict = {"text": result.text}
    if span is not None:
        row["start"], row["end"] = span
    shared = result.to_json(lambda start, end: (start, end))
    del shared["model"]
    shared["windows"] = [
        {"start": w["range"][0], "end": w["range"][1], "label": w["label"], "score": w["score"]}
        for w in shared["windows"]
    ]
    row.update(shared)
    return row


def _short(text: str, width: int = 60) -> str:
    one = " ".join(text.split())
    return one if len(one) <= width else one[: width - 1] + "…"


def _table(results, spans, model_name: str) -> str:
    lines: list[str] = []
    if len(results) == 1 and spans[0] is None:
        r = results[0]
        extra = f"{r.tokens} tokens"
        if len(r.windows) > 1:
            extra += f", {len(r.windows)} windows ({r.aggregation} of probabilities)"
        if r.dropped_tokens:
            extra += f", {r.dropped_tokens} tokens truncated"
        lines.append(f"{model_name}: {r.label} ({r.score:.4f}); {extra}")
        width = max(len(s.label) for s in r.scores)
        for s in r.scores:
            bar = "█" * int(round(s.score * 30))
            lines.append(f"  {s.label:<{width}}  {s.score:.4f}  {bar}")
        if len(r.windows) > 1:
            lines.append("  windows:")
            for w in r.windows:
                lines.append(f"    [{w.start}:{w.end}]  {w.label} ({w.score:.4f})")
        return "\n".join(lines)
    width = max(len(r.label) for r in results)
    lines.append(f"{model_name}: {len(results)} inputs")
    for r, span in zip(results, spans):
        where = f"{span[0]}-{span[1]}" if span else ""
        lines.append(f"  {where:>11}  {r.label:<{width}}  {r.score:.4f}  {_short(r.text)}")
    return "\n".join(lines)

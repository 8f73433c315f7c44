"""``tokls stats``: length statistics of dataset files in a model's tokens.

Token counts per record (special tokens included) over ``.jsonl``/``.ndjson``, ``.csv``, ``.tsv``,
``.parquet`` and plain text files (a line per record): percentiles, a histogram, truncation,
padding waste per batch strategy, ``max_length`` candidates, the longest records and outliers
(``path:line``), duplicates, empty records and records without the field.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..core.settings import Settings
from ._io import CliError, check_regular, iter_files, load_tokenizer, positive

DATASET_INCLUDE = ("*.jsonl", "*.ndjson", "*.csv", "*.tsv", "*.parquet", "*.txt")


def register(subparsers) -> None:
    defaults = Settings()
    p = subparsers.add_parser("stats", help="token length statistics of dataset files (JSONL, CSV, TSV, parquet, text)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="dataset files, or folders (searched for dataset files)")
    p.add_argument("--model", default=defaults.model, help=f"tokenizer (default: {defaults.model})")
    p.add_argument("--field", action="append", metavar="F",
                   help="the input field (repeat for a text pair; 'a+b' joins fields; 'messages' for chat); "
                        "default: the first of text, prompt, content, sentence, review, input")
    p.add_argument("--max-length", type=positive, help="override the model's maximum sequence length")
    p.add_argument("--batch-size", type=positive, default=32, help="batch size for the padding figures (default: 32)")
    p.add_argument("--outlier", type=positive, metavar="TOKENS",
                   help="records longer than this are outliers (default: p95 × 4)")
    p.add_argument("--format", choices=["text", "json", "html"], default="text", help="output format")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="count tokens here (default) or on Ray Data (needs tokls[ray]); the same numbers")
    p.add_argument("--address", default=None, help="Ray cluster address (--engine ray; default: a local Ray instance)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..core.chat import chat_renderer
    from ..core.dataset_stats import DatasetStats, StatsOptions
    from ..core.records import FieldSpec, RecordError

    tok = load_tokenizer(args.model)
    try:
        spec = FieldSpec.parse(args.field or [])
    except ValueError as exc:
        raise CliError(str(exc).replace("dataset.fields", "--field")) from exc
    render, render_note = chat_renderer(tok)
    options = StatsOptions(batch_size=args.batch_size, max_length=args.max_length, outlier=args.outlier)
    stats = DatasetStats(tok, spec, options, render)
    # streamed record by record: any size, but regular files only (a FIFO would block the reader)
    paths = [p for p in iter_files(args.paths, DATASET_INCLUDE, max_bytes=None) if check_regular(p, max_bytes=None)]
    if not paths:
        raise CliError(f"no dataset files matched ({', '.join(DATASET_INCLUDE)})")
    bar = _progress(sum(p.stat().st_size for p in paths), args.no_progress)
    started = time.perf_counter()
    if args.address and args.engine != "ray":
        raise CliError("--address needs --engine ray")
    try:
        if args.engine == "ray":
            _count_on_ray(stats, paths, args, bar)
        for path in paths if args.engine == "local" else ():
            done = bar.n if bar else 0
            try:
                stats.add_file(path, bar.update if bar else None)
            except RecordError as exc:
                raise CliError(str(exc)) from exc
            if bar:
                bar.update(done + path.stat().st_size - bar.n)
    finally:
        if bar:
            bar.close()
    seconds = time.perf_counter() - started
    result = stats.result()
    if args.format == "json":
        report = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    elif args.format == "html":
        from .stats_html import render_html
        report = render_html(result)
    else:
        from .stats_text import render_text
        report = render_text(result, spec.describe(), render_note if stats.chat else None)
    throughput = (f"{stats.records + stats.missing + len(stats.invalid):,} records, {stats.bytes / 1e6:,.1f} MB "
                  f"in {seconds:.2f} s · {(stats.records / seconds if seconds else 0):,.0f} records/s · "
                  f"{(stats.bytes / 1e6 / seconds if seconds else 0):,.1f} MB/s")
    if args.output:
        Path(args.output).write_text(report, encoding="utf-8")
        print(f"wrote {args.output} · {throughput}", file=sys.stderr)
    else:
        sys.stdout.write(report)
        print(throughput, file=sys.stdout if args.format == "text" else sys.stderr)
    return 0


def _count_on_ray(stats, paths, args, bar) -> None:
    from ..core.records import RecordError
    from ..scale import RayMissing
    from ..scale.stats import count_on_ray

    try:
        count_on_ray(stats, paths, args.model, address=args.address, progress=bar.update if bar else None)
    except (RayMissing, RecordError) as exc:
        raise CliError(str(exc)) from exc


def _progress(total: int, disabled: bool):
    if disabled or not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="B", unit_scale=True, desc="tokls stats", file=sys.stderr, leave=False)

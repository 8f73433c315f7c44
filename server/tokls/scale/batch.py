"""Classify whole datasets: ``.jsonl`` / ``.csv`` / ``.parquet`` in, the records plus predictions out.

Both engines add the same columns to every record, computed by :func:`predict_table` with the
editor's pipeline (windows or truncation, mean of window probabilities): ``label`` (the top label),
``score`` (its probability) and ``score_<label>`` for every label (names may carry a prefix).
Records whose text is missing or blank get nulls.

- ``local``: in this process, streaming (pyarrow's readers, one batch of records at a time), with
  a tqdm bar; one output file, ``part-00000.parquet`` or ``.jsonl``.
- ``ray``: Ray Data's readers, ``map_batches`` on a pool of actors that each load the model once
  (:class:`Predictor`), Ray Data's writers (one file per block). The order of the records is kept.

pyarrow is needed by both (it comes with the ray extra); Ray is imported only by :func:`run_ray`.
"""

from __future__ import annotations

import glob
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..core.classify import Classifier, ClassifyOptions

__all__ = ["BatchError", "BatchJob", "expand_inputs", "predict_table", "run_local", "run_ray", "Predictor",
           "count_output", "read_output"]

_FORMATS = {".jsonl": "json", ".ndjson": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet"}
OUTPUT_FORMATS = ("parquet", "jsonl")


class BatchError(Exception):
    """A problem with the inputs or outputs the user can fix."""


@dataclass(frozen=True)
class BatchJob:
    files: tuple[str, ...]
    input_format: str  # "json" | "csv" | "parquet"
    output: str  # a folder
    output_format: str  # "parquet" | "jsonl"
    field: str = "text"
    prefix: str = ""
    model: str = "sentiment"
    device: str = "auto"
    endpoint: str | None = None
    timeout: float = 30.0
    options: ClassifyOptions = ClassifyOptions()
    records_per_batch: int = 256

    def classifier(self) -> Classifier:
        return Classifier(self.model, device=self.device, endpoint=self.endpoint, timeout=self.timeout)


def _pyarrow():
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise BatchError('Dataset classification needs pyarrow: pip install "tokls[ray]" (or pyarrow)') from exc
    import pyarrow as pa

    return pa


def expand_inputs(patterns: Sequence[str]) -> tuple[list[str], str]:
    """The files named by ``patterns`` (globs; URLs such as ``s3://`` pass through for Ray) and
    their one format."""
    files: list[str] = []
    for pattern in patterns:
        if "://" in pattern:
            files.append(pattern)
            continue
        matched = sorted(glob.glob(os.path.expanduser(pattern), recursive=True))
        if not matched:
            raise BatchError(f"{pattern}: no such file")
        files += [m for m in matched if os.path.isfile(m)]
    kinds = set()
    for f in files:
        suffix = Path(f.split("?", 1)[0]).suffix.lower()
        if suffix not in _FORMATS:
            raise BatchError(f"{f}: not .jsonl, .csv or .parquet")
        kinds.add(_FORMATS[suffix])
    if not files:
        raise BatchError("no input files")
    if len(kinds) > 1:
        raise BatchError("the input files mix formats; give one of .jsonl, .csv, .parquet per run")
    return files, kinds.pop()


def prepare_output(folder: str) -> None:
    if "://" in folder:
        return
    path = Path(folder)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BatchError(f"{folder}: the output folder exists and is not empty; choose another or empty it")
    path.mkdir(parents=True, exist_ok=True)


def output_names(labels: Sequence[str], prefix: str) -> list[str]:
    return [f"{prefix}label", f"{prefix}score", *(f"{prefix}score_{label}" for label in labels)]


def predict_table(classifier: Classifier, options: ClassifyOptions, table, field: str, prefix: str = ""):
    """``table`` (a pyarrow Table) with the prediction columns appended."""
    pa = _pyarrow()
    if field not in table.column_names:
        raise BatchError(f"no field {field!r} in the input (fields: {', '.join(table.column_names)}); use --field")
    labels = classifier.labels
    names = output_names(labels, prefix)
    clash = [n for n in names if n in table.column_names]
    if clash:
        raise BatchError(f"the input already has {', '.join(clash)}; use --prefix (e.g. --prefix pred_)")
    texts = table.column(field).to_pylist()
    rows = [i for i, t in enumerate(texts) if isinstance(t, str) and t.strip()]
    top: list[Any] = [None] * len(texts)
    score: list[Any] = [None] * len(texts)
    per_label: dict[str, list[Any]] = {label: [None] * len(texts) for label in labels}
    if rows:
        for i, result in zip(rows, classifier.classify_many([texts[i] for i in rows], options)):
            top[i], score[i] = result.label, result.score
            for s in result.scores:
                per_label[s.label][i] = s.score
    columns = [pa.array(top, pa.string()), pa.array(score, pa.float64()),
               *(pa.array(per_label[label], pa.float64()) for label in labels)]
    for name, column in zip(names, columns):
        table = table.append_column(name, column)
    return table


class Predictor:
    """One Ray Data actor: loads the model once, then classifies batches (pyarrow Tables)."""

    def __init__(self, job: BatchJob) -> None:
        self.job = job
        self.classifier = job.classifier()
        self.classifier.load()

    def __call__(self, table):
        return predict_table(self.classifier, self.job.options, table, self.job.field, self.job.prefix)


# --------------------------------------------------------------------------------------------
# local engine


def _batches(path: str, fmt: str, size: int) -> Iterator[Any]:
    pa = _pyarrow()
    if fmt == "parquet":
        import pyarrow.parquet as pq

        yield from (pa.Table.from_batches([b]) for b in pq.ParquetFile(path).iter_batches(batch_size=size))
        return
    if fmt == "csv":
        import pyarrow.csv as pcsv

        reader = pcsv.open_csv(path)
    else:
        import pyarrow.json as pjson

        reader = pjson.open_json(path)
    for batch in reader:
        for start in range(0, batch.num_rows, size):
            yield pa.Table.from_batches([batch.slice(start, size)])


def _rows_hint(files: Sequence[str], fmt: str) -> int | None:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    return None


def run_local(job: BatchJob, *, progress_bar: bool = True) -> int:
    """Classify in this process; returns the number of records written."""
    _pyarrow()
    import pyarrow.parquet as pq
    from tqdm import tqdm

    classifier = job.classifier()
    classifier.load()
    prepare_output(job.output)
    target = Path(job.output) / f"part-00000.{job.output_format}"
    written = 0
    writer = None
    bar = tqdm(total=_rows_hint(job.files, job.input_format), unit="rec", disable=not progress_bar,
               file=sys.stderr, desc="classifying")
    try:
        with open(target, "w", encoding="utf-8") if job.output_format == "jsonl" else _NoFile() as out:
            for path in job.files:
                for table in _batches(path, job.input_format, job.records_per_batch):
                    table = predict_table(classifier, job.options, table, job.field, job.prefix)
                    if job.output_format == "parquet":
                        writer = writer or pq.ParquetWriter(target, table.schema)
                        writer.write_table(table)
                    else:
                        for record in table.to_pylist():
                            out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
                    written += table.num_rows
                    bar.update(table.num_rows)
    finally:
        bar.close()
        if writer is not None:
            writer.close()
    return written


class _NoFile:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


# --------------------------------------------------------------------------------------------
# Ray engine


def run_ray(job: BatchJob, *, address: str | None = None, num_cpus: int | None = None,
            concurrency: int | None = None, num_gpus: float = 0) -> int:
    """Classify on Ray Data (a local instance when ``address`` is None); returns the records written."""
    from . import start_ray, stop_ray

    _pyarrow()
    prepare_output(job.output)
    # a local instance gets one logical CPU more than the cores: the actors take one each and
    # Ray Data's read and write tasks need one too (without it they wait for ever)
    ray = start_ray(address, num_cpus or (None if address else (os.cpu_count() or 1) + 1))
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = sys.stderr.isatty()
        if concurrency is None:  # one actor per GPU, or per CPU but one (left to the read and write tasks)
            total = ray.cluster_resources()
            concurrency = int(total.get("GPU", 0) // num_gpus) if num_gpus else int(total.get("CPU", 1)) - 1
            concurrency = max(1, concurrency)
        read = {"parquet": ray.data.read_parquet, "csv": ray.data.read_csv, "json": ray.data.read_json}
        ds = read[job.input_format](list(job.files), **({"lines": True} if job.input_format == "json" else {}))
        # blocks of one batch (streaming): a single big file would otherwise feed a single actor
        ds = ds.repartition(target_num_rows_per_block=job.records_per_batch)
        resources = {"num_gpus": num_gpus} if num_gpus else {"num_cpus": 1}
        ds = ds.map_batches(Predictor, fn_constructor_kwargs={"job": job}, batch_size=job.records_per_batch,
                            batch_format="pyarrow", compute=ray.data.ActorPoolStrategy(size=concurrency),
                            **resources)
        if job.output_format == "parquet":
            ds.write_parquet(job.output)
        else:
            ds.write_json(job.output)
    finally:
        stop_ray(ray)
    return count_output(job.output, job.output_format)


# --------------------------------------------------------------------------------------------


def _output_files(folder: str, fmt: str) -> list[Path]:
    suffix = ".parquet" if fmt == "parquet" else ".json"
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and p.name.endswith((suffix, ".jsonl")))


def count_output(folder: str, fmt: str) -> int:
    if "://" in folder:
        return -1
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return sum(pq.ParquetFile(p).metadata.num_rows for p in _output_files(folder, fmt))
    return sum(1 for p in _output_files(folder, fmt) for line in open(p, encoding="utf-8") if line.strip())


def read_output(folder: str, fmt: str) -> list[dict]:
    """Every record of an output folder (the files in name order), as dicts."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return [r for p in _output_files(folder, fmt) for r in pq.read_table(p).to_pylist()]
    return [json.loads(line) for p in _output_files(folder, fmt) for line in open(p, encoding="utf-8") if line.strip()]

"""``tokls classify --input ... --output ...``: classify whole datasets (the batch form of classify).

``--engine local`` (default) streams the records through the classifier in this process;
``--engine ray`` runs on Ray Data (a local Ray instance, or the cluster at ``--address``). See
:mod:`tokls.scale.batch` for the output columns.
"""

from __future__ import annotations

import argparse
import sys
import time

from ._io import CliError, positive

__all__ = ["add_batch_arguments", "run_batch"]


def add_batch_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("datasets", "classify .jsonl/.csv/.parquet records (needs pyarrow; "
                             "--engine ray needs tokls[ray])")
    g.add_argument("--input", "-i", action="append", metavar="GLOB",
                   help="input files (a glob such as 'data/*.parquet'; repeatable)")
    g.add_argument("--output", "-o", metavar="FOLDER", help="an empty or new folder for the predictions")
    g.add_argument("--field", default="text", help="the field that holds the text (default text)")
    g.add_argument("--output-format", choices=("parquet", "jsonl"), default="parquet",
                   help="default parquet")
    g.add_argument("--prefix", default="", help="prefix for the added columns (label, score, score_<label>)")
    g.add_argument("--engine", choices=("local", "ray"), default="local", help="default local")
    g.add_argument("--address", default=None, help="Ray cluster address (default: a local Ray instance for the run)")
    g.add_argument("--num-gpus", type=float, default=0, help="GPUs per actor (--engine ray; default 0)")
    g.add_argument("--concurrency", type=positive, default=None,
                   help="actors, each with one copy of the model (--engine ray; default: one per CPU or GPU)")
    g.add_argument("--records-per-batch", type=positive, default=256, help=argparse.SUPPRESS)


def run_batch(args) -> int:
    from ..core.classify import ClassifierError, ClassifyOptions
    from ..scale import RayMissing
    from ..scale.batch import BatchError, BatchJob, expand_inputs, run_local, run_ray

    if not args.input or not args.output:
        raise CliError("give both --input and --output to classify a dataset")
    if args.engine == "local" and (args.address or args.num_gpus or args.concurrency):
        raise CliError("--address, --num-gpus and --concurrency need --engine ray")
    try:
        files, fmt = expand_inputs(args.input)
        job = BatchJob(
            files=tuple(files), input_format=fmt, output=args.output, output_format=args.output_format,
            field=args.field, prefix=args.prefix, model=args.model, device=args.device,
            endpoint=args.endpoint, timeout=args.timeout, records_per_batch=args.records_per_batch,
            options=ClassifyOptions(long_text=args.long_text, stride=args.stride, max_length=args.max_length,
                                    batch_size=args.batch_size),
        )
        started = time.monotonic()
        if args.engine == "ray":
            n = run_ray(job, address=args.address, concurrency=args.concurrency, num_gpus=args.num_gpus)
        else:
            n = run_local(job, progress_bar=sys.stderr.isatty())
    except (BatchError, RayMissing, ValueError) as exc:
        raise CliError(str(exc)) from exc
    except ClassifierError as exc:
        print(f"tokls classify: {exc}", file=sys.stderr)
        return 2
    took = time.monotonic() - started
    print(f"tokls classify: {n} records from {len(files)} file(s) → {args.output} "
          f"({args.engine}, {took:.1f} s, {n / took if took else 0:.0f} records/s)", file=sys.stderr)
    return 0

"""Batch classification on this machine: the local engine against Ray Data, and Ray's fixed costs.

Measures, on one generated dataset (seeded review-like sentences of 1-6 phrases, Parquet):

- **local**: records/s of ``tokls classify --engine local`` (in this process, after the model
  has loaded; the load is reported apart);
- **Ray start-up**: ``ray.init`` of a local instance (127.0.0.1 only, no dashboard);
- **model load per actor**: one actor loading the classifier (its own process and torch);
- **Ray with 1..N actors**: records/s of the whole ``map_batches`` job (read, classify, write),
  actor start and model load included, so it is what a user waits for.

    python benchmarks/bench_scale.py [--records 20000] [--max-actors 2] [--model sentiment]

Every Ray process is stopped at the end (``tokls.scale.stop_ray`` in ``finally``: ``ray.shutdown()``,
then any survivor by its process id). Needs the ray extra.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

PHRASES = ["A warm, funny and beautifully acted film.", "I loved every minute of it.", "Smart and moving.",
           "A dull, lifeless mess.", "The plot is stupid.", "The acting is terrible.", "Boring from start to end.",
           "An uneven but often charming comedy.", "It never quite finds its footing."]


def make_dataset(folder: Path, n: int, seed: int = 11) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    rows = [{"id": i, "text": " ".join(rng.choice(PHRASES) for _ in range(rng.randint(1, 6)))} for i in range(n)]
    path = folder / "reviews.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=2048)
    return path


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--max-actors", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--model", default="sentiment")
    args = parser.parse_args()

    from tokls.core.classify import Classifier
    from tokls.scale import start_ray, stop_ray
    from tokls.scale.batch import BatchJob, Predictor, count_output, run_local

    class Rows(list):  # each figure also goes to stderr as soon as it is measured
        def append(self, row):
            log(f"  {row[0]}: {row[1]}")
            super().append(row)

    rows: list[tuple[str, str]] = Rows()
    with tempfile.TemporaryDirectory(prefix="tokls-bench-scale-") as tmp:
        data = make_dataset(Path(tmp), args.records)
        job = BatchJob(files=(str(data),), input_format="parquet", output=str(Path(tmp) / "local"),
                       output_format="parquet", model=args.model, device="cpu")

        t0 = time.perf_counter()
        backend = Classifier(args.model, device="cpu").load().backend
        load_local = time.perf_counter() - t0
        engine = " ".join(str(x) for x in (backend.name, getattr(backend, "precision", "")) if x)
        log(f"local model load {load_local:.1f} s; classifying {args.records} records locally ...")
        t0 = time.perf_counter()
        n = run_local(job, progress_bar=False)  # loads once more (cheap after the first: merged cache)
        local_s = time.perf_counter() - t0
        rows.append((f"local engine (1 process, {engine} on all cores)", f"{n / local_s:,.0f} records/s "
                     f"({local_s:.1f} s, model load {load_local:.1f} s apart)"))

        t0 = time.perf_counter()
        ray = start_ray(None, num_cpus=args.max_actors + 1)
        startup = time.perf_counter() - t0
        rows.append(("Ray start-up (local instance)", f"{startup:.1f} s"))
        try:
            @ray.remote(num_cpus=1)
            def load_once(model: str) -> float:
                started = time.perf_counter()
                Classifier(model, device="cpu").load()
                return time.perf_counter() - started

            t0 = time.perf_counter()
            inside = ray.get(load_once.remote(args.model))
            rows.append(("model load per actor", f"{inside:.1f} s in the actor, {time.perf_counter() - t0:.1f} s "
                                                 "with its process start"))
            ctx = ray.data.DataContext.get_current()
            ctx.execution_options.preserve_order = True
            ctx.enable_progress_bars = False
            for actors in range(1, args.max_actors + 1):
                out = Path(tmp) / f"ray-{actors}"
                out.mkdir()
                actor_job = BatchJob(**{**job.__dict__, "output": str(out)})
                log(f"Ray Data with {actors} actor(s) ...")
                t0 = time.perf_counter()
                ds = ray.data.read_parquet([str(data)]).repartition(target_num_rows_per_block=256)  # as run_ray
                ds = ds.map_batches(Predictor, fn_constructor_kwargs={"job": actor_job}, batch_size=256,
                                    batch_format="pyarrow", compute=ray.data.ActorPoolStrategy(size=actors),
                                    num_cpus=1)
                ds.write_parquet(str(out))
                took = time.perf_counter() - t0
                assert count_output(str(out), "parquet") == args.records
                rows.append((f"Ray Data, {actors} actor(s) ({engine}, 1 CPU reserved each)",
                             f"{args.records / took:,.0f} records/s ({took:.1f} s, actor start and load included)"))
        finally:
            stop_ray(ray)

    print(f"\n{args.records:,} records, {os.cpu_count()} cores\n")
    print("| what | measured |\n|---|---|")
    for what, value in rows:
        print(f"| {what} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

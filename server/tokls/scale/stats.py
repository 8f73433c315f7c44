"""``tokls stats --engine ray``: the token counts on Ray Data, every figure by the local code.

The files are read here with the local readers (same fields, chat rendering, invalid and missing
records); the records to count go to Ray Data, where ``map_batches`` runs on actors that each load
the tokenizer once (:class:`TokenCounter`) and return one count per record. The counts come back
in the records' order and go into the same :class:`~tokls.core.dataset_stats.DatasetStats` the
local engine fills, so the report is computed by the same code (duplicates, empty records,
longest records, percentiles ...).

Ray is imported only by :func:`count_on_ray`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable, Sequence

from ..core.dataset_stats import DatasetStats
from ..core.records import Input, encode_inputs

__all__ = ["TokenCounter", "count_on_ray"]

ROWS_PER_BATCH = 1024


class TokenCounter:
    """One Ray Data actor: loads the tokenizer once, then counts tokens of batches of records."""

    def __init__(self, model: str) -> None:
        from ..core.tokenizers import load_tokenizer

        self.tok = load_tokenizer(model)

    def __call__(self, batch: dict) -> dict:
        inputs = [Input(text, pair if isinstance(pair, str) else None, templated=bool(templated))
                  for text, pair, templated in zip(batch["text"], batch["pair"], batch["templated"])]
        encodings = encode_inputs(self.tok, inputs, offsets=False)
        return {"row": batch["row"], "tokens": [len(e) for e in encodings]}


def count_on_ray(stats: DatasetStats, paths: Sequence[Path], model: str, *, address: str | None = None,
                 num_cpus: int | None = None, concurrency: int | None = None,
                 progress: Callable[[int], None] | None = None) -> None:
    """Read ``paths`` into ``stats`` with their token counts computed on Ray (a local instance on
    127.0.0.1 when ``address`` is None, stopped before this returns)."""
    from . import import_ray, start_ray, stop_ray

    import_ray()  # RayMissing before any reading
    stats.deferred = []
    try:
        for path in paths:
            stats.add_file(path, progress)
        batches, stats.deferred = stats.deferred, None
    except BaseException:
        stats.deferred = None
        raise
    rows = [{"row": r, "text": inp.text, "pair": inp.pair, "templated": inp.templated}
            for r, inp in enumerate(inp for batch, _ in batches for _, inp in batch)]
    counts = [0] * len(rows)
    if rows:
        cpus = num_cpus or (None if address else min(4, os.cpu_count() or 1) + 1)
        ray = start_ray(address, cpus)
        try:
            ctx = ray.data.DataContext.get_current()
            ctx.enable_progress_bars = sys.stderr.isatty()
            if concurrency is None:  # one actor per CPU but one (left to Ray Data's own tasks)
                concurrency = max(1, int(ray.cluster_resources().get("CPU", 1)) - 1)
            ds = ray.data.from_items(rows, override_num_blocks=max(1, len(rows) // ROWS_PER_BATCH))
            ds = ds.map_batches(TokenCounter, fn_constructor_kwargs={"model": model}, batch_size=ROWS_PER_BATCH,
                                compute=ray.data.ActorPoolStrategy(size=concurrency), num_cpus=1)
            for batch in ds.iter_batches(batch_size=ROWS_PER_BATCH, batch_format="numpy"):
                for r, n in zip(batch["row"], batch["tokens"]):
                    counts[int(r)] = int(n)
        finally:
            stop_ray(ray)
    start = 0
    for batch, file_index in batches:
        stats.add_counted(batch, counts[start:start + len(batch)], file_index)
        start += len(batch)

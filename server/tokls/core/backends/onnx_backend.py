"""The ONNX Runtime backend: a cached export of the checkpoint, run without torch or transformers.

``load`` finds the checkpoint's export in the tokls cache (``<cache>/tokls/onnx/<key>``, see
:mod:`.onnx_export`); the first time, it exports it (that one time needs torch and transformers).
From then on a classification imports only ``onnxruntime``, ``tokenizers`` and ``numpy``: the
tokenizer comes from the export's ``tokenizer.json``, labels and the length limit from its
``config.json`` read as JSON, the pad id from its manifest. The graph is the fp32 one unless
:func:`~.onnx_export.int8_default` says int8 keeps the model's accuracy; ``precision=`` overrides
it (the benchmarks and the parity tests compare both).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import numpy as np

from ..checkpoints import ModelLoadError, read_json, read_metadata
from ..tokenizers import max_length_from, special_layout
from . import Loaded, ModelInfo, Progress, temperature_of
from .onnx_export import EXPORT_FORMAT, MANIFEST, cache_key, cache_root, export, int8_default

__all__ = ["OnnxBackend", "load", "export_folder"]

log = logging.getLogger(__name__)

_FALLBACK_MAX_LENGTH = 512


class OnnxBackend:
    """An ONNX Runtime inference session of a sequence classifier."""

    name = "onnx"

    def __init__(self, session, device: str, precision: str, workers: int = 1) -> None:
        self.session = session
        self.device = device
        self.precision = precision
        self.workers = workers
        self._pool = None
        self._pool_lock = threading.Lock()

    def forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        if self.precision != "int8" or len(input_ids) == 0:
            return self._run(input_ids, attention_mask)
        # The int8 graph quantizes activations per tensor (dynamic quantization): in a batch, one
        # row's scale would come from the rows beside it and their padding, and the same text would
        # score differently in different company (up to 0.25 in probability). So every row runs
        # alone, without its padding, and gets one answer whatever its batch. Rows run side by side
        # on ``workers`` threads, each in a one-thread session run (ONNX Runtime's run is
        # thread-safe): faster than one row at a time on all cores (no per-operator thread
        # hand-off) and than padded batches (no padding computed). See benchmarks/bench_classify.py.
        rows = [(ids[mask.astype(bool)][None, :], np.ones((1, int(mask.sum())), dtype=attention_mask.dtype))
                for ids, mask in zip(input_ids, attention_mask)]
        if self.workers <= 1 or len(rows) == 1:
            return np.concatenate([self._run(ids, mask) for ids, mask in rows], axis=0)
        return np.concatenate(list(self._executor().map(lambda row: self._run(*row), rows)), axis=0)

    def _executor(self):
        with self._pool_lock:
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor

                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="tokls-onnx")
            return self._pool

    def _run(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        (logits,) = self.session.run(["logits"], {"input_ids": input_ids, "attention_mask": attention_mask})
        return np.asarray(logits, dtype=np.float32)


def export_folder(model: str, progress: Progress | None = None) -> Path:
    """The finished export of ``model`` (exporting it now when it is not cached)."""
    folder = cache_root() / cache_key(model, progress)
    if not (folder / MANIFEST).is_file():
        t0 = time.monotonic()
        export(model, folder, progress=progress)
        log.info("classifier %s exported to ONNX in %.1f s", model, time.monotonic() - t0)
    return folder


def load(model: str, *, device: str = "auto", progress: Progress | None = None, precision: str | None = None) -> Loaded:
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise ModelLoadError("The ONNX backend needs onnxruntime: pip install 'tokls[inference]'") from exc
    folder = export_folder(model, progress)
    manifest = read_json(folder / MANIFEST)
    if manifest.get("format") != EXPORT_FORMAT:
        raise ModelLoadError(f"{folder} holds an ONNX export of another format ({manifest.get('format')!r}).")
    precision = precision or ("int8" if int8_default(model) else "fp32")
    graph = (manifest.get("files") or {}).get(precision)
    if not graph:
        raise ModelLoadError(f"The ONNX export of '{model}' has no {precision} graph.")
    providers = ["CPUExecutionProvider"]
    where = "cpu"
    if device == "cuda":
        if "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
            where = "cuda"
        else:
            log.warning("classifier.device is 'cuda' but this onnxruntime has no CUDA provider; using the CPU")
    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: no optimizer chatter on stderr
    # ONNX Runtime's defaults, stated: every graph optimization, operators run one after another
    # (the graph is a chain), and intra-op threads = 0, which ONNX Runtime takes as the physical cores
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = 0
    workers = 1
    if precision == "int8" and where == "cpu":  # rows run alone, side by side (OnnxBackend.forward)
        options.intra_op_num_threads = 1
        workers = _cores()
    session = ort.InferenceSession(str(folder / graph), sess_options=options, providers=providers)

    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    prefix, suffix = special_layout(tok)
    config = read_json(folder / "config.json")
    id2label = config.get("id2label") or {}
    count = len(id2label) or int(config.get("num_labels") or 2)
    labels = tuple(str(id2label.get(str(i), id2label.get(i, f"LABEL_{i}"))) for i in range(count))
    max_length = max_length_from(read_json(folder / "tokenizer_config.json"), config) or _FALLBACK_MAX_LENGTH
    if max_length <= len(prefix) + len(suffix):
        raise ModelLoadError(f"'{model}' has a maximum length ({max_length}) too small to hold text.")
    return Loaded(
        OnnxBackend(session, where, precision, workers),
        ModelInfo(
            tokenizer=tok,
            prefix=tuple(prefix),
            suffix=tuple(suffix),
            pad_id=int(manifest.get("pad_id", 0)),
            max_length=max_length,
            labels=labels,
            problem_type=config.get("problem_type"),
            source=f"{manifest.get('source', 'checkpoint')}, ONNX {precision}",
            temperature=temperature_of(read_metadata(folder)),
        ),
    )


def _cores() -> int:
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)

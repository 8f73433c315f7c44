"""Text classification with any sequence-classification checkpoint: a pipeline around a backend.

``Classifier(model, device=..., backend=...)`` wraps a checkpoint (``sentiment``, the embedded
default; a local folder; a hub id, see :mod:`tokls.core.checkpoints`). It loads lazily, once,
under a lock, on the thread that first needs it (the language server calls it from a worker
thread), through a backend (:mod:`tokls.core.backends`: ``onnx``, ``torch``, or ``auto``), and never with
``trust_remote_code``. Each call takes :class:`ClassifyOptions` and runs

1. **preprocess** (here): every text is encoded once without special tokens (offsets are code
   points into the text), then cut into inputs of the model's maximum length: sliding *windows*
   that share ``stride`` tokens with their neighbour (the default), or the first window only
   (``truncate``, which reports how many tokens it dropped). The model's special tokens are added
   around each window.
2. **forward** (the backend): all inputs of all texts, sorted by length and padded per batch of
   ``batch_size`` (:func:`pad`), become logits; ``should_cancel`` is asked before every batch and
   ``progress`` told after it.
3. **postprocess** (here): the activation is chosen from the model's config as transformers'
   text-classification pipeline does (:func:`activation_for`: softmax for single-label models,
   sigmoid for multi-label and one-logit models, none for regression), applied to the logits
   divided by the checkpoint's calibration ``temperature`` when it has one; label names come from
   ``id2label``. A text's score is the mean of its windows' scores (``aggregation: "mean"``);
   every label is reported, sorted by score, with the top one as ``label``.

Batching only changes which inputs share a forward pass, so N texts give the same results as N
single calls (up to float rounding, ~1e-6). Importing this module imports neither torch nor
transformers, nor numpy.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

from .analysis import segment_spans
from .backends import BACKENDS, Loaded, load_backend
from .checkpoints import ClassifierError, ModelLoadError, ModelNotFound, preset_of
from .activation import activate, activation_for
from .classify_results import ClassificationResult, LabelScore, WindowResult, scores_json
from .settings import BACKEND_CHOICES, DEVICES, LONG_TEXT_MODES, ClassifierSettings

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "DEFAULT_MODEL",
    "Classifier",
    "ClassifierError",
    "ModelLoadError",
    "ModelNotFound",
    "EmptyInput",
    "Cancelled",
    "ClassifyOptions",
    "LabelScore",
    "WindowResult",
    "ClassificationResult",
    "scores_json",
    "TextSpan",
    "split_segments",
    "pad",
    "activation_for",
    "activate",
]

log = logging.getLogger(__name__)

_DEFAULTS = ClassifierSettings()  # the one source of the defaults (editor settings, CLI, here)
DEFAULT_MODEL = _DEFAULTS.model
Progress = Callable[[str, "int | None"], None]
ShouldCancel = Callable[[], bool]


class EmptyInput(ClassifierError):
    """The text to classify is empty or only whitespace."""


class Cancelled(ClassifierError):
    """``should_cancel`` returned true between two batches."""


@dataclass(frozen=True)
class ClassifyOptions:
    """Per-call choices (the model, device and backend are the :class:`Classifier`'s)."""

    long_text: str = _DEFAULTS.long_text  # "window" | "truncate"
    stride: int = _DEFAULTS.stride  # tokens shared by consecutive windows
    max_length: int | None = None  # window length with special tokens; None: the model's
    batch_size: int = _DEFAULTS.batch_size

    def __post_init__(self) -> None:
        if self.long_text not in LONG_TEXT_MODES:
            raise ValueError(f"long_text must be 'window' or 'truncate', not {self.long_text!r}")
        if self.stride < 0:
            raise ValueError("stride must be ≥ 0")
        if self.batch_size < 1:
            raise ValueError("batch_size must be ≥ 1")
        if self.max_length is not None and self.max_length < 1:
            raise ValueError("max_length must be ≥ 1")


@dataclass(frozen=True)
class TextSpan:
    """One input of a line/paragraph split: stripped text and its code-point span."""

    text: str
    start: int
    end: int


def split_segments(text: str, segment: str = "line") -> list[TextSpan]:
    """Non-blank lines (``line``) or blank-line separated blocks (``paragraph``), stripped.

    The same segments the token-count diagnostics use (:func:`~tokls.core.analysis.segment_spans`),
    so a "line" here is an LSP line: it ends at ``\\n``, ``\\r\\n`` or ``\\r`` only.
    """
    if segment not in ("line", "paragraph"):
        raise ValueError(f"segment must be 'line' or 'paragraph', not {segment!r}")
    spans: list[TextSpan] = []
    for start, end in segment_spans(text, segment):
        chunk = text[start:end]
        stripped = chunk.strip()
        lead = len(chunk) - len(chunk.lstrip())
        spans.append(TextSpan(stripped, start + lead, start + lead + len(stripped)))
    return spans


# --------------------------------------------------------------------------------------------
# shared steps


def pad(sequences: Sequence[Sequence[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad token id lists to the longest: ``(input_ids, attention_mask)``, int64, batch × width.

    The one padding helper: the pipeline's batches and ``tokls train``'s use it.
    """
    import numpy as np

    width = max(len(seq) for seq in sequences)
    ids = np.full((len(sequences), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(sequences), width), dtype=np.int64)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = seq
        mask[row, : len(seq)] = 1
    return ids, mask


# --------------------------------------------------------------------------------------------


@dataclass
class _Input:
    """One model input: a window of one text."""

    text_index: int
    ids: list[int]  # special tokens included
    start: int
    end: int


@dataclass
class _Prepared:
    texts: list[str]
    inputs: list[_Input]
    token_counts: list[int]
    dropped: list[int]
    options: ClassifyOptions


class Classifier:
    """A lazily loaded sequence classifier (see the module docstring)."""

    def __init__(self, model: str = DEFAULT_MODEL, *, device: str = _DEFAULTS.device, backend: str = _DEFAULTS.backend,
                 endpoint: str | None = None, timeout: float = _DEFAULTS.timeout_ms / 1000) -> None:
        self._backend_options: dict = {}
        if device not in DEVICES:
            raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', not {device!r}")
        if backend not in BACKEND_CHOICES or (backend != "auto" and backend not in BACKENDS):
            raise ValueError(f"backend must be one of {', '.join(BACKEND_CHOICES)}, not {backend!r}")
        if endpoint:  # a TEI-compatible URL: the model runs there; ``model`` only names a fallback tokenizer
            backend, self._backend_options = "remote", {"endpoint": endpoint, "timeout": timeout}
        self.model_name = model or DEFAULT_MODEL
        self.device = device
        self.backend = backend
        self._loaded: Loaded | None = None
        self._lock = threading.Lock()

    @property
    def display_name(self) -> str:
        if self._loaded is not None and self._loaded.info.name:  # e.g. an endpoint's model id
            return self._loaded.info.name
        return preset_of(self.model_name) or self.model_name

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    @property
    def labels(self) -> list[str]:
        return list(self.load().info.labels)

    def load(self, progress: Progress | None = None) -> Loaded:
        """Load the model once (thread-safe); later calls return at once."""
        loaded = self._loaded
        if loaded is not None:
            return loaded
        with self._lock:
            if self._loaded is None:
                t0 = time.monotonic()
                if progress:
                    progress(f"Loading classifier {self.display_name}", None)
                loaded = load_backend(self.backend, self.model_name, device=self.device, progress=progress,
                                      **self._backend_options)
                info = loaded.info
                log.info(
                    "classifier %s loaded from %s with %s on %s in %.1f s (%d labels, max %d tokens)",
                    self.display_name, info.source, loaded.backend.name, loaded.backend.device,
                    time.monotonic() - t0, len(info.labels), info.max_length,
                )
                self._loaded = loaded
            return self._loaded

    # ---- the public calls

    def classify(
        self,
        text: str,
        options: ClassifyOptions | None = None,
        *,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> ClassificationResult:
        """Classify one text (windows aggregated)."""
        return self.classify_many([text], options, progress=progress, should_cancel=should_cancel)[0]

    def classify_many(
        self,
        texts: Sequence[str],
        options: ClassifyOptions | None = None,
        *,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> list[ClassificationResult]:
        """Classify many texts at once: N texts → N results, each with every label's score."""
        texts = list(texts)
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                where = "" if len(texts) == 1 else f" (input {i + 1} of {len(texts)})"
                raise EmptyInput(f"Nothing to classify: the text is empty or only whitespace{where}.")
        if not texts:
            return []
        self.load(progress)
        prepared = self.preprocess(texts, options)
        logits = self.forward(prepared, progress=progress, should_cancel=should_cancel)
        return self.postprocess(prepared, logits)

    # ---- the three steps

    def preprocess(self, texts: Sequence[str], options: ClassifyOptions | None = None) -> _Prepared:
        opts = options or ClassifyOptions()
        info = self.load().info
        max_length = info.max_length if not opts.max_length else min(info.max_length, opts.max_length)
        n_special = len(info.prefix) + len(info.suffix)
        budget = max_length - n_special
        if budget < 1:
            raise ModelLoadError(f"A maximum length of {max_length} leaves no room for text.")
        if opts.long_text == "window" and opts.stride >= budget:
            # a stride at or above the window would step one token at a time (thousands of windows)
            raise ClassifierError(
                f"stride {opts.stride} must be less than the {budget} text tokens of a window (maximum length "
                f"{max_length} less {n_special} special tokens): lower it (tokls.classifier.stride, --stride).")
        stride = opts.stride
        step = budget - stride
        encodings = (
            info.tokenizer.encode_batch(list(texts), add_special_tokens=False)
            if len(texts) > 1
            else [info.tokenizer.encode(texts[0], add_special_tokens=False)]
        )
        prefix, suffix = list(info.prefix), list(info.suffix)
        inputs: list[_Input] = []
        counts: list[int] = []
        dropped: list[int] = []
        for index, (text, enc) in enumerate(zip(texts, encodings)):
            ids, offsets = enc.ids, enc.offsets
            n = len(ids)
            counts.append(n + n_special)
            starts = [0]
            if n > budget and opts.long_text == "window":
                # windows start every ``step`` tokens; the last one reaches the end (and may be short)
                while starts[-1] + budget < n:
                    starts.append(starts[-1] + step)
            dropped.append(max(0, n - budget) if opts.long_text == "truncate" else 0)
            for s in starts:
                e = min(n, s + budget)
                if n:
                    start_char, end_char = offsets[s][0], offsets[e - 1][1]
                else:
                    start_char, end_char = 0, len(text)
                inputs.append(_Input(index, prefix + list(ids[s:e]) + suffix, start_char, end_char))
        return _Prepared(list(texts), inputs, counts, dropped, opts)

    def forward(
        self,
        prepared: _Prepared,
        *,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> np.ndarray:
        """Logits (numpy, inputs × labels) of every prepared input, from the backend."""
        import numpy as np

        loaded = self.load()
        inputs = prepared.inputs
        batch_size = prepared.options.batch_size
        order = sorted(range(len(inputs)), key=lambda i: len(inputs[i].ids))
        out = np.zeros((len(inputs), len(loaded.info.labels)), dtype=np.float32)
        n_batches = (len(order) + batch_size - 1) // batch_size
        report = progress if (progress and n_batches > 1) else None
        for b in range(n_batches):
            if should_cancel is not None and should_cancel():
                raise Cancelled(f"Classification cancelled after {b} of {n_batches} batches.")
            idx = order[b * batch_size : (b + 1) * batch_size]
            if getattr(loaded.backend, "takes_texts", False):  # an endpoint: each window's text
                out[idx] = loaded.backend.forward_texts(
                    [prepared.texts[inputs[i].text_index][inputs[i].start : inputs[i].end] for i in idx])
            else:
                ids, mask = pad([inputs[i].ids for i in idx], loaded.info.pad_id)
                out[idx] = loaded.backend.forward(ids, mask)
            if report:
                done = min(len(order), (b + 1) * batch_size)
                report(f"Classified {done} of {len(order)} inputs", int(100 * (b + 1) / n_batches))
        return out

    def postprocess(self, prepared: _Prepared, logits: np.ndarray) -> list[ClassificationResult]:
        import numpy as np

        info = self.load().info
        labels = info.labels
        activation = activation_for(info.problem_type, len(labels))
        if info.temperature != 1.0 and activation != "none":
            logits = logits / np.float32(info.temperature)  # the checkpoint's calibration
        scores_of = activate(logits, activation)
        by_text: list[list[int]] = [[] for _ in prepared.texts]
        for i, inp in enumerate(prepared.inputs):
            by_text[inp.text_index].append(i)
        results = []
        for t, rows in enumerate(by_text):
            windows = []
            for i in rows:
                inp = prepared.inputs[i]
                ranked = _ranked(labels, scores_of[i])
                windows.append(WindowResult(inp.start, inp.end, len(inp.ids), ranked[0].label, ranked[0].score, ranked))
            if len(rows) > 1:
                mean = scores_of[rows].mean(axis=0, dtype=np.float64)
            else:
                mean = scores_of[rows[0]].astype(np.float64)
            ranked = _ranked(labels, mean)
            results.append(
                ClassificationResult(
                    text=prepared.texts[t],
                    model=self.display_name,
                    label=ranked[0].label,
                    score=ranked[0].score,
                    scores=ranked,
                    multi_label=activation == "sigmoid",
                    tokens=prepared.token_counts[t],
                    mode=prepared.options.long_text,
                    aggregation="mean" if len(rows) > 1 else None,
                    dropped_tokens=prepared.dropped[t],
                    windows=tuple(windows),
                )
            )
        return results


def _ranked(labels: Sequence[str], values) -> tuple[LabelScore, ...]:
    pairs = [LabelScore(label, float(v)) for label, v in zip(labels, values)]
    return tuple(sorted(pairs, key=lambda s: -s.score))

"""Text classification with any sequence-classification checkpoint, in three steps.

``Classifier(name)`` wraps a checkpoint (``sentiment``, the embedded default; a local folder; a
hub id, see :mod:`tokls.core.checkpoints`). It loads lazily, once, under a lock, on the thread
that first needs it (the language server calls it from a worker thread), and never with
``trust_remote_code``. Each call runs

1. **preprocess**: every text is encoded once without special tokens (offsets are code points
   into the text), then cut into inputs of the model's maximum length: sliding *windows* that
   share ``stride`` tokens with their neighbour (the default), or the first window only
   (``truncate``, which reports how many tokens it dropped). The model's special tokens are
   added around each window.
2. **forward**: all inputs of all texts, sorted by length and padded per batch of
   ``batch_size``, run under ``torch.inference_mode()``; ``should_cancel`` is asked before
   every batch and ``progress`` told after it.
3. **postprocess**: logits become probabilities, softmax for single-label models and sigmoid
   when ``config.problem_type`` is ``multi_label_classification``; label names come from
   ``id2label``. A text's score is the mean of its windows' probabilities (``aggregation:
   "mean"``), every label is reported, sorted by score, with the top one as ``label``.

Batching only changes which inputs share a forward pass, so N texts give the same results as N
single calls (up to float rounding, ~1e-6). This module imports torch and transformers only
inside functions, so importing it is cheap.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from tokls.core.analysis import segment_spans
from tokls.core.checkpoints import ClassifierError, ModelLoadError, ModelNotFound, resolve_model

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
    "Unit",
    "split_units",
]

log = logging.getLogger(__name__)

DEFAULT_MODEL = "sentiment"
Progress = Callable[[str, "int | None"], None]
ShouldCancel = Callable[[], bool]


class EmptyInput(ClassifierError):
    """The text to classify is empty or only whitespace."""


class Cancelled(ClassifierError):
    """``should_cancel`` returned true between two batches."""


@dataclass(frozen=True)
class ClassifyOptions:
    long_text: str = "window"  # "window" | "truncate"
    stride: int = 128  # tokens shared by consecutive windows
    max_length: int | None = None  # window length with special tokens; None: the model's
    batch_size: int = 32
    device: str = "auto"  # "auto" | "cpu" | "cuda"

    def __post_init__(self) -> None:
        if self.long_text not in ("window", "truncate"):
            raise ValueError(f"long_text must be 'window' or 'truncate', not {self.long_text!r}")
        if self.stride < 0:
            raise ValueError("stride must be ≥ 0")
        if self.batch_size < 1:
            raise ValueError("batch_size must be ≥ 1")
        if self.max_length is not None and self.max_length < 1:
            raise ValueError("max_length must be ≥ 1")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', not {self.device!r}")


@dataclass(frozen=True)
class LabelScore:
    label: str
    score: float


@dataclass(frozen=True)
class WindowResult:
    start: int  # code-point offsets into the classified text
    end: int
    tokens: int  # special tokens included
    label: str
    score: float
    scores: tuple[LabelScore, ...]


@dataclass(frozen=True)
class ClassificationResult:
    text: str
    model: str
    label: str
    score: float
    scores: tuple[LabelScore, ...]  # every label, highest first
    multi_label: bool
    tokens: int  # the whole text as one sequence, special tokens included
    mode: str  # "window" | "truncate"
    aggregation: str | None  # "mean" over windows, None for a single window
    dropped_tokens: int  # tokens past the limit (truncate mode only)
    windows: tuple[WindowResult, ...]
    probabilities: tuple[float, ...] = field(repr=False, default=())  # in id2label order


@dataclass(frozen=True)
class Unit:
    """One input of a line/paragraph split: stripped text and its code-point span."""

    text: str
    start: int
    end: int


def split_units(text: str, unit: str = "line") -> list[Unit]:
    """Non-blank lines (``line``) or blank-line separated blocks (``paragraph``), stripped.

    The same segments the token-count diagnostics use (:func:`~tokls.core.analysis.segment_spans`),
    so a "line" here is an LSP line: it ends at ``\n``, ``\r\n`` or ``\r`` only.
    """
    if unit not in ("line", "paragraph"):
        raise ValueError(f"unit must be 'line' or 'paragraph', not {unit!r}")
    units: list[Unit] = []
    for start, end in segment_spans(text, unit):
        chunk = text[start:end]
        stripped = chunk.strip()
        lead = len(chunk) - len(chunk.lstrip())
        units.append(Unit(stripped, start + lead, start + lead + len(stripped)))
    return units


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


@dataclass
class _Loaded:
    model: object
    tokenizer: object  # a tokenizers.Tokenizer without truncation/padding
    prefix: list[int]
    suffix: list[int]
    pad_id: int
    max_length: int
    labels: list[str]
    multi_label: bool
    device: str
    source: str


class Classifier:
    """A lazily loaded sequence classifier (see the module docstring)."""

    def __init__(self, model: str = DEFAULT_MODEL, options: ClassifyOptions | None = None) -> None:
        self.model_name = model or DEFAULT_MODEL
        self.options = options or ClassifyOptions()
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()
        self._load_error: ClassifierError | None = None

    # ---- loading

    @property
    def display_name(self) -> str:
        return "sentiment" if self.model_name.lower() in ("sentiment", "tokls-sentiment") else self.model_name

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    @property
    def labels(self) -> list[str]:
        return list(self.load().labels)

    @property
    def max_length(self) -> int:
        return self.load().max_length

    def load(self, progress: Progress | None = None) -> _Loaded:
        """Load the model once (thread-safe); later calls return at once."""
        loaded = self._loaded
        if loaded is not None:
            return loaded
        with self._lock:
            if self._loaded is None:
                self._loaded = self._load(progress)
            return self._loaded

    def _load(self, progress: Progress | None) -> _Loaded:
        t0 = time.monotonic()
        if progress:
            progress(f"Loading classifier {self.display_name}", None)
        resolved = resolve_model(self.model_name, progress)
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
            from transformers.utils import logging as hf_logging
        except ImportError as exc:
            raise ModelLoadError(
                "Classification needs torch and transformers: pip install 'tokls[classify]'"
            ) from exc
        device = self._device(torch)
        verbosity = hf_logging.get_verbosity()
        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        try:
            model, info = AutoModelForSequenceClassification.from_pretrained(
                str(resolved.path), trust_remote_code=False, output_loading_info=True
            )
            hf_tok = AutoTokenizer.from_pretrained(str(resolved.tokenizer_path), trust_remote_code=False)
        except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:
            raise ModelLoadError(f"Could not load classifier '{self.model_name}' ({resolved.source}): {exc}") from exc
        finally:
            hf_logging.set_verbosity(verbosity)
            if bars:
                hf_logging.enable_progress_bar()
        missing = [k for k in info.get("missing_keys", ()) if "classifier" in k or "score" in k or "out_proj" in k]
        if missing:
            raise ModelLoadError(
                f"'{self.model_name}' is not a sequence-classification checkpoint: its classifier head "
                f"({', '.join(sorted(missing)[:3])}) is missing. Train one with `tokls train`."
            )
        backend = getattr(hf_tok, "backend_tokenizer", None)
        if backend is None:
            raise ModelLoadError(f"The tokenizer of '{self.model_name}' has no fast (tokenizers) backend.")
        from tokenizers import Tokenizer

        tok = Tokenizer.from_str(backend.to_str())
        tok.no_truncation()
        tok.no_padding()
        prefix, suffix = _special_layout(tok)
        model.eval()
        model.to(device)
        config = model.config
        n = int(config.num_labels)
        id2label = getattr(config, "id2label", None) or {}
        labels = [str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}"))) for i in range(n)]
        max_length = _model_max_length(hf_tok, config)
        if self.options.max_length:
            max_length = min(max_length, self.options.max_length)
        if max_length <= len(prefix) + len(suffix):
            raise ModelLoadError(f"'{self.model_name}' has a maximum length ({max_length}) too small to hold text.")
        pad_id = hf_tok.pad_token_id
        if pad_id is None:
            pad_id = getattr(config, "pad_token_id", None)
        if pad_id is None:
            pad_id = hf_tok.eos_token_id if hf_tok.eos_token_id is not None else 0
        if getattr(config, "pad_token_id", None) is None:
            config.pad_token_id = pad_id  # decoder-only heads find the last token through it
        loaded = _Loaded(
            model=model,
            tokenizer=tok,
            prefix=prefix,
            suffix=suffix,
            pad_id=int(pad_id),
            max_length=max_length,
            labels=labels,
            multi_label=getattr(config, "problem_type", None) == "multi_label_classification",
            device=device,
            source=resolved.source,
        )
        log.info(
            "classifier %s loaded from %s on %s in %.1f s (%d labels, max %d tokens)",
            self.display_name, resolved.source, device, time.monotonic() - t0, n, max_length,
        )
        return loaded

    def _device(self, torch) -> str:
        want = self.options.device
        if want in ("auto", "cuda") and torch.cuda.is_available():
            return "cuda"
        if want == "cuda":
            log.warning("classifier.device is 'cuda' but CUDA is not available; using the CPU")
        return "cpu"

    # ---- the public calls

    def classify(
        self,
        text: str,
        *,
        options: ClassifyOptions | None = None,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> ClassificationResult:
        """Classify one text (windows aggregated)."""
        return self.classify_many([text], options=options, progress=progress, should_cancel=should_cancel)[0]

    def classify_many(
        self,
        texts: Sequence[str],
        *,
        options: ClassifyOptions | None = None,
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
        probs = self.forward(prepared, progress=progress, should_cancel=should_cancel)
        return self.postprocess(prepared, probs)

    # ---- the three steps

    def preprocess(self, texts: Sequence[str], options: ClassifyOptions | None = None) -> _Prepared:
        opts = options or self.options
        loaded = self.load()
        max_length = loaded.max_length if not opts.max_length else min(loaded.max_length, opts.max_length)
        n_special = len(loaded.prefix) + len(loaded.suffix)
        budget = max_length - n_special
        if budget < 1:
            raise ModelLoadError(f"A maximum length of {max_length} leaves no room for text.")
        stride = min(opts.stride, budget - 1)
        step = budget - stride
        encodings = (
            loaded.tokenizer.encode_batch(list(texts), add_special_tokens=False)
            if len(texts) > 1
            else [loaded.tokenizer.encode(texts[0], add_special_tokens=False)]
        )
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
                inputs.append(_Input(index, loaded.prefix + list(ids[s:e]) + loaded.suffix, start_char, end_char))
        return _Prepared(list(texts), inputs, counts, dropped, opts)

    def forward(
        self,
        prepared: _Prepared,
        *,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ):
        """Probabilities (numpy, inputs × labels) of every prepared input."""
        import numpy as np
        import torch

        loaded = self.load()
        inputs = prepared.inputs
        batch_size = prepared.options.batch_size
        order = sorted(range(len(inputs)), key=lambda i: len(inputs[i].ids))
        out = np.zeros((len(inputs), len(loaded.labels)), dtype=np.float32)
        n_batches = (len(order) + batch_size - 1) // batch_size
        report = progress if (progress and n_batches > 1) else None
        model = loaded.model
        with torch.inference_mode():
            for b in range(n_batches):
                if should_cancel is not None and should_cancel():
                    raise Cancelled(f"Classification cancelled after {b} of {n_batches} batches.")
                idx = order[b * batch_size : (b + 1) * batch_size]
                width = len(inputs[idx[-1]].ids)
                ids = torch.full((len(idx), width), loaded.pad_id, dtype=torch.long)
                mask = torch.zeros((len(idx), width), dtype=torch.long)
                for row, i in enumerate(idx):
                    seq = inputs[i].ids
                    ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
                    mask[row, : len(seq)] = 1
                if loaded.device != "cpu":
                    ids, mask = ids.to(loaded.device), mask.to(loaded.device)
                # no padding in this batch: no mask (lets attention take its unmasked fast path)
                same = len(inputs[idx[0]].ids) == width
                logits = model(input_ids=ids, attention_mask=None if same else mask).logits.float()
                probs = torch.sigmoid(logits) if loaded.multi_label else torch.softmax(logits, dim=-1)
                out[idx] = probs.cpu().numpy()
                if report:
                    done = min(len(order), (b + 1) * batch_size)
                    report(f"Classified {done} of {len(order)} inputs", int(100 * (b + 1) / n_batches))
        return out

    def postprocess(self, prepared: _Prepared, probs) -> list[ClassificationResult]:
        import numpy as np

        loaded = self.load()
        labels = loaded.labels
        by_text: list[list[int]] = [[] for _ in prepared.texts]
        for i, inp in enumerate(prepared.inputs):
            by_text[inp.text_index].append(i)
        results = []
        for t, rows in enumerate(by_text):
            windows = []
            for i in rows:
                inp = prepared.inputs[i]
                scores = _ranked(labels, probs[i])
                windows.append(
                    WindowResult(inp.start, inp.end, len(inp.ids), scores[0].label, scores[0].score, scores)
                )
            mean = probs[rows].mean(axis=0, dtype=np.float64) if len(rows) > 1 else probs[rows[0]].astype(np.float64)
            scores = _ranked(labels, mean)
            results.append(
                ClassificationResult(
                    text=prepared.texts[t],
                    model=self.display_name,
                    label=scores[0].label,
                    score=scores[0].score,
                    scores=scores,
                    multi_label=loaded.multi_label,
                    tokens=prepared.token_counts[t],
                    mode=prepared.options.long_text,
                    aggregation="mean" if len(rows) > 1 else None,
                    dropped_tokens=prepared.dropped[t],
                    windows=tuple(windows),
                    probabilities=tuple(float(x) for x in mean),
                )
            )
        return results


def _ranked(labels: Sequence[str], values) -> tuple[LabelScore, ...]:
    pairs = [LabelScore(label, float(v)) for label, v in zip(labels, values)]
    return tuple(sorted(pairs, key=lambda s: -s.score))


def _special_layout(tok) -> tuple[list[int], list[int]]:
    """The special token ids a single sequence gets before and after its text."""
    enc = tok.encode("a", add_special_tokens=True)
    ids, mask = enc.ids, enc.special_tokens_mask
    lead = 0
    while lead < len(mask) and mask[lead]:
        lead += 1
    trail = len(mask)
    while trail > lead and mask[trail - 1]:
        trail -= 1
    return list(ids[:lead]), list(ids[trail:])


_ROBERTA_LIKE = ("roberta", "xlm-roberta", "camembert", "longformer", "bart", "mbart")


def _model_max_length(hf_tok, config) -> int:
    value = getattr(hf_tok, "model_max_length", None)
    if isinstance(value, int) and 0 < value < 1_000_000:
        limit = value
    else:
        limit = None
    positions = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
    if isinstance(positions, int) and positions > 0:
        if getattr(config, "model_type", "") in _ROBERTA_LIKE:
            positions -= 2  # positions start after the padding index
        limit = min(limit, positions) if limit else positions
    return limit or 512

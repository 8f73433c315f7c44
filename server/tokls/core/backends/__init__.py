"""Classifier backends: the forward pass behind one small protocol.

The classification pipeline (:mod:`tokls.core.classify`) tokenizes, cuts windows and pads on its
own, then hands each padded batch to a :class:`Backend` and gets logits back, as numpy arrays;
activation, aggregation and labels are the pipeline's again. A backend is a module with a

    load(model: str, *, device: str, progress: Progress | None) -> Loaded

function, registered by name in :data:`BACKENDS`. ``Loaded`` pairs the backend with the
:class:`ModelInfo` the pipeline needs (tokenizer, special tokens, pad id, maximum length, labels,
problem type). The module is imported only when its backend is chosen, so torch (or any other
runtime) is imported only inside it. To add one (a remote endpoint): write the module, add its
name here; the pipeline does not change.

Two backends exist: ``onnx`` (ONNX Runtime on a cached export, no torch at run time) and ``torch``
(the reference; training, GPUs, checkpoints that do not export). :func:`load_backend` also takes
``auto``: ONNX when onnxruntime is installed and the device is not ``cuda``, falling back to torch
(with the reason in the log) when the checkpoint does not export.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Protocol

from ..checkpoints import ClassifierError, ModelLoadError

if TYPE_CHECKING:  # numpy and tokenizers are cheap, but only the type checker needs them here
    import numpy as np
    from tokenizers import Tokenizer

__all__ = ["Backend", "ModelInfo", "Loaded", "BACKENDS", "load_backend", "Progress", "temperature_of"]

log = logging.getLogger(__name__)

Progress = Callable[[str, "int | None"], None]

#: backend name → module with a ``load(model, *, device, progress) -> Loaded`` function
BACKENDS: dict[str, str] = {
    "torch": "tokls.core.backends.torch_backend",
    "onnx": "tokls.core.backends.onnx_backend",
    "remote": "tokls.core.backends.remote_backend",
}


class Backend(Protocol):
    """The forward pass of a sequence classifier."""

    name: str  # its key in BACKENDS
    device: str  # where it runs, for the log: "cpu", "cuda", a URL, ...

    def forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """Logits (batch × labels, float32) of a padded batch.

        ``input_ids`` and ``attention_mask`` are int64 arrays of shape batch × width, as
        :func:`tokls.core.classify.pad` makes them (padding on the right, mask 0 there).
        """
        ...

    # A backend that takes texts instead (an HTTP endpoint that tokenizes on its side) sets
    # ``takes_texts = True`` and has ``forward_texts(texts: list[str]) -> logits np`` (texts ×
    # labels): the pipeline still cuts windows with ``ModelInfo.tokenizer`` and sends each
    # window's text; activation and aggregation stay the pipeline's.


@dataclass(frozen=True)
class ModelInfo:
    """What the pipeline needs to know about a loaded model, whatever runs it."""

    tokenizer: Tokenizer  # no truncation, no padding
    prefix: tuple[int, ...]  # special ids before the text of one sequence
    suffix: tuple[int, ...]  # ... and after it
    pad_id: int
    max_length: int  # the model's limit, special tokens included
    labels: tuple[str, ...]  # in logit order (``id2label``)
    problem_type: str | None  # the config's: single_label_classification, multi_label_classification, regression
    source: str  # where the model came from, for the log
    temperature: float = 1.0  # logits are divided by it before the activation (the checkpoint's calibration)
    name: str | None = None  # the model's name when the backend knows it better than the caller (an endpoint's)


@dataclass(frozen=True)
class Loaded:
    backend: Backend
    info: ModelInfo


def temperature_of(meta: dict) -> float:
    """The calibration temperature in a checkpoint's ``tokls_checkpoint.json`` (1.0 when absent or invalid)."""
    value = meta.get("temperature")
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        log.warning("ignoring the checkpoint's temperature %r: not a positive number", value)
        return 1.0
    return float(value)


def load_backend(name: str, model: str, *, device: str = "auto", progress: Progress | None = None,
                 **options) -> Loaded:
    """Load ``model`` with the backend called ``name`` (see :data:`BACKENDS`); ``options`` are the
    backend's own (the remote one's ``endpoint`` and ``timeout``)."""
    if name == "auto" and (device == "cuda" or importlib.util.find_spec("onnxruntime") is None):
        name = "torch"
    if name in ("auto", "onnx"):
        from .onnx_export import NotExportable

        try:
            return importlib.import_module(BACKENDS["onnx"]).load(model, device=device, progress=progress)
        except NotExportable as exc:
            if name == "onnx":
                raise ModelLoadError(
                    f"Could not export '{model}' to ONNX ({exc}); set classifier.backend to torch or auto."
                ) from exc
            log.warning("classifier %s does not export to ONNX (%s); using torch", model, exc)
            name = "torch"
    module_name = BACKENDS.get(name)
    if module_name is None:
        raise ClassifierError(f"Unknown classifier backend {name!r} (known: auto, {', '.join(BACKENDS)}).")
    module = importlib.import_module(module_name)
    return module.load(model, device=device, progress=progress, **options)

"""Postprocess: logits become scores, with the activation transformers' text-classification
pipeline would choose from the model's config (softmax, sigmoid, or none for regression)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["activation_for", "activate"]


def activation_for(problem_type: str | None, num_labels: int) -> str:
    """``softmax``, ``sigmoid`` or ``none``, chosen as transformers' text-classification pipeline does."""
    if problem_type == "regression":
        return "none"
    if problem_type == "multi_label_classification" or num_labels == 1:
        return "sigmoid"
    return "softmax"


def activate(logits: np.ndarray, activation: str) -> np.ndarray:
    """Scores (float32, inputs × labels) from logits by ``activation`` (see :func:`activation_for`)."""
    import numpy as np

    x = np.asarray(logits, dtype=np.float32)
    if activation == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if activation == "sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    if activation == "none":
        return x
    raise ValueError(f"unknown activation {activation!r}")

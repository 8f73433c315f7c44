"""A TEI-compatible classification API around a :class:`~tokls.core.classify.Classifier`, with no
web framework: ``handle(method, path, body) -> (status, json)``.

- ``GET /health``: ``200`` once the model is loaded.
- ``GET /info``: ``model_id``, ``model_type.classifier.id2label``/``label2id``,
  ``max_input_length``, ``max_client_batch_size`` and the other fields of text-embeddings-
  inference's ``/info``, plus ``problem_type`` (tokls' own; TEI clients ignore it).
- ``POST /predict``: ``{"inputs": "text"}`` → ``[{"label", "score"}, ...]``;
  ``{"inputs": ["a", "b"]}`` (or ``[["a"], ["b"]]``) → one such list per input, every label,
  highest score first. ``raw_scores: true`` gives logits instead of probabilities; a text longer
  than the model's limit is an error (413) unless ``truncate: true`` cuts it, as TEI does.
  Errors are ``{"error": ..., "error_type": ...}`` with TEI's status codes.
"""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from ..core.classify import Classifier, ClassifierError, ClassifyOptions, activate, activation_for

__all__ = ["TeiApi"]

MAX_CLIENT_BATCH = 32


def _error(status: int, kind: str, message: str) -> tuple[int, dict]:
    return status, {"error": message, "error_type": kind}


def _dtype(backend) -> str:
    """What the model computes in, in TEI's words (``int8`` for the ONNX int8 graph)."""
    precision = getattr(backend, "precision", None)
    if precision:
        return {"fp32": "float32", "fp16": "float16"}.get(precision, precision)
    model = getattr(backend, "model", None)
    dtype = str(getattr(model, "dtype", "float32"))
    return dtype.removeprefix("torch.")


class TeiApi:
    def __init__(self, classifier: Classifier, *, max_client_batch: int = MAX_CLIENT_BATCH,
                 batch_size: int = 32) -> None:
        self.classifier = classifier
        self.max_client_batch = max_client_batch
        self.batch_size = batch_size

    def info(self) -> dict:
        loaded = self.classifier.load()
        info = loaded.info
        return {
            "model_id": self.classifier.display_name,
            "model_sha": None,
            "model_dtype": _dtype(loaded.backend),
            "model_type": {"classifier": {"id2label": {str(i): label for i, label in enumerate(info.labels)},
                                          "label2id": {label: i for i, label in enumerate(info.labels)}}},
            "max_concurrent_requests": 512,
            "max_input_length": info.max_length,
            "max_batch_tokens": info.max_length * self.batch_size,
            "max_batch_requests": None,
            "max_client_batch_size": self.max_client_batch,
            "auto_truncate": False,
            "tokenization_workers": 1,
            "version": f"tokls {__version__}",
            "problem_type": info.problem_type,
        }

    def predict(self, payload: Any) -> tuple[int, Any]:
        inputs = payload.get("inputs") if isinstance(payload, dict) else None
        single = isinstance(inputs, str)
        items = [inputs] if single else inputs
        if not isinstance(items, list) or not items:
            return _error(422, "Validation", "`inputs` must be a string or a non-empty list of strings")
        texts = []
        for item in items:
            if isinstance(item, list) and len(item) == 1:
                item = item[0]  # [["a"], ["b"]]: a batch of one-sequence inputs
            if not isinstance(item, str):
                return _error(422, "Validation", "every input must be one string (sequence pairs are not supported)")
            if not item.strip():
                return _error(422, "Validation", "`inputs` cannot be empty")
            texts.append(item)
        if len(texts) > self.max_client_batch:
            return _error(413, "Validation", f"batch size {len(texts)} > maximum allowed batch size "
                                             f"{self.max_client_batch}")
        try:
            clf = self.classifier
            prepared = clf.preprocess(texts, ClassifyOptions(long_text="truncate", batch_size=self.batch_size))
            info = clf.load().info
            if not payload.get("truncate") and any(prepared.dropped):
                longest = max(prepared.token_counts)
                return _error(413, "Validation", f"`inputs` must have less than {info.max_length} tokens. "
                                                 f"Given: {longest}")
            logits = clf.forward(prepared)
        except ClassifierError as exc:
            return _error(500, "Backend", str(exc))
        # the checkpoint's calibration applies to what is served, raw scores included (a client that
        # applies the activation itself then gets the local model's probabilities)
        activation = activation_for(info.problem_type, len(info.labels))
        if info.temperature != 1.0 and activation != "none":
            logits = logits / info.temperature
        scores = logits if payload.get("raw_scores") else activate(logits, activation)
        rows = [sorted(({"label": label, "score": float(s)} for label, s in zip(info.labels, row)),
                       key=lambda d: -d["score"]) for row in scores]
        return 200, rows[0] if single else rows

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        """One HTTP request → ``(status, JSON-able body)``."""
        path = path.rstrip("/") or "/"
        if path == "/health" and method == "GET":
            self.classifier.load()
            return 200, None
        if path == "/info" and method == "GET":
            return 200, self.info()
        if path == "/predict" and method == "POST":
            try:
                payload = json.loads(body or b"null")
            except ValueError as exc:
                return _error(422, "Validation", f"the body is not JSON: {exc}")
            return self.predict(payload)
        if path in ("/health", "/info", "/predict"):
            return _error(405, "Validation", f"{method} is not allowed on {path}")
        return _error(404, "Validation", f"no route {path} (this server has /predict, /info, /health)")

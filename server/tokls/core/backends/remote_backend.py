"""The remote backend: a classifier behind a TEI-compatible HTTP endpoint.

Hugging Face text-embeddings-inference (TEI) and ``tokls serve-model`` answer

- ``GET /info``: ``model_id``, ``model_type.classifier.id2label``, ``max_input_length``,
  ``max_client_batch_size`` (``tokls serve-model`` adds ``problem_type``);
- ``POST /predict`` with ``{"inputs": [text, ...], "raw_scores": true, "truncate": true}``: per
  input, every label with its raw score (the logit), ``[{"label", "score"}, ...]``.

Such an endpoint takes texts, not token ids, so this backend declares ``takes_texts``: the
pipeline still cuts the windows with the model's tokenizer (the one named by ``/info``'s
``model_id``, else the local one named like the configured model) and sends each window's text;
the logits come back in label order and the pipeline activates and aggregates them as for a local
model. Only the standard library talks HTTP (``urllib``); every call has a timeout, and every
failure (down, slow, malformed) is an :class:`EndpointError` whose message says what to do.
"""

from __future__ import annotations

import json
import logging
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Sequence

from ..checkpoints import (ClassifierError, ModelLoadError, embedded_dir, read_json, read_metadata, preset_of,
                           resolve_base)
from . import Loaded, ModelInfo, Progress

__all__ = ["EndpointError", "RemoteBackend", "load", "DEFAULT_TIMEOUT_S"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 30.0
_MAX_ERROR_BODY = 300


class EndpointError(ClassifierError):
    """The classifier endpoint is down, too slow, or answered something malformed."""


def _describe(url: str, exc: BaseException, timeout: float) -> str:
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return (f"The classifier endpoint {url} did not answer within {timeout:g} s "
                "(raise tokls.classifier.timeoutMs, or use fewer inputs per batch).")
    if isinstance(reason, ConnectionRefusedError):
        return (f"The classifier endpoint {url} is not reachable (connection refused): start it "
                "(`tokls serve-model`) or fix tokls.classifier.endpoint.")
    return f"The classifier endpoint {url} is not reachable: {reason}."


class Endpoint:
    """JSON over HTTP to one base URL, with a timeout (seconds) on every call."""

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise EndpointError(f"The classifier endpoint must be an http:// or https:// URL, not {base_url!r}.")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def call(self, path: str, payload: Any = None) -> Any:
        url = self.base_url + path
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(url, data=data, method="GET" if data is None else "POST",
                                         headers={"Content-Type": "application/json", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read(_MAX_ERROR_BODY * 4).decode("utf-8", "replace")
            try:
                detail = json.loads(detail).get("error", detail)
            except (ValueError, AttributeError):
                pass
            raise EndpointError(f"The classifier endpoint {url} answered HTTP {exc.code}: "
                                f"{str(detail).strip()[:_MAX_ERROR_BODY] or exc.reason}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise EndpointError(_describe(url, exc, self.timeout)) from exc
        try:
            return json.loads(body)
        except ValueError as exc:
            raise EndpointError(f"The classifier endpoint {url} returned malformed JSON: {body[:80]!r}") from exc


def _malformed(url: str, what: str) -> EndpointError:
    return EndpointError(f"The classifier endpoint {url} returned a malformed answer: {what}.")


class RemoteBackend:
    """Window texts → logits, through ``/predict``."""

    name = "remote"
    takes_texts = True

    def __init__(self, endpoint: Endpoint, labels: Sequence[str], batch_limit: int) -> None:
        self.endpoint = endpoint
        self.device = endpoint.base_url
        self.labels = tuple(labels)
        self.batch_limit = max(1, batch_limit)

    def forward(self, input_ids, attention_mask):  # the Backend protocol; the pipeline calls forward_texts
        raise NotImplementedError("the remote backend takes texts: use forward_texts")

    def forward_texts(self, texts: Sequence[str]):
        """Logits (texts × labels, float32, in :attr:`labels` order) of each text."""
        import numpy as np

        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        index = {label: i for i, label in enumerate(self.labels)}
        url = self.endpoint.base_url + "/predict"
        for start in range(0, len(texts), self.batch_limit):
            chunk = list(texts[start : start + self.batch_limit])
            answer = self.endpoint.call("/predict", {"inputs": chunk, "raw_scores": True, "truncate": True})
            if len(chunk) == 1 and isinstance(answer, list) and answer and isinstance(answer[0], dict):
                answer = [answer]  # some servers answer a one-input batch unwrapped
            if not isinstance(answer, list) or len(answer) != len(chunk):
                raise _malformed(url, f"expected a list of {len(chunk)} results")
            for row, result in enumerate(answer):
                seen = set()
                for item in result if isinstance(result, list) else [None]:
                    if not (isinstance(item, dict) and item.get("label") in index
                            and isinstance(item.get("score"), (int, float))):
                        raise _malformed(url, f"result {row + 1} is not a list of {{label, score}} "
                                              f"with labels from /info ({', '.join(self.labels)})")
                    out[start + row, index[item["label"]]] = float(item["score"])
                    seen.add(item["label"])
                if len(seen) != len(self.labels):
                    raise _malformed(url, f"result {row + 1} lacks labels {sorted(set(self.labels) - seen)}")
        return out


def _tokenizer(name: str):
    """The tokenizer of the model called ``name``, without loading the model (no torch)."""
    from ..tokenizers import load_tokenizer

    folder = embedded_dir(name) if preset_of(name) else Path(name).expanduser()
    target = name
    if folder.is_dir():
        target = str(folder)
        if not any((folder / f).is_file() for f in ("tokenizer.json", "vocab.txt", "tokenizer_config.json")):
            base = read_metadata(folder).get("base") or read_json(folder / "adapter_config.json").get(
                "base_model_name_or_path")
            if not base:
                raise ModelLoadError(f"{folder} has no tokenizer files and names no base model.")
            target = str(resolve_base(str(base)))
    return load_tokenizer(target)


def _find_tokenizer(names: Sequence[str]):
    problems = []
    for name in dict.fromkeys(n for n in names if n):
        try:
            return _tokenizer(name)
        except Exception as exc:  # noqa: BLE001 - try the next name, report all
            problems.append(f"{name}: {exc}")
    raise ModelLoadError("No tokenizer to cut windows for the classifier endpoint: " + "; ".join(problems))


def load(model: str, *, device: str = "auto", progress: Progress | None = None,
         endpoint: str | None = None, timeout: float = DEFAULT_TIMEOUT_S) -> Loaded:
    """Connect to ``endpoint`` (``/info``); ``model`` names a fallback tokenizer. ``device`` is the server's."""
    if not endpoint:
        raise EndpointError("The remote backend needs an endpoint URL (tokls.classifier.endpoint or --endpoint).")
    ep = Endpoint(endpoint, timeout)
    if progress:
        progress(f"Connecting to {ep.base_url}", None)
    info = ep.call("/info")
    url = ep.base_url + "/info"
    if not isinstance(info, dict):
        raise _malformed(url, "expected a JSON object")
    classifier = (info.get("model_type") or {}).get("classifier") if isinstance(info.get("model_type"), dict) else None
    if not isinstance(classifier, dict) or not isinstance(classifier.get("id2label"), dict):
        raise EndpointError(f"The endpoint {ep.base_url} does not serve a sequence classifier "
                            f"(its /info has no model_type.classifier.id2label).")
    id2label = classifier["id2label"]
    try:
        labels = tuple(str(id2label[k]) for k in sorted(id2label, key=int))
    except (TypeError, ValueError):
        raise _malformed(url, "id2label keys are not label numbers") from None
    model_id = str(info.get("model_id") or "")
    tok = _find_tokenizer([model_id, model])
    max_length = info.get("max_input_length")
    if not isinstance(max_length, int) or max_length <= tok.num_special:
        max_length = tok.max_length or 512
    batch_limit = info.get("max_client_batch_size")
    problem_type = info.get("problem_type")
    log.info("classifier endpoint %s: %s, %d labels, tokenizer %s", ep.base_url, model_id or "?", len(labels),
             tok.source)
    return Loaded(
        RemoteBackend(ep, labels, batch_limit if isinstance(batch_limit, int) else 32),
        ModelInfo(
            tokenizer=tok.tokenizer,
            prefix=tuple(tok.prefix_ids),
            suffix=tuple(tok.suffix_ids),
            pad_id=0,  # never used: the endpoint pads
            max_length=max_length,
            labels=labels,
            problem_type=problem_type if isinstance(problem_type, str) else None,
            source=f"endpoint {ep.base_url} ({model_id or 'unnamed model'})",
            name=model_id or None,
        ),
    )

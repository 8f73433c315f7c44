"""Classification commands: ``workspace/executeCommand`` for ``tokls.classify`` and
``tokls.classifyLines``.

``tokls.classify(uri, ranges?)`` classifies the text of the ranges (joined by newlines; the whole
document when there are none or all are empty) as one input, long texts in sliding windows, and
returns every label's score and each window's range. ``tokls.classifyLines(uri, ranges?, unit?)``
classifies every non-blank line (or paragraph) of the ranges, all in one batch.

The model (setting ``tokls.classifier.model``) loads on first use; loading and inference run on
a dedicated worker thread, never on the event loop. Both commands report work-done progress
(``$/progress``) with the client's ``workDoneToken``, or a server-created token when the client
supports ``window.workDoneProgress``, while the model loads and while many windows or lines run.
Between batches they stop when the request is cancelled (``$/cancelRequest``) or its progress is
(``window/workDoneProgress/cancel``). Bad input fails the request with a message that says what
went wrong; the server keeps serving.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams, JsonRpcRequestCancelled

from ...core.classify import (
    Cancelled,
    ClassificationResult,
    Classifier,
    ClassifierError,
    ClassifyOptions,
    EmptyInput,
    LabelScore,
    split_units,
)
from ..arguments import document, json_range, lsp_ranges, unpack
from ..convert import Document
from ..server import ToklsServer

log = logging.getLogger("tokls")

#: the ``workDoneToken`` of the executeCommand request being dispatched (see ``_capture_tokens``)
_WORK_DONE_TOKEN: contextvars.ContextVar[Any] = contextvars.ContextVar("tokls_work_done_token", default=None)


class _State:
    """Per-server classification state: one worker thread and the current classifier."""

    def __init__(self) -> None:
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tokls-classify")
        self.key: tuple[str, str] | None = None
        self.classifier: Classifier | None = None

    def classifier_for(self, ls: ToklsServer) -> tuple[Classifier, ClassifyOptions]:
        s = ls.settings.classifier
        options = ClassifyOptions(long_text=s.long_text, stride=s.stride, batch_size=s.batch_size, device=s.device)
        key = (s.model, s.device)
        if self.classifier is None or self.key != key:
            self.classifier = Classifier(s.model, options)  # the old one (and its model) is dropped
            self.key = key
        return self.classifier, options


def _state(ls: ToklsServer) -> _State:
    state = getattr(ls, "_tokls_classify", None)
    if state is None:
        state = _State()
        ls._tokls_classify = state  # type: ignore[attr-defined]
    return state


# --------------------------------------------------------------------------------------------
# Arguments


def _spans(doc: Document, ranges: list[types.Range]) -> list[tuple[int, int]]:
    """Code-point spans of the non-empty ranges; the whole document when there are none."""
    spans = [doc.offsets_of(r) for r in ranges]
    spans = [(a, b) for a, b in spans if a < b]
    return spans or [(0, len(doc.text))]


# --------------------------------------------------------------------------------------------
# Progress and cancellation


@dataclass
class _Job:
    """Bridges the worker thread to the event loop: progress reports and cancellation."""

    ls: ToklsServer
    loop: asyncio.AbstractEventLoop
    token: Any
    title: str
    request: Any  # the request's future: cancelled on $/cancelRequest
    started: bool = False

    def should_cancel(self) -> bool:
        if self.request is not None and self.request.cancelled():
            return True
        if self.token is not None:
            fut = self.ls.work_done_progress.tokens.get(self.token)
            return bool(fut is not None and fut.cancelled())
        return False

    def progress(self, message: str, percentage: int | None) -> None:
        if self.token is None:
            return
        self.loop.call_soon_threadsafe(self._report, message, percentage)

    def _report(self, message: str, percentage: int | None) -> None:
        try:
            if not self.started:
                self.started = True
                self.ls.work_done_progress.begin(
                    self.token,
                    types.WorkDoneProgressBegin(title=self.title, message=message, percentage=percentage, cancellable=True),
                )
            else:
                self.ls.work_done_progress.report(
                    self.token, types.WorkDoneProgressReport(message=message, percentage=percentage)
                )
        except Exception:  # noqa: BLE001 - progress is best effort
            log.debug("progress report failed", exc_info=True)

    def end(self, message: str) -> None:
        if self.token is None or not self.started:
            return
        try:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
        except Exception:  # noqa: BLE001
            log.debug("progress end failed", exc_info=True)
        self.ls.work_done_progress.tokens.pop(self.token, None)


def _client_supports_progress(ls: ToklsServer) -> bool:
    caps = getattr(ls.protocol, "client_capabilities", None)
    window = getattr(caps, "window", None) if caps is not None else None
    return bool(getattr(window, "work_done_progress", False))


async def _job(ls: ToklsServer, title: str, heavy: bool) -> _Job:
    loop = asyncio.get_running_loop()
    token = _WORK_DONE_TOKEN.get()
    if token is None and heavy and _client_supports_progress(ls):
        token = f"tokls-classify-{uuid.uuid4()}"
        try:
            await asyncio.wait_for(ls.work_done_progress.create_async(token), timeout=5)
        except Exception:  # noqa: BLE001 - a client that refuses gets no progress
            token = None
    msg_id = None
    ctx = getattr(ls.protocol, "_ctx_msg_id", None)
    if ctx is not None:
        try:
            msg_id = ctx.get()
        except LookupError:
            msg_id = None
    request = ls.protocol._request_futures.get(msg_id) if msg_id is not None else None
    job = _Job(ls, loop, token, title, request)
    if token is not None:
        job._report("Starting", None)  # begin now, so that every begin gets its end
    return job


async def _run(ls: ToklsServer, job: _Job, fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn`` on the classification thread; core errors become JSON-RPC errors."""
    state = _state(ls)
    loop = asyncio.get_running_loop()
    outcome = "failed"
    try:
        result = await loop.run_in_executor(state.executor, fn, *args)
        outcome = "done"
        return result
    except Cancelled as exc:
        outcome = "cancelled"
        raise JsonRpcRequestCancelled(str(exc)) from exc
    except EmptyInput as exc:
        raise JsonRpcInvalidParams(str(exc)) from exc
    except ClassifierError as exc:  # ModelNotFound, ModelLoadError
        ls.tell(str(exc), types.MessageType.Error)
        raise JsonRpcInternalError(str(exc)) from exc
    except JsonRpcException:
        raise
    except Exception as exc:  # noqa: BLE001 - never take the server down
        log.exception("classification failed")
        raise JsonRpcInternalError(f"Classification failed: {type(exc).__name__}: {exc}") from exc
    finally:
        job.end(outcome)


# --------------------------------------------------------------------------------------------
# Results


def _scores(scores: tuple[LabelScore, ...]) -> list[dict]:
    return [{"label": s.label, "score": s.score} for s in scores]


def _to_doc(pieces: list[tuple[int, int, int]], offset: int, is_end: bool) -> int:
    """Map an offset in the joined text to the document; ``pieces`` = (joined start, doc start, length)."""
    for joined, start, length in pieces:
        if offset < joined + length or (is_end and offset == joined + length):
            return start + max(0, offset - joined)
    joined, start, length = pieces[-1]
    return start + length


def _classify_result(result: ClassificationResult, doc: Document, pieces) -> dict:
    return {
        "model": result.model,
        "label": result.label,
        "score": result.score,
        "scores": _scores(result.scores),
        "multiLabel": result.multi_label,
        "tokens": result.tokens,
        "mode": result.mode,
        "aggregation": result.aggregation,
        "droppedTokens": result.dropped_tokens,
        "windows": [
            {
                "range": json_range(doc, _to_doc(pieces, w.start, False), _to_doc(pieces, w.end, True)),
                "label": w.label,
                "score": w.score,
                "scores": _scores(w.scores),
                "tokens": w.tokens,
            }
            for w in result.windows
        ],
    }


# --------------------------------------------------------------------------------------------


def _capture_tokens(server: ToklsServer) -> None:
    """Make the request's ``workDoneToken`` visible to the command handlers.

    pygls hands command handlers their arguments only. This wraps the executeCommand dispatcher
    so that the token sits in a context variable while the handler's task is created (asyncio
    tasks copy the context they start in).
    """
    fm = server.protocol.fm
    inner = fm.builtin_features.get(types.WORKSPACE_EXECUTE_COMMAND)
    if inner is None or getattr(inner, "_tokls_tokens", False):
        return

    def execute_command(params: types.ExecuteCommandParams):
        _WORK_DONE_TOKEN.set(getattr(params, "work_done_token", None))
        return (yield from inner(params))

    execute_command._tokls_tokens = True  # type: ignore[attr-defined]
    fm.builtin_features[types.WORKSPACE_EXECUTE_COMMAND] = execute_command


def register(server: ToklsServer) -> None:
    _capture_tokens(server)

    @server.command("tokls.classify")
    async def classify(ls: ToklsServer, *args: Any) -> dict:
        # pygls demands every declared parameter: optional ones come through *args
        uri, ranges = unpack(args, 2, "tokls.classify(uri, ranges?)")
        doc = document(ls, uri)
        spans = _spans(doc, lsp_ranges(ls, ranges))
        snapshot = doc.copy()
        pieces, parts, pos = [], [], 0
        for a, b in spans:
            pieces.append((pos, a, b - a))
            parts.append(snapshot.text[a:b])
            pos += b - a + 1
        text = "\n".join(parts)
        classifier, options = _state(ls).classifier_for(ls)
        job = await _job(ls, "tokls: classifying", heavy=not classifier.loaded or len(text) > 20_000)
        result = await _run(
            ls, job,
            lambda: classifier.classify(text, options=options, progress=job.progress, should_cancel=job.should_cancel),
        )
        return _classify_result(result, snapshot, pieces)

    @server.command("tokls.classifyLines")
    async def classify_lines(ls: ToklsServer, *args: Any) -> dict:
        uri, ranges, unit = unpack(args, 3, "tokls.classifyLines(uri, ranges?, unit?)")
        doc = document(ls, uri)
        if unit is None:
            unit = "line"
        if unit not in ("line", "paragraph"):
            raise JsonRpcInvalidParams(f"unit must be 'line' or 'paragraph', got {unit!r}")
        snapshot = doc.copy()
        inputs: list[tuple[int, int, str]] = []
        for a, b in _spans(doc, lsp_ranges(ls, ranges)):
            inputs += [(a + u.start, a + u.end, u.text) for u in split_units(snapshot.text[a:b], unit)]
        if not inputs:
            raise JsonRpcInvalidParams(f"Nothing to classify: no non-blank {unit}s in the given ranges.")
        classifier, options = _state(ls).classifier_for(ls)
        heavy = not classifier.loaded or len(inputs) > options.batch_size
        job = await _job(ls, "tokls: classifying lines", heavy=heavy)
        results = await _run(
            ls, job,
            lambda: classifier.classify_many(
                [t for _, _, t in inputs], options=options, progress=job.progress, should_cancel=job.should_cancel
            ),
        )
        return {
            "model": classifier.display_name,
            "multiLabel": results[0].multi_label,
            "rows": [
                {"range": json_range(snapshot, a, b), "text": t, "label": r.label, "score": r.score,
                 "scores": _scores(r.scores), "tokens": r.tokens}
                for (a, b, t), r in zip(inputs, results)
            ],
        }

"""Model work off the event loop: one ``tokls-model`` thread, work-done progress, cancellation.

:meth:`ModelThread.run` runs ``fn(work)`` on the thread, where ``work`` (a :class:`WorkProgress`)
reports progress to the client (``$/progress``) and says whether to stop: the request was
cancelled (``$/cancelRequest``) or its progress was (``window/workDoneProgress/cancel``). The
token is the client's ``workDoneToken``, or one the server creates for long work when the client
supports ``window.workDoneProgress``. Core errors become JSON-RPC errors; the server keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams, JsonRpcRequestCancelled
from pygls.lsp.server import LanguageServer

from ..core.classify import Cancelled, ClassifierError, EmptyInput
from ._pygls import request_future, work_done_token

log = logging.getLogger("tokls")
T = TypeVar("T")


class WorkProgress:
    """Bridges the model thread to the event loop: progress reports and cancellation."""

    def __init__(self, server: LanguageServer, token: Any, title: str, request: Any) -> None:
        self.server = server
        self.loop = asyncio.get_running_loop()
        self.token = token
        self.title = title
        self.request = request  # the request's future: cancelled on $/cancelRequest
        self.started = False

    def should_cancel(self) -> bool:
        """Any thread."""
        if self.request is not None and self.request.cancelled():
            return True
        if self.token is not None:
            fut = self.server.work_done_progress.tokens.get(self.token)
            return bool(fut is not None and fut.cancelled())
        return False

    def progress(self, message: str, percentage: int | None) -> None:
        """Any thread."""
        if self.token is not None:
            self.loop.call_soon_threadsafe(self.report, message, percentage)

    def report(self, message: str, percentage: int | None) -> None:
        """The loop only: ``begin`` the first time, ``report`` after."""
        progress = self.server.work_done_progress
        try:
            if not self.started:
                self.started = True
                progress.begin(self.token, types.WorkDoneProgressBegin(
                    title=self.title, message=message, percentage=percentage, cancellable=True))
            else:
                progress.report(self.token, types.WorkDoneProgressReport(message=message, percentage=percentage))
        except Exception:  # noqa: BLE001 - progress is best effort
            log.debug("progress report failed", exc_info=True)

    def end(self, message: str) -> None:
        if self.token is None or not self.started:
            return
        try:
            self.server.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
        except Exception:  # noqa: BLE001
            log.debug("progress end failed", exc_info=True)
        self.server.work_done_progress.tokens.pop(self.token, None)


class ModelThread:
    def __init__(self, server: LanguageServer, on_model_error: Callable[[str], None]) -> None:
        self.server = server
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tokls-model")
        self.on_model_error = on_model_error  # a model that cannot load: tell the user too

    async def run(self, title: str, fn: Callable[[WorkProgress], T], *, long: bool) -> T:
        """``fn(work)`` on the model thread, inside a request handler; ``long``: show progress
        even when the client sent no token."""
        work = WorkProgress(self.server, await self._token(long), title, request_future(self.server.protocol))
        if work.token is not None:
            work.report("Starting", None)  # begin now, so that every begin gets its end
        outcome = "failed"
        try:
            result = await asyncio.get_running_loop().run_in_executor(self.thread, fn, work)
            outcome = "done"
            return result
        except Cancelled as exc:
            outcome = "cancelled"
            raise JsonRpcRequestCancelled(str(exc)) from exc
        except EmptyInput as exc:
            raise JsonRpcInvalidParams(str(exc)) from exc
        except ClassifierError as exc:  # ModelNotFound, ModelLoadError
            self.on_model_error(str(exc))
            raise JsonRpcInternalError(str(exc)) from exc
        except JsonRpcException:
            raise
        except Exception as exc:  # noqa: BLE001 - never take the server down
            log.exception("classification failed")
            raise JsonRpcInternalError(f"Classification failed: {type(exc).__name__}: {exc}") from exc
        finally:
            work.end(outcome)

    async def _token(self, long: bool) -> Any:
        token = work_done_token()
        window = self.server.client_capabilities.window
        if token is None and long and window is not None and window.work_done_progress:
            token = f"tokls-classify-{uuid.uuid4()}"
            try:
                await asyncio.wait_for(self.server.work_done_progress.create_async(token), timeout=5)
            except Exception:  # noqa: BLE001 - a client that refuses gets no progress
                token = None
        return token

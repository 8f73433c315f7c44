"""Everything tokls does to pygls beyond its public API, in one place.

Each override or private access below says why it exists; ``tests/lsp/test_pygls_seam.py`` pins
every one of them to pygls 2.x, and ``tests/lsp/test_layering.py`` fails when a private pygls
name is used anywhere else in ``tokls``. When pygls changes, this is the one module to fix.
"""

from __future__ import annotations

import contextvars
from asyncio import Future
from typing import Any

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol, lsp_method

__all__ = ["ToklsProtocol", "work_done_token", "request_future"]

#: the ``workDoneToken`` of the executeCommand request being dispatched
_WORK_DONE_TOKEN: contextvars.ContextVar[Any] = contextvars.ContextVar("tokls_work_done_token", default=None)


class ToklsProtocol(LanguageServerProtocol):
    """pygls' protocol with tokls' own text sync and the executeCommand work-done token.

    Text sync: pygls' built-in didOpen/didChange/didClose keep a copy of every document in its
    workspace, which costs a Python pass over the whole text per keystroke and splits lines where
    LSP does not. tokls keeps its own (:class:`~.document.Document`), so these overrides only
    hand the notification to the server's handler.

    executeCommand: pygls passes a command handler its arguments only, not the request's
    ``workDoneToken``. The override puts the token in a context variable before the handler's
    task is created (asyncio tasks copy the context they start in); :func:`work_done_token`
    reads it.
    """

    def _user_handler(self, method: str, params: Any):
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        return (yield from self._user_handler(types.TEXT_DOCUMENT_DID_OPEN, params))

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        return (yield from self._user_handler(types.TEXT_DOCUMENT_DID_CHANGE, params))

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        return (yield from self._user_handler(types.TEXT_DOCUMENT_DID_CLOSE, params))

    @lsp_method(types.WORKSPACE_EXECUTE_COMMAND)
    def lsp_workspace__execute_command(self, params: types.ExecuteCommandParams):
        _WORK_DONE_TOKEN.set(params.work_done_token)
        return (yield from super().lsp_workspace__execute_command(params))


def work_done_token() -> Any:
    """The ``workDoneToken`` of the executeCommand request whose handler is running (or None)."""
    return _WORK_DONE_TOKEN.get()


def request_future(protocol: LanguageServerProtocol) -> Future | None:
    """The future of the request whose handler is running; pygls cancels it on ``$/cancelRequest``.

    pygls has no public way to ask whether the current request was cancelled: the id is public
    (``protocol.msg_id``), the futures by id (``_request_futures``) are not. Work on another
    thread polls ``future.cancelled()`` between batches.
    """
    msg_id = protocol.msg_id
    return protocol._request_futures.get(msg_id) if msg_id is not None else None

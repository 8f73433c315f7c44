"""Everything tokls does to pygls beyond its public API, in one place.

Each override or private access below says why it exists; ``tests/lsp/test_pygls_seam.py`` pins
every one of them to pygls 2.x, and ``tests/lsp/test_layering.py`` fails when a private pygls
name is used anywhere else in ``tokls``. When pygls changes, this is the one module to fix.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import re
import sys
import threading
from asyncio import Future
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.io_ import StdoutWriter
from pygls.protocol import JsonRPCResponseMessage, LanguageServerProtocol, lsp_method

__all__ = ["ToklsProtocol", "work_done_token", "request_future", "serve_stdio", "FramingError", "warm_converter"]

log = logging.getLogger("tokls")

# JSON-RPC / LSP error codes
PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS, INTERNAL_ERROR, SERVER_NOT_INITIALIZED = (
    -32700, -32600, -32602, -32603, -32002)

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

    # -- the lifecycle rules pygls does not enforce (LSP "initialize", "shutdown") -------------
    # pygls serves requests before ``initialize`` and drops those after ``shutdown`` without an
    # answer; LSP asks for -32002 and -32600 (InvalidRequest) respectively.

    _tokls_initialize_seen = False

    def handle_message(self, message: Any) -> None:
        method = getattr(message, "method", None)
        msg_id = getattr(message, "id", None)
        is_request = method is not None and msg_id is not None
        if is_request and method == types.INITIALIZE:
            self._tokls_initialize_seen = True
        elif is_request and self._shutdown:
            self.send_error(msg_id, INVALID_REQUEST, f"{method}: the server is shutting down (after shutdown)")
            return
        elif is_request and not self._tokls_initialize_seen:
            self.send_error(msg_id, SERVER_NOT_INITIALIZED, f"{method}: the server is not initialized yet")
            return
        super().handle_message(message)

    def send_error(self, msg_id: Any, code: int, message: str) -> None:
        """Answer request ``msg_id`` (None: a message whose id is unknown) with a JSON-RPC error."""
        self._send_response(msg_id, error=types.ResponseError(code=code, message=message))

    def _send_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        # pygls puts the Python traceback of an internal error in ``error.data``: the client
        # gets the message only (the traceback is in the server's log).
        if error is not None and getattr(error, "data", None) is not None and error.code == INTERNAL_ERROR:
            error = types.ResponseError(code=error.code, message=error.message)
        super()._send_response(msg_id, result=result, error=error)

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


def warm_converter(protocol: LanguageServerProtocol, method: str, params: dict, result: Any) -> None:
    """Have pygls' converter (cattrs) write its code for ``method``'s request and answer now.

    cattrs generates, compiles and caches a function per message type the first time one is
    read or written: the first hover of a session paid about 4 ms for that (more than the
    hover itself). Reading a sample request (``structure_message``) and writing a sample answer
    the way pygls 2.x writes every answer to a client request (a ``JsonRPCResponseMessage``
    holding the result, through the converter the feature manager holds) does it ahead, when
    the server is idle. Nothing is sent.
    """
    protocol.structure_message({"jsonrpc": "2.0", "id": 0, "method": method, "params": params})
    if result is not None:
        protocol.fm.converter.unstructure(JsonRPCResponseMessage(id=0, result=result, jsonrpc="2.0"))


# ---- stdio transport -----------------------------------------------------------------------
# pygls' reader (``pygls.io_.run_async``) skips lines it cannot parse and waits for a valid
# ``Content-Length`` forever: after one bad frame the server is alive but deaf, so no client
# restarts it. It also sends no answer to a request whose params do not decode. This reader
# treats any framing error as fatal (exit status 1), answers undecodable messages with the
# JSON-RPC error their id allows, and reads stdin on a daemon thread with ``os.read`` (no
# buffered-reader lock, so the process can exit while the read blocks).

#: the largest message accepted (a document over this is a framing error, not an allocation)
MAX_MESSAGE_BYTES = 1 << 30
_NEXT_HEADER = re.compile(rb"\nContent-Length:", re.IGNORECASE)
_HEADER = re.compile(rb"([A-Za-z0-9-]+):[ \t]*([^\r\n]*)\r?\n")


class FramingError(Exception):
    """The byte stream is not a sequence of LSP base-protocol messages."""


class _StdinFrames:
    """Message bodies from a file descriptor, framed by ``Content-Length`` headers."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = bytearray()
        self.eof = False

    def _fill(self) -> bool:
        if self.eof:
            return False
        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _line(self) -> bytes | None:
        while True:
            end = self.buf.find(b"\n")
            if end >= 0:
                line = bytes(self.buf[: end + 1])
                del self.buf[: end + 1]
                return line
            if len(self.buf) > 8192:
                raise FramingError("a header line longer than 8 KiB")
            if not self._fill():
                return None

    def next_body(self) -> bytes | None:
        """The next body; None at the end of the input."""
        length: int | None = None
        started = False
        while True:
            line = self._line()
            if line is None:
                if started or self.buf:
                    raise FramingError("the input ended inside a header")
                return None
            if line.strip() == b"":
                if not started:
                    continue  # blank lines between messages
                break
            started = True
            match = _HEADER.fullmatch(line)
            if match is None:
                raise FramingError(f"not a header line: {line[:80]!r}")
            name, value = match.group(1).lower(), match.group(2).strip()
            if name == b"content-length":
                if not value.isdigit() or len(value) > 12:
                    raise FramingError(f"bad Content-Length: {value[:40]!r}")
                length = int(value)
        if length is None:
            raise FramingError("a message without Content-Length")
        if length > MAX_MESSAGE_BYTES:
            raise FramingError(f"Content-Length {length:,} is over the limit of {MAX_MESSAGE_BYTES:,} bytes")
        while len(self.buf) < length:
            seen = len(self.buf)
            if not self._fill():
                raise FramingError("the input ended inside a message body")
            # A JSON body cannot hold a raw line break followed by a header: when one arrives
            # before the body is complete, its Content-Length was too long (waiting would be deaf).
            if _NEXT_HEADER.search(self.buf, max(0, seen - 20), min(len(self.buf), length)):
                raise FramingError(f"a header inside a message body (Content-Length {length:,} is too long)")
        body = bytes(self.buf[:length])
        del self.buf[:length]
        return body


def dispatch_body(protocol: ToklsProtocol, body: bytes) -> None:
    """Decode one message and hand it to pygls; answer what cannot be decoded."""
    try:
        raw = json.loads(body)
    except ValueError as exc:  # includes invalid UTF-8
        log.warning("a message that is not JSON: %s", exc)
        protocol.send_error(None, PARSE_ERROR, "Parse error: the message is not JSON")
        return
    msg_id = raw.get("id") if isinstance(raw, dict) else None
    if not isinstance(msg_id, (int, str)) or isinstance(msg_id, bool):
        msg_id = None
    if not isinstance(raw, dict) or raw.get("jsonrpc") != "2.0":
        protocol.send_error(msg_id, INVALID_REQUEST, "Invalid request: not a JSON-RPC 2.0 message object")
        return
    method = raw.get("method")
    try:
        message = protocol.structure_message(raw)
    except JsonRpcInvalidParams:
        if method is not None and msg_id is not None:
            protocol.send_error(msg_id, INVALID_PARAMS, f"Invalid params for {method}")
        else:
            log.warning("dropped a notification %r whose params do not decode", method)
        return
    except Exception:  # pygls raises JsonRpcInternalError for any other shape it cannot read
        if msg_id is not None or method is None:
            protocol.send_error(msg_id, INVALID_REQUEST, "Invalid request: the message does not decode")
        return
    protocol.handle_message(message)


def serve_stdio(server: Any) -> int:
    """Serve on stdin/stdout until ``exit``, the end of the input or a framing error; returns the
    exit status (``exit`` after ``shutdown``: 0, without it: 1; a framing error: 1)."""
    protocol: ToklsProtocol = server.protocol
    protocol.set_writer(StdoutWriter(sys.stdout.buffer))
    frames = _StdinFrames(sys.stdin.fileno())

    async def main() -> int:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue(maxsize=64)

        def read() -> None:
            while True:
                try:
                    item: Any = frames.next_body()
                except FramingError as exc:
                    item = exc
                except OSError as exc:
                    item = exc
                try:
                    asyncio.run_coroutine_threadsafe(queue.put(item), loop).result()
                except RuntimeError:  # the loop is gone
                    return
                if not isinstance(item, bytes):
                    return

        threading.Thread(target=read, name="tokls-stdin", daemon=True).start()
        while True:
            item = await queue.get()
            if item is None:
                return 0
            if isinstance(item, Exception):
                log.error("LSP framing error, exiting: %s", item)
                return 1
            dispatch_body(protocol, item)

    try:
        return asyncio.run(main())
    except SystemExit as exc:  # pygls' ``exit`` handler calls sys.exit(0 or 1)
        return exc.code if isinstance(exc.code, int) else 1
    except BrokenPipeError:
        log.error("the connection to the client is lost")
        return 1
    finally:
        server.shutdown()

"""What ``tokls.lsp._pygls`` relies on in pygls 2.x, checked in-process against the real pygls.

Each test covers one override or private access of ``_pygls``; when pygls changes underneath,
the failing test names the function to fix. The messages go through pygls' own dispatch
(``protocol.handle_message``), the answers come back through a writer, as over stdio.
"""

from __future__ import annotations

import asyncio
import json
from importlib.metadata import version

import pytest
from lsprotocol import types
from pygls.protocol import LanguageServerProtocol

from tokls.lsp._pygls import ToklsProtocol, request_future, warm_converter, work_done_token
from tokls.lsp.features import FEATURES
from tokls.lsp.language_server import ToklsServer

from .helpers import wait_until


class _Wire:
    """The server's outgoing messages, decoded."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    def write(self, data: bytes) -> None:
        self.sent.append(json.loads(data))

    def close(self) -> None:
        pass

    def response(self, msg_id) -> dict | None:
        return next((m for m in self.sent if m.get("id") == msg_id and "method" not in m), None)


def _server(features=FEATURES) -> tuple[ToklsServer, _Wire]:
    server = ToklsServer(features)
    wire = _Wire()
    server.protocol.set_writer(wire, include_headers=False)
    return server, wire


def _send(server: ToklsServer, method: str, params, msg_id=None) -> None:
    message = {"jsonrpc": "2.0", "method": method, "params": params}
    if msg_id is not None:
        message["id"] = msg_id
    server.protocol.handle_message(server.protocol.structure_message(message))


async def _initialize(server: ToklsServer, wire: _Wire) -> None:
    _send(server, types.INITIALIZE, {"capabilities": {}, "initializationOptions": {"debounceMs": 0}}, msg_id=0)
    await wait_until(lambda: wire.response(0), timeout=5)


def test_written_against_pygls_2():
    assert version("pygls").split(".")[0] == "2", "tokls.lsp._pygls was checked against pygls 2.x only"


@pytest.mark.parametrize("method, name", [
    (types.TEXT_DOCUMENT_DID_OPEN, "lsp_text_document__did_open"),
    (types.TEXT_DOCUMENT_DID_CHANGE, "lsp_text_document__did_change"),
    (types.TEXT_DOCUMENT_DID_CLOSE, "lsp_text_document__did_close"),
    (types.WORKSPACE_EXECUTE_COMMAND, "lsp_workspace__execute_command"),
])
def test_overrides_replace_pygls_builtins(method, name):
    # ToklsProtocol overrides pygls' builtin handler by method name: pygls must still have a
    # builtin of that name for that method, and dispatch to tokls' override
    assert getattr(LanguageServerProtocol, name).method_name == method
    server, _ = _server(())
    handler = server.protocol.fm.builtin_features[method]
    assert handler.__func__ is getattr(ToklsProtocol, name)


async def test_text_sync_is_tokls_own():
    """ToklsProtocol's didOpen/didChange/didClose reach tokls' handlers, not pygls' workspace."""
    server, wire = _server()
    await _initialize(server, wire)
    uri = "file:///workspace/sync.txt"
    _send(server, types.TEXT_DOCUMENT_DID_OPEN,
          {"textDocument": {"uri": uri, "languageId": "plaintext", "version": 1, "text": "hello\nworld"}})
    _send(server, types.TEXT_DOCUMENT_DID_CHANGE, {
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 5}},
                            "text": "there"}]})
    assert server.documents[uri].text == "hello\nthere" and server.documents[uri].version == 2
    assert server.workspace.text_documents == {}  # pygls keeps no copy
    _send(server, types.TEXT_DOCUMENT_DID_CLOSE, {"textDocument": {"uri": uri}})
    assert uri not in server.documents


async def test_command_handler_sees_its_token_and_request_future():
    """work_done_token() and request_future() inside an executeCommand handler; $/cancelRequest
    cancels the very future request_future() returned."""
    server, wire = _server(())
    seen: dict = {}
    release = asyncio.Event()

    @server.command("test.probe")
    async def probe(*args):
        seen["token"] = work_done_token()
        seen["future"] = request_future(server.protocol)
        seen["msg_id"] = server.protocol.msg_id
        await release.wait()
        return "done"

    await _initialize(server, wire)
    _send(server, types.WORKSPACE_EXECUTE_COMMAND,
          {"command": "test.probe", "arguments": [], "workDoneToken": "token-1"}, msg_id="probe-1")
    await wait_until(lambda: seen, timeout=5)
    assert seen["token"] == "token-1" and seen["msg_id"] == "probe-1"
    future = seen["future"]
    assert future is not None and not future.cancelled()
    _send(server, types.CANCEL_REQUEST, {"id": "probe-1"})
    assert future.cancelled()
    release.set()
    answer = await wait_until(lambda: wire.response("probe-1"), timeout=5)
    assert answer["error"]["code"] == types.LSPErrorCodes.RequestCancelled

    # a command sent without a token sees None, not the previous request's token
    seen.clear()
    _send(server, types.WORKSPACE_EXECUTE_COMMAND, {"command": "test.probe", "arguments": []}, msg_id="probe-2")
    await wait_until(lambda: seen, timeout=5)
    assert seen["token"] is None and seen["future"] is not None
    assert await wait_until(lambda: wire.response("probe-2"), timeout=5) == {"jsonrpc": "2.0", "id": "probe-2", "result": "done"}


async def test_warm_converter_writes_an_answer_as_pygls_sends_it():
    """warm_converter: pygls 2.x answers a request with a JsonRPCResponseMessage holding the
    result (the converter of ``protocol.fm`` writes it); warming sends nothing."""
    from pygls.protocol import JsonRPCResponseMessage

    server, wire = _server(())
    hover = types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="x"),
                        range=types.Range(start=types.Position(line=0, character=1),
                                          end=types.Position(line=0, character=2)))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def answer(params):
        return hover

    params = {"textDocument": {"uri": "file:///a"}, "position": {"line": 0, "character": 1}}
    warm_converter(server.protocol, types.TEXT_DOCUMENT_HOVER, params, hover)
    warm_converter(server.protocol, types.TEXT_DOCUMENT_DID_CHANGE,  # a notification: nothing to write
                   {"textDocument": {"uri": "file:///a", "version": 1}, "contentChanges": []}, None)
    assert wire.sent == []
    await _initialize(server, wire)
    _send(server, types.TEXT_DOCUMENT_HOVER, params, msg_id="h-1")
    sent = await wait_until(lambda: wire.response("h-1"), timeout=5)
    expected = server.protocol.fm.converter.unstructure(JsonRPCResponseMessage(id="h-1", result=hover, jsonrpc="2.0"))
    assert sent == json.loads(json.dumps(expected))


async def test_after_first_publish_runs_once_after_the_first_diagnostics():
    """ToklsServer overrides pygls' text_document_publish_diagnostics to run what waits for the
    first publish (the hover's converter warm-up)."""
    server, wire = _server(())
    await _initialize(server, wire)
    ran: list[str] = []
    server.after_first_publish(lambda: ran.append("early"))
    await asyncio.sleep(0.01)
    assert ran == []
    publish = types.PublishDiagnosticsParams(uri="file:///a", diagnostics=[])
    server.text_document_publish_diagnostics(publish)
    server.text_document_publish_diagnostics(publish)
    await wait_until(lambda: ran, timeout=5)
    server.after_first_publish(lambda: ran.append("late"))
    await wait_until(lambda: len(ran) == 2, timeout=5)
    assert ran == ["early", "late"]
    assert [m["method"] for m in wire.sent if "method" in m].count("textDocument/publishDiagnostics") == 2


def test_request_future_outside_a_request_is_none():
    server, _ = _server(())
    assert request_future(server.protocol) is None


async def test_lifecycle_errors_and_no_traceback_in_answers():
    """ToklsProtocol.handle_message answers -32002 before initialize and -32600 after shutdown
    (pygls serves the first and drops the second); _send_response strips pygls' traceback from
    an internal error; dispatch_body answers undecodable params with -32602."""
    from tokls.lsp._pygls import dispatch_body

    server, wire = _server(())

    @server.command("test.boom")
    def boom(*args):
        raise RuntimeError("boom")

    hover = {"textDocument": {"uri": "file:///x.txt"}, "position": {"line": 0, "character": 0}}
    _send(server, types.TEXT_DOCUMENT_HOVER, hover, msg_id="early")
    assert wire.response("early")["error"]["code"] == -32002
    await _initialize(server, wire)
    _send(server, types.WORKSPACE_EXECUTE_COMMAND, {"command": "test.boom", "arguments": []}, msg_id="boom")
    error = (await wait_until(lambda: wire.response("boom"), timeout=5))["error"]
    assert error["code"] == -32603 and "boom" in error["message"] and "data" not in error
    dispatch_body(server.protocol, json.dumps({"jsonrpc": "2.0", "id": "bad", "method": types.TEXT_DOCUMENT_HOVER,
                                               "params": {"textDocument": 5}}).encode())
    assert wire.response("bad")["error"]["code"] == -32602
    _send(server, types.SHUTDOWN, None, msg_id="down")
    await wait_until(lambda: wire.response("down"), timeout=5)
    _send(server, types.TEXT_DOCUMENT_HOVER, hover, msg_id="late")
    assert wire.response("late")["error"]["code"] == -32600

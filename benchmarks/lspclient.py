"""A minimal LSP client over stdio (JSON-RPC 2.0 with Content-Length framing), for timing.

It does what an editor does at the wire level and nothing else: it starts the server process,
writes framed messages to its stdin, and a reader thread parses its stdout. Every incoming message
is stamped with ``time.perf_counter()`` as soon as its body has been read, so a latency is
"message written" → "answer read", measured on the client's clock. Requests the server sends to
the client (``workspace/configuration``, ``window/workDoneProgress/create``,
``client/registerCapability``) are answered with an empty result.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from typing import Any, Sequence

__all__ = ["LspClient", "frame", "vm_status"]


def frame(message: dict) -> bytes:
    """A JSON-RPC message with its Content-Length header, ready to write."""
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def vm_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM / VmPeak of a process, in bytes (Linux ``/proc``)."""
    out: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "VmPeak"):
                out[key] = int(value.split()[0]) * 1024
    return out


class LspClient:
    """One server process and the messages it sent, each with its arrival time."""

    def __init__(self, command: Sequence[str], *, env: dict[str, str] | None = None,
                 stderr: Any = subprocess.DEVNULL) -> None:
        self.started = time.perf_counter()  # before the process is spawned
        self.proc = subprocess.Popen(list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=stderr, env=env)
        self._write_lock = threading.Lock()
        self._cond = threading.Condition()
        self._next_id = 0
        self._responses: dict[int, tuple[float, dict]] = {}
        #: (uri, version) → (arrival time, params) for every publishDiagnostics
        self.diagnostics: dict[tuple[str, Any], tuple[float, dict]] = {}
        self.log: list[tuple[float, dict]] = []  # other notifications (showMessage, logMessage)
        self.closed = False
        self._reader = threading.Thread(target=self._read, name="lsp-reader", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    # -- wire ----------------------------------------------------------------------------

    def send(self, data: bytes) -> float:
        """Write one framed message; returns the time just before the write."""
        assert self.proc.stdin is not None
        with self._write_lock:
            t = time.perf_counter()
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        return t

    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        try:
            while True:
                length = None
                while True:
                    line = stream.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length is None:
                    continue
                body = stream.read(length)
                t = time.perf_counter()
                if len(body) < length:
                    return
                self._dispatch(t, json.loads(body))
        finally:
            with self._cond:
                self.closed = True
                self._cond.notify_all()

    def _dispatch(self, t: float, msg: dict) -> None:
        method = msg.get("method")
        if method is None:  # a response
            with self._cond:
                self._responses[msg.get("id")] = (t, msg)
                self._cond.notify_all()
        elif "id" in msg:  # a request from the server
            result: Any = None
            if method == "workspace/configuration":
                result = [None for _ in msg.get("params", {}).get("items", [])]
            self.send(frame({"jsonrpc": "2.0", "id": msg["id"], "result": result}))
        elif method == "textDocument/publishDiagnostics":
            params = msg["params"]
            with self._cond:
                self.diagnostics[(params["uri"], params.get("version"))] = (t, params)
                self._cond.notify_all()
        else:
            self.log.append((t, msg))

    # -- requests and notifications ------------------------------------------------------

    def request_frame(self, method: str, params: Any) -> tuple[int, bytes]:
        self._next_id += 1
        return self._next_id, frame({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 120) -> tuple[float, dict]:
        """Send a request and wait for its response; returns (latency in s, response)."""
        rid, data = self.request_frame(method, params)
        t0 = self.send(data)
        t1, msg = self.wait_response(rid, timeout)
        if "error" in msg:
            raise RuntimeError(f"{method} failed: {msg['error']}")
        return t1 - t0, msg

    def wait_response(self, rid: int, timeout: float = 120) -> tuple[float, dict]:
        with self._cond:
            ok = self._cond.wait_for(lambda: rid in self._responses or self.closed, timeout)
            if rid not in self._responses:
                raise TimeoutError(f"no response to request {rid} ({'server exited' if ok else 'timeout'})")
            return self._responses.pop(rid)

    def notify(self, method: str, params: Any) -> float:
        return self.send(frame({"jsonrpc": "2.0", "method": method, "params": params}))

    def wait_diagnostics(self, uri: str, version: Any, timeout: float = 120) -> tuple[float, dict]:
        """(arrival time, params) of the diagnostics published for ``uri`` at ``version``."""
        key = (uri, version)
        with self._cond:
            ok = self._cond.wait_for(lambda: key in self.diagnostics or self.closed, timeout)
            if key not in self.diagnostics:
                raise TimeoutError(f"no diagnostics for {uri} v{version} ({'server exited' if ok else 'timeout'})")
            return self.diagnostics[key]

    # -- LSP conveniences ----------------------------------------------------------------

    def initialize(self, options: Any = None, timeout: float = 120) -> dict:
        params = {
            "processId": os.getpid(),
            "rootUri": None,
            "capabilities": {
                "textDocument": {
                    "synchronization": {"didSave": True},
                    "hover": {"contentFormat": ["markdown", "plaintext"]},
                    "publishDiagnostics": {"versionSupport": True},
                },
                "general": {"positionEncodings": ["utf-16"]},
            },
            "initializationOptions": options,
        }
        _, msg = self.request("initialize", params, timeout)
        self.notify("initialized", {})
        return msg["result"]

    @staticmethod
    def open_frame(uri: str, text: str, version: int, language: str = "plaintext") -> bytes:
        return frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri, "languageId": language, "version": version, "text": text}}})

    @staticmethod
    def change_frame(uri: str, version: int, line: int, character: int, end_character: int, text: str) -> bytes:
        return frame({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": line, "character": character},
                                          "end": {"line": line, "character": end_character}},
                                "text": text}]}})

    def close_document(self, uri: str) -> None:
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def shutdown(self, timeout: float = 10) -> None:
        try:
            if not self.closed:
                self.request("shutdown", None, timeout)
                self.notify("exit", None)
            self.proc.wait(timeout)
        except Exception:  # noqa: BLE001 - a benchmark must not hang on a stuck server
            self.proc.kill()
            self.proc.wait()
        finally:
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass

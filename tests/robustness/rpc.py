"""A small raw JSON-RPC client for ``python -m tokls serve`` over stdio.

Black-box on purpose: it speaks bytes on a pipe, so it can also send what no well-behaved client
would (bad framing, garbage bodies, requests out of order). A reader thread parses the server's
frames into ``messages``; every wait takes a timeout so no test can hang.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

SERVER_ROOT = str(Path(__file__).resolve().parents[2] / "server")


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a tokls child process: this checkout's sources first, offline hub."""
    env = dict(os.environ)
    env["PYTHONPATH"] = SERVER_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    env.update(extra)
    return env


def frame(obj: Any) -> bytes:
    body = json.dumps(obj).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class RpcClient:
    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tokls", "serve", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env or child_env(),
        )
        self.messages: list[dict] = []
        self.cond = threading.Condition()
        self.eof = False
        self.stderr = b""
        self._ids = itertools.count(1)
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    # ---- reading

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        try:
            while True:
                length = None
                while True:
                    line = out.readline()
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
                body = out.read(length)
                if len(body) < length:
                    return
                msg = json.loads(body)
                with self.cond:
                    self.messages.append(msg)
                    self.cond.notify_all()
        finally:
            with self.cond:
                self.eof = True
                self.cond.notify_all()

    def _drain_stderr(self) -> None:
        err = self.proc.stderr
        assert err is not None
        try:
            for chunk in iter(lambda: err.read(4096), b""):
                self.stderr = (self.stderr + chunk)[-200_000:]
        except (ValueError, OSError):  # closed by close() while reading
            pass

    def wait_for(self, pred: Callable[[dict], bool], timeout: float, start: int = 0) -> dict | None:
        """The first message (from index ``start``) matching ``pred``; None on timeout or EOF."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for msg in self.messages[start:]:
                    if pred(msg):
                        return msg
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    return None
                self.cond.wait(min(left, 0.5))

    def response(self, rid: Any, timeout: float = 30) -> dict | None:
        return self.wait_for(lambda m: m.get("id") == rid and ("result" in m or "error" in m), timeout)

    # ---- writing

    def send_raw(self, data: bytes) -> bool:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def send(self, obj: Any) -> bool:
        return self.send_raw(frame(obj))

    def notify(self, method: str, params: Any = None) -> bool:
        msg: dict = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        return self.send(msg)

    def request(self, method: str, params: Any = None, rid: Any = None) -> Any:
        rid = next(self._ids) if rid is None else rid
        msg: dict = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return rid

    def call(self, method: str, params: Any = None, timeout: float = 30) -> dict:
        rid = self.request(method, params)
        resp = self.response(rid, timeout)
        assert resp is not None, f"no answer to {method} within {timeout} s; stderr: {self.stderr[-2000:]!r}"
        return resp

    # ---- the usual conversation

    def initialize(self, options: Any = None, timeout: float = 60) -> dict:
        resp = self.call("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {
            "general": {"positionEncodings": ["utf-16"]},
            "window": {"workDoneProgress": False}},
            "initializationOptions": options}, timeout)
        self.notify("initialized", {})
        return resp

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "plaintext", "version": version, "text": text}})

    def diagnostics(self, uri: str, version: int | None = None, timeout: float = 60, start: int = 0) -> dict | None:
        def match(m: dict) -> bool:
            if m.get("method") != "textDocument/publishDiagnostics":
                return False
            p = m["params"]
            return p["uri"] == uri and (version is None or p.get("version") == version)
        return self.wait_for(match, timeout, start)

    def wait_exit(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except OSError:
                pass

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def __enter__(self) -> "RpcClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""A tiny TEI-compatible HTTP server for tests: the standard library's HTTP server on 127.0.0.1
in a thread, answering with :class:`tokls.scale.tei.TeiApi` around the real local classifier.

``mode`` switches what ``/predict`` does: ``ok``; ``slow`` (waits ``delay`` seconds first, then
answers); ``malformed`` (answers JSON that is not a list of label scores). Every request is
counted in ``requests``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tokls.core.classify import Classifier
from tokls.scale.tei import TeiApi

MAX_DELAY = 30.0  # a slow answer never waits longer than this


class TeiServer:
    def __init__(self, classifier: Classifier, max_client_batch: int = 32) -> None:
        self.api = TeiApi(classifier, max_client_batch=max_client_batch)
        self.mode = "ok"
        self.delay = 0.0
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method: str) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size) if size else b""
                outer.requests.append(f"{method} {self.path}")
                if self.path.startswith("/predict") and outer.mode == "slow":
                    time.sleep(min(outer.delay, MAX_DELAY))
                if self.path.startswith("/predict") and outer.mode == "malformed":
                    status, answer = 200, {"predictions": "none"}
                else:
                    status, answer = outer.api.handle(method, self.path, body)
                data = b"" if answer is None else json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (a timeout test)
                    pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's names
                self._answer("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._answer("POST")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="tei-test-server", daemon=True)

    def __enter__(self) -> "TeiServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def closed_port_url() -> str:
    """The URL of a 127.0.0.1 port that nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"

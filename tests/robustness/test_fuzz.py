"""Seeded fuzz of LSP traffic over a raw stdio pipe: every request is answered (a result, or an
error with the right JSON-RPC code) or the server exits; nothing waits longer than a bound.

The traffic (seeded, so a failure reproduces) mixes valid requests and edits with unknown methods,
undecodable params, bad command arguments, well-framed garbage bodies, unknown notifications, and
requests before ``initialize`` and after ``shutdown``. Wrong ``Content-Length`` framing has its own
test below: after it the server must exit with an error or go on answering, never stay alive and deaf.
"""

from __future__ import annotations

import random
import time

import pytest

from .rpc import RpcClient

pytestmark = pytest.mark.robustness

SEED = 15
WAIT = 20  # seconds any single answer may take
JSONRPC_CODES = {-32700, -32600, -32601, -32602, -32603, -32002, -32800, -32801, -32803}
URI = "file:///fuzz/doc.txt"
WORDS = ["alpha", "beta", "token", "ünïcode", "😀", "中文", "\t", "\n", "  ", "x" * 40, "\r\n"]


def _bad_params(rng: random.Random):
    return rng.choice([
        {"textDocument": 5, "position": "here"},
        {"textDocument": {"uri": URI}, "position": {"line": "one", "character": None}},
        {"textDocument": {"uri": URI}},
        [1, 2, 3],
        "params",
        {"textDocument": {"uri": URI}, "position": {"line": -4, "character": 2 ** 40}},
    ])


class Fuzzer:
    def __init__(self, rng: random.Random, client: RpcClient) -> None:
        self.rng, self.c = rng, client
        self.text = "The first line.\nA second line with more words.\n"
        self.version = 1
        self.exited = False

    def expect(self, method: str, params, codes: set[int] | None, result_ok: bool) -> None:
        """Send a request; ``codes``: the error codes accepted; ``result_ok``: a result is fine too."""
        rid = self.c.request(method, params)
        resp = self.c.response(rid, WAIT)
        if resp is None:
            status = self.c.wait_exit(1)
            assert status is not None, f"no answer to {method} {str(params)[:200]} within {WAIT} s, server alive"
            self.exited = True
            return
        if "result" in resp:
            assert result_ok, f"{method} {str(params)[:200]} got a result, expected an error {codes}: {str(resp)[:300]}"
        else:
            code = resp["error"]["code"]
            assert code in JSONRPC_CODES, resp
            if codes is not None:
                assert code in codes, f"{method} {str(params)[:200]}: code {code}, expected {codes}"

    def position(self) -> dict:
        lines = self.text.split("\n")
        line = self.rng.randrange(len(lines))
        return {"line": line, "character": self.rng.randrange(len(lines[line]) + 1)}

    def step(self) -> None:
        rng, c = self.rng, self.c
        op = rng.choice(["hover", "count", "tokens", "change", "change", "unknown", "badparams", "badcommand",
                         "garbage", "notify", "cancel"])
        if op == "hover":
            # positions are UTF-16 here; a random one may split a surrogate pair: a result either way
            self.expect("textDocument/hover", {"textDocument": {"uri": URI}, "position": self.position()}, None, True)
        elif op == "count":
            self.expect("workspace/executeCommand", {"command": "tokls.count", "arguments": [URI]}, None, True)
        elif op == "tokens":
            self.expect("workspace/executeCommand", {"command": "tokls.tokens", "arguments": [URI]}, None, True)
        elif op == "change":
            self.version += 1
            new = "".join(rng.choice(WORDS) for _ in range(rng.randrange(0, 4)))
            self.text = self.text + new  # whole-document sync keeps the model trivially right
            c.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": self.version},
                                                "contentChanges": [{"text": self.text}]})
        elif op == "unknown":
            self.expect(f"tokls/noSuchMethod{rng.randrange(100)}", {"x": 1}, {-32601}, False)
        elif op == "badparams":
            self.expect("textDocument/hover", _bad_params(rng), {-32602}, False)
        elif op == "badcommand":
            args = rng.choice([[], [42], ["not-a-uri"], [URI, "ranges?"], [URI, [{"start": 1}]]])
            self.expect("workspace/executeCommand", {"command": "tokls.count", "arguments": args}, {-32602}, False)
        elif op == "garbage":
            body = rng.choice([b"{not json", b"[]", b"null", b'{"jsonrpc":"2.0"}', bytes(rng.randrange(256) for _ in range(20))])
            c.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            # a parse error may be answered (-32700, id null) or end the process; both are fine
        elif op == "notify":
            c.notify(f"$/tokls/unknown{rng.randrange(10)}", {"a": rng.random()})
        elif op == "cancel":
            c.notify("$/cancelRequest", {"id": rng.randrange(10_000, 20_000)})
        if c.proc.poll() is not None:
            self.exited = True


@pytest.mark.parametrize("session", range(3))
def test_fuzz_every_request_answered_or_exit(session):
    rng = random.Random(SEED * 100 + session)
    deadline = time.monotonic() + 120
    with RpcClient() as client:
        f = Fuzzer(rng, client)
        for _ in range(rng.randrange(1, 4)):  # before initialize
            f.expect("textDocument/hover", {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}},
                     {-32002}, False)
        client.initialize()
        client.open(URI, f.text)
        for _ in range(150):
            if f.exited or time.monotonic() > deadline:
                break
            f.step()
        if f.exited:
            return
        assert time.monotonic() <= deadline, "the fuzz session ran past its time bound"
        f.expect("shutdown", None, None, True)
        for _ in range(rng.randrange(1, 4)):  # after shutdown
            f.expect("textDocument/hover", {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}},
                     {-32600}, False)
        client.notify("exit")
        assert client.wait_exit(WAIT) == 0


FRAMING_FAULTS = {
    "not-a-number": b"Content-Length: twelve\r\n\r\n{}",
    "negative": b"Content-Length: -1\r\n\r\n{}",
    "missing": b"Content-Type: application/vscode-jsonrpc\r\n\r\n{}",
    "too-short": b'Content-Length: 10\r\n\r\n{"jsonrpc":"2.0","id":99,"method":"shutdown"}',
    "too-long": b'Content-Length: 4000\r\n\r\n{"jsonrpc":"2.0","id":99,"method":"shutdown"}',
    "huge": b"Content-Length: 99999999999999999999\r\n\r\n{}",
    "no-separator": b"Content-Length: 2\n{}",
}


@pytest.mark.parametrize("fault", list(FRAMING_FAULTS))
def test_fuzz_framing_fault_exits_or_keeps_answering(fault):
    """After a wrong ``Content-Length`` frame the server either exits with a non-zero status
    within 30 s (stdin kept open), or answers well-formed requests sent after it; it must not
    stay alive and deaf. Follow-up requests are repeated (with padding) so that a too-long frame
    that swallows the first ones still leaves later ones to answer."""
    with RpcClient() as client:
        client.initialize()
        client.send_raw(FRAMING_FAULTS[fault])
        deadline = time.monotonic() + 30
        answered = False
        while time.monotonic() < deadline and not answered:
            if client.proc.poll() is not None:
                break
            rid = client.request("workspace/executeCommand", {"command": "tokls.noSuchCommand", "arguments": []})
            client.send_raw(b"\r\n" * 50)
            answered = client.response(rid, 3) is not None
        if not answered:
            status = client.wait_exit(max(1.0, deadline - time.monotonic()))
            assert status is not None, f"{fault}: alive but deaf 30 s after a framing error"
            assert status != 0, f"{fault}: exited with status 0 after a framing error"

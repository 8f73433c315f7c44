"""Defects 6, 8, 9 and 10 of the hardening campaign, through LSP over a raw stdio pipe.

Each test starts its own ``python -m tokls serve`` and bounds every wait, so a server that stays
silent fails the test instead of hanging it.
"""

from __future__ import annotations

import json

import pytest

from .rpc import RpcClient

pytestmark = pytest.mark.robustness

URI = "file:///robust/doc.txt"
INVALID_REQUEST, INVALID_PARAMS, SERVER_NOT_INITIALIZED = -32600, -32602, -32002


def _no_traceback(resp: dict) -> None:
    text = json.dumps(resp)
    assert "Traceback" not in text and 'File \\"' not in text, text[:2000]


# ------------------------------------------------------------------------------------------
# defect 6: bounded hover


@pytest.mark.parametrize("model, line", [
    ("bert-base-uncased", "a" * 300_000),  # one [UNK] token whose text is the whole line
    ("gpt2", "ab" * 150_000),  # one word of ~150,000 pieces
], ids=["bert-unk-word", "gpt2-long-word"])
def test_defect6_hover_on_a_huge_line_is_capped(server, model, line):
    """A hover on a 300,000-character word carries at most 16 KiB of markdown, with an ellipsis
    ("…") where it cut; today it carries the whole word and all its pieces."""
    server.initialize({"model": model})
    server.open(URI, line + "\n")
    resp = server.call("textDocument/hover", {"textDocument": {"uri": URI},
                                              "position": {"line": 0, "character": 10}}, timeout=120)
    assert "result" in resp and resp["result"], resp.get("error")
    value = resp["result"]["contents"]["value"]
    assert len(value) <= 16 * 1024, f"hover is {len(value)} characters"
    assert "…" in value


# ------------------------------------------------------------------------------------------
# defect 8: lone surrogates


def test_defect8_lone_surrogate_is_tokenized_and_never_a_traceback(server):
    """A document with a lone surrogate (valid JSON ``"\\ud800"``): diagnostics are published
    (a token count), ``tokls.count`` and hover answer with results, and no message or error sent
    to the client carries a traceback or "TypeError"."""
    server.initialize()
    text = "hello \ud800 world, and more words after it\n"
    server.open(URI, text)
    diag = server.diagnostics(URI, 1, timeout=30)
    assert diag is not None and diag["params"]["diagnostics"], "no diagnostics for the document"
    count = server.call("workspace/executeCommand", {"command": "tokls.count", "arguments": [URI]})
    _no_traceback(count)
    assert "result" in count and count["result"]["tokens"] > 0, count
    # character 9 is in "world", just after the surrogate (14, the space after "world,", has no
    # token in BERT, nor has the surrogate: BERT's normalizer drops U+FFFD): offsets are kept
    hover = server.call("textDocument/hover", {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 9}})
    _no_traceback(hover)
    assert "result" in hover and hover["result"], hover
    assert hover["result"]["range"]["start"] == {"line": 0, "character": 8}, hover
    shown = [m for m in server.messages if m.get("method") == "window/showMessage"]
    assert not any("TypeError" in m["params"]["message"] or "Traceback" in m["params"]["message"] for m in shown), shown


# ------------------------------------------------------------------------------------------
# defect 9: settings gaps


def test_defect9_nan_and_infinity_settings_do_not_break_initialize(server):
    """``maxLength: NaN`` and ``debounceMs: Infinity`` (JSON extensions a client may send):
    initialize answers with capabilities and the bad values are reported (showMessage naming them)."""
    rid = 1
    # written by hand: NaN and Infinity are the JSON extensions some clients emit
    body = ('{"jsonrpc":"2.0","id":%d,"method":"initialize","params":{"processId":null,"rootUri":null,'
            '"capabilities":{},"initializationOptions":{"maxLength":NaN,"debounceMs":Infinity}}}' % rid).encode()
    server.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    resp = server.response(rid, timeout=60)
    assert resp is not None and "result" in resp, resp
    assert "capabilities" in resp["result"]
    server.notify("initialized", {})
    msg = server.wait_for(lambda m: m.get("method") == "window/showMessage"
                          and ("maxLength" in m["params"]["message"] or "debounceMs" in m["params"]["message"]), 30)
    assert msg is not None, "the invalid settings were not reported"


def test_defect9_huge_debounce_still_publishes(server):
    """``debounceMs: 10**12`` is capped (or refused): diagnostics of an edited document still
    arrive (within 30 s) for the edit's version."""
    server.initialize({"debounceMs": 10 ** 12})
    server.open(URI, "Some words to count.\n")
    assert server.diagnostics(URI, 1, timeout=30) is not None
    server.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 2}, "contentChanges": [
        {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "More. "}]})
    assert server.diagnostics(URI, 2, timeout=30) is not None, "no diagnostics after an edit with debounceMs = 1e12"


def test_defect9_long_model_name_is_not_echoed_whole(server):
    """A 2,000,000-character ``tokls.model``: every window/showMessage stays under 2,000 characters
    (today the name is echoed in a 2 MB popup)."""
    server.initialize({"model": "m" * 2_000_000})
    server.open(URI, "Some words to count.\n")
    assert server.diagnostics(URI, 1, timeout=60) is not None
    shown = [m["params"]["message"] for m in server.messages if m.get("method") in ("window/showMessage", "window/logMessage")]
    assert shown, "the unusable model name was not reported"
    assert max(len(s) for s in shown) <= 2000, max(len(s) for s in shown)


# ------------------------------------------------------------------------------------------
# defect 10: protocol


@pytest.mark.parametrize("header", [b"Content-Length: banana\r\n\r\n{}", b"Content-Length: -5\r\n\r\n{}",
                                    b"Content-Type: application/json\r\n\r\n{\"jsonrpc\":\"2.0\"}"],
                         ids=["not-a-number", "negative", "missing"])
def test_defect10_framing_error_exits_with_an_error(server, header):
    """After a framing error (bad or missing ``Content-Length``) the server exits with a non-zero
    status within 30 s, stdin still open, so the client restarts it (today it stays alive and deaf)."""
    server.initialize()
    server.send_raw(header)
    status = server.wait_exit(30)
    assert status is not None, "the server stayed alive after a framing error"
    assert status != 0


def test_defect10_undecodable_params_get_invalid_params(server):
    """A request whose params do not decode (``textDocument`` a number) is answered with -32602."""
    server.initialize()
    rid = server.request("textDocument/hover", {"textDocument": 5, "position": "here"})
    resp = server.response(rid, timeout=20)
    assert resp is not None, "no answer to a request with bad params"
    assert resp.get("error", {}).get("code") == INVALID_PARAMS, resp


def test_defect10_requests_after_shutdown_are_invalid(server):
    """After ``shutdown`` every request but ``exit`` is answered with -32600; then ``exit`` → 0."""
    server.initialize()
    assert "result" in server.call("shutdown")
    rid = server.request("textDocument/hover", {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}})
    resp = server.response(rid, timeout=20)
    assert resp is not None, "no answer to a request after shutdown"
    assert resp.get("error", {}).get("code") == INVALID_REQUEST, resp
    server.notify("exit")
    assert server.wait_exit(20) == 0


def test_defect10_exit_without_shutdown_is_status_1(server):
    """``exit`` without ``shutdown`` ends the process with status 1 (LSP), not 0."""
    server.initialize()
    server.notify("exit")
    assert server.wait_exit(20) == 1


def test_defect10_requests_before_initialize_are_refused(server):
    """Before ``initialize`` a request is answered with -32002 (server not initialized)."""
    rid = server.request("workspace/executeCommand", {"command": "tokls.count", "arguments": [URI]})
    resp = server.response(rid, timeout=20)
    assert resp is not None, "no answer to a request before initialize"
    assert resp.get("error", {}).get("code") == SERVER_NOT_INITIALIZED, resp

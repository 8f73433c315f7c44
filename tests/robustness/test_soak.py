"""A bounded soak: 2,000 incremental edits on a ~1 MB document, a hover every 20 edits and one
classification, through LSP over stdio. Asserts the final diagnostics equal a fresh server's for
the final text, and that resident memory (VmRSS, /proc/PID/status) grows by at most
``RSS_GROWTH_MB`` between a warm-up point (after the classification and 200 edits) and the end.
"""

from __future__ import annotations

import random
import time

import pytest

from .rpc import RpcClient

pytestmark = [pytest.mark.robustness, pytest.mark.slow]

SEED = 2015
EDITS = 2000
HOVER_EVERY = 20
WARMUP = 200
RSS_GROWTH_MB = 150
URI = "file:///soak/big.txt"


def _document(rng: random.Random, size: int = 1_000_000) -> str:
    words = "model token window reads the text and cuts it where spaces fall between words of a line".split()
    out, n = [], 0
    while n < size:
        line = " ".join(rng.choice(words) for _ in range(rng.randrange(4, 16))) + ".\n"
        out.append(line)
        n += len(line)
    return "".join(out)


def _position(text: str, offset: int) -> dict:
    line_start = text.rfind("\n", 0, offset) + 1
    return {"line": text.count("\n", 0, offset), "character": offset - line_start}


def _strip(diags: list[dict]) -> list[dict]:
    return sorted(({k: d.get(k) for k in ("range", "severity", "message", "code", "source")} for d in diags),
                  key=lambda d: (d["range"]["start"]["line"], d["range"]["start"]["character"], d["message"]))


def test_soak_2000_edits_on_1mb(tmp_path):
    rng = random.Random(SEED)
    text = _document(rng)
    deadline = time.monotonic() + 240
    with RpcClient(env=None) as server:
        server.initialize()
        server.open(URI, text)
        assert server.diagnostics(URI, 1, timeout=120) is not None
        first_line_end = text.index("\n")
        resp = server.call("workspace/executeCommand", {"command": "tokls.classify", "arguments": [
            URI, [{"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": first_line_end}}]]},
            timeout=300)
        assert "result" in resp, resp
        version, baseline = 1, None
        for i in range(EDITS):
            assert time.monotonic() < deadline, f"the soak ran past its time bound at edit {i}"
            a = rng.randrange(len(text))
            if rng.random() < 0.6:
                b, new = a, rng.choice(["x", " word", "\n", "tokens ", "é", "ab cd"])
            else:
                b, new = min(len(text), a + rng.randrange(1, 12)), ""
            change = {"range": {"start": _position(text, a), "end": _position(text, b)}, "text": new}
            text = text[:a] + new + text[b:]
            version += 1
            server.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": version},
                                                      "contentChanges": [change]})
            if i % HOVER_EVERY == 0:
                h = rng.randrange(len(text))
                resp = server.call("textDocument/hover", {"textDocument": {"uri": URI}, "position": _position(text, h)},
                                   timeout=60)
                assert "result" in resp, resp
            if i == WARMUP:
                baseline = server.rss_kb()
        final = server.diagnostics(URI, version, timeout=120)
        assert final is not None, "no diagnostics for the final version"
        growth_mb = (server.rss_kb() - baseline) / 1024
        got = _strip(final["params"]["diagnostics"])
    with RpcClient() as fresh:
        fresh.initialize()
        fresh.open(URI, text)
        want = fresh.diagnostics(URI, 1, timeout=120)
        assert want is not None
    assert got == _strip(want["params"]["diagnostics"])
    assert growth_mb <= RSS_GROWTH_MB, f"VmRSS grew by {growth_mb:.0f} MB over {EDITS - WARMUP} edits"

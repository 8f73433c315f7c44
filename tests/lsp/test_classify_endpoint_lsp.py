"""``tokls.classify`` through ``tokls.classifier.endpoint``: the language server sends the windows'
texts to a TEI-compatible HTTP endpoint (a standard-library server on 127.0.0.1, in this test
process, wrapping the real local classifier) and answers exactly as with the local model; an
endpoint that is down, slow or malformed gives a clear error, and the server keeps serving (the
HTTP calls run on the model thread, never on the event loop).
"""

from __future__ import annotations

import asyncio
import time

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tokls.core.classify import Classifier

from ..tei_server import TeiServer, closed_port_url
from .helpers import config, configure, open_doc, pytest_lsp, start, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.torch, pytest.mark.asyncio(loop_scope="module")]

POSITIVE = "A warm, funny and beautifully acted film. I loved every minute of it."
NEGATIVE = "A dull, lifeless mess. The plot is stupid and the acting is terrible."
LONG = " ".join([POSITIVE, NEGATIVE] * 60)  # ~1,800 tokens: several windows


@pytest.fixture(scope="module")
def local() -> Classifier:
    classifier = Classifier("sentiment", device="cpu")
    classifier.load()
    return classifier


@pytest.fixture(scope="module")
def tei(local):
    with TeiServer(local) as server:
        yield server


@pytest_lsp.fixture(config=config(), scope="module")
async def client(lsp_client: LanguageClient, tei: TeiServer):
    await start(lsp_client, {"debounceMs": 0, "classifier": {"endpoint": tei.url, "batchSize": 2}})
    yield
    await lsp_client.shutdown_session()


async def _command(client: LanguageClient, name: str, *args):
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(command=name, arguments=list(args)))


async def test_classify_through_the_endpoint_equals_the_local_model(client: LanguageClient, tei: TeiServer,
                                                                    local: Classifier):
    uri = "file:///workspace/long.txt"
    open_doc(client, uri, LONG)
    earlier = set(client.progress_reports)
    before = len(tei.requests)
    result = await _command(client, "tokls.classify", uri)
    expected = local.classify(LONG)
    assert result["model"] == "sentiment" and result["label"] == expected.label
    assert result["score"] == pytest.approx(expected.score, abs=1e-5)
    assert result["tokens"] == expected.tokens and result["aggregation"] == "mean"
    assert len(result["windows"]) == len(expected.windows) > 3
    for got, want in zip(result["windows"], expected.windows):
        assert got["range"]["start"]["character"] == want.start and got["range"]["end"]["character"] == want.end
        assert got["label"] == want.label and got["score"] == pytest.approx(want.score, abs=1e-4)
    # /info once, then one /predict per batch of 2 windows; progress while they run
    asked = tei.requests[before:]
    assert asked[0] == "GET /info" and asked.count("POST /predict") == (len(expected.windows) + 1) // 2
    (reports,) = [v for k, v in client.progress_reports.items() if k not in earlier]
    assert reports[0].kind == "begin" and reports[-1].kind == "end" and reports[-1].message == "done"
    assert any("Connecting to" in (v.message or "") for v in reports)
    assert any(getattr(v, "percentage", None) for v in reports)

    open_doc(client, "file:///workspace/lines.txt", f"{POSITIVE}\n\n{NEGATIVE}\n")
    rows = await _command(client, "tokls.classifyLines", "file:///workspace/lines.txt")
    assert [r["label"] for r in rows["rows"]] == ["POSITIVE", "NEGATIVE"]
    assert rows["rows"][0]["score"] == pytest.approx(local.classify(POSITIVE).score, abs=1e-5)


async def test_cancel_stops_between_endpoint_calls(client: LanguageClient, tei: TeiServer):
    tei.mode, tei.delay = "slow", 0.3
    try:
        uri = "file:///workspace/cancel.txt"
        open_doc(client, uri, LONG + " " + LONG)
        earlier = set(client.progress_reports)
        before = len(tei.requests)
        # the client's own progress token (the server creates one only for very long texts)
        params = types.ExecuteCommandParams(command="tokls.classify", arguments=[uri], work_done_token="ep-cancel")
        pending = asyncio.ensure_future(
            client.protocol.send_request_async(types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="endpoint-long"))

        def reports():
            return next((v for k, v in client.progress_reports.items() if k not in earlier), [])

        await wait_until(lambda: pending.done() or any(getattr(v, "percentage", None) for v in reports()), 60)
        assert not pending.done(), (pending.result(), reports())
        client.cancel_request(types.CancelParams(id="endpoint-long"))
        with pytest.raises(Exception, match="cancel"):
            await pending
        await wait_until(lambda: reports() and reports()[-1].kind == "end", timeout=30)
        assert reports()[-1].message == "cancelled"
        sent = tei.requests[before:].count("POST /predict")
        assert 1 <= sent < 9  # ~16 windows in batches of 2: it stopped early
    finally:
        tei.mode = "ok"


async def test_an_endpoint_that_is_down_slow_or_malformed_is_a_clear_error(client: LanguageClient, tei: TeiServer):
    uri = "file:///workspace/short.txt"
    open_doc(client, uri, POSITIVE)

    configure(client, {"classifier": {"endpoint": closed_port_url()}})
    with pytest.raises(Exception, match=r"is not reachable \(connection refused\)"):
        await _command(client, "tokls.classify", uri)
    await wait_until(lambda: any("not reachable" in m.message for m in client.messages), timeout=10)
    # the server keeps serving: token counts (no model) and, with the endpoint back, classification
    counted = await _command(client, "tokls.count", uri)
    assert counted["tokens"] > 10

    configure(client, {"classifier": {"endpoint": tei.url, "timeoutMs": 500}})
    tei.mode, tei.delay = "slow", 3.0
    try:
        started = time.monotonic()
        slow = asyncio.ensure_future(_command(client, "tokls.classify", uri))
        # while the model thread waits on the network, the event loop answers at once
        await asyncio.sleep(0.2)
        t0 = time.monotonic()
        assert (await _command(client, "tokls.count", uri))["tokens"] > 10
        assert time.monotonic() - t0 < 1.0
        with pytest.raises(Exception, match=r"did not answer within 0\.5 s .*timeoutMs"):
            await slow
        assert time.monotonic() - started < 3.0

        tei.mode = "malformed"
        with pytest.raises(Exception, match="returned a malformed answer"):
            await _command(client, "tokls.classify", uri)
    finally:
        tei.mode = "ok"
    configure(client, {"classifier": {"endpoint": tei.url}})
    result = await _command(client, "tokls.classify", uri)
    assert result["label"] == "POSITIVE"

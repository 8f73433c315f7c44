"""``tokls.classify`` and ``tokls.classifyLines`` end to end, with the real embedded model.

One server for the module, so the model loads once: the first test sees it load.
"""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from .helpers import config, configure, open_doc, pytest_lsp, start, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.torch, pytest.mark.asyncio(loop_scope="module")]

POSITIVE = "A warm, funny and beautifully acted film. I loved every minute of it."
NEGATIVE = "A dull, lifeless mess. The plot is stupid and the acting is terrible."
# a CJK + emoji line first, so that UTF-16 columns differ from code points
TEXT = f"日本語 😀 {POSITIVE}\n\n{NEGATIVE}\r\n   \n{POSITIVE}\n"


@pytest_lsp.fixture(config=config(), scope="module")
async def client(lsp_client: LanguageClient):
    await start(lsp_client, {"debounceMs": 0})
    yield
    await lsp_client.shutdown_session()


def _range(l1: int, c1: int, l2: int, c2: int) -> dict:
    return {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}}


async def _command(client: LanguageClient, name: str, *args, token=None):
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(args), work_done_token=token)
    )


async def test_classify_and_classify_lines(client: LanguageClient):
    uri = "file:///workspace/reviews.txt"
    open_doc(client, uri, TEXT)
    earlier = set(client.progress_reports)

    # line 2 only; the model loads now, with server-created work-done progress (the client
    # advertises window.workDoneProgress)
    result = await _command(client, "tokls.classify", uri, [_range(2, 0, 2, len(NEGATIVE))])
    assert result["model"] == "sentiment" and result["label"] == "NEGATIVE" and result["score"] > 0.8
    assert sorted(s["label"] for s in result["scores"]) == ["NEGATIVE", "NEUTRAL", "POSITIVE"]
    assert result["multiLabel"] is False and result["mode"] == "window" and result["aggregation"] is None
    assert result["droppedTokens"] == 0 and result["tokens"] > 10
    (window,) = result["windows"]
    assert window["range"] == _range(2, 0, 2, len(NEGATIVE)) and window["label"] == "NEGATIVE"
    (reports,) = [v for k, v in client.progress_reports.items() if k not in earlier]
    kinds = [v.kind for v in reports]
    assert kinds[0] == "begin" and kinds[-1] == "end"
    assert any("loading classifier" in (v.message or "").lower() for v in reports)

    # an empty range means the whole document
    whole = await _command(client, "tokls.classify", uri, [_range(1, 0, 1, 0)])
    assert whole["windows"][0]["range"]["start"] == {"line": 0, "character": 0}

    rows = await _command(client, "tokls.classifyLines", uri, [])
    assert [r["label"] for r in rows["rows"]] == ["POSITIVE", "NEGATIVE", "POSITIVE"]
    first = rows["rows"][0]
    # "日本語 😀 " is 6 code points but 7 UTF-16 units
    assert first["range"] == _range(0, 0, 0, 7 + len(POSITIVE)) and first["text"].startswith("日本語")
    assert rows["rows"][1]["range"] == _range(2, 0, 2, len(NEGATIVE))
    assert rows["rows"][2]["range"] == _range(4, 0, 4, len(POSITIVE))
    assert all(r["tokens"] > 10 and len(r["scores"]) == 3 for r in rows["rows"])

    paragraphs = await _command(client, "tokls.classifyLines", uri, None, "paragraph")
    assert len(paragraphs["rows"]) == 3  # blank and whitespace-only lines separate paragraphs

    # the same sentences as a batch and one at a time agree
    single = await _command(client, "tokls.classify", uri, [_range(4, 0, 4, len(POSITIVE))])
    assert single["score"] == pytest.approx(rows["rows"][2]["score"], abs=1e-5)


async def test_bad_input_is_an_error_and_the_server_keeps_serving(client: LanguageClient):
    uri = "file:///workspace/blank.txt"
    open_doc(client, uri, "   \n\n\t\n")
    with pytest.raises(Exception, match="empty or only whitespace"):
        await _command(client, "tokls.classify", uri)
    with pytest.raises(Exception, match="no non-blank lines"):
        await _command(client, "tokls.classifyLines", uri)
    with pytest.raises(Exception, match="not an open document"):
        await _command(client, "tokls.classify", "file:///workspace/nope.txt")

    configure(client, {"classifier": {"model": "./no/such/model"}})
    open_doc(client, "file:///workspace/ok.txt", POSITIVE)
    with pytest.raises(Exception, match="does not exist"):
        await _command(client, "tokls.classify", "file:///workspace/ok.txt")

    configure(client, {"classifier": {"model": "sentiment"}})
    result = await _command(client, "tokls.classify", "file:///workspace/ok.txt")
    assert result["label"] == "POSITIVE"


async def test_cancel_request_stops_a_long_classification(client: LanguageClient):
    configure(client, {"classifier": {"batchSize": 2}})
    try:
        await _cancel_request(client)
    finally:
        configure(client, {})


async def _cancel_request(client: LanguageClient):
    uri = "file:///workspace/long.txt"
    open_doc(client, uri, " ".join([POSITIVE, NEGATIVE] * 300))  # ~9,000 tokens: ~24 windows, ~12 batches
    params = types.ExecuteCommandParams(command="tokls.classify", arguments=[uri])
    earlier = set(client.progress_reports)
    pending = asyncio.ensure_future(
        client.protocol.send_request_async(types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="long-1")
    )

    def reports():
        return next((v for k, v in client.progress_reports.items() if k not in earlier), [])

    # wait until the windows run (a report with a percentage), then cancel
    await wait_until(lambda: any(getattr(v, "percentage", None) for v in reports()), timeout=120)
    client.cancel_request(types.CancelParams(id="long-1"))
    with pytest.raises(Exception, match="cancel"):
        await pending
    await wait_until(lambda: reports() and reports()[-1].kind == "end", timeout=60)
    assert reports()[-1].message == "cancelled"
    assert max(v.percentage or 0 for v in reports() if v.kind == "report") < 100

    # and the server still answers
    open_doc(client, "file:///workspace/still-ok.txt", POSITIVE)
    result = await _command(client, "tokls.classify", "file:///workspace/still-ok.txt")
    assert result["label"] == "POSITIVE"

"""``tokls.datasetStats``: an open dataset document's statistics are those of ``tokls stats --format json``
on the same text with the same settings, computed from the editor's (unsaved) text."""

from __future__ import annotations

import json
import random

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import LanguageClient

from tokls.cli import main

from .helpers import config, edit, open_doc, pytest_lsp, start

pytestmark = pytest.mark.asyncio(loop_scope="module")

M = 48
WORDS = 'great film "quoted" caf\u00e9 \U0001F600 boring plot\nnew line'.split(" ")


@pytest_lsp.fixture(config=config(), scope="module")
async def client(lsp_client: LanguageClient):
    await start(lsp_client, {"debounceMs": 0, "maxLength": M, "dataset": {"fields": ["review"]}})
    yield
    await lsp_client.shutdown_session()


def _lines(n: int = 120) -> list[str]:
    rng = random.Random(5)
    out = []
    for i in range(n):
        k = rng.randint(80, 200) if i % 30 == 4 else rng.randint(0, 30)
        out.append(json.dumps({"label": i % 2, "review": " ".join(rng.choice(WORDS) for _ in range(k))}))
    out[7] = out[9]  # a duplicate
    out[11] = '{"label": 1, "text": "no review"}'  # missing the field
    out[13] = "{broken"
    return out


def _cli_stats(tmp_path, capsys, text: str, *args: str) -> dict:
    path = tmp_path / "reviews.jsonl"
    path.write_text(text, encoding="utf-8", newline="")
    capsys.readouterr()
    assert main(["stats", str(path), "--format", "json", "--no-progress", "--max-length", str(M),
                 "--field", "review", *args]) == 0
    return json.loads(capsys.readouterr().out)


def _without_paths(result: dict) -> dict:
    result = dict(result, files=None)
    for key in ("longest", "outliers", "invalid"):
        result[key] = [{k: v for k, v in e.items() if k != "path"} for e in result[key]]
    return result


async def _stats(client: LanguageClient, *arguments):
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="tokls.datasetStats", arguments=list(arguments)))


async def test_dataset_stats_equals_tokls_stats(client: LanguageClient, tmp_path, capsys):
    uri = "file:///workspace/reviews.jsonl"
    lines = _lines()
    text = "\n".join(lines) + "\n"
    open_doc(client, uri, text)

    got = await _stats(client, uri)
    assert got["files"] == ["/workspace/reviews.jsonl"] and got["max_length"] == M
    expected = _cli_stats(tmp_path, capsys, text)
    assert _without_paths(got) == _without_paths(expected)
    assert got["records"] == len(lines) - 2 and got["missing_field"] == 1 and got["duplicates"] >= 1
    assert [e["line"] for e in got["invalid"]] == [14]
    assert got["truncated"]["records"] > 0 and got["longest"][0]["tokens"] == got["tokens"]["max"]

    got = await _stats(client, uri, {"batchSize": 8, "outlier": 40})
    assert _without_paths(got) == _without_paths(_cli_stats(tmp_path, capsys, text, "--batch-size", "8",
                                                             "--outlier", "40"))
    assert got["padding"]["batch_size"] == 8 and all(o["tokens"] > 40 for o in got["outliers"])

    # the editor's text, not the file: fix the broken line
    edit(client, uri, 2, (13, 0), (13, len(lines[13])), '{"review": "fixed now"}')
    lines[13] = '{"review": "fixed now"}'
    got = await _stats(client, uri)
    assert got["invalid"] == [] and got["records"] == len(lines) - 1
    assert _without_paths(got) == _without_paths(_cli_stats(tmp_path, capsys, "\n".join(lines) + "\n"))


async def test_dataset_stats_csv_and_refusals(client: LanguageClient, tmp_path, capsys):
    uri = "file:///workspace/pairs.csv"
    text = 'label,review\r\n1,"multi\r\nline ""quoted"" review"\r\n0,short\r\n'
    open_doc(client, uri, text)
    got = await _stats(client, uri)
    path = tmp_path / "pairs.csv"
    path.write_text(text, encoding="utf-8", newline="")
    capsys.readouterr()
    assert main(["stats", str(path), "--format", "json", "--no-progress", "--max-length", str(M),
                 "--field", "review"]) == 0
    assert _without_paths(got) == _without_paths(json.loads(capsys.readouterr().out))
    assert got["records"] == 2 and [e["line"] for e in got["longest"]] == [2, 4]

    # a document the client does not sync comes with its text
    unsynced = await _stats(client, "file:///workspace/other/pairs.csv", {"text": text})
    assert unsynced["files"] == ["/workspace/other/pairs.csv"]
    assert _without_paths(unsynced) == _without_paths(got)
    with pytest.raises(JsonRpcInvalidParams, match="not an open document"):
        await _stats(client, "file:///workspace/other/pairs.csv")

    open_doc(client, "file:///workspace/notes.txt", "not a dataset")
    with pytest.raises(JsonRpcInvalidParams, match="not a dataset file"):
        await _stats(client, "file:///workspace/notes.txt")
    with pytest.raises(JsonRpcInvalidParams, match="batchSize must be a positive integer"):
        await _stats(client, uri, {"batchSize": 0})

"""`tokls check` and the editor agree on a file with directives: the same counts, model, limit,
truncation points and directive warnings; `check --summary` prints the workspace view's totals."""

from __future__ import annotations

import json

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tokls.cli import main

from .helpers import by_code, config, offset_of, open_doc, pytest_lsp, start, track_versions, wait_diagnostics

pytestmark = pytest.mark.asyncio(loop_scope="module")

LONG = ("Tokenizers split text into pieces 😀, and each model splits it differently. " * 8).strip()
NOTES = ("---\ntitle: Notes\ntokls: {model: gpt2, maxLength: 120, segment: paragraph}\n---\n\n"
         f"{LONG}\n\nA short 🎉 paragraph.\n\n<!-- tokls: maxLength=lots -->\n\n"
         f"<!-- tokls: off -->\nPrivate notes, {'many words ' * 80}\n<!-- tokls: on -->\n")
FILES = {"notes.md": NOTES, "plain.txt": LONG, "data/reviews.jsonl": '{"text": "Fine."}\n{"text": "%s"}\n' % LONG,
         "data/deep/more.md": "# tokls: model=gpt2\n" + LONG}


@pytest_lsp.fixture(config=config(), scope="module")
async def client(lsp_client: LanguageClient):
    track_versions(lsp_client)
    await start(lsp_client, {"debounceMs": 0})
    yield
    await lsp_client.shutdown_session()


def check(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["check", *args])
    return code, capsys.readouterr().out


async def test_check_reports_what_the_editor_shows(client: LanguageClient, tmp_path, capsys):
    path = tmp_path / "notes.md"
    path.write_text(NOTES, encoding="utf-8")
    open_doc(client, path.as_uri(), NOTES, language="markdown")
    diags = await wait_diagnostics(client, path.as_uri(), 1)
    (count,) = by_code(diags, "token-count")
    cuts = [offset_of(NOTES, d.range.start) for d in by_code(diags, "truncation")]
    directives = [(d.range.start.line + 1, d.message) for d in by_code(diags, "directive")]
    assert count.data["model"] == "gpt2" and count.data["maxLength"] == 120 and len(cuts) == 1 and directives

    code, out = check(capsys, str(path), "--format", "json")
    records = json.loads(out)
    inputs = [r for r in records if "segment" in r]
    assert code == 1
    assert sum(r["tokens"] for r in inputs) == count.data["tokens"] and len(inputs) == count.data["segments"]
    assert {(r["model"], r["max_length"]) for r in inputs} == {("gpt2", 120)}
    assert [r["truncation"]["offset"] for r in inputs if r["truncated"]] == cuts
    assert [(r["line"], r["message"]) for r in records if r.get("problem") == "directive"] == directives

    code, out = check(capsys, str(path))
    for d in by_code(diags, "directive") + by_code(diags, "truncation"):
        line = NOTES.splitlines()[d.range.start.line]
        column = len(line[:offset_of(NOTES, d.range.start) - offset_of(NOTES, types.Position(d.range.start.line, 0))])
        assert f"{path}:{d.range.start.line + 1}:{column + 1}: warning: {d.message}" in out.splitlines()


async def test_check_summary_prints_the_workspace_views_totals(client: LanguageClient, tmp_path, capsys):
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    result = await client.protocol.send_request_async("tokls/workspaceCounts", {"folders": [tmp_path.as_uri()]})
    view = {f.path: (f.tokens, f.files, f.truncated) for f in result.folders}
    assert set(view) == {".", "data", "data/deep"}

    code, out = check(capsys, "--summary", str(tmp_path.absolute()))
    rows = {}
    for line in out.splitlines()[:-1]:
        folder, tokens, _tokens, files, _files, *truncated = line.split()
        rows[folder.rstrip("/") or "."] = (int(tokens.replace(",", "")), int(files), int(truncated[0]) if truncated else 0)
    assert rows == view

"""Model names end to end: `model: "gpt-4o"` → the count shows the context window and the input
cost; the budget warning before the cut; `tokls.compare` gives one row per model."""

from __future__ import annotations

from pathlib import Path

import pytest
import tiktoken
from lsprotocol import types
from pytest_lsp import LanguageClient

from tokls.core.messages import format_cost
from tokls.core.catalogue import resolve
from tokls.core.tokenizers import load_tokenizer
from tokls.core.vocab._tiktoken import read_tiktoken_ranks
from tokls.core.vocab.presets import _O200K_PATTERN, _O200K_SPECIALS, preset_sources

from .helpers import by_code, config, configure, open_doc, pytest_lsp, start, track_versions, wait_diagnostics

pytestmark = pytest.mark.asyncio(loop_scope="module")

LONG = (Path(__file__).parents[2] / "samples" / "long-article.md").read_text(encoding="utf-8")
# the reference implementation, offline: tiktoken on the shipped o200k_base ranks
O200K = tiktoken.Encoding("o200k_base", pat_str=_O200K_PATTERN, special_tokens=_O200K_SPECIALS,
                          mergeable_ranks=read_tiktoken_ranks(preset_sources("o200k_base")[0]))


@pytest_lsp.fixture(config=config(), scope="module")
async def client(lsp_client: LanguageClient):
    track_versions(lsp_client)
    await start(lsp_client, {"debounceMs": 0, "model": "gpt-4o"})
    yield
    await lsp_client.shutdown_session()


async def test_gpt_4o_count_shows_window_and_cost(client: LanguageClient):
    uri = "file:///workspace/gpt4o.md"
    open_doc(client, uri, LONG, language="markdown")
    diags = await wait_diagnostics(client, uri, 1)
    (count,) = by_code(diags, "token-count")
    n = len(O200K.encode_ordinary(LONG))  # the reference implementation
    entry = resolve("gpt-4o")
    assert entry.context_window == 128_000 and entry.input_cost_per_token
    cost = format_cost(n * entry.input_cost_per_token)
    assert count.message == f"{n:,} tokens · gpt-4o · {n / 128_000:.1%} of 128,000 · ≈ {cost} input"
    assert by_code(diags, "truncation") == [] and by_code(diags, "budget") == []
    # tokls.count carries the same, for the status bar
    got = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="tokls.count", arguments=[uri]))
    assert got["model"] == "gpt-4o" and got["tokens"] == n and got["maxLength"] == 128_000
    assert got["contextWindow"] == 128_000 and got["message"] == count.message
    assert got["cost"] == pytest.approx(n * entry.input_cost_per_token)


async def test_budget_warns_before_the_cut(client: LanguageClient):
    uri = "file:///workspace/budget.txt"
    text = "word" + " word" * 89  # o200k: 90 tokens
    assert len(O200K.encode_ordinary(text)) == 90
    open_doc(client, uri, text)
    await wait_diagnostics(client, uri, 1)
    try:
        client.diagnostics.pop(uri)
        configure(client, {"model": "gpt-4o", "maxLength": 100, "budget": {"warnAt": 0.5}, "debounceMs": 0})
        diags = await wait_diagnostics(client, uri, 1)
        (budget,) = by_code(diags, "budget")
        assert budget.severity == types.DiagnosticSeverity.Warning
        assert budget.message == ("Budget: 90 tokens = 90.0% of 100 (gpt-4o), past the 50% warning; "
                                  "10 tokens left before truncation")
        # the 51st token is the first past half of 100: " word" at character 4 + 5 × 49
        assert budget.range.start == types.Position(0, 249) and budget.range.end == types.Position(0, len(text))
        assert by_code(diags, "truncation") == []
        # past the limit: the truncation warning replaces the budget warning
        client.diagnostics.pop(uri)
        configure(client, {"model": "gpt-4o", "maxLength": 80, "budget": {"warnAt": 0.5}, "debounceMs": 0})
        diags = await wait_diagnostics(client, uri, 1)
        assert by_code(diags, "budget") == [] and len(by_code(diags, "truncation")) == 1
        # 0 switches the budget off
        client.diagnostics.pop(uri)
        configure(client, {"model": "gpt-4o", "maxLength": 100, "budget": {"warnAt": 0}, "debounceMs": 0})
        diags = await wait_diagnostics(client, uri, 1)
        assert by_code(diags, "budget") == []
    finally:
        configure(client, {})


async def test_compare_returns_one_row_per_model(client: LanguageClient):
    uri = "file:///workspace/compare.md"
    open_doc(client, uri, LONG)
    await wait_diagnostics(client, uri, 1)
    models = ["gpt-4o", "llama-3.1-8b", "mistral-large", "bert-base-uncased"]
    got = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="tokls.compare", arguments=[uri, models]))
    rows = got["rows"]
    assert [r["model"] for r in rows] == models
    assert [r["preset"] for r in rows] == ["o200k_base", "llama-3", "mistral-tekken", "bert-base-uncased"]
    assert got["characters"] == len(LONG)
    bert = load_tokenizer("bert-base-uncased").tokenizer.encode(LONG, add_special_tokens=True)
    want = {"gpt-4o": len(O200K.encode_ordinary(LONG)), "bert-base-uncased": len(bert.ids)}
    for row in rows:
        if row["model"] in want:
            assert row["tokens"] == want[row["model"]], row["model"]
        assert row["charsPerToken"] == pytest.approx(len(LONG) / row["tokens"])
        assert row["truncated"] == (row["tokens"] > row["maxLength"])
    assert rows[3]["truncated"] and rows[3]["droppedTokens"] == len(bert.ids) - 512 and rows[3]["cost"] is None
    assert not rows[0]["truncated"] and rows[0]["cost"] == pytest.approx(rows[0]["tokens"] * resolve("gpt-4o").input_cost_per_token)
    # a range, a comma-separated string, and a model that cannot be loaded
    one_line = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}
    got = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="tokls.compare", arguments=[uri, "gpt-4o, claude-3-5-sonnet", one_line]))
    first_line = LONG[:LONG.index("\n") + 1]
    assert got["characters"] == len(first_line)
    assert got["rows"][0]["tokens"] == len(O200K.encode_ordinary(first_line))
    assert got["rows"][1]["tokens"] is None and "no public tokenizer" in got["rows"][1]["error"]

"""The language server end to end, through pytest-lsp's real LSP client over stdio.

One server for the module (each test opens its own documents; a test that changes settings
puts the initializationOptions back); the pulled-configuration test starts its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from .helpers import (by_code, config, configure, edit, open_doc, pytest_lsp, start, track_versions,
                      wait_diagnostics, wait_until)

from tokls.core.tokenizers import load_tokenizer

pytestmark = pytest.mark.asyncio(loop_scope="module")

LONG = (Path(__file__).parents[2] / "samples" / "long-article.md").read_text(encoding="utf-8")


@pytest_lsp.fixture(config=config(), scope="module")
async def client(lsp_client: LanguageClient):
    track_versions(lsp_client)
    await start(lsp_client, {"debounceMs": 0})
    yield
    await lsp_client.shutdown_session()


def raw_count(text: str, model: str = "bert-base-uncased") -> int:
    """Tokens of ``text`` with special tokens, straight from the `tokenizers` library."""
    return len(load_tokenizer(model).tokenizer.encode(text, add_special_tokens=True).ids)


def expected_cut(text: str, limit: int = 512) -> tuple[int, int, int]:
    """(line, UTF-16 character, dropped tokens) of BERT's cut, from one raw encode of ``text``."""
    enc = load_tokenizer("bert-base-uncased").tokenizer.encode(text, add_special_tokens=False)
    offset = enc.offsets[limit - 2][0]
    before = text[:offset]
    line = before.count("\n")
    col = len(before[before.rfind("\n") + 1:].encode("utf-16-le")) // 2
    return line, col, len(enc.ids) - (limit - 2)


async def test_open_publishes_count_and_truncation(client: LanguageClient):
    uri = "file:///workspace/long.md"
    open_doc(client, uri, LONG, language="markdown")
    diags = await wait_diagnostics(client, uri, 1)
    count = by_code(diags, "token-count")
    assert len(count) == 1
    total = raw_count(LONG)
    assert total > 512
    assert count[0].message == f"{total} tokens · bert-base-uncased · {total / 512:.0%} of 512"
    assert count[0].severity == types.DiagnosticSeverity.Information
    trunc = by_code(diags, "truncation")
    assert len(trunc) == 1
    line, col, dropped = expected_cut(LONG)
    assert dropped == total - 512
    assert trunc[0].range.start == types.Position(line, col)
    # the squiggle covers the first dropped token only
    enc = load_tokenizer("bert-base-uncased").tokenizer.encode(LONG, add_special_tokens=False)
    start, end = enc.offsets[510]
    assert trunc[0].range.end == types.Position(line, col + len(LONG[start:end].encode("utf-16-le")) // 2)
    # the dropped text, to the segment's end (after the last line break), is faded: a tagged hint
    (faded,) = by_code(diags, "truncated-text")
    assert faded.range == types.Range(start=types.Position(line, col), end=types.Position(LONG.count("\n"), 0))
    assert faded.severity == types.DiagnosticSeverity.Hint and list(faded.tags) == [types.DiagnosticTag.Unnecessary]
    assert faded.message == f"Not seen by the model: {dropped} tokens past the 512-token limit (bert-base-uncased)"
    assert trunc[0].message == f"Truncated: {total} tokens > 512 (bert-base-uncased); {dropped} tokens past here are dropped"
    assert trunc[0].source == "tokls" and trunc[0].severity == types.DiagnosticSeverity.Warning
    assert trunc[0].data["droppedTokens"] == dropped


async def test_incremental_edits_move_the_cut(client: LanguageClient):
    uri = "file:///workspace/edit.md"
    open_doc(client, uri, LONG)
    await wait_diagnostics(client, uri, 1)
    # delete the first heading line: the cut moves later in the text, by whole tokens
    edit(client, uri, 2, (0, 0), (1, 0), "")
    text = LONG.split("\n", 1)[1]
    diags = await wait_diagnostics(client, uri, 2)
    line, col, dropped = expected_cut(text)
    (trunc,) = by_code(diags, "truncation")
    assert (trunc.range.start.line, trunc.range.start.character) == (line, col)
    assert trunc.data["droppedTokens"] == dropped
    # insert emoji and CJK before the cut: UTF-16 columns must still be exact
    edit(client, uri, 3, (0, 0), (0, 0), "😀👨‍👩‍👧 日本語 🇫🇷 ")
    text = "😀👨‍👩‍👧 日本語 🇫🇷 " + text
    diags = await wait_diagnostics(client, uri, 3)
    line, col, dropped = expected_cut(text)
    (trunc,) = by_code(diags, "truncation")
    assert (trunc.range.start.line, trunc.range.start.character) == (line, col)
    # cut the text down below the limit: the warning disappears
    n_lines = text.count("\n")
    edit(client, uri, 4, (10, 0), (n_lines, 0), "")
    diags = await wait_diagnostics(client, uri, 4)
    assert by_code(diags, "truncation") == []


async def test_hover_shows_pieces_ids_and_truncation(client: LanguageClient):
    uri = "file:///workspace/hover.md"
    text = "Tokenization untranslatable 😀\n" + LONG
    open_doc(client, uri, text)
    await wait_diagnostics(client, uri, 1)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(0, 15)))
    assert hover is not None
    value = hover.contents.value
    bert = load_tokenizer("bert-base-uncased").tokenizer
    # [CLS] token ##ization un ##tra: the fifth token of the input (1-based), columns 16–18 of line 1
    assert value.startswith(f"**`##tra`** · id {bert.token_to_id('##tra')} · token 5 of {raw_count(text)}"
                            f" · Ln 1, Col 16–18 · text `tra`\n\n"), value
    assert "word: `un` `##tra` `##ns` `##lat` `##able` (5 tokens)" in value
    # the document is cut: [SEP] takes the last of the 512 places
    assert "special tokens: `[CLS]` is token 1, `[SEP]` is token 512 (the last one the model reads)" in value
    assert hover.range == types.Range(start=types.Position(0, 15), end=types.Position(0, 18))
    # the emoji is one [UNK] for BERT
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(0, 28)))
    assert "unknown" in hover.contents.value and "[UNK]" in hover.contents.value
    # a token far past the cut says so
    last_line = text.count("\n") - 1
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(last_line, 2)))
    assert "past the truncation point: the model reads only the first 512 tokens of this input " \
           "([CLS] + 510 tokens of text + [SEP]) and never sees this one" in hover.contents.value
    # whitespace: no token
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(0, 12)))
    assert hover is None


async def test_configuration_change_and_unknown_model(client: LanguageClient):
    uri = "file:///workspace/conf.md"
    open_doc(client, uri, LONG)
    await wait_diagnostics(client, uri, 1)
    client.messages.clear()
    client.diagnostics.pop(uri)
    try:
        await _configuration_change_and_unknown_model(client, uri)
    finally:
        configure(client, {})  # back to the initializationOptions for the next tests


async def _configuration_change_and_unknown_model(client: LanguageClient, uri: str):
    configure(client, {"model": "gpt2", "debounceMs": 0})
    diags = await wait_diagnostics(client, uri, 1)
    (count,) = by_code(diags, "token-count")
    gpt2_total = raw_count(LONG, "gpt2")
    assert count.message == f"{gpt2_total:,} tokens · gpt2 · {gpt2_total / 1024:.0%} of 1,024"
    # an unknown model: one clear message, the default tokenizer keeps serving
    client.diagnostics.pop(uri)
    configure(client, {"model": "no-such-org/no-such-model-xyz", "debounceMs": 0})
    diags = await wait_diagnostics(client, uri, 1)
    await wait_until(lambda: client.messages, timeout=5)
    shown = [m.message for m in client.messages]
    assert len([m for m in shown if "no-such-org/no-such-model-xyz" in m]) == 1, shown
    assert "bert-base-uncased" in shown[0]
    (count,) = by_code(diags, "token-count")
    assert "bert-base-uncased" in count.message
    # invalid values: a message naming the setting, defaults used
    client.messages.clear()
    client.diagnostics.pop(uri)
    configure(client, {"segment": "sentences", "maxLength": 100, "debounceMs": 0})
    diags = await wait_diagnostics(client, uri, 1)
    (count,) = by_code(diags, "token-count")
    assert count.message == f"{raw_count(LONG)} tokens · bert-base-uncased · {raw_count(LONG) / 100:.0%} of 100"
    await wait_until(lambda: client.messages, timeout=5)
    assert any("tokls.segment" in m.message and "sentences" in m.message for m in client.messages)


async def test_close_clears_diagnostics(client: LanguageClient):
    uri = "file:///workspace/close.md"
    open_doc(client, uri, LONG)
    await wait_diagnostics(client, uri, 1)
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    await wait_until(lambda: client.diagnostics.get(uri) is not None and len(client.diagnostics[uri]) == 0, timeout=5)
    assert client.diagnostic_versions[uri] is None  # a clear, not a publish of some version


@pytest_lsp.fixture(config=config(), loop_scope="module")
async def pulling(lsp_client: LanguageClient):
    track_versions(lsp_client)
    lsp_client.set_configuration({"tokls": {"model": "gpt2", "severity": {"tokenCount": "hint"}}})
    await start(lsp_client, {"debounceMs": 0, "model": "bert-base-uncased"})
    yield
    await lsp_client.shutdown_session()


async def test_workspace_configuration_is_pulled_and_wins(pulling: LanguageClient):
    uri = "file:///workspace/pull.md"
    # the pull happens after `initialized`
    await wait_until(lambda: any(m.message.startswith("settings: model=gpt2 ") and m.type == types.MessageType.Info
                                 for m in pulling.log_messages), timeout=5)
    open_doc(pulling, uri, LONG)
    (count,) = by_code(await wait_diagnostics(pulling, uri, 1), "token-count")
    assert " · gpt2 · " in count.message and count.severity == types.DiagnosticSeverity.Hint
    # didChangeConfiguration without settings (as VS Code sends it): the server pulls again
    pulling.set_configuration({"tokls": {"model": "bert-base-uncased", "severity": {"tokenCount": "off"}}})
    pulling.diagnostics.pop(uri)
    pulling.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    diags = await wait_diagnostics(pulling, uri, 1)
    assert by_code(diags, "token-count") == []
    (trunc,) = by_code(diags, "truncation")
    assert "(bert-base-uncased)" in trunc.message

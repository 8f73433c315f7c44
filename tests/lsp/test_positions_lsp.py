"""Exact ranges through the wire: negotiated encodings, CRLF, segment modes, bad input.

One server per negotiated encoding and one for the Neovim-like client, shared by the module's
tests (each opens its own documents; a test that changes settings puts them back).
"""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tokls.core.tokenizers import load_tokenizer

from .helpers import by_code, config, configure, edit, open_doc, pytest_lsp, start, track_versions, wait_diagnostics

pytestmark = pytest.mark.asyncio(loop_scope="module")

PREFIX = "😀👨‍👩‍👧 日本語 e\u0301 🇫🇷\r\n"
BODY = "word " * 700


def column(line: str, encoding: str) -> int:
    return {"utf-8": len(line.encode()), "utf-16": len(line.encode("utf-16-le")) // 2, "utf-32": len(line)}[encoding]


def cut_offset(text: str, limit: int = 512) -> int:
    enc = load_tokenizer("bert-base-uncased").tokenizer.encode(text, add_special_tokens=False)
    return enc.offsets[limit - 2][0]


@pytest_lsp.fixture(config=config(), params=["utf-8", "utf-16", "utf-32"], scope="module")
async def client(lsp_client: LanguageClient, request):
    track_versions(lsp_client)
    result = await start(lsp_client, {"debounceMs": 0, "segment": "document"}, encodings=[request.param])
    lsp_client.encoding = request.param
    assert result.capabilities.position_encoding == request.param
    yield
    await lsp_client.shutdown_session()


async def test_truncation_range_in_negotiated_encoding(client: LanguageClient):
    uri = "file:///workspace/enc.txt"
    text = PREFIX + "日本 " * 3 + "😀 x " * 200 + "🇫🇷 end " * 200
    open_doc(client, uri, text)
    (trunc,) = by_code(await wait_diagnostics(client, uri, 1), "truncation")
    cut = cut_offset(text)
    line_start = text.rfind("\n", 0, cut) + 1
    assert trunc.range.start == types.Position(1, column(text[line_start:cut], client.encoding))
    cut_end = load_tokenizer("bert-base-uncased").tokenizer.encode(text, add_special_tokens=False).offsets[510][1]
    assert trunc.range.end == types.Position(1, column(text[line_start:cut_end], client.encoding))
    (faded,) = by_code(client.diagnostics[uri], "truncated-text")
    assert faded.range.start == trunc.range.start
    assert faded.range.end == types.Position(1, column(text[line_start:], client.encoding))
    # an edit addressed in the same encoding: delete the emoji at the start of line 1
    edit(client, uri, 2, (1, 0), (1, column("日本 ", client.encoding)), "")
    text = text[:line_start] + text[line_start + 3:]
    (trunc,) = by_code(await wait_diagnostics(client, uri, 2), "truncation")
    cut = cut_offset(text)
    assert trunc.range.start == types.Position(1, column(text[line_start:cut], client.encoding))


@pytest_lsp.fixture(config=config(), scope="module")
async def plain(lsp_client: LanguageClient):
    track_versions(lsp_client)
    result = await start(lsp_client, {"debounceMs": 0, "segment": "line", "maxLength": 8}, editor="neovim")
    lsp_client.encoding = result.capabilities.position_encoding  # Neovim offers utf-8 first
    yield
    await lsp_client.shutdown_session()


async def test_line_mode_with_crlf_and_blank_lines(plain: LanguageClient):
    uri = "file:///workspace/data.jsonl"
    lines = ["short one", "", "this line has far more than eight tokens in it, surely", "   ",
             "日本語のテキストはとても長いです", "ok"]
    text = "\r\n".join(lines) + "\r\n"
    open_doc(plain, uri, text)
    diags = await wait_diagnostics(plain, uri, 1)
    trunc = by_code(diags, "truncation")
    assert [d.range.start.line for d in trunc] == [2, 4]
    bert = load_tokenizer("bert-base-uncased").tokenizer
    for d in trunc:
        line = lines[d.range.start.line]
        offs = bert.encode(line, add_special_tokens=False).offsets
        assert d.range.start.character == column(line[:offs[6][0]], plain.encoding)
        assert d.range.end == types.Position(d.range.start.line, column(line[:offs[6][1]], plain.encoding))
    faded = by_code(diags, "truncated-text")
    assert [f.range.start for f in faded] == [d.range.start for d in trunc]
    for f in faded:
        assert f.range.end == types.Position(f.range.start.line, column(lines[f.range.start.line], plain.encoding))
    (count,) = by_code(diags, "token-count")
    assert "in 4 lines" in count.message and "2 truncated" in count.message
    # join lines 2 and 3 with a CRLF deleted: segments follow
    edit(plain, uri, 2, (0, 9), (1, 0), " and more words to overflow the limit")
    diags = await wait_diagnostics(plain, uri, 2)
    assert [d.range.start.line for d in by_code(diags, "truncation")] == [0, 1, 3]


async def test_binary_and_huge_documents_do_not_break_the_server(plain: LanguageClient):
    nul = "file:///workspace/blob.bin"
    open_doc(plain, nul, "\x00\x01\x02\ufffd\ufffd binary \x00 bytes \x7f\x1b[0m" * 100)
    diags = await wait_diagnostics(plain, nul, 1)
    assert by_code(diags, "token-count")
    configure(plain, {"maxDocumentSize": 1000})
    try:
        await _huge_document_and_bad_requests(plain)
    finally:
        configure(plain, {})


async def _huge_document_and_bad_requests(plain: LanguageClient):
    big = "file:///workspace/big.txt"
    open_doc(plain, big, "x " * 5000)
    (too_large,) = await wait_diagnostics(plain, big, 1)
    assert too_large.code == "too-large" and "10,000 characters" in too_large.message
    hover = await plain.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=big), position=types.Position(0, 0)))
    assert hover is None
    # a request for an unknown document is an error, and the server keeps serving
    with pytest.raises(Exception, match="not an open document"):
        await plain.workspace_execute_command_async(types.ExecuteCommandParams(
            command="tokls.count", arguments=["file:///workspace/nope.txt"]))
    small = "file:///workspace/small.txt"
    open_doc(plain, small, "hello world")
    result = await plain.workspace_execute_command_async(types.ExecuteCommandParams(
        command="tokls.count", arguments=[small, [{"start": {"line": 0, "character": 0},
                                                    "end": {"line": 0, "character": 5}}]]))
    assert result["tokens"] == 4 and result["selections"] == [3] and result["model"] == "bert-base-uncased"


async def test_tokens_command_lists_pieces(plain: LanguageClient):
    uri = "file:///workspace/tokens.txt"
    open_doc(plain, uri, "Tokenization rocks\nsecond line")
    await wait_diagnostics(plain, uri, 1)
    result = await plain.workspace_execute_command_async(types.ExecuteCommandParams(
        command="tokls.tokens", arguments=[uri, {"start": {"line": 0, "character": 0},
                                                 "end": {"line": 0, "character": 18}}]))
    assert [t["piece"] for t in result["tokens"]] == ["token", "##ization", "rocks"]
    assert [t["index"] for t in result["tokens"]] == [1, 2, 3]
    assert result["tokens"][1]["range"] == {"start": {"line": 0, "character": 5}, "end": {"line": 0, "character": 12}}
    assert plain.encoding in ("utf-8", "utf-16")


async def test_rapid_edits_publish_only_the_latest_version(plain: LanguageClient):
    configure(plain, {"debounceMs": 200, "segment": "document"})
    try:
        await _rapid_edits(plain)
    finally:
        configure(plain, {})


async def _rapid_edits(plain: LanguageClient):
    uri = "file:///workspace/typing.txt"
    open_doc(plain, uri, "")
    await wait_diagnostics(plain, uri, 1)
    plain.publish_log.clear()
    for v in range(2, 30):
        edit(plain, uri, v, (0, v - 2), (0, v - 2), "a")
    await wait_diagnostics(plain, uri, 29)
    await asyncio.sleep(0.4)
    versions = [p.version for p in plain.publish_log if p.uri == uri]
    assert versions == [29]
    (count,) = by_code(plain.diagnostics[uri], "token-count")
    expected = len(load_tokenizer("bert-base-uncased").tokenizer.encode("a" * 28).ids)
    assert count.message.startswith(f"{expected} tokens · bert-base-uncased")

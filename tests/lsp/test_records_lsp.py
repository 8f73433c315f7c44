"""Dataset records through the wire: a .jsonl document's truncation at the exact character inside
the JSON string, an invalid line's own diagnostic, per-record hints, hover inside escapes, and an
edit of one record changing only its results."""

from __future__ import annotations

import json

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tokls.core.tokenizers import load_tokenizer

from .helpers import by_code, config, edit, open_doc, pytest_lsp, start, track_versions, wait_diagnostics

pytestmark = pytest.mark.asyncio(loop_scope="module")

M = 16


def utf16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


@pytest_lsp.fixture(config=config(), scope="module")
async def client(lsp_client: LanguageClient):
    track_versions(lsp_client)
    await start(lsp_client, {"debounceMs": 0, "maxLength": M})
    yield
    await lsp_client.shutdown_session()


LONG = 'She said "caf\u00e9 \U0001F600" \\ then\nleft. ' * 6
LINES = [json.dumps({"id": 0, "text": "a short review"}),
         json.dumps({"id": 1, "text": LONG}, ensure_ascii=True),
         '{"id": 2, "text": "unterminated}',
         json.dumps({"id": 3, "text": "another short one"})]


def _decoded_prefix_end(line: str, body: int, prefix: str) -> int:
    """The document column where the JSON string's decoded text reaches ``prefix`` (re-found by decoding)."""
    for d in range(body, len(line)):
        try:
            if json.loads('"' + line[body:d] + '"') == prefix:
                return d
        except ValueError:
            continue
    raise AssertionError("not found")


async def test_records_truncation_invalid_line_hover_and_edit(client: LanguageClient):
    uri = "file:///workspace/reviews.jsonl"
    open_doc(client, uri, "\n".join(LINES) + "\n")
    diags = await wait_diagnostics(client, uri, 1)

    (trunc,) = by_code(diags, "truncation")
    enc = load_tokenizer("bert-base-uncased").tokenizer.encode(LONG, add_special_tokens=False)
    cut = enc.offsets[M - 2][0]
    line = LINES[1]
    body = line.index('"text": "') + len('"text": "')
    col = _decoded_prefix_end(line, body, LONG[:cut])
    assert trunc.range.start == types.Position(1, utf16(line[:col]))
    assert f"{len(enc.ids) + 2 - M} tokens past here are dropped" in trunc.message

    (invalid,) = by_code(diags, "invalid-record")
    assert invalid.range.start.line == 2 and invalid.severity == types.DiagnosticSeverity.Error
    assert "invalid JSON" in invalid.message

    hints = by_code(diags, "record-tokens")
    assert [(h.range.start.line, h.range.start.character) for h in hints] == \
           [(i, utf16(LINES[i])) for i in (0, 1, 3)]
    assert all(h.severity == types.DiagnosticSeverity.Hint for h in hints)
    # numbered among all records: the one after the invalid line is record 4
    assert [h.message.rsplit("(", 1)[1] for h in hints] == ["record 1)", "record 2)", "record 4)"]
    (count,) = by_code(diags, "token-count")
    assert "in 3 records" in count.message and "1 truncated" in count.message

    at = line.index("\\u00e9")
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(1, at + 2)))
    assert hover is not None and "**`cafe`**" in hover.contents.value and "record 2" in hover.contents.value
    assert hover.range.end == types.Position(1, at + 6)
    after_invalid = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(3, LINES[3].index("another") + 1)))
    assert after_invalid is not None and "record 4" in after_invalid.contents.value

    # edit record 4 only: its hint changes, every other diagnostic stays exactly as it was
    start = LINES[3].index("another")
    edit(client, uri, 2, (3, start), (3, start + len("another")), "one more rather longer")
    after = await wait_diagnostics(client, uri, 2)
    old = {(d.code, d.range.start.line): (d.message, d.range) for d in diags if d.range.start.line != 3}
    new = {(d.code, d.range.start.line): (d.message, d.range) for d in after if d.range.start.line != 3}
    assert {k: v for k, v in old.items() if k[0] != "token-count"} == \
           {k: v for k, v in new.items() if k[0] != "token-count"}
    (h_old,) = [d for d in hints if d.range.start.line == 3]
    (h_new,) = [d for d in by_code(after, "record-tokens") if d.range.start.line == 3]
    expected = len(load_tokenizer("bert-base-uncased").tokenizer.encode("one more rather longer short one").ids)
    assert h_old.message != h_new.message and h_new.message.startswith(f"{expected} tokens")

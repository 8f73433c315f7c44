"""The bounds behind defects 3 and 6, checked directly: chunk sizes, the token limit, token info.

``test_incremental_bound`` measures the work of an edit; these check the limits that make it
bounded (every chunk at most ``MAX_RUN`` characters, whatever the text), that encoding stops at
``max_tokens`` before it has encoded the whole text, that the server reports a document over
``tokls.maxDocumentTokens`` instead of keeping its tokens, and that a token's info is small.
"""

from __future__ import annotations

import dataclasses

import pytest

from tokls.core.analysis import TEXT_CHARS, WORD_PIECES, DocumentTokens
from tokls.core.chunking import Chunked, TooManyTokens
from tokls.core.cutpoints import MAX_RUN
from tokls.core.tokenizers import load_tokenizer

from .test_incremental_bound import DOCUMENTS, CountingTokenizer

pytestmark = pytest.mark.robustness


@pytest.mark.parametrize("model", ["bert-base-uncased", "gpt2"])
@pytest.mark.parametrize("kind", list(DOCUMENTS))
def test_every_chunk_is_bounded(kind, model):
    text = DOCUMENTS[kind]()
    chunked = Chunked.encode(load_tokenizer(model), text)
    bounds = [*chunked.starts, len(text)]
    assert max(b - a for a, b in zip(bounds, bounds[1:])) <= MAX_RUN


def test_encoding_stops_at_the_token_limit():
    """Past ``max_tokens`` the encode stops with TooManyTokens, having encoded a fraction of the text."""
    base = load_tokenizer("gpt2")
    counter = CountingTokenizer(base.tokenizer)
    tok = dataclasses.replace(base, tokenizer=counter)
    text = DOCUMENTS["prose"]()
    with pytest.raises(TooManyTokens) as exc:
        DocumentTokens(tok, text, "document", None, max_tokens=5_000)
    assert exc.value.tokens > 5_000
    assert counter.chars < len(text) / 2


def test_token_info_is_bounded():
    """A 300,000-character word: the token's text and its word's pieces are cut, with the real counts."""
    tok = load_tokenizer("gpt2")
    state = DocumentTokens(tok, "ab" * 150_000)
    (info,) = state.tokens_at(10)
    assert len(info.word) <= WORD_PIECES and "…" in info.word
    assert info.word_tokens > WORD_PIECES
    bert = DocumentTokens(load_tokenizer("bert-base-uncased"), "x" * 5_000)
    (unk,) = bert.tokens_at(10)
    assert unk.unknown and len(unk.text) <= TEXT_CHARS and "…" in unk.text and unk.end - unk.start == 5_000


def test_server_reports_a_document_over_the_token_limit(server):
    """With ``maxDocumentTokens: 1000`` a 5,000-token document gets the one too-large note naming the setting."""
    server.initialize({"maxDocumentTokens": 1000})
    uri = "file:///robust/many.txt"
    server.open(uri, "word " * 5_000)
    diag = server.diagnostics(uri, 1, timeout=60)
    assert diag is not None
    (only,) = diag["params"]["diagnostics"]
    assert only["code"] == "too-large" and "tokls.maxDocumentTokens" in only["message"], only
    resp = server.call("workspace/executeCommand", {"command": "tokls.count", "arguments": [uri]})
    assert resp.get("error", {}).get("code") == -32602 and "maxDocumentTokens" in resp["error"]["message"], resp

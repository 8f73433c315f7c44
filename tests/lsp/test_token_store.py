"""Token state lives only on the analysis thread.

The event loop holds a document's text (`Document`); its `DocumentTokens` are created, edited and
read only inside `TokenStore`, on the `tokls-analysis` thread. This drives a real `TokenStore` with
a real tokenizer through open → edits → reads, records the thread of every `DocumentTokens` call,
and checks that nothing in `lsp/` but the token store builds token state.
"""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path

import tokls.core.record_tokens as record_tokens
import tokls.lsp.token_store as token_store
from tokls.core.analysis import DocumentTokens
from tokls.core.settings import Settings
from tokls.lsp.document import Document

LSP = Path(token_store.__file__).resolve().parent


class _Recording(DocumentTokens):
    threads: list[tuple[str, str]] = []

    def __init__(self, *args, **kwargs):
        self.threads.append(("__init__", threading.current_thread().name))
        super().__init__(*args, **kwargs)

    def edit(self, *args, **kwargs):
        self.threads.append(("edit", threading.current_thread().name))
        return super().edit(*args, **kwargs)

    def analysis(self, *args, **kwargs):
        self.threads.append(("analysis", threading.current_thread().name))
        return super().analysis(*args, **kwargs)

    def tokens_at(self, *args, **kwargs):
        self.threads.append(("tokens_at", threading.current_thread().name))
        return super().tokens_at(*args, **kwargs)


def test_token_state_is_built_edited_and_read_on_the_analysis_thread(monkeypatch):
    # the token store builds token state through record_tokens.document_tokens (plain documents and
    # dataset records alike); plain documents are DocumentTokens
    monkeypatch.setattr(record_tokens, "DocumentTokens", _Recording)
    _Recording.threads = []
    store = token_store.TokenStore()
    settings = Settings()
    doc = Document("file:///t.txt", "Hello world. " * 200, 1, "utf-16", pending=None)

    async def flow():
        first = await store.run(store.snapshot(doc, settings), lambda t: t.analysis().tokens)
        from lsprotocol.types import Position, Range
        doc.edit(Range(Position(0, 5), Position(0, 5)), " there")
        doc.version = 2
        second = await store.run(store.snapshot(doc, settings), lambda t: (t.analysis().tokens, t.tokens_at(7)))
        return first, second

    try:
        first, (second, found) = asyncio.run(flow())
    finally:
        store.thread.shutdown(wait=True)
    assert second == first + 1  # " there" is one more token, applied as an edit, not a rebuild
    assert [name for name, _ in _Recording.threads].count("__init__") == 1
    assert {"edit", "analysis", "tokens_at"} <= {name for name, _ in _Recording.threads}
    assert found and found[0].id == 2045  # "there"
    assert all(thread.startswith("tokls-analysis") for _, thread in _Recording.threads), _Recording.threads
    assert threading.current_thread().name not in {thread for _, thread in _Recording.threads}


def test_only_the_token_store_builds_token_state():
    builders = [p.relative_to(LSP).as_posix() for p in LSP.rglob("*.py")
                if re.search(r"\b(DocumentTokens|RecordTokens|document_tokens)\(", p.read_text(encoding="utf-8"))]
    assert builders == ["token_store.py"]

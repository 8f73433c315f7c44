"""The token state of the open documents, owned by one thread.

All :class:`~tokls.core.analysis.DocumentTokens` live on the ``tokls-analysis`` thread, so edits
reach them in order without locks. The event loop hands work over as a :class:`Snapshot` (the
text, and the edits made since the last hand-over); :meth:`TokenStore.run` brings the document's
token state up to the snapshot on that thread and runs a function on it there.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from ..core.analysis import Analysis, DocumentTokens
from ..core.record_tokens import RecordTokens, document_tokens, effective_segment
from ..core.directives import Directives, document_settings, parse_directives
from ..core.chunking import TooManyTokens
from ..core.settings import Settings
from ..core.tokenizers import DEFAULT_MODEL, LoadedTokenizer, TokenizerError, TokenizerRegistry
from .document import Document

log = logging.getLogger("tokls")
T = TypeVar("T")


class TooLarge(Exception):
    """The document is longer than ``tokls.maxDocumentSize`` characters or has more than
    ``tokls.maxDocumentTokens`` tokens: it has no token state. ``reason`` says which."""

    def __init__(self, uri: str, reason: str) -> None:
        super().__init__(uri)
        self.uri, self.reason = uri, reason


@dataclass(frozen=True)
class Snapshot:
    """What the analysis thread needs to bring a document's token state up to date."""

    uri: str
    version: int | None
    text: str
    #: edits (start, end, new text) since the last snapshot; None: re-tokenize everything
    edits: list[tuple[int, int, str]] | None
    settings: Settings


class TokenStore:
    def __init__(self) -> None:
        self.registry = TokenizerRegistry()
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tokls-analysis")
        self._tokens: dict[str, DocumentTokens | RecordTokens] = {}  # the analysis thread only
        self._renderers: dict[str, tuple] = {}
        self._directives: dict[str, tuple[str, Directives]] = {}  # the loop only

    def directives(self, doc: Document) -> Directives:
        """``doc``'s own settings and excluded regions (:mod:`tokls.core.directives`), parsed
        once per text (on the loop)."""
        got = self._directives.get(doc.uri)
        if got is None or got[0] is not doc.text:
            got = self._directives[doc.uri] = (doc.text, parse_directives(doc.text))
        return got[1]

    def snapshot(self, doc: Document, settings: Settings) -> Snapshot:
        """Taken on the loop; hands the document's pending edits over to the analysis thread.

        The document's directives override ``settings``; its excluded regions are blanked, and
        a document with such regions is re-tokenized from scratch."""
        effective = document_settings(doc.text, settings, self.directives(doc))
        edits = doc.take_pending()
        if effective.directives.excluded:
            edits = None
        return Snapshot(doc.uri, doc.version, effective.text, edits, effective.settings)

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the analysis thread."""
        return await asyncio.get_running_loop().run_in_executor(self.thread, fn, *args)

    async def run(self, snap: Snapshot, fn: Callable[[DocumentTokens], T]) -> T:
        """``fn(tokens)`` on the analysis thread, the tokens brought up to ``snap`` first."""
        return await self.call(lambda: fn(self._update(snap)))

    def forget(self, uri: str) -> None:
        """Drop a closed document's token state (after the work already queued)."""
        self._directives.pop(uri, None)
        self.thread.submit(self._tokens.pop, uri, None)

    def tokenizer(self, name: str) -> tuple[LoadedTokenizer, str | None]:
        """The tokenizer ``name``, or the default and a message saying why (analysis thread)."""
        try:
            return self.registry.get(name), None
        except TokenizerError as exc:
            fallback = self.registry.get(DEFAULT_MODEL)
            return fallback, f"{exc} Using {DEFAULT_MODEL} until the setting tokls.model is fixed."

    def analyze(self, text: str, name: str, settings: Settings) -> Analysis | None:
        """A one-shot analysis of a document that is not open (analysis thread; kept nowhere):
        its directives applied, dataset files a record per input, as for an open document.
        None when it is larger than ``maxDocumentSize`` or ``maxDocumentTokens`` allow."""
        if len(text) > settings.max_document_size:
            return None
        effective = document_settings(text, settings)
        s = effective.settings
        tok, _problem = self.tokenizer(s.model)
        try:
            return document_tokens(tok, effective.text, s.segment, s.max_length, name, s.dataset.fields,
                                   self.chat_renderer(tok), max_tokens=s.max_document_tokens).analysis()
        except TooManyTokens:
            return None

    def chat_renderer(self, tok: LoadedTokenizer):
        """How chat records are rendered for ``tok`` (its chat template, once per tokenizer)."""
        from ..core.chat import chat_renderer

        found = self._renderers.get(tok.name)
        if found is None or found[0] is not tok:
            found = self._renderers[tok.name] = (tok, chat_renderer(tok)[0])
        return found[1]

    def _update(self, snap: Snapshot) -> DocumentTokens | RecordTokens:
        s = snap.settings
        if len(snap.text) > s.max_document_size:
            self._tokens.pop(snap.uri, None)
            raise TooLarge(snap.uri, f"{len(snap.text):,} characters > tokls.maxDocumentSize ({s.max_document_size:,})")
        tok, _problem = self.tokenizer(s.model)
        tokens = self._tokens.get(snap.uri)
        segment = effective_segment(s.segment, snap.uri)
        fresh = (tokens is None or snap.edits is None or tokens.tok is not tok or tokens.segment != segment
                 or tokens.max_length != (s.max_length or tok.max_length)
                 or isinstance(tokens, RecordTokens) and tokens.fields != s.dataset.fields)
        if not fresh:
            assert tokens is not None and snap.edits is not None
            try:
                for start, end, new in snap.edits:
                    tokens.edit(start, end, new)
            except ValueError:
                fresh = True
            if not fresh and tokens.text != snap.text:  # a memcmp: cheap insurance
                log.error("token state of %s diverged from the editor's text; re-tokenizing", snap.uri)
                fresh = True
        try:
            if fresh:
                self._tokens.pop(snap.uri, None)  # the old state's memory is free before the new one's
                tokens = document_tokens(tok, snap.text, s.segment, s.max_length, snap.uri, s.dataset.fields,
                                         self.chat_renderer(tok), max_tokens=s.max_document_tokens)
                self._tokens[snap.uri] = tokens
            total = tokens.analysis().tokens
        except TooManyTokens as exc:
            self._tokens.pop(snap.uri, None)
            raise TooLarge(snap.uri, f"more than {exc.limit:,} tokens (tokls.maxDocumentTokens)") from None
        if total > s.max_document_tokens:  # grown by edits
            self._tokens.pop(snap.uri, None)
            raise TooLarge(snap.uri, f"{total:,} tokens > tokls.maxDocumentTokens ({s.max_document_tokens:,})")
        return tokens

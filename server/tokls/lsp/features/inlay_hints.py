"""Counts inline: ``textDocument/inlayHint`` (on unless ``tokls.inlayHints`` is false).

- at the end of each segment (each paragraph or line; the whole document at its end in
  ``document`` mode): its token count, special tokens included;
- at each cut: ``✂ N``, where the segment's running total reaches the limit;
- with several segments: ``Σ total > limit`` at the end of the segment where the running total
  over the segments first crosses the limit (the document no longer fits one model input).
"""

from __future__ import annotations

from lsprotocol import types

from ...core.analysis import Analysis
from ...core.settings import Settings
from ..document import Document
from ..language_server import Feature, ToklsServer
from ..token_store import TooLarge

__all__ = ["InlayHints", "inlay_hints"]


def _hint(doc: Document, offset: int, label: str, tooltip: str) -> types.InlayHint:
    return types.InlayHint(position=doc.position_at(offset), label=label, padding_left=True, tooltip=tooltip)


def _content_end(text: str, start: int, end: int) -> int:
    """``end`` moved back over trailing whitespace (a document's final line break)."""
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def inlay_hints(analysis: Analysis, doc: Document, start: int, end: int) -> list[types.InlayHint]:
    """The hints of ``analysis`` (of ``doc``'s text) at offsets in ``[start, end]``
    (a segment's count sits after its last non-blank character)."""
    out = []
    limit = analysis.max_length
    noun = analysis.segment
    running = 0
    crossed = False
    for seg in analysis.segments:
        running += seg.tokens
        crossing = bool(limit) and len(analysis.segments) > 1 and not crossed and running > limit
        crossed = crossed or crossing
        stop = _content_end(doc.text, seg.start, seg.end)
        if stop < start or seg.start > end:
            continue
        if seg.truncation is not None and start <= seg.truncation.offset <= end:
            out.append(_hint(doc, seg.truncation.offset, f"✂ {limit:,}",
                             f"{analysis.model} reads only the first {limit:,} tokens of this {noun}; "
                             f"{seg.truncation.dropped_tokens:,} tokens from here on are dropped"))
        if start <= stop <= end:
            out.append(_hint(doc, stop, f"{seg.tokens:,} tokens",
                             f"{noun} {seg.index + 1}: {seg.tokens:,} tokens ({analysis.model}, special tokens included)"))
            if crossing:
                out.append(_hint(doc, stop, f"Σ {running:,} > {limit:,}",
                                 f"{running:,} tokens up to here: together, the {noun}s so far exceed "
                                 f"{analysis.model}'s limit of {limit:,}"))
    return out


class InlayHints(Feature):
    def __init__(self, server: ToklsServer) -> None:
        super().__init__(server)
        self.handle(types.TEXT_DOCUMENT_INLAY_HINT, self.inlay_hint)

    async def inlay_hint(self, params: types.InlayHintParams) -> list[types.InlayHint] | None:
        ls = self.server
        doc = ls.documents.get(params.text_document.uri)
        if doc is None or not ls.settings.inlay_hints or ls.excluded(doc.uri):
            return None
        asked = doc.copy()
        try:
            analysis = await ls.with_tokens(doc, lambda tokens: tokens.analysis(), latest_only=False)
        except TooLarge:
            return None
        a, b = asked.offsets_of(params.range)
        return inlay_hints(analysis, asked, a, b)

    def settings_changed(self, old: Settings, new: Settings) -> None:
        caps = self.server.client_capabilities.workspace
        hints = caps and caps.inlay_hint
        if self.server.initialized and hints and hints.refresh_support:
            self.server.workspace_inlay_hint_refresh(None)

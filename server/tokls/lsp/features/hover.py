"""Hover: ``textDocument/hover`` → the token(s) under the cursor.

Answered from the document's token index (a lookup by offset), never by re-tokenizing: piece,
id, position in the model input (special tokens counted), character span, the whole word's
split, and whether the token lies past the truncation point.
"""

from __future__ import annotations

from lsprotocol import types

from .._pygls import warm_converter
from ..convert import hover_markdown
from ..language_server import Feature, ToklsServer
from ..token_store import TooLarge


class Hover(Feature):
    def __init__(self, server: ToklsServer) -> None:
        super().__init__(server)
        self.handle(types.TEXT_DOCUMENT_HOVER, self.hover)

    async def initialized(self) -> None:
        # Once the start-up work is done, let pygls write its conversion code for hovers, so
        # that the first hover costs what the others do.
        self.server.after_first_publish(self._warm)

    def _warm(self) -> None:
        position = types.Position(line=0, character=0)
        sample = types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=""),
                             range=types.Range(start=position, end=position))
        warm_converter(self.server.protocol, types.TEXT_DOCUMENT_HOVER,
                       {"textDocument": {"uri": "file:///"}, "position": {"line": 0, "character": 0}}, sample)

    async def hover(self, params: types.HoverParams) -> types.Hover | None:
        doc = self.server.documents.get(params.text_document.uri)
        if doc is None or self.server.excluded(doc.uri):
            return None
        offset = doc.offset_at(params.position)

        def lookup(tokens):  # the analysis thread
            found = tokens.tokens_at(offset)
            if not found:
                return None
            tok = tokens.tok
            return (found, tokens.analysis(), [tok.piece(i) for i in tok.prefix_ids],
                    [tok.piece(i) for i in tok.suffix_ids])

        try:
            found = await self.server.with_tokens(doc, lookup)
        except TooLarge:
            return None
        if found is None:
            return None
        tokens, analysis, prefix, suffix = found
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                         value=hover_markdown(tokens, analysis, prefix, suffix, doc)),
            range=doc.range_of(min(t.start for t in tokens), max(t.end for t in tokens)),
        )

"""Hover: ``textDocument/hover`` → the token(s) under the cursor.

Answered from the document's token index (a lookup by offset), never by re-tokenizing: piece,
id, position in the model input (special tokens counted), character span, the whole word's
split, and whether the token lies past the truncation point.
"""

from __future__ import annotations

import logging

from lsprotocol import types

from ..convert import hover_markdown
from ..server import Snapshot, ToklsServer

log = logging.getLogger("tokls")


def _lookup(ls: ToklsServer, snap: Snapshot, offset: int):
    state, _problem = ls.state_for(snap)
    if state is None:
        return None
    tokens = state.tokens_at(offset)
    if not tokens:
        return None
    tok = state.tok
    return tokens, state.analysis(), [tok.piece(i) for i in tok.prefix_ids], [tok.piece(i) for i in tok.suffix_ids]


def register(server: ToklsServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: ToklsServer, params: types.HoverParams) -> types.Hover | None:
        doc = ls.documents.get(params.text_document.uri)
        if doc is None or ls.excluded(doc.uri):
            return None
        offset = doc.offset_at(params.position)
        snap = ls.snapshot(doc)
        found = await ls.on_worker(_lookup, ls, snap, offset)
        if found is None or doc.version != snap.version or ls.documents.get(doc.uri) is not doc:
            return None
        tokens, analysis, prefix, suffix = found
        start, end = min(t.start for t in tokens), max(t.end for t in tokens)
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                         value=hover_markdown(tokens, analysis, doc, prefix, suffix)),
            range=doc.range_of(start, end),
        )

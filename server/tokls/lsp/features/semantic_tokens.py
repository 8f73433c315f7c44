"""Token boundaries: ``textDocument/semanticTokens/full``, ``/full/delta`` and ``/range``.

Every token of the document becomes one semantic token (off unless ``tokls.showTokens``: the
answers are then empty). Neighbouring tokens on a line have different :data:`TOKEN_TYPES`, so a
theme can colour boundaries; the modifiers mark special and unknown tokens and tokens past the cut.
A token's type is its id modulo 3, or the next one when that equals its left neighbour's type; the
first token of a line has no left neighbour. So an edit changes the types of the tokens it touches
and rarely more (small deltas), and a range answer from the start of a line equals the full one.

Two tokens never overlap in LSP and a semantic token never crosses a line break, so: a token that
starts inside the previous one (the byte pieces of one character) is left out, a token spanning
line breaks becomes one semantic token per line part, and empty parts are left out.
Positions are computed on the analysis thread from a copy of the document taken with the token
state, in the negotiated encoding.
"""

from __future__ import annotations

import bisect
import itertools
from typing import Iterable

import numpy as np
from lsprotocol import types

from ...core.analysis import PAST_CUT, SPECIAL, UNKNOWN
from ...core.settings import Settings
from ..document import Document
from ..language_server import Feature, ToklsServer
from ..token_store import TooLarge

__all__ = ["SemanticTokens", "TOKEN_TYPES", "TOKEN_MODIFIERS", "LEGEND", "encode_spans"]

TOKEN_TYPES = ["toklsToken0", "toklsToken1", "toklsToken2"]
#: bit i of a semantic token's modifiers = TOKEN_MODIFIERS[i]; the same bits as core's flags
TOKEN_MODIFIERS = ["special", "unknown", "truncated"]
assert (SPECIAL, UNKNOWN, PAST_CUT) == (1, 2, 4)
LEGEND = types.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=TOKEN_MODIFIERS)


class _Columns:
    """Code-point offsets → (line, column in ``encoding`` units), for offsets mostly ascending."""

    def __init__(self, doc: Document) -> None:
        self.text = doc.text
        self.encoding = doc.encoding
        self.starts: list[int] = doc.starts.tolist()
        self.line = 0
        self._units: tuple[int, list[int] | None] = (-1, None)

    def line_of(self, offset: int) -> int:
        starts, line = self.starts, self.line
        if line + 1 < len(starts) and starts[line + 1] <= offset:
            line += 1
            if line + 1 < len(starts) and starts[line + 1] <= offset:  # a far jump: bisect
                line = bisect.bisect_right(starts, offset) - 1
        elif starts[line] > offset:
            line = bisect.bisect_right(starts, offset) - 1
        self.line = line
        return line

    def line_end(self, line: int) -> int:
        """Where ``line``'s text ends (before its line break)."""
        if line + 1 >= len(self.starts):
            return len(self.text)
        nxt = self.starts[line + 1]
        return nxt - (2 if self.text[nxt - 2:nxt] == "\r\n" and nxt - 2 >= self.starts[line] else 1)

    def column(self, line: int, offset: int) -> int:
        start = self.starts[line]
        if self.encoding == "utf-32":
            return offset - start
        cached_line, units = self._units
        if cached_line != line:
            text = self.text[start:self.line_end(line)]
            if text.isascii():
                units = None
            elif self.encoding == "utf-8":
                units = [0, *itertools.accumulate(len(c.encode("utf-8", "surrogatepass")) for c in text)]
            else:
                units = [0, *itertools.accumulate(2 if ord(c) > 0xFFFF else 1 for c in text)]
            self._units = (line, units)
        return offset - start if units is None else units[offset - start]


def encode_spans(doc: Document, spans: Iterable[tuple[int, int, int, int]]) -> list[int]:
    """The LSP semantic-token data (relative, five integers a token) of ``spans``
    ((start, end, id, flags), ascending by start) in ``doc``."""
    cols = _Columns(doc)
    data: list[int] = []
    add = data.extend
    prev_line = prev_col = 0
    last_end = -1
    left_line = left_kind = -1
    for s, e, token_id, flags in spans:
        if s < last_end or s >= e:
            continue
        last_end = e
        line = cols.line_of(s)
        kind = token_id % 3
        if line == left_line and kind == left_kind:
            kind = (kind + 1) % 3
        left_line, left_kind = line, kind
        while s < e:
            line_end = cols.line_end(line)
            part_end = min(e, line_end)
            if part_end > s:
                col = cols.column(line, s)
                length = cols.column(line, part_end) - col
                add((line - prev_line, col - prev_col if line == prev_line else col, length, kind, flags))
                prev_line, prev_col = line, col
            if e <= line_end:
                break
            line += 1
            if line >= len(cols.starts):
                break
            s = cols.starts[line]
            cols.line = line
    return data


def _delta(old: list[int], new: list[int]) -> list[types.SemanticTokensEdit]:
    """One edit turning ``old`` into ``new`` (common prefix and suffix kept, whole tokens)."""
    if old == new:
        return []
    a, b = np.asarray(old, dtype=np.int64), np.asarray(new, dtype=np.int64)
    n = min(len(a), len(b))
    diff = np.flatnonzero(a[:n] != b[:n])
    prefix = (int(diff[0]) if len(diff) else n) // 5 * 5
    m = min(len(a), len(b)) - prefix
    diff = np.flatnonzero(a[len(a) - m:][::-1] != b[len(b) - m:][::-1]) if m else np.array([], dtype=np.int64)
    suffix = (int(diff[0]) if len(diff) else m) // 5 * 5
    return [types.SemanticTokensEdit(start=prefix, delete_count=len(a) - prefix - suffix,
                                     data=new[prefix:len(new) - suffix])]


class SemanticTokens(Feature):
    def __init__(self, server: ToklsServer) -> None:
        super().__init__(server)
        self._sent: dict[str, tuple[str, list[int]]] = {}  # uri → (resultId, data) of the last full answer
        self._ids = itertools.count(1)
        self.handle(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, self.full, LEGEND)
        self.handle(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL_DELTA, self.full_delta, LEGEND)
        self.handle(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE, self.range, LEGEND)

    async def _data(self, uri: str, rng: types.Range | None = None) -> list[int] | None:
        doc = self.server.documents.get(uri)
        if doc is None:
            return None
        if not self.server.settings.show_tokens or self.server.excluded(uri):
            return []
        asked = doc.copy()  # the text the token state is brought up to, and its line index
        if rng is None:
            a, b = 0, len(asked.text)
        else:  # from the start of the line: the types depend on the left neighbours
            a, b = asked.offsets_of(types.Range(start=types.Position(rng.start.line, 0), end=rng.end))
        try:
            return await self.server.with_tokens(
                doc, lambda tokens: encode_spans(asked, tokens.spans(a, b)), latest_only=False)
        except TooLarge:
            return []

    def _remember(self, uri: str, data: list[int]) -> str:
        result_id = str(next(self._ids))
        self._sent[uri] = (result_id, data)
        return result_id

    async def full(self, params: types.SemanticTokensParams) -> types.SemanticTokens | None:
        uri = params.text_document.uri
        data = await self._data(uri)
        if data is None:
            return None
        return types.SemanticTokens(data=data, result_id=self._remember(uri, data))

    async def full_delta(self, params: types.SemanticTokensDeltaParams
                         ) -> types.SemanticTokens | types.SemanticTokensDelta | None:
        uri = params.text_document.uri
        data = await self._data(uri)
        if data is None:
            return None
        previous = self._sent.get(uri)
        result_id = self._remember(uri, data)
        if previous is None or previous[0] != params.previous_result_id:
            return types.SemanticTokens(data=data, result_id=result_id)
        return types.SemanticTokensDelta(edits=_delta(previous[1], data), result_id=result_id)

    async def range(self, params: types.SemanticTokensRangeParams) -> types.SemanticTokens | None:
        data = await self._data(params.text_document.uri, params.range)
        return None if data is None else types.SemanticTokens(data=data)

    def document_closed(self, uri: str) -> None:
        self._sent.pop(uri, None)

    def settings_changed(self, old: Settings, new: Settings) -> None:
        caps = self.server.client_capabilities.workspace
        semantic = caps and caps.semantic_tokens
        shown = old.show_tokens or new.show_tokens
        if shown and self.server.initialized and semantic and semantic.refresh_support:
            self.server.workspace_semantic_tokens_refresh(None)

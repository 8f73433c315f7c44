"""Encoding a text as chunks, and re-encoding only what an edit touches.

Encoding a 1 MB document takes the Rust tokenizer about half a second; an editor sends an edit per
keystroke. So a text is cut into chunks at positions where the tokenizer's own pre-tokenizer is
guaranteed to split anyway (:mod:`tokls.core.cutpoints`); each chunk is encoded on its own (all in
one parallel batch), and after an edit only the chunks whose content or cut decisions the edit can
change are encoded again. The concatenation of the chunk encodings equals the encoding of the
whole text: that is checked structurally and empirically, once per tokenizer
(:func:`~tokls.core.cutpoints.chunk_safety`), and by the test suite.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property
from typing import Sequence

from tokenizers import Encoding

from .cutpoints import CONTEXT, cut_points
from .tokenizers import LoadedTokenizer

__all__ = ["Chunked", "ChunkView"]


class ChunkView:
    """Lazily built Python lists of one chunk's encoding (offsets relative to the chunk)."""

    def __init__(self, encoding: Encoding) -> None:
        self.encoding = encoding

    @cached_property
    def offsets(self) -> list[tuple[int, int]]:
        return self.encoding.offsets

    @cached_property
    def starts(self) -> list[int]:
        return [s for s, _ in self.offsets]

    @cached_property
    def ids(self) -> list[int]:
        return self.encoding.ids

    @cached_property
    def pieces(self) -> list[str]:
        return self.encoding.tokens

    @cached_property
    def words(self) -> list[int | None]:
        return self.encoding.word_ids

    @cached_property
    def special(self) -> list[int]:
        return self.encoding.special_tokens_mask


@dataclass(eq=False)
class Chunked:
    """The encoding of one text as consecutive chunks, updatable by edits.

    ``starts[i]`` is where chunk ``i`` begins (relative to the text); token offsets inside
    ``encs[i]`` are relative to that start.
    """

    tok: LoadedTokenizer
    text: str
    starts: list[int] = field(default_factory=list)
    encs: list[Encoding] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    _cum: list[int] | None = field(default=None, repr=False)
    _views: dict[int, ChunkView] = field(default_factory=dict, repr=False)

    @classmethod
    def encode(cls, tok: LoadedTokenizer, text: str) -> Chunked:
        return cls.encode_many(tok, [text])[0]

    @classmethod
    def encode_many(cls, tok: LoadedTokenizer, texts: Sequence[str]) -> list[Chunked]:
        """Encode several texts with one parallel batch over all their chunks."""
        plans = [cls._plan(tok, t, 0, len(t)) for t in texts]
        flat = [t[a:b] for t, plan in zip(texts, plans) for a, b in zip(plan, plan[1:])]
        encs = tok.encode_batch(flat) if flat else []
        out, k = [], 0
        for t, plan in zip(texts, plans):
            n = len(plan) - 1
            mine = encs[k:k + n]
            k += n
            out.append(cls(tok, t, plan[:-1], list(mine), [len(e) for e in mine]))
        return out

    @staticmethod
    def _plan(tok: LoadedTokenizer, text: str, lo: int, hi: int) -> list[int]:
        inner = cut_points(text, lo, hi, rule=tok.cut_rule) if tok.chunk_safe else []
        return [lo, *inner, hi]

    # -- queries -------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return self.cumulative[-1]

    @property
    def cumulative(self) -> list[int]:
        """``cumulative[i]`` = tokens before chunk ``i``; the last entry is the total."""
        if self._cum is None:
            cum = [0] * (len(self.counts) + 1)
            run = 0
            for i, n in enumerate(self.counts):
                run += n
                cum[i + 1] = run
            self._cum = cum
        return self._cum

    def view(self, chunk: int) -> ChunkView:
        """Python lists of ``chunk``'s encoding, built once per encoding.

        Keyed by the encoding itself, so views of chunks an edit did not touch survive it
        (their offsets are relative to the chunk start, which is what moves).
        """
        enc = self.encs[chunk]
        got = self._views.get(id(enc))
        if got is None or got.encoding is not enc:
            if len(self._views) >= 64:
                self._views.pop(next(iter(self._views)))
            got = self._views[id(enc)] = ChunkView(enc)
        return got

    def locate(self, index: int) -> tuple[int, int]:
        """(chunk, index within chunk) of token ``index`` (0-based, no special tokens)."""
        chunk = bisect.bisect_right(self.cumulative, index) - 1
        return chunk, index - self.cumulative[chunk]

    def token(self, index: int) -> tuple[int, tuple[int, int]]:
        """(id, absolute offsets) of token ``index``."""
        chunk, local = self.locate(index)
        enc = self.encs[chunk]
        # One token's offsets, without materialising the whole chunk's list of tuples (a
        # document with no cut is a single chunk of ~200k tokens: ~50-200 ms for that list).
        span = enc.token_to_chars(local)
        base = self.starts[chunk]
        return enc.ids[local], (span[0] + base, span[1] + base)

    def chunk_at(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    # -- updates -------------------------------------------------------------------------

    def edit(self, start: int, end: int, new_text: str) -> None:
        """Replace ``text[start:end]`` by ``new_text`` and re-encode only what can change."""
        old = self.text
        if not (0 <= start <= end <= len(old)):
            raise ValueError(f"edit range {start}..{end} outside text of length {len(old)}")
        text = old[:start] + new_text + old[end:]
        delta = len(new_text) - (end - start)
        self.text = text
        if not self.tok.chunk_safe:
            self._replace(0, len(self.starts), 0, len(text))
            return
        # First chunk whose start decision the edit cannot reach: its start is before `start`.
        i = bisect.bisect_right(self.starts, max(start - 1, 0)) - 1
        # First later chunk start whose context (CONTEXT chars before it) lies after the edit.
        j = bisect.bisect_left(self.starts, end + CONTEXT + 1)
        hi = self.starts[j] + delta if j < len(self.starts) else len(text)
        self._replace(i, j, self.starts[i], hi, shift=delta)

    def _replace(self, i: int, j: int, lo: int, hi: int, shift: int = 0) -> None:
        plan = self._plan(self.tok, self.text, lo, hi)
        pieces = [self.text[a:b] for a, b in zip(plan, plan[1:])]
        encs = self.tok.encode_batch(pieces)
        tail = self.starts[j:]
        if shift:
            tail = [s + shift for s in tail]
        self.starts[i:] = plan[:-1] + tail
        self.encs[i:j] = encs
        self.counts[i:j] = [len(e) for e in encs]
        self._cum = None

"""What a model sees of a document: tokens, counts and truncation points.

A document is cut into *segments*, each one model input:

- ``document``: the whole text is one input;
- ``paragraph``: each run of non-blank lines (blank lines separate inputs);
- ``line``: each non-blank line (as in a dataset with one example per line).

Each segment is encoded on its own, its count includes the special tokens the tokenizer adds
([CLS] and [SEP] for BERT), and where it is longer than the model's limit the analysis gives the
first character the model will not see and how many tokens are dropped.

All offsets are code points into the Python ``str``; LSP positions are the adapter's business.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from typing import Iterator

from .chunking import Chunked
from .pieces import decode_piece, is_byte_level
from .tokenizers import LoadedTokenizer

__all__ = ["LINE_BREAK", "line_starts", "SEGMENTS", "Truncation", "Segment", "Analysis", "TokenInfo", "DocumentTokens", "analyze",
           "segment_spans", "SPECIAL", "UNKNOWN", "PAST_CUT"]

#: what one model input is: the whole document, each paragraph, or each non-blank line
SEGMENTS: tuple[str, ...] = ("document", "paragraph", "line")

#: the line breaks of LSP (and of `tokls check`'s line numbers): nothing else ends a line
LINE_BREAK = re.compile(r"\r\n|\r|\n")
#: bits of the flags of :meth:`DocumentTokens.spans`
SPECIAL, UNKNOWN, PAST_CUT = 1, 2, 4

_LINE_RE = re.compile(r"[^\r\n]*?\S[^\r\n]*")
_PARAGRAPH_RE = re.compile(r"[^\r\n]*?\S[^\r\n]*(?:(?:\r\n|\r|\n)[^\r\n]*?\S[^\r\n]*)*")


@dataclass(frozen=True)
class Truncation:
    """Where the model stops reading a segment."""

    offset: int  #: first character (code point, from the document start) the model does not see
    dropped_tokens: int  #: tokens past the limit
    token_end: int = -1  #: end of the first dropped token (code point from the document start)


@dataclass(frozen=True)
class Segment:
    index: int
    start: int
    end: int
    tokens: int  #: special tokens included
    truncation: Truncation | None


@dataclass(frozen=True)
class Analysis:
    model: str
    max_length: int | None
    segment: str  #: one of :data:`SEGMENTS`
    segments: tuple[Segment, ...]
    context_window: int | None = None  #: the model's window (model names only, from the catalogue)
    input_cost_per_token: float | None = None  #: USD per input token (model names only)

    @property
    def cost(self) -> float | None:
        """What the tokens cost as model input, in USD (None when the price is not known)."""
        return None if self.input_cost_per_token is None else self.tokens * self.input_cost_per_token

    @property
    def tokens(self) -> int:
        """Tokens over all segments, special tokens included."""
        return sum(s.tokens for s in self.segments)

    @property
    def truncated(self) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.truncation is not None)

    @property
    def longest(self) -> Segment | None:
        return max(self.segments, key=lambda s: s.tokens, default=None)


#: the most characters of a token's text a :class:`TokenInfo` carries (a longer one is elided)
TEXT_CHARS = 200
#: the most pieces of a word a :class:`TokenInfo` carries (a longer word is elided)
WORD_PIECES = 16
ELLIPSIS = "…"


def _elide(text: str, limit: int = TEXT_CHARS) -> str:
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return text[:half] + ELLIPSIS + text[len(text) - (limit - 1 - half):]


@dataclass(frozen=True)
class TokenInfo:
    """One token as the model sees it.

    Bounded, whatever the text: ``text`` holds at most :data:`TEXT_CHARS` characters and ``word``
    at most :data:`WORD_PIECES` pieces, the middle replaced by ``"…"`` when cut (``end - start``
    and ``word_tokens`` give the real sizes).
    """

    index: int  #: position in the model input, special tokens counted
    id: int
    piece: str  #: vocabulary entry (``##izer``, ``Ġworld``)
    text: str  #: the characters it covers (elided in the middle beyond TEXT_CHARS)
    start: int
    end: int
    segment: int
    special: bool
    unknown: bool
    truncated: bool  #: lies past the truncation point
    word: tuple[str, ...]  #: pieces of the word it belongs to (elided in the middle beyond WORD_PIECES)
    decoded: str  #: the text the piece stands for (byte-level ``ĠâĢĶ`` → `` —``); else the piece
    partial: bool  #: the piece holds only part of a multi-byte character (``decoded`` shows ``\\xNN``)
    word_tokens: int = 1  #: how many tokens that word has


def line_starts(text: str) -> list[int]:
    """Offsets where each line of ``text`` begins (LSP line breaks only)."""
    return [0, *(m.end() for m in LINE_BREAK.finditer(text))]


def _check_segment(segment: str) -> None:
    if segment not in SEGMENTS:
        raise ValueError(f"unknown segment {segment!r}; expected one of {', '.join(SEGMENTS)}")


def segment_spans(text: str, segment: str) -> list[tuple[int, int]]:
    """The (start, end) spans of the model inputs in ``text`` when one input is a ``segment``."""
    _check_segment(segment)
    if segment == "document":
        return [(0, len(text))]
    pattern = _LINE_RE if segment == "line" else _PARAGRAPH_RE
    return [m.span() for m in pattern.finditer(text)]


class DocumentTokens:
    """The tokenization of one document, kept up to date by edits.

    With ``segment="document"`` edits re-encode only the chunks they touch (see :mod:`.chunking`);
    with paragraphs or lines every segment is encoded once per distinct text and reused.
    """

    def __init__(self, tok: LoadedTokenizer, text: str, segment: str = "document", max_length: int | None = None,
                 max_tokens: int | None = None):
        """``max_tokens``: encoding the document stops with :class:`~.chunking.TooManyTokens` past it."""
        _check_segment(segment)
        self.tok = tok
        self.segment = segment
        self.max_length = max_length if max_length is not None else tok.max_length
        self.max_tokens = max_tokens
        self._text = text
        self._byte_level = is_byte_level(tok.tokenizer)
        self._doc: Chunked | None = Chunked.encode(tok, text, max_tokens) if segment == "document" else None
        self._cache: dict[str, Chunked] = {}
        self._segments: list[tuple[int, int, Chunked]] | None = None
        self._segment_starts: list[int] | None = None
        self._analysis: Analysis | None = None

    # -- updates -------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self._text

    def edit(self, start: int, end: int, new_text: str) -> None:
        """Replace ``text[start:end]`` (code points) by ``new_text``."""
        if self._doc is not None:
            self._doc.edit(start, end, new_text)
            self._text = self._doc.text
        else:
            if not (0 <= start <= end <= len(self._text)):
                raise ValueError(f"edit range {start}..{end} outside text of length {len(self._text)}")
            self._text = self._text[:start] + new_text + self._text[end:]
            self._segments = self._segment_starts = None
        self._analysis = None

    # -- segments ------------------------------------------------------------------------

    def _segment_list(self) -> list[tuple[int, int, Chunked]]:
        if self._doc is not None:
            return [(0, len(self._text), self._doc)]
        if self._segments is None:
            spans = segment_spans(self._text, self.segment)
            texts = [self._text[a:b] for a, b in spans]
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            fresh = dict(zip(missing, Chunked.encode_many(self.tok, missing, self.max_tokens))) if missing else {}
            cache = {t: self._cache.get(t) or fresh[t] for t in texts}
            self._cache = cache
            self._segments = [(a, b, cache[t]) for (a, b), t in zip(spans, texts)]
        return self._segments

    def _limit_content(self) -> int | None:
        if self.max_length is None:
            return None
        return max(self.max_length - self.tok.num_special, 0)

    def analysis(self) -> Analysis:
        if self._analysis is None:
            keep = self._limit_content()
            segments = []
            for i, (a, b, enc) in enumerate(self._segment_list()):
                total = enc.total + self.tok.num_special
                trunc = None
                if keep is not None and enc.total > keep:
                    _, (s, e) = enc.token(keep)
                    trunc = Truncation(offset=a + s, dropped_tokens=enc.total - keep, token_end=a + e)
                segments.append(Segment(i, a, b, total, trunc))
            self._analysis = Analysis(self.tok.name, self.max_length, self.segment, tuple(segments),
                                      self.tok.context_window, self.tok.input_cost_per_token)
        return self._analysis

    # -- tokens --------------------------------------------------------------------------

    def _segment_at(self, offset: int) -> int | None:
        segs = self._segment_list()
        if self._doc is None:
            if self._segment_starts is None:
                self._segment_starts = [s[0] for s in segs]
            i = bisect.bisect_right(self._segment_starts, offset) - 1
        else:
            i = 0
        if i < 0 or i >= len(segs):
            return None
        a, b, _ = segs[i]
        if a <= offset < b or (offset == b and a == b):
            return i
        return None

    def _info(self, seg: int, enc: Chunked, base: int, chunk: int, local: int) -> TokenInfo:
        view = enc.view(chunk)
        base += enc.starts[chunk]
        token_id = view.ids[local]
        s, t = view.span(local)
        index = enc.cumulative[chunk] + local
        keep = self._limit_content()
        lo, hi = view.word_run(local)
        if hi - lo <= WORD_PIECES:
            word = tuple(view.piece(k) for k in range(lo, hi))
        else:
            head = WORD_PIECES // 2
            word = (*(view.piece(k) for k in range(lo, lo + head)), ELLIPSIS,
                    *(view.piece(k) for k in range(hi - (WORD_PIECES - head - 1), hi)))
        piece = view.piece(local)
        special = bool(view.special[local])
        decoded, partial = (piece, False) if special else decode_piece(piece, self._byte_level)
        return TokenInfo(
            index=index + len(self.tok.prefix_ids), id=token_id, piece=_elide(piece),
            text=_elide(self._text[base + s:base + t]), start=base + s, end=base + t, segment=seg,
            special=special, unknown=token_id == self.tok.unk_id,
            truncated=keep is not None and index >= keep, word=word, decoded=_elide(decoded), partial=partial,
            word_tokens=hi - lo,
        )

    def tokens_at(self, offset: int) -> list[TokenInfo]:
        """The token(s) covering the character at ``offset`` (several for byte pieces of one
        character); empty for characters no token covers (whitespace in BERT) or outside any
        segment. A bisection over the chunk's token starts: no tokenization, no per-chunk lists."""
        seg = self._segment_at(offset)
        if seg is None:
            return []
        a, _b, enc = self._segment_list()[seg]
        chunk = enc.chunk_at(offset - a)
        rel = offset - a - enc.starts[chunk]
        view = enc.view(chunk)
        k = view.last_starting_at(rel)
        # Spans are sorted by start but may overlap (byte pieces of one character share or
        # straddle it): look back until a few tokens in a row miss the offset.
        hits, misses = [], 0
        while k >= 0 and misses < 4:
            if rel < view.span(k)[1]:
                hits.append(self._info(seg, enc, a, chunk, k))
                misses = 0
            else:
                misses += 1
            k -= 1
        hits.reverse()
        return hits

    def tokens_in(self, start: int, end: int, limit: int | None = None) -> list[TokenInfo]:
        """Tokens overlapping ``[start, end)`` in document order (at most ``limit``)."""
        out: list[TokenInfo] = []
        for seg, (a, b, enc) in enumerate(self._segment_list()):
            if b < start or a > end:
                continue
            lo = enc.chunk_at(max(start - a, 0))
            for chunk in range(lo, len(enc.starts)):
                if enc.starts[chunk] + a > end:
                    break
                shift = enc.starts[chunk]  # chunk offsets → segment offsets
                for local, (s, t) in enumerate(enc.view(chunk).offsets):
                    s, t = s + shift, t + shift
                    if a + t <= start and not (s == t and a + s == start):
                        continue
                    if a + s >= end and not (start == end == a + s):
                        break
                    out.append(self._info(seg, enc, a, chunk, local))
                    if limit is not None and len(out) >= limit:
                        return out
        return out

    def spans(self, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int, int, int]]:
        """(start, end, id, flags) of every token overlapping ``[start, end)``, in document
        order, lean enough for every token of a large document: ``flags`` is a bit set of :data:`SPECIAL`,
        :data:`UNKNOWN` and :data:`PAST_CUT`. Spans may overlap (byte pieces of one character)."""
        end = len(self._text) if end is None else end
        keep = self._limit_content()
        unk = self.tok.unk_id
        for a, b, enc in self._segment_list():
            if b < start or a > end:
                continue
            for chunk in range(enc.chunk_at(max(start - a, 0)), len(enc.starts)):
                base = a + enc.starts[chunk]
                if base > end:
                    break
                view = enc.view(chunk)
                index = enc.cumulative[chunk]
                special, ids = view.special, view.ids
                for local, (s, t) in enumerate(view.offsets):
                    s += base
                    if s >= end and s > start:
                        break
                    t += base
                    if t > start or s == start:
                        flags = ((SPECIAL if special[local] else 0) | (UNKNOWN if ids[local] == unk else 0)
                                 | (PAST_CUT if keep is not None and index + local >= keep else 0))
                        yield s, t, ids[local], flags

    def count_text(self, text: str) -> int:
        """Tokens of ``text`` as one model input, special tokens included."""
        return Chunked.encode(self.tok, text).total + self.tok.num_special

    def over_budget(self, warn_at: float | None) -> list[tuple[Segment, int]]:
        """Segments past ``warn_at`` (a fraction) of the limit but not truncated, each with the
        offset of the first token past that fraction. Empty when ``warn_at`` is 0 or None."""
        analysis = self.analysis()
        limit = analysis.max_length
        if not warn_at or not limit:
            return []
        threshold = math.ceil(warn_at * limit)  # tokens, special tokens included
        out = []
        for seg, (a, _b, enc) in zip(analysis.segments, self._segment_list()):
            if seg.truncation is not None or seg.tokens <= threshold:
                continue
            index = min(max(threshold - len(self.tok.prefix_ids), 0), enc.total - 1)
            out.append((seg, a + enc.token(index)[1][0] if enc.total else a))
        return out


def analyze(text: str, tok: LoadedTokenizer, segment: str = "document", max_length: int | None = None) -> Analysis:
    """One-shot analysis of ``text``."""
    return DocumentTokens(tok, text, segment, max_length).analysis()


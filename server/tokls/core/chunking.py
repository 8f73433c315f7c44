"""Encoding a text as chunks, and re-encoding only what an edit touches.

Encoding a 1 MB document takes the Rust tokenizer about half a second; an editor sends an edit per
keystroke. So a text is cut into chunks at positions where the tokenizer's own pre-tokenizer is
guaranteed to split anyway (:mod:`tokls.core.cutpoints`); each chunk is encoded on its own (all in
one parallel batch), and after an edit only the chunks whose content or cut decisions the edit can
change are encoded again. The concatenation of the chunk encodings equals the encoding of the
whole text: that is checked structurally and empirically, once per tokenizer
(:func:`~tokls.core.cutpoints.chunk_safety`), and by the test suite.

Every chunk is bounded (:func:`~tokls.core.cutpoints.plan` forces cuts into long stretches), and
chunk encodings are memoized by their text, so periodic text (where every forced chunk looks
alike) is encoded once per distinct chunk, and an edit costs at most a few chunks of encoding.
Lone surrogates (possible in UTF-16 editors) are encoded as U+FFFD, one code point for one, so
offsets stay those of the text.
"""

from __future__ import annotations

import bisect
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Sequence

from tokenizers import Encoding

from .cutpoints import CONTEXT, MAX_RUN, added_token_pattern, plan
from .tokenizers import LoadedTokenizer

__all__ = ["Chunked", "ChunkView", "TooManyTokens", "tokenizable"]

_SURROGATE = re.compile("[\ud800-\udfff]")
_MEMO_SIZE = 32  # chunk encodings kept by their text, per document (periodic text has a few)
_MEMO_CHARS = MAX_RUN  # longer pieces (a whole text, for tokenizers that cannot be cut) are not kept


def tokenizable(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (same length, so same offsets)."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub("\ufffd", text)


_BATCH = 256  # chunks encoded per batch when a token limit is given


class TooManyTokens(Exception):
    """Encoding stopped: the text has more tokens than the limit given (``tokens`` so far)."""

    def __init__(self, tokens: int, limit: int) -> None:
        super().__init__(f"more than {limit:,} tokens")
        self.tokens, self.limit = tokens, limit


_AVOID: dict[int, tuple[object, re.Pattern | None, int]] = {}


def _avoid(tok: LoadedTokenizer) -> tuple[re.Pattern | None, int]:
    """The added tokens no cut may split, and how far an edit's effect on cuts reaches."""
    got = _AVOID.get(id(tok.tokenizer))
    if got is None or got[0] is not tok.tokenizer:
        contents = [t.content for t in tok.tokenizer.get_added_tokens_decoder().values()]
        pattern = added_token_pattern(contents)
        reach = max([CONTEXT, *(len(c) for c in contents if pattern is not None and pattern.fullmatch(c))])
        if len(_AVOID) > 32:
            _AVOID.clear()
        got = _AVOID[id(tok.tokenizer)] = (tok.tokenizer, pattern, reach)
    return got[1], got[2]


def _encode(tok: LoadedTokenizer, pieces: Sequence[str], memo: OrderedDict | None) -> list[Encoding]:
    """Encodings of ``pieces``, each distinct text encoded once (and looked up in ``memo``)."""
    memo = memo if memo is not None else OrderedDict()
    missing = list(dict.fromkeys(p for p in pieces if p not in memo))
    fresh = dict(zip(missing, tok.encode_batch([tokenizable(p) for p in missing]))) if missing else {}
    out = []
    for p in pieces:
        enc = fresh.get(p)
        if enc is None:
            enc = memo[p]
            memo.move_to_end(p)
        out.append(enc)
    for p, enc in fresh.items():
        if len(p) <= _MEMO_CHARS:
            memo[p] = enc
    while len(memo) > _MEMO_SIZE:
        memo.popitem(last=False)
    return out


class ChunkView:
    """One chunk's encoding as Python values (offsets relative to the chunk).

    A hover needs one token, its word and that word's pieces: those are read token by token
    (``token_to_chars``, ``token_to_word``, ``id_to_token``), so looking into a chunk not seen
    before costs microseconds, not a pass over its few hundred tokens. The whole lists
    (:attr:`offsets`, :attr:`ids`, :attr:`special`) are built, once, for callers that walk every
    token (token lists, semantic tokens).
    """

    def __init__(self, encoding: Encoding, id_to_token: Callable[[int], str | None]) -> None:
        self.encoding = encoding
        self._id_to_token = id_to_token
        self._runs: dict[int, tuple[int, int]] = {}  # word → its tokens (lo, hi), as looked up

    @cached_property
    def offsets(self) -> list[tuple[int, int]]:
        return self.encoding.offsets

    @cached_property
    def ids(self) -> list[int]:
        return self.encoding.ids

    @cached_property
    def special(self) -> list[int]:
        return self.encoding.special_tokens_mask

    def __len__(self) -> int:
        return len(self.encoding)

    def span(self, local: int) -> tuple[int, int]:
        """Token ``local``'s (start, end), relative to the chunk."""
        got = self.__dict__.get("offsets")
        if got is not None:
            return got[local]
        span = self.encoding.token_to_chars(local)
        return (span[0], span[1]) if span is not None else self.offsets[local]

    def last_starting_at(self, rel: int) -> int:
        """The last token whose start is at or before ``rel`` (-1: none); starts never decrease."""
        lo, hi = 0, len(self)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.span(mid)[0] <= rel:
                lo = mid + 1
            else:
                hi = mid
        return lo - 1

    def piece(self, local: int) -> str:
        """Token ``local``'s vocabulary entry (what ``Encoding.tokens`` holds)."""
        token_id = self.ids[local]
        return self._id_to_token(token_id) or f"<{token_id}>"

    def word_run(self, local: int) -> tuple[int, int]:
        """``(lo, hi)``: token ``local``'s word is tokens ``lo`` to ``hi - 1`` of this chunk (the
        run of neighbours with its word id; a token without one is its own word)."""
        enc = self.encoding
        word = enc.token_to_word(local)
        if word is None:
            return local, local + 1
        got = self._runs.get(word)
        if got is None or not got[0] <= local < got[1]:
            # A word's tokens are consecutive (one pre-token each): its first and last token,
            # found in Rust, are the run. A whole text can be one word (SentencePiece without
            # splitting), so this never walks the run in Python.
            found = enc.word_to_tokens(word)
            if found is not None and found[0] <= local < found[1]:
                got = (found[0], found[1])
            else:  # not consecutive after all: the run around this token
                lo, hi, n = local, local + 1, len(enc)
                while lo > 0 and enc.token_to_word(lo - 1) == word:
                    lo -= 1
                while hi < n and enc.token_to_word(hi) == word:
                    hi += 1
                got = (lo, hi)
            self._runs[word] = got
        return got


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
    #: ``forced[i]``: chunk ``i`` starts at a forced cut (see :func:`~tokls.core.cutpoints.plan`)
    forced: list[bool] = field(default_factory=list)
    _memo: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _cum: list[int] | None = field(default=None, repr=False)
    _views: dict[int, ChunkView] = field(default_factory=dict, repr=False)

    @classmethod
    def encode(cls, tok: LoadedTokenizer, text: str, max_tokens: int | None = None) -> Chunked:
        return cls.encode_many(tok, [text], max_tokens)[0]

    @classmethod
    def encode_many(cls, tok: LoadedTokenizer, texts: Sequence[str], max_tokens: int | None = None) -> list[Chunked]:
        """Encode several texts with parallel batches over all their chunks; past ``max_tokens``
        tokens in all, stop (before encoding the rest) with :class:`TooManyTokens`."""
        plans = [cls._plan(tok, t, 0, len(t)) for t in texts]
        flat = [t[a:b] for t, (bounds, _) in zip(texts, plans) for a, b in zip(bounds, bounds[1:])]
        memo: OrderedDict = OrderedDict()
        if max_tokens is None:
            encs = _encode(tok, flat, memo) if flat else []
        else:
            encs, total = [], 0
            for k in range(0, len(flat), _BATCH):
                batch = _encode(tok, flat[k:k + _BATCH], memo)
                total += sum(len(e) for e in batch)
                if total > max_tokens:
                    raise TooManyTokens(total, max_tokens)
                encs += batch
        out, k = [], 0
        for t, (bounds, forced) in zip(texts, plans):
            n = len(bounds) - 1
            mine = encs[k:k + n]
            k += n
            out.append(cls(tok, t, bounds[:-1], list(mine), [len(e) for e in mine], forced, memo))
        return out

    @staticmethod
    def _plan(tok: LoadedTokenizer, text: str, lo: int, hi: int) -> tuple[list[int], list[bool]]:
        """Chunk bounds (``lo``, the starts, ``hi``) and the forced flags of the starts."""
        if not tok.chunk_safe:
            return [lo, hi], [False]
        starts, forced = plan(text, lo, hi, _avoid(tok)[0], rule=tok.cut_rule)
        return [*starts, hi], forced

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
            got = self._views[id(enc)] = ChunkView(enc, self.tok.tokenizer.id_to_token)
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
        # First chunk whose start decision the edit cannot reach: its start is before `start`,
        # and it starts a stretch (a hash-chosen cut or the text's start, not a forced cut).
        # (``reach`` > CONTEXT when an added token is longer: no cut may fall inside one.)
        reach = _avoid(self.tok)[1]
        i = bisect.bisect_right(self.starts, max(start - 1 if reach == CONTEXT else start - reach, 0)) - 1
        while i > 0 and self.forced[i]:
            i -= 1
        # First later hash-chosen start whose context (CONTEXT chars before it) lies after the edit.
        j = bisect.bisect_left(self.starts, end + reach + 1)
        while j < len(self.starts) and self.forced[j]:
            j += 1
        hi = self.starts[j] + delta if j < len(self.starts) else len(text)
        self._replace(i, j, self.starts[i], hi, shift=delta)

    def _replace(self, i: int, j: int, lo: int, hi: int, shift: int = 0) -> None:
        bounds, forced = self._plan(self.tok, self.text, lo, hi)
        pieces = [self.text[a:b] for a, b in zip(bounds, bounds[1:])]
        encs = _encode(self.tok, pieces, self._memo)
        tail = self.starts[j:]
        if shift:
            tail = [s + shift for s in tail]
        self.starts[i:] = bounds[:-1] + tail
        self.forced[i:j] = forced
        self.encs[i:j] = encs
        self.counts[i:j] = [len(e) for e in encs]
        self._cum = None

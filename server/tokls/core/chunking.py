"""Cutting text into chunks that encode independently, and re-encoding only what an edit touches.

Encoding a 1 MB document takes the Rust tokenizer about half a second; an editor sends an edit per
keystroke. So a text is cut into chunks at positions where the tokenizer's own pre-tokenizer is
guaranteed to split anyway; each chunk is encoded on its own (all in one parallel batch), and after
an edit only the chunks whose content or cut decisions the edit can change are encoded again.
The concatenation of the chunk encodings equals the encoding of the whole text: that is checked
structurally (:func:`chunk_safety`) and empirically, once per tokenizer, and by the test suite.

Cut points are *content-defined*: whether a position is a cut depends only on the few characters
before it, never on where the text starts, so after an edit the cuts far from it stay where they
were and their encodings are reused as they are.

A candidate cut lies just before a space or a line break whose preceding character is a plainly
visible one (ASCII punctuation, letters, digits, or any non-space character above U+00FF). For
whitespace-splitting pre-tokenizers (BERT) any whitespace is a split; for byte-level BPE (GPT-2)
the regex ends every non-space run before a space and starts a fresh match there. Which candidates
become cuts is decided by a hash of the preceding characters, so chunks are a few hundred to a few
thousand characters long.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
from tokenizers import Encoding, Tokenizer

if TYPE_CHECKING:  # pragma: no cover
    from .tokenizers import LoadedTokenizer

__all__ = ["chunk_safety", "cut_points", "Chunked", "CONTEXT"]

#: characters before a cut candidate that decide whether it is a cut
CONTEXT = 8
_NEWLINE_MASK = 0xF  # one line break in 16 becomes a cut
_SPACE_MASK = 0xFF  # one space in 256: long lines get cut too
_PAD = np.zeros(CONTEXT, dtype=np.uint32)
_MULT = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1, 0xD3A2646C, 0xFD7046C5, 0xB55A4F09],
                 dtype=np.uint32)[:CONTEXT]

# Unicode White_Space above U+00FF, and zero-width/format characters that some engines treat as
# space: never trusted as the "visible" character before a cut.
_SPACELIKE = np.array(
    [0x1680, 0x180E, *range(0x2000, 0x2010), 0x2028, 0x2029, 0x202F, 0x205F, 0x2060, 0x3000, 0xFEFF],
    dtype=np.uint32,
)

_SAFE_NORMALIZERS = {"BertNormalizer", "Lowercase", "NFC", "NFD", "NFKC", "NFKD", "StripAccents"}
_WHITESPACE_SPLITTERS = {"BertPreTokenizer", "Whitespace", "WhitespaceSplit"}
_SAFE_INNER_SPLITTERS = {"Punctuation", "Digits", "UnicodeScripts"}
_SAFE_MODELS = {"WordPiece", "BPE", "WordLevel", "Unigram"}

_PROBE = (
    "Hello world!  Two  spaces,\ttabs\tand\r\nCRLF lines.\nNew line; (parens) [brackets] {braces}\n\n"
    "Emoji 😀 family 👨\u200d👩\u200d👧 flag 🇫🇷 done. CJK 日本語のテキスト 中文 한국어 text.\n"
    "Accents: café naïve e\u0301 combining. Tokenization's contractions: it's we're they'll I'd.\n"
    "Numbers 12345 3.14 1,000,000 and code: def f(x): return x**2  # comment\n"
    "    indented line\n\t\ttabbed line\n \n  \n"
    "Mixed\u00a0nbsp\u2003em-space\u3000ideographic space. The end <|endoftext|> [CLS] [SEP] [UNK] ok\n"
    "word" + "x" * 130 + " long words are unknown to WordPiece, short ones are not ."
)


def _components(node: Any) -> list[dict]:
    if not node:
        return []
    if node.get("type") == "Sequence":
        key = "normalizers" if "normalizers" in node else "pretokenizers"
        return [c for child in node.get(key, []) for c in _components(child)]
    return [node]


def _structural_reason(spec: dict) -> str | None:
    """Why this tokenizer's pipeline cannot be proven chunk-safe, or None if it can."""
    for norm in _components(spec.get("normalizer")):
        if norm.get("type") not in _SAFE_NORMALIZERS:
            return f"normalizer {norm.get('type')} may look across a cut"
    pre = _components(spec.get("pre_tokenizer"))
    if not pre:
        return "no pre-tokenizer: the whole text is one word"
    splitters = 0
    for p in pre:
        kind = p.get("type")
        if kind in _WHITESPACE_SPLITTERS:
            splitters += 1
        elif kind == "ByteLevel":
            if p.get("add_prefix_space") or not p.get("use_regex", True):
                return "byte-level pre-tokenizer adds a prefix space or has no split regex"
            splitters += 1
        elif kind not in _SAFE_INNER_SPLITTERS:
            return f"pre-tokenizer {kind} is not known to split at whitespace"
    if not splitters:
        return "no pre-tokenizer splits at whitespace"
    model = spec.get("model") or {}
    if model.get("type") not in _SAFE_MODELS:
        return f"model {model.get('type')} is not word-local"
    if model.get("dropout"):
        return "BPE dropout makes encodings random"
    for added in spec.get("added_tokens") or []:
        content = added.get("content", "")
        if added.get("lstrip") or added.get("rstrip") or any(ch.isspace() for ch in content):
            return f"added token {content!r} absorbs or contains whitespace"
    return None


def _candidates(arr: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Indices p (lo < p < hi, into ``arr``) of cut candidates."""
    if hi - lo < 2:
        return np.empty(0, dtype=np.int64)
    cur = arr[lo + 1:hi]
    prev = arr[lo:hi - 1]
    visible = ((prev >= 0x21) & (prev <= 0x7E)) | ((prev >= 0x100) & ~np.isin(prev, _SPACELIKE))
    breaks = (cur == 0x20) | (cur == 0x0A) | (cur == 0x0D)
    return np.flatnonzero(visible & breaks) + lo + 1


def _qualify(arr: np.ndarray, idx: np.ndarray, padded: np.ndarray) -> np.ndarray:
    # padded = CONTEXT zeros + arr: the hash of arr[p-CONTEXT:p] is padded[p:p+CONTEXT] · _MULT
    h = np.zeros(len(idx), dtype=np.uint32)
    for j in range(CONTEXT):
        h += padded[idx + j] * _MULT[j]
    h ^= h >> np.uint32(15)
    h *= np.uint32(0x2C1B3C6D)
    h ^= h >> np.uint32(12)
    space = arr[idx] == 0x20
    keep = np.where(space, (h & _SPACE_MASK) == 0, (h & _NEWLINE_MASK) == 0)
    return idx[keep]


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def cut_points(text: str, lo: int = 0, hi: int | None = None, *, every_candidate: bool = False) -> list[int]:
    """Cut positions ``p`` with ``lo < p < hi``, decided with ``text`` around them as context."""
    hi = len(text) if hi is None else hi
    if hi - lo < 2:
        return []
    base = max(0, lo - CONTEXT)
    arr = _codepoints(text[base:hi])
    idx = _candidates(arr, lo - base, hi - base)
    if len(idx) and not every_candidate:
        # The hash reads arr[p-CONTEXT:p]; before the text's start it reads zeros, the same
        # whether the text was sliced (base > 0 leaves CONTEXT real characters) or not.
        idx = _qualify(arr, idx, np.concatenate([_PAD, arr]))
    return (idx + base).tolist()


def _same(whole: Encoding, parts: Sequence[tuple[int, Encoding]]) -> bool:
    ids: list[int] = []
    offsets: list[tuple[int, int]] = []
    for start, enc in parts:
        ids.extend(enc.ids)
        offsets.extend((s + start, e + start) for s, e in enc.offsets)
    return ids == whole.ids and offsets == [tuple(o) for o in whole.offsets]


def chunk_safety(tok: Tokenizer, spec: dict) -> tuple[bool, str]:
    """Whether texts may be encoded in chunks cut at :func:`cut_points` (and why not).

    Two checks: the pipeline is made only of components that cannot look across whitespace
    (derived from the tokenizer's own description), and cutting a probe text at *every*
    candidate gives exactly the encoding of the whole probe.
    """
    reason = _structural_reason(spec)
    if reason:
        return False, f"full re-tokenization: {reason}"
    cuts = cut_points(_PROBE, every_candidate=True)
    bounds = [0, *cuts, len(_PROBE)]
    pieces = [_PROBE[a:b] for a, b in zip(bounds, bounds[1:])]
    encs = tok.encode_batch(pieces, add_special_tokens=False)
    whole = tok.encode(_PROBE, add_special_tokens=False)
    if not _same(whole, list(zip(bounds, encs))):
        return False, "full re-tokenization: chunked probe differs from the whole encoding"
    return True, "incremental: cuts before whitespace after a visible character"


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

    tok: "LoadedTokenizer"
    text: str
    starts: list[int] = field(default_factory=list)
    encs: list[Encoding] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    _cum: list[int] | None = field(default=None, repr=False)
    _views: dict[int, "ChunkView"] = field(default_factory=dict, repr=False)

    @classmethod
    def encode(cls, tok: "LoadedTokenizer", text: str) -> "Chunked":
        return cls.encode_many(tok, [text])[0]

    @classmethod
    def encode_many(cls, tok: "LoadedTokenizer", texts: Sequence[str]) -> list["Chunked"]:
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
    def _plan(tok: "LoadedTokenizer", text: str, lo: int, hi: int) -> list[int]:
        inner = cut_points(text, lo, hi) if tok.chunk_safe else []
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

    def view(self, chunk: int) -> "ChunkView":
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

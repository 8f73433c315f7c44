"""Where a text may be cut so that its pieces encode independently, and which tokenizers allow it.

Cut points are *content-defined*: whether a position is a cut depends only on the few characters
before it, never on where the text starts, so after an edit the cuts far from it stay where they
were (see :mod:`tokls.core.chunking`, which encodes and updates the chunks).

A candidate cut lies just before a space or a line break whose preceding character is a plainly
visible one (ASCII punctuation, letters, digits, or any non-space character above U+00FF). For
whitespace-splitting pre-tokenizers (BERT) any whitespace is a split; for byte-level BPE (GPT-2)
the regex ends every non-space run before a space and starts a fresh match there. A candidate also
lies just before an ASCII punctuation character that follows an ASCII letter or digit (text without
spaces: minified JSON, code): BERT splits at every punctuation character, and GPT-2's regex ends a
letter or digit run there and starts a fresh match at the punctuation. Which candidates become cuts
is decided by a hash of the preceding characters, so chunks are a few hundred to a few thousand
characters long.

Text can defeat the hash (periodic text gives every candidate the same context) or have no
candidate at all (one huge word). :func:`plan` bounds every chunk: in a stretch longer than
:data:`MAX_CHUNK` between two hash-chosen cuts it adds *forced* cuts, each at the first candidate
:data:`GRID` characters after the previous cut (so they move with the text of the stretch); only a
run of more than :data:`MAX_RUN` characters without any candidate is cut inside (*unsafe*: the
tokens there may differ from a whole-text encode, see the README's limits).

:func:`chunk_safety` says whether a tokenizer's pipeline keeps that promise: checked structurally
(from the tokenizer's own description) and empirically on a probe text.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Sequence

import numpy as np
from tokenizers import Encoding, Tokenizer

__all__ = ["chunk_safety", "cut_points", "plan", "added_token_pattern", "CONTEXT", "GRID", "MAX_CHUNK", "MAX_RUN"]

#: characters before a cut candidate that decide whether it is a cut
CONTEXT = 8
_NEWLINE_MASK = 0xF  # one line break in 16 becomes a cut
_SPACE_MASK = 0xFF  # one space (or punctuation) in 256: long lines get cut too
#: a stretch between two hash-chosen cuts longer than this gets forced cuts
MAX_CHUNK = 4096
#: the step of forced cuts, counted from the previous cut
GRID = 2048
#: the longest chunk: a run this long with no candidate at all is cut inside (unsafe)
MAX_RUN = 6144
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
    alnum = ((prev >= 0x30) & (prev <= 0x39)) | ((prev | 0x20) >= 0x61) & ((prev | 0x20) <= 0x7A)
    punct = (((cur >= 0x21) & (cur <= 0x2F)) | ((cur >= 0x3A) & (cur <= 0x40)) | ((cur >= 0x5B) & (cur <= 0x60))
             | ((cur >= 0x7B) & (cur <= 0x7E)))
    return np.flatnonzero((visible & breaks) | (alnum & punct)) + lo + 1


def _qualify(arr: np.ndarray, idx: np.ndarray, padded: np.ndarray) -> np.ndarray:
    # padded = CONTEXT zeros + arr: the hash of arr[p-CONTEXT:p] is padded[p:p+CONTEXT] · _MULT
    h = np.zeros(len(idx), dtype=np.uint32)
    for j in range(CONTEXT):
        h += padded[idx + j] * _MULT[j]
    h ^= h >> np.uint32(15)
    h *= np.uint32(0x2C1B3C6D)
    h ^= h >> np.uint32(12)
    newline = (arr[idx] == 0x0A) | (arr[idx] == 0x0D)
    keep = np.where(newline, (h & _NEWLINE_MASK) == 0, (h & _SPACE_MASK) == 0)
    return idx[keep]


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def added_token_pattern(contents: Iterable[str]) -> re.Pattern | None:
    """The added tokens (``[CLS]``, ``<|endoftext|>``) that hold a cut candidate inside, as one
    pattern: a cut inside an occurrence would break the token, so :func:`cut_points` avoids them."""
    risky = sorted({c for c in contents if c and cut_points(c, every_candidate=True)}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, risky))) if risky else None


def _outside(idx: np.ndarray, text: str, lo: int, hi: int, avoid: re.Pattern) -> np.ndarray:
    """``idx`` (absolute positions) less those strictly inside a match of ``avoid``."""
    reach = 256  # longer than any added token
    a = max(0, lo - reach)
    keep = np.ones(len(idx), dtype=bool)
    for m in avoid.finditer(text, a, min(len(text), hi + reach)):
        keep[np.searchsorted(idx, m.start(), "right"):np.searchsorted(idx, m.end(), "left")] = False
    return idx[keep]


def cut_points(text: str, lo: int = 0, hi: int | None = None, *, every_candidate: bool = False,
               avoid: re.Pattern | None = None) -> list[int]:
    """Cut positions ``p`` with ``lo < p < hi``, decided with ``text`` around them as context;
    never inside a match of ``avoid`` (:func:`added_token_pattern`)."""
    hi = len(text) if hi is None else hi
    every, chosen = _cuts(text, lo, hi, avoid, qualify=not every_candidate)
    return (every if every_candidate else chosen).tolist()


def _cuts(text: str, lo: int, hi: int, avoid: re.Pattern | None, qualify: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Every candidate in ``(lo, hi)`` and the hash-chosen ones, as absolute positions."""
    if hi - lo < 2:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    base = max(0, lo - CONTEXT)
    arr = _codepoints(text[base:hi])
    idx = _candidates(arr, lo - base, hi - base)
    if len(idx) and avoid is not None:
        idx = _outside(idx + base, text, lo, hi, avoid) - base
    chosen = idx
    if len(idx) and qualify:
        # The hash reads arr[p-CONTEXT:p]; before the text's start it reads zeros, the same
        # whether the text was sliced (base > 0 leaves CONTEXT real characters) or not.
        chosen = _qualify(arr, idx, np.concatenate([_PAD, arr]))
    return idx + base, chosen + base


def plan(text: str, lo: int, hi: int, avoid: re.Pattern | None = None) -> tuple[list[int], list[bool]]:
    """Chunk starts for ``text[lo:hi]`` (``lo`` first) and whether each is forced.

    ``lo`` must be the text's start or a hash-chosen cut, ``hi`` its end or one: forced cuts are
    placed per stretch between hash-chosen cuts, so re-planning a range made of whole stretches
    gives what planning the whole text gives.
    """
    every, chosen = _cuts(text, lo, hi, avoid)
    starts, forced = [lo], [False]
    bounds = [lo, *chosen.tolist(), hi]
    for k, (a, b) in enumerate(zip(bounds, bounds[1:])):
        if k:
            starts.append(a)
            forced.append(False)
        if b - a <= MAX_CHUNK:
            continue
        last = a
        while b - last > MAX_CHUNK:
            g = last + GRID
            i = int(np.searchsorted(every, g))
            if i < len(every) and every[i] < min(g + GRID // 2, b - GRID // 2):
                cut = int(every[i])  # the usual forced cut: a candidate just after the grid step
            elif b - last <= MAX_RUN:
                break  # the rest is one chunk of at most MAX_RUN
            elif i < len(every) and every[i] - last <= MAX_RUN and every[i] < b:
                cut = int(every[i])  # a later candidate, still within MAX_RUN
            elif i > 0 and every[i - 1] > last:
                cut = int(every[i - 1])  # an earlier one
            else:
                cut = last + MAX_RUN  # no candidate within MAX_RUN: an unsafe cut inside the run
            starts.append(cut)
            forced.append(True)
            last = cut
    return starts, forced


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
    avoid = added_token_pattern(a.get("content", "") for a in spec.get("added_tokens") or [])
    cuts = cut_points(_PROBE, every_candidate=True, avoid=avoid)
    bounds = [0, *cuts, len(_PROBE)]
    pieces = [_PROBE[a:b] for a, b in zip(bounds, bounds[1:])]
    encs = tok.encode_batch(pieces, add_special_tokens=False)
    whole = tok.encode(_PROBE, add_special_tokens=False)
    if not _same(whole, list(zip(bounds, encs))):
        return False, "full re-tokenization: chunked probe differs from the whole encoding"
    return True, "incremental: cuts before whitespace after a visible character"

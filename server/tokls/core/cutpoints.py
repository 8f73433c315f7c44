r"""Where a text may be cut so that its pieces encode independently, and which tokenizers allow it.

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

The split regexes of tiktoken-style vocabularies (o200k_base, cl100k_base, Llama 3, Qwen, Tekken,
DeepSeek) let punctuation take the line breaks after it (``" ?[^\s\p{L}\p{N}]+[\r\n]*"``): a
new piece starts before a space, but before a line break only after a letter or a digit. Those
tokenizers get the :data:`WORD` rule: every space candidate, and line-break candidates only after
an ASCII letter or digit. Everything else keeps the :data:`ANY` rule.

:func:`chunk_rule` says whether (and with which rule) a tokenizer's pipeline keeps that promise:
checked structurally (from the tokenizer's own description) and empirically on a probe text.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Sequence

import numpy as np
from tokenizers import Encoding, Tokenizer

__all__ = ["ANY", "WORD", "chunk_rule", "pipeline_spec", "chunk_safety", "cut_points", "plan",
           "added_token_pattern", "CONTEXT", "GRID", "MAX_CHUNK", "MAX_RUN"]

#: cut before a space or a line break after a visible character (and before ASCII punctuation
#: after an ASCII letter or digit)
ANY = "any"
#: cut before a space after a visible character, before a line break only after [A-Za-z0-9];
#: never before punctuation (tiktoken-style patterns attach it to a word: "it's", ".bar")
WORD = "word"

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
# A split regex may only look at the end of the text after whitespace (a chunk ends with a visible
# character, so these never match there), and never behind its match or at the text's start.
_SAFE_END_ANCHORS = re.compile(r"\(\?>\\s\+\)\\z|\\s\+\+?\$|\\s\+\+?\\z")

_PROBE = (
    "Hello world!  Two  spaces,\ttabs\tand\r\nCRLF lines.\nNew line; (parens) [brackets] {braces}\n\n"
    "Emoji 😀 family 👨\u200d👩\u200d👧 flag 🇫🇷 done. CJK 日本語のテキスト 中文 한국어 text.\n"
    "Accents: café naïve e\u0301 combining. Tokenization's contractions: it's we're they'll I'd.\n"
    "Numbers 12345 3.14 1,000,000 and code: def f(x): return x**2  # comment\n"
    "    indented line\n\t\ttabbed line\n \n  \n"
    "Mixed\u00a0nbsp\u2003em-space\u3000ideographic space. The end <|endoftext|> [CLS] [SEP] [UNK] ok\n"
    "Lines end: dot.\ncomma,\r\nparen)\n digit 7\nletter x\n 終わり。\n「引用」\n emoji 😀\n tab\t\n"
    "url https://example.com/a/b?c=1 x/ y' z's 'quoted' it'S  I'M 199999 1234567 a\u0301 \u0301b\n"
    "word" + "x" * 130 + " long words are unknown to WordPiece, short ones are not ."
)


def pipeline_spec(tok: Tokenizer) -> dict:
    """The parts of ``tok.to_str()`` that chunking and the unknown token need, without serialising
    the vocabulary (a second and a half for o200k_base's 200K tokens and merges)."""
    model = tok.model
    kind = type(model).__name__
    if kind not in ("BPE", "WordPiece", "WordLevel"):
        return json.loads(tok.to_str())

    def state(component) -> dict | None:
        return json.loads(component.__getstate__()) if component is not None else None

    return {
        "normalizer": state(tok.normalizer),
        "pre_tokenizer": state(tok.pre_tokenizer),
        "model": {"type": kind, "dropout": getattr(model, "dropout", None),
                  "unk_token": getattr(model, "unk_token", None)},
        "added_tokens": [{"content": t.content, "lstrip": t.lstrip, "rstrip": t.rstrip}
                         for t in tok.get_added_tokens_decoder().values()],
    }


def _components(node: Any) -> list[dict]:
    if not node:
        return []
    if node.get("type") == "Sequence":
        key = "normalizers" if "normalizers" in node else "pretokenizers"
        return [c for child in node.get(key, []) for c in _components(child)]
    return [node]


def _split_reason(p: dict) -> str | None:
    """Why a ``Split`` pre-tokenizer may depend on more than the text after a cut (None: it does not)."""
    pattern = (p.get("pattern") or {}).get("Regex")
    if not isinstance(pattern, str):
        return "split on a literal string"
    if p.get("behavior") != "Isolated" or p.get("invert"):
        return f"split behaviour {p.get('behavior')}{' (inverted)' if p.get('invert') else ''}"
    if _looks_around(_SAFE_END_ANCHORS.sub("", pattern)):
        return "split regex looks behind a match or at the text's ends"
    return None


def _looks_around(pattern: str) -> bool:
    """Whether a regex has anchors or lookbehinds outside character classes."""
    i, depth = 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if depth == 0 and pattern[i + 1:i + 2] in ("A", "b", "B", "G", "z", "Z"):
                return True
            i += 2
            continue
        if ch == "[":
            depth += 1
            if pattern[i + 1:i + 2] == "^":
                i += 1
        elif ch == "]" and depth:
            depth -= 1
        elif depth == 0 and (ch in "^$" or pattern.startswith(("(?<=", "(?<!"), i)):
            return True
        i += 1
    return False


def _structural_reason(spec: dict) -> tuple[str | None, str]:
    """Why this tokenizer's pipeline cannot be proven chunk-safe (None if it can), and the rule."""
    for norm in _components(spec.get("normalizer")):
        if norm.get("type") not in _SAFE_NORMALIZERS:
            return f"normalizer {norm.get('type')} may look across a cut", ANY
    pre = _components(spec.get("pre_tokenizer"))
    if not pre:
        return "no pre-tokenizer: the whole text is one word", ANY
    splitters = 0
    rule = ANY
    for p in pre:
        kind = p.get("type")
        if kind in _WHITESPACE_SPLITTERS:
            splitters += 1
        elif kind == "Split":
            reason = _split_reason(p)
            if reason:
                return reason, ANY
            splitters += 1
            rule = WORD
        elif kind == "ByteLevel":
            if p.get("add_prefix_space"):
                return "byte-level pre-tokenizer adds a prefix space", ANY
            if p.get("use_regex", True):
                splitters += 1
            elif not splitters:
                return "byte-level pre-tokenizer has no split regex and nothing splits before it", ANY
        elif kind not in _SAFE_INNER_SPLITTERS:
            return f"pre-tokenizer {kind} is not known to split at whitespace", ANY
    if not splitters:
        return "no pre-tokenizer splits at whitespace", ANY
    model = spec.get("model") or {}
    if model.get("type") not in _SAFE_MODELS:
        return f"model {model.get('type')} is not word-local", ANY
    if model.get("dropout"):
        return "BPE dropout makes encodings random", ANY
    for added in spec.get("added_tokens") or []:
        content = added.get("content", "")
        if added.get("lstrip") or added.get("rstrip") or any(ch.isspace() for ch in content):
            return f"added token {content!r} absorbs or contains whitespace", ANY
    return None, rule


def _candidates(arr: np.ndarray, lo: int, hi: int, rule: str = ANY) -> np.ndarray:
    """Indices p (lo < p < hi, into ``arr``) of cut candidates."""
    if hi - lo < 2:
        return np.empty(0, dtype=np.int64)
    cur = arr[lo + 1:hi]
    prev = arr[lo:hi - 1]
    visible = ((prev >= 0x21) & (prev <= 0x7E)) | ((prev >= 0x100) & ~np.isin(prev, _SPACELIKE))
    line_break = (cur == 0x0A) | (cur == 0x0D)
    alnum = ((prev >= 0x30) & (prev <= 0x39)) | ((prev | 0x20) >= 0x61) & ((prev | 0x20) <= 0x7A)
    if rule == WORD:
        return np.flatnonzero(visible & ((cur == 0x20) | (line_break & alnum))) + lo + 1
    breaks = (cur == 0x20) | line_break
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
               avoid: re.Pattern | None = None, rule: str = ANY) -> list[int]:
    """Cut positions ``p`` with ``lo < p < hi``, decided with ``text`` around them as context;
    never inside a match of ``avoid`` (:func:`added_token_pattern`)."""
    hi = len(text) if hi is None else hi
    every, chosen = _cuts(text, lo, hi, avoid, qualify=not every_candidate, rule=rule)
    return (every if every_candidate else chosen).tolist()


def _cuts(text: str, lo: int, hi: int, avoid: re.Pattern | None, qualify: bool = True,
          rule: str = ANY) -> tuple[np.ndarray, np.ndarray]:
    """Every candidate in ``(lo, hi)`` and the hash-chosen ones, as absolute positions."""
    if hi - lo < 2:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    base = max(0, lo - CONTEXT)
    arr = _codepoints(text[base:hi])
    idx = _candidates(arr, lo - base, hi - base, rule)
    if len(idx) and avoid is not None:
        idx = _outside(idx + base, text, lo, hi, avoid) - base
    chosen = idx
    if len(idx) and qualify:
        # The hash reads arr[p-CONTEXT:p]; before the text's start it reads zeros, the same
        # whether the text was sliced (base > 0 leaves CONTEXT real characters) or not.
        chosen = _qualify(arr, idx, np.concatenate([_PAD, arr]))
    return idx + base, chosen + base


def plan(text: str, lo: int, hi: int, avoid: re.Pattern | None = None,
         rule: str = ANY) -> tuple[list[int], list[bool]]:
    """Chunk starts for ``text[lo:hi]`` (``lo`` first) and whether each is forced.

    ``lo`` must be the text's start or a hash-chosen cut, ``hi`` its end or one: forced cuts are
    placed per stretch between hash-chosen cuts, so re-planning a range made of whole stretches
    gives what planning the whole text gives.
    """
    every, chosen = _cuts(text, lo, hi, avoid, rule=rule)
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


def chunk_rule(tok: Tokenizer, spec: dict) -> tuple[str | None, str]:
    """The cut rule (:data:`ANY` or :data:`WORD`) texts may be chunked by, or None, and why.

    Two checks: the pipeline is made only of components that cannot look across whitespace
    (derived from the tokenizer's own description), and cutting a probe text at *every*
    candidate of the rule gives exactly the encoding of the whole probe.
    """
    reason, rule = _structural_reason(spec)
    if reason:
        return None, f"full re-tokenization: {reason}"
    avoid = added_token_pattern(a.get("content", "") for a in spec.get("added_tokens") or [])
    cuts = cut_points(_PROBE, every_candidate=True, avoid=avoid, rule=rule)
    bounds = [0, *cuts, len(_PROBE)]
    pieces = [_PROBE[a:b] for a, b in zip(bounds, bounds[1:])]
    encs = tok.encode_batch(pieces, add_special_tokens=False)
    whole = tok.encode(_PROBE, add_special_tokens=False)
    if not _same(whole, list(zip(bounds, encs))):
        return None, "full re-tokenization: chunked probe differs from the whole encoding"
    if rule == WORD:
        return rule, "incremental: cuts before a space after a visible character, before a line break after a letter or digit"
    return rule, "incremental: cuts before whitespace after a visible character"


def chunk_safety(tok: Tokenizer, spec: dict) -> tuple[bool, str]:
    """Whether texts may be encoded in chunks cut at :func:`cut_points` (and why not)."""
    rule, note = chunk_rule(tok, spec)
    return rule is not None, note

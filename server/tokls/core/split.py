"""Where to split an over-long text into parts that each fit a model input.

Each part ends at the last paragraph break (a blank line) before the model's limit, or else at
the last sentence end (``.``, ``!``, ``?``, ``…`` and whitespace, or a line break), or else at the
last token boundary. The limit comes from the real token offsets of the part; a part is
re-encoded on its own (a token may be cut differently without its left context) and its cut
moves back to an earlier boundary until it fits.

What the action inserts at each cut is the ``split.separator`` setting, as written; empty (the
default) means the segment mode's own separator (:data:`SEPARATORS`), so that each part becomes a
segment of its own.
"""

from __future__ import annotations

import bisect
import re

from .tokenizers import LoadedTokenizer

__all__ = ["SEPARATORS", "separator", "split_points"]

#: what the split action inserts by default, by segment mode: a part per paragraph, per line, and
#: in ``document`` mode a visible mark where to cut the file
SEPARATORS = {"paragraph": "\n\n", "line": "\n", "document": "\n\n---\n\n"}

_PARAGRAPH = re.compile(r"(?:\r\n|\r|\n)[ \t]*(?:\r\n|\r|\n)\s*")
_SENTENCE = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|(?:\r\n|\r|\n)\s*")


def separator(segment: str, chosen: str = "") -> str:
    """The text inserted at each cut: ``chosen`` (the ``split.separator`` setting) when it is not
    empty, else the default of the segment mode ``segment``."""
    if chosen:
        return chosen
    try:
        return SEPARATORS[segment]
    except KeyError:
        raise ValueError(f"parts of a {segment!r} segment cannot be separated") from None


def _count(tok: LoadedTokenizer, text: str) -> int:
    return len(tok.encode(text).ids) + tok.num_special


def split_points(tok: LoadedTokenizer, text: str, max_tokens: int) -> list[int]:
    """Offsets (code points into ``text``) where to cut it so that each part, as one model input
    with its special tokens, has at most ``max_tokens`` tokens; empty when ``text`` fits."""
    keep = max_tokens - tok.num_special
    if keep < 1:
        raise ValueError(f"a part of at most {max_tokens} tokens has no room for text")
    cuts: list[int] = []
    start = 0
    while True:
        window = max(keep * 6, 256)  # encode a window after start, not the whole rest (doubled if short)
        while True:
            offsets = tok.encode(text[start:start + window]).offsets
            if len(offsets) > keep or start + window >= len(text):
                break
            window *= 2
        if start + window >= len(text) and _count(tok, text[start:]) <= max_tokens:
            return cuts
        starts = [s + start for s, _e in offsets]
        limit = starts[keep]  # the first token that does not fit
        # boundaries in (start, limit]: paragraph breaks first, then sentence ends, then tokens
        candidates = [m.end() for m in _PARAGRAPH.finditer(text, start, limit) if m.end() <= limit][::-1]
        candidates += [m.end() for m in _SENTENCE.finditer(text, start, limit) if m.end() <= limit][::-1]
        candidates += starts[bisect.bisect_left(starts, start + 1):keep + 1][::-1]
        cut = next((c for c in candidates if start < c and _count(tok, text[start:c]) <= max_tokens), None)
        if cut is None:  # not even one token fits alone (cannot happen with keep >= 1, but never loop)
            cut = starts[1] if len(starts) > 1 else len(text)
        cuts.append(cut)
        start = cut

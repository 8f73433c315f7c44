"""A small, careful, rule-based English sentence splitter (no models, no downloads).

Used to cut the Rotten Tomatoes plot synopses into sentences for the ``NEUTRAL`` class. Rules:

- Line breaks that leave a blank line (paragraphs), and any line break after sentence-final
  punctuation, always end a sentence; other single line breaks are spaces.
- Inside a paragraph a sentence ends at ``.``, ``!``, ``?`` or an ellipsis, optionally followed
  by closing quotes or brackets, when whitespace and then an upper-case letter, a digit or an
  opening quote/bracket follows.
- No break after titles and common abbreviations (``Mr.``, ``Dr.``, ``St.``, ``Lt.``, ``vs.``,
  ``etc.`` …), after single-letter initials (``J. K. Rowling``) or dotted acronyms (``U.S.``).
- With ``drop_unterminated``, a final fragment without sentence-final punctuation (a text that
  was cut off) is dropped. Sentences with fewer than ``min_words`` words are dropped.
"""

from __future__ import annotations

import re

__all__ = ["ABBREVIATIONS", "MIN_WORDS", "split_sentences"]

MIN_WORDS = 4

# Lower-cased, without the dot. Only words that are (almost) never a sentence's last word.
ABBREVIATIONS = frozenset(
    """mr mrs ms messrs dr prof st jr sr gen col lt sgt capt cpl maj adm cmdr det insp supt gov sen rep
    pres rev fr hon mt ft no nos vs etc approx dept univ inc ltd co corp bros jan feb mar apr jun jul
    aug sep sept oct nov dec e.g i.e cf al""".split()
)

_TERMINAL = re.compile(r"""(?:\.\.\.|…|[.!?])[.!?]*["'”’)\]]*$""")
# A candidate boundary: terminal punctuation (+ closing quotes/brackets), whitespace, then a
# sentence-like start (upper-case letter, digit, opening quote or bracket).
_BOUNDARY = re.compile(r"""(\.\.\.|…|[.!?])[.!?]*["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])""")
_WORD_BEFORE = re.compile(r"""([A-Za-z][A-Za-z.]*)$""")
_PARAGRAPH = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"\s+")


def _is_abbreviation(before: str) -> bool:
    """True when the text ending just before a ``.`` ends with an abbreviation or an initial."""
    m = _WORD_BEFORE.search(before)
    if not m:
        return False
    word = m.group(1)
    if len(word) == 1 and word.isupper():  # an initial: "J. K. Rowling"
        return True
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word):  # "U.S", "e.g", "L.A"
        return True
    return word.lower() in ABBREVIATIONS


def _split_block(block: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(block):
        if m.group(1) == "." and _is_abbreviation(block[start : m.start()]):
            continue
        out.append(block[start : m.end()])
        start = m.end()
    out.append(block[start:])
    return out


def split_sentences(text: str, min_words: int = MIN_WORDS, drop_unterminated: bool = False) -> list[str]:
    """The sentences of ``text`` in order, whitespace normalised, short fragments dropped."""
    pieces: list[str] = []
    for para in _PARAGRAPH.split(text.replace("\r\n", "\n").replace("\r", "\n")):
        # A line break after sentence-final punctuation ends the sentence; others are spaces.
        lines = [ln.strip() for ln in para.split("\n") if ln.strip()]
        block: list[str] = []
        for ln in lines:
            block.append(ln)
            if _TERMINAL.search(ln):
                pieces.extend(_split_block(" ".join(block)))
                block = []
        if block:
            pieces.extend(_split_block(" ".join(block)))
    sentences = [_SPACES.sub(" ", p).strip() for p in pieces]
    sentences = [s for s in sentences if s]
    if drop_unterminated and sentences and not _TERMINAL.search(sentences[-1]):
        sentences.pop()
    return [s for s in sentences if len(s.split()) >= min_words]

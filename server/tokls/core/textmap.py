"""Exact maps between the text a model reads and the characters of the document it came from.

A dataset record's input is *decoded* text: a JSON string literal without its escapes (``\\n``,
``\\"``, ``\\u00e9``, surrogate pairs ``\\ud83d\\ude00``), a CSV field without its quoting
(``""``), several fields joined, a conversation rendered by a chat template. An
:class:`OffsetMap` says, for every character of that text, which characters of the document
produced it, so a truncation point or a token found in the text lands on the exact document
character. Offsets are code points on both sides.

This module also finds where string values sit in a JSON line (:func:`json_string_spans`) and
scans CSV/TSV text into records and fields with their spans (:func:`scan_csv`).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from typing import Iterator

__all__ = ["OffsetMap", "MapBuilder", "decode_json_string", "json_string_spans", "CsvField", "CsvRecord",
           "scan_csv", "decode_csv_field"]


class OffsetMap:
    """Text offsets ↔ document offsets, as pieces ``(text_start, doc_start, text_len, doc_len)``.

    A piece is either *literal* (``text_len == doc_len``: character i maps to character i) or
    *atomic* (one text character made of ``doc_len`` document characters, e.g. an escape; or
    ``text_len`` characters the document does not contain, ``doc_len == 0``, e.g. a separator).
    """

    __slots__ = ("_t", "_d", "_tl", "_dl", "length", "end")

    def __init__(self, pieces: list[tuple[int, int, int, int]], length: int, end: int) -> None:
        self._t = [p[0] for p in pieces]
        self._d = [p[1] for p in pieces]
        self._tl = [p[2] for p in pieces]
        self._dl = [p[3] for p in pieces]
        self.length = length  #: length of the text
        self.end = end  #: the document offset the text's end maps to

    def _piece(self, i: int) -> int:
        return bisect.bisect_right(self._t, i) - 1

    def to_doc(self, i: int) -> int:
        """Document offset of text character ``i`` (its first document character)."""
        if i >= self.length or not self._t:
            return self.end
        k = self._piece(max(i, 0))
        if self._tl[k] == self._dl[k]:
            return self._d[k] + (i - self._t[k])
        return self._d[k]

    def char_end(self, i: int) -> int:
        """Document offset just after the characters that produced text character ``i``."""
        if i >= self.length or not self._t:
            return self.end
        k = self._piece(max(i, 0))
        if self._tl[k] == self._dl[k]:
            return self._d[k] + (i - self._t[k]) + 1
        return self._d[k] + self._dl[k]

    def span(self, a: int, b: int) -> tuple[int, int]:
        """Document span of text span ``[a, b)``."""
        if b <= a:
            x = self.to_doc(a)
            return x, x
        return self.to_doc(a), self.char_end(b - 1)

    def from_doc(self, d: int) -> int | None:
        """Text offset of the character produced by document offset ``d`` (None: none is)."""
        for k in range(max(bisect.bisect_right(self._d, d) - 1, 0), len(self._d)):
            d0, dl = self._d[k], self._dl[k]
            if d0 > d:
                return None
            if d0 <= d < d0 + dl:
                return self._t[k] + (d - d0 if self._tl[k] == dl else 0)
        return None


class MapBuilder:
    """Builds a text and its :class:`OffsetMap` piece by piece."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pieces: list[tuple[int, int, int, int]] = []
        self.length = 0
        self.last = 0  # document offset after the last mapped piece

    def literal(self, text: str, doc_start: int) -> None:
        if text:
            self._add(text, doc_start, len(text))

    def atom(self, char: str, doc_start: int, doc_len: int) -> None:
        self._add(char, doc_start, doc_len)

    def inserted(self, text: str) -> None:
        """Characters the document does not hold; they map to where the document is now."""
        if text:
            self._add(text, self.last, 0)

    def mapped(self, text: str, m: OffsetMap, a: int = 0, b: int | None = None) -> None:
        """Append ``text[a:b]``, where ``m`` is the map of ``text``."""
        b = len(text) if b is None else b
        if b <= a:
            return
        for t0, d0, tl, dl in zip(m._t, m._d, m._tl, m._dl):
            lo, hi = max(t0, a), min(t0 + tl, b)
            if lo >= hi:
                continue
            if tl == dl:
                self._add(text[lo:hi], d0 + lo - t0, hi - lo)
            else:
                self._add(text[lo:hi], d0, dl)
        self.last = m.char_end(b - 1)

    def _add(self, text: str, doc_start: int, doc_len: int) -> None:
        self.parts.append(text)
        self.pieces.append((self.length, doc_start, len(text), doc_len))
        self.length += len(text)
        self.last = doc_start + doc_len

    def build(self, end: int | None = None) -> tuple[str, OffsetMap]:
        return "".join(self.parts), OffsetMap(self.pieces, self.length, self.last if end is None else end)


# -- JSON -------------------------------------------------------------------------------------

_JSON_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|(.))", re.S)
_SIMPLE = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def decode_json_string(doc: str, start: int, end: int) -> tuple[str, OffsetMap]:
    """Decode the body ``doc[start:end]`` of a JSON string literal (between its quotes)."""
    b = MapBuilder()
    pos = start
    pending: tuple[int, int] | None = None  # a high surrogate waiting for its low half: (value, doc start)
    for m in _JSON_ESCAPE.finditer(doc, start, end):
        if m.start() > pos or pending is not None and m.group(1) is None:
            if pending is not None:
                b.atom(chr(pending[0]), pending[1], 6)
                pending = None
            b.literal(doc[pos:m.start()], pos)
        hexa, simple = m.group(1), m.group(2)
        if hexa is None:
            if simple not in _SIMPLE:
                raise ValueError(f"invalid JSON escape \\{simple} at {m.start()}")
            b.atom(_SIMPLE[simple], m.start(), 2)
        else:
            value = int(hexa, 16)
            if pending is not None:
                if 0xDC00 <= value <= 0xDFFF:
                    high, at = pending
                    b.atom(chr(0x10000 + ((high - 0xD800) << 10) + (value - 0xDC00)), at, 12)
                    pending = None
                    pos = m.end()
                    continue
                b.atom(chr(pending[0]), pending[1], 6)
                pending = None
            if 0xD800 <= value <= 0xDBFF:
                pending = (value, m.start())
            else:
                b.atom(chr(value), m.start(), 6)
        pos = m.end()
    if pending is not None:
        b.atom(chr(pending[0]), pending[1], 6)
    b.literal(doc[pos:end], pos)
    return b.build(end)


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.S)


def json_string_spans(doc: str, start: int = 0, end: int | None = None) -> dict[tuple, tuple[int, int]]:
    """Every string value of the JSON text ``doc[start:end]``: its path (keys and list indexes,
    e.g. ``("messages", 0, "content")``) → the span of its body (inside the quotes)."""
    out: dict[tuple, tuple[int, int]] = {}
    # frames: [path, is_object, key or index, expecting a key]
    stack: list[list] = []
    for m in _JSON_TOKEN.finditer(doc, start, len(doc) if end is None else end):
        tok = m.group()
        top = stack[-1] if stack else None
        if tok[0] == '"':
            if top is not None and top[1] and top[3]:
                top[2] = json.loads(tok)
                top[3] = False
            elif top is not None:
                out[(*top[0], top[2])] = (m.start() + 1, m.end() - 1)
            else:
                out[()] = (m.start() + 1, m.end() - 1)
        elif tok in "{[":
            path = () if top is None else (*top[0], top[2])
            stack.append([path, tok == "{", None if tok == "{" else 0, tok == "{"])
        elif tok in "}]":
            if stack:
                stack.pop()
        elif tok == "," and top is not None:
            if top[1]:
                top[3] = True
            else:
                top[2] += 1
    return out


# -- CSV --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvField:
    start: int  #: document span of the raw field, quotes included
    end: int
    quoted: bool


@dataclass(frozen=True)
class CsvRecord:
    start: int  #: document span of the record, its line break excluded
    end: int
    fields: tuple[CsvField, ...]
    error: str | None = None  #: e.g. a quote that never closes


def scan_csv(doc: str, delimiter: str = ",", start: int = 0) -> Iterator[CsvRecord]:
    """The records of CSV/TSV text (RFC 4180 quoting: ``"a ""b"" c"``, line breaks inside quotes).

    Lines that are empty are not records (as :mod:`csv` reads them)."""
    n = len(doc)
    quoted_field = re.compile(r'"(?:[^"]|"")*"')
    plain_field = re.compile(r'[^' + re.escape(delimiter) + r'\r\n]*')
    pos = start
    while pos < n:
        rec_start = pos
        fields: list[CsvField] = []
        error = None
        while True:
            if pos < n and doc[pos] == '"':
                m = quoted_field.match(doc, pos)
                if m is None:  # unterminated quote: the rest of the line is the field
                    nl = _line_end(doc, pos)
                    fields.append(CsvField(pos, nl, True))
                    error, pos = "unterminated quoted field", nl
                else:
                    fields.append(CsvField(pos, m.end(), True))
                    pos = m.end()
                    # characters after the closing quote (csv keeps them, we keep them in the field)
                    extra = plain_field.match(doc, pos)
                    if extra and extra.end() > pos:
                        fields[-1] = CsvField(fields[-1].start, extra.end(), True)
                        pos = extra.end()
            else:
                m = plain_field.match(doc, pos)
                assert m is not None
                fields.append(CsvField(pos, m.end(), False))
                pos = m.end()
            if pos < n and doc[pos] == delimiter:
                pos += 1
                continue
            break
        rec_end = pos
        if doc.startswith("\r\n", pos):
            pos += 2
        elif pos < n and doc[pos] in "\r\n":
            pos += 1
        if rec_end == rec_start and not error:
            continue
        yield CsvRecord(rec_start, rec_end, tuple(fields), error)


def _line_end(doc: str, pos: int) -> int:
    m = re.compile(r"[\r\n]").search(doc, pos)
    return m.start() if m else len(doc)


def decode_csv_field(doc: str, f: CsvField) -> tuple[str, OffsetMap]:
    """A field's value and its map (``""`` inside quotes is one ``"``)."""
    b = MapBuilder()
    if not f.quoted:
        b.literal(doc[f.start:f.end], f.start)
        return b.build(f.end)
    close = doc.rfind('"', f.start + 1, f.end)
    body_end = close if close > f.start else f.end
    pos = f.start + 1
    while True:
        q = doc.find('""', pos, body_end)
        if q < 0:
            break
        b.literal(doc[pos:q], pos)
        b.atom('"', q, 2)
        pos = q + 2
    b.literal(doc[pos:body_end], pos)
    if body_end < f.end:  # characters after the closing quote
        b.literal(doc[body_end + 1:f.end], body_end + 1)
    return b.build(body_end)

"""The open documents' text: code-point offsets ↔ LSP positions, line index, edits.

The only place that knows LSP positions: lines end at ``\\n``, ``\\r\\n`` or ``\\r`` (and nothing
else: U+2028 or form feeds are not line breaks in LSP), and a character is counted in the
negotiated encoding: UTF-16 code units (the default), UTF-8 bytes, or UTF-32 code points.

:class:`Document` keeps the text of an open document and an index of its line starts, both
updated per edit without a Python-level pass over the whole text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from lsprotocol import types

from ..core.analysis import LINE_BREAK

__all__ = ["Document"]


def _line_starts(text: str, lo: int = 0, hi: int | None = None) -> np.ndarray:
    return np.fromiter((m.end() for m in LINE_BREAK.finditer(text, lo, len(text) if hi is None else hi)), dtype=np.int64)


def _units(s: str, encoding: str) -> int:
    if encoding == "utf-32" or s.isascii():
        return len(s)
    if encoding == "utf-8":
        return len(s.encode("utf-8", "surrogatepass"))
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def _column_to_index(line: str, column: int, encoding: str) -> int:
    """Code points of ``line`` that fit in ``column`` units (clamped to the line)."""
    if column <= 0:
        return 0
    if encoding == "utf-32" or line.isascii():
        return min(column, len(line))
    units = 0
    for i, ch in enumerate(line):
        cp = ord(ch)
        if encoding == "utf-8":
            width = 1 if cp < 0x80 else 2 if cp < 0x800 else 3 if cp < 0x10000 else 4
        else:
            width = 2 if cp > 0xFFFF else 1
        if units + width > column:
            return i
        units += width
    return len(line)


@dataclass(eq=False)
class Document:
    """An open document: text, version and line index."""

    uri: str
    text: str
    version: int | None = None
    encoding: str = "utf-16"
    starts: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]
    #: edits (start, end, new_text in code points) not yet applied to the token state;
    #: None means "replace everything" (full sync or too many edits)
    pending: list[tuple[int, int, str]] | None = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.starts is None:
            self.starts = np.concatenate([[0], _line_starts(self.text)]).astype(np.int64)

    # -- positions -----------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line_span(self, line: int) -> tuple[int, int]:
        """(start, end) of ``line`` without its line break."""
        start = int(self.starts[line])
        end = int(self.starts[line + 1]) if line + 1 < len(self.starts) else len(self.text)
        while end > start and self.text[end - 1] in "\r\n":
            end -= 1
        return start, end

    def offset_at(self, position: types.Position) -> int:
        if position.line >= len(self.starts):
            return len(self.text)
        start, end = self.line_span(max(position.line, 0))
        return start + _column_to_index(self.text[start:end], position.character, self.encoding)

    def position_at(self, offset: int) -> types.Position:
        offset = min(max(offset, 0), len(self.text))
        line = int(np.searchsorted(self.starts, offset, side="right")) - 1
        start, end = self.line_span(line)
        return types.Position(line=line, character=_units(self.text[start:min(offset, end)], self.encoding))

    def range_of(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position_at(start), end=self.position_at(end))

    def offsets_of(self, rng: types.Range) -> tuple[int, int]:
        a, b = self.offset_at(rng.start), self.offset_at(rng.end)
        return (a, b) if a <= b else (b, a)

    def copy(self) -> "Document":
        """A snapshot for long work: later edits replace the text and line index of ``self``
        (they are never changed in place), so the copy shares both."""
        return Document(self.uri, self.text, self.version, self.encoding, self.starts,
                        pending=None)

    # -- edits ---------------------------------------------------------------------------

    def replace(self, text: str, version: int | None) -> None:
        self.text = text
        self.version = version
        self.starts = np.concatenate([[0], _line_starts(text)]).astype(np.int64)
        self.pending = None

    def edit(self, rng: types.Range, new_text: str) -> tuple[int, int]:
        """Apply an incremental change; returns the replaced (start, end) in code points."""
        start, end = self.offsets_of(rng)
        old = self.text
        self.text = old[:start] + new_text + old[end:]
        delta = len(new_text) - (end - start)
        starts = self.starts
        # A line start q depends on text[q-1] (and text[q] for CRLF): keep those before the edit,
        # rescan from one character before it to one after, shift the rest.
        lo_i = int(np.searchsorted(starts, max(start - 1, 0), side="right"))
        hi_i = int(np.searchsorted(starts, end + 1, side="right"))
        scan_lo = int(starts[lo_i - 1])
        scan_hi = min(int(starts[hi_i]) + delta if hi_i < len(starts) else len(self.text), len(self.text))
        middle = _line_starts(self.text, scan_lo, scan_hi)
        middle = middle[middle < scan_hi] if hi_i < len(starts) else middle
        self.starts = np.concatenate([starts[:lo_i], middle, starts[hi_i:] + delta]).astype(np.int64)
        if self.pending is not None:
            self.pending.append((start, end, new_text))
            if len(self.pending) > 256:
                self.pending = None
        return start, end

    def take_pending(self) -> list[tuple[int, int, str]] | None:
        pending, self.pending = self.pending, []
        return pending

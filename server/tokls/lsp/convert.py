"""Code-point offsets ↔ LSP positions, and core results → LSP objects.

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

from ..core.analysis import LINE_BREAK, Analysis, TokenInfo, truncation_message

__all__ = ["Document", "token_count_diagnostic", "truncation_diagnostics", "hover_markdown"]

SOURCE = "tokls"


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
    language_id: str | None = None
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
        return Document(self.uri, self.text, self.version, self.language_id, self.encoding, self.starts,
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


# ------------------------------------------------------------------------------------------
# Core results → LSP

_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


def severity(name: str) -> types.DiagnosticSeverity | None:
    return _SEVERITY.get(name)


def _unit_name(mode: str) -> str:
    return {"line": "line", "paragraph": "paragraph"}.get(mode, "input")


def token_count_message(analysis: Analysis, doc: Document) -> str:
    limit = analysis.max_length
    if analysis.mode == "document":
        seg = analysis.segments[0]
        share = f"{seg.tokens / limit:.0%} of {limit:,}" if limit else "no length limit"
        return f"{seg.tokens:,} tokens · {analysis.model} · {share}"
    n = len(analysis.segments)
    unit = _unit_name(analysis.mode)
    if not n:
        return f"0 tokens · no non-blank {unit}s · {analysis.model}"
    longest = analysis.longest
    assert longest is not None
    line = doc.position_at(longest.start).line + 1
    share = f"{longest.tokens / limit:.0%} of {limit:,}" if limit else "no length limit"
    over = len(analysis.truncated)
    tail = f" · {over} truncated" if over else ""
    return (f"{analysis.tokens:,} tokens in {n:,} {unit}s · longest {longest.tokens:,} (line {line}, {share})"
            f" · {analysis.model}{tail}")


def token_count_diagnostic(analysis: Analysis, doc: Document, level: str) -> types.Diagnostic | None:
    sev = severity(level)
    if sev is None:
        return None
    return types.Diagnostic(
        range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)),
        message=token_count_message(analysis, doc),
        severity=sev,
        code="token-count",
        source=SOURCE,
        data={"tokens": analysis.tokens, "maxLength": analysis.max_length, "segments": len(analysis.segments),
              "model": analysis.model},
    )


def truncation_diagnostics(analysis: Analysis, doc: Document, level: str) -> list[types.Diagnostic]:
    sev = severity(level)
    if sev is None:
        return []
    out = []
    for seg in analysis.truncated:
        assert seg.truncation is not None
        out.append(types.Diagnostic(
            range=doc.range_of(seg.truncation.offset, seg.end),
            message=truncation_message(analysis, seg),
            severity=sev,
            code="truncation",
            source=SOURCE,
            data={"tokens": seg.tokens, "maxLength": analysis.max_length,
                  "droppedTokens": seg.truncation.dropped_tokens, "segment": seg.index},
        ))
    return out


def _code(s: str) -> str:
    shown = s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    ticks = "``" if "`" in shown else "`"
    pad = " " if shown.startswith("`") or shown.endswith("`") or shown.startswith(" ") or shown.endswith(" ") else ""
    return f"{ticks}{pad}{shown}{pad}{ticks}" if shown else "`∅`"


def hover_markdown(tokens: list[TokenInfo], analysis: Analysis, doc: Document, prefix: list[str],
                   suffix: list[str]) -> str:
    """Markdown for the token(s) under the cursor; plain enough to read as text."""
    seg = analysis.segments[tokens[0].segment]
    lines = []
    for t in tokens:
        flags = []
        if t.unknown:
            flags.append("unknown (not in the vocabulary)")
        if t.special:
            flags.append("special")
        head = f"**{_code(t.piece)}** · id {t.id} · token {t.index} of {seg.tokens} · chars {t.start}–{t.end}"
        if t.text != t.piece:
            head += f" · text {_code(t.text)}"
        if flags:
            head += " · " + ", ".join(flags)
        lines.append(head)
    word = tokens[0].word
    if len(word) > 1:
        lines.append(f"word: {' '.join(_code(p) for p in word)} ({len(word)} tokens)")
    where = "" if analysis.mode == "document" else f"{analysis.mode} {seg.index + 1} · "
    specials = ""
    if prefix or suffix:
        specials = f" · input = {' '.join(prefix)} … {' '.join(suffix)}".replace("  ", " ")
    lines.append(f"{where}{analysis.model}{specials}")
    if any(t.truncated for t in tokens):
        lines.append(f"⚠ past the truncation point: the model reads only the first "
                     f"{analysis.max_length:,} tokens of this {_unit_name(analysis.mode)}")
    return "\n\n".join(lines)

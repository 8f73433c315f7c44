"""Core results → LSP objects: diagnostics, hover markdown and JSON ranges.

Positions come from :class:`~.document.Document` (the negotiated encoding); the wording of the
token-count and truncation messages comes from :mod:`tokls.core.analysis`, shared with the CLI.
"""

from __future__ import annotations

from lsprotocol import types

from ..core.analysis import Analysis, Segment, TokenInfo
from ..core.messages import budget_message, count_message, truncation_message
from .document import Document

__all__ = ["json_range", "token_count_diagnostic", "truncation_diagnostics", "too_large_diagnostic",
           "hover_markdown"]
__all__ += ["budget_diagnostics"]

SOURCE = "tokls"

_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}

_START = types.Range(start=types.Position(0, 0), end=types.Position(0, 0))


def json_range(doc: Document, start: int, end: int) -> dict:
    """The LSP range of code points ``start..end`` as plain JSON (for command results)."""
    r = doc.range_of(start, end)
    return {"start": {"line": r.start.line, "character": r.start.character},
            "end": {"line": r.end.line, "character": r.end.character}}


def token_count_diagnostic(analysis: Analysis, doc: Document, level: str) -> types.Diagnostic | None:
    """The document's token count at its start (``None`` when the severity is ``off``)."""
    severity = _SEVERITY.get(level)
    if severity is None:
        return None
    return types.Diagnostic(
        range=_START,
        message=count_message(analysis, lambda offset: doc.position_at(offset).line + 1),
        severity=severity,
        code="token-count",
        source=SOURCE,
        data={"tokens": analysis.tokens, "maxLength": analysis.max_length, "segments": len(analysis.segments),
              "model": analysis.model},
    )


def truncation_diagnostics(analysis: Analysis, doc: Document, level: str) -> list[types.Diagnostic]:
    """Two diagnostics per truncated segment: the cut (its first dropped token) at ``level``, and
    the dropped text, from the cut to the segment's end, as a faded hint (``Unnecessary``: editors
    draw it as they draw unreachable code, without a squiggle)."""
    severity = _SEVERITY.get(level)
    if severity is None:
        return []
    out = []
    for seg in analysis.truncated:
        cut = seg.truncation
        assert cut is not None
        # the first dropped token; at least one character when it is empty (a zero-width piece)
        cut_end = min(max(cut.token_end, cut.offset + 1), seg.end)
        data = {"tokens": seg.tokens, "maxLength": analysis.max_length, "droppedTokens": cut.dropped_tokens,
                "segment": seg.index}
        out.append(types.Diagnostic(
            range=doc.range_of(cut.offset, cut_end),
            message=truncation_message(analysis, seg),
            severity=severity, code="truncation", source=SOURCE, data=data,
        ))
        out.append(types.Diagnostic(
            range=doc.range_of(cut.offset, seg.end),
            message=(f"Not seen by the model: {cut.dropped_tokens:,} tokens past the "
                     f"{analysis.max_length:,}-token limit ({analysis.model})"),
            severity=types.DiagnosticSeverity.Hint, code="truncated-text", source=SOURCE,
            tags=[types.DiagnosticTag.Unnecessary], data=data,
        ))
    return out


def budget_diagnostics(analysis: Analysis, doc: Document, over: list[tuple[Segment, int]],
                       warn_at: float | None) -> list[types.Diagnostic]:
    """One warning per segment past ``tokls.budget.warnAt`` of the limit (see ``over_budget``)."""
    return [types.Diagnostic(
        range=doc.range_of(offset, seg.end), message=budget_message(analysis, seg, warn_at or 0),
        severity=types.DiagnosticSeverity.Warning, code="budget", source=SOURCE,
        data={"tokens": seg.tokens, "maxLength": analysis.max_length, "warnAt": warn_at, "segment": seg.index},
    ) for seg, offset in over]


def too_large_diagnostic(characters: int, limit: int, reason: str | None = None) -> types.Diagnostic:
    """``reason``: what is over which limit (default: the characters over tokls.maxDocumentSize)."""
    reason = reason or f"{characters:,} characters > tokls.maxDocumentSize ({limit:,})"
    return types.Diagnostic(
        range=_START,
        message=f"Not tokenized: {reason}. Raise the setting to analyse this document.",
        severity=types.DiagnosticSeverity.Information, code="too-large", source=SOURCE,
    )


#: longest token text and word split a hover quotes (a minified file can be one huge "word")
HOVER_TEXT_CHARS = 80
HOVER_WORD_PIECES = 16


def _clip(s: str, limit: int = HOVER_TEXT_CHARS) -> str:
    if len(s) <= limit:
        return s
    head = limit * 2 // 3
    return f"{s[:head]}…{s[len(s) - (limit - head - 1):]}"


def _code(s: str) -> str:
    shown = s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    ticks = "``" if "`" in shown else "`"
    pad = " " if shown.startswith("`") or shown.endswith("`") or shown.startswith(" ") or shown.endswith(" ") else ""
    return f"{ticks}{pad}{shown}{pad}{ticks}" if shown else "`∅`"


def _quote(s: str) -> str:
    """``s`` as inline code, clipped, with its length when clipped."""
    if len(s) <= HOVER_TEXT_CHARS:
        return _code(s)
    return f"{_code(_clip(s))} ({len(s):,} characters)"


def _span(start: types.Position, end: types.Position) -> str:
    """1-based ``Ln 3, Col 16–19`` (columns in the editor's units, as its status bar counts them)."""
    if start.line == end.line:
        cols = f"{start.character + 1}" if end.character - start.character <= 1 else \
            f"{start.character + 1}–{end.character}"
        return f"Ln {start.line + 1}, Col {cols}"
    return f"Ln {start.line + 1}, Col {start.character + 1} – Ln {end.line + 1}, Col {end.character}"


def _nth(pieces: list[str], first: int) -> str:
    """``[CLS] is token 1`` / ```<s>` `<x>` are tokens 1–2``."""
    names = " ".join(_code(p) for p in pieces)
    if len(pieces) == 1:
        return f"{names} is token {first:,}"
    return f"{names} are tokens {first:,}–{first + len(pieces) - 1:,}"


def _word(word: tuple[str, ...]) -> str:
    shown = [_code(p) for p in word[:HOVER_WORD_PIECES]]
    if len(word) > HOVER_WORD_PIECES:
        shown.append("…")
    return f"word: {' '.join(shown)} ({len(word):,} tokens)"


def hover_markdown(tokens: list[TokenInfo], analysis: Analysis, prefix: list[str], suffix: list[str],
                   doc: Document) -> str:
    """Markdown for the token(s) under the cursor; plain enough to read as text.

    Positions are 1-based: the token's place in the model input (special tokens counted) and
    its line and column in ``doc``. ``prefix`` and ``suffix`` are the pieces of the special
    tokens around every model input. Long texts and word splits are clipped.
    """
    seg = analysis.segments[tokens[0].segment]
    lines = []
    for t in tokens:
        if t.decoded != t.piece:  # a byte-level piece: the text first, the vocabulary entry beside it
            head = f"**{_code(chr(34) + t.decoded + chr(34))}** · piece {_code(t.piece)}"
        else:
            head = f"**{_code(t.piece)}**"
        head += (f" · id {t.id} · token {t.index + 1:,} of {seg.tokens:,} · "
                 f"{_span(doc.position_at(t.start), doc.position_at(t.end))}")
        if t.partial:
            head += f" · part of the multi-byte character {_quote(t.text)}"
        elif t.text not in (t.piece, t.decoded):
            head += f" · text {_quote(t.text)}"
        flags = []
        if t.unknown:
            flags.append("unknown (not in the vocabulary)")
        if t.special:
            flags.append("special")
        if flags:
            head += " · " + ", ".join(flags)
        lines.append(head)
    word = tokens[0].word
    if len(word) > 1:
        lines.append(_word(word))
    where = "" if analysis.segment == "document" else f"{analysis.segment} {seg.index + 1} · "
    limit = analysis.max_length
    cut = seg.truncation is not None and limit is not None
    last = limit if cut else seg.tokens  # where the suffix sits in what the model reads
    placed = []
    if prefix:
        placed.append(_nth(prefix, 1))
    if suffix:
        placed.append(_nth(suffix, last - len(suffix) + 1) + (" (the last one the model reads)" if cut else ""))
    specials = f"special tokens: {', '.join(placed)}" if placed else "no special tokens"
    lines.append(f"{where}{analysis.model} · {specials}")
    if cut and any(t.truncated for t in tokens):
        noun = analysis.segment if analysis.segment in ("line", "paragraph") else "input"
        kept = " + ".join([*prefix, f"{limit - len(prefix) - len(suffix):,} tokens of text", *suffix])
        lines.append(f"⚠ past the truncation point: the model reads only the first {limit:,} tokens of this "
                     f"{noun} ({kept}) and never sees this one")
    return "\n\n".join(lines)

"""Core results → LSP objects: diagnostics, hover markdown and JSON ranges.

Positions come from :class:`~.document.Document` (the negotiated encoding); the wording of the
token-count and truncation messages comes from :mod:`tokls.core.analysis`, shared with the CLI.
"""

from __future__ import annotations

from lsprotocol import types

from ..core.analysis import Analysis, TokenInfo, count_message, truncation_message
from .document import Document

__all__ = ["json_range", "token_count_diagnostic", "truncation_diagnostics", "too_large_diagnostic",
           "hover_markdown"]

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
    """One diagnostic per truncated segment, from the cut to the segment's end."""
    severity = _SEVERITY.get(level)
    if severity is None:
        return []
    out = []
    for seg in analysis.truncated:
        assert seg.truncation is not None
        out.append(types.Diagnostic(
            range=doc.range_of(seg.truncation.offset, seg.end),
            message=truncation_message(analysis, seg),
            severity=severity,
            code="truncation",
            source=SOURCE,
            data={"tokens": seg.tokens, "maxLength": analysis.max_length,
                  "droppedTokens": seg.truncation.dropped_tokens, "segment": seg.index},
        ))
    return out


def too_large_diagnostic(characters: int, limit: int, reason: str | None = None) -> types.Diagnostic:
    """``reason``: what is over which limit (default: the characters over tokls.maxDocumentSize)."""
    reason = reason or f"{characters:,} characters > tokls.maxDocumentSize ({limit:,})"
    return types.Diagnostic(
        range=_START,
        message=f"Not tokenized: {reason}. Raise the setting to analyse this document.",
        severity=types.DiagnosticSeverity.Information, code="too-large", source=SOURCE,
    )


def _code(s: str) -> str:
    shown = s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    ticks = "``" if "`" in shown else "`"
    pad = " " if shown.startswith("`") or shown.endswith("`") or shown.startswith(" ") or shown.endswith(" ") else ""
    return f"{ticks}{pad}{shown}{pad}{ticks}" if shown else "`∅`"


def hover_markdown(tokens: list[TokenInfo], analysis: Analysis, prefix: list[str], suffix: list[str]) -> str:
    """Markdown for the token(s) under the cursor; plain enough to read as text.

    ``prefix`` and ``suffix`` are the pieces of the special tokens around every model input.
    """
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
    where = "" if analysis.segment == "document" else f"{analysis.segment} {seg.index + 1} · "
    specials = ""
    if prefix or suffix:
        specials = f" · input = {' '.join(prefix)} … {' '.join(suffix)}".replace("  ", " ")
    lines.append(f"{where}{analysis.model}{specials}")
    if any(t.truncated for t in tokens):
        noun = analysis.segment if analysis.segment in ("line", "paragraph") else "input"
        lines.append(f"⚠ past the truncation point: the model reads only the first "
                     f"{analysis.max_length:,} tokens of this {noun}")
    return "\n\n".join(lines)

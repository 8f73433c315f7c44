"""Diagnostics of dataset records (``segment == "record"``): per-record counts and record problems.

A record's token count is a Hint at the end of its line (a 10,000-record file is not 10,000
problems in the list); a record that does not parse gets one Error on its line, a record without
the input field one Information. Truncation points come from the generic truncation diagnostics
(:func:`~.convert.truncation_diagnostics`), mapped to the exact character inside the string.
"""

from __future__ import annotations

from lsprotocol import types

from ..core.analysis import Analysis
from ..core.record_tokens import RecordAnalysis
from .document import Document

__all__ = ["record_diagnostics"]

SOURCE = "tokls"
_SEVERITY = {"invalid-record": types.DiagnosticSeverity.Error,
             "missing-field": types.DiagnosticSeverity.Information}


def record_diagnostics(analysis: Analysis, doc: Document, count_level: str) -> list[types.Diagnostic]:
    """Per-record count hints (unless ``severity.tokenCount`` is ``off``) and record problems;
    nothing for an analysis that is not by record."""
    if not isinstance(analysis, RecordAnalysis):
        return []
    out = []
    limit = analysis.max_length
    if count_level != "off":
        for seg in analysis.segments:
            end = doc.position_at(seg.end)
            share = f" · {seg.tokens / limit:.0%} of {limit:,}" if limit else ""
            out.append(types.Diagnostic(
                range=types.Range(start=end, end=end),
                message=f"{seg.tokens:,} tokens{share} (record {seg.index + 1})",
                severity=types.DiagnosticSeverity.Hint, code="record-tokens", source=SOURCE,
                data={"tokens": seg.tokens, "maxLength": limit, "segment": seg.index},
            ))
    for p in analysis.problems:
        out.append(types.Diagnostic(range=doc.range_of(p.start, p.end), message=p.message,
                                    severity=_SEVERITY[p.kind], code=p.kind, source=SOURCE))
    return out

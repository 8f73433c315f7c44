"""What tokls says about an analysis: the token-count line, the truncation and budget warnings,
and costs — one wording for the editor's diagnostics, the status bar and the CLI."""

from __future__ import annotations

from typing import Callable

from .analysis import Analysis, Segment

__all__ = ["format_cost", "count_message", "budget_message", "truncation_message"]


def format_cost(usd: float) -> str:
    """``$0.031``, ``$0.50``, ``$12.30``: two significant digits below a dollar, cents above."""
    if usd <= 0:
        return "$0"
    if usd < 1e-8:
        return "< $0.00000001"
    decimals = 2
    while usd < 10 ** (1 - decimals) and decimals < 8:
        decimals += 1
    return f"${usd:,.{decimals}f}"


def count_message(analysis: Analysis, line_of: Callable[[int], int]) -> str:
    """What the editor's token-count diagnostic, the status bar and `tokls check` say about a document.

    ``line_of(offset)`` gives the 1-based line of a code-point offset (for the longest segment).
    For a model name (with a context window from the catalogue) the share has one decimal and
    the input cost follows when the price is known:
    ``12,450 tokens · gpt-4o · 9.7% of 128,000 · ≈ $0.031 input``.
    """
    limit = analysis.max_length
    fine = analysis.context_window is not None or analysis.input_cost_per_token is not None
    cost = analysis.cost
    price = f" · ≈ {format_cost(cost)} input" if cost is not None else ""
    if analysis.segment == "document":
        seg = analysis.segments[0]
        share = (f"{seg.tokens / limit:.{1 if fine else 0}%} of {limit:,}") if limit else "no length limit"
        return f"{seg.tokens:,} tokens · {analysis.model} · {share}{price}"
    n = len(analysis.segments)
    if not n:
        return f"0 tokens · no non-blank {analysis.segment}s · {analysis.model}"
    longest = analysis.longest
    assert longest is not None
    share = f"{longest.tokens / limit:.{1 if fine else 0}%} of {limit:,}" if limit else "no length limit"
    over = len(analysis.truncated)
    tail = f" · {over} truncated" if over else ""
    return (f"{analysis.tokens:,} tokens in {n:,} {analysis.segment}s · longest {longest.tokens:,} "
            f"(line {line_of(longest.start)}, {share}) · {analysis.model}{tail}{price}")


def budget_message(analysis: Analysis, seg: Segment, warn_at: float) -> str:
    """What the editor's budget warning says about a segment past ``warn_at`` of its limit."""
    limit = analysis.max_length
    assert limit
    where = "" if analysis.segment == "document" else f", {analysis.segment} {seg.index + 1}"
    return (f"Budget: {seg.tokens:,} tokens = {seg.tokens / limit:.1%} of {limit:,} ({analysis.model}{where}), "
            f"past the {warn_at:.0%} warning; {limit - seg.tokens:,} tokens left before truncation")


def truncation_message(analysis: Analysis, seg: Segment) -> str:
    """What the editor's warning and `tokls check` say about a truncated segment."""
    assert seg.truncation is not None
    where = "" if analysis.segment == "document" else f", {analysis.segment} {seg.index + 1}"
    return (f"Truncated: {seg.tokens:,} tokens > {analysis.max_length:,} ({analysis.model}{where}); "
            f"{seg.truncation.dropped_tokens:,} tokens past here are dropped")

"""What a classification returns, and the one JSON form of it (the editor's and the CLI's).

:meth:`ClassificationResult.to_json` builds the object the language server's ``tokls.classify``
command returns (see docs/protocol.md); ``to_range(start, end)`` turns a window's code-point
offsets in the classified text into whatever the caller shows (an LSP range, a CLI span).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

__all__ = ["LabelScore", "WindowResult", "ClassificationResult", "scores_json"]


@dataclass(frozen=True)
class LabelScore:
    label: str
    score: float


@dataclass(frozen=True)
class WindowResult:
    start: int  # code-point offsets into the classified text
    end: int
    tokens: int  # special tokens included
    label: str
    score: float
    scores: tuple[LabelScore, ...]


@dataclass(frozen=True)
class ClassificationResult:
    text: str
    model: str
    label: str
    score: float
    scores: tuple[LabelScore, ...]  # every label, highest first
    multi_label: bool  # scores are independent sigmoids (multi-label or one-logit models)
    tokens: int  # the whole text as one sequence, special tokens included
    mode: str  # "window" | "truncate"
    aggregation: str | None  # "mean" over windows, None for a single window
    dropped_tokens: int  # tokens past the limit (truncate mode only)
    windows: tuple[WindowResult, ...]

    def to_json(self, to_range: Callable[[int, int], Any]) -> dict:
        """The result as JSON: ``model``, ``label``, ``score``, ``scores``, ``multiLabel``, ``tokens``,
        ``mode``, ``aggregation``, ``droppedTokens`` and ``windows`` (``range`` from ``to_range``,
        ``label``, ``score``, ``scores``, ``tokens``)."""
        return {
            "model": self.model,
            "label": self.label,
            "score": self.score,
            "scores": scores_json(self.scores),
            "multiLabel": self.multi_label,
            "tokens": self.tokens,
            "mode": self.mode,
            "aggregation": self.aggregation,
            "droppedTokens": self.dropped_tokens,
            "windows": [
                {
                    "range": to_range(w.start, w.end),
                    "label": w.label,
                    "score": w.score,
                    "scores": scores_json(w.scores),
                    "tokens": w.tokens,
                }
                for w in self.windows
            ],
        }


def scores_json(scores: Sequence[LabelScore]) -> list[dict]:
    """``[{"label", "score"}, ...]`` in the given order."""
    return [{"label": s.label, "score": s.score} for s in scores]

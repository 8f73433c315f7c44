"""One text, several models side by side: tokens, characters per token, share of each context
window, input cost, and which model would truncate it.

Shared by ``tokls compare`` and the LSP command ``tokls.compare``. The text is one model input
(special tokens included, as in the token-count diagnostic); a model that cannot be loaded gets a
row with its error instead of failing the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from .messages import format_cost
from .chunking import Chunked
from .tokenizers import LoadedTokenizer, TokenizerError

__all__ = ["DEFAULT_MODELS", "CompareRow", "compare", "parse_models", "table"]

#: what ``tokls compare`` and ``tokls.compare`` compare when no models are named
DEFAULT_MODELS: tuple[str, ...] = ("gpt-4o", "llama-3.1-8b", "mistral-large", "bert-base-uncased")


@dataclass(frozen=True)
class CompareRow:
    model: str
    preset: str | None  #: the preset a model name resolved to (the name itself for a preset)
    tokens: int | None  #: special tokens included; None when the model could not be loaded
    characters: int
    max_length: int | None  #: the context window (or the tokenizer's limit)
    cost: float | None  #: USD for the tokens as input, when the price is known
    dropped_tokens: int  #: tokens past ``max_length`` (0: not truncated)
    note: str = ""  #: how a model name was resolved
    error: str | None = None

    @property
    def chars_per_token(self) -> float | None:
        return self.characters / self.tokens if self.tokens else None

    @property
    def share(self) -> float | None:
        """Tokens as a fraction of ``max_length``."""
        return self.tokens / self.max_length if self.tokens is not None and self.max_length else None

    @property
    def truncated(self) -> bool:
        return self.dropped_tokens > 0

    def to_json(self) -> dict:
        return {"model": self.model, "preset": self.preset, "tokens": self.tokens, "characters": self.characters,
                "charsPerToken": self.chars_per_token, "maxLength": self.max_length, "share": self.share,
                "cost": self.cost, "truncated": self.truncated, "droppedTokens": self.dropped_tokens,
                "note": self.note, "error": self.error}


def parse_models(spec: str | Sequence[str] | None) -> list[str]:
    """``"gpt-4o, llama-3.1-8b"`` or a list → the names, in order, without blanks and repeats."""
    if spec is None:
        return list(DEFAULT_MODELS)
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    return list(dict.fromkeys(m.strip() for m in items if isinstance(m, str) and m.strip()))


def _row(name: str, tok: LoadedTokenizer, text: str) -> CompareRow:
    tokens = Chunked.encode(tok, text).total + tok.num_special
    limit = tok.max_length
    cost = tokens * tok.input_cost_per_token if tok.input_cost_per_token is not None else None
    dropped = max(tokens - limit, 0) if limit else 0
    return CompareRow(name, tok.preset or tok.name, tokens, len(text), limit, cost, dropped, tok.note)


def compare(text: str, models: Sequence[str], load: Callable[[str], LoadedTokenizer]) -> list[CompareRow]:
    """One row per model, in the order given (``load`` is the registry's ``get``)."""
    rows = []
    for name in models:
        try:
            rows.append(_row(name, load(name), text))
        except TokenizerError as exc:
            rows.append(CompareRow(name, None, None, len(text), None, None, 0, error=str(exc)))
    return rows


_HEADER = ("model", "preset", "tokens", "chars/token", "window", "% of window", "input cost", "truncates")


def table(rows: Sequence[CompareRow]) -> list[str]:
    """The rows as aligned text lines (header first); a failed model shows its error."""
    cells = [_HEADER]
    errors = []
    for r in rows:
        if r.error is not None:
            cells.append((r.model, "–", "–", "–", "–", "–", "–", "error"))
            errors.append(f"{r.model}: {r.error}")
            continue
        cells.append((
            r.model, r.preset or "–", f"{r.tokens:,}",
            f"{r.chars_per_token:.2f}" if r.chars_per_token is not None else "–",
            f"{r.max_length:,}" if r.max_length else "none",
            f"{r.share:.1%}" if r.share is not None else "–",
            f"≈ {format_cost(r.cost)}" if r.cost is not None else "–",
            f"yes (−{r.dropped_tokens:,})" if r.truncated else "no",
        ))
    widths = [max(len(c[i]) for c in cells) for i in range(len(_HEADER))]
    right = {2, 3, 4, 5, 6}
    lines = ["  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()
             for row in cells]
    return lines + errors

"""tokls settings: one typed tree with defaults.

The same tree comes from LSP ``initializationOptions``, from ``workspace/configuration``
(section ``tokls``), and the CLI takes its defaults from it. Keys are camelCase on the wire.

This module is the one source of the settings, their defaults, choices and minimums (declared on
the fields); ``package.json``, the client's ``settings.ts`` and ``docs/protocol.md`` repeat them,
and ``tests/core/test_settings.py`` fails when a copy disagrees. Invalid values never
stop anything: :func:`parse_settings` keeps the default for each invalid value and returns a list
of problems, each a sentence a user can act on.
"""

from __future__ import annotations

import math
import re
from dataclasses import Field, dataclass, field, fields, replace
from typing import Any, Iterator, Mapping

from .analysis import SEGMENTS as _TEXT_SEGMENTS
from .tokenizers import DEFAULT_MODEL

__all__ = ["SEVERITIES", "Settings", "BudgetSettings", "SeveritySettings", "ClassifierSettings", "SplitSettings",
           "parse_settings", "leaves", "Leaf"]

SEVERITIES = ("off", "hint", "information", "warning", "error")
LONG_TEXT_MODES = ("window", "truncate")
DEVICES = ("auto", "cpu", "cuda")
#: one model input per: document, paragraph, line, or dataset record (automatic for .jsonl/.ndjson/.csv/.tsv
#: files left at "document"; see tokls.core.record_tokens)
SEGMENTS = (*_TEXT_SEGMENTS, "record")
BACKEND_CHOICES = ("auto", "onnx", "torch")


def _choice(default: str, choices: tuple[str, ...]) -> Any:
    """A string setting that must be one of ``choices`` (compared case-insensitively)."""
    assert default in choices
    return field(default=default, metadata={"choices": choices})


def _integer(default: int | None, minimum: int, *, nullable: bool = False, maximum: int | None = None) -> Any:
    """An integer setting ≥ ``minimum`` (and ≤ ``maximum``; ``None`` allowed when ``nullable``)."""
    return field(default=default, metadata={"minimum": minimum, "nullable": nullable, "maximum": maximum})


#: the longest string setting accepted (a model name, a path); longer ones are invalid
MAX_STRING = 1000


def _fraction(default: float | None) -> Any:
    """A number from 0 to 1, or null (0 and null: off)."""
    return field(default=default, metadata={"fraction": True, "nullable": True})


@dataclass(frozen=True)
class BudgetSettings:
    warn_at: float | None = _fraction(0.8)


@dataclass(frozen=True)
class SeveritySettings:
    token_count: str = _choice("information", SEVERITIES)
    truncation: str = _choice("warning", SEVERITIES)


@dataclass(frozen=True)
class ClassifierSettings:
    model: str = "sentiment"
    long_text: str = _choice("window", LONG_TEXT_MODES)
    stride: int = _integer(128, 0)
    batch_size: int = _integer(32, 1)
    device: str = _choice("auto", DEVICES)
    backend: str = _choice("auto", BACKEND_CHOICES)

    endpoint: str | None = field(default=None, metadata={"url": True, "nullable": True})
    timeout_ms: int = _integer(30_000, 1)

@dataclass(frozen=True)
class DatasetSettings:
    #: the record's input: [] automatic, ["a"], ["a+b"] joined, ["question", "context"] a text pair
    fields: tuple[str, ...] = field(default=(), metadata={"kind": "fields"})


@dataclass(frozen=True)
class SplitSettings:
    #: what the split code action inserts at each cut, as written; "" the segment mode's own
    #: (a blank line in paragraph mode, a line break in line mode, ``---`` between blank lines
    #: in document mode: tokls.core.split.SEPARATORS)
    separator: str = field(default="", metadata={"kind": "separator"})


@dataclass(frozen=True)
class Settings:
    model: str = DEFAULT_MODEL
    max_length: int | None = _integer(None, 1, nullable=True)
    budget: BudgetSettings = field(default_factory=BudgetSettings)
    segment: str = _choice("document", SEGMENTS)
    severity: SeveritySettings = field(default_factory=SeveritySettings)
    debounce_ms: int = _integer(150, 0, maximum=10_000)
    max_document_size: int = _integer(5_000_000, 1)
    max_document_tokens: int = _integer(4_000_000, 1)
    exclude: tuple[str, ...] = ()
    classifier: ClassifierSettings = field(default_factory=ClassifierSettings)
    dataset: DatasetSettings = field(default_factory=DatasetSettings)
    show_tokens: bool = False  #: semantic tokens: colour the text token by token
    inlay_hints: bool = True  #: inlay hints: token counts at the end of each segment
    split: SplitSettings = field(default_factory=SplitSettings)


@dataclass(frozen=True)
class Leaf:
    """One setting as the wire sees it: dotted camelCase key, default, and its constraints."""

    key: str  #: e.g. ``severity.tokenCount``
    default: Any
    choices: tuple[str, ...] | None
    minimum: int | None
    nullable: bool
    maximum: int | None = None
    fraction: bool = False  #: a number from ``minimum`` 0 to ``maximum`` 1


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def leaves(cls: type = Settings, prefix: str = "") -> Iterator[Leaf]:
    """Every setting of ``cls``, nested groups flattened, in declaration order."""
    default = cls()
    for f in fields(cls):
        key = prefix + _camel(f.name)
        value = getattr(default, f.name)
        if hasattr(value, "__dataclass_fields__"):
            yield from leaves(type(value), key + ".")
        else:
            fraction = bool(f.metadata.get("fraction"))
            yield Leaf(key, value, f.metadata.get("choices"), 0 if fraction else f.metadata.get("minimum"),
                       bool(f.metadata.get("nullable")), 1 if fraction else f.metadata.get("maximum"), fraction)


def _check(path: str, f: Field, value: Any, default: Any, problems: list[str]) -> Any:
    """Validate one leaf; return the value to use."""
    choices = f.metadata.get("choices")
    minimum = f.metadata.get("minimum")
    nullable = bool(f.metadata.get("nullable"))
    maximum = f.metadata.get("maximum")

    def bad(expected: str) -> Any:
        shown = repr(value)
        if len(shown) > 60:  # a huge value is not echoed whole
            shown = f"{shown[:50]}… ({len(shown):,} characters)"
        problems.append(f"tokls.{path} = {shown} is invalid: expected {expected}; using {default!r}.")
        return default

    if f.metadata.get("fraction"):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            return bad("a number from 0 to 1 or null")
        return float(value)
    if choices is not None:
        if isinstance(value, str) and value.strip().lower() in choices:
            return value.strip().lower()
        return bad("one of " + ", ".join(repr(c) for c in choices))
    if minimum is not None:
        if nullable and value is None:
            return None
        expected = f"an integer ≥ {minimum}" + (f" and ≤ {maximum}" if maximum is not None else "")
        if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
                or value != int(value)):
            return bad(expected + (" or null" if nullable else ""))
        if value < minimum or (maximum is not None and value > maximum):
            return bad(expected)
        return int(value)
    if isinstance(default, bool):
        return value if isinstance(value, bool) else bad("true or false")
    if f.metadata.get("url"):  # an http(s) URL, or null / "" for none
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str) and re.fullmatch(r"https?://[^\s/]+(/\S*)?", value.strip()):
            return value.strip().rstrip("/")
        return bad("an http:// or https:// URL, or null")
    if isinstance(default, tuple):
        if isinstance(value, str):
            value = [value]
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
        return bad("a list of field names" if f.metadata.get("kind") == "fields" else "a list of glob patterns")
    if f.metadata.get("kind") == "separator":  # any text, kept as written (whitespace too); "" the default
        if not isinstance(value, str):
            return bad('a string (the text inserted at each cut; "" for the segment mode\'s own)')
        if len(value) > MAX_STRING:
            return bad(f"a string of at most {MAX_STRING:,} characters")
        return value
    if isinstance(default, str):
        if not isinstance(value, str) or not value.strip():
            return bad("a non-empty string")
        if len(value.strip()) > MAX_STRING:
            return bad(f"a string of at most {MAX_STRING:,} characters")
        return value.strip()
    return value


def _parse(cls: type, raw: Any, prefix: str, problems: list[str]) -> Any:
    default = cls()
    if raw is None:
        return default
    if not isinstance(raw, Mapping):
        problems.append(f"tokls{'.' + prefix if prefix else ''} must be an object, got {type(raw).__name__}; using defaults.")
        return default
    known = {}
    for f in fields(cls):
        key = _camel(f.name)
        current = getattr(default, f.name)
        if key not in raw:
            continue
        path = f"{prefix}.{key}" if prefix else key
        if hasattr(current, "__dataclass_fields__"):
            known[f.name] = _parse(type(current), raw[key], path, problems)
        else:
            known[f.name] = _check(path, f, raw[key], current, problems)
    # Unknown keys are ignored: editors send client-only settings (interpreter, trace) along.
    return replace(default, **known)


def parse_settings(raw: Any) -> tuple[Settings, list[str]]:
    """Settings from a JSON-like tree (optionally wrapped as ``{"tokls": {...}}``)."""
    if isinstance(raw, Mapping) and set(raw) == {"tokls"}:
        raw = raw["tokls"]
    problems: list[str] = []
    settings = _parse(Settings, raw, "", problems)
    return settings, problems

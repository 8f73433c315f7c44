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

import re
from dataclasses import Field, dataclass, field, fields, replace
from typing import Any, Iterator, Mapping

from .analysis import SEGMENTS
from .tokenizers import DEFAULT_MODEL

__all__ = ["SEVERITIES", "Settings", "SeveritySettings", "ClassifierSettings", "parse_settings", "leaves",
           "Leaf"]

SEVERITIES = ("off", "hint", "information", "warning", "error")
LONG_TEXT_MODES = ("window", "truncate")
DEVICES = ("auto", "cpu", "cuda")


def _choice(default: str, choices: tuple[str, ...]) -> Any:
    """A string setting that must be one of ``choices`` (compared case-insensitively)."""
    assert default in choices
    return field(default=default, metadata={"choices": choices})


def _integer(default: int | None, minimum: int, *, nullable: bool = False) -> Any:
    """An integer setting ≥ ``minimum`` (``None`` allowed when ``nullable``)."""
    return field(default=default, metadata={"minimum": minimum, "nullable": nullable})


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
    endpoint: str | None = field(default=None, metadata={"url": True, "nullable": True})
    timeout_ms: int = _integer(30_000, 1)


@dataclass(frozen=True)
class Settings:
    model: str = DEFAULT_MODEL
    max_length: int | None = _integer(None, 1, nullable=True)
    segment: str = _choice("document", SEGMENTS)
    severity: SeveritySettings = field(default_factory=SeveritySettings)
    debounce_ms: int = _integer(150, 0)
    max_document_size: int = _integer(5_000_000, 1)
    exclude: tuple[str, ...] = ()
    classifier: ClassifierSettings = field(default_factory=ClassifierSettings)


@dataclass(frozen=True)
class Leaf:
    """One setting as the wire sees it: dotted camelCase key, default, and its constraints."""

    key: str  #: e.g. ``severity.tokenCount``
    default: Any
    choices: tuple[str, ...] | None
    minimum: int | None
    nullable: bool


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
            yield Leaf(key, value, f.metadata.get("choices"), f.metadata.get("minimum"),
                       bool(f.metadata.get("nullable")))


def _check(path: str, f: Field, value: Any, default: Any, problems: list[str]) -> Any:
    """Validate one leaf; return the value to use."""
    choices = f.metadata.get("choices")
    minimum = f.metadata.get("minimum")
    nullable = bool(f.metadata.get("nullable"))

    def bad(expected: str) -> Any:
        problems.append(f"tokls.{path} = {value!r} is invalid: expected {expected}; using {default!r}.")
        return default

    if choices is not None:
        if isinstance(value, str) and value.strip().lower() in choices:
            return value.strip().lower()
        return bad("one of " + ", ".join(repr(c) for c in choices))
    if minimum is not None:
        if nullable and value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            return bad(f"an integer ≥ {minimum}" + (" or null" if nullable else ""))
        if value < minimum:
            return bad(f"an integer ≥ {minimum}")
        return int(value)
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
        return bad("a list of glob patterns")
    if isinstance(default, str):
        if isinstance(value, str) and value.strip():
            return value.strip()
        return bad("a non-empty string")
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

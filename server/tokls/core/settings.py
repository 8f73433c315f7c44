"""tokls settings: one typed tree with defaults.

The same tree comes from LSP ``initializationOptions``, from ``workspace/configuration``
(section ``tokls``), and from the CLI flags. Keys are camelCase on the wire. Invalid values never
stop anything: :func:`parse_settings` keeps the default for each invalid value and returns a list
of problems, each a sentence a user can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping

from .analysis import MODES

__all__ = ["SEVERITIES", "Settings", "SeveritySettings", "ClassifierSettings", "parse_settings"]

SEVERITIES = ("off", "hint", "information", "warning", "error")
LONG_TEXT_MODES = ("window", "truncate")
DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class SeveritySettings:
    token_count: str = "information"
    truncation: str = "warning"


@dataclass(frozen=True)
class ClassifierSettings:
    model: str = "sentiment"
    long_text: str = "window"
    stride: int = 128
    batch_size: int = 32
    device: str = "auto"


@dataclass(frozen=True)
class Settings:
    model: str = "bert-base-uncased"
    max_length: int | None = None
    segment: str = "document"
    severity: SeveritySettings = field(default_factory=SeveritySettings)
    debounce_ms: int = 150
    max_document_size: int = 5_000_000
    exclude: tuple[str, ...] = ()
    classifier: ClassifierSettings = field(default_factory=ClassifierSettings)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _check(path: str, value: Any, default: Any, problems: list[str]) -> Any:
    """Validate one leaf; return the value to use."""
    choices = {
        "segment": MODES,
        "severity.tokenCount": SEVERITIES,
        "severity.truncation": SEVERITIES,
        "classifier.longText": LONG_TEXT_MODES,
        "classifier.device": DEVICES,
    }.get(path)
    minimum = {"maxLength": 1, "debounceMs": 0, "maxDocumentSize": 1, "classifier.stride": 0,
               "classifier.batchSize": 1}.get(path)

    def bad(expected: str) -> Any:
        problems.append(f"tokls.{path} = {value!r} is invalid: expected {expected}; using {default!r}.")
        return default

    if choices is not None:
        if isinstance(value, str) and value.strip().lower() in choices:
            return value.strip().lower()
        return bad("one of " + ", ".join(repr(c) for c in choices))
    if minimum is not None:
        if path == "maxLength" and value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            return bad(f"an integer ≥ {minimum}" + (" or null" if path == "maxLength" else ""))
        if value < minimum:
            return bad(f"an integer ≥ {minimum}")
        return int(value)
    if path == "exclude":
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
            known[f.name] = _check(path, raw[key], current, problems)
    # Unknown keys are ignored: editors send client-only settings (interpreter, trace) along.
    return replace(default, **known)


def parse_settings(raw: Any) -> tuple[Settings, list[str]]:
    """Settings from a JSON-like tree (optionally wrapped as ``{"tokls": {...}}``)."""
    if isinstance(raw, Mapping) and set(raw) == {"tokls"}:
        raw = raw["tokls"]
    problems: list[str] = []
    settings = _parse(Settings, raw, "", problems)
    return settings, problems

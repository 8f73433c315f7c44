"""Per-document settings written in the document itself, and regions excluded from counting.

- YAML front matter (a first line ``---``, up to the next ``---`` or ``...`` line) with a
  ``tokls:`` key, as a flow mapping (``tokls: {model: gpt-4o, maxLength: 8000, segment: paragraph}``)
  or as a block of indented ``key: value`` lines below ``tokls:``;
- a magic comment on a line of its own, anywhere, after an optional comment marker
  (``# tokls: model=llama-3 maxLength=4096``, ``<!-- tokls: segment=line -->``, ``// …``, ``% …``);
- ``tokls: off`` … ``tokls: on`` (magic comments too): the lines from the one to the other are not
  counted (up to the end of the document when ``on`` is missing).

Only ``model``, ``maxLength`` and ``segment`` may be set; the values are checked like the workspace
settings (:func:`~.settings.parse_settings`), and each problem is reported with the span of the
line that caused it. A later directive overrides an earlier one.

:func:`document_settings` is the one rule for what applies to a document — the editor's
diagnostics, its workspace view and ``tokls check`` all go through it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from .settings import Settings, parse_settings

__all__ = ["KEYS", "Directives", "DocumentSettings", "parse_directives", "document_settings", "mask"]

#: the settings a document may override: wire key → Settings field
KEYS = {"model": "model", "maxLength": "max_length", "segment": "segment"}

_FRONT_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)
_MAGIC = re.compile(r"^[ \t]*(?:#+|//+|<!--|/\*+|%+|--|;+|\.\.|\{#)?[ \t]*tokls:[ \t]*(.*?)[ \t]*"
                    r"(?:-->|\*/|#\})?[ \t]*$", re.M)
_PAIR = re.compile(r"([A-Za-z_]\w*)=(\"[^\"]*\"|'[^']*'|\S+)")
_NULLS = {"null", "none", "~"}


@dataclass(frozen=True)
class Directives:
    #: wire key → (value, (start, end) of the line that set it), valid values only
    settings: dict[str, tuple[Any, tuple[int, int]]]
    #: (start, end) code-point spans not counted
    excluded: tuple[tuple[int, int], ...] = ()
    #: (start, end, message) of each invalid directive
    problems: tuple[tuple[int, int, str], ...] = ()

    def apply(self, settings: Settings) -> Settings:
        """``settings`` with this document's overrides."""
        if not self.settings:
            return settings
        return replace(settings, **{KEYS[k]: v for k, (v, _span) in self.settings.items()})

    def line_of(self, key: str) -> tuple[int, int] | None:
        got = self.settings.get(key)
        return got[1] if got else None


NONE = Directives({})


def _scalar(raw: str) -> Any:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    if raw.lower() in _NULLS:
        return None
    if re.fullmatch(r"-?\d+", raw):
        return int(raw)
    return raw


class _Collector:
    def __init__(self) -> None:
        self.settings: dict[str, tuple[Any, tuple[int, int]]] = {}
        self.problems: list[tuple[int, int, str]] = []

    def add(self, key: str, value: Any, span: tuple[int, int]) -> None:
        if key not in KEYS:
            self.problems.append((*span, f"tokls: unknown key {key!r}; expected one of {', '.join(KEYS)}."))
            return
        parsed, problems = parse_settings({key: value})
        if problems:
            message = re.sub(r"; using .*\.$", "; using the workspace setting.", problems[0])
            self.problems.append((*span, message))
            return
        self.settings[key] = (getattr(parsed, KEYS[key]), span)


def _front_matter(text: str, out: _Collector) -> int:
    """Read the front matter's ``tokls`` key; return where the front matter ends (0: none)."""
    first = re.match(r"---[ \t]*(?:\r\n|\r|\n)", text)
    if not first:
        return 0
    close = _FRONT_END.search(text, first.end())
    if not close:
        return 0
    lines = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[^\r\n]*", text[:close.start()])
             if m.start() >= first.end() and (m.start() == 0 or text[m.start() - 1] in "\r\n")]
    for i, (a, b, line) in enumerate(lines):
        m = re.fullmatch(r"tokls:[ \t]*(.*?)[ \t]*(?:#.*)?", line)
        if not m:
            continue
        body = m.group(1)
        if body.startswith("{") and body.endswith("}"):
            for item in filter(None, (p.strip() for p in body[1:-1].split(","))):
                key, sep, value = item.partition(":")
                if not sep:
                    out.problems.append((a, b, f"tokls: expected key: value, got {item!r}."))
                else:
                    out.add(key.strip(), _scalar(value), (a, b))
        elif body:
            out.problems.append((a, b, "tokls: expected a mapping, e.g. tokls: {model: gpt2, maxLength: 1024}."))
        else:
            for c, d, sub in lines[i + 1:]:
                if not sub[:1].isspace():
                    break
                key, sep, value = sub.strip().partition(":")
                if sub.strip() and not sub.strip().startswith("#"):
                    if sep:
                        out.add(key.strip(), _scalar(value), (c, d))
                    else:
                        out.problems.append((c, d, f"tokls: expected key: value, got {sub.strip()!r}."))
    return close.end()


def parse_directives(text: str) -> Directives:
    """The directives of ``text`` (cheap when it has none: one substring search)."""
    if "tokls:" not in text:
        return NONE
    out = _Collector()
    skip = _front_matter(text, out)
    excluded: list[tuple[int, int]] = []
    off: int | None = None
    for m in _MAGIC.finditer(text, skip):
        span, body = m.span(), m.group(1)
        if body.lower() == "off":
            off = span[0] if off is None else off
        elif body.lower() == "on":
            if off is not None:
                excluded.append((off, span[1]))
                off = None
        elif off is not None:
            continue  # inside an excluded region
        elif body.startswith("{"):
            continue  # a front-matter style line outside front matter: not ours
        else:
            pairs = list(_PAIR.finditer(body))
            if not pairs or _PAIR.sub("", body).strip():
                out.problems.append((*span, f"tokls: expected key=value pairs (model=…, maxLength=…, segment=…) "
                                            f"or off/on, got {body!r}."))
                continue
            for p in pairs:
                out.add(p.group(1), _scalar(p.group(2)), span)
    if off is not None:
        excluded.append((off, len(text)))
    return Directives(out.settings, tuple(excluded), tuple(out.problems))


def mask(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """``text`` with the characters of ``spans`` blanked (spaces; line breaks kept), so that
    offsets and lines stay where they are and the blanked lines read as blank."""
    if not spans:
        return text
    parts, last = [], 0
    for a, b in spans:
        parts += [text[last:a], re.sub(r"[^\r\n]", " ", text[a:b])]
        last = b
    parts.append(text[last:])
    return "".join(parts)


@dataclass(frozen=True)
class DocumentSettings:
    """What applies to one document."""

    #: the given settings (the workspace's, or ``tokls check``'s flags) with the document's overrides
    settings: Settings
    #: the text as counted: excluded regions blanked, offsets and lines where they were
    text: str
    #: the directives themselves: the line of each override, the problems
    directives: Directives


def document_settings(text: str, settings: Settings, directives: Directives | None = None) -> DocumentSettings:
    """The effective settings of the document ``text`` under ``settings``: its directives override
    ``model``, ``maxLength`` and ``segment``, and its ``tokls: off`` regions are blanked.
    ``directives``: already parsed from ``text`` (the server keeps them per text)."""
    if directives is None:
        directives = parse_directives(text)
    return DocumentSettings(directives.apply(settings), mask(text, directives.excluded), directives)

"""Chat records (``messages: [{role, content}, …]``) as the text a model reads.

Where the tokenizer ships a chat template (``chat_template`` in its ``tokenizer_config.json``) the
conversation is rendered with it (Jinja2, sandboxed), so a count includes the template's tokens;
otherwise as plain ``role: content`` lines, and :func:`chat_renderer` says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from .tokenizers import LoadedTokenizer

__all__ = ["ChatRenderer", "chat_renderer", "find_chat_template", "plain_chat"]

#: renders a list of messages; returns the text and, per message, where its content sits in it:
#: ``(text_start, content_start, length)`` — ``text[text_start:][:length]`` is
#: ``content[content_start:][:length]`` (a template may trim the content) — or None
ChatRenderer = Callable[[list], "tuple[str, list[tuple[int, int, int] | None]]"]


def _config_folders(tok: LoadedTokenizer) -> list[Path]:
    folders = []
    source = Path(tok.source)
    if source.is_dir():
        folders.append(source)
    try:
        from .vocab.presets import PRESETS, preset_sources

        if tok.name in PRESETS:
            folders.append(preset_sources(tok.name)[0].parent)
    except Exception:  # noqa: BLE001 - a missing vocabulary package only means: no template
        pass
    return folders


def find_chat_template(tok: LoadedTokenizer) -> tuple[str, dict] | None:
    """The tokenizer's chat template and its ``tokenizer_config.json`` (None: it ships none)."""
    for folder in _config_folders(tok):
        path = folder / "tokenizer_config.json"
        try:
            config = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        template = config.get("chat_template")
        if isinstance(template, list):  # [{"name": "default", "template": "…"}, …]
            named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
            template = named.get("default") or next(iter(named.values()), None)
        if isinstance(template, str) and template.strip():
            return template, config
    return None


def _content(message: Any) -> str:
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, list):  # [{"type": "text", "text": "…"}]
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def plain_chat(messages: list) -> tuple[str, list[tuple[int, int, int] | None]]:
    """``role: content`` lines."""
    parts, spans, pos = [], [], 0
    for m in messages:
        role = str(m.get("role", "")) if isinstance(m, dict) else ""
        head = f"{role}: "
        content = _content(m)
        spans.append((pos + len(head), 0, len(content)))
        parts.append(head + content)
        pos += len(head) + len(content) + 1
    return "\n".join(parts), spans


def _special(config: dict, key: str) -> str:
    value = config.get(key)
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else ""


def _templated(template: str, config: dict) -> ChatRenderer:
    from jinja2.exceptions import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise TemplateError(message)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = raise_exception
    compiled = env.from_string(template)
    extra = {k: _special(config, k) for k in ("bos_token", "eos_token", "unk_token", "pad_token")}

    def render(messages: list) -> tuple[str, list[tuple[int, int, int] | None]]:
        text = compiled.render(messages=messages, add_generation_prompt=False, **extra)
        spans: list[tuple[int, int, int] | None] = []
        pos = 0
        for m in messages:
            content = _content(m)
            for candidate in (content, content.strip()):
                at = text.find(candidate, pos) if candidate else -1
                if at >= 0:
                    shift = content.find(candidate) if candidate is not content else 0
                    spans.append((at, shift, len(candidate)))
                    pos = at + len(candidate)
                    break
            else:
                spans.append(None)
        return text, spans

    return render


def chat_renderer(tok: LoadedTokenizer) -> tuple[ChatRenderer, str]:
    """How chat records are rendered for ``tok``, and a line saying which way."""
    found = find_chat_template(tok)
    if found is not None:
        try:
            return _templated(*found), f"chat records rendered with {tok.name}'s chat template"
        except Exception as exc:  # noqa: BLE001 - a template jinja cannot compile
            return plain_chat, f"{tok.name}'s chat template failed to load ({exc}); chat records as 'role: content' lines"
    return plain_chat, f"{tok.name} ships no chat template; chat records rendered as 'role: content' lines"

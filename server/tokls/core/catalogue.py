"""Model names → tokenizer preset, context window and input price.

People name models ("gpt-4o", "llama-3.1-8b"), not encodings. :func:`resolve` maps a name to

- a preset of :mod:`tokls.core.vocab` (or ``gpt2``): for OpenAI models by tiktoken's own model
  table (re-stated below and checked against ``tiktoken.model`` by the tests), for other
  families by name rules (Llama 3, Mistral, Qwen, DeepSeek);
- the context window and the input price per token from LiteLLM's catalogue
  (``model_prices_and_context_window_backup.json`` inside the ``litellm`` wheel, read as JSON;
  litellm is never imported). A name the catalogue lacks is matched to its closest entry
  (``mistral-large`` → ``mistral/mistral-large-latest``), and the entry's ``note`` says which.

Without the litellm package the presets still resolve, without window or price.
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = [
    "CATALOGUE_REQUIREMENT",
    "CatalogueEntry",
    "MODEL_PREFIX_TO_ENCODING",
    "MODEL_TO_ENCODING",
    "NO_RULE",
    "catalogue_available",
    "is_listed",
    "resolve",
    "search",
]

CATALOGUE_REQUIREMENT = "litellm==1.110.2"
_CATALOGUE_FILE = "model_prices_and_context_window_backup.json"
#: what :func:`preset_for` says about a name no rule knows
NO_RULE = "no tokenizer rule for this model family"
_MODES = {"chat", "completion", "responses", "embedding", None}

# tiktoken 0.14's tiktoken/model.py: exact names first, then prefixes in this order.
MODEL_TO_ENCODING: dict[str, str] = {
    **dict.fromkeys(["o1", "o3", "o4-mini", "gpt-5", "gpt-4.1", "gpt-4o"], "o200k_base"),
    **dict.fromkeys(["gpt-4", "gpt-3.5-turbo", "gpt-3.5", "gpt-35-turbo", "davinci-002", "babbage-002",
                     "text-embedding-ada-002", "text-embedding-3-small", "text-embedding-3-large"], "cl100k_base"),
    **dict.fromkeys(["text-davinci-003", "text-davinci-002", "code-davinci-002", "code-davinci-001",
                     "code-cushman-002", "code-cushman-001", "davinci-codex", "cushman-codex"], "p50k_base"),
    **dict.fromkeys(["text-davinci-001", "text-curie-001", "text-babbage-001", "text-ada-001", "davinci",
                     "curie", "babbage", "ada", "text-similarity-davinci-001", "text-similarity-curie-001",
                     "text-similarity-babbage-001", "text-similarity-ada-001", "text-search-davinci-doc-001",
                     "text-search-curie-doc-001", "text-search-babbage-doc-001", "text-search-ada-doc-001",
                     "code-search-babbage-code-001", "code-search-ada-code-001"], "r50k_base"),
    **dict.fromkeys(["text-davinci-edit-001", "code-davinci-edit-001"], "p50k_edit"),
    **dict.fromkeys(["gpt2", "gpt-2"], "gpt2"),
}
MODEL_PREFIX_TO_ENCODING: dict[str, str] = {
    **dict.fromkeys(["o1-", "o3-", "o4-mini-", "gpt-5", "gpt-4.5-", "gpt-4.1-", "chatgpt-4o-", "gpt-4o-"],
                    "o200k_base"),
    **dict.fromkeys(["gpt-4-", "gpt-3.5-turbo-", "gpt-35-turbo-"], "cl100k_base"),
    "gpt-oss-": "o200k_harmony",
    "ft:gpt-4o": "o200k_base",
    **dict.fromkeys(["ft:gpt-4", "ft:gpt-3.5-turbo", "ft:davinci-002", "ft:babbage-002"], "cl100k_base"),
}

# tiktoken encoding → tokls preset (and why, where it is not the same vocabulary name).
_ENCODING_PRESET: dict[str, tuple[str | None, str]] = {
    "o200k_base": ("o200k_base", ""),
    "cl100k_base": ("cl100k_base", ""),
    "o200k_harmony": ("o200k_base", "o200k_harmony is o200k_base plus chat-format special tokens"),
    "r50k_base": ("gpt2", "r50k_base is GPT-2's vocabulary"),
    "gpt2": ("gpt2", ""),
    "p50k_base": (None, "p50k_base (old Codex/davinci models) has no preset"),
    "p50k_edit": (None, "p50k_edit (old edit models) has no preset"),
}

# Family rules for other models: (regex on the lowercased name, preset, reason).
_MISTRAL_V3 = re.compile(
    r"mistral-7b|mixtral|mistral-tiny|mistral-small-2402|mistral-large-2402|mistral-medium-2312|"
    r"codestral-22b|codestral-2405|codestral-mamba|mathstral"
)
_FAMILY_RULES: list[tuple[re.Pattern[str], str | None, str]] = [
    (re.compile(r"gpt-oss"), "o200k_base", "gpt-oss uses o200k_harmony, o200k_base plus chat-format specials"),
    (re.compile(r"llama[-_ .]?3(?![\d])"), "llama-3", "Llama 3.x models share one 128K-token vocabulary"),
    (re.compile(r"deepseek"), "deepseek", "DeepSeek V3/R1 vocabulary (deepseek-chat, deepseek-reasoner)"),
    (re.compile(r"qwen|qwq"), "qwen", "Qwen models share the 151K-token Qwen vocabulary"),
    (_MISTRAL_V3, "mistral-v3",
     "older Mistral models (7B, Mixtral, 2402 releases) use the SentencePiece vocabulary (v1 models: same pieces, other ids)"),
    (re.compile(r"mistral|ministral|pixtral|codestral|magistral|devstral|voxtral|nemo"), "mistral-tekken",
     "Mistral models since NeMo (2407) use the Tekken vocabulary"),
    (re.compile(r"claude|anthropic"), None, "no public tokenizer exists for Claude 3 and later"),
    (re.compile(r"gemini"), None, "no public tokenizer exists for Gemini"),
]
# The first-party provider of a family, preferred when a name matches several catalogue entries.
_HOME_PROVIDER = {"o200k_base": "openai", "cl100k_base": "openai", "mistral-tekken": "mistral",
                  "mistral-v3": "mistral", "deepseek": "deepseek", "qwen": "dashscope", "llama-3": "meta_llama"}


@dataclass(frozen=True)
class CatalogueEntry:
    name: str  # the catalogue's key, or the name as given when the catalogue has none
    preset: str | None  # None: no tokenizer for this model; the user must name a preset
    context_window: int | None
    input_cost_per_token: float | None
    provider: str | None
    note: str  # how the preset (and the catalogue entry) were chosen


def _catalogue_path() -> Path | None:
    try:
        spec = importlib.util.find_spec("litellm")
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / _CATALOGUE_FILE
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, tuple[str, dict]]:
    """Lowercased key → (key, record), for the models that take text."""
    path = _catalogue_path()
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, tuple[str, dict]] = {}
    for key, record in data.items():
        if key == "sample_spec" or not isinstance(record, dict) or record.get("mode") not in _MODES:
            continue
        out.setdefault(key.lower(), (key, record))
    return out


def catalogue_available() -> bool:
    return bool(_catalogue())


def is_listed(name: str) -> bool:
    """Whether LiteLLM's catalogue has an entry of exactly this name (case-insensitive)."""
    return name.strip().lower() in _catalogue()


def _base(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _openai_encoding(base: str) -> str | None:
    if base in MODEL_TO_ENCODING:
        return MODEL_TO_ENCODING[base]
    for prefix, encoding in MODEL_PREFIX_TO_ENCODING.items():
        if base.startswith(prefix):
            return encoding
    return None


def preset_for(name: str) -> tuple[str | None, str]:
    """The preset for a model name, and the rule that chose it."""
    low = name.strip().lower()
    encoding = _openai_encoding(_base(low))
    if encoding is not None:
        preset, why = _ENCODING_PRESET.get(encoding, (None, f"{encoding} has no preset"))
        reason = f"tiktoken maps {_base(low)} to {encoding}" + (f"; {why}" if why else "")
        return preset, reason
    for pattern, preset, why in _FAMILY_RULES:
        if pattern.search(low):
            return preset, why
    return None, NO_RULE


def _window(record: dict) -> int | None:
    for key in ("max_input_tokens", "max_tokens"):
        value = record.get(key)
        if isinstance(value, (int, float)) and value > 0:
            return int(value)
    return None


def _cost(record: dict) -> float | None:
    value = record.get("input_cost_per_token")
    return float(value) if isinstance(value, (int, float)) else None


def _closest(low: str, catalogue: dict[str, tuple[str, dict]], preset: str | None) -> tuple[str, dict] | None:
    """The catalogue entry a name most likely means: same last path segment, or that segment
    followed by a variant suffix (``-latest``, ``-instruct``…). First-party providers come
    first, then the closest name, then entries with a price."""
    home = _HOME_PROVIDER.get(preset or "")
    best, best_rank = None, None
    for key_low, (key, record) in catalogue.items():
        base = _base(key_low)
        if base == low:
            closeness = 0
        elif base.startswith(low) and base[len(low)] in "-:@.":
            closeness = 1
        elif base.startswith(f"meta-{low}-") or base == f"meta-{low}":
            closeness = 2
        else:
            continue
        rank = (
            0 if record.get("litellm_provider") == home else 1,
            closeness,
            0 if _cost(record) is not None else 1,
            0 if record.get("mode") == "chat" else 1,
            0 if base.endswith("-latest") else 1,
            len(base), key,
        )
        if best_rank is None or rank < best_rank:
            best, best_rank = (key, record), rank
    return best


def resolve(name: str) -> CatalogueEntry:
    """What tokls knows about a model name (see the module's docstring)."""
    query = name.strip()
    low = query.lower()
    catalogue = _catalogue()
    preset, why = preset_for(query)
    hit = catalogue.get(low)
    notes = []
    if hit is None and catalogue:
        hit = _closest(low, catalogue, preset)
        if hit is not None:
            notes.append(f"no catalogue entry named '{query}': window and price of '{hit[0]}'")
    if hit is not None and preset is None:
        preset, why = preset_for(hit[0])
    if preset is None:
        notes.append(f"no tokenizer preset: {why}; name a preset instead")
    else:
        notes.append(f"preset {preset}: {why}")
    if hit is None:
        notes.append("not in LiteLLM's catalogue: no context window or price" if catalogue else
                     f"LiteLLM's catalogue is not installed (pip install --no-deps {CATALOGUE_REQUIREMENT})")
        return CatalogueEntry(query, preset, None, None, None, "; ".join(notes))
    key, record = hit
    return CatalogueEntry(key, preset, _window(record), _cost(record), record.get("litellm_provider"), "; ".join(notes))


def search(filter: str = "") -> list[CatalogueEntry]:  # noqa: A002 - the CLI's word
    """Catalogue entries whose name contains ``filter`` (case-insensitive), by name."""
    needle = filter.strip().lower()
    out = []
    for key_low, (key, record) in sorted(_catalogue().items()):
        if needle in key_low:
            preset, why = preset_for(key)
            note = f"preset {preset}: {why}" if preset else f"no tokenizer preset: {why}"
            out.append(CatalogueEntry(key, preset, _window(record), _cost(record), record.get("litellm_provider"), note))
    return out

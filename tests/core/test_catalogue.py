"""The model catalogue: tiktoken's model table, LiteLLM's windows and prices, family rules."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import tiktoken.model

from tokls.core import catalogue
from tokls.core.catalogue import resolve, search
from tokls.core.vocab import PRESET_NAMES


def _litellm_json() -> dict:
    spec = importlib.util.find_spec("litellm")
    path = Path(next(iter(spec.submodule_search_locations))) / "model_prices_and_context_window_backup.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_openai_rules_are_tiktokens():
    assert catalogue.MODEL_TO_ENCODING == tiktoken.model.MODEL_TO_ENCODING
    # Prefixes are tried in order: the order matters too.
    assert list(catalogue.MODEL_PREFIX_TO_ENCODING.items()) == list(tiktoken.model.MODEL_PREFIX_TO_ENCODING.items())


@pytest.mark.parametrize("name", ["gpt-4o", "gpt-4.1-mini", "o3", "gpt-4", "deepseek-chat", "gpt-4o-mini", "o1"])
def test_catalogue_names_resolve_with_window_and_price(name):
    record = _litellm_json()[name]
    entry = resolve(name)
    assert entry.name == name
    expected = "deepseek" if name.startswith("deepseek") else tiktoken.model.encoding_name_for_model(name)
    assert entry.preset == expected
    assert entry.context_window == record["max_input_tokens"]
    assert entry.input_cost_per_token == record["input_cost_per_token"]
    assert entry.provider == record["litellm_provider"]


@pytest.mark.parametrize(
    ("name", "preset", "provider"),
    [("llama-3.1-8b", "llama-3", None), ("mistral-large", "mistral-tekken", "mistral"),
     ("qwen2.5-72b", "qwen", None), ("mistral-7b-instruct", "mistral-v3", None)],
)
def test_names_outside_the_catalogue_pick_the_closest_entry_and_say_so(name, preset, provider):
    entry = resolve(name)
    record = _litellm_json()[entry.name]
    assert entry.preset == preset
    assert entry.name.lower().rsplit("/", 1)[-1].startswith((name, f"meta-{name}"))
    assert f"no catalogue entry named '{name}'" in entry.note and entry.name in entry.note
    assert entry.context_window == record.get("max_input_tokens", record.get("max_tokens"))
    assert entry.context_window and entry.context_window > 0
    if provider:
        assert entry.provider == provider


def test_every_resolved_preset_exists():
    for entry in search("")[::7]:
        assert entry.preset is None or entry.preset in PRESET_NAMES or entry.preset == "gpt2", entry


def test_unknown_families_ask_for_a_preset():
    claude = resolve("claude-3-5-sonnet-20241022")
    assert claude.preset is None and "name a preset" in claude.note and "Claude" in claude.note
    assert claude.context_window  # the catalogue still knows the window
    bogus = resolve("no-such-model-xyz")
    assert bogus.preset is None and bogus.context_window is None and bogus.input_cost_per_token is None


def test_case_and_spaces_are_ignored():
    assert resolve("  GPT-4o ") == resolve("gpt-4o")


def test_family_rules():
    assert catalogue.preset_for("meta-llama/Meta-Llama-3.1-70B-Instruct")[0] == "llama-3"
    assert catalogue.preset_for("llama-2-7b")[0] is None
    assert catalogue.preset_for("open-mixtral-8x22b")[0] == "mistral-v3"
    assert catalogue.preset_for("mistral/open-mistral-nemo")[0] == "mistral-tekken"
    assert catalogue.preset_for("dashscope/qwen-max")[0] == "qwen"
    assert catalogue.preset_for("deepseek-reasoner")[0] == "deepseek"
    assert catalogue.preset_for("gpt-oss-120b")[0] == "o200k_base"
    assert catalogue.preset_for("text-davinci-003")[0] is None  # p50k_base: no preset
    assert catalogue.preset_for("davinci")[0] == "gpt2"  # r50k_base is GPT-2's vocabulary


def test_search_filters_by_name():
    found = search("llama-3.1-8b")
    assert found and all("llama-3.1-8b" in e.name.lower() for e in found)
    assert all(e.preset == "llama-3" for e in found)
    assert [e.name for e in found] == sorted(e.name for e in found)
    assert len(search("")) > 1000

"""Model names and the LLM presets in the registry; `tokls compare` and `tokls models`; the count
message with window and cost; the budget; the cut rule of tiktoken-style split regexes."""

from __future__ import annotations

import json

import pytest
import tiktoken

from tokls.cli import main
from tokls.core.analysis import DocumentTokens, analyze
from tokls.core.messages import count_message, format_cost
from tokls.core.catalogue import resolve
from tokls.core.cutpoints import ANY, WORD, _PROBE, chunk_rule, cut_points, pipeline_spec
from tokls.core.tokenizers import PRESETS, TokenizerNotFound, TokenizerRegistry, load_tokenizer
from tokls.core.vocab import PRESET_NAMES
from tokls.core.vocab._tiktoken import read_tiktoken_ranks
from tokls.core.vocab.presets import _O200K_PATTERN, _O200K_SPECIALS, preset_sources

O200K = tiktoken.Encoding("o200k_base", pat_str=_O200K_PATTERN, special_tokens=_O200K_SPECIALS,
                          mergeable_ranks=read_tiktoken_ranks(preset_sources("o200k_base")[0]))
TEXT = "The quick brown fox — “quoted” — jumps.\nCode: def f(x): return x**2  # 199999\n日本語のテキスト。\n"


def tokls(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


# --------------------------------------------------------------------------------------------
# the registry


def test_every_vocabulary_is_a_registry_preset():
    assert set(PRESET_NAMES) <= set(PRESETS)
    assert list(PRESETS)[:2] == ["bert-base-uncased", "gpt2"]


@pytest.mark.parametrize("name, rule", [("o200k_base", WORD), ("cl100k_base", WORD), ("llama-3", WORD),
                                        ("mistral-tekken", WORD), ("qwen", WORD), ("deepseek", WORD),
                                        ("mistral-v3", None), ("bert-base-uncased", ANY), ("gpt2", ANY)])
def test_chunk_rule_of_each_preset(name, rule):
    tok = load_tokenizer(name)
    assert tok.chunk_safe == (rule is not None)
    if rule is not None:
        assert tok.cut_rule == rule
    else:  # SentencePiece with a start-of-text normalizer: the correct fallback
        assert "full re-tokenization" in tok.chunk_note


def test_the_probe_catches_cuts_after_punctuation_before_a_line_break():
    tok = load_tokenizer("o200k_base").tokenizer
    cuts = cut_points(_PROBE, every_candidate=True, rule=ANY)
    bounds = [0, *cuts, len(_PROBE)]
    chunked = [i for a, b in zip(bounds, bounds[1:]) for i in tok.encode(_PROBE[a:b], add_special_tokens=False).ids]
    assert chunked != tok.encode(_PROBE, add_special_tokens=False).ids  # why ANY is wrong for these
    assert chunk_rule(tok, pipeline_spec(tok))[0] == WORD


def test_a_split_regex_with_lookbehind_is_not_chunked():
    import copy
    from tokenizers import Regex, pre_tokenizers

    tok = copy.deepcopy(load_tokenizer("llama-3").tokenizer)
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"(?<=\s)\p{L}+|\s+|[^\s]+"), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    rule, note = chunk_rule(tok, pipeline_spec(tok))
    assert rule is None and "looks behind" in note


@pytest.mark.parametrize("name, preset, window", [
    ("gpt-4o", "o200k_base", 128_000), ("gpt-4.1-mini", "o200k_base", None), ("o3", "o200k_base", None),
    ("gpt-4", "cl100k_base", 8192), ("llama-3.1-8b", "llama-3", None), ("mistral-large", "mistral-tekken", None),
    ("qwen2.5-72b", "qwen", None), ("deepseek-chat", "deepseek", None)])
def test_model_names_resolve_to_a_preset_window_and_price(name, preset, window):
    tok = load_tokenizer(name)
    entry = resolve(name)
    assert tok.name == name and tok.preset == preset == entry.preset
    assert tok.context_window == entry.context_window and tok.max_length == entry.context_window
    assert tok.input_cost_per_token == entry.input_cost_per_token and tok.input_cost_per_token
    if window is not None:
        assert tok.context_window == window
    assert tok.tokenizer is load_tokenizer(preset).tokenizer  # one vocabulary in memory
    assert tok.note == entry.note and f"preset {preset}" in tok.note


def test_gpt_4o_ids_are_tiktokens():
    assert load_tokenizer("gpt-4o").encode(TEXT).ids == O200K.encode_ordinary(TEXT)


def test_unknown_and_unsupported_model_names():
    guessed = load_tokenizer("llama-3.3-70b-my-finetune")
    assert guessed.preset == "llama-3" and "not in LiteLLM's catalogue" in guessed.note
    assert guessed.context_window is None and guessed.max_length == 131072  # the preset's own window
    with pytest.raises(TokenizerNotFound, match="no public tokenizer exists for Claude.*name a preset"):
        load_tokenizer("claude-3-5-sonnet")
    registry = TokenizerRegistry()
    with pytest.raises(TokenizerNotFound):
        registry.get("gemini-2.0-flash")


# --------------------------------------------------------------------------------------------
# what the user reads


def test_count_message_with_window_and_cost():
    tok = load_tokenizer("gpt-4o")
    a = analyze(TEXT, tok)
    n = len(O200K.encode_ordinary(TEXT))
    cost = n * tok.input_cost_per_token
    assert a.tokens == n and a.cost == pytest.approx(cost)
    assert count_message(a, lambda o: 1) == f"{n:,} tokens · gpt-4o · {n / 128_000:.1%} of 128,000 · ≈ {format_cost(cost)} input"
    # a preset keeps today's wording
    b = analyze(TEXT, load_tokenizer("bert-base-uncased"))
    assert count_message(b, lambda o: 1) == f"{b.tokens:,} tokens · bert-base-uncased · {b.tokens / 512:.0%} of 512"
    # the user's maxLength still wins over the window
    c = analyze(TEXT, tok, max_length=20)
    assert c.max_length == 20 and c.truncated
    assert count_message(c, lambda o: 1).startswith(f"{n:,} tokens · gpt-4o · {n / 20:.1%} of 20 · ≈ ")


@pytest.mark.parametrize("usd, shown", [(0.031125, "$0.031"), (0.5, "$0.50"), (12.3, "$12.30"), (1234.5, "$1,234.50"),
                                        (0.000085, "$0.000085"), (0, "$0")])
def test_format_cost(usd, shown):
    assert format_cost(usd) == shown


def test_budget_points_at_the_first_token_past_the_fraction(bert):
    text = "word " * 100  # BERT: [CLS] + 100 + [SEP]
    doc = DocumentTokens(bert, text, max_length=120)
    ((seg, offset),) = doc.over_budget(0.8)  # 96 tokens: [CLS] + 95 words; the 96th word starts the overflow
    assert seg.tokens == 102 and offset == 95 * 5
    assert doc.over_budget(0.9) == [] and doc.over_budget(0) == [] and doc.over_budget(None) == []
    assert DocumentTokens(bert, text, max_length=100).over_budget(0.5) == []  # truncated: the cut warns instead
    lines = DocumentTokens(bert, "a b c\n" + "word " * 10 + "\nx\n", segment="line", max_length=12)
    assert [(s.index, o) for s, o in lines.over_budget(0.75)] == [(1, 6 + 8 * 5)]


# --------------------------------------------------------------------------------------------
# the CLI


def test_compare_text_and_json(tmp_path, capsys):
    path = tmp_path / "prompt.txt"
    path.write_text(TEXT * 60, encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    code, out, _ = tokls(capsys, "compare", str(path), "--models", "gpt-4o,bert-base-uncased")
    assert code == 1  # BERT truncates it
    header, gpt, bert = out.splitlines()
    assert header.split()[:3] == ["model", "preset", "tokens"]
    n = len(O200K.encode_ordinary(text))
    assert gpt.split()[:5] == ["gpt-4o", "o200k_base", f"{n:,}", f"{len(text) / n:.2f}", "128,000"]
    assert gpt.endswith(" no") and "≈ $" in gpt
    assert bert.split()[0] == "bert-base-uncased" and "yes (−" in bert
    code, out, _ = tokls(capsys, "compare", str(path), "--models", "gpt-4o, llama-3.1-8b", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and [r["model"] for r in rows] == ["gpt-4o", "llama-3.1-8b"]
    assert rows[0]["tokens"] == n and rows[0]["characters"] == len(text) and rows[0]["truncated"] is False
    assert rows[1]["preset"] == "llama-3" and rows[1]["maxLength"] == resolve("llama-3.1-8b").context_window


def test_compare_reports_a_model_it_cannot_load(tmp_path, capsys):
    path = tmp_path / "a.txt"
    path.write_text("hello", encoding="utf-8")
    code, out, _ = tokls(capsys, "compare", str(path), "--models", "gpt-4o,claude-3-5-sonnet")
    assert code == 2
    assert out.splitlines()[2].split()[-1] == "error" and "no public tokenizer exists for Claude" in out


def test_models_lists_presets_and_catalogue_entries(capsys):
    code, out, _ = tokls(capsys, "models", "gpt-4o")
    lines = out.splitlines()
    assert code == 0
    row = next(line for line in lines if line.split()[0] == "gpt-4o")
    entry = resolve("gpt-4o")
    assert row.split() == ["gpt-4o", "o200k_base", "128,000", f"${entry.input_cost_per_token * 1e6:,.2f}"]
    assert all("gpt-4o" in line.split()[0].lower() for line in lines[1:])
    code, out, _ = tokls(capsys, "models", "llama", "--format", "json")
    data = json.loads(out)
    assert data["presets"] == ["llama-3"] and data["models"]
    assert all("llama" in m["name"].lower() and m["preset"] for m in data["models"])  # no --all: presets only
    assert any(m["name"] == "anyscale/meta-llama/Meta-Llama-3-8B-Instruct" and m["preset"] == "llama-3" for m in data["models"])
    every = json.loads(tokls(capsys, "models", "llama", "--all", "--format", "json")[1])["models"]
    assert len(every) > len(data["models"]) and any(m["preset"] is None for m in every)
    code, _, err = tokls(capsys, "models", "no-such-model-xyz")
    assert code == 1 and "no preset or model name contains" in err

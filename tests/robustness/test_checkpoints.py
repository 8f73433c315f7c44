"""Defects 1, 4, 5 and 7: classifier checkpoints that are broken, unsafe or misconfigured.

Every test runs ``tokls classify`` as a subprocess with a private ``XDG_CACHE_HOME``. A session
fixture merges the embedded sentiment adapter once into such a cache; tests copy that merged
entry (a real sequence-classification checkpoint) and break the copy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .rpc import child_env

pytestmark = [pytest.mark.robustness, pytest.mark.slow]

NO_TRACEBACK = "Traceback (most recent call last)"
TEXT = "A warm, funny and beautifully acted film."


def classify(*args: str, cache: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    """``tokls classify`` on the torch backend, whose loads go through the merged cache these
    defects are about (the ONNX export starts from the same resolved checkpoint and the same
    refusals), with every cache private to the test."""
    env = child_env(XDG_CACHE_HOME=str(cache))
    env.pop("TOKLS_ONNX_CACHE", None)
    proc = subprocess.run([sys.executable, "-m", "tokls", "classify", "--backend", "torch", *args], capture_output=True,
                          timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    proc.stdout = proc.stdout.decode("utf-8", "replace")
    proc.stderr = proc.stderr.decode("utf-8", "replace")
    return proc


def _refused(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert NO_TRACEBACK not in proc.stderr, proc.stderr[-1500:]
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-500:], proc.stderr[-1500:])
    low = proc.stderr.lower()
    assert any(w in low for w in words), (words, proc.stderr[-1500:])


@pytest.fixture(scope="session")
def merged_cache(tmp_path_factory):
    """A cache holding the merged sentiment checkpoint, and the reference JSON result for TEXT."""
    cache = tmp_path_factory.mktemp("cache")
    proc = classify("--format", "json", TEXT, cache=cache, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    entries = [p for p in (cache / "tokls" / "merged").iterdir() if not p.name.startswith(".")]
    assert len(entries) == 1, entries
    return cache, entries[0], json.loads(proc.stdout)[0]


def _fresh_cache(tmp_path: Path, merged_cache) -> tuple[Path, Path]:
    cache, entry, _ = merged_cache
    mine = tmp_path / "cache"
    shutil.copytree(cache, mine)
    return mine, mine / "tokls" / "merged" / entry.name


def _checkpoint_copy(tmp_path: Path, merged_cache) -> Path:
    _, entry, _ = merged_cache
    folder = tmp_path / "ckpt"
    shutil.copytree(entry, folder)
    return folder


# ------------------------------------------------------------------------------------------
# defect 1: silently wrong classifications


def test_defect1_checkpoint_without_vocabulary_is_refused(tmp_path, merged_cache):
    """A checkpoint with tokenizer_config.json but no vocab.txt / tokenizer.json (today: a
    5-token tokenizer, every word [UNK], the same score for every input, exit 0) is refused:
    exit 2 and a message about the tokenizer / vocabulary."""
    folder = _checkpoint_copy(tmp_path, merged_cache)
    for name in ("vocab.txt", "tokenizer.json"):
        (folder / name).unlink(missing_ok=True)
    assert (folder / "tokenizer_config.json").is_file()
    proc = classify("--model", str(folder), TEXT, cache=tmp_path / "c")
    _refused(proc, "vocab", "tokenizer")


def test_defect1_cache_entry_missing_its_tokenizer_is_healed_or_refused(tmp_path, merged_cache):
    """A merged-cache entry whose tokenizer files were lost: ``classify --model sentiment``
    either rebuilds the entry (exit 0, the same label and score as a healthy cache) or refuses
    (exit 2 with a message); never a confident answer from an all-[UNK] tokenizer."""
    _, _, want = merged_cache
    cache, entry = _fresh_cache(tmp_path, merged_cache)
    for name in ("vocab.txt", "tokenizer.json"):
        (entry / name).unlink(missing_ok=True)
    proc = classify("--format", "json", TEXT, cache=cache)
    if proc.returncode == 0:
        got = json.loads(proc.stdout)[0]
        assert got["label"] == want["label"] and abs(got["score"] - want["score"]) < 1e-4, (got, want)
    else:
        _refused(proc, "vocab", "tokenizer", "cache")


# ------------------------------------------------------------------------------------------
# defect 4: pickles never reach torch.load


def test_defect4_pickle_weights_are_refused_with_a_conversion_hint(tmp_path, merged_cache):
    """A checkpoint whose weights are only ``pytorch_model.bin`` is refused (exit 2) with a message
    naming safetensors (how to convert) and never suggesting ``weights_only=False``."""
    import torch
    from safetensors.torch import load_file

    folder = _checkpoint_copy(tmp_path, merged_cache)
    weights = load_file(str(folder / "model.safetensors"))
    (folder / "model.safetensors").unlink()
    torch.save(weights, folder / "pytorch_model.bin")
    proc = classify("--model", str(folder), TEXT, cache=tmp_path / "c")
    _refused(proc, "safetensors")
    assert "weights_only=false" not in proc.stderr.lower()


# ------------------------------------------------------------------------------------------
# defect 5: window explosion


@pytest.mark.parametrize("stride", ["64", "100"])
def test_defect5_stride_at_or_above_the_window_is_refused(tmp_path, merged_cache, stride):
    """``--max-length 64 --stride 64`` (or more) silently became a step of one token: exit 2 and a
    message naming the stride."""
    cache, _ = _fresh_cache(tmp_path, merged_cache)
    proc = classify("--max-length", "64", "--stride", stride, TEXT, cache=cache)
    _refused(proc, "stride")


# ------------------------------------------------------------------------------------------
# defect 7: the cache validates and heals


@pytest.mark.parametrize("damage", ["empty", "truncated"])
def test_defect7_damaged_cached_weights_are_rebuilt(tmp_path, merged_cache, damage):
    """An empty or truncated ``model.safetensors`` in the merged cache (today: a raw
    SafetensorError on every run) is detected and rebuilt: exit 0 with the healthy result."""
    _, _, want = merged_cache
    cache, entry = _fresh_cache(tmp_path, merged_cache)
    weights = entry / "model.safetensors"
    size = weights.stat().st_size
    with open(weights, "r+b") as fh:
        fh.truncate(0 if damage == "empty" else size // 2)
    proc = classify("--format", "json", TEXT, cache=cache, timeout=600)
    assert proc.returncode == 0, proc.stderr[-1500:]
    got = json.loads(proc.stdout)[0]
    assert got["label"] == want["label"] and abs(got["score"] - want["score"]) < 1e-4, (got, want)


def test_defect7_stale_merge_temporaries_are_cleaned(tmp_path, merged_cache):
    """A ``.merge-*`` folder left by a killed merge (a day old) is removed by the next run."""
    cache, entry = _fresh_cache(tmp_path, merged_cache)
    stale = entry.parent / ".merge-killed0"
    stale.mkdir()
    (stale / "model.safetensors").write_bytes(b"\0" * 1024)
    old = time.time() - 86_400
    os.utime(stale / "model.safetensors", (old, old))
    os.utime(stale, (old, old))
    proc = classify(TEXT, cache=cache)
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert not stale.exists(), "the stale merge temporary is still there"

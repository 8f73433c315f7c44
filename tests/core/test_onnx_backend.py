"""The ONNX Runtime backend: export cache, no torch at run time, parity with torch, temperature.

Tiny random BERT classifiers (see test_classify.py) are exported into the test session's ONNX
cache (tests/core/conftest.py); the ``slow`` tests export and compare the real embedded model.
Tolerances: the fp32 graph (fused by ONNX Runtime's transformer optimizer) gives torch's probabilities within 1e-4 and the same labels; the int8
graph within 0.3 and the same label on at least 97% of the sentences (int8 rounding moves
sentences near a boundary across it); the embedded model runs int8 only if that loses at most 0.5
accuracy points on its test split (the rule behind ``EMBEDDED_INT8``, checked here).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tokls.core.backends import load_backend, temperature_of
from tokls.core.backends.onnx_export import MANIFEST, cache_key, cache_root
from tokls.core.classify import Classifier, ClassifyOptions

from .test_classify import BACKENDS, HELLO_IDS, NEGATIVE, POSITIVE, _logits, _tiny, long_text, probs

pytestmark = pytest.mark.torch  # the exports are made with torch


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """A tiny checkpoint with a finished ONNX export in the test cache."""
    path = _tiny(tmp_path_factory.mktemp("exported"), ["neg", "neu", "pos"])
    Classifier(str(path), backend="onnx").load()
    return path


def test_export_is_cached_with_its_manifest(exported):
    folder = cache_root() / cache_key(str(exported))
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["format"] == "tokls-onnx/3" and manifest["files"] == {"fp32": "model.onnx", "int8": "model.int8.onnx"}
    assert manifest["max_logit_gap_fp32"] < 1e-4 and manifest["pad_id"] == 0
    for name in ("model.onnx", "model.int8.onnx", "tokenizer.json", "config.json", "tokenizer_config.json"):
        assert (folder / name).is_file(), name
    assert not (folder / "model.plain.onnx").exists() and not (folder / "model.cls.onnx").exists()
    assert manifest["int8_from"] == "cls-only last layer"  # a BERT classifier: see onnx_cls
    # the fp32 graph is fused by ONNX Runtime's transformer optimizer: one Attention per layer (2 here)
    assert manifest["fused"]["Attention"] == 2 and manifest["fused"]["SkipLayerNormalization"] == 4
    import onnx

    ops = {node.op_type for node in onnx.load(str(folder / "model.onnx"), load_external_data=False).graph.node}
    assert {"Attention", "SkipLayerNormalization", "EmbedLayerNormalization"} <= ops and "Softmax" not in ops
    stamp = (folder / MANIFEST).stat().st_mtime_ns
    loaded = load_backend("onnx", str(exported))
    assert loaded.backend.name == "onnx" and loaded.info.labels == ("neg", "neu", "pos")
    assert loaded.backend.precision == "fp32"  # int8 only for the embedded model, where it was measured
    assert (folder / MANIFEST).stat().st_mtime_ns == stamp  # loaded from the cache, not exported again


def test_cls_only_graph_gives_the_full_models_logits(tmp_path):
    """The [CLS]-only last layer (onnx_cls) is exact: padded rows, several lengths, in torch and as
    the exported ONNX graph, against the transformers model itself."""
    import torch
    from transformers import AutoModelForSequenceClassification

    from tokls.core.backends import onnx_cls
    from tokls.core.backends.onnx_export import _cls_only_graph

    model = AutoModelForSequenceClassification.from_pretrained(str(_tiny(tmp_path, ["a", "b", "c"])),
                                                               attn_implementation="eager").eval()
    assert onnx_cls.supports(model)
    wrapped = onnx_cls.cls_only(model)
    rng = torch.Generator().manual_seed(3)
    for length in (1, 7, 64):
        ids = torch.randint(1, model.config.vocab_size, (4, length), generator=rng)
        mask = torch.ones_like(ids)
        mask[1, length // 2 + 1:] = 0  # padded rows
        mask[3, 1:] = 0
        with torch.no_grad():
            expected = model(input_ids=ids, attention_mask=mask).logits
            assert torch.allclose(wrapped(ids, mask), expected, atol=1e-5)
        graph = _cls_only_graph(model, (ids, mask), expected.numpy(), tmp_path / f"cls{length}.onnx")
        assert graph is not None  # exported, and its logits within MAX_GAP of the model's

    model.config.position_embedding_type = "relative_key"  # another attention: not this shape
    assert not onnx_cls.supports(model)


def test_onnx_path_imports_neither_torch_nor_transformers(exported):
    code = textwrap.dedent(f"""
        import json, sys
        from tokls.cli import main
        from tokls.core.classify import Classifier
        path = {str(exported)!r}
        for backend in ("onnx", "auto"):
            c = Classifier(path, backend=backend)
            r = c.classify_many(["hello world", "the film was good"])
            assert c.load().backend.name == "onnx", backend
            assert {{s.label for s in r[0].scores}} == {{"neg", "neu", "pos"}}
        assert main(["classify", "--model", path, "--format", "json", "hello world"]) == 0
        heavy = [m for m in ("torch", "transformers", "peft", "safetensors") if m in sys.modules]
        print(json.dumps(heavy), file=sys.stderr)
        assert not heavy, heavy
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)[0]["label"] in ("neg", "neu", "pos")


def test_auto_picks_onnx_and_cuda_picks_torch(exported):
    assert Classifier(str(exported)).load().backend.name == "onnx"  # the default backend is auto
    cuda = Classifier(str(exported), device="cuda", backend="auto").load()
    assert cuda.backend.name == "torch"  # GPUs are torch's (on a CPU-only machine it runs on the CPU)


def test_onnx_matches_torch_on_tiny_model(exported):
    onnx, torch_ = Classifier(str(exported), backend="onnx"), Classifier(str(exported), backend="torch")
    texts = ["hello world", long_text(900), "🎬 ok", "x " * 300]
    for a, b in zip(onnx.classify_many(texts, ClassifyOptions(batch_size=3)), torch_.classify_many(texts)):
        assert a.label == b.label and [w.start for w in a.windows] == [w.start for w in b.windows]
        assert probs(a, ["neg", "neu", "pos"]) == pytest.approx(probs(b, ["neg", "neu", "pos"]), abs=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_checkpoint_temperature_divides_the_logits(tmp_path, backend):
    path = _tiny(tmp_path, ["a", "b", "c"])
    (path / "tokls_checkpoint.json").write_text(json.dumps({"labels": ["a", "b", "c"], "temperature": 2.5}))
    clf = Classifier(str(path), backend=backend)
    assert clf.load().info.temperature == 2.5
    logits = _logits(clf, HELLO_IDS).numpy()
    e = np.exp(logits / 2.5 - (logits / 2.5).max())
    got = probs(clf.classify("hello world"), ["a", "b", "c"])
    assert got == pytest.approx((e / e.sum()).tolist(), abs=1e-5)
    plain = np.exp(logits - logits.max())
    assert got != pytest.approx((plain / plain.sum()).tolist(), abs=1e-3)  # the temperature did something


def test_temperature_values():
    assert temperature_of({}) == 1.0 and temperature_of({"temperature": 1.7}) == 1.7
    for bad in (0, -2, "2", True, float("nan"), float("inf")):
        assert temperature_of({"temperature": bad}) == 1.0


def test_cache_key_follows_the_checkpoint(tmp_path):
    path = _tiny(tmp_path, ["a", "b"])
    before = cache_key(str(path))
    assert cache_key(str(path)) == before
    (path / "tokls_checkpoint.json").write_text(json.dumps({"temperature": 1.3}))
    assert cache_key(str(path)) != before  # a new calibration is a new export


def test_adapter_cache_key_ignores_the_model_card(tmp_path):
    import shutil

    from tokls.core.checkpoints import embedded_dir

    adapter = tmp_path / "adapter"
    shutil.copytree(embedded_dir(), adapter)
    before = cache_key(str(adapter))
    (adapter / "README.md").write_text("a rewritten model card", encoding="utf-8")
    (adapter / "notes.png").write_bytes(b"picture")
    assert cache_key(str(adapter)) == before  # no new export for a new card
    meta = json.loads((adapter / "tokls_checkpoint.json").read_text(encoding="utf-8"))
    meta["temperature"] = 1.0
    (adapter / "tokls_checkpoint.json").write_text(json.dumps(meta), encoding="utf-8")
    assert cache_key(str(adapter)) != before


# --------------------------------------------------------------------------------------------
# the embedded model


def _test_split() -> list[tuple[str, str]]:
    """(text, label) of the embedded model's test split, rebuilt as its metadata says."""
    from tokls.core.checkpoints import embedded_dir, read_metadata

    training = read_metadata(embedded_dir())["training"]
    split = training["split"]
    if training["data"] == "rotten-tomatoes-3way":  # the movie-grouped split of the three-way model
        from tokls.data import rotten_tomatoes
        from tokls.data.split import grouped_split

        items = rotten_tomatoes.load_three_way()
        test = grouped_split(items, lambda x: x.movie, lambda x: x.label, split["seed"], split["val_fraction"],
                             split["test_fraction"])["test"]
        return [(x.text, x.label) for x in test]
    from tokls.core.training.data import load_examples, split_examples

    examples = load_examples(training["data"], training["text_column"], training["label_column"])
    test = split_examples(examples, split["seed"], split["val_fraction"], split["test_fraction"]).test
    return [(e.text, e.label) for e in test]


@pytest.mark.slow
def test_sentiment_parity_onnx_and_torch():
    texts = [t for t, _ in random.Random(7).sample(_test_split(), 300)]
    texts += [POSITIVE, NEGATIVE, " ".join([POSITIVE, NEGATIVE] * 60)]
    options = ClassifyOptions(batch_size=32)
    torch_ = Classifier("sentiment", backend="torch")
    labels = torch_.labels
    reference = torch_.classify_many(texts, options)
    ref = np.array([probs(r, labels) for r in reference])
    from tokls.core.backends import onnx_backend

    for precision, tolerance, agreement in (("fp32", 1e-4, 1.0), ("int8", 0.3, 0.97)):
        clf = Classifier("sentiment", backend="onnx")
        clf._loaded = onnx_backend.load("sentiment", precision=precision)  # this graph, the usual pipeline
        got = clf.classify_many(texts, options)
        p = np.array([probs(r, labels) for r in got])
        same = np.mean([a.label == b.label for a, b in zip(got, reference)])
        assert same >= agreement, (precision, same)
        assert np.abs(p - ref).max() <= tolerance, (precision, np.abs(p - ref).max())
        assert [len(a.windows) for a in got] == [len(b.windows) for b in reference]


def onnx_test_accuracy(model: str) -> dict[str, float]:
    """Accuracy of ``model``'s fp32 and int8 ONNX graphs on the test split, through the pipeline."""
    from tokls.core.backends import onnx_backend

    test = _test_split()
    accuracy = {}
    for precision in ("fp32", "int8"):
        clf = Classifier(model, backend="onnx")
        clf._loaded = onnx_backend.load(model, precision=precision)
        results = clf.classify_many([t for t, _ in test], ClassifyOptions(batch_size=64))
        accuracy[precision] = float(np.mean([r.label == gold for r, (_, gold) in zip(results, test)]))
    return accuracy


@pytest.mark.slow
def test_sentiment_int8_keeps_accuracy_on_the_test_split():
    from tokls.core.backends.onnx_export import EMBEDDED_INT8

    accuracy = onnx_test_accuracy("sentiment")
    lost = (accuracy["fp32"] - accuracy["int8"]) * 100
    assert EMBEDDED_INT8 == (lost <= 0.5), accuracy
    assert Classifier("sentiment").load().backend.precision == ("int8" if EMBEDDED_INT8 else "fp32")

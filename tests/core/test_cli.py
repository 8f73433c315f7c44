"""`tokls check` and `tokls tokenize` on real files: `main([...])` in-process, and one subprocess run
proving `python -m tokls` works as installed."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from tokls.cli import main
from tokls.core.tokenizers import load_tokenizer


def tokls(capsys, *args: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``tokls ARGS``."""
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_check_text_and_json(tmp_path, capsys):
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

    code, out, err = tokls(capsys, "check", str(tmp_path))
    assert code == 1, err
    assert f"{long}:{line + 1}:{col + 1}: warning: Truncated: {total:,} tokens > 512 (bert-base-uncased); " \
           f"{total - 512} tokens past here are dropped" in out
    assert f"{long}:1:1: note: {total:,} tokens · bert-base-uncased · {total / 512:.0%} of 512" in out
    assert f"{short}:1:1: note: 4 tokens · bert-base-uncased · 1% of 512" in out
    assert out.rstrip().endswith("2 files, 2 document inputs, 1 truncated · bert-base-uncased · max 512 tokens")

    code, out, _ = tokls(capsys, "check", str(long), str(short), "--format", "json")
    records = json.loads(out)
    assert records[0] == {"path": str(long), "segment": 0, "tokens": total, "model": "bert-base-uncased",
                          "max_length": 512, "truncated": True,
                          "truncation": {"offset": offset, "line": line, "character": col,
                                         "dropped_tokens": total - 512}}
    assert records[1] == {"path": str(short), "segment": 0, "tokens": 4, "model": "bert-base-uncased",
                          "max_length": 512, "truncated": False}

    assert tokls(capsys, "check", str(short))[0] == 0


def test_check_numbers_read_like_the_editor(tmp_path, capsys):
    big = tmp_path / "big.txt"
    big.write_text(("word " * 1500).strip(), encoding="utf-8")
    code, out, _ = tokls(capsys, "check", str(big), "--model", "gpt2")
    assert code == 1
    assert f"{big}:1:1: note: 1,500 tokens · gpt2 · 146% of 1,024" in out
    assert "Truncated: 1,500 tokens > 1,024 (gpt2); 476 tokens past here are dropped" in out
    assert out.rstrip().endswith("1 file, 1 document input, 1 truncated · gpt2 · max 1,024 tokens")


def test_check_lines_model_and_errors(tmp_path, capsys):
    data = tmp_path / "data.jsonl"
    data.write_text("short\nthis line is certainly longer than eight tokens for gpt2, yes it is\n\nok\n")
    code, out, _ = tokls(capsys, "check", str(data), "--segment", "line", "--model", "gpt2", "--max-length", "8",
                         "--format", "json")
    assert code == 1
    records = json.loads(out)
    assert [r["truncated"] for r in records] == [False, True, False]
    assert records[1]["truncation"]["line"] == 1
    code, out, _ = tokls(capsys, "check", str(data), "--segment", "line", "--model", "gpt2", "--max-length", "8")
    assert "note:" not in out  # one count line per document only when a document is one input
    assert f"{data}:2:" in out and "(gpt2, line 2)" in out
    assert out.rstrip().endswith("1 file, 3 line inputs, 1 truncated · gpt2 · max 8 tokens")
    code, _, err = tokls(capsys, "check", str(data), "--model", "./no/such/folder")
    assert code == 2 and "does not exist" in err
    code, _, err = tokls(capsys, "check", str(tmp_path / "missing.txt"))
    assert code == 2 and "no such file" in err
    code, out, err = tokls(capsys, "check", str(tmp_path), "--include", "*.nothing")
    assert code == 0 and "no files matched (*.nothing)" in err


def test_check_rejects_bad_flags(capsys):
    for args in (["--max-length", "0"], ["--segment", "sentence"]):
        with pytest.raises(SystemExit) as exc:
            main(["check", ".", *args])
        assert exc.value.code == 2
    assert "invalid choice: 'sentence'" in capsys.readouterr().err


def test_tokenize_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("Hello tokenization".encode())))
    code, out, err = tokls(capsys, "tokenize", "-")
    assert code == 0
    rows = [line.split() for line in out.splitlines()]
    assert [r[1] for r in rows] == ["101", "7592", "19204", "3989", "102"]
    assert rows[2][2:] == ['"token"', "6-11"]
    assert err.strip() == "5 tokens · bert-base-uncased"


def test_tokenize_decodes_byte_level_pieces(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("a — ꙮ".encode())))
    code, out, _ = tokls(capsys, "tokenize", "-", "--model", "gpt2")
    assert code == 0
    rows = [line.split(None, 2) for line in out.splitlines()]
    assert rows[1][1:] == ["851", '"ĠâĢĶ"               " —"                 1-3']
    assert rows[3][2].split() == ['"ê"', '"\\xea"', "(partial)", "4-5"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("a — ꙮ".encode())))
    code, out, _ = tokls(capsys, "tokenize", "-", "--model", "gpt2", "--format", "json")
    data = json.loads(out)["tokens"]
    assert [(t["decoded"], t["partial"]) for t in data] == [("a", False), (" —", False), (" ", False),
                                                             ("\\xea", True), ("\\x99", True), ("\\xae", True)]


def test_tokenize_help_explains_file_or_stdin(capsys):
    with pytest.raises(SystemExit):
        main(["tokenize", "--help"])
    out = capsys.readouterr().out
    assert "or - to read" in out and "standard input" in out and "(partial)" in out


def test_tokenize_json_marks_truncation(tmp_path, capsys):
    path = tmp_path / "t.txt"
    path.write_text("one two three four five", encoding="utf-8")
    code, out, _ = tokls(capsys, "tokenize", str(path), "--max-length", "4", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["model"] == "bert-base-uncased" and data["max_length"] == 4
    assert [t["piece"] for t in data["tokens"]] == ["[CLS]", "one", "two", "three", "four", "five", "[SEP]"]
    assert [t.get("truncated") for t in data["tokens"][1:-1]] == [False, False, True, True, True]
    code, out, _ = tokls(capsys, "tokenize", str(path), "--max-length", "4")
    assert "----- truncation: the model reads 4 tokens; the rest is dropped -----" in out.splitlines()[3]


def test_python_dash_m_tokls_runs(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("hello world\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "tokls", "check", str(path)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == (f"{path}:1:1: note: 4 tokens · bert-base-uncased · 1% of 512\n"
                          "1 file, 1 document input, 0 truncated · bert-base-uncased · max 512 tokens\n")

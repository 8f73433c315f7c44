"""`tokls check` on dataset files: a record per model input, truncation at the exact character inside
the record's string, record problems on their lines (``main([...])`` in-process)."""

from __future__ import annotations

import json

from tokls.cli import main
from tokls.core.tokenizers import load_tokenizer


def tokls(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def cut_in_text(text: str, keep: int = 510) -> int:
    """Offset in ``text`` of the first content token bert-base-uncased drops (512 minus [CLS], [SEP])."""
    raw = load_tokenizer("bert-base-uncased").tokenizer.encode(text, add_special_tokens=False)
    return raw.offsets[keep][0]


def test_check_jsonl_records(tmp_path, capsys):
    long_text = 'say "hi" \\ é 😀\nthen ' + "word " * 600
    lines = [json.dumps({"id": 1, "text": "a short one"}),
             json.dumps({"id": 2, "text": long_text}),  # ensure_ascii: \u00e9, a surrogate pair, \n, \", \\
             "{not json",
             json.dumps({"id": 4, "label": 0}),
             json.dumps({"text": long_text}, ensure_ascii=False)]
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    enc = load_tokenizer("bert-base-uncased").tokenizer.encode(long_text)
    total = len(enc.ids)
    short_count = len(load_tokenizer("bert-base-uncased").tokenizer.encode("a short one").ids)
    cut = cut_in_text(long_text)
    # the column of the cut: the record's text up to the opening quote, then the JSON of the kept prefix
    col2 = len('{"id": 2, "text": "') + len(json.dumps(long_text[:cut])) - 2
    col5 = len('{"text": "') + len(json.dumps(long_text[:cut], ensure_ascii=False)) - 2
    assert lines[1][col2 - 5:col2] == json.dumps(long_text[cut - 5:cut])[1:-1]

    code, out, err = tokls(capsys, "check", str(path))
    assert code == 1, err
    found = out.splitlines()
    assert found[0] == (f"{path}:1:1: note: {short_count + 2 * total:,} tokens in 3 records · longest {total} "
                        f"(line 2, {total / 512:.0%} of 512) · bert-base-uncased · 2 truncated")
    assert found[1] == (f"{path}:2:{col2 + 1}: warning: Truncated: {total} tokens > 512 (bert-base-uncased, "
                        f"record 2); {total - 512} tokens past here are dropped")
    assert found[2].startswith(f"{path}:3:1: error: Record does not parse: invalid JSON")
    assert found[3] == f"{path}:4:1: note: No input field: first of text, prompt, content, sentence, review, " \
                       "input (or messages)"
    # "record 5": the fifth record of the file, counting the invalid one and the one without the field
    assert found[4].startswith(f"{path}:5:{col5 + 1}: warning: Truncated: {total} tokens > 512 "
                               "(bert-base-uncased, record 5)")
    assert found[5] == "1 file, 3 record inputs, 2 truncated, 1 invalid record · bert-base-uncased · max 512 tokens"

    code, out, _ = tokls(capsys, "check", str(path), "--format", "json")
    entries = json.loads(out)
    assert [e.get("line") for e in entries] == [1, 2, 5, 3, 4]
    assert [e.get("segment") for e in entries[:3]] == [0, 1, 4]
    assert entries[0] == {"path": str(path), "segment": 0, "tokens": short_count, "model": "bert-base-uncased",
                          "max_length": 512, "truncated": False, "line": 1}
    assert entries[1]["truncation"] == {"offset": len(lines[0]) + 1 + col2, "line": 1, "character": col2,
                                        "dropped_tokens": total - 512}
    assert entries[3]["problem"] == "invalid-record" and entries[4]["problem"] == "missing-field"

    # --field picks another input; a dataset file next to a text file is counted per kind
    short = tmp_path / "note.txt"
    short.write_text("hello world\n", encoding="utf-8")
    code, out, _ = tokls(capsys, "check", str(path), str(short), "--field", "id")
    assert code == 1  # the invalid line
    assert f"{path}:1:1: note: 9 tokens in 3 records" in out  # ids 1, 2, 4: 3 tokens each; line 5 has none
    assert f"{path}:5:1: note: No input field: id" in out
    assert out.rstrip().endswith("2 files, 4 inputs (1 document, 3 records), 0 truncated, 1 invalid record · "
                                 "bert-base-uncased · max 512 tokens")


def test_check_csv_records(tmp_path, capsys):
    long_text = 'a "quoted" line,\r\nthen ' + "word " * 600
    quoted = long_text.replace('"', '""')
    path = tmp_path / "data.csv"
    path.write_bytes(f'id,text\r\n1,"x ""y"""\r\n2,"{quoted}"\r\n'.encode("utf-8"))
    total = len(load_tokenizer("bert-base-uncased").tokenizer.encode(long_text).ids)
    cut = cut_in_text(long_text)
    prefix = long_text[:cut].replace('"', '""')
    line = prefix.count("\n") + 3  # the record starts on line 3
    col = len(prefix) - (prefix.rfind("\n") + 1) if "\n" in prefix else len('2,"') + len(prefix)

    code, out, _ = tokls(capsys, "check", str(path), "--format", "text")
    assert code == 1
    assert f"{path}:{line}:{col + 1}: warning: Truncated: {total} tokens > 512 (bert-base-uncased, record 2)" in out
    assert f"{path}:1:1: note: {total + 6:,} tokens in 2 records" in out
    assert tokls(capsys, "check", str(path), "--max-length", "4096")[0] == 0

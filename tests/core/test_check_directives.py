"""`tokls check` honours each file's directives as the editor does, and `--summary` stays below
the paths given."""

from __future__ import annotations

import json

from tokls.cli import main
from tokls.core.tokenizers import load_tokenizer

FRONT = "---\ntitle: Notes\ntokls: {model: gpt2, maxLength: 120, segment: paragraph}\n---"
LONG = ("Tokenizers split text into pieces 😀, and each model splits it differently. " * 8).strip()
SHORT = "A short paragraph."
NOTES = f"{FRONT}\n\n{LONG}\n\n{SHORT}\n\n<!-- tokls: off -->\nPrivate notes, {'many words ' * 80}\n<!-- tokls: on -->\n"


def encode(text: str, model: str = "gpt2"):
    return load_tokenizer(model).tokenizer.encode(text, add_special_tokens=False)


def run(capsys, *args: str) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["check", *args])
    return code, capsys.readouterr().out.splitlines()


def write(path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_front_matter_sets_model_limit_and_segment_and_off_regions_are_not_counted(tmp_path, capsys):
    notes = write(tmp_path / "notes.md", NOTES)
    counts = [len(encode(p).ids) for p in (FRONT, LONG, SHORT)]  # gpt2 adds no special tokens
    assert counts[1] > 120
    start = NOTES.index(LONG) + encode(LONG).offsets[120][0]
    line, col = NOTES[:start].count("\n"), start - NOTES.rfind("\n", 0, start) - 1

    code, out = run(capsys, str(notes))
    assert code == 1
    assert out == [f"{notes}:{line + 1}:{col + 1}: warning: Truncated: {counts[1]:,} tokens > 120 (gpt2, paragraph 2); "
                   f"{counts[1] - 120} tokens past here are dropped",
                   "1 file, 3 paragraph inputs, 1 truncated · gpt2 · max 120 tokens"]

    code, out = run(capsys, str(notes), "--format", "json")
    records = json.loads("\n".join(out))
    assert [(r["tokens"], r["model"], r["max_length"], r["truncated"]) for r in records] == [
        (counts[0], "gpt2", 120, False), (counts[1], "gpt2", 120, True), (counts[2], "gpt2", 120, False)]
    assert records[1]["truncation"] == {"offset": start, "line": line, "character": col,
                                        "dropped_tokens": counts[1] - 120}

    code, out = run(capsys, str(notes), "--summary")
    assert code == 1
    assert out[0].split() == ["./", f"{sum(counts):,}", "tokens", "1", "file", "1", "truncated"]


def test_an_invalid_directive_is_a_warning_on_its_line(tmp_path, capsys):
    text = "hello there\n# tokls: maxLength=lots\nworld\n# tokls: model=./no/such/folder\n"
    bad = write(tmp_path / "bad.txt", text)
    code, out = run(capsys, str(bad))
    assert code == 1
    assert out[1] == (f"{bad}:2:1: warning: tokls.maxLength = 'lots' is invalid: expected an integer ≥ 1 or null; "
                      "using the workspace setting.")
    assert out[2].startswith(f"{bad}:4:1: warning: ") and "no/such/folder" in out[2]
    assert out[2].endswith("Using bert-base-uncased until this directive is fixed.")
    n = len(encode(text, "bert-base-uncased").ids) + 2
    assert out[0] == f"{bad}:1:1: note: {n} tokens · bert-base-uncased · {n / 512:.0%} of 512"
    assert out[3] == "1 file, 1 document input, 0 truncated, 2 invalid directives · bert-base-uncased · max 512 tokens"
    code, out = run(capsys, str(bad), "--format", "json")
    problems = [r for r in json.loads("\n".join(out)) if r.get("problem") == "directive"]
    assert [(p["line"], p["message"][:15]) for p in problems] == [(2, "tokls.maxLength"), (4, "Tokenizer folde")]


def test_a_directive_overrides_the_flags_and_says_so_when_they_were_given(tmp_path, capsys):
    notes = write(tmp_path / "d" / "notes.md", NOTES)
    plain = write(tmp_path / "d" / "plain.txt", LONG)
    n_plain = len(encode(LONG).ids)

    code, out = run(capsys, str(tmp_path / "d"), "--model", "gpt2", "--max-length", "50")
    assert code == 1
    assert f"{notes}:3:1: note: this file's directive maxLength=120 overrides --max-length 50" in out
    assert not any("directive model=" in line or "directive segment=" in line for line in out)  # same as the flags
    assert f"{plain}:1:1: note: {n_plain} tokens · gpt2 · {n_plain / 50:.0%} of 50" in out
    assert out[-1] == ("2 files, 4 inputs (1 document, 3 paragraphs), 2 truncated · "
                       "gpt2 · max 120 tokens (1 file); gpt2 · max 50 tokens (1 file)")

    code, out = run(capsys, str(notes), "--model", "bert-base-uncased", "--segment", "line")
    assert f"{notes}:3:1: note: this file's directive model=gpt2 overrides --model bert-base-uncased" in out
    assert f"{notes}:3:1: note: this file's directive segment=paragraph overrides --segment line" in out
    assert out[-1].endswith("3 paragraph inputs, 1 truncated · gpt2 · max 120 tokens")

    code, out = run(capsys, str(notes))
    assert not any(": note: this file's directive" in line for line in out)  # no flags given: nothing to say


def test_summary_rows_are_relative_to_the_paths_given(tmp_path, capsys, monkeypatch):
    texts = {"proj/top.md": "Some words at the top.", "proj/docs/a.txt": "One 😀 note.",
             "proj/docs/deep/b.md": "Deeper words.", "proj/notes/c.txt": "Notes here."}
    for rel, text in texts.items():
        write(tmp_path / rel, text)
    n = {k: len(encode(v, "bert-base-uncased").ids) + 2 for k, v in texts.items()}

    code, out = run(capsys, "--summary", str((tmp_path / "proj").absolute()))
    assert code == 0
    assert [line.split()[:2] for line in out[:-1]] == [
        ["./", f"{sum(n.values())}"], ["docs/", f"{n['proj/docs/a.txt'] + n['proj/docs/deep/b.md']}"],
        ["docs/deep/", f"{n['proj/docs/deep/b.md']}"], ["notes/", f"{n['proj/notes/c.txt']}"]]

    code, out = run(capsys, "--summary", str(tmp_path / "proj" / "docs" / "deep" / "b.md"))
    assert [line.split()[:2] for line in out[:-1]] == [["./", f"{n['proj/docs/deep/b.md']}"]]

    monkeypatch.chdir(tmp_path / "proj")
    code, out = run(capsys, "--summary", "docs", "notes/c.txt")
    assert [line.split()[0] for line in out[:-1]] == ["./", "docs/", "docs/deep/", "notes/"]
    code, out = run(capsys, "--summary", "docs")
    assert [line.split()[0] for line in out[:-1]] == ["./", "deep/"]

"""Workspace counts: which files, totals per folder, and `tokls check --summary`."""

from __future__ import annotations

from tokls.cli import main
from tokls.core.tokenizers import load_tokenizer
from tokls.core.workspace import FileCount, folder_totals, summary_root, workspace_files


def count(text: str) -> int:
    return len(load_tokenizer("bert-base-uncased").tokenizer.encode(text).ids)


def make(root, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


def test_files_skip_gitignored_hidden_excluded_and_other_kinds(tmp_path):
    make(tmp_path, {"a.md": "a", "sub/b.txt": "b", "ignored/c.md": "c", ".hidden/d.md": "d", "sub/e.log.md": "e",
                    "node_modules/f.md": "f", "g.py": "g", ".gitignore": "ignored/\n*.log.md\n"})
    got = [p.relative_to(tmp_path).as_posix() for p in workspace_files(tmp_path, exclude=("b.txt",))]
    assert got == ["a.md"]
    got = [p.relative_to(tmp_path).as_posix() for p in workspace_files(tmp_path)]
    assert got == ["a.md", "sub/b.txt"]


def test_folder_totals_count_each_file_in_every_ancestor():
    counts = [FileCount("a.md", 5, 5, 512, 0), FileCount("x/b.md", 7, 7, 512, 1), FileCount("x/y/c.md", 11, 11, 512, 0)]
    assert [(t.path, t.tokens, t.files, t.truncated) for t in folder_totals(counts)] == [
        (".", 23, 3, 1), ("x", 18, 2, 1), ("x/y", 11, 1, 0)]


def test_check_summary_prints_per_folder_totals(tmp_path, capsys, monkeypatch):
    texts = {"top.md": "Some words at the top.", "notes/one.txt": "One 😀 note.", "notes/two.md": "Two notes here."}
    make(tmp_path, texts)
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--summary", "."])
    out = capsys.readouterr().out.splitlines()
    n = {k: count(v) for k, v in texts.items()}
    assert code == 0
    assert out[0].split() == ["./", f"{sum(n.values()):,}", "tokens", "3", "files"]
    assert out[1].split() == ["notes/", f"{n['notes/one.txt'] + n['notes/two.md']:,}", "tokens", "2", "files"]
    assert out[2].startswith("3 files, 3 document inputs, 0 truncated")


def test_summary_root_is_the_deepest_folder_holding_every_path(tmp_path, monkeypatch):
    make(tmp_path, {"p/a.md": "a", "p/docs/b.md": "b", "p/notes/c.md": "c"})
    p = tmp_path / "p"
    assert summary_root([str(p)]) == str(p)
    assert summary_root([str(p / "docs" / "b.md")]) == str(p / "docs")
    assert summary_root([str(p / "docs"), str(p / "notes" / "c.md")]) == str(p)
    monkeypatch.chdir(p / "docs")
    assert summary_root(["b.md"]) == str(p / "docs") and summary_root(["../notes", "."]) == str(p)

"""The tokls cache folder and its atomic writer."""

from __future__ import annotations

from pathlib import Path

from tokls.core.cachedir import file_sha256, tokls_cache, write_atomic


def test_cache_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert tokls_cache("code") == tmp_path / "tokls" / "code"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert tokls_cache() == Path.home() / ".cache" / "tokls"


def test_write_atomic_writes_whole_files_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "deep" / "folder" / "data.bin"
    assert write_atomic(target, b"first") and target.read_bytes() == b"first"
    assert write_atomic(target, b"second") and target.read_bytes() == b"second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["data.bin"]
    assert file_sha256(target) == "16367aacb67a4a017c8da8ab95682ccb390863780f7114dda0a0e0c55644c7c4"


def test_write_atomic_reports_a_folder_it_cannot_write(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert write_atomic(blocker / "data.bin", b"x") is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]

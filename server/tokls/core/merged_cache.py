"""The merged-adapter cache: each entry's manifest, its validation, and cleaning up.

An entry (a folder under ``<cache>/tokls/merged``) is written to a ``.merge-*`` temporary folder,
its manifest last (:data:`MANIFEST_FILE`: every file's size and SHA-256), then renamed into place.
:func:`valid_entry` checks an entry against its manifest; a bad one is discarded (renamed
away, then removed) and merged again by :mod:`.checkpoints`. :func:`clean_stale_temporaries`
removes the temporaries of merges that were killed midway.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from .cachedir import file_sha256

__all__ = ["MANIFEST_FILE", "STALE_TEMP_S", "write_manifest", "valid_entry", "discard", "clean_stale_temporaries"]

MANIFEST_FILE = "tokls_manifest.json"
STALE_TEMP_S = 3600  # a .merge-* temporary older than this belongs to a merge that was killed


def write_manifest(folder: Path) -> None:
    files = {f.name: {"size": f.stat().st_size, "sha256": file_sha256(f)}
             for f in sorted(folder.iterdir()) if f.is_file() and f.name != MANIFEST_FILE}
    (folder / MANIFEST_FILE).write_text(json.dumps({"format": 1, "files": files}, indent=1) + "\n",
                                        encoding="utf-8")


def valid_entry(folder: Path) -> bool:
    """Whether a merged-cache entry is complete: every file of its manifest, same size and hash."""
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        files = manifest["files"]
        for name, want in files.items():
            path = folder / name
            if path.stat().st_size != want["size"] or file_sha256(path) != want["sha256"]:
                return False
        return "config.json" in files and "model.safetensors" in files
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def discard(folder: Path) -> None:
    """Remove a bad cache entry (renamed first, so no reader sees it half removed)."""
    trash = folder.with_name(f".merge-bad-{os.getpid()}-{time.monotonic_ns()}")
    try:
        os.rename(folder, trash)
    except OSError:
        return  # another process got there first
    shutil.rmtree(trash, ignore_errors=True)


def clean_stale_temporaries(root: Path) -> None:
    """Remove ``.merge-*`` folders left by merges that were killed (older than an hour)."""
    try:
        entries = list(root.iterdir())
    except OSError:
        return
    now = time.time()
    for entry in entries:
        try:
            if entry.name.startswith(".merge-") and now - entry.stat().st_mtime > STALE_TEMP_S:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue

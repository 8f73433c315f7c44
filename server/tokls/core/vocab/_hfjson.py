"""A shipped ``tokenizer.json`` (Llama 3, DeepSeek) made to treat special-token literals as text.

In the shipped file the special tokens are added tokens, which match wherever their literal
appears in a text. For counting a document, ``<|begin_of_text|>`` written in it is text (as
Meta's and OpenAI's ``encode`` treat it by default). Each special token therefore moves into the
BPE model's vocabulary under its id (so the id still decodes and the post-processor's BOS still
works) and out of the added tokens, unless its literal could come out of BPE (a merge yields it,
or, with ``ignore_merges``, a whole pre-token could be it): then it is only dropped. Non-special
added tokens are vocabulary and stay as shipped.
"""

from __future__ import annotations

import json
from pathlib import Path

from tokenizers import Tokenizer

__all__ = ["tokenizer_from_json"]


def tokenizer_from_json(path: Path, *, allow_special: bool = False) -> Tokenizer:
    spec = json.loads(path.read_text(encoding="utf-8"))
    if not allow_special:
        spec = _specials_as_text(spec)
    tok = Tokenizer.from_str(json.dumps(spec, ensure_ascii=False))
    tok.no_truncation()
    tok.no_padding()
    return tok


def _specials_as_text(spec: dict) -> dict:
    model = spec.get("model") or {}
    if model.get("type") != "BPE" or not isinstance(model.get("vocab"), dict):
        raise ValueError("only BPE tokenizer.json files are adapted")
    vocab: dict[str, int] = model["vocab"]
    produced = set()
    for merge in model.get("merges") or []:
        left, right = merge.split(" ", 1) if isinstance(merge, str) else merge
        produced.add(left + right)
    probe = None
    if model.get("ignore_merges"):
        probe = Tokenizer.from_str(json.dumps({**spec, "added_tokens": []}, ensure_ascii=False))
    taken = set(vocab.values())
    kept = []
    for added in spec.get("added_tokens") or []:
        if not added.get("special"):
            kept.append(added)
            continue
        content, token_id = added["content"], added["id"]
        if content in vocab or token_id in taken or content in produced:
            continue
        if probe is not None and (
            probe.pre_tokenizer is None or len(probe.pre_tokenizer.pre_tokenize_str(content)) <= 1
        ):
            continue
        vocab[content] = token_id
        taken.add(token_id)
    return {**spec, "added_tokens": kept, "model": {**model, "vocab": vocab}}

"""A shipped ``tokenizer.json`` (Llama 3, DeepSeek) made to treat special-token literals as text.

In the shipped file the special tokens are added tokens, which match wherever their literal
appears in a text. For counting a document, ``<|begin_of_text|>`` written in it is text (as
Meta's and OpenAI's ``encode`` treat it by default). Each special token therefore moves into the
BPE model's vocabulary under its id (so the id still decodes and the post-processor's BOS still
works) and out of the added tokens, unless its literal could come out of BPE (a merge yields it,
or, with ``ignore_merges``, a whole pre-token could be it): then it is only dropped. Non-special
added tokens are vocabulary and stay as shipped.

The merges are cut to the ones BPE can use: for every token, the pair its own merge loop joins
last (see ``_tiktoken._merges`` for why no other pair ever forms it). Ids do not change; the
saved file shrinks and loads faster (Llama 3: 280K merges → 127K).
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
    spec = _used_merges_only(spec)
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


def _used_merges_only(spec: dict) -> dict:
    model = spec["model"]
    pairs = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in model.get("merges") or []]
    rank = {pair: i for i, pair in enumerate(pairs)}

    def last_merge(token: str) -> tuple[str, str] | None:
        parts = list(token)
        while len(parts) > 2:
            best_rank, best_at = None, -1
            for i in range(len(parts) - 1):
                r = rank.get((parts[i], parts[i + 1]))
                if r is not None and (best_rank is None or r < best_rank):
                    best_rank, best_at = r, i
            if best_rank is None:
                return None
            parts[best_at:best_at + 2] = [parts[best_at] + parts[best_at + 1]]
        pair = (parts[0], parts[1]) if len(parts) == 2 else None
        return pair if pair in rank else None

    used = {pair for token in model["vocab"] if len(token) > 1 and (pair := last_merge(token)) is not None}
    kept = [list(pair) for pair in pairs if pair in used]
    return {**spec, "model": {**model, "merges": kept}}

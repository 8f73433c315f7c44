"""tiktoken-format BPE ranks → a ``tokenizers.Tokenizer`` that gives the same ids.

tiktoken's algorithm: split the text with a regex; a piece that is itself a token is that token;
otherwise start from its bytes and repeatedly merge the adjacent pair whose concatenation has the
lowest rank. The equivalent ``tokenizers`` pipeline is

- pre-tokenizer: ``Split`` on the (rewritten) pattern, then ``ByteLevel`` without its own regex,
  so pieces become byte-level strings and offsets still point into the text;
- model: ``BPE`` over the byte-level form of every rank, with ``ignore_merges`` (a whole piece in
  the vocabulary is taken as is) and, for every token BPE can build, the merge that builds it,
  ranked by the token's rank;
- decoder: ``ByteLevel``.

Special tokens get their ids in the model's vocabulary (so ids decode), but are not added tokens:
their literals in a text are encoded as ordinary text, as tiktoken's ``encode_ordinary`` does. A
special whose literal would be a single pre-token is left out of the vocabulary, so that BPE can
never produce it from text. With ``allow_special`` they are added as special tokens that match.
"""

from __future__ import annotations

import base64
import gzip
from pathlib import Path
from typing import Mapping

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, processors

from ._bytelevel import bytes_to_piece
from ._regex import rewrite_pattern

__all__ = ["read_tiktoken_ranks", "tokenizer_from_ranks"]


def read_tiktoken_ranks(path: Path) -> dict[bytes, int]:
    """Read a ``.tiktoken`` file (``base64-token rank`` per line), gzipped or not."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    ranks: dict[bytes, int] = {}
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 2:
            raise ValueError(f"{path.name}, line {number}: expected 'token rank'")
        ranks[base64.b64decode(fields[0])] = int(fields[1])
    return ranks


def _last_merge(token: bytes, ranks: Mapping[bytes, int]) -> tuple[bytes, bytes] | None:
    """Run tiktoken's merge loop on ``token``'s bytes; the pair merged last if it ends as ``token``."""
    parts = [token[i:i + 1] for i in range(len(token))]
    while len(parts) > 2:
        best_rank, best_at = None, -1
        for i in range(len(parts) - 1):
            rank = ranks.get(parts[i] + parts[i + 1])
            if rank is not None and (best_rank is None or rank < best_rank):
                best_rank, best_at = rank, i
        if best_rank is None:
            return None
        parts[best_at:best_at + 2] = [parts[best_at] + parts[best_at + 1]]
    return (parts[0], parts[1]) if len(parts) == 2 else None


def _merges(ranks: Mapping[bytes, int]) -> list[tuple[str, str]]:
    """One merge per token that BPE can build from its bytes: the pair its own merge loop joins last.

    Merging a span in context follows the same steps as merging it alone (a merge that crosses the
    span's edge would keep the token from forming), so a token only ever forms through that pair:
    the other ways of cutting it into two tokens are never chosen and are left out. That keeps the
    saved tokenizer small and its load fast. Tokens the loop cannot build are still produced when a
    whole pre-token equals them (``ignore_merges``), exactly as tiktoken does.
    """
    ordered = sorted((rank, token) for token, rank in ranks.items() if len(token) > 1)
    merges = []
    for _, token in ordered:
        pair = _last_merge(token, ranks)
        if pair is not None:
            merges.append((bytes_to_piece(pair[0]), bytes_to_piece(pair[1])))
    return merges


def tokenizer_from_ranks(
    ranks: Mapping[bytes, int],
    pattern: str,
    special_tokens: Mapping[str, int] | None = None,
    *,
    id_offset: int = 0,
    allow_special: bool = False,
) -> Tokenizer:
    """Build the tokenizer; token ids are ``rank + id_offset`` (tekken puts specials first)."""
    vocab = {bytes_to_piece(token): rank + id_offset for token, rank in ranks.items()}
    if len(vocab) != len(ranks):
        raise ValueError("two ranks map to the same byte-level piece")
    merges = _merges(ranks)
    pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(rewrite_pattern(pattern)), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    specials = _specials_in_vocabulary(pre_tokenizer, vocab, special_tokens or {}, allow_special)
    tok = Tokenizer(models.BPE(vocab={**vocab, **specials}, merges=merges, ignore_merges=True, fuse_unk=False))
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.ByteLevel()
    # Untrimmed offsets: " world" spans its space, so every character belongs to a token.
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    if allow_special and specials:
        tok.add_special_tokens([AddedToken(literal, special=True, normalized=False) for literal in specials])
    return tok


def _specials_in_vocabulary(
    pre_tokenizer: pre_tokenizers.PreTokenizer, vocab: Mapping[str, int], specials: Mapping[str, int], allow: bool,
) -> dict[str, int]:
    """The specials that may sit in the BPE vocabulary without ever being produced from text.

    BPE reaches a vocabulary entry through a merge (specials have none) or as a whole pre-token
    (``ignore_merges``): a literal that pre-tokenizes into one piece is kept out unless it is
    meant to match anyway.
    """
    taken = set(vocab.values())
    kept: dict[str, int] = {}
    for literal, token_id in specials.items():
        if token_id in taken or literal in vocab:
            raise ValueError(f"special token {literal!r} collides with the vocabulary")
        if allow or len(pre_tokenizer.pre_tokenize_str(literal)) > 1:
            kept[literal] = token_id
    return kept

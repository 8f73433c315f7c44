"""Vocabulary pieces as readable text.

Byte-level BPE (GPT-2, tiktoken vocabularies, Llama 3, Qwen…) stores each byte of UTF-8 as one
printable stand-in character, so GPT-2's piece for `` —`` is ``ĠâĢĶ``; SentencePiece vocabularies
with byte fallback spell a lone byte ``<0xE2>``. :func:`decode_piece` turns such a piece back
into the text it stands for, and says when the piece holds only part of a multi-byte character
(its bytes are then shown as ``\\xe2\\x80``).
"""

from __future__ import annotations

import re

from .vocab._bytelevel import BYTE_TO_CHAR

__all__ = ["is_byte_level", "decode_piece"]

_CHAR_TO_BYTE = {c: b for b, c in enumerate(BYTE_TO_CHAR)}
_BYTE_PIECE = re.compile(r"<0x([0-9A-Fa-f]{2})>")


def is_byte_level(tokenizer) -> bool:
    """Whether a ``tokenizers.Tokenizer`` spells its pieces in the byte-level alphabet (its
    decoder or pre-tokenizer is, or contains, ``ByteLevel``)."""
    for part in (tokenizer.decoder, tokenizer.pre_tokenizer):
        if part is None:
            continue
        try:
            state = part.__getstate__()
        except Exception:  # noqa: BLE001 - a component that cannot describe itself: not byte-level
            continue
        if b'"ByteLevel"' in (state if isinstance(state, bytes) else str(state).encode()):
            return True
    return False


def _bytes_of(piece: str, byte_level: bool) -> bytes | None:
    m = _BYTE_PIECE.fullmatch(piece)
    if m:
        return bytes([int(m.group(1), 16)])
    if not byte_level:
        return None
    out = bytearray()
    for ch in piece:
        b = _CHAR_TO_BYTE.get(ch)
        if b is None:  # a special or added token written in plain text (``<|endoftext|>``)
            return None
        out.append(b)
    return bytes(out)


def decode_piece(piece: str, byte_level: bool) -> tuple[str, bool]:
    """``(decoded, partial)``: the text ``piece`` stands for, and whether it holds only part of a
    multi-byte UTF-8 character (the incomplete bytes then appear as ``\\xNN``).

    Pieces that are not bytes (WordPiece ``##ing``, SentencePiece ``▁the``, special tokens) come
    back unchanged.
    """
    data = _bytes_of(piece, byte_level)
    if data is None:
        return piece, False
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", "backslashreplace"), True

"""The byte ↔ character table of byte-level BPE (GPT-2's), as ``tokenizers``' ByteLevel uses it.

Printable Latin-1 bytes stand for themselves; the other 68 bytes (controls, space, soft hyphen…)
are given the code points 256, 257, … in byte order, so that every byte string is a printable
string of the same length.
"""

from __future__ import annotations

__all__ = ["BYTE_TO_CHAR", "bytes_to_piece"]


def _table() -> list[str]:
    kept = set(range(ord("!"), ord("~") + 1)) | set(range(0xA1, 0xAC + 1)) | set(range(0xAE, 0xFF + 1))
    table, extra = [], 256
    for byte in range(256):
        if byte in kept:
            table.append(chr(byte))
        else:
            table.append(chr(extra))
            extra += 1
    return table


BYTE_TO_CHAR: list[str] = _table()


def bytes_to_piece(data: bytes) -> str:
    return "".join(BYTE_TO_CHAR[b] for b in data)

"""Code-point offsets ↔ LSP positions in UTF-16, UTF-8 and UTF-32, and the line index under edits."""

from __future__ import annotations

import random

import pytest
from lsprotocol.types import Position, Range

from tokls.lsp.document import Document

TEXT = "a😀b\r\n日本語\n👨‍👩‍👧 x\re\u0301\u2028same line\n\nend🇫🇷"


def units(s: str, enc: str) -> int:
    return {"utf-8": len(s.encode()), "utf-16": len(s.encode("utf-16-le")) // 2, "utf-32": len(s)}[enc]


def lsp_lines(text: str) -> list[str]:
    import re

    return re.split(r"\r\n|\r|\n", text)


@pytest.mark.parametrize("enc", ["utf-16", "utf-8", "utf-32"])
def test_every_offset_round_trips(enc):
    doc = Document("file:///t", TEXT, encoding=enc)
    lines = lsp_lines(TEXT)
    assert doc.line_count == len(lines)
    offset = 0
    for n, line in enumerate(lines):
        for i in range(len(line) + 1):
            pos = doc.position_at(offset + i)
            assert pos == Position(n, units(line[:i], enc))
            assert doc.offset_at(pos) == offset + i
        offset += len(line)
        offset += 2 if TEXT[offset:offset + 2] == "\r\n" else 1


def test_clamping_and_inside_a_surrogate_pair():
    doc = Document("file:///t", "a😀b\nxy", encoding="utf-16")
    assert doc.offset_at(Position(0, 2)) == 1  # inside the emoji: its start
    assert doc.offset_at(Position(0, 99)) == 3  # past the end of line: the line end
    assert doc.offset_at(Position(9, 0)) == len(doc.text)
    assert doc.range_of(1, 2) == Range(start=Position(0, 1), end=Position(0, 3))


@pytest.mark.parametrize("seed", range(5))
def test_line_index_survives_random_edits(seed):
    rng = random.Random(seed)
    pieces = ["\r", "\n", "\r\n", "x", "😀", "日", " ", "\u2028"]
    doc = Document("file:///t", "".join(rng.choice(pieces) for _ in range(200)))
    for _ in range(300):
        a = rng.randint(0, len(doc.text))
        b = min(len(doc.text), a + rng.randint(0, 4))
        new = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 3)))
        rng_ = doc.range_of(a, b)
        doc.edit(rng_, new)
        fresh = Document("file:///t", doc.text)
        assert doc.starts.tolist() == fresh.starts.tolist()

"""Defect 3: text that defeats incremental tokenization.

Timing assertions are forbidden in tests, so the cost of an edit is measured by a deterministic
proxy: the number of characters the tokenizer is asked to encode. The test wraps the real
``tokenizers.Tokenizer`` held by a ``LoadedTokenizer`` in a counting proxy (every ``encode*``
call adds the length of its input text(s)), opens the document with ``DocumentTokens`` (the
core state the server edits per keystroke), then makes one-character edits and counts the
characters re-encoded by each. Tokenizer time is linear in characters encoded, so "re-encodes
at most 5% of the document per edit" is the work form of the issue's "≤ 0.05× a full encode".
The final token ids are compared with a fresh encode, so a bound bought by giving wrong
tokens fails too.
"""

from __future__ import annotations

import dataclasses
import json
import random

import pytest

from tokls.core.analysis import DocumentTokens
from tokls.core.tokenizers import load_tokenizer

pytestmark = pytest.mark.robustness

SIZE = 400_000  # characters: big enough that a full re-encode is far above the 5% bound


class CountingTokenizer:
    """Delegates to a real ``tokenizers.Tokenizer``; counts the characters given to encode."""

    def __init__(self, real) -> None:
        self._real = real
        self.chars = 0

    def encode(self, sequence, *args, **kwargs):
        self.chars += len(sequence)
        return self._real.encode(sequence, *args, **kwargs)

    def encode_batch(self, inputs, *args, **kwargs):
        self.chars += sum(len(s) for s in inputs)
        return self._real.encode_batch(inputs, *args, **kwargs)

    def encode_batch_fast(self, inputs, *args, **kwargs):
        self.chars += sum(len(s) for s in inputs)
        return self._real.encode_batch_fast(inputs, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._real, name)


def _minified_json(n: int) -> str:
    rng = random.Random(3)
    rows, size = [], 0
    while size < n:
        row = {"id": len(rows), "name": f"item{rng.randrange(10**6)}", "tags": ["x", "y"], "v": rng.random()}
        rows.append(row)
        size += 70
    return json.dumps(rows, separators=(",", ":"))[:n]


def _prose(n: int) -> str:
    rng = random.Random(5)
    words = "the of model token window reads text and cuts at spaces when a line ends here".split()
    out, size = [], 0
    while size < n:
        line = " ".join(rng.choice(words) for _ in range(rng.randrange(5, 15))) + ".\n"
        out.append(line)
        size += len(line)
    return "".join(out)[:n]


DOCUMENTS = {
    "prose": lambda: _prose(SIZE),  # the control: ordinary text is already bounded today
    "minified-json": lambda: _minified_json(SIZE),
    "one-repeated-char": lambda: "a" * SIZE,
    "a-newline": lambda: "a\n" * (SIZE // 2),
    "periodic-words": lambda: "ab cd " * (SIZE // 6),
}


@pytest.mark.parametrize("model", ["bert-base-uncased", "gpt2"])
@pytest.mark.parametrize("kind", list(DOCUMENTS))
def test_defect3_every_document_edits_in_bounded_work(kind, model):
    """Each of five one-character edits (start, middle, end) re-encodes at most 5% of the
    document's characters, and the resulting ids equal a fresh encode of the final text."""
    base = load_tokenizer(model)
    counter = CountingTokenizer(base.tokenizer)
    tok = dataclasses.replace(base, tokenizer=counter)
    text = DOCUMENTS[kind]()
    state = DocumentTokens(tok, text, "document", None)
    state.analysis()
    for where in (len(text) // 2, 10, len(text) - 10, len(text) // 3, len(text) // 2 + 1):
        counter.chars = 0
        state.edit(where, where, "b")
        state.analysis()
        text = text[:where] + "b" + text[where:]
        assert counter.chars <= 0.05 * len(text), (
            f"{kind}/{model}: an edit at {where} re-encoded {counter.chars:,} of {len(text):,} characters")
    assert state.text == text
    fresh = DocumentTokens(base, text, "document", None)
    got = [t.id for t in state.tokens_in(0, len(text))]
    want = [t.id for t in fresh.tokens_in(0, len(text))]
    assert got == want

"""Token counts and truncation points against the raw `tokenizers` library, text by text."""

from __future__ import annotations

import bisect
import dataclasses

import pytest

from tokls.core.analysis import DocumentTokens, analyze, line_starts, segment_spans
from tokls.core.chunking import ChunkView
from tokls.core.messages import count_message, truncation_message

TEXTS = {
    "empty": "",
    "word": "hello",
    "prose": "The quick brown fox jumps over the lazy dog. " * 40,
    "code": "def f(x):\n    return {'a': [x ** 2 for x in range(10)]}  # squares\n" * 30,
    "emoji": "Emoji 😀 and a family 👨‍👩‍👧 and flags 🇫🇷🇯🇵, keycaps 1️⃣. " * 25,
    "cjk": "日本語のテキストと中文文本，还有한국어 텍스트。" * 40,
    "combining": "café naïve e\u0301 a\u0308 n\u0303 " * 60,
    "crlf": "first line\r\nsecond line\r\n\r\nfourth line after a blank\r\n" * 40,
    "lone_cr": "old mac\rline ends\rstill\r" * 50,
    "long_line": ("word " * 3000).strip(),
    "no_spaces": "x" * 5000,
    "whitespace": " \t\n \r\n\u00a0\u3000 " * 30,
    "control": "nul\x00 bell\x07 esc\x1b vt\x0b ff\x0c sep\x1c end\u2028para\u2029 " * 20,
    "unknown_heavy": "🙂" * 700,
    "special_literals": "[CLS] [SEP] <|endoftext|> [UNK] [MASK] " * 50,
    "long_words": ("a" * 150 + " " + "Pneumonoultramicroscopicsilicovolcanoconiosis ") * 30,
    "mixed": "Prices: $1,234.56 — 50% off! Email me@example.com, visit https://example.com/a?b=c#d\n" * 30,
}


@pytest.mark.parametrize("name", TEXTS)
def test_count_equals_raw_encoding(tok, name):
    text = TEXTS[name]
    raw = tok.tokenizer.encode(text, add_special_tokens=True)
    assert analyze(text, tok).tokens == len(raw.ids)


@pytest.mark.parametrize("name", TEXTS)
@pytest.mark.parametrize("limit", [8, 64, 512])
def test_truncation_offset_is_start_of_first_dropped_token(tok, name, limit):
    text = TEXTS[name]
    raw = tok.tokenizer.encode(text, add_special_tokens=False)
    keep = limit - tok.num_special
    seg = analyze(text, tok, max_length=limit).segments[0]
    if len(raw.ids) <= keep:
        assert seg.truncation is None
    else:
        assert seg.truncation is not None
        assert seg.truncation.offset == raw.offsets[keep][0]
        assert seg.truncation.token_end == raw.offsets[keep][1]
        assert seg.truncation.dropped_tokens == len(raw.ids) - keep
        assert seg.tokens == len(raw.ids) + tok.num_special


def test_default_limits(bert, gpt2):
    assert bert.max_length == 512 and bert.num_special == 2
    assert gpt2.max_length == 1024 and gpt2.num_special == 0
    text = "word " * 600
    assert analyze(text, bert).segments[0].truncation.dropped_tokens == 600 + 2 - 512
    assert analyze(text, gpt2).segments[0].truncation is None


@pytest.mark.parametrize("segment", ["line", "paragraph"])
@pytest.mark.parametrize("name", ["prose", "crlf", "lone_cr", "code", "whitespace", "control", "empty"])
def test_segments_count_each_input_alone(tok, segment, name):
    text = TEXTS[name].replace(". ", ".\n", 7).replace("\n    ", "\n\n    ", 3)
    spans = segment_spans(text, segment)
    analysis = analyze(text, tok, segment=segment, max_length=16)
    assert [(s.start, s.end) for s in analysis.segments] == spans
    for seg in analysis.segments:
        piece = text[seg.start:seg.end]
        assert piece.strip(), "blank inputs are not segments"
        raw = tok.tokenizer.encode(piece, add_special_tokens=False)
        assert seg.tokens == len(raw.ids) + tok.num_special
        keep = 16 - tok.num_special
        if len(raw.ids) > keep:
            assert seg.truncation.offset == seg.start + raw.offsets[keep][0]
        else:
            assert seg.truncation is None


def test_segment_spans():
    text = "a\n\n  \nb c\r\nd\r\n\r\ne\rf\n"
    assert segment_spans(text, "line") == [(0, 1), (6, 9), (11, 12), (16, 17), (18, 19)]
    assert segment_spans(text, "paragraph") == [(0, 1), (6, 12), (16, 19)]
    assert segment_spans(text, "document") == [(0, len(text))]
    with pytest.raises(ValueError):
        segment_spans(text, "sentence")


def test_tokens_at_and_word_split(bert):
    text = "Tokenization untranslatable 😀 end"
    state = DocumentTokens(bert, text)
    (t,) = state.tokens_at(text.index("tra"))
    assert t.piece == "##tra" and t.word == ("un", "##tra", "##ns", "##lat", "##able")
    assert t.index == 4  # [CLS] token ##ization un ##tra
    assert (t.start, t.end) == (15, 18) and not t.truncated
    (unk,) = state.tokens_at(text.index("😀"))
    assert unk.unknown and unk.piece == "[UNK]"
    assert state.tokens_at(text.index(" ")) == []  # whitespace belongs to no BERT token


@pytest.mark.parametrize("model", ["bert-base-uncased", "gpt2", "o200k_base", "llama-3", "mistral-v3"])
def test_chunk_view_reads_tokens_one_by_one_as_the_whole_lists_say(model):
    """A hover reads one token's span, piece and word without the chunk's lists: the same facts."""
    from tokls.core.tokenizers import load_tokenizer

    tok = load_tokenizer(model).tokenizer
    text = " ".join(TEXTS.values())
    enc = tok.encode(text, add_special_tokens=False)
    view = ChunkView(enc, tok.id_to_token)
    offsets, pieces, words = enc.offsets, enc.tokens, enc.word_ids
    starts = [s for s, _ in offsets]
    runs, k = [], 0  # the run of equal word ids around each token (None: a token alone)
    while k < len(words):
        m = k + 1
        while words[k] is not None and m < len(words) and words[m] == words[k]:
            m += 1
        runs += [(k, m)] * (m - k)
        k = m
    for k in range(len(enc)):
        assert view.span(k) == offsets[k] and view.piece(k) == pieces[k] and view.word_run(k) == runs[k]
    for rel in range(0, len(text), 3):
        assert view.last_starting_at(rel) == bisect.bisect_right(starts, rel) - 1


def test_byte_level_pieces_of_one_character(gpt2):
    text = "a 👨‍👩‍👧 b"
    state = DocumentTokens(gpt2, text)
    hits = state.tokens_at(2)
    raw = gpt2.tokenizer.encode(text)
    expected = [i for i, (s, e) in enumerate(raw.offsets) if s <= 2 < e]
    assert [h.index for h in hits] == expected and len(hits) >= 1


@pytest.mark.parametrize("name", TEXTS)
def test_decoded_pieces_rebuild_the_text(gpt2, name):
    """Byte-level pieces decode to their text: the decoded pieces joined are the text itself, and a
    piece is partial exactly when its bytes are not whole characters."""
    text = TEXTS[name]
    tokens = DocumentTokens(gpt2, text).tokens_in(0, len(text))
    raw = gpt2.tokenizer.encode(text, add_special_tokens=False)
    assert b"".join(_bytes(t) for t in tokens).decode("utf-8") == text
    for t, token_id in zip(tokens, raw.ids):
        whole = gpt2.tokenizer.decode([token_id], skip_special_tokens=False)
        assert t.partial == ("\ufffd" in whole and "\ufffd" not in t.text), t
        if not t.partial:
            assert t.decoded == whole


def _bytes(t) -> bytes:
    """The bytes a decoded piece stands for (``\\xNN`` escapes of partial pieces undone)."""
    return t.decoded.encode("utf-8", "surrogateescape") if not t.partial else \
        t.decoded.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")


def test_decoded_piece_examples(gpt2, bert):
    (dash,) = DocumentTokens(gpt2, "a — b").tokens_at(2)
    assert (dash.piece, dash.decoded, dash.partial, dash.text) == ("ĠâĢĶ", " —", False, " —")
    parts = DocumentTokens(gpt2, "ꙮ").tokens_at(0)
    assert [(p.decoded, p.partial, p.text) for p in parts] == [("\\xea", True, "ꙮ"), ("\\x99", True, "ꙮ"),
                                                               ("\\xae", True, "ꙮ")]
    # WordPiece pieces are not bytes: unchanged, even when they look like Latin-1 stand-ins
    (word,) = DocumentTokens(bert, "é").tokens_at(0)
    assert (word.piece, word.decoded, word.partial) == ("e", "e", False)
    assert [(t.decoded, t.partial) for t in DocumentTokens(bert, "tokenization").tokens_in(0, 12)] == \
        [("token", False), ("##ization", False)]


def test_tokens_in_range_and_truncated_flag(bert):
    text = "one two three four five six seven"
    state = DocumentTokens(bert, text, max_length=5)
    tokens = state.tokens_in(0, len(text))
    assert [t.piece for t in tokens] == text.split()
    assert [t.truncated for t in tokens] == [False] * 3 + [True] * 4
    assert [t.piece for t in state.tokens_in(4, 9)] == ["two", "three"]
    assert [t.piece for t in state.tokens_in(0, len(text), limit=2)] == ["one", "two"]


def test_count_text(bert, gpt2):
    assert DocumentTokens(bert, "").count_text("hello world") == 4
    assert DocumentTokens(gpt2, "").count_text("Hello world") == 2


def _line_of(text):
    starts = line_starts(text)
    return lambda offset: sum(1 for s in starts if s <= offset)


def test_count_message_for_a_document_uses_thousands_separators(bert, gpt2):
    text = ("word " * 1500).strip()
    assert count_message(analyze(text, gpt2), _line_of(text)) == "1,500 tokens · gpt2 · 146% of 1,024"
    assert count_message(analyze("hello world", bert), _line_of("hello world")) == \
        "4 tokens · bert-base-uncased · 1% of 512"
    unbounded = dataclasses.replace(bert, max_length=None)
    assert count_message(analyze("hello world", unbounded), _line_of("")) == \
        "4 tokens · bert-base-uncased · no length limit"


def test_count_message_for_lines_and_paragraphs_names_the_longest(bert):
    text = "a\r\nb c d\n\ne\n"
    seen = []

    def line_of(offset):
        seen.append(offset)
        return _line_of(text)(offset)

    analysis = analyze(text, bert, segment="line", max_length=4)
    assert count_message(analysis, line_of) == \
        "11 tokens in 3 lines · longest 5 (line 2, 125% of 4) · bert-base-uncased · 1 truncated"
    assert seen == [3]
    analysis = analyze(text, bert, segment="paragraph")
    assert count_message(analysis, _line_of(text)) == \
        "9 tokens in 2 paragraphs · longest 6 (line 1, 1% of 512) · bert-base-uncased"
    assert count_message(analyze("\n \n", bert, segment="line"), _line_of("")) == \
        "0 tokens · no non-blank lines · bert-base-uncased"


def test_truncation_message(bert):
    text = "word " * 1200
    (seg,) = analyze(text, bert).truncated
    assert truncation_message(analyze(text, bert), seg) == \
        "Truncated: 1,202 tokens > 512 (bert-base-uncased); 690 tokens past here are dropped"
    lines = analyze("x\n" + text, bert, segment="line")
    assert truncation_message(lines, lines.truncated[0]) == \
        "Truncated: 1,202 tokens > 512 (bert-base-uncased, line 2); 690 tokens past here are dropped"

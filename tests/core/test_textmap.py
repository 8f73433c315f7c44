"""Offset maps through JSON escapes and CSV quoting, checked against json/csv decoding."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given, settings, strategies as st

from tokls.core.textmap import decode_csv_field, decode_json_string, json_string_spans, scan_csv

SAMPLES = [
    "plain ascii",
    'quote " and backslash \\ and slash /',
    "line\nbreak\r\ttab\bback\fform",
    "caf\u00e9 na\u00efve",
    "emoji \U0001F600 and \U0001F9D1\u200d\U0001F4BB astral",
    "\x00\x1f control",
    "",
]


def _check_map(doc: str, text: str, m, decode_piece) -> None:
    assert m.length == len(text)
    for i, ch in enumerate(text):
        a, b = m.to_doc(i), m.char_end(i)
        assert decode_piece(doc[a:b]) == ch, (i, ch, doc[a:b])
        assert m.from_doc(a) == i
        assert m.span(i, i + 1) == (a, b)


def _json_piece(raw: str) -> str:
    return json.loads('"' + raw + '"')


@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize("value", SAMPLES)
def test_json_string_decodes_and_maps_every_character(value: str, ensure_ascii: bool) -> None:
    line = json.dumps({"id": 7, "meta": {"text": "decoy"}, "text": value, "n": [1, "x"]}, ensure_ascii=ensure_ascii)
    spans = json_string_spans(line)
    start, end = spans[("text",)]
    text, m = decode_json_string(line, start, end)
    assert text == json.loads(line)["text"]
    assert line[spans[("meta", "text")][0]:spans[("meta", "text")][1]] == "decoy"
    assert line[slice(*spans[("n", 1)])] == "x"
    _check_map(line, text, m, _json_piece)
    assert m.to_doc(len(text)) == end  # the end of the text is the closing quote


def test_every_escape_kind_by_hand() -> None:
    body = r'a\"b\\c\/d\be\ff\ng\rh\ti\u00e9j\ud83d\ude00k\ud83dl\ude00m'
    line = '{"text": "' + body + '"}'
    start, end = json_string_spans(line)[("text",)]
    text, m = decode_json_string(line, start, end)
    assert text == json.loads(line)["text"]
    # the surrogate pair is one character made of 12 document characters
    i = text.index("\U0001F600")
    assert line[m.to_doc(i):m.char_end(i)] == r"\ud83d\ude00"
    # lone surrogates stay one character each, mapped to their own escape
    lone = [k for k, ch in enumerate(text) if 0xD800 <= ord(ch) <= 0xDFFF]
    assert [line[m.to_doc(k):m.char_end(k)] for k in lone] == [r"\ud83d", r"\ude00"]
    assert m.to_doc(text.index("k")) == line.index("k\\ud83dl")
    _check_map(line, text, m, _json_piece)


def test_chat_message_paths() -> None:
    line = json.dumps({"messages": [{"role": "user", "content": "hi \"there\""},
                                    {"role": "assistant", "content": "caf\u00e9"}]})
    spans = json_string_spans(line)
    text, _ = decode_json_string(line, *spans[("messages", 1, "content")])
    assert text == "caf\u00e9"
    assert line[slice(*spans[("messages", 0, "role")])] == "user"


@settings(max_examples=150, deadline=None)
@given(st.text(), st.booleans())
def test_json_map_property(value: str, ensure_ascii: bool) -> None:
    line = json.dumps({"k\"ey": [value], "text": value}, ensure_ascii=ensure_ascii)
    start, end = json_string_spans(line)[("text",)]
    text, m = decode_json_string(line, start, end)
    assert text == value
    _check_map(line, text, m, _json_piece)


def _csv_piece(raw: str) -> str:
    return '"' if raw == '""' else raw


ROWS = [
    ["text", "label"],
    ['she said ""hi"" and "bye"', "1"],
    ["multi\nline\r\nwith CRLF inside", "0"],
    ["comma, inside", "tab\tinside"],
    ["caf\u00e9 \U0001F600 astral", ""],
    ["", "x"],
    ['"', '""'],
]


@pytest.mark.parametrize("delimiter", [",", "\t"])
@pytest.mark.parametrize("terminator", ["\n", "\r\n"])
def test_csv_fields_decode_and_map(delimiter: str, terminator: str) -> None:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=terminator).writerows(ROWS)
    doc = out.getvalue()
    expected = list(csv.reader(io.StringIO(doc, newline=""), delimiter=delimiter))
    records = list(scan_csv(doc, delimiter))
    assert len(records) == len(expected)
    for rec, row in zip(records, expected):
        assert rec.error is None
        values = []
        for f in rec.fields:
            text, m = decode_csv_field(doc, f)
            values.append(text)
            _check_map(doc, text, m, _csv_piece)
        assert values == row
        assert doc[rec.end:rec.end + len(terminator)] == terminator


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.text(alphabet=st.sampled_from('ab ,"\n\r\t\u00e9\U0001F600'), min_size=1), min_size=2,
                         max_size=3), min_size=1, max_size=4))
def test_csv_property(rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    doc = out.getvalue()
    expected = [r for r in csv.reader(io.StringIO(doc, newline="")) if r]
    got = []
    for rec in scan_csv(doc):
        row = []
        for f in rec.fields:
            text, m = decode_csv_field(doc, f)
            _check_map(doc, text, m, _csv_piece)
            row.append(text)
        got.append(row)
    assert got == expected


def test_unterminated_quote_is_an_error_on_its_line() -> None:
    doc = 'text\n"never closed,1\nok,2\n'
    records = list(scan_csv(doc))
    assert records[1].error == "unterminated quoted field"

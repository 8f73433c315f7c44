"""Records in the editor's token state: truncation at the exact document character through JSON
escapes and CSV quoting, invalid records, pairs, chat, and re-encoding only edited records."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tokls.core.record_tokens import RecordTokens, document_tokens, effective_segment, longest_first

TEXTS = [
    "plain words " * 20,
    'she said "stop" \\ then\nleft, caf\u00e9 ' * 8,
    "emoji \U0001F600 astral \U0001F9D1\u200d\U0001F4BB and tabs\t" * 10,
    "short",
]


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_jsonl_truncation_lands_on_the_exact_character(bert, ensure_ascii):
    M = 16
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=ensure_ascii) for i, t in enumerate(TEXTS)]
    doc = "\n".join(lines[:2]) + "\n\n" + "\r\n".join(lines[2:]) + "\n"
    rt = RecordTokens(bert, doc, "jsonl", M)
    a = rt.analysis()
    assert [s.tokens for s in a.segments] == [len(bert.tokenizer.encode(t).ids) for t in TEXTS]
    for seg, text in zip(a.segments, TEXTS):
        enc = bert.tokenizer.encode(text, add_special_tokens=False)
        if len(enc.ids) + 2 <= M:
            assert seg.truncation is None
            continue
        cut = enc.offsets[M - 2][0]  # first character the model does not read
        line = doc[seg.start:seg.end]
        body = line.index('"text": "') + len('"text": "')
        at = seg.truncation.offset - seg.start
        # decoding the document up to the truncation point gives exactly the text before the cut
        assert json.loads('"' + line[body:at] + '"') == text[:cut]
        assert seg.truncation.dropped_tokens == len(enc.ids) + 2 - M
        # and the token there is the first one the model does not read
        (tok,) = [t for t in rt.tokens_at(seg.truncation.offset) if t.start == seg.truncation.offset][:1]
        assert tok.truncated and tok.index == M - 1 and tok.id == enc.ids[M - 2]


def test_hover_inside_escapes_and_surrogate_pairs(bert, gpt2):
    line = json.dumps({"text": 'a "q" caf\u00e9 \U0001F600 end'}, ensure_ascii=True)
    for tok in (bert, gpt2):
        rt = RecordTokens(tok, line + "\n", "jsonl")
        pair_at = line.index("\\ud83d")
        found = rt.tokens_at(pair_at + 7)  # inside the low half of the escape
        # byte pieces of the emoji (GPT-2's first one with its space) all end after the whole escape
        assert found and all(t.start in (pair_at, pair_at - 1) and t.end == pair_at + 12 for t in found)
        (e,) = rt.tokens_at(line.index("\\u00e9"))
        assert line[e.start:e.end].endswith("\\u00e9")
        quote = rt.tokens_at(line.index('\\"q'))
        assert [t.text for t in quote][0].startswith('\\"') or quote[0].text.endswith('\\"')
        assert rt.tokens_at(line.index('"text"')) == []  # a key is not part of the input


def test_invalid_and_missing_records_do_not_stop_the_others(bert):
    doc = '{"text": "one"}\n{"text": broken\n[1, 2]\n{"label": 1}\n{"text": "two words"}\n'
    a = RecordTokens(bert, doc, "jsonl").analysis()
    assert [s.tokens for s in a.segments] == [3, 4]
    kinds = [(doc[p.start:p.end], p.kind) for p in a.problems]
    assert kinds == [('{"text": broken', "invalid-record"), ("[1, 2]", "invalid-record"),
                     ('{"label": 1}', "missing-field")]
    assert "invalid JSON" in a.problems[0].message and "list, not an object" in a.problems[1].message


def test_editing_one_record_encodes_only_that_record(bert):
    lines = [json.dumps({"text": f"record number {i} " * (i % 5 + 1)}) for i in range(50)]
    doc = "\n".join(lines) + "\n"
    rt = RecordTokens(bert, doc, "jsonl", 12)
    before = rt.analysis()
    assert rt.encoded == 50
    at = doc.index("record number 7 ") + len("record ")
    rt.edit(at, at + len("number"), "NUMBER and more words")
    after = rt.analysis()
    assert rt.encoded == 51
    changed = [i for i, (x, y) in enumerate(zip(before.segments, after.segments)) if x.tokens != y.tokens]
    assert changed == [7]
    shift = len("NUMBER and more words") - len("number")
    assert [(s.start + shift * (i > 7), s.tokens) for i, s in enumerate(before.segments) if i != 7] == \
           [(s.start, s.tokens) for i, s in enumerate(after.segments) if i != 7]


@pytest.mark.parametrize("kind, delim", [("csv", ","), ("tsv", "\t")])
def test_csv_records_with_quotes_and_crlf_inside(gpt2, kind, delim):
    rows = [["id", "text"], ["1", 'he said ""x"" ' * 3 + 'and "more",\r\nline two ' * 6], ["2", "plain"]]
    out = io.StringIO()
    csv.writer(out, delimiter=delim, lineterminator="\r\n").writerows(rows)
    doc = out.getvalue()
    values = list(csv.reader(io.StringIO(doc, newline=""), delimiter=delim))
    M = 20
    rt = RecordTokens(gpt2, doc, kind, M)
    a = rt.analysis()
    assert [s.tokens for s in a.segments] == [len(gpt2.tokenizer.encode(r[1]).ids) for r in values[1:]]
    seg = a.segments[0]
    text = values[1][1]
    cut = gpt2.tokenizer.encode(text).offsets[M][0]
    field_start = doc.index('"', seg.start)
    raw = doc[field_start + 1:seg.truncation.offset]
    assert raw.replace('""', '"') == text[:cut]
    assert effective_segment("document", "file:///x/data.TSV") == "record"
    assert effective_segment("line", "data.csv") == "line" and effective_segment("document", "a.md") == "document"


def test_pairs_truncate_longest_first(bert):
    q, c = "who owns the café?", "the owner " * 40
    line = json.dumps({"question": q, "context": c})
    M = 24
    rt = document_tokens(bert, line + "\n", "document", M, "qa.jsonl", ["question", "context"])
    (seg,) = rt.analysis().segments
    full = bert.tokenizer.encode(q, c)
    assert seg.tokens == len(full.ids)
    la = len(bert.tokenizer.encode(q, add_special_tokens=False).ids)
    lb = len(bert.tokenizer.encode(c, add_special_tokens=False).ids)
    ka, kb = longest_first(la, lb, M - 3)
    cut = bert.tokenizer.encode(c, add_special_tokens=False).offsets[kb][0]
    body = line.index('"context": "') + len('"context": "')
    assert json.loads('"' + line[body:seg.truncation.offset] + '"') == c[:cut]
    # longest_first as transformers does it: the longer sequence loses one token at a time
    for la, lb, keep in [(3, 50, 20), (30, 30, 20), (30, 29, 20), (5, 5, 20), (40, 2, 10), (7, 7, 3)]:
        a_, b_ = la, lb
        while a_ + b_ > keep:
            if a_ > b_:
                a_ -= 1
            else:
                b_ -= 1
        assert longest_first(la, lb, keep) == (a_, b_)


def test_joined_fields_map_each_part(bert):
    line = json.dumps({"title": "Big café", "body": "word " * 30})
    rt = document_tokens(bert, line + "\n", "document", 10, "x.jsonl", ["title+body"])
    (seg,) = rt.analysis().segments
    assert seg.tokens == len(bert.tokenizer.encode("Big café\n" + "word " * 30).ids)
    assert line[seg.truncation.offset:].startswith("word")
    (t,) = rt.tokens_at(line.index("caf"))
    assert t.piece == "cafe"


def test_budget_warning_inside_a_record_points_into_its_string(bert):
    long_text = "word " * 40
    doc = json.dumps({"text": "short"}) + "\n" + json.dumps({"text": long_text}) + "\n"
    rt = RecordTokens(bert, doc, "jsonl", 50)
    over = rt.over_budget(0.8)  # 40 of 50 tokens; the second record has 42
    assert [seg.index for seg, _ in over] == [1]
    (seg, offset), = over
    second = doc.index("\n") + 1
    # the 41st token of "[CLS] word × 40 [SEP]" is the 40th "word", 39 words into the string
    assert doc[offset:offset + 4] == "word"
    assert offset == second + doc[second:].index('"word') + 1 + 39 * 5
    assert rt.over_budget(None) == [] and rt.over_budget(0.9) == []


def test_hover_facts_of_a_record_decode_byte_level_pieces_and_the_cut_covers_one_token(gpt2):
    doc = json.dumps({"text": "a — b " + "word " * 30}, ensure_ascii=False) + "\n"
    rt = RecordTokens(gpt2, doc, "jsonl", 10)
    (dash,) = rt.tokens_at(doc.index("—"))
    assert dash.piece == "ĠâĢĶ" and dash.decoded == " —" and not dash.partial
    (seg,) = rt.analysis().segments
    cut = seg.truncation
    assert cut is not None and doc[cut.offset:cut.token_end] == " word"

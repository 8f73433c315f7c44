"""Incremental re-tokenization equals tokenizing from scratch, after every edit (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from tokls.core.analysis import DocumentTokens, analyze
from tokls.core.chunking import Chunked
from tokls.core.cutpoints import chunk_safety, cut_points
from tokls.core.tokenizers import load_tokenizer

BERT = load_tokenizer("bert-base-uncased")
GPT2 = load_tokenizer("gpt2")
# tiktoken-style split regexes (cut rule WORD): the vocabularies of today's LLMs
LLM = {name: load_tokenizer(name) for name in ("o200k_base", "llama-3")}

PIECES = ["word", "Tokenization", "the", "it's", "naïve", "e\u0301", "日本語", "中文", "😀", "👨‍👩‍👧", "🇫🇷",
          " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "\r", " \n", "\u00a0", "\u3000", ".", ",", "!?", "--",
          "12345", "x" * 120, "[SEP]", "<|endoftext|>", "#", "'", "\"", "$", "'s", "199999", "—", "。", "/", ")\n"]

fragment = st.lists(st.sampled_from(PIECES), min_size=0, max_size=6).map("".join)
base_text = st.lists(st.sampled_from(PIECES), min_size=0, max_size=400).map("".join)
edit = st.tuples(st.floats(0, 1), st.integers(0, 12), fragment)


def full_state(doc: DocumentTokens):
    """Everything the server shows, computed from the incremental state."""
    a = doc.analysis()
    c = doc._doc
    ids = [i for e in c.encs for i in e.ids]
    offsets = [(s + c.starts[k], e + c.starts[k]) for k in range(len(c.starts)) for s, e in c.view(k).offsets]
    return ids, offsets, a


def scratch_state(tok, text: str, limit: int):
    enc = tok.tokenizer.encode(text, add_special_tokens=False)
    return enc.ids, [tuple(o) for o in enc.offsets], analyze(text, tok, max_length=limit)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=base_text, edits=st.lists(edit, min_size=1, max_size=40), limit=st.sampled_from([6, 40, 512]),
       which=st.sampled_from(["bert", "gpt2"]))
def test_random_edit_sequences_match_scratch(text, edits, limit, which):
    tok = BERT if which == "bert" else GPT2
    doc = DocumentTokens(tok, text, max_length=limit)
    for where, length, new in edits:
        start = int(where * len(doc.text))
        end = min(len(doc.text), start + length)
        doc.edit(start, end, new)
        ids, offsets, analysis = full_state(doc)
        want_ids, want_offsets, want = scratch_state(tok, doc.text, limit)
        assert ids == want_ids
        assert offsets == want_offsets
        assert analysis == want  # counts, truncation point, dropped tokens


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=base_text, edits=st.lists(edit, min_size=1, max_size=30), limit=st.sampled_from([6, 40, 512]),
       which=st.sampled_from(sorted(LLM)))
def test_random_edit_sequences_match_scratch_for_llm_vocabularies(text, edits, limit, which):
    tok = LLM[which]
    assert tok.chunk_safe  # incremental, with the WORD cut rule
    doc = DocumentTokens(tok, text, max_length=limit)
    for where, length, new in edits:
        start = int(where * len(doc.text))
        doc.edit(start, min(len(doc.text), start + length), new)
        ids, offsets, analysis = full_state(doc)
        want_ids, want_offsets, want = scratch_state(tok, doc.text, limit)
        assert ids == want_ids
        assert offsets == want_offsets
        assert analysis == want


@settings(max_examples=40, deadline=None)
@given(text=base_text, edits=st.lists(edit, min_size=1, max_size=20), segment=st.sampled_from(["line", "paragraph"]))
def test_paragraph_and_line_segments_match_scratch(text, edits, segment):
    doc = DocumentTokens(GPT2, text, segment=segment, max_length=8)
    for where, length, new in edits:
        start = int(where * len(doc.text))
        doc.edit(start, min(len(doc.text), start + length), new)
        assert doc.analysis() == analyze(doc.text, GPT2, segment=segment, max_length=8)


def test_edits_on_a_large_document_reencode_little():
    words = [w for w in BERT.tokenizer.get_vocab() if w.isalpha()][:5000]
    import random

    rng = random.Random(7)
    lines = [" ".join(rng.choice(words) for _ in range(rng.randint(4, 16))) + "." for _ in range(4000)]
    text = "\n".join(lines)
    doc = DocumentTokens(BERT, text)
    chunks = len(doc._doc.starts)
    assert chunks > 50, "a realistic document is cut into many chunks"
    encoded = []
    original = BERT.encode_batch

    class Spy:
        def __getattr__(self, name):
            return getattr(BERT, name)

        def encode_batch(self, texts):
            encoded.extend(texts)
            return original(texts)

    doc._doc.tok = Spy()
    middle = len(text) // 2
    doc.edit(middle, middle, "x")
    assert sum(map(len, encoded)) < len(text) / 50
    assert doc.analysis() == analyze(doc.text, BERT)


def test_cut_points_are_content_defined():
    text = "".join(f"line {i} with some words, number {i * 7919 % 1000}.\n" for i in range(2000))
    cuts = cut_points(text)
    assert len(cuts) > 20
    shifted = cut_points("PREFIX " + text)
    assert [c + 7 for c in cuts if c > 100] == [c for c in shifted if c > 107]


def test_chunk_safety_is_derived_from_the_pipeline(bert, gpt2):
    import json

    from tokenizers import Tokenizer, models, pre_tokenizers

    assert bert.chunk_safe and gpt2.chunk_safe
    # a pre-tokenizer that does not split at whitespace: whole-text fallback, still exact
    tok = Tokenizer(models.WordLevel({"a": 0, "[UNK]": 1}, unk_token="[UNK]"))
    safe, note = chunk_safety(tok, json.loads(tok.to_str()))
    assert not safe and "no pre-tokenizer" in note
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    safe, note = chunk_safety(tok, json.loads(tok.to_str()))
    assert not safe and "Metaspace" in note
    gpt2_prefix = Tokenizer.from_str(gpt2.tokenizer.to_str())
    gpt2_prefix.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    safe, _ = chunk_safety(gpt2_prefix, json.loads(gpt2_prefix.to_str()))
    assert not safe


def test_unsafe_tokenizer_reencodes_whole_text_correctly(bert):
    import dataclasses

    unsafe = dataclasses.replace(bert, chunk_safe=False)
    text = "some words here.\n" * 300
    c = Chunked.encode(unsafe, text)
    assert c.starts == [0]
    c.edit(10, 12, "XYZ")
    assert [i for e in c.encs for i in e.ids] == bert.encode(c.text).ids

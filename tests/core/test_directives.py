"""Per-document directives: front matter, magic comments, excluded regions, invalid values."""

from __future__ import annotations

import pytest

from tokls.core.directives import document_settings, mask, parse_directives
from tokls.core.settings import Settings


def values(text: str) -> dict:
    return {k: v for k, (v, _span) in parse_directives(text).settings.items()}


@pytest.mark.parametrize("text, expected", [
    ("---\ntitle: x\ntokls: {model: gpt-4o, maxLength: 8000, segment: paragraph}\n---\nBody\n",
     {"model": "gpt-4o", "maxLength": 8000, "segment": "paragraph"}),
    ("---\ntokls:\n  model: gpt2\n  maxLength: null\n---\nBody", {"model": "gpt2", "maxLength": None}),
    ("# tokls: model=llama-3 maxLength=4096\nprint(1)\n", {"model": "llama-3", "maxLength": 4096}),
    ("text\n<!-- tokls: segment=Line -->\n", {"segment": "line"}),
    ("// tokls: model=\"a b\"\n/* tokls: maxLength=12 */\n", {"model": "a b", "maxLength": 12}),
    ("# tokls: model=gpt2\n# tokls: model=bert-base-uncased\n", {"model": "bert-base-uncased"}),  # the last wins
    ("The tokls: model=gpt2 server, in prose.\n", {}),  # not on a line of its own
    ("no directives at all", {}),
])
def test_settings(text, expected):
    directives = parse_directives(text)
    assert values(text) == expected and directives.problems == ()


def test_apply_overrides_only_the_given_keys():
    d = parse_directives("# tokls: maxLength=64\n")
    assert d.apply(Settings(model="gpt2", segment="line")) == Settings(model="gpt2", segment="line", max_length=64)


@pytest.mark.parametrize("text, line, message", [
    ("x\n# tokls: maxLength=abc\n", "# tokls: maxLength=abc",
     "tokls.maxLength = 'abc' is invalid: expected an integer ≥ 1 or null; using the workspace setting."),
    ("# tokls: segment=word\n", "# tokls: segment=word",
     "tokls.segment = 'word' is invalid: expected one of 'document', 'paragraph', 'line', 'record'; using the workspace setting."),
    ("# tokls: colour=red\n", "# tokls: colour=red", "tokls: unknown key 'colour'; expected one of model, maxLength, segment."),
    ("# tokls: please count\n", "# tokls: please count",
     "tokls: expected key=value pairs (model=…, maxLength=…, segment=…) or off/on, got 'please count'."),
    ("---\ntokls: gpt2\n---\n", "tokls: gpt2", "tokls: expected a mapping, e.g. tokls: {model: gpt2, maxLength: 1024}."),
    ("---\ntokls: {maxLength: 0}\n---\n", "tokls: {maxLength: 0}",
     "tokls.maxLength = 0 is invalid: expected an integer ≥ 1; using the workspace setting."),
])
def test_problems_point_at_their_line(text, line, message):
    d = parse_directives(text)
    ((a, b, got),) = d.problems
    assert text[a:b] == line and got == message and d.settings == {}


def test_excluded_regions_are_blanked_keeping_offsets_and_lines():
    text = "keep 1\n<!-- tokls: off -->\nnotes 😀\r\nmore\n<!-- tokls: on -->\nkeep 2\n# tokls: off\ntail"
    d = parse_directives(text)
    assert [text[a:b] for a, b in d.excluded] == ["<!-- tokls: off -->\nnotes 😀\r\nmore\n<!-- tokls: on -->",
                                                   "# tokls: off\ntail"]
    masked = mask(text, d.excluded)
    assert len(masked) == len(text) and masked.splitlines() == [
        "keep 1", " " * 19, " " * 7, "    ", " " * 18, "keep 2", " " * 12, "    "]
    assert "\r\n" in masked


def test_document_settings_overrides_the_given_settings_and_blanks_excluded_regions():
    text = "---\ntokls: {model: gpt2, maxLength: 120}\n---\nkept\n<!-- tokls: off -->\nnotes\n<!-- tokls: on -->\n"
    base = Settings(model="bert-base-uncased", max_length=512, segment="paragraph", exclude=("x",))
    got = document_settings(text, base)
    assert got.settings == Settings(model="gpt2", max_length=120, segment="paragraph", exclude=("x",))
    assert got.text == mask(text, got.directives.excluded) and "notes" not in got.text and len(got.text) == len(text)
    assert got.directives.line_of("model") == (4, 4 + len("tokls: {model: gpt2, maxLength: 120}"))
    plain = document_settings("no directives", base)
    assert plain.settings is base and plain.text == "no directives"

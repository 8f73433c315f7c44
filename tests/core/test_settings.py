"""Settings: `parse_settings` on valid and invalid trees, and every copy of the defaults
(package.json, the client's settings.ts, docs/protocol.md) against `tokls.core.settings`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tokls.core.settings import ClassifierSettings, Settings, SeveritySettings, leaves, parse_settings

ROOT = Path(__file__).resolve().parents[2]
LEAVES = {leaf.key: leaf for leaf in leaves()}


def _json(value):
    return list(value) if isinstance(value, tuple) else value


# --------------------------------------------------------------------------------------------
# parse_settings


def test_the_wire_keys():
    assert list(LEAVES) == ["model", "maxLength", "budget.warnAt", "segment", "severity.tokenCount", "severity.truncation",
                            "debounceMs", "maxDocumentSize", "maxDocumentTokens", "exclude", "classifier.model",
                            "classifier.longText", "classifier.stride", "classifier.batchSize", "classifier.device",
                            "classifier.backend", "classifier.endpoint", "classifier.timeoutMs", "dataset.fields",
                            "showTokens", "inlayHints", "split.separator"]


@pytest.mark.parametrize("raw", [None, {}, {"tokls": {}},
                                 {"interpreter": "/usr/bin/python3", "trace": {"server": "off"}}])
def test_empty_and_unknown_keys_give_the_defaults(raw):
    assert parse_settings(raw) == (Settings(), [])


FULL = {
    "model": " gpt2 ", "maxLength": 256.0, "segment": " Paragraph", "debounceMs": 0, "maxDocumentSize": 10,
    "maxDocumentTokens": 20,
    "exclude": "**/CHANGELOG.md", "severity": {"tokenCount": "OFF", "truncation": "error"},
    "classifier": {"model": "./models/toxic", "longText": "truncate", "stride": 0, "batchSize": 4, "device": "cpu"},
}
PARSED = Settings(model="gpt2", max_length=256, segment="paragraph", debounce_ms=0, max_document_size=10,
                  max_document_tokens=20,
                  exclude=("**/CHANGELOG.md",), severity=SeveritySettings(token_count="off", truncation="error"),
                  classifier=ClassifierSettings(model="./models/toxic", long_text="truncate", stride=0,
                                                batch_size=4, device="cpu"))


def test_a_full_valid_tree_bare_and_wrapped():
    assert parse_settings(FULL) == (PARSED, [])
    assert parse_settings({"tokls": FULL}) == (PARSED, [])
    settings, problems = parse_settings({"maxLength": None, "exclude": ["a/**", "*.md"]})
    assert problems == [] and settings.max_length is None and settings.exclude == ("a/**", "*.md")
    assert isinstance(parse_settings({"maxLength": 256.0})[0].max_length, int)


@pytest.mark.parametrize("raw, expected", [
    (" http://127.0.0.1:8000/ ", "http://127.0.0.1:8000"), ("https://tei.example/v1", "https://tei.example/v1"),
    ("", None), (None, None),
])
def test_the_classifier_endpoint_is_an_http_url_or_none(raw, expected):
    settings, problems = parse_settings({"classifier": {"endpoint": raw, "timeoutMs": 500}})
    assert problems == [] and settings.classifier.endpoint == expected and settings.classifier.timeout_ms == 500


def test_tokls_is_unwrapped_only_when_it_is_the_only_key():
    settings, problems = parse_settings({"tokls": {"model": "gpt2"}, "model": "bert-base-uncased"})
    assert settings.model == "bert-base-uncased" and problems == []


CHOICES = "'off', 'hint', 'information', 'warning', 'error'"


@pytest.mark.parametrize("raw, expected", [
    ({"model": "  "}, "tokls.model = '  ' is invalid: expected a non-empty string; using 'bert-base-uncased'."),
    ({"model": 3}, "tokls.model = 3 is invalid: expected a non-empty string; using 'bert-base-uncased'."),
    ({"maxLength": 0}, "tokls.maxLength = 0 is invalid: expected an integer ≥ 1; using None."),
    ({"maxLength": 1.5}, "tokls.maxLength = 1.5 is invalid: expected an integer ≥ 1 or null; using None."),
    ({"maxLength": True}, "tokls.maxLength = True is invalid: expected an integer ≥ 1 or null; using None."),
    ({"maxLength": "512"}, "tokls.maxLength = '512' is invalid: expected an integer ≥ 1 or null; using None."),
    ({"segment": "sentence"},
     "tokls.segment = 'sentence' is invalid: expected one of 'document', 'paragraph', 'line', 'record'; using 'document'."),
    ({"segment": None},
     "tokls.segment = None is invalid: expected one of 'document', 'paragraph', 'line', 'record'; using 'document'."),
    ({"severity": {"tokenCount": "loud"}},
     f"tokls.severity.tokenCount = 'loud' is invalid: expected one of {CHOICES}; using 'information'."),
    ({"severity": {"truncation": 2}},
     f"tokls.severity.truncation = 2 is invalid: expected one of {CHOICES}; using 'warning'."),
    ({"severity": "error"}, "tokls.severity must be an object, got str; using defaults."),
    ({"debounceMs": -1}, "tokls.debounceMs = -1 is invalid: expected an integer ≥ 0 and ≤ 10000; using 150."),
    ({"debounceMs": None}, "tokls.debounceMs = None is invalid: expected an integer ≥ 0 and ≤ 10000; using 150."),
    ({"debounceMs": 10 ** 12},
     "tokls.debounceMs = 1000000000000 is invalid: expected an integer ≥ 0 and ≤ 10000; using 150."),
    ({"debounceMs": float("inf")}, "tokls.debounceMs = inf is invalid: expected an integer ≥ 0 and ≤ 10000; using 150."),
    ({"maxLength": float("nan")}, "tokls.maxLength = nan is invalid: expected an integer ≥ 1 or null; using None."),
    ({"model": "m" * 5000}, "tokls.model = 'mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm… (5,002 characters) "
                            "is invalid: expected a string of at most 1,000 characters; using 'bert-base-uncased'."),
    ({"maxDocumentSize": 0}, "tokls.maxDocumentSize = 0 is invalid: expected an integer ≥ 1; using 5000000."),
    ({"exclude": [1]}, "tokls.exclude = [1] is invalid: expected a list of glob patterns; using ()."),
    ({"exclude": {"a": 1}}, "tokls.exclude = {'a': 1} is invalid: expected a list of glob patterns; using ()."),
    ({"classifier": {"model": ""}},
     "tokls.classifier.model = '' is invalid: expected a non-empty string; using 'sentiment'."),
    ({"classifier": {"longText": "chunk"}},
     "tokls.classifier.longText = 'chunk' is invalid: expected one of 'window', 'truncate'; using 'window'."),
    ({"classifier": {"stride": -5}}, "tokls.classifier.stride = -5 is invalid: expected an integer ≥ 0; using 128."),
    ({"classifier": {"batchSize": 0}},
     "tokls.classifier.batchSize = 0 is invalid: expected an integer ≥ 1; using 32."),
    ({"classifier": {"device": "tpu"}},
     "tokls.classifier.device = 'tpu' is invalid: expected one of 'auto', 'cpu', 'cuda'; using 'auto'."),
    ({"classifier": {"endpoint": "localhost:8000"}},
     "tokls.classifier.endpoint = 'localhost:8000' is invalid: expected an http:// or https:// URL, or null; using None."),
    ({"classifier": {"endpoint": 8000}},
     "tokls.classifier.endpoint = 8000 is invalid: expected an http:// or https:// URL, or null; using None."),
    ({"classifier": {"timeoutMs": 0}},
     "tokls.classifier.timeoutMs = 0 is invalid: expected an integer ≥ 1; using 30000."),
    ({"classifier": [1]}, "tokls.classifier must be an object, got list; using defaults."),
    ({"showTokens": "yes"}, "tokls.showTokens = 'yes' is invalid: expected true or false; using False."),
    ({"inlayHints": 0}, "tokls.inlayHints = 0 is invalid: expected true or false; using True."),
    ({"split": {"separator": None}}, "tokls.split.separator = None is invalid: expected a string (the text inserted "
                                     "at each cut; \"\" for the segment mode's own); using ''."),
    ({"split": {"separator": 3}}, "tokls.split.separator = 3 is invalid: expected a string (the text inserted "
                                  "at each cut; \"\" for the segment mode's own); using ''."),
    ({"split": {"separator": "-" * 1001}}, f"tokls.split.separator = '{'-' * 49}… "
                                           "(1,003 characters) is invalid: expected a string of at most 1,000 "
                                           "characters; using ''."),
    ({"split": "\n"}, "tokls.split must be an object, got str; using defaults."),
    ([1, 2], "tokls must be an object, got list; using defaults."),
    ({"tokls": "gpt2"}, "tokls must be an object, got str; using defaults."),
])
def test_each_invalid_value_is_reported_and_replaced_by_its_default(raw, expected):
    settings, problems = parse_settings(raw)
    assert problems == [expected]
    assert settings == Settings()


def test_invalid_values_do_not_spoil_valid_neighbours():
    raw = {"model": "gpt2", "segment": "words", "classifier": {"stride": "x", "device": "CUDA"}}
    settings, problems = parse_settings(raw)
    assert settings == Settings(model="gpt2", classifier=ClassifierSettings(device="cuda"))
    assert [p.split(" = ")[0] for p in problems] == ["tokls.segment", "tokls.classifier.stride"]


# --------------------------------------------------------------------------------------------
# the copies of the defaults


def _manifest_properties() -> dict[str, dict]:
    pkg = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    props: dict[str, dict] = {}
    for group in pkg["contributes"]["configuration"]:
        props.update(group["properties"])
    return props


def _ts_object(source: str, name: str) -> dict:
    """The `export const NAME = Object.freeze({...})` table of settings.ts, one `key: value,` a line."""
    body = re.search(rf"export const {name}\b[^=]*= Object\.freeze\(\{{(.*?)\n\}}\);", source, re.S)
    assert body, f"{name} not found in settings.ts"
    table = {}
    for line in body.group(1).strip().splitlines():
        m = re.fullmatch(r'\s*"?([\w.]+)"?:\s*(.+?),?\s*', line)
        assert m, f"unexpected line in {name}: {line!r}"
        table[m.group(1)] = json.loads(re.sub(r"(?<=\d)_(?=\d)", "", m.group(2)))
    return table


def test_package_json_declares_every_setting_with_its_default_choices_and_minimum():
    props = _manifest_properties()
    client_only = _ts_object((ROOT / "client/src/lib/settings.ts").read_text(encoding="utf-8"), "CLIENT_DEFAULTS")
    assert set(props) == {f"tokls.{key}" for key in [*LEAVES, *client_only]}
    for key, leaf in LEAVES.items():
        prop = props[f"tokls.{key}"]
        assert prop["default"] == _json(leaf.default), key
        assert prop.get("enum") == (list(leaf.choices) if leaf.choices else None), key
        assert prop.get("minimum") == leaf.minimum, key
        assert prop.get("maximum") == leaf.maximum, key
        types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        assert ("null" in types) == leaf.nullable, key


def test_client_settings_ts_has_the_same_defaults_and_choices():
    source = (ROOT / "client/src/lib/settings.ts").read_text(encoding="utf-8")
    assert _ts_object(source, "SERVER_DEFAULTS") == {key: _json(leaf.default) for key, leaf in LEAVES.items()}
    interface = re.search(r"export interface ServerSettings \{(.*?)\n\}", source, re.S)
    assert interface
    for key, leaf in LEAVES.items():
        if not leaf.choices:
            continue
        declared = re.search(rf"\b{key.rsplit('.', 1)[-1]}: ([^;}}]+)", interface.group(1))
        assert declared, key
        union = declared.group(1).strip()
        if re.fullmatch(r"\w+", union):  # a named type: `export type Severity = "off" | …;`
            union = re.search(rf"export type {union} = ([^;]+);", source).group(1)
        assert re.findall(r'"([^"]+)"', union) == list(leaf.choices), key


def test_protocol_doc_table_has_the_same_defaults_and_choices():
    doc = (ROOT / "docs/protocol.md").read_text(encoding="utf-8")
    table = re.search(r"\n\| key \| type \| default \| meaning \|\n\|[-| ]+\|\n((?:\|.*\n)+)", doc)
    assert table
    rows = {}
    for line in table.group(1).splitlines():
        key, kind, default, _meaning = (c.strip() for c in line.strip().strip("|").split("|", 3))
        rows[key.strip("`")] = (kind, json.loads(default.strip("`")))
    assert list(rows) == list(LEAVES)
    for key, leaf in LEAVES.items():
        kind, default = rows[key]
        assert default == _json(leaf.default), key
        if leaf.choices:
            assert re.findall(r'"([^"]+)"', kind) == list(leaf.choices), key
        if leaf.fraction:
            assert f"number {leaf.minimum}–{leaf.maximum}" in kind and ("or null" in kind) == leaf.nullable, key
            continue
        if leaf.minimum is not None:
            assert f"integer ≥ {leaf.minimum}" in kind and ("or null" in kind) == leaf.nullable, key
        if leaf.maximum is not None:
            assert f"≤ {leaf.maximum}" in kind, key


@pytest.mark.parametrize("value, expected", [(0.5, 0.5), (1, 1.0), (0, 0.0), (None, None)])
def test_budget_warn_at_takes_a_fraction_or_null(value, expected):
    settings, problems = parse_settings({"budget": {"warnAt": value}})
    assert problems == [] and settings.budget.warn_at == expected


@pytest.mark.parametrize("value", [1.5, -0.1, "0.8", True])
def test_budget_warn_at_outside_0_1_is_reported(value):
    settings, problems = parse_settings({"budget": {"warnAt": value}})
    assert problems == [f"tokls.budget.warnAt = {value!r} is invalid: expected a number from 0 to 1 or null; using 0.8."]
    assert settings.budget.warn_at == 0.8


@pytest.mark.parametrize("value", ["", "\n\n", "\n\n---\n\n", "  <!-- split -->  ", "¦", "🔪\r\n"])
def test_the_split_separator_is_kept_as_written(value):
    settings, problems = parse_settings({"split": {"separator": value}})
    assert problems == [] and settings.split.separator == value

"""The split code action with the separator the user chose (``split.separator``).

The action's edit, applied, gives parts that each fit (≤ N tokens with the special tokens, counted
by the `tokenizers` library itself) and that, with the chosen separator between them, are exactly
the original text; an invalid separator is reported and the segment mode's own is used; a dataset
record is never offered a split (text inserted into it would break its JSON).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tokls.core.tokenizers import load_tokenizer

from .helpers import (apply_edits, by_code, config, configure, offset_of, open_doc, pytest_lsp, start, track_versions,
                      wait_diagnostics, wait_until)

pytestmark = pytest.mark.asyncio(loop_scope="module")

LONG = " ".join((Path(__file__).parents[2] / "samples" / "long-article.md").read_text(encoding="utf-8").split())
INTRO = "Intro 😀 line.\n\n"
TEXT = INTRO + LONG + "\n"
LIMIT = 100
BASE = {"debounceMs": 0}
DOC = types.TextDocumentIdentifier


@pytest_lsp.fixture(config=config(), scope="module")
async def client(lsp_client: LanguageClient):
    track_versions(lsp_client)
    await start(lsp_client, BASE)
    yield
    await lsp_client.shutdown_session()


async def code_actions(client: LanguageClient, uri: str, text: str) -> list:
    """Open ``text`` and ask for the code actions of its one truncation diagnostic."""
    open_doc(client, uri, text)
    (trunc,) = by_code(await wait_diagnostics(client, uri, 1), "truncation")
    return await client.text_document_code_action_async(types.CodeActionParams(
        text_document=DOC(uri), range=trunc.range, context=types.CodeActionContext(diagnostics=[trunc])))


async def split_edits(client: LanguageClient, uri: str, text: str) -> list[types.TextEdit]:
    actions = await code_actions(client, uri, text)
    split = actions[0]
    assert split.title == f"Split into parts of at most {LIMIT} tokens"
    if split.edit is None:  # VS Code's capabilities: resolved lazily
        split = await client.code_action_resolve_async(split)
    (change,) = split.edit.document_changes
    assert change.text_document.uri == uri and change.text_document.version == 1
    return change.edits


def check_parts(model: str, text: str, edits: list[types.TextEdit], sep: str, seg: tuple[int, int]) -> list[str]:
    """The applied edit is the segment's parts joined by ``sep``, each part within the limit."""
    assert len(edits) >= 2 and all(e.new_text == sep and e.range.start == e.range.end for e in edits)
    cuts = sorted(offset_of(text, e.range.start) for e in edits)
    start, end = seg
    assert start < cuts[0] and cuts[-1] < end
    parts = [text[a:b] for a, b in zip([start, *cuts], [*cuts, end])]
    new = apply_edits(text, edits)
    assert new == text[:start] + sep.join(parts) + text[end:]
    tok = load_tokenizer(model).tokenizer
    counts = [len(tok.encode(p, add_special_tokens=True).ids) for p in parts]
    assert all(n <= LIMIT for n in counts), counts
    return parts


@pytest.mark.parametrize("segment, model, sep", [
    ("paragraph", "gpt2", "\n\n<!-- part -->\n\n"),
    ("line", "bert-base-uncased", "\n✂ 🔪\n"),  # an astral character in the separator
    ("document", "bert-base-uncased", "\n\n<|split|>\n\n"),
    ("document", "gpt2", " ¦ "),  # as written: no line break added
])
async def test_the_split_inserts_the_chosen_separator(client: LanguageClient, segment: str, model: str, sep: str):
    uri = f"file:///workspace/sep-{segment}-{model}-{len(sep)}.md"
    configure(client, {**BASE, "segment": segment, "model": model, "maxLength": LIMIT, "split": {"separator": sep}})
    try:
        edits = await split_edits(client, uri, TEXT)
        seg = (0, len(TEXT)) if segment == "document" else (len(INTRO), len(INTRO) + len(LONG))
        check_parts(model, TEXT, edits, sep, seg)
        if segment != "document":  # the separator holds the segment break: every part is now its own input
            again = f"{uri[:-3]}-applied.md"
            open_doc(client, again, apply_edits(TEXT, edits))
            assert by_code(await wait_diagnostics(client, again, 1), "truncation") == []
    finally:
        configure(client, BASE)


@pytest.mark.parametrize("segment, default", [("paragraph", "\n\n"), ("line", "\n"), ("document", "\n\n---\n\n")])
async def test_an_empty_separator_is_the_segment_modes_own(client: LanguageClient, segment: str, default: str):
    uri = f"file:///workspace/sep-default-{segment}.md"
    configure(client, {**BASE, "segment": segment, "model": "gpt2", "maxLength": LIMIT, "split": {"separator": ""}})
    try:
        edits = await split_edits(client, uri, TEXT)
        check_parts("gpt2", TEXT, edits, default, (0, len(TEXT)) if segment == "document" else
                    (len(INTRO), len(INTRO) + len(LONG)))
    finally:
        configure(client, BASE)


async def test_an_invalid_separator_is_reported_and_the_default_used(client: LanguageClient):
    uri = "file:///workspace/sep-invalid.md"
    configure(client, {**BASE, "segment": "paragraph", "model": "gpt2", "maxLength": LIMIT,
                       "split": {"separator": ["\n\n"]}})
    try:
        expected = ("tokls: tokls.split.separator = ['\\n\\n'] is invalid: expected a string (the text inserted at "
                    "each cut; \"\" for the segment mode's own); using ''.")
        await wait_until(lambda: any(m.message == expected and m.type == types.MessageType.Warning
                                     for m in client.messages))
        edits = await split_edits(client, uri, TEXT)
        check_parts("gpt2", TEXT, edits, "\n\n", (len(INTRO), len(INTRO) + len(LONG)))
    finally:
        configure(client, BASE)


async def test_a_dataset_record_is_not_offered_a_split(client: LanguageClient):
    uri = "file:///workspace/sep-records.jsonl"
    lines = [json.dumps({"text": "a short review"}), json.dumps({"text": LONG[:2000]})]
    configure(client, {**BASE, "maxLength": LIMIT, "split": {"separator": "\n"}})
    try:
        actions = await code_actions(client, uri, "\n".join(lines) + "\n")
        assert [a.title for a in actions] == ["Copy what the model sees", "Classify this segment"]
    finally:
        configure(client, BASE)

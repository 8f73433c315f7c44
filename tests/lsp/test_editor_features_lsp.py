"""Semantic tokens and inlay hints end to end, against raw encodings of the `tokenizers` library.

One server for the module; each test opens its own documents and restores the settings it changes.
"""

from __future__ import annotations

import ast
import bisect
import re
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tokls.core.tokenizers import load_tokenizer

from .helpers import (apply_edits, by_code, config, configure, edit, line_starts, open_doc, pytest_lsp, start,
                      track_versions, utf16, wait_diagnostics)

pytestmark = pytest.mark.asyncio(loop_scope="module")

LONG = (Path(__file__).parents[2] / "samples" / "long-article.md").read_text(encoding="utf-8")
ASTRAL = ("Emoji 😀 and 🎉🎉 party, math 𝒳𝒴 letters, old italic 𐌰𐌱 and CJK 𠀋 ext B.\r\n"
          "Second line: naïve café — “quotes” 🙂\n\nThird paragraph 😀x 𝔘𝔫𝔦.\n")
BASE = {"debounceMs": 0, "showTokens": True}
DOC = types.TextDocumentIdentifier


@pytest_lsp.fixture(config=config(), scope="module")
async def client(lsp_client: LanguageClient):
    track_versions(lsp_client)
    lsp_client.refreshes = []

    @lsp_client.feature(types.WORKSPACE_SEMANTIC_TOKENS_REFRESH)
    def semantic_refresh(params):
        lsp_client.refreshes.append("semanticTokens")

    @lsp_client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def inlay_refresh(params):
        lsp_client.refreshes.append("inlayHint")

    lsp_client.init_result = await start(lsp_client, BASE)
    yield
    await lsp_client.shutdown_session()


def decode(text: str, data: list[int]) -> list[tuple[int, int, int, int]]:
    """(start, end, type, modifiers) in code points, from LSP data in UTF-16 units."""
    starts = line_starts(text)
    out, line, col = [], 0, 0
    for i in range(0, len(data), 5):
        dl, dc, length, kind, mods = data[i:i + 5]
        line, col = line + dl, (col + dc if dl == 0 else dc)
        a = starts[line]
        units, k = 0, a
        while units < col:
            units += utf16(text[k]); k += 1
        assert units == col, "a semantic token starts inside a surrogate pair"
        b, units = k, 0
        while units < length:
            units += utf16(text[b]); b += 1
        assert units == length, "a semantic token ends inside a surrogate pair"
        out.append((k, b, kind, mods))
    return out


def expected_tokens(text: str, model: str = "bert-base-uncased", limit: int | None = None):
    """Every token of one raw encode: overlapping ones dropped, split at line breaks; the type is
    the id modulo 3, or the next one when that equals the type of the left neighbour on its line."""
    tok = load_tokenizer(model)
    enc = tok.tokenizer.encode(text, add_special_tokens=False)
    keep = None if limit is None else limit - tok.num_special
    out, last, left, starts = [], -1, (-1, -1), line_starts(text)
    for i, ((s, e), token_id, special) in enumerate(zip(enc.offsets, enc.ids, enc.special_tokens_mask)):
        if s < last or s >= e:
            continue
        last = e
        line = bisect.bisect_right(starts, s) - 1
        kind = token_id % 3
        if left == (line, kind):
            kind = (kind + 1) % 3
        left = (line, kind)
        mods = (1 if special else 0) | (2 if token_id == tok.unk_id else 0) | (4 if keep is not None and i >= keep else 0)
        for m in re.finditer(r"[^\r\n]+", text[s:e]):
            out.append((s + m.start(), s + m.start() + len(m.group()), kind, mods))
    return out


async def full(client: LanguageClient, uri: str) -> types.SemanticTokens:
    return await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(text_document=DOC(uri)))


async def test_capabilities_announce_the_legend_delta_range_and_inlay_hints(client: LanguageClient):
    caps = client.init_result.capabilities
    provider = caps.semantic_tokens_provider
    assert list(provider.legend.token_types) == ["toklsToken0", "toklsToken1", "toklsToken2"]
    assert list(provider.legend.token_modifiers) == ["special", "unknown", "truncated"]
    assert provider.full.delta is True and provider.range is True
    assert caps.inlay_hint_provider is not None


@pytest.mark.parametrize("model", ["bert-base-uncased", "gpt2"])
async def test_semantic_tokens_are_every_token_in_utf16(client: LanguageClient, model: str):
    uri = f"file:///workspace/astral-{model}.txt"
    configure(client, {**BASE, "model": model})
    try:
        open_doc(client, uri, ASTRAL)
        await wait_diagnostics(client, uri, 1)
        got = decode(ASTRAL, (await full(client, uri)).data)
        assert got == expected_tokens(ASTRAL, model)
        assert any(m & 2 for *_x, m in got) == (model == "bert-base-uncased")  # BERT: emoji are [UNK]
    finally:
        configure(client, BASE)


async def test_range_and_cut_modifiers(client: LanguageClient):
    uri = "file:///workspace/long-tokens.md"
    open_doc(client, uri, LONG)
    await wait_diagnostics(client, uri, 1)
    whole = decode(LONG, (await full(client, uri)).data)
    expected = expected_tokens(LONG, limit=512)
    assert whole == expected
    assert sum(1 for *_x, m in whole if m & 4) == len(expected) - 510 > 0
    rng = types.Range(start=types.Position(10, 0), end=types.Position(20, 0))
    part = await client.text_document_semantic_tokens_range_async(
        types.SemanticTokensRangeParams(text_document=DOC(uri), range=rng))
    a, b = line_starts(LONG)[10], line_starts(LONG)[20]
    # range data is relative to the range's first token: decode against the whole text
    got = decode(LONG, part.data)
    assert got == [t for t in expected if t[1] > a and t[0] < b]


async def test_delta_after_edits_equals_a_fresh_full_answer(client: LanguageClient):
    uri = "file:///workspace/delta.md"
    open_doc(client, uri, LONG)
    await wait_diagnostics(client, uri, 1)
    first = await full(client, uri)
    data = list(first.data)
    previous = first.result_id
    text = LONG
    for version, (pos, new) in enumerate([((2, 5), "inserted 😀 words "), ((0, 0), "Title\n\n")], start=2):
        edit(client, uri, version, pos, pos, new)
        starts = line_starts(text)
        off = starts[pos[0]] + pos[1]
        text = text[:off] + new + text[off:]
        delta = await client.text_document_semantic_tokens_full_delta_async(
            types.SemanticTokensDeltaParams(text_document=DOC(uri), previous_result_id=previous))
        assert isinstance(delta, types.SemanticTokensDelta)
        assert len(delta.edits) == 1 and delta.edits[0].delete_count < len(data)  # not a full answer
        for e in delta.edits:
            data[e.start:e.start + e.delete_count] = e.data or []
        previous = delta.result_id
        fresh = await full(client, uri)
        assert data == list(fresh.data)
        assert decode(text, data) == expected_tokens(text, limit=512)
        previous = fresh.result_id


async def test_show_tokens_off_gives_empty_data(client: LanguageClient):
    uri = "file:///workspace/off.txt"
    configure(client, {**BASE, "showTokens": False})
    try:
        open_doc(client, uri, "Some words here.")
        await wait_diagnostics(client, uri, 1)
        assert list((await full(client, uri)).data) == []
        assert "semanticTokens" in client.refreshes  # the client was asked to re-request
    finally:
        configure(client, BASE)


def raw_count(text: str, model: str = "bert-base-uncased") -> int:
    return len(load_tokenizer(model).tokenizer.encode(text, add_special_tokens=True).ids)


async def inlay(client: LanguageClient, uri: str, text: str) -> list[types.InlayHint]:
    end = types.Position(text.count("\n") + 1, 0)
    return await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=DOC(uri), range=types.Range(start=types.Position(0, 0), end=end)))


async def test_inlay_hints_per_paragraph_with_the_cut_and_the_running_total(client: LanguageClient):
    uri = "file:///workspace/hints.md"
    paragraphs = ["Short first paragraph 😀.", " ".join(LONG.split()), "A closing line\nthat wraps."]
    text = "\n\n".join(paragraphs) + "\n"
    configure(client, {**BASE, "segment": "paragraph"})
    try:
        open_doc(client, uri, text)
        await wait_diagnostics(client, uri, 1)
        hints = await inlay(client, uri, text)
        starts = line_starts(text)
        got = [(h.position.line, h.position.character, h.label) for h in hints]
        want, offset, running = [], 0, 0
        for p in paragraphs:
            n = raw_count(p)
            running += n
            if n > 512:
                enc = load_tokenizer("bert-base-uncased").tokenizer.encode(p, add_special_tokens=False)
                cut = offset + enc.offsets[510][0]
                line = max(i for i, s in enumerate(starts) if s <= cut)
                want.append((line, utf16(text[starts[line]:cut]), "✂ 512"))
            end = offset + len(p)
            line = max(i for i, s in enumerate(starts) if s <= end)
            want.append((line, utf16(text[starts[line]:end]), f"{n:,} tokens"))
            if running > 512 and not any(w[2].startswith("Σ") for w in want):
                want.append((line, utf16(text[starts[line]:end]), f"Σ {running:,} > 512"))
            offset = end + 2
        assert got == want
        # a range covering only the last paragraph gets only its hint
        last_line = text.count("\n") - 1
        only = await client.text_document_inlay_hint_async(types.InlayHintParams(
            text_document=DOC(uri), range=types.Range(start=types.Position(last_line, 0),
                                                        end=types.Position(last_line + 1, 0))))
        assert [h.label for h in only] == [f"{raw_count(paragraphs[-1])} tokens"]
        configure(client, {**BASE, "segment": "paragraph", "inlayHints": False})
        await wait_diagnostics(client, uri, 1)
        assert not await inlay(client, uri, text)
    finally:
        configure(client, BASE)


async def test_inlay_hint_in_document_mode_sits_after_the_last_character(client: LanguageClient):
    uri = "file:///workspace/hint-doc.txt"
    text = "One short document.\nTwo lines 😀.\n\n"
    open_doc(client, uri, text)
    await wait_diagnostics(client, uri, 1)
    (hint,) = await inlay(client, uri, text)
    assert hint.label == f"{raw_count(text)} tokens"
    assert (hint.position.line, hint.position.character) == (1, utf16("Two lines 😀."))


async def test_directives_set_the_model_and_budget_of_their_document_only(client: LanguageClient):
    body = "Tokenizers split text into pieces 😀, differently per model.\n"
    front = "---\ntitle: Notes\ntokls: {model: gpt2, maxLength: 8, segment: paragraph}\n---\n\n"
    uri, other = "file:///workspace/front.md", "file:///workspace/plain.md"
    open_doc(client, uri, front + body, language="markdown")
    open_doc(client, other, body, language="markdown")
    diags = await wait_diagnostics(client, uri, 1)
    (count,) = by_code(diags, "token-count")
    assert count.data["model"] == "gpt2" and count.data["maxLength"] == 8
    front_tokens = [raw_count(p, "gpt2") for p in ("---\ntitle: Notes\ntokls: {model: gpt2, maxLength: 8, segment: paragraph}\n---",
                                                   body.strip())]
    assert count.data["tokens"] == sum(front_tokens) and count.data["segments"] == 2
    assert len(by_code(diags, "truncation")) == 2  # each paragraph over 8 tokens
    (plain,) = by_code(await wait_diagnostics(client, other, 1), "token-count")
    assert plain.data["model"] == "bert-base-uncased" and plain.data["tokens"] == raw_count(body)
    assert plain.data["maxLength"] == 512


async def test_an_invalid_directive_and_an_unknown_model_get_a_diagnostic_on_their_line(client: LanguageClient):
    uri = "file:///workspace/magic.py"
    text = "import os\n# tokls: maxLength=lots\nprint(os.sep)\n# tokls: model=no-such-model-xyz\n"
    open_doc(client, uri, text, language="python")
    diags = await wait_diagnostics(client, uri, 1)
    bad = by_code(diags, "directive")
    assert [(d.range.start.line, d.range.end.line, d.range.end.character) for d in bad] == [(1, 1, len("# tokls: maxLength=lots")), (3, 3, len("# tokls: model=no-such-model-xyz"))]
    assert bad[0].message.startswith("tokls.maxLength = 'lots' is invalid")
    assert "no-such-model-xyz" in bad[1].message and "this directive is fixed" in bad[1].message
    (count,) = by_code(diags, "token-count")
    assert count.data["model"] == "bert-base-uncased" and count.data["tokens"] == raw_count(text)


async def test_an_off_on_region_is_not_counted(client: LanguageClient):
    uri = "file:///workspace/regions.md"
    kept = ["Counted text before.", "Counted after 😀."]
    text = f"{kept[0]}\n<!-- tokls: off -->\nPrivate notes, many many words here.\n<!-- tokls: on -->\n{kept[1]}\n"
    open_doc(client, uri, text, language="markdown")
    (count,) = by_code(await wait_diagnostics(client, uri, 1), "token-count")
    assert count.data["tokens"] == raw_count(" ".join(kept))
    edit(client, uri, 2, (2, 0), (2, 0), "Even more words. ")  # edits inside still do not count
    (count,) = by_code(await wait_diagnostics(client, uri, 2), "token-count")
    assert count.data["tokens"] == raw_count(" ".join(kept))


def command_of(action) -> types.Command:
    """The command of a code action (the client may structure a CodeAction with a command as a Command)."""
    if isinstance(action, types.Command) and action.command.startswith("{"):
        # the client's converter took the CodeAction for a Command, and its command for a string
        return types.Command(**ast.literal_eval(action.command))
    return action.command if isinstance(action.command, types.Command) else action


@pytest.mark.parametrize("segment, model", [("document", "bert-base-uncased"), ("paragraph", "gpt2")])
async def test_split_action_gives_parts_within_the_limit(client: LanguageClient, segment: str, model: str):
    uri = f"file:///workspace/split-{segment}.md"
    text = LONG if segment == "document" else "Intro 😀.\n\n" + " ".join(LONG.split()) + "\n"
    limit = 100
    configure(client, {**BASE, "segment": segment, "model": model, "maxLength": limit})
    try:
        open_doc(client, uri, text)
        diags = await wait_diagnostics(client, uri, 1)
        (trunc,) = by_code(diags, "truncation")
        actions = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=DOC(uri), range=trunc.range, context=types.CodeActionContext(diagnostics=[trunc])))
        titles = [a.title for a in actions]
        assert titles == [f"Split into parts of at most {limit} tokens", "Copy what the model sees",
                          "Classify this segment"]
        split = actions[0]
        if split.edit is None:  # VS Code's capabilities: resolved lazily
            split = await client.code_action_resolve_async(split)
        (change,) = split.edit.document_changes
        sep = "\n\n---\n\n" if segment == "document" else "\n\n"
        assert all(e.new_text == sep for e in change.edits) and len(change.edits) >= 2
        new = apply_edits(text, change.edits)
        seg_start = 0 if segment == "document" else len("Intro 😀.\n\n")
        seg_text = text[seg_start:].rstrip("\n") if segment == "paragraph" else text
        parts = new[seg_start:].split(sep) if segment == "document" else new[seg_start:].rstrip("\n").split(sep)
        assert "".join(parts) == seg_text
        tok = load_tokenizer(model)
        assert all(len(tok.tokenizer.encode(p, add_special_tokens=True).ids) <= limit for p in parts)
        # what the model sees: the segment up to the cut
        copy, classify = command_of(actions[1]), command_of(actions[2])
        seen = await client.workspace_execute_command_async(types.ExecuteCommandParams(
            command=copy.command, arguments=copy.arguments))
        enc = tok.tokenizer.encode(seg_text, add_special_tokens=False)
        assert seen == {"text": seg_text[:enc.offsets[limit - tok.num_special][0]], "truncated": True}
        assert classify.command == "tokls.classify" and classify.arguments[0] == uri
    finally:
        configure(client, BASE)


async def test_selection_offers_the_model_comparison(client: LanguageClient):
    uri = "file:///workspace/select.txt"
    open_doc(client, uri, "Pick these words.")
    await wait_diagnostics(client, uri, 1)
    rng = types.Range(start=types.Position(0, 5), end=types.Position(0, 10))
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=DOC(uri), range=rng, context=types.CodeActionContext(diagnostics=[])))
    (count,) = actions
    assert count.title == "Count tokens of selection in every model"
    assert command_of(count).command == "tokls.compare" and command_of(count).arguments[0] == uri
    # (pytest-lsp's client structures this CodeAction as a Command, so its `disabled` is not visible here)


async def test_workspace_counts_respect_exclude_and_gitignore(client: LanguageClient, tmp_path):
    files = {"a.md": "Alpha text here.", "docs/b.txt": "Beta 😀 words in docs.", "docs/deep/c.md": LONG,
             "ignored/d.md": "never counted", "docs/skip.md": "excluded by setting", "code.py": "not included"}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    (tmp_path / ".gitignore").write_text("ignored/\n", encoding="utf-8")
    configure(client, {**BASE, "exclude": ["skip.md"]})
    try:
        await wait_until_settings(client, "exclude")
        result = plain(await client.protocol.send_request_async(
            "tokls/workspaceCounts", {"folders": [tmp_path.as_uri()]}))
    finally:
        configure(client, BASE)
    got = {f["path"]: (f["tokens"], f["percent"], f["truncated"]) for f in result["files"]}
    counted = ["a.md", "docs/b.txt", "docs/deep/c.md"]
    assert list(got) == counted
    for rel in counted:
        n = raw_count(files[rel])
        assert got[rel][0] == n and got[rel][1] == round(100 * min(n, 10**9) / 512, 1)
    assert got["docs/deep/c.md"][2] == 1
    folders = {f["path"]: (f["tokens"], f["files"]) for f in result["folders"]}
    total = sum(raw_count(files[r]) for r in counted)
    assert folders == {".": (total, 3), "docs": (total - raw_count(files["a.md"]), 2),
                       "docs/deep": (raw_count(LONG), 1)}


def plain(value):
    """pygls' client gives custom results as named tuples: back to JSON-like dicts and lists."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


async def wait_until_settings(client: LanguageClient, key: str) -> None:
    """Wait until the server logged settings mentioning ``key``'s new value (configure is a notification)."""
    from .helpers import wait_until
    await wait_until(lambda: any("skip.md" in m.message for m in client.log_messages))

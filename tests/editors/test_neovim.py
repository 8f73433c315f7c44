"""Neovim (0.7.2 from Debian, built-in LSP client) against the real server, headless.

The Lua driver (``neovim_drive.lua``) opens the document, waits for diagnostics, hovers, edits the
buffer twice (incremental sync) and writes everything it saw as JSON; the assertions are here,
against positions computed independently from the raw ``tokenizers`` library.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tokls.core.tokenizers import load_tokenizer

from .support import (
    MODEL, SERVER, cut_end_offset, cut_offset, document, editor_env, encode, end_position, hover_target, position,
    require, run_editor,
)

pytestmark = pytest.mark.editor

DRIVER = Path(__file__).with_name("neovim_drive.lua")
WARNING = 2  # vim.diagnostic.severity.WARN


def check_step(step: dict, text: str, encoding: str, output: str) -> None:
    """The diagnostics Neovim holds for ``text``: the truncation starts at the first dropped
    token, both in LSP terms (``encoding`` columns) and in Neovim's own (byte columns)."""
    assert step["text"] == text, f"{step['label']}: the buffer is not the text the test expects"
    cut = position(text, cut_offset(text))
    end = end_position(text)
    cut_end = position(text, cut_end_offset(text))
    total = len(encode(text).ids) + 2

    raw = [d for d in step["raw"] if d.get("code") == "truncation"]
    assert len(raw) == 1, f"{step['label']}: {step['raw']}\n{output}"
    assert raw[0]["range"]["start"] == {"line": cut.line, "character": cut.column(encoding)}, step["label"]
    assert raw[0]["range"]["end"] == {"line": cut_end.line, "character": cut_end.column(encoding)}, step["label"]
    faded = [d for d in step["raw"] if d.get("code") == "truncated-text"]
    assert len(faded) == 1 and faded[0]["tags"] == [1] and faded[0]["severity"] == 4, step["raw"]
    assert faded[0]["range"] == {"start": raw[0]["range"]["start"],
                                 "end": {"line": end.line, "character": end.column(encoding)}}, step["label"]
    assert raw[0]["source"] == "tokls"
    assert raw[0]["data"]["tokens"] == total and raw[0]["data"]["droppedTokens"] == total - 512

    trunc = [d for d in step["diagnostics"] if d["code"] == "truncation"]
    assert len(trunc) == 1, step["diagnostics"]
    assert (trunc[0]["lnum"], trunc[0]["col"]) == (cut.line, cut.utf8), step["label"]
    assert trunc[0]["severity"] == WARNING and trunc[0]["source"] == "tokls"
    assert f"{total} tokens > 512" in trunc[0]["message"]

    count = [d for d in step["diagnostics"] if d["code"] == "token-count"]
    assert len(count) == 1, step["diagnostics"]
    assert count[0]["message"].startswith(f"{total} tokens · {MODEL} · "), count[0]["message"]


def test_neovim_diagnostics_hover_and_incremental_edits(tmp_path: Path):
    nvim = require("nvim")
    text = document()
    doc = tmp_path / "long-article.md"
    doc.write_bytes(text.encode("utf-8"))

    # hover: a piece of a multi-piece word past the cut, on the line with the non-ASCII snippet
    target = hover_target(text)
    h = position(text, target.offset)

    # edit 1: delete the first three lines; edit 2: insert emoji/CJK on the cut's line, before it
    lines = text.split("\n")
    after_delete = "\n".join(lines[3:])
    cut1 = position(after_delete, cut_offset(after_delete))
    col2 = cut1.chars - 40
    line2 = after_delete.split("\n")[cut1.line]
    col2 = line2.rfind(" ", 0, col2) + 1
    insert = "🙂🙂 漢字 "
    start2 = after_delete.rfind("\n", 0, cut1.offset) + 1 + col2
    after_insert = after_delete[:start2] + insert + after_delete[start2:]
    edits = [
        {"label": "delete first lines", "kind": "set_lines", "start": 0, "end": 3, "lines": []},
        {"label": "insert on the cut's line", "kind": "set_text", "row": cut1.line,
         "byte": len(line2[:col2].encode("utf-8")), "lines": [insert]},
    ]

    result = tmp_path / "result.json"
    config = tmp_path / "config.json"
    config.write_text(json.dumps({
        "file": str(doc), "root": str(tmp_path), "cmd": SERVER, "result": str(result),
        "hover": {"line": h.line, "byte": h.utf8}, "edits": edits,
    }), encoding="utf-8")
    env = editor_env(tmp_path)
    env["TOKLS_NVIM_CONFIG"] = str(config)
    out = run_editor([nvim, "--headless", "--clean", "-c", f"luafile {DRIVER}"], tmp_path, result, env)
    output = out["_output"]

    encoding = out["offset_encoding"]
    assert encoding in ("utf-8", "utf-16", "utf-32"), encoding

    open_, deleted, inserted = out["steps"]
    check_step(open_, text, encoding, output)
    check_step(deleted, after_delete, encoding, output)
    check_step(inserted, after_insert, encoding, output)
    # each edit moved the cut in every unit (a stale diagnostic cannot pass): deleting text lets
    # more in, inserting before it pushes it back
    cut0, cut2 = position(text, cut_offset(text)), position(after_insert, cut_offset(after_insert))
    assert cut1.line == cut0.line - 3 and cut1.line == cut2.line
    assert len({cut0.chars, cut1.chars, cut2.chars}) == len({cut0.utf16, cut1.utf16, cut2.utf16}) == 3
    assert len({cut0.utf8, cut1.utf8, cut2.utf8}) == 3

    # Neovim synced both edits incrementally (ranges, not the whole text)
    changes = [c for notification in out["changes"] for c in notification["contentChanges"]]
    assert changes and all("range" in c for c in changes), out["changes"]

    # hover: the position the editor computed, and the token's piece, id and word split
    assert out["hover_params"]["position"] == {"line": h.line, "character": h.column(encoding)}
    hover = out["hover"]
    assert hover is not None, output
    value = hover["contents"]["value"]
    assert hover["contents"]["kind"] == "markdown"
    ts, te = position(text, target.start), position(text, target.end)
    assert value.startswith(f"**`{target.piece}`** · id {target.id} · token {target.index + 1} of "
                            f"{len(encode(text).ids) + 2} · Ln {ts.line + 1}, "
                            f"Col {ts.column(encoding) + 1}–{te.column(encoding)}"), value
    assert "word: " + " ".join(f"`{p}`" for p in target.word) in value, value
    assert "past the truncation point" in value, value
    start, end = position(text, target.start), position(text, target.end)
    assert hover["range"] == {"start": {"line": start.line, "character": start.column(encoding)},
                              "end": {"line": end.line, "character": end.column(encoding)}}

    # semantic tokens and inlay hints reach a real client (raw requests: Neovim 0.7 neither asks
    # for nor draws them; `native` says whether this Neovim has client-side support)
    from tests.lsp.test_editor_features_lsp import decode, expected_tokens

    assert out["server_semantic"]["legend"]["tokenTypes"] == ["toklsToken0", "toklsToken1", "toklsToken2"]
    semantic = out["semantic"]["data"]
    if encoding == "utf-16":
        assert [tuple(t) for t in decode(text, semantic)] == expected_tokens(text, MODEL, 512)
    else:
        assert len(semantic) // 5 == len(expected_tokens(text, MODEL, 512))
    total = len(load_tokenizer(MODEL).tokenizer.encode(text).ids)
    assert [h["label"] for h in out["inlay"]] == ["✂ 512", f"{total:,} tokens"], out["inlay"]

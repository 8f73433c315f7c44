"""Emacs 28 + eglot 1.9 against the real server, in batch mode.

The Emacs Lisp driver (``emacs_drive.el``) registers tokls for ``text-mode``/``markdown-mode`` in
``eglot-server-programs``, opens the document, reads the diagnostics back from flymake, hovers
with ``jsonrpc-request``, deletes the first lines, then switches the model through
``eglot-workspace-configuration``; it writes what it saw as JSON and the assertions are here.
Emacs buffer positions count code points, so flymake's positions are checked against the raw
``tokenizers`` offsets directly; the LSP ranges (UTF-16: eglot 1.9 negotiates nothing) too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .support import (
    SERVER, cut_end_offset, cut_offset, document, editor_env, encode, hover_target, position, require,
    run_editor,
)
from tokls.core.tokenizers import load_tokenizer

pytestmark = pytest.mark.editor

DRIVER = Path(__file__).with_name("emacs_drive.el")
DELETE_LINES = 3


def by_code(step: dict, code: str) -> list[dict]:
    return [d for d in step["diagnostics"] if d["code"] == code]


def check_step(step: dict, text: str) -> None:
    assert step["text"] == text, f"{step['label']}: the buffer is not the text the test expects"
    cut = position(text, cut_offset(text))
    end = position(text, len(text))
    cut_end = position(text, cut_end_offset(text))
    total = len(encode(text).ids) + 2

    trunc = by_code(step, "truncation")
    assert len(trunc) == 1, step["diagnostics"]
    d = trunc[0]
    # flymake's region, in code points (Emacs buffer positions)
    assert (d["beg"], d["line"], d["col"]) == (cut.offset, cut.line, cut.chars), step["label"]
    assert d["end"] == cut_end.offset, step["label"]  # the first dropped token only
    # the LSP range as sent, in UTF-16 code units
    assert d["range"] == {"start": {"line": cut.line, "character": cut.utf16},
                          "end": {"line": cut_end.line, "character": cut_end.utf16}}, step["label"]
    # the dropped text, to the end, as a hint (eglot shows hints as notes)
    (faded,) = by_code(step, "truncated-text")
    assert (faded["beg"], faded["end"]) == (cut.offset, len(text)), step["label"]
    assert faded["range"]["end"] == {"line": end.line, "character": end.utf16}, step["label"]
    assert d["type"] == "eglot-warning"
    assert d["text"].startswith(f"tokls [truncation]: Truncated: {total} tokens > 512"), d["text"]

    count = by_code(step, "token-count")
    assert len(count) == 1, step["diagnostics"]
    assert count[0]["message"].startswith(f"{total} tokens · bert-base-uncased · "), count[0]["message"]
    assert count[0]["type"] == "eglot-note"


def test_emacs_eglot_diagnostics_hover_and_settings(tmp_path: Path):
    emacs = require("emacs")
    text = document()
    doc = tmp_path / "long-article.md"
    doc.write_bytes(text.encode("utf-8"))
    target = hover_target(text)
    after_delete = "\n".join(text.split("\n")[DELETE_LINES:])

    result = tmp_path / "result.json"
    config = tmp_path / "config.json"
    config.write_text(json.dumps({
        "file": str(doc), "cmd": SERVER, "result": str(result),
        "hover": target.offset, "delete_lines": DELETE_LINES,
    }), encoding="utf-8")
    env = editor_env(tmp_path)
    env["TOKLS_EMACS_CONFIG"] = str(config)
    env.setdefault("LANG", "C.UTF-8")
    out = run_editor([emacs, "--batch", "-Q", "-l", str(DRIVER)], tmp_path, result, env)
    output = out["_output"]

    opened, deleted, configured = out["steps"]
    check_step(opened, text)
    check_step(deleted, after_delete)

    # eglot synced the deletion incrementally
    changes = [c for sent in out["changes"] for c in sent]
    assert changes and all("range" in c for c in changes), out["changes"]

    # hover
    h = position(text, target.offset)
    assert out["hover_params"] == {"line": h.line, "character": h.utf16}
    hover = out["hover"]
    assert hover, output
    assert hover["contents"]["kind"] == "markdown"
    value = hover["contents"]["value"]
    ts, te = position(text, target.start), position(text, target.end)
    assert value.startswith(f"**`{target.piece}`** · id {target.id} · token {target.index + 1} of "
                            f"{len(encode(text).ids) + 2} · Ln {ts.line + 1}, "
                            f"Col {ts.utf16 + 1}–{te.utf16}"), value
    assert "word: " + " ".join(f"`{p}`" for p in target.word) in value, value
    assert "past the truncation point" in value, value
    start, end = position(text, target.start), position(text, target.end)
    assert hover["range"] == {"start": {"line": start.line, "character": start.utf16},
                              "end": {"line": end.line, "character": end.utf16}}

    # eglot-workspace-configuration (:tokls (:model "gpt2")) reached the server
    assert configured["text"] == after_delete
    gpt2 = len(load_tokenizer("gpt2").tokenizer.encode(after_delete).ids)
    assert gpt2 <= 1024
    assert not by_code(configured, "truncation"), configured["diagnostics"]
    count = by_code(configured, "token-count")
    assert len(count) == 1 and count[0]["message"].startswith(f"{gpt2} tokens · gpt2 · "), configured

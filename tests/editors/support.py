"""Shared pieces of the real-editor tests: the test document, independent expectations computed
with the raw ``tokenizers`` library, and running an editor headless under a time limit.

Expectations never go through tokls' own position code: offsets come from
``tokenizer.encode(...).offsets`` (code points) and are turned into (line, column) here, in code
points, UTF-16 code units and UTF-8 bytes.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tokls.core.tokenizers import load_tokenizer

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "samples" / "long-article.md"
MODEL = "bert-base-uncased"
#: text tokens BERT reads: 512 minus [CLS] and [SEP]
KEPT = 510
#: the editor process (and so the server under it) must finish within this many seconds
EDITOR_TIMEOUT = 60
SERVER = [sys.executable, "-m", "tokls", "serve"]

#: a first line whose characters differ in code points, UTF-16 units and UTF-8 bytes
HEADER = "Ünïcödé 🙂 漢字 — 😀 naïve façade\n"
#: inserted on the line of the cut, before it, so that the cut's column depends on the encoding
SNIPPET = "🙂 漢字 naïve "


@functools.lru_cache(maxsize=None)
def raw_tokenizer():
    return load_tokenizer(MODEL).tokenizer


def encode(text: str):
    return raw_tokenizer().encode(text, add_special_tokens=False)


def cut_offset(text: str) -> int:
    """Code-point offset of the first token the model does not see."""
    return encode(text).offsets[KEPT][0]


def cut_end_offset(text: str) -> int:
    """End of the first dropped token: the truncation squiggle covers that token only."""
    return encode(text).offsets[KEPT][1]


@dataclass(frozen=True)
class Pos:
    """A position: line and column in code points, UTF-16 code units and UTF-8 bytes."""

    offset: int
    line: int
    chars: int
    utf16: int
    utf8: int

    def column(self, encoding: str) -> int:
        return {"utf-8": self.utf8, "utf-16": self.utf16, "utf-32": self.chars}[encoding]


def position(text: str, offset: int) -> Pos:
    line = text.count("\n", 0, offset)
    prefix = text[text.rfind("\n", 0, offset) + 1:offset]
    return Pos(offset, line, len(prefix), len(prefix.encode("utf-16-le")) // 2, len(prefix.encode("utf-8")))


def end_position(text: str) -> Pos:
    return position(text, len(text))


def document() -> str:
    """The article with a non-ASCII first line and non-ASCII text on the cut's line, before it."""
    text = HEADER + ARTICLE.read_text(encoding="utf-8")
    cut = cut_offset(text)
    line_start = text.rfind("\n", 0, cut) + 1
    at = text.rfind(" ", line_start, cut - 150) + 1
    assert at > line_start, "the cut is too close to its line's start"
    text = text[:at] + SNIPPET + text[at:]
    new_cut = position(text, cut_offset(text))
    snippet = position(text, at + len(SNIPPET))
    # the cut is on the snippet's line, after it: its columns differ in every encoding
    assert new_cut.line == snippet.line and new_cut.chars > snippet.chars
    assert len({new_cut.chars, new_cut.utf16, new_cut.utf8}) == 3
    return text


@dataclass(frozen=True)
class Target:
    offset: int  # a character inside the token
    index: int  # in the model input, [CLS] being 0
    start: int
    end: int
    id: int
    piece: str
    word: list[str]  # the pieces of the token's word


def hover_target(text: str) -> Target:
    """A token past the cut, at least two characters long, that is one piece of a longer word."""
    enc = encode(text)
    words = enc.word_ids
    for k in range(KEPT, len(enc.ids) - 1):
        start, end = enc.offsets[k]
        if words[k] == words[k + 1] and end - start >= 2:
            pieces = [enc.tokens[i] for i in range(len(enc.ids)) if words[i] == words[k]]
            return Target((start + end) // 2, k + 1, start, end, enc.ids[k], enc.tokens[k], pieces)
    raise AssertionError("no multi-piece word past the cut")


def require(program: str) -> str:
    """The editor's path; a missing editor fails the test (CI must have it)."""
    path = shutil.which(program)
    if path is None:
        pytest.fail(f"{program} is not installed: run scripts/install-editors.sh "
                    f"(or deselect these tests with -m 'not editor')", pytrace=False)
    return path


def editor_env(tmp: Path) -> dict[str, str]:
    """The current environment with HOME and the XDG directories moved into ``tmp``."""
    env = dict(os.environ)
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME",
                 "XDG_RUNTIME_DIR"):
        d = tmp / name.lower()
        d.mkdir(mode=0o700, exist_ok=True)
        env[name] = str(d)
    env.pop("VIMINIT", None)
    env.pop("EMACSLOADPATH", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_editor(argv: list[str], tmp: Path, result: Path, env: dict[str, str] | None = None,
               timeout: int = EDITOR_TIMEOUT) -> dict:
    """Run an editor under ``timeout(1)`` and return the JSON it wrote to ``result``; on any
    failure, fail with the editor's output."""
    proc = subprocess.run(["timeout", "-k", "5", str(timeout), *argv], cwd=tmp, env=env or editor_env(tmp),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace")
    output = f"$ {' '.join(argv)}\nexit status {proc.returncode}\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
    extra = sorted(tmp.glob("*.log"))
    for log in extra:
        output += f"\n--- {log.name} ---\n{log.read_text(errors='replace')[-6000:]}"
    if proc.returncode in (124, 137):
        pytest.fail(f"the editor ran past {timeout} s\n{output}", pytrace=False)
    if not result.exists():
        pytest.fail(f"the editor wrote no results\n{output}", pytrace=False)
    data = json.loads(result.read_text(encoding="utf-8"))
    if proc.returncode != 0 or data.get("error"):
        pytest.fail(f"the editor script failed: {data.get('error')}\n{output}", pytrace=False)
    data["_output"] = output
    return data

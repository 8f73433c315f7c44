"""Only ``tokls/lsp/_pygls.py`` may use pygls' or lsprotocol's private names.

A private use is ``x._name`` where pygls or lsprotocol define or use ``_name`` (or where ``x`` is a
pygls object: ``protocol``, ``workspace``, ``fm``, ``work_done_progress``), or an import of a
private pygls/lsprotocol module or name. Anything new of that kind goes into ``_pygls.py``,
behind a function with a comment and a test in ``test_pygls_seam.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import lsprotocol
import pygls

SOURCES = Path(__file__).parents[2] / "server" / "tokls"
ALLOWED = SOURCES / "lsp" / "_pygls.py"
PYGLS_OBJECTS = {"protocol", "workspace", "fm", "work_done_progress"}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_names(package_dir: Path) -> set[str]:
    """Private names a library defines or uses."""
    names: set[str] = set()
    for path in package_dir.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and _is_private(node.name):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and _is_private(node.attr):
                names.add(node.attr)
    return names


LIBRARY_PRIVATE = _private_names(Path(pygls.__file__).parent) | _private_names(Path(lsprotocol.__file__).parent)


def private_uses(source: str) -> list[str]:
    """The private pygls/lsprotocol uses in ``source``, as ``line: code``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            owner = node.value.attr if isinstance(node.value, ast.Attribute) else getattr(node.value, "id", "")
            if node.attr in LIBRARY_PRIVATE or owner in PYGLS_OBJECTS:
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("pygls", "lsprotocol"):
            if any(_is_private(part) for part in node.module.split(".")) or any(_is_private(a.name) for a in node.names):
                found.append(f"{node.lineno}: from {node.module} import {', '.join(a.name for a in node.names)}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] in ("pygls", "lsprotocol") and any(_is_private(p) for p in parts):
                    found.append(f"{node.lineno}: import {alias.name}")
    return found


def test_the_check_finds_private_uses():
    source = ("from pygls.protocol import _dict_to_object\n"
              "import pygls.lsp._base_server\n"
              "x = ls.protocol._request_futures\n"
              "y = server.workspace._anything\n"
              "ok = self._own_state\n")
    assert sorted(u.split(":")[0] for u in private_uses(source)) == ["1", "2", "3", "4"]


def test_no_private_pygls_outside_the_seam():
    offenders = {}
    for path in sorted(SOURCES.rglob("*.py")):
        if path == ALLOWED:
            continue
        uses = private_uses(path.read_text(encoding="utf-8"))
        if uses:
            offenders[str(path.relative_to(SOURCES))] = uses
    assert offenders == {}, f"private pygls/lsprotocol names outside lsp/_pygls.py: {offenders}"
    assert private_uses(ALLOWED.read_text(encoding="utf-8")), "the seam uses no private name: drop this check?"

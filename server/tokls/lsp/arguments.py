"""Arguments of tokls' ``workspace/executeCommand`` commands.

pygls passes command arguments positionally and insists on exactly as many as a handler names,
so the handlers take ``*args`` and unpack them here: optional trailing arguments become ``None``,
and anything malformed becomes a JSON-RPC "invalid params" error that says what was expected.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from lsprotocol import converters, types
from pygls.exceptions import JsonRpcInvalidParams

from .document import Document
from .language_server import ToklsServer


def unpack(args: tuple, n: int, usage: str) -> list[Any]:
    """``args`` padded with ``None`` to ``n`` values; more than ``n`` is an error."""
    if len(args) > n:
        raise JsonRpcInvalidParams(f"expected at most {n} arguments: {usage}; got {len(args)}")
    return [*args, *([None] * (n - len(args)))]


def document(ls: ToklsServer, uri: Any) -> Document:
    if not isinstance(uri, str):
        raise JsonRpcInvalidParams(f"expected a document uri as the first argument, got {uri!r}")
    doc = ls.documents.get(uri)
    if doc is None:
        raise JsonRpcInvalidParams(f"{uri} is not an open document")
    return doc


@cache
def _converter():
    return converters.get_converter()  # built on first use: ~20 ms that startup does not need


def lsp_range(raw: Any) -> types.Range:
    if isinstance(raw, types.Range):
        return raw
    try:
        return _converter().structure(raw, types.Range)
    except Exception as exc:  # noqa: BLE001 - cattrs raises several kinds
        raise JsonRpcInvalidParams(f"expected an LSP range, got {raw!r}") from exc


def lsp_ranges(raw: Any) -> list[types.Range]:
    """One range or a list of them (``None``: no ranges)."""
    if raw is None:
        return []
    if isinstance(raw, (dict, types.Range)):
        raw = [raw]
    if not isinstance(raw, list):
        raise JsonRpcInvalidParams(f"expected a list of LSP ranges, got {raw!r}")
    return [lsp_range(r) for r in raw]


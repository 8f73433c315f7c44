"""Token commands: ``workspace/executeCommand`` for ``tokls.count`` and ``tokls.tokens``.

``tokls.count(uri, ranges?)`` feeds a status bar: the document's count and each selection's
count as one model input. ``tokls.tokens(uri, range?)`` lists the tokens of a range.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from ..convert import Document
from ..server import ToklsServer

MAX_TOKENS = 5000


def _unpack(args: tuple, n: int) -> list[Any]:
    if len(args) > n:
        raise JsonRpcInvalidParams(f"expected at most {n} arguments, got {len(args)}")
    return [*args, *([None] * (n - len(args)))]


def _document(ls: ToklsServer, uri: Any) -> Document:
    if not isinstance(uri, str):
        raise JsonRpcInvalidParams(f"expected a document uri as the first argument, got {uri!r}")
    doc = ls.documents.get(uri)
    if doc is None:
        raise JsonRpcInvalidParams(f"{uri} is not an open document")
    return doc


def _range(ls: ToklsServer, raw: Any) -> types.Range:
    try:
        return raw if isinstance(raw, types.Range) else ls.protocol._converter.structure(raw, types.Range)
    except Exception as exc:  # noqa: BLE001
        raise JsonRpcInvalidParams(f"expected an LSP range, got {raw!r}") from exc


def _ranges(ls: ToklsServer, raw: Any) -> list[types.Range]:
    if raw is None:
        return []
    if isinstance(raw, dict) or isinstance(raw, types.Range):
        raw = [raw]
    if not isinstance(raw, list):
        raise JsonRpcInvalidParams(f"expected a list of LSP ranges, got {raw!r}")
    return [_range(ls, r) for r in raw]


def register(server: ToklsServer) -> None:
    # Handlers take *args: pygls insists on exactly as many arguments as named parameters, and
    # the trailing arguments are optional.
    @server.command("tokls.count")
    async def count(ls: ToklsServer, *args: Any) -> dict:
        uri, ranges = _unpack(args, 2)
        doc = _document(ls, uri)
        spans = [doc.offsets_of(r) for r in _ranges(ls, ranges)]
        snap = ls.snapshot(doc)

        def work():
            state, _ = ls.state_for(snap)
            if state is None:
                raise JsonRpcInvalidParams(f"{uri} is larger than tokls.maxDocumentSize")
            analysis = state.analysis()
            return analysis, [state.count_text(snap.text[a:b]) for a, b in spans]

        analysis, selections = await ls.on_worker(work)
        return {"model": analysis.model, "maxLength": analysis.max_length, "tokens": analysis.tokens,
                "truncated": bool(analysis.truncated), "segments": len(analysis.segments),
                "selections": selections}

    @server.command("tokls.tokens")
    async def tokens(ls: ToklsServer, *args: Any) -> dict:
        uri, range = _unpack(args, 2)
        doc = _document(ls, uri)
        a, b = doc.offsets_of(_range(ls, range)) if range is not None else (0, len(doc.text))
        if a == b and range is not None:
            a, b = 0, len(doc.text)
        snap = ls.snapshot(doc)

        def work():
            state, _ = ls.state_for(snap)
            if state is None:
                raise JsonRpcInvalidParams(f"{uri} is larger than tokls.maxDocumentSize")
            return state.tok.name, state.tokens_in(a, b, MAX_TOKENS)

        model, found = await ls.on_worker(work)
        return {"model": model, "tokens": [
            {"index": t.index, "id": t.id, "piece": t.piece, "text": t.text, "range": _json_range(doc, t.start, t.end),
             "special": t.special, "unknown": t.unknown, "truncated": t.truncated} for t in found]}


def _json_range(doc: Document, start: int, end: int) -> dict:
    r = doc.range_of(start, end)
    return {"start": {"line": r.start.line, "character": r.start.character},
            "end": {"line": r.end.line, "character": r.end.character}}

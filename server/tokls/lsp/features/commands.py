"""Token commands: ``workspace/executeCommand`` for ``tokls.count`` and ``tokls.tokens``.

``tokls.count(uri, ranges?)`` feeds a status bar: the document's count and each selection's
count as one model input. ``tokls.tokens(uri, range?)`` lists the tokens of a range.
"""

from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from ..arguments import document, json_range, lsp_range, lsp_ranges, unpack
from ..server import ToklsServer

MAX_TOKENS = 5000


def register(server: ToklsServer) -> None:
    # Handlers take *args: pygls insists on exactly as many arguments as named parameters, and
    # the trailing arguments are optional.
    @server.command("tokls.count")
    async def count(ls: ToklsServer, *args: Any) -> dict:
        uri, ranges = unpack(args, 2, "uri, ranges?")
        doc = document(ls, uri)
        spans = [doc.offsets_of(r) for r in lsp_ranges(ls, ranges)]
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
        uri, range = unpack(args, 2, "uri, range?")
        doc = document(ls, uri)
        a, b = doc.offsets_of(lsp_range(ls, range)) if range is not None else (0, len(doc.text))
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
            {"index": t.index, "id": t.id, "piece": t.piece, "text": t.text, "range": json_range(doc, t.start, t.end),
             "special": t.special, "unknown": t.unknown, "truncated": t.truncated} for t in found]}

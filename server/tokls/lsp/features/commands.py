"""Token commands: ``workspace/executeCommand`` for ``tokls.count`` and ``tokls.tokens``.

``tokls.count(uri, ranges?)`` feeds a status bar: the document's count and each selection's
count as one model input. ``tokls.tokens(uri, range?)`` lists the tokens of a range.
"""

from __future__ import annotations

import bisect

from pygls.exceptions import JsonRpcInvalidParams

from ...core.analysis import line_starts
from ...core.messages import count_message

from ..arguments import document, lsp_range, lsp_ranges, unpack
from ..convert import json_range
from ..document import Document
from ..language_server import Feature, ToklsServer
from ..token_store import TooLarge

MAX_TOKENS = 5000


class TokenCommands(Feature):
    def __init__(self, server: ToklsServer) -> None:
        super().__init__(server)
        self.command("tokls.count", self.count)
        self.command("tokls.tokens", self.tokens)

    async def _with_tokens(self, doc: Document, fn):
        # A command's answer describes the text it was asked about, even if edited since.
        try:
            return await self.server.with_tokens(doc, fn, latest_only=False)
        except TooLarge as exc:
            raise JsonRpcInvalidParams(f"{doc.uri} is not tokenized: {exc.reason}") from None

    # The handlers take *args: pygls insists on exactly as many arguments as named parameters,
    # and the trailing ones are optional.
    async def count(self, *args) -> dict:
        uri, ranges = unpack(args, 2, "uri, ranges?")
        doc = document(self.server, uri)
        spans = [doc.offsets_of(r) for r in lsp_ranges(ranges)]
        text = doc.text

        def work(tokens):  # the analysis thread
            return tokens.analysis(), [tokens.count_text(text[a:b]) for a, b in spans]

        analysis, selections = await self._with_tokens(doc, work)
        lines = line_starts(text)
        return {"model": analysis.model, "maxLength": analysis.max_length, "tokens": analysis.tokens,
                "truncated": bool(analysis.truncated), "segments": len(analysis.segments),
                "selections": selections, "contextWindow": analysis.context_window,
                "inputCostPerToken": analysis.input_cost_per_token, "cost": analysis.cost,
                "message": count_message(analysis, lambda o: bisect.bisect_right(lines, o))}

    async def tokens(self, *args) -> dict:
        uri, range = unpack(args, 2, "uri, range?")
        doc = document(self.server, uri)
        a, b = doc.offsets_of(lsp_range(range)) if range is not None else (0, len(doc.text))
        if a == b and range is not None:
            a, b = 0, len(doc.text)
        asked = doc.copy()  # the text the ranges of the answer refer to

        def work(tokens):  # the analysis thread
            return tokens.tok.name, tokens.tokens_in(a, b, MAX_TOKENS)

        model, found = await self._with_tokens(doc, work)
        return {"model": model, "tokens": [
            {"index": t.index, "id": t.id, "piece": t.piece, "text": t.text, "range": json_range(asked, t.start, t.end),
             "special": t.special, "unknown": t.unknown, "truncated": t.truncated} for t in found]}

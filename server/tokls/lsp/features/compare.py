"""``tokls.compare(uri, models?, range?)``: the document (or a range) under several models.

Returns ``{"characters", "rows": [...]}``, one row per model in the order asked (default
:data:`tokls.core.compare.DEFAULT_MODELS`): tokens, characters per token, context window, share
of it, input cost, and whether the model would truncate the text (see :mod:`tokls.core.compare`).
``models`` is a list of names or one comma-separated string. The work runs on the analysis thread,
with the server's tokenizer registry, so the models stay loaded for the next comparison.
"""

from __future__ import annotations

from pygls.exceptions import JsonRpcInvalidParams

from ...core.compare import compare, parse_models
from ..arguments import document, lsp_range, unpack
from ..language_server import Feature, ToklsServer

MAX_MODELS = 12


class Compare(Feature):
    def __init__(self, server: ToklsServer) -> None:
        super().__init__(server)
        self.command("tokls.compare", self.compare)

    async def compare(self, *args) -> dict:
        uri, models, range = unpack(args, 3, "uri, models?, range?")
        doc = document(self.server, uri)
        if models is not None and not isinstance(models, (str, list)):
            raise JsonRpcInvalidParams(f"expected a list of model names or a comma-separated string, got {models!r}")
        names = parse_models(models)
        if not names or len(names) > MAX_MODELS:
            raise JsonRpcInvalidParams(f"expected 1 to {MAX_MODELS} model names, got {len(names)}")
        text = doc.text
        if range is not None:
            a, b = doc.offsets_of(lsp_range(range))
            if a != b:
                text = text[a:b]
        store = self.server.tokens
        rows = await store.call(compare, text, names, store.registry.get)
        return {"characters": len(text), "rows": [r.to_json() for r in rows]}

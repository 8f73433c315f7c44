"""``tokls.datasetStats(uri, options?)``: the length statistics of an open dataset document.

The answer is the JSON of ``tokls stats --format json`` (:meth:`~tokls.core.dataset_stats.DatasetStats.result`)
for the document's text as the editor has it, with the settings the document's records are
analysed with (``tokls.model``, ``tokls.maxLength``, ``tokls.dataset.fields``). ``options`` may
set ``batchSize`` (default 32) and ``outlier`` (tokens), and ``text``: the document's text for a
document the client does not sync (outside ``tokls.languages``; it need not be open then). The
work runs on the analysis thread.
"""

from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path

from ...core.dataset_stats import DatasetStats, StatsOptions
from ...core.record_tokens import RECORD_KINDS
from ...core.records import FieldSpec, dataset_kind
from ..arguments import document, unpack
from ..language_server import Feature, ToklsServer


def _positive(options: dict, key: str) -> int | None:
    value = options.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise JsonRpcInvalidParams(f"options.{key} must be a positive integer, got {value!r}")
    return value


class DatasetReport(Feature):
    def __init__(self, server: ToklsServer) -> None:
        super().__init__(server)
        self.command("tokls.datasetStats", self.dataset_stats)

    async def dataset_stats(self, *args) -> dict:
        uri, options = unpack(args, 2, "uri, options?")
        if not isinstance(uri, str) or dataset_kind(uri) not in RECORD_KINDS:
            raise JsonRpcInvalidParams(f"{uri!r} is not a dataset file (.jsonl, .ndjson, .csv, .tsv)")
        if options is not None and not isinstance(options, dict):
            raise JsonRpcInvalidParams(f"expected options as an object, got {options!r}")
        options = options or {}
        batch_size = _positive(options, "batchSize") or StatsOptions.batch_size
        outlier = _positive(options, "outlier")
        store = self.server.tokens
        text = options.get("text")
        if text is None:
            doc = document(self.server, uri)
            settings = store.directives(doc).apply(self.server.settings)
            text = doc.text
        elif isinstance(text, str):
            settings = self.server.settings
        else:
            raise JsonRpcInvalidParams(f"options.text must be a string, got {type(text).__name__}")
        if len(text) > settings.max_document_size:
            raise JsonRpcInvalidParams(f"{uri} is larger than tokls.maxDocumentSize")
        name = to_fs_path(uri) or uri if uri.startswith("file:") else uri

        def work() -> dict[str, Any]:  # the analysis thread
            tok, _problem = store.tokenizer(settings.model)
            try:
                spec = FieldSpec.parse(settings.dataset.fields)
            except ValueError:  # more than two entries: the first two, as a pair (as the records are)
                spec = FieldSpec.parse(list(settings.dataset.fields)[:2])
            stats = DatasetStats(tok, spec, StatsOptions(batch_size=batch_size, max_length=settings.max_length,
                                                         outlier=outlier), store.chat_renderer(tok))
            stats.add_text(name, text)
            return stats.result()

        return await store.call(work)

"""Classification commands: ``workspace/executeCommand`` for ``tokls.classify`` and
``tokls.classifyLines``.

``tokls.classify(uri, ranges?)`` classifies the text of the ranges (joined by newlines; the whole
document when there are none or all are empty) as one input, long texts in sliding windows, and
returns every label's score and each window's range. ``tokls.classifyLines(uri, ranges?, unit?)``
classifies every non-blank line (or paragraph) of the ranges, all in one batch.

The model (setting ``tokls.classifier.model``) loads on first use, or, with
``tokls.classifier.endpoint``, runs behind that TEI-compatible URL. Loading, inference and the
endpoint's HTTP calls run on the model thread (:mod:`..model_work`), never on the event loop,
with work-done progress while the model loads and while many windows or lines run, and stop
between batches when the request or its progress is cancelled. Bad input fails the request with a message that says what went
wrong; the server keeps serving.
"""

from __future__ import annotations

from pygls.exceptions import JsonRpcInvalidParams

from ...core.chunking import tokenizable
from ...core.classify import Classifier, ClassifyOptions, scores_json, split_segments
from ..arguments import document, lsp_ranges, unpack
from ..convert import json_range
from ..document import Document
from ..language_server import Feature, ToklsServer


def _spans(doc: Document, ranges: list) -> list[tuple[int, int]]:
    """Code-point spans of the non-empty ranges; the whole document when there are none."""
    spans = [doc.offsets_of(r) for r in ranges]
    spans = [(a, b) for a, b in spans if a < b]
    return spans or [(0, len(doc.text))]


class _JoinedSpans:
    """Document spans joined by newlines into one text, and the way back to the document."""

    def __init__(self, text: str, spans: list[tuple[int, int]]) -> None:
        self.parts: list[tuple[int, int, int]] = []  # (start in the joined text, start in the document, length)
        pos = 0
        for a, b in spans:
            self.parts.append((pos, a, b - a))
            pos += b - a + 1
        self.text = "\n".join(text[a:b] for a, b in spans)

    def to_document(self, offset: int, is_end: bool) -> int:
        for joined, start, length in self.parts:
            if offset < joined + length or (is_end and offset == joined + length):
                return start + max(0, offset - joined)
        joined, start, length = self.parts[-1]
        return start + length


class Classification(Feature):
    def __init__(self, server: ToklsServer) -> None:
        super().__init__(server)
        self._classifier: Classifier | None = None
        self._loaded_for: tuple | None = None  # (model, device, backend, endpoint, timeout) of _classifier
        self.command("tokls.classify", self.classify)
        self.command("tokls.classifyLines", self.classify_lines)

    def _current(self) -> tuple[Classifier, ClassifyOptions]:
        """The configured classifier (a new one, and model, when model, device, backend or endpoint changed)."""
        s = self.server.settings.classifier
        wanted = (s.model, s.device, s.backend, s.endpoint, s.timeout_ms)
        if self._classifier is None or self._loaded_for != wanted:
            # the old one (and its model) is dropped; with an endpoint, the model runs there
            self._classifier = Classifier(s.model, device=s.device, backend=s.backend, endpoint=s.endpoint,
                                          timeout=s.timeout_ms / 1000)
            self._loaded_for = wanted
        return self._classifier, ClassifyOptions(long_text=s.long_text, stride=s.stride, batch_size=s.batch_size)

    # pygls demands every declared parameter: optional ones come through *args
    async def classify(self, *args) -> dict:
        uri, ranges = unpack(args, 2, "tokls.classify(uri, ranges?)")
        doc = document(self.server, uri)
        asked = doc.copy()  # the text the ranges of the answer refer to
        joined = _JoinedSpans(asked.text, _spans(asked, lsp_ranges(ranges)))
        classifier, options = self._current()
        result = await self.server.models.run(
            "tokls: classifying",
            lambda work: classifier.classify(tokenizable(joined.text), options=options, progress=work.progress,
                                             should_cancel=work.should_cancel),
            long=not classifier.loaded or len(joined.text) > 20_000,
        )
        return result.to_json(lambda a, b: json_range(asked, joined.to_document(a, False), joined.to_document(b, True)))

    async def classify_lines(self, *args) -> dict:
        uri, ranges, segment = unpack(args, 3, "tokls.classifyLines(uri, ranges?, unit?)")
        doc = document(self.server, uri)
        segment = "line" if segment is None else segment
        if segment not in ("line", "paragraph"):
            raise JsonRpcInvalidParams(f"unit must be 'line' or 'paragraph', got {segment!r}")
        asked = doc.copy()
        inputs: list[tuple[int, int, str]] = []
        for a, b in _spans(asked, lsp_ranges(ranges)):
            inputs += [(a + s.start, a + s.end, s.text) for s in split_segments(asked.text[a:b], segment)]
        if not inputs:
            raise JsonRpcInvalidParams(f"Nothing to classify: no non-blank {segment}s in the given ranges.")
        classifier, options = self._current()
        results = await self.server.models.run(
            "tokls: classifying lines",
            lambda work: classifier.classify_many([tokenizable(t) for _, _, t in inputs], options=options,
                                                  progress=work.progress, should_cancel=work.should_cancel),
            long=not classifier.loaded or len(inputs) > options.batch_size,
        )
        return {
            "model": classifier.display_name,
            "multiLabel": results[0].multi_label,
            "rows": [
                {"range": json_range(asked, a, b), "text": t, "label": r.label, "score": r.score,
                 "scores": scores_json(r.scores), "tokens": r.tokens}
                for (a, b, t), r in zip(inputs, results)
            ],
        }

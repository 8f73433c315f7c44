"""Diagnostics: ``textDocument/publishDiagnostics`` after open, edit, save and settings changes.

Opening or saving a document analyses it at once; edits are debounced (``tokls.debounceMs``,
the last edit wins). Each publish carries the version it was computed for, results for a
superseded version are dropped, and a closed document's diagnostics are cleared and never
published again.
"""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types

from ...core.directives import Directives
from ...core.settings import Settings
from ..convert import budget_diagnostics, token_count_diagnostic, too_large_diagnostic, truncation_diagnostics
from ..document import Document
from ..language_server import Feature, ToklsServer
from ..records import record_diagnostics
from ..token_store import TooLarge

log = logging.getLogger("tokls")


class Diagnostics(Feature):
    def __init__(self, server: ToklsServer) -> None:
        super().__init__(server)
        self._timers: dict[str, asyncio.TimerHandle | asyncio.Task] = {}

    def document_opened(self, doc: Document) -> None:
        self.schedule(doc.uri, 0)

    def document_changed(self, doc: Document) -> None:
        self.schedule(doc.uri)

    def document_saved(self, doc: Document) -> None:
        self.schedule(doc.uri, 0)

    def document_closed(self, uri: str) -> None:
        self._cancel(uri)
        self._send(uri, None, [])

    def settings_changed(self, old: Settings, new: Settings) -> None:
        for uri in list(self.server.documents):
            self.schedule(uri, 0)

    def schedule(self, uri: str, delay_ms: int | None = None) -> None:
        """(Re)start the debounce timer of ``uri``; the last edit wins."""
        self._cancel(uri)
        delay = (self.server.settings.debounce_ms if delay_ms is None else delay_ms) / 1000
        loop = asyncio.get_running_loop()

        def fire() -> None:
            self._timers[uri] = loop.create_task(self.publish(uri))

        if delay <= 0:
            fire()
        else:
            self._timers[uri] = loop.call_later(delay, fire)

    def _cancel(self, uri: str) -> None:
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()

    async def publish(self, uri: str) -> None:
        ls = self.server
        doc = ls.documents.get(uri)
        if doc is None:
            return
        if ls.excluded(uri):
            self._send(uri, None, [])
            return
        directives = ls.tokens.directives(doc)
        effective = directives.apply(ls.settings)
        version, model, warn_at = doc.version, effective.model, effective.budget.warn_at

        def analyse(tokens):  # the analysis thread
            return tokens.analysis(), ls.tokens.tokenizer(model)[1], tokens.over_budget(warn_at)

        try:
            found = await ls.with_tokens(doc, analyse)
        except TooLarge as exc:
            self._send(uri, version, [too_large_diagnostic(len(doc.text), ls.settings.max_document_size,
                                                           exc.reason)])
            return
        except Exception as exc:  # noqa: BLE001 - one document's failure must not stop the server
            log.exception("analysis of %s failed", uri)
            ls.show_once(f"Could not analyse {uri}: {exc}", types.MessageType.Error)
            return
        if found is None:
            return  # closed, or edited meanwhile: a newer publish is on its way
        analysis, problem, over = found
        diagnostics = directive_diagnostics(doc, directives, problem)
        if problem and directives.line_of("model") is None:
            ls.show_once(problem)
        severity = ls.settings.severity
        diagnostics += truncation_diagnostics(analysis, doc, severity.truncation)
        diagnostics += budget_diagnostics(analysis, doc, over, warn_at)
        count = token_count_diagnostic(analysis, doc, severity.token_count)
        if count is not None:
            diagnostics.insert(0, count)
        diagnostics += record_diagnostics(analysis, doc, severity.token_count)
        self._send(uri, version, diagnostics)

    def _send(self, uri: str, version: int | None, diagnostics: list[types.Diagnostic]) -> None:
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=diagnostics))


def directive_diagnostics(doc: Document, directives: Directives, model_problem: str | None) -> list[types.Diagnostic]:
    """A warning on each invalid directive line, and on the line of a model that did not load."""
    spans = [(a, b, message) for a, b, message in directives.problems]
    line = directives.line_of("model")
    if model_problem and line is not None:
        spans.append((*line, model_problem.replace("the setting tokls.model is fixed", "this directive is fixed")))
    return [types.Diagnostic(range=doc.range_of(a, b), message=message, severity=types.DiagnosticSeverity.Warning,
                             code="directive", source="tokls") for a, b, message in spans]

"""Text synchronisation and diagnostics.

LSP methods: ``textDocument/didOpen``, ``textDocument/didChange``, ``textDocument/didSave``,
``textDocument/didClose`` → ``textDocument/publishDiagnostics``.

Opening or saving a document analyses it at once; edits are debounced (``tokls.debounceMs``).
Each publish carries the version it was computed for, results for a superseded version are
dropped, and a closed document's diagnostics are cleared and never published again.
"""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types

from ..convert import Document, token_count_diagnostic, truncation_diagnostics
from ..server import ToklsServer

log = logging.getLogger("tokls")


def _too_large(server: ToklsServer, doc: Document) -> types.Diagnostic:
    return types.Diagnostic(
        range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)),
        message=(f"Not tokenized: {len(doc.text):,} characters > tokls.maxDocumentSize "
                 f"({server.settings.max_document_size:,}). Raise the setting to analyse this document."),
        severity=types.DiagnosticSeverity.Information, code="too-large", source="tokls",
    )


async def publish(server: ToklsServer, uri: str) -> None:
    doc = server.documents.get(uri)
    if doc is None:
        return
    if server.excluded(uri):
        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        return
    snap = server.snapshot(doc)
    try:
        analysis, problem = await server.on_worker(server.analyse, snap)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - one document's failure must not stop the server
        log.exception("analysis of %s failed", uri)
        server.tell(f"Could not analyse {uri}: {exc}", types.MessageType.Error)
        return
    if problem:
        server.tell(problem)
    if server.documents.get(uri) is not doc or doc.version != snap.version:
        return  # closed, or edited meanwhile: a newer publish is on its way
    if analysis is None:
        diagnostics = [_too_large(server, doc)]
    else:
        sev = server.settings.severity
        diagnostics = truncation_diagnostics(analysis, doc, sev.truncation)
        count = token_count_diagnostic(analysis, doc, sev.token_count)
        if count is not None:
            diagnostics.insert(0, count)
    server.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=uri, version=snap.version, diagnostics=diagnostics))


def register(server: ToklsServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ToklsServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        ls.documents[item.uri] = Document(item.uri, item.text, item.version, item.language_id, ls.encoding,
                                          pending=None)
        ls.schedule(item.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ToklsServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        doc = ls.documents.get(uri)
        if doc is None:
            log.warning("didChange for %s, which is not open; ignored", uri)
            return
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                doc.edit(change.range, change.text)
            else:
                doc.replace(change.text, params.text_document.version)
        doc.version = params.text_document.version
        ls.schedule(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ToklsServer, params: types.DidSaveTextDocumentParams) -> None:
        doc = ls.documents.get(params.text_document.uri)
        if doc is not None:
            if params.text is not None and params.text != doc.text:
                doc.replace(params.text, doc.version)
            ls.schedule(doc.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ToklsServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.cancel(uri)
        if ls.documents.pop(uri, None) is not None:
            ls.worker.submit(ls.forget, uri)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

"""The tokls language server: state, settings, the analysis worker, and feature wiring.

Threading model: the event loop owns the open documents' text (:class:`~.convert.Document`);
all token state (:class:`~tokls.core.analysis.DocumentTokens`) lives on one worker thread, so
edits reach it in order without locks. A request snapshots what it needs on the loop, runs the
work on the worker, and converts the result back on the loop, dropping it if the document moved
on meanwhile.
"""

from __future__ import annotations

import asyncio
import fnmatch
import gc
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.uris import to_fs_path

from .. import __version__
from ..core.analysis import Analysis, DocumentTokens
from ..core.settings import Settings, parse_settings
from ..core.tokenizers import DEFAULT_MODEL, LoadedTokenizer, TokenizerError, TokenizerRegistry
from .convert import Document

log = logging.getLogger("tokls")
T = TypeVar("T")

#: feature modules; each has ``register(server)``
FEATURES = [
    "tokls.lsp.features.sync",
    "tokls.lsp.features.hover",
    "tokls.lsp.features.commands",
    "tokls.lsp.features.configuration",
    "tokls.lsp.features.classify",
]


class ToklsProtocol(LanguageServerProtocol):
    """Text sync is tokls' own (:class:`Document`): pygls' workspace copy would cost a Python
    pass over the whole text per keystroke, and splits lines where LSP does not."""

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


@dataclass
class Snapshot:
    """What the worker needs to bring a document's token state up to date."""

    uri: str
    version: int | None
    text: str
    pending: list[tuple[int, int, str]] | None


class _ClientLogHandler(logging.Handler):
    """Forward log records to the client (window/logMessage) from any thread."""

    _LEVELS = {logging.ERROR: types.MessageType.Error, logging.WARNING: types.MessageType.Warning,
               logging.INFO: types.MessageType.Info}

    def __init__(self, server: "ToklsServer") -> None:
        super().__init__(logging.INFO)
        self.server = server

    def emit(self, record: logging.LogRecord) -> None:
        loop = self.server.loop
        if loop is None or loop.is_closed() or not self.server.initialized:
            return
        params = types.LogMessageParams(type=self._LEVELS.get(record.levelno, types.MessageType.Log),
                                        message=self.format(record))
        try:
            loop.call_soon_threadsafe(self.server.window_log_message, params)
        except RuntimeError:  # loop closing
            pass


class ToklsServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("tokls", __version__, protocol_cls=ToklsProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.settings = Settings()
        self.init_options: Any = None
        self.initialized = False
        self.registry = TokenizerRegistry()
        self.documents: dict[str, Document] = {}
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tokls-analysis")
        self.loop: asyncio.AbstractEventLoop | None = None
        self._states: dict[str, DocumentTokens] = {}  # worker thread only
        self._timers: dict[str, asyncio.TimerHandle | asyncio.Task] = {}
        self._shown: set[str] = set()

    # -- messages ------------------------------------------------------------------------

    def tell(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        """Log ``message`` and show it to the user once (until settings change)."""
        log.warning(message) if kind <= types.MessageType.Warning else log.info(message)
        if message in self._shown:
            return
        self._shown.add(message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=f"tokls: {message}"))

    # -- settings ------------------------------------------------------------------------

    def apply_settings(self, raw: Any) -> None:
        settings, problems = parse_settings(raw)
        changed = settings != self.settings
        self._shown.clear()
        self.settings = settings
        for problem in problems:
            self.tell(problem)
        log.info("settings: %s", settings)
        if changed:
            self.schedule_all()

    @property
    def encoding(self) -> str:
        """The negotiated position encoding (``utf-16`` before initialize has chosen one)."""
        workspace = self.protocol._workspace  # None before initialize
        enc = workspace.position_encoding if workspace is not None else None
        return str(getattr(enc, "value", enc) or "utf-16")

    # -- tokenizer -----------------------------------------------------------------------

    def tokenizer(self) -> tuple[LoadedTokenizer, str | None]:
        """The configured tokenizer, or the default and a message saying why (worker thread)."""
        name = self.settings.model
        try:
            return self.registry.get(name), None
        except TokenizerError as exc:
            fallback = self.registry.get(DEFAULT_MODEL)
            return fallback, f"{exc} Using {DEFAULT_MODEL} until the setting tokls.model is fixed."

    def excluded(self, uri: str) -> bool:
        if not self.settings.exclude:
            return False
        path = to_fs_path(uri) or uri
        return any(fnmatch.fnmatch(path, g) or fnmatch.fnmatch(os.path.basename(path), g)
                   for g in self.settings.exclude)

    # -- the worker ----------------------------------------------------------------------

    async def on_worker(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.worker, fn, *args)

    def snapshot(self, doc: Document) -> Snapshot:
        """Taken on the loop; hands the pending edits over to the worker."""
        return Snapshot(doc.uri, doc.version, doc.text, doc.take_pending())

    def state_for(self, snap: Snapshot) -> tuple[DocumentTokens | None, str | None]:
        """Bring the token state of a document up to ``snap`` (worker thread only)."""
        if len(snap.text) > self.settings.max_document_size:
            self._states.pop(snap.uri, None)
            return None, None
        tok, problem = self.tokenizer()
        s = self.settings
        state = self._states.get(snap.uri)
        fresh = (state is None or snap.pending is None or state.tok is not tok or state.mode != s.segment
                 or state.max_length != (s.max_length or tok.max_length))
        if not fresh:
            assert state is not None and snap.pending is not None
            try:
                for start, end, new in snap.pending:
                    state.edit(start, end, new)
            except ValueError:
                fresh = True
            if not fresh and state.text != snap.text:  # a memcmp: cheap insurance
                log.error("token state of %s diverged from the editor's text; re-tokenizing", snap.uri)
                fresh = True
        if fresh:
            state = DocumentTokens(tok, snap.text, s.segment, s.max_length)
            self._states[snap.uri] = state
        return state, problem

    def analyse(self, snap: Snapshot) -> tuple[Analysis | None, str | None]:
        state, problem = self.state_for(snap)
        return (state.analysis() if state else None), problem

    def forget(self, uri: str) -> None:
        self._states.pop(uri, None)

    # -- scheduling ----------------------------------------------------------------------

    def schedule(self, uri: str, delay_ms: int | None = None) -> None:
        """(Re)start the debounce timer of ``uri``; the last edit wins."""
        from .features.sync import publish  # the diagnostics feature owns publishing

        old = self._timers.pop(uri, None)
        if old is not None:
            old.cancel()
        delay = (self.settings.debounce_ms if delay_ms is None else delay_ms) / 1000
        loop = asyncio.get_event_loop()

        def fire() -> None:
            self._timers[uri] = loop.create_task(publish(self, uri))

        if delay <= 0:
            fire()
        else:
            self._timers[uri] = loop.call_later(delay, fire)

    def schedule_all(self) -> None:
        for uri in list(self.documents):
            self.schedule(uri, 0)

    def cancel(self, uri: str) -> None:
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()


def create_server() -> ToklsServer:
    import importlib

    server = ToklsServer()
    for name in FEATURES:
        importlib.import_module(name).register(server)
    handler = _ClientLogHandler(server)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    # Everything imported so far (pygls, lsprotocol, cattrs, numpy: ~60k objects) lives as long
    # as the process: keep it out of the cyclic GC, whose full collections otherwise scan it
    # (30-90 ms each on a loaded machine), landing in the tail latency of hovers and edits.
    gc.freeze()
    return server

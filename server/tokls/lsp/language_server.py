"""The tokls language server: open documents, settings, the two request paths, feature hooks.

Threading model: the event loop owns the open documents' text (:class:`~.document.Document`);
all token state lives on the analysis thread (:mod:`.token_store`), and model work runs on the
model thread (:mod:`.model_work`). A request uses one of two paths:

- :meth:`ToklsServer.with_tokens` snapshots a document on the loop, runs a function on its
  token state on the analysis thread, and drops the result if the document moved on meanwhile;
- :attr:`ToklsServer.models` (:meth:`~.model_work.ModelThread.run`) runs model work off the loop
  with progress, cancellation and JSON-RPC errors.

The server owns the lifecycle and text-sync methods and calls the hooks of its features
(:class:`Feature`, listed in :mod:`.features`) from them; features register their own LSP methods.
"""

from __future__ import annotations

import asyncio
import dataclasses
import fnmatch
import inspect
import json
import logging
import os
import re
from typing import Any, Callable, Iterable, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..core.analysis import DocumentTokens
from ..core.settings import Settings, parse_settings
from ._pygls import ToklsProtocol
from .document import Document
from .model_work import ModelThread
from .token_store import TokenStore, TooLarge

log = logging.getLogger("tokls")


def _settings_line(settings: Any, prefix: str = "") -> str:
    """``model=bert-base-uncased maxLength=null severity.truncation=warning …`` for the log."""
    parts = []
    for f in dataclasses.fields(settings):
        key = prefix + re.sub(r"_([a-z])", lambda m: m.group(1).upper(), f.name)
        value = getattr(settings, f.name)
        if dataclasses.is_dataclass(value):
            parts.append(_settings_line(value, key + "."))
        else:
            plain = isinstance(value, str) and value and not re.search(r"\s", value)  # else quoted: "\n\n"
            parts.append(f"{key}={value if plain else json.dumps(value, ensure_ascii=False)}")
    return " ".join(parts)
T = TypeVar("T")


def _plain(method: Callable[..., Any]) -> Callable[..., Any]:
    """A plain function calling a bound method: pygls marks its handlers with attributes, which
    bound methods do not take, and sees parameters (command arguments) the same way."""
    if inspect.iscoroutinefunction(method):
        async def handler(*args: Any) -> Any:
            return await method(*args)
    else:
        def handler(*args: Any) -> Any:
            return method(*args)
    handler.__name__ = handler.__qualname__ = method.__name__
    return handler


class Feature:
    """One LSP feature: registers its own methods in ``__init__``, keeps its own state, and
    overrides the hooks it needs (all run on the event loop, after the server's own handling)."""

    def __init__(self, server: "ToklsServer") -> None:
        self.server = server

    def handle(self, method: str, handler: Callable[..., Any], options: Any = None) -> None:
        """Answer the LSP ``method`` (e.g. ``types.TEXT_DOCUMENT_HOVER``) with ``handler(params)``;
        ``options`` go into the server's capabilities (e.g. a semantic-token legend)."""
        self.server.feature(method, options)(_plain(handler))

    def command(self, name: str, handler: Callable[..., Any]) -> None:
        """Answer ``workspace/executeCommand`` for ``name`` with ``handler(*arguments)``."""
        self.server.command(name)(_plain(handler))

    def initialize(self, params: types.InitializeParams) -> None:
        """``initialize``: the workspace and position encoding are known."""

    async def initialized(self) -> None:
        """``initialized``: the client accepts requests from the server now."""

    def settings_changed(self, old: Settings, new: Settings) -> None:
        """``server.settings`` is ``new`` now (called only when it differs from ``old``)."""

    def document_opened(self, doc: Document) -> None:
        """``doc`` was opened and is in ``server.documents``."""

    def document_changed(self, doc: Document) -> None:
        """``doc`` was edited (its text and version are the new ones)."""

    def document_saved(self, doc: Document) -> None:
        """``doc`` was saved (its text is the saved one when the client sent it)."""

    def document_closed(self, uri: str) -> None:
        """``uri`` was closed and is no longer in ``server.documents``."""


class ToklsServer(LanguageServer):
    def __init__(self, features: Iterable[Callable[["ToklsServer"], Feature]] = ()) -> None:
        super().__init__("tokls", __version__, protocol_cls=ToklsProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.settings = Settings()
        self.initialized = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self.documents: dict[str, Document] = {}
        self.tokens = TokenStore()
        self.models = ModelThread(self, on_model_error=lambda m: self.show_once(m, types.MessageType.Error))
        self._shown: set[str] = set()
        self._after_first_publish: list[Callable[[], None]] | None = []
        self._register_lifecycle()
        self.features = [make(self) for make in features]

    # -- the two request paths -----------------------------------------------------------

    async def with_tokens(self, doc: Document, fn: Callable[[DocumentTokens], T], *,
                          latest_only: bool = True) -> T | None:
        """``fn(tokens)`` on the analysis thread, ``tokens`` being ``doc``'s token state as of now.

        Raises :class:`~.token_store.TooLarge` for a document over ``tokls.maxDocumentSize``.
        With ``latest_only`` the answer is ``None`` when ``doc`` was edited or closed meanwhile
        (a newer answer is on its way, or nobody wants one).
        """
        snap = self.tokens.snapshot(doc, self.settings)
        try:
            result = await self.tokens.run(snap, fn)
        except TooLarge:
            if latest_only and self._moved_on(doc, snap.version):
                return None
            raise
        return None if latest_only and self._moved_on(doc, snap.version) else result

    def _moved_on(self, doc: Document, version: int | None) -> bool:
        return self.documents.get(doc.uri) is not doc or doc.version != version

    # -- messages and settings -----------------------------------------------------------

    def text_document_publish_diagnostics(self, params: types.PublishDiagnosticsParams) -> None:
        super().text_document_publish_diagnostics(params)
        if self._after_first_publish is not None and self.loop is not None:
            waiting, self._after_first_publish = self._after_first_publish, None
            for fn in waiting:
                self.loop.call_soon(fn)

    def after_first_publish(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the loop once, just after the first diagnostics went out (the start-up
        work is done then, and the conversion code for publishing exists: cattrs drops all the
        code it generated whenever it meets a new list type, so code made earlier would not last)."""
        if self._after_first_publish is None:
            asyncio.get_running_loop().call_soon(fn)
        else:
            self._after_first_publish.append(fn)

    def show_once(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        """Log ``message`` and show it to the user, once until the settings change."""
        log.warning(message) if kind <= types.MessageType.Warning else log.info(message)
        if message in self._shown:
            return
        self._shown.add(message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=f"tokls: {message}"))

    def apply_settings(self, raw: Any) -> None:
        """Parse the client's settings; invalid values are reported and replaced by defaults."""
        settings, problems = parse_settings(raw)
        old, self.settings = self.settings, settings
        self._shown.clear()
        for problem in problems:
            self.show_once(problem)
        log.info("settings: %s", _settings_line(settings))
        if settings != old:
            for feature in self.features:
                feature.settings_changed(old, settings)

    async def tokenizer_problem(self) -> str | None:
        """Why the configured tokenizer is not in use (None when it is); loads it if need be."""
        _tok, problem = await self.tokens.call(self.tokens.tokenizer, self.settings.model)
        return problem

    @property
    def encoding(self) -> str:
        """The negotiated position encoding (``utf-16`` before initialize has chosen one)."""
        try:
            enc = self.workspace.position_encoding
        except RuntimeError:  # no workspace before initialize
            enc = None
        return str(getattr(enc, "value", enc) or "utf-16")

    def excluded(self, uri: str) -> bool:
        """Whether ``uri`` matches a ``tokls.exclude`` glob (by path or by file name)."""
        if not self.settings.exclude:
            return False
        path = to_fs_path(uri) or uri
        return any(fnmatch.fnmatch(path, g) or fnmatch.fnmatch(os.path.basename(path), g)
                   for g in self.settings.exclude)

    # -- lifecycle and text sync: the server's own methods, dispatched to feature hooks ---

    def _register_lifecycle(self) -> None:
        @self.feature(types.INITIALIZE)
        def initialize(params: types.InitializeParams) -> None:
            self.loop = asyncio.get_running_loop()
            for feature in self.features:
                feature.initialize(params)

        @self.feature(types.INITIALIZED)
        async def initialized(params: types.InitializedParams) -> None:
            self.initialized = True
            for feature in self.features:
                await feature.initialized()

        @self.feature(types.TEXT_DOCUMENT_DID_OPEN)
        def did_open(params: types.DidOpenTextDocumentParams) -> None:
            item = params.text_document
            doc = Document(item.uri, item.text, item.version, self.encoding, pending=None)
            self.documents[item.uri] = doc
            for feature in self.features:
                feature.document_opened(doc)

        @self.feature(types.TEXT_DOCUMENT_DID_CHANGE)
        def did_change(params: types.DidChangeTextDocumentParams) -> None:
            uri = params.text_document.uri
            doc = self.documents.get(uri)
            if doc is None:
                log.warning("didChange for %s, which is not open; ignored", uri)
                return
            for change in params.content_changes:
                if isinstance(change, types.TextDocumentContentChangePartial):
                    doc.edit(change.range, change.text)
                else:
                    doc.replace(change.text, params.text_document.version)
            doc.version = params.text_document.version
            for feature in self.features:
                feature.document_changed(doc)

        @self.feature(types.TEXT_DOCUMENT_DID_SAVE)
        def did_save(params: types.DidSaveTextDocumentParams) -> None:
            doc = self.documents.get(params.text_document.uri)
            if doc is None:
                return
            if params.text is not None and params.text != doc.text:
                doc.replace(params.text, doc.version)
            for feature in self.features:
                feature.document_saved(doc)

        @self.feature(types.TEXT_DOCUMENT_DID_CLOSE)
        def did_close(params: types.DidCloseTextDocumentParams) -> None:
            uri = params.text_document.uri
            if self.documents.pop(uri, None) is not None:
                self.tokens.forget(uri)
            for feature in self.features:
                feature.document_closed(uri)

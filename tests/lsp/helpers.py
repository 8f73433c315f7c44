"""End-to-end helpers: the real server (`python -m tokls serve`) driven by pytest-lsp's client."""

from __future__ import annotations

import asyncio
import re
import sys
from typing import Any, Callable, TypeVar

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SERVER = [sys.executable, "-m", "tokls", "serve"]
T = TypeVar("T")


async def wait_until(predicate: Callable[[], T], timeout: float = 20, interval: float = 0.02) -> T:
    """Poll ``predicate`` until it returns something truthy, and return that; fail after ``timeout`` s."""
    async def poll() -> T:
        while not (value := predicate()):
            await asyncio.sleep(interval)
        return value
    try:
        return await asyncio.wait_for(poll(), timeout)
    except asyncio.TimeoutError:
        raise AssertionError(f"not true within {timeout} s: {getattr(predicate, '__name__', predicate)}") from None


async def start(client: LanguageClient, options: dict | None = None, editor: str = "visual-studio-code",
                encodings: list[str] | None = None) -> types.InitializeResult:
    caps = client_capabilities(editor)
    for method in (types.WORKSPACE_SEMANTIC_TOKENS_REFRESH, types.WORKSPACE_INLAY_HINT_REFRESH):
        # the editors whose capabilities these are answer the refreshes they declare
        client.protocol.fm.features.setdefault(method, lambda params: None)
    if encodings is not None:
        caps.general = types.GeneralClientCapabilities(position_encodings=encodings)
    return await client.initialize_session(types.InitializeParams(
        capabilities=caps, initialization_options=options, root_uri="file:///workspace"))


async def wait_diagnostics(client: LanguageClient, uri: str, version: int | None = None, timeout: float = 20):
    """Wait until diagnostics for ``uri`` (at ``version`` when given) have been published."""
    def published():
        got = client.diagnostics.get(uri)
        if got is not None and (version is None or client.diagnostic_versions.get(uri) == version):
            return (got,)  # truthy even when there are no diagnostics
        return None
    (got,) = await wait_until(published, timeout)
    return got


def track_versions(client: LanguageClient) -> None:
    """Record the version of each publish next to pytest-lsp's own record of diagnostics."""
    client.diagnostic_versions = {}
    client.publish_log = []

    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.diagnostic_versions[params.uri] = params.version
        client.publish_log.append(params)

    # replaces pytest-lsp's default handler, which keeps the diagnostics but not the version
    client.protocol.fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = on_diagnostics


def open_doc(client: LanguageClient, uri: str, text: str, version: int = 1, language: str = "plaintext") -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id=language, version=version, text=text)))


def edit(client: LanguageClient, uri: str, version: int, start: tuple[int, int], end: tuple[int, int],
         text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(*start), end=types.Position(*end)), text=text)]))


def utf16(s: str) -> int:
    """Length of ``s`` in UTF-16 code units."""
    return len(s.encode("utf-16-le")) // 2


def line_starts(text: str) -> list[int]:
    """Code-point offset of each line's start (LSP's line breaks: ``\\n``, ``\\r\\n``, ``\\r``)."""
    return [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", text))]


def offset_of(text: str, pos: types.Position) -> int:
    """The code-point offset of a UTF-16 position."""
    k, units = line_starts(text)[pos.line], 0
    while units < pos.character:
        units += utf16(text[k]); k += 1
    return k


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply edits given in UTF-16 positions, last first."""
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        a, b = offset_of(text, e.range.start), offset_of(text, e.range.end)
        text = text[:a] + e.new_text + text[b:]
    return text


def by_code(diagnostics: list[types.Diagnostic], code: str) -> list[types.Diagnostic]:
    return [d for d in diagnostics if d.code == code]


def config(**kwargs: Any) -> ClientServerConfig:
    return ClientServerConfig(server_command=SERVER, **kwargs)


def configure(client: LanguageClient, settings: dict) -> None:
    """Push ``{"tokls": settings}`` (didChangeConfiguration); ``{}`` restores the initializationOptions."""
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"tokls": settings}))


__all__ = ["pytest_lsp", "start", "wait_diagnostics", "wait_until", "open_doc", "edit", "by_code", "config",
           "configure", "track_versions", "utf16", "line_starts", "offset_of", "apply_edits"]

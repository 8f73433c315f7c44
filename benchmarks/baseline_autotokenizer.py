"""Start-up baselines with transformers' ``AutoTokenizer`` (used by ``bench_lsp.py``).

Two forms, both loading the tokenizer from a local folder (no hub):

``python baseline_autotokenizer.py script FOLDER FILE``
    start Python, import ``transformers.AutoTokenizer``, load the tokenizer, tokenize FILE and
    print the token count (special tokens included) on stdout.

``python baseline_autotokenizer.py serve``
    the same flow as tokls, with transformers in place of tokenizers: a pygls language server
    that reads ``{"model": FOLDER}`` from initializationOptions, loads the tokenizer in the
    background once initialized (as tokls does), and on ``textDocument/didOpen`` tokenizes the
    document off the event loop and publishes one diagnostic with the token count (carrying the
    document version). No truncation point, no token index: it does less work than tokls.
"""

from __future__ import annotations

import sys


def _count(tokenizer, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])


def script(folder: str, path: str) -> int:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    print(_count(tokenizer, text), flush=True)
    return 0


def serve() -> int:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from lsprotocol import types
    from pygls.lsp.server import LanguageServer
    from transformers import AutoTokenizer

    server = LanguageServer("autotokenizer-baseline", "0", text_document_sync_kind=types.TextDocumentSyncKind.Full)
    worker = ThreadPoolExecutor(max_workers=1)
    state: dict = {}

    def load():
        if "tokenizer" not in state:
            state["tokenizer"] = AutoTokenizer.from_pretrained(state["folder"])
        return state["tokenizer"]

    @server.feature(types.INITIALIZE)
    def initialize(ls: LanguageServer, params: types.InitializeParams) -> None:
        state["folder"] = (params.initialization_options or {})["model"]

    @server.feature(types.INITIALIZED)
    async def initialized(ls: LanguageServer, params: types.InitializedParams) -> None:
        await asyncio.get_running_loop().run_in_executor(worker, load)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        count = await asyncio.get_running_loop().run_in_executor(worker, lambda: _count(load(), item.text))
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=item.uri, version=item.version, diagnostics=[types.Diagnostic(
                range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)),
                message=f"{count} tokens", severity=types.DiagnosticSeverity.Information,
                code="token-count", source="baseline", data={"tokens": count})]))

    server.start_io()
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "script":
        raise SystemExit(script(sys.argv[2], sys.argv[3]))
    if len(sys.argv) == 2 and sys.argv[1] == "serve":
        raise SystemExit(serve())
    raise SystemExit(__doc__)

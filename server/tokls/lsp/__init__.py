"""The LSP adapter: the only package that imports pygls and lsprotocol.

- ``server.py`` — ``create_server()``: a :class:`ToklsServer` with every feature, log → client
- ``language_server.py`` — ``ToklsServer`` (documents, settings, ``with_tokens``, lifecycle and
  text sync calling the hooks) and ``Feature``, the base class of features
- ``features/`` — one module per LSP feature, listed in ``features.FEATURES``
- ``token_store.py`` — token state of the open documents, on the one analysis thread
- ``model_work.py`` — model work on the model thread: progress, cancellation, JSON-RPC errors
- ``document.py`` — an open document's text, line index, edits, offsets ↔ LSP positions
- ``convert.py`` — core results → LSP diagnostics, hover markdown, JSON ranges
- ``arguments.py`` — executeCommand arguments → offsets, documents, "invalid params" errors
- ``_pygls.py`` — every override and private use of pygls, each pinned by a test
- ``_attrs_code.py`` — start-up: lsprotocol's attrs classes without recompiling their methods
"""

from ._attrs_code import import_protocol

import_protocol()

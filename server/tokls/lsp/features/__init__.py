"""The server's LSP features, one module each; :data:`FEATURES` is the one list the server runs.

A feature is a :class:`~tokls.lsp.language_server.Feature`: it registers its own LSP methods in
``__init__`` (``self.handle(types.TEXT_DOCUMENT_HOVER, self.hover)``, ``self.command(name, fn)``),
keeps its own state, and overrides the hooks it needs (``initialize``, ``initialized``,
``settings_changed``, ``document_opened/changed/saved/closed``). Requests read token state through
``await server.with_tokens(doc, fn)`` and run model work through ``server.models.run(...)``;
core results become LSP objects in :mod:`tokls.lsp.convert`.

**Adding a feature** (inlay hints, semantic tokens, code actions …): write ``features/<name>.py``
with one ``Feature`` subclass and append it to :data:`FEATURES` below. The server owns only the
lifecycle and text-sync methods (initialize, initialized, didOpen/didChange/didSave/didClose);
react to those through the hooks.

- :mod:`.configuration` — initializationOptions and ``workspace/configuration`` → settings
- :mod:`.diagnostics` — debounced ``publishDiagnostics``: token count, truncation, too large
- :mod:`.hover` — the token(s) under the cursor
- :mod:`.commands` — ``tokls.count`` and ``tokls.tokens``
- :mod:`.classify` — ``tokls.classify`` and ``tokls.classifyLines`` (the model loads lazily)
- :mod:`.compare` — ``tokls.compare``: the document under several models side by side
- :mod:`.semantic_tokens` — token boundaries as semantic tokens (``tokls.showTokens``)
- :mod:`.inlay_hints` — token counts at the end of each segment and at the cut (``tokls.inlayHints``)
- :mod:`.workspace_counts` — ``tokls/workspaceCounts``: every file's count, totals per folder
- :mod:`.code_actions` — split at the cut, copy what the model sees, classify, compare models
- :mod:`.dataset_report` — ``tokls.datasetStats``: ``tokls stats`` of an open dataset document
"""

from __future__ import annotations

from .classify import Classification
from .code_actions import CodeActions
from .commands import TokenCommands
from .compare import Compare
from .configuration import Configuration
from .dataset_report import DatasetReport
from .diagnostics import Diagnostics
from .hover import Hover
from .inlay_hints import InlayHints
from .semantic_tokens import SemanticTokens
from .workspace_counts import WorkspaceCounts

#: in hook order: configuration first, so that the others see the new settings
FEATURES = [Configuration, Diagnostics, Hover, TokenCommands, Classification, Compare,
            SemanticTokens, InlayHints, CodeActions, WorkspaceCounts, DatasetReport]

__all__ = ["FEATURES"]

"""Code actions at the cut: ``textDocument/codeAction`` (+ ``codeAction/resolve``) and the
``tokls.modelText`` command.

On a tokls truncation diagnostic:

- **Split into parts of at most N tokens**: one workspace edit inserting a separator at each cut
  of :func:`tokls.core.split.split_points`: the ``split.separator`` setting, or when it is empty
  the segment mode's own (a blank line in ``paragraph`` mode, a line break in ``line`` mode,
  ``---`` between blank lines in ``document`` mode); computed on resolve when the client resolves
  edits lazily, since it encodes the segment again. Not offered for dataset records (text inserted
  into a record would break its JSON or CSV);
- **Copy what the model sees**: the command ``tokls.modelText(uri, segment)`` → ``{"text": …}``
  (the segment's text up to the cut; the VS Code client copies it to the clipboard);
- **Classify this segment**: the command ``tokls.classify(uri, range)``.

On a non-empty selection: **Count tokens of selection in every model**, the command
``tokls.compare(uri, null, range)`` (disabled, with the reason, when this server has no such command).
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from ...core.split import SEPARATORS, separator, split_points
from ..arguments import document, unpack
from ..document import Document
from ..language_server import Feature, ToklsServer
from ..token_store import TooLarge

__all__ = ["CodeActions", "SEPARATORS"]

COMPARE = "tokls.compare"


class CodeActions(Feature):
    def __init__(self, server: ToklsServer) -> None:
        super().__init__(server)
        self.handle(types.TEXT_DOCUMENT_CODE_ACTION, self.code_action, types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.Empty], resolve_provider=True))
        self.handle(types.CODE_ACTION_RESOLVE, self.resolve)
        self.command("tokls.modelText", self.model_text)

    def _lazy(self) -> bool:
        caps = self.server.client_capabilities.text_document
        support = caps and caps.code_action and caps.code_action.resolve_support
        return bool(support and "edit" in support.properties)

    async def _segment(self, doc: Document, index: Any):
        """(analysis, segment, the text it was computed on, tokenizer) of segment ``index``."""
        asked = doc.copy()
        try:
            analysis, tok = await self.server.with_tokens(doc, lambda tokens: (tokens.analysis(), tokens.tok),
                                                          latest_only=False)
        except TooLarge:
            return None
        # by its index: a dataset's records skip those that do not parse (index ≠ place in the list)
        seg = next((s for s in analysis.segments if s.index == index), None) if isinstance(index, int) else None
        return None if seg is None else (analysis, seg, asked, tok)

    async def code_action(self, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        doc = self.server.documents.get(uri)
        if doc is None:
            return None
        actions: list[types.CodeAction] = []
        for diag in params.context.diagnostics:
            if diag.source != "tokls" or diag.code != "truncation" or not isinstance(diag.data, dict):
                continue
            found = await self._segment(doc, diag.data.get("segment"))
            if found is None:
                continue
            analysis, seg, asked, tok = found
            if analysis.segment in SEPARATORS:  # not a dataset record
                split = types.CodeAction(
                    title=f"Split into parts of at most {analysis.max_length:,} tokens",
                    kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                    data={"uri": uri, "segment": seg.index, "version": doc.version})
                if not self._lazy():
                    split.edit = await self._split_edit(asked, analysis, seg, tok)
                actions.append(split)
            seg_range = asked.range_of(seg.start, seg.end)
            actions += [
                types.CodeAction(title="Copy what the model sees", kind=types.CodeActionKind.QuickFix,
                                 diagnostics=[diag], command=types.Command(
                                     title="Copy what the model sees", command="tokls.modelText",
                                     arguments=[uri, seg.index])),
                types.CodeAction(title="Classify this segment", kind=types.CodeActionKind.QuickFix,
                                 diagnostics=[diag], command=types.Command(
                                     title="Classify this segment", command="tokls.classify",
                                     arguments=[uri, seg_range])),
            ]
        rng = params.range
        if rng.start != rng.end and all(d.range != rng for d in params.context.diagnostics):  # a selection
            count = types.CodeAction(title="Count tokens of selection in every model", kind=types.CodeActionKind.Empty,
                                     command=types.Command(title="Count tokens of selection in every model",
                                                           command=COMPARE, arguments=[uri, None, rng]))
            if COMPARE not in self.server.protocol.fm.commands:
                count.disabled = types.CodeActionDisabled(
                    reason=f"this tokls server has no {COMPARE} command (the model comparison)")
            actions.append(count)
        return actions

    async def resolve(self, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        doc = self.server.documents.get(data.get("uri"))
        if action.edit is not None or doc is None or doc.version != data.get("version"):
            return action  # nothing to do, or the document moved on: no edit (the client asks again)
        found = await self._segment(doc, data.get("segment"))
        if found is not None and found[0].segment in SEPARATORS:
            action.edit = await self._split_edit(found[2], found[0], found[1], found[3])
        return action

    async def _split_edit(self, asked: Document, analysis, seg, tok) -> types.WorkspaceEdit:
        text = asked.text[seg.start:seg.end]
        cuts = await self.server.tokens.call(split_points, tok, text, analysis.max_length)
        sep = separator(analysis.segment, self.server.settings.split.separator)
        edits = [types.TextEdit(range=asked.range_of(seg.start + c, seg.start + c), new_text=sep) for c in cuts]
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=asked.uri, version=asked.version),
            edits=edits)])

    async def model_text(self, *args) -> dict:
        uri, index = unpack(args, 2, "tokls.modelText(uri, segment?)")
        doc = document(self.server, uri)
        found = await self._segment(doc, 0 if index is None else index)
        if found is None:
            raise JsonRpcInvalidParams(f"no segment {index!r} in {uri}")
        _analysis, seg, asked, _tok = found
        end = seg.truncation.offset if seg.truncation is not None else seg.end
        return {"text": asked.text[seg.start:end], "truncated": seg.truncation is not None}

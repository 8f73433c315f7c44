"""Workspace view: the custom request ``tokls/workspaceCounts``.

Params ``{"folders"?: [uri]}`` (default: the workspace folders). The result: ``{"model",
"maxLength", "files": [{"uri", "path", "folder", "tokens", "longest", "percent", "truncated"}],
"folders": [{"folder", "path", "tokens", "files", "truncated"}]}`` — every file that
:func:`tokls.core.workspace.workspace_files` selects (``tokls.exclude`` and ``.gitignore``
respected), counted as an open document would be (:meth:`~tokls.lsp.token_store.TokenStore.analyze`:
the workspace settings with the file's own directives, dataset files a record per input), from the
editor's text when the file is open. Files are counted one by one on the analysis thread, so
``$/cancelRequest`` stops the work between two files.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from pygls.uris import from_fs_path, to_fs_path

from ...core.workspace import FileCount, folder_totals, workspace_files
from ..language_server import Feature, ToklsServer

__all__ = ["WorkspaceCounts", "METHOD"]

METHOD = "tokls/workspaceCounts"


def _get(params: Any, key: str) -> Any:
    return params.get(key) if isinstance(params, dict) else getattr(params, key, None)


class WorkspaceCounts(Feature):
    def __init__(self, server: ToklsServer) -> None:
        super().__init__(server)
        self.handle(METHOD, self.workspace_counts)

    def _roots(self, params: Any) -> list[Path]:
        asked = _get(params, "folders") if params is not None else None
        if not asked:
            asked = [f.uri for f in (self.server.workspace.folders or {}).values()]
            if not asked and self.server.workspace.root_uri:
                asked = [self.server.workspace.root_uri]
        return [Path(p) for p in (to_fs_path(u) for u in asked or []) if p and Path(p).is_dir()]

    async def workspace_counts(self, params: Any = None) -> dict:
        ls = self.server
        settings = ls.settings
        files, folders = [], []
        for root in self._roots(params):
            counts = []
            for path in workspace_files(root, exclude=settings.exclude):
                uri = from_fs_path(str(path))
                doc = ls.documents.get(uri)
                text = doc.text if doc is not None else None

                def count(path=path, text=text):  # the analysis thread
                    if text is None:
                        try:  # regular files only (a FIFO would block this thread), bounded in size
                            st = path.stat()
                            if not stat.S_ISREG(st.st_mode) or st.st_size > 4 * settings.max_document_size:
                                return None
                            text = path.read_text(encoding="utf-8")
                        except (OSError, UnicodeDecodeError):
                            return None
                    return ls.tokens.analyze(text, path.name, settings)

                analysis = await ls.tokens.call(count)  # cancelled here: the next file is not counted
                if analysis is None:
                    continue
                longest = analysis.longest
                c = FileCount(path.relative_to(root).as_posix(), analysis.tokens, longest.tokens if longest else 0,
                              analysis.max_length, len(analysis.truncated))
                counts.append(c)
                files.append({"uri": uri, "path": c.path, "folder": root.name, "tokens": c.tokens,
                              "longest": c.longest, "model": analysis.model, "maxLength": c.max_length,
                              "percent": None if c.percent is None else round(c.percent, 1),
                              "truncated": c.truncated})
            folders += [{"folder": root.name, "path": t.path, "tokens": t.tokens, "files": t.files,
                         "truncated": t.truncated} for t in folder_totals(counts)]
        return {"model": settings.model, "maxLength": settings.max_length, "files": files, "folders": folders}

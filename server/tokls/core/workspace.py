"""Token counts of a whole workspace: which files, and totals per folder.

Shared by the server's ``tokls/workspaceCounts`` request and ``tokls check --summary`` (whose
rows are relative to :func:`summary_root`, as the view's are to its workspace folder). Files are
those whose names match the include globs, minus hidden and build folders, minus paths matching
the ``exclude`` globs, minus what git ignores (``git ls-files`` when the folder is in a git work
tree, else the root's ``.gitignore`` read as simple globs).
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator, Sequence

__all__ = ["DEFAULT_INCLUDE", "SKIP_DIRS", "FileCount", "FolderTotal", "workspace_files", "folder_totals",
           "summary_lines", "summary_root", "excluded"]

DEFAULT_INCLUDE = ("*.txt", "*.md", "*.markdown", "*.rst", "*.jsonl", "*.json", "*.csv", "*.tsv", "*.prompt",
                   "*.tex", "*.html", "*.xml", "*.yaml", "*.yml")
SKIP_DIRS = {"node_modules", "__pycache__", "venv", "build", "dist", "out", "target"}


@dataclass(frozen=True)
class FileCount:
    path: str  #: relative to the root, with ``/``
    tokens: int
    longest: int  #: tokens of the longest model input
    max_length: int | None
    truncated: int  #: truncated model inputs

    @property
    def percent(self) -> float | None:
        return None if not self.max_length else 100 * self.longest / self.max_length


@dataclass(frozen=True)
class FolderTotal:
    path: str  #: ``.`` for the root
    tokens: int
    files: int
    truncated: int


def excluded(path: str, exclude: Sequence[str]) -> bool:
    """Whether ``path`` matches an ``exclude`` glob (by path or by file name)."""
    return any(fnmatch.fnmatch(path, g) or fnmatch.fnmatch(os.path.basename(path), g) for g in exclude)


def _git_files(root: Path) -> set[str] | None:
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {p for p in out.decode("utf-8", "surrogateescape").split("\0") if p}


def _gitignore(root: Path) -> list[str]:
    try:
        lines = (root / ".gitignore").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [ln.strip().rstrip("/") for ln in lines if ln.strip() and not ln.startswith(("#", "!"))]


def workspace_files(root: Path, include: Sequence[str] = DEFAULT_INCLUDE, exclude: Sequence[str] = ()) -> Iterator[Path]:
    """The files to count under ``root``, sorted."""
    tracked = _git_files(root)
    ignore = [] if tracked is not None else _gitignore(root)
    for folder, dirs, files in os.walk(root):
        rel_dir = Path(folder).relative_to(root).as_posix()
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")
                         and not any(fnmatch.fnmatch(d, g) for g in ignore))
        for name in sorted(files):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if not any(fnmatch.fnmatch(name, g) for g in include) or excluded(str(Path(folder) / name), exclude):
                continue
            if tracked is not None and rel not in tracked:
                continue
            if any(fnmatch.fnmatch(name, g) or fnmatch.fnmatch(rel, g) for g in ignore):
                continue
            yield Path(folder) / name


def folder_totals(counts: Iterable[FileCount]) -> list[FolderTotal]:
    """Totals for every folder (each file counts in all its ancestors), sorted by path."""
    totals: dict[str, list[int]] = {}
    for c in counts:
        parents = [str(p) for p in PurePosixPath(c.path).parents]  # ends with "."
        for folder in parents:
            t = totals.setdefault(folder, [0, 0, 0])
            t[0] += c.tokens
            t[1] += 1
            t[2] += bool(c.truncated)
    return [FolderTotal(k, *v) for k, v in sorted(totals.items(), key=lambda kv: (kv[0] != ".", kv[0]))]


def summary_root(paths: Sequence[str]) -> str:
    """The folder ``check --summary`` reports relative to: the deepest one that holds every path
    given (a folder itself, a file its folder), as an absolute path — so that folder rows stay
    below what was asked for, as the workspace view's stay below the workspace folder."""
    folders = [os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or os.curdir) for p in paths]
    try:
        return os.path.commonpath(folders)
    except ValueError:  # paths on different drives: the first one's drive
        return os.path.splitdrive(folders[0])[0] + os.sep


def summary_lines(totals: Sequence[FolderTotal]) -> list[str]:
    """``tokls check --summary``'s table: one line per folder."""
    width = max((len(t.path) + 1 for t in totals), default=2)
    return [f"{(t.path + '/').ljust(width)}  {t.tokens:>12,} tokens  {t.files:>6,} file{'s' * (t.files != 1)}"
            + (f"  {t.truncated:,} truncated" if t.truncated else "") for t in totals]

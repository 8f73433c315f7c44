"""What the subcommands share: the user-facing error, reading text, finding files, line numbers."""

from __future__ import annotations

import argparse
import bisect
import fnmatch
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from ..core.tokenizers import LoadedTokenizer

__all__ = ["CliError", "read_text", "iter_files", "line_col", "load_tokenizer", "positive"]

_SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".tox", "dist", "build"}


class CliError(Exception):
    """A problem the user can fix; printed without a traceback, exit status 2."""


def read_text(path: Path | None) -> str:
    """A file (or stdin for None) as text, line ends kept; binary content is refused."""
    try:
        data = sys.stdin.buffer.read() if path is None else path.read_bytes()
    except OSError as exc:
        raise CliError(f"{path or '<stdin>'}: cannot read: {exc.strerror or exc}") from exc
    if b"\x00" in data[:8192]:
        raise CliError(f"{path or '<stdin>'}: binary file (NUL bytes), not read as text")
    return data.decode("utf-8", errors="replace")


def iter_files(paths: Sequence[str], include: Sequence[str]) -> Iterator[Path]:
    """The files named in ``paths``, and those under folders whose names match ``include``
    (sorted, hidden and build folders skipped)."""
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            yield path
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
                for name in sorted(files):
                    if any(fnmatch.fnmatch(name, g) for g in include):
                        yield Path(root) / name
        else:
            raise CliError(f"{raw}: no such file or directory")


def line_col(starts: list[int], offset: int) -> tuple[int, int]:
    """0-based (line, column in code points) of ``offset``, given the line starts
    (:func:`tokls.core.analysis.line_starts`)."""
    line = bisect.bisect_right(starts, offset) - 1
    return line, offset - starts[line]


def load_tokenizer(model: str) -> LoadedTokenizer:
    """The tokenizer named ``model``; a name that cannot be loaded is a :class:`CliError`."""
    from ..core.tokenizers import TokenizerError, load_tokenizer as load

    try:
        return load(model)
    except TokenizerError as exc:
        raise CliError(str(exc)) from exc


def positive(value: str) -> int:
    """argparse type: an integer ≥ 1."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return number

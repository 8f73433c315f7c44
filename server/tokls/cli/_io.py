"""What the subcommands share: the user-facing error, reading text, finding files, line numbers."""

from __future__ import annotations

import argparse
import bisect
import errno
import fnmatch
import gc
import os
import stat
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from ..core.tokenizers import LoadedTokenizer

__all__ = ["CliError", "MAX_INPUT_BYTES", "check_regular", "file_error", "read_text", "iter_files", "line_col", "load_tokenizer",
           "positive", "non_negative", "long_lived"]

_SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".tox", "dist", "build"}


@contextmanager
def long_lived() -> Iterator[None]:
    """Start-up work whose objects live as long as the process (module imports, the server).

    With its default threshold the cyclic garbage collector runs hundreds of passes over them and
    frees little (40-60 ms of a server start here); a higher first threshold meanwhile keeps a few
    of those passes, so the garbage the imports do make is still freed (turned off entirely, the
    process ends up ~9 MB larger). Afterwards the young generation is collected once, the
    survivors are frozen (``gc.freeze``: later passes skip them) and the thresholds restored."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 10_000), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.collect(0)
        gc.freeze()


class CliError(Exception):
    """A problem the user can fix; printed without a traceback, exit status 2."""


#: the most bytes any subcommand reads from one file or from standard input
MAX_INPUT_BYTES = 64 << 20

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"))


def _size(n: int) -> str:
    return f"{n / (1 << 30):.1f} GiB" if n >= 1 << 30 else f"{n / (1 << 20):.1f} MiB"


def file_error(path: object, reason: str) -> CliError:
    """THE wording of every file problem: ``PATH: cannot read: REASON``."""
    return CliError(f"{path}: cannot read: {reason}")


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    return (exc.strerror or str(exc)).lower()


def _not_regular(mode: int) -> str:
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return f"not a regular file ({kind})"


def _check_regular(path: Path, max_bytes: int | None = MAX_INPUT_BYTES) -> os.stat_result:
    """The stat of ``path`` (symlinks followed); a :class:`CliError` naming the real cause
    unless it is a regular file within ``max_bytes`` (None: any size, for readers that stream)."""
    try:
        st = path.stat()
    except OSError as exc:
        if exc.errno == errno.ENOENT and path.is_symlink():
            raise file_error(path, "broken symbolic link") from None
        raise file_error(path, _os_reason(exc)) from None
    if not stat.S_ISREG(st.st_mode):
        raise file_error(path, _not_regular(st.st_mode))
    if max_bytes is not None and st.st_size > max_bytes:
        raise file_error(path, f"too large ({_size(st.st_size)}; the limit is {_size(max_bytes)})")
    return st


def check_regular(path: Path, max_bytes: int | None = MAX_INPUT_BYTES) -> os.stat_result:
    """Public form of the regular-file check, for commands that open files themselves."""
    return _check_regular(path, max_bytes)


def _read_bounded(fh, name: object) -> bytes:
    data = fh.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise file_error(name, f"too large (more than the limit of {_size(MAX_INPUT_BYTES)})")
    return data


def read_text(path: Path | None) -> str:
    """A regular file (or stdin for None) as text, line ends kept, at most :data:`MAX_INPUT_BYTES`;
    devices, FIFOs, sockets and binary content are refused with a :class:`CliError`."""
    name: object = path or "<stdin>"
    if path is None:
        data = _read_bounded(sys.stdin.buffer, name)
    else:
        _check_regular(path)
        try:
            # O_NONBLOCK: a FIFO swapped in after the check cannot block the open
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError as exc:
            raise file_error(path, _os_reason(exc)) from None
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise file_error(path, _not_regular(st.st_mode))
            try:
                data = _read_bounded(fh, path)
            except OSError as exc:
                raise file_error(path, _os_reason(exc)) from None
    if b"\x00" in data[:8192]:
        raise file_error(name, "binary file (NUL bytes), not read as text")
    return data.decode("utf-8", errors="replace")


def iter_files(paths: Sequence[str], include: Sequence[str],
               max_bytes: int | None = MAX_INPUT_BYTES) -> Iterator[Path]:
    """The files named in ``paths``, and those under folders whose names match ``include``
    (sorted, hidden and build folders skipped, symlinked folders not followed). A named path that
    is not a regular file or folder is a :class:`CliError`; entries found in folders are yielded
    as they are, for :func:`read_text` to refuse one by one."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
                for name in sorted(files):
                    if any(fnmatch.fnmatch(name, g) for g in include):
                        yield Path(root) / name
        else:
            _check_regular(path, max_bytes)
            yield path


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
    return _at_least(value, 1, "a positive integer")


def non_negative(value: str) -> int:
    """argparse type: an integer ≥ 0."""
    return _at_least(value, 0, "an integer ≥ 0")


def _at_least(value: str, minimum: int, expected: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {value!r}") from None
    if number < minimum:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {value!r}")
    return number

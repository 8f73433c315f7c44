"""Start-up: import lsprotocol without compiling the methods of its ~570 classes on every start.

``lsprotocol.types`` defines its LSP types with attrs, and attrs writes each class's ``__init__``,
``__eq__``, ``__repr__`` … as Python source and compiles it (``compile`` in ``attr._make``): about
0.2 s of every server start, half of that import. A code object is a pure function of its source,
its file name, the compiler flags and the Python version, so this module keeps them as ``.pyc``
files keep a module's: the first start compiles and saves them (``marshal``) under
``<tokls cache>/code/``; later starts reuse each one whose source and name are unchanged, and
attrs still does everything else (linecache entries, ``eval``, the class). Anything unknown —
another mode, other flags, a source not seen before — goes to the real ``compile``.

This is the one place tokls touches attrs' internals: while ``lsprotocol.types`` imports,
``attr._make``'s module-level name ``compile`` (a builtin, looked up through the module's globals)
is shadowed, and restored afterwards. If a later attrs stops calling ``compile`` that way, nothing
is cached and nothing changes. ``tests/lsp/test_attrs_code.py`` pins both the hit and that the
classes are the same.
"""

from __future__ import annotations

import __future__

import builtins
import hashlib
import importlib.util
import marshal
import sys
from pathlib import Path
from types import CodeType
from typing import Any

from ..core.cachedir import tokls_cache, write_atomic

__all__ = ["import_protocol", "cache_file"]

_MISSING = object()


def cache_file() -> Path:
    """One file per Python bytecode version. Entries are keyed by their source, file name and
    flags, so a new attrs or lsprotocol release simply misses (and the file keeps what the last
    import used: entries nothing needs do not pile up)."""
    magic = importlib.util.MAGIC_NUMBER.hex()
    return tokls_cache("code", f"lsprotocol-{sys.implementation.cache_tag}-{magic}.marshal")


def _read(path: Path) -> dict[bytes, CodeType]:
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, bytes) and isinstance(v, CodeType)}


def _key(source: str, filename: str, flags: int) -> bytes:
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{flags}\0{filename}\0".encode("utf-8", "surrogatepass"))
    digest.update(source.encode("utf-8", "surrogatepass"))
    return digest.digest()


def import_protocol() -> None:
    """Import ``lsprotocol.types`` (once), reusing the compiled methods of an earlier start."""
    if "lsprotocol.types" in sys.modules:
        return
    try:
        import attr._make as make
    except ImportError:  # an attrs without that module: plain import
        import lsprotocol.types  # noqa: F401
        return
    # compile() called inside attr._make inherits that module's future flags; replay them
    future = make.__dict__.get("annotations")
    inherited = future.compiler_flag if isinstance(future, __future__._Feature) else 0
    path = cache_file()
    codes = _read(path)
    used: dict[bytes, CodeType] = {}
    fresh = False

    def compile_cached(source: Any, filename: Any, mode: str, flags: int = 0, dont_inherit: bool = False,
                       optimize: int = -1, **kwargs: Any) -> Any:
        if (mode != "exec" or flags or dont_inherit or optimize != -1 or kwargs
                or not isinstance(source, str) or not isinstance(filename, str)):
            return builtins.compile(source, filename, mode, flags | (0 if dont_inherit else inherited), True,
                                    optimize, **kwargs)
        nonlocal fresh
        key = _key(source, filename, inherited)
        code = codes.get(key)
        if code is None or code.co_filename != filename:
            code = builtins.compile(source, filename, mode, inherited, True)
            fresh = True
        used[key] = code
        return code

    previous = make.__dict__.get("compile", _MISSING)
    make.compile = compile_cached  # type: ignore[attr-defined]
    try:
        import lsprotocol.types  # noqa: F401
    finally:
        if previous is _MISSING:
            del make.compile  # type: ignore[attr-defined]
        else:
            make.compile = previous  # type: ignore[attr-defined]
    if fresh:  # what this import used, so entries that no start needs do not pile up
        try:
            data = marshal.dumps(used)
        except ValueError:  # an unmarshallable constant: nothing is cached, nothing breaks
            return
        write_atomic(path, data)

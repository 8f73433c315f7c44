"""``tokls.lsp._attrs_code``: lsprotocol's attrs methods compiled once, reused on later starts.

Each run is a fresh interpreter with its own cache folder, as a server start is. The checks: the
first start compiles (and so the seam into attrs still works), a later start compiles nothing of
attrs', every generated method is the same code as attrs' own, and a damaged cache costs only
a recompile.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

# prints how many methods of lsprotocol's classes attrs had compiled (misses of the cache) and a fingerprint of every
# method attrs generated for lsprotocol's classes
_PROBE = textwrap.dedent(r"""
    # compile() inherits the future flags of its caller: the counting wrapper must have those of
    # attr._make (annotations), or it would change what it counts
    from __future__ import annotations
    import builtins, hashlib, json, sys, types as pytypes
    real = builtins.compile
    calls = []
    def counting(source, filename, mode, *args, **kwargs):
        if isinstance(filename, str) and filename.startswith("<attrs generated") and " lsprotocol." in filename:
            calls.append(filename)
        return real(source, filename, mode, *args, **kwargs)
    builtins.compile = counting
    if sys.argv[1] == "tokls":
        import tokls.lsp
    else:
        import lsprotocol.types
    builtins.compile = real
    from lsprotocol import types
    assert "compile" not in vars(sys.modules["attr._make"]), "attr._make.compile was left shadowed"

    def fingerprint(code):
        parts = [code.co_qualname, code.co_filename, code.co_firstlineno, code.co_flags, code.co_code,
                 code.co_names, code.co_varnames, code.co_linetable, code.co_exceptiontable]
        consts = [fingerprint(c) if isinstance(c, pytypes.CodeType) else repr(c) for c in code.co_consts]
        return hashlib.sha256(repr((parts, consts)).encode()).hexdigest()

    prints = {}
    for name, cls in sorted(vars(types).items()):
        if isinstance(cls, type) and hasattr(cls, "__attrs_attrs__") and cls.__module__ == types.__name__:
            for meth in ("__init__", "__eq__", "__ne__", "__repr__", "__hash__", "__setattr__"):
                fn = cls.__dict__.get(meth)
                code = getattr(fn, "__code__", None)
                if code is not None and code.co_filename.startswith("<attrs generated"):
                    prints[f"{name}.{meth}"] = fingerprint(code)
    p = types.Position(line=3, character=4)
    assert p == types.Position(3, 4) and p != types.Position(3, 5) and p.line == 3
    print(json.dumps({"compiled": len(calls), "methods": prints}))
""")


def _run(tmp_path: Path, how: str) -> dict:
    env = {**__import__("os").environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", _PROBE, how], capture_output=True, text=True, env=env,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def _cache_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "tokls" / "code").glob("lsprotocol-*.marshal"))


def test_first_start_compiles_and_saves_later_starts_reuse(tmp_path):
    plain = _run(tmp_path, "plain")  # lsprotocol imported without tokls: attrs' own compile
    assert plain["compiled"] > 400 and not _cache_files(tmp_path)

    first = _run(tmp_path, "tokls")
    assert first["compiled"] == plain["compiled"]  # nothing was cached yet: everything compiled
    (saved,) = _cache_files(tmp_path)
    mtime = saved.stat().st_mtime_ns

    second = _run(tmp_path, "tokls")
    assert second["compiled"] == 0  # every method of attrs came from the cache
    assert saved.stat().st_mtime_ns == mtime  # nothing new, so nothing rewritten

    # the same code, method by method, as attrs compiles it itself
    assert len(plain["methods"]) > 1000
    assert second["methods"] == first["methods"] == plain["methods"]


def test_a_damaged_cache_is_recompiled_and_replaced(tmp_path):
    _run(tmp_path, "tokls")
    (saved,) = _cache_files(tmp_path)
    saved.write_bytes(b"\x00not marshal data")
    again = _run(tmp_path, "tokls")
    assert again["compiled"] > 400
    assert _run(tmp_path, "tokls")["compiled"] == 0  # the damaged file was replaced by a good one

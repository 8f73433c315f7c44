"""The shape of `server/tokls`, read from the source (ast), not from a running interpreter:

- no import circles between its modules (function-level imports count; imports under
  ``if TYPE_CHECKING:`` do not, they never run);
- `tokls.core` imports neither pygls, lsprotocol, torch nor transformers at module level;
- no module is longer than 400 lines (`tokls/models` holds data, not code).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "server" / "tokls"
MAX_LINES = 400
LSP_ONLY = ("pygls", "lsprotocol")
HEAVY = ("torch", "transformers")


def _modules() -> dict[str, Path]:
    """Dotted module name → file, for every module of the package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        if "models" in rel.parts[1:2]:
            continue
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, *, module_level_only: bool = False):
    """(node, names imported) for every import statement that runs, in source order."""

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    yield from visit(ast.Module(body=[sub], type_ignores=[]))
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child
            if module_level_only and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            yield from visit(child)

    yield from visit(tree)


def _targets(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules an import statement names (absolute dotted names)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    # `from pkg import sub` imports the submodule `pkg.sub` when there is one
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]


def _graph() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        graph[module] = {t for node in _imports(tree) for t in _targets(module, path, node)
                         if t in MODULES and t != module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def test_the_import_graph_is_read_from_the_source():
    graph = _graph()
    # spot checks that the reader sees relative, aliased and function-level imports
    assert "tokls.core.tokenizers" in graph["tokls.core.analysis"]
    assert "tokls.cli._io" in graph["tokls.cli.check"]
    assert "tokls.lsp.server" in graph["tokls.cli.serve"]  # imported inside run()
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles():
    assert _cycles(_graph()) == []


@pytest.mark.parametrize("module", [m for m in MODULES if m.startswith("tokls.core")])
def test_core_imports_no_lsp_and_no_torch_at_module_level(module):
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    top = {t.split(".")[0] for node in _imports(tree, module_level_only=True) for t in _targets(module, path, node)}
    assert not top & {*LSP_ONLY, *HEAVY}


def test_only_lsp_imports_pygls_and_lsprotocol():
    for module, path in MODULES.items():
        if module.startswith("tokls.lsp"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        names = {t.split(".")[0] for node in _imports(tree) for t in _targets(module, path, node)}
        assert not names & set(LSP_ONLY), module


@pytest.mark.parametrize("module", list(MODULES))
def test_modules_are_short(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines (at most {MAX_LINES})"


def _auto_loads(tree: ast.AST) -> list[ast.Call]:
    """``AutoX.from_pretrained(...)`` calls: transformers' loaders, which can run a folder's code."""
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr == "from_pretrained" and isinstance(n.func.value, ast.Name)
            and n.func.value.id.startswith("Auto")]


def test_no_remote_code_is_ever_trusted():
    """Every transformers ``Auto*.from_pretrained`` in the package says ``trust_remote_code=False``
    out loud, and nothing anywhere passes a true value (a model folder's Python must never run)."""
    loads = 0
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            for kw in call.keywords:
                if kw.arg == "trust_remote_code":
                    assert isinstance(kw.value, ast.Constant) and kw.value.value is False, \
                        f"{module}:{call.lineno} passes trust_remote_code={ast.unparse(kw.value)}"
        for call in _auto_loads(tree):
            loads += 1
            given = {kw.arg: kw.value for kw in call.keywords}
            assert "trust_remote_code" in given, f"{module}:{call.lineno}: from_pretrained without trust_remote_code=False"
    assert loads >= 2  # the scan sees the real loads (torch backend, tokenizer folders)

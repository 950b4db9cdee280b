"""The module-level import graph of the package: no cycle, and no import runs back up the layers.

ruff has no import-cycle rule, and import-linter/grimp cannot follow the setuptools `package-dir` mapping
(benchagent.program lives in ./program), so the graph is read here with `ast`. An edge is an import executed when
the module is imported: statements at module level, in class bodies and under module-level if/try/with, not in
function bodies; `if TYPE_CHECKING:` imports count for the layers but not for cycles. `from a import b` is an
edge to a.b when that is a module, else to a.
"""

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# layer -> the layers it must not import
FORBIDDEN = {
    "signatures": {"program", "store", "optimize", "shell"},
    "store": {"program", "optimize", "shell"},
    "program": {"optimize", "shell"},
    "optimize": {"shell"},
}

# Known edges that break a rule today, each with the reason it stays: (importer, imported).
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


def package_dirs() -> dict[str, Path]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {package: ROOT / folder for package, folder in config["tool"]["setuptools"]["package-dir"].items()}


def modules() -> dict[str, Path]:
    """Module name -> file, for every .py file under each package-dir folder."""
    found = {}
    for package, folder in package_dirs().items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if "__pycache__" in parts:
                continue
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(body: list[ast.stmt], typing_only: bool = False):
    """(import node, only under TYPE_CHECKING) for each import run at import time."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, typing_only
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        elif isinstance(node, ast.If):
            yield from _imports(node.body, typing_only or _is_type_checking(node.test))
            yield from _imports(node.orelse, typing_only)
        elif isinstance(node, ast.ClassDef):
            yield from _imports(node.body, typing_only)
        elif isinstance(node, (ast.Try, ast.TryStar)):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                yield from _imports(block, typing_only)
        elif isinstance(node, (ast.With, ast.For, ast.While)):
            yield from _imports(node.body, typing_only)
            yield from _imports(getattr(node, "orelse", []), typing_only)


def _targets(name: str, path: Path, known: dict[str, Path]):
    """(imported name, only under TYPE_CHECKING) for each import of the module, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node, typing_only in _imports(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, typing_only
            continue
        if node.level:
            base = name.split(".")
            base = base[:len(base) - node.level + (1 if path.name == "__init__.py" else 0)]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        for alias in node.names:
            sub = f"{source}.{alias.name}"
            yield (sub if sub in known else source), typing_only


def import_graph() -> dict[str, dict[str, bool]]:
    """module -> {imported module of this package: only under TYPE_CHECKING}."""
    known = modules()
    graph: dict[str, dict[str, bool]] = {}
    for name, path in known.items():
        edges = graph.setdefault(name, {})
        for target, typing_only in _targets(name, path, known):
            while target and target not in known:  # `import a.b.c` of an attribute or a name outside the package
                target = target.rpartition(".")[0]
            if target and target != name:
                edges[target] = edges.get(target, True) and typing_only
    return graph


def layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "benchagent":
        return None
    if len(parts) == 1 or parts[1] == "commands":
        return "shell"
    if parts[1] in ("signatures", "program", "store", "optimize"):
        return parts[1]
    if len(parts) == 2 and not (ROOT / "benchagent" / parts[1]).is_dir():
        return "shell"  # benchagent/*.py
    return None  # benchagent.export, .evaluate, .lm: between the program and the shell, not layered here


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
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
            visit(v)
    return found


def test_the_graph_covers_every_package():
    graph = import_graph()
    for package in package_dirs():
        assert package in graph, package
    assert len(graph) > 100
    assert any(layer(target) == "signatures" for target in graph["benchagent.program.planner.design"])


def test_no_import_cycle():
    runtime = {m: {t for t, typing_only in edges.items() if not typing_only} for m, edges in import_graph().items()}
    found = cycles(runtime)
    detail = ["; ".join(f"{m} -> {t}" for m in c for t in sorted(runtime[m]) if t in c) for c in found]
    assert not found, "import cycles:\n" + "\n".join(detail)


def test_no_import_runs_back_up_the_layers():
    violations = []
    for module, edges in sorted(import_graph().items()):
        forbidden = FORBIDDEN.get(layer(module), set())
        for target in sorted(edges):
            if layer(target) in forbidden and (module, target) not in KNOWN_EXCEPTIONS:
                violations.append(f"{module} ({layer(module)}) -> {target} ({layer(target)})")
    assert not violations, "imports against the layering:\n" + "\n".join(violations)


def test_known_exceptions_are_still_needed():
    graph = import_graph()
    stale = [edge for edge in KNOWN_EXCEPTIONS if edge[1] not in graph.get(edge[0], {})]
    assert not stale, f"remove from KNOWN_EXCEPTIONS, the import is gone: {stale}"


def test_the_reader_sees_relative_imports_and_skips_function_bodies(tmp_path, monkeypatch):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from . import a\n")
    (package / "a.py").write_text("from .sub import b\n\ndef f():\n    from pkg import c\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..c import X\n")
    (package / "c.py").write_text("import pkg.sub.b\nX = 1\n")
    (tmp_path / "pyproject.toml").write_text('[tool.setuptools.package-dir]\n"pkg" = "pkg"\n')
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    graph = import_graph()
    assert graph == {"pkg": {"pkg.a": False}, "pkg.a": {"pkg.sub.b": False}, "pkg.sub": {},
                     "pkg.sub.b": {"pkg.c": True}, "pkg.c": {"pkg.sub.b": False}}
    assert cycles({m: set(e) for m, e in graph.items()}) == [["pkg.c", "pkg.sub.b"]]

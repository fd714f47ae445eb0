"""The package's import graph, read from the source with ``ast`` (function-level imports and
``TYPE_CHECKING`` blocks included): sub-packages follow the data flow, and no module cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest_fft

PACKAGE = Path(pytest_fft.__file__).parent

# What each sub-package may import (DESIGN.md §2: the pure core, one database seam, one
# pytest seam). Top-level modules (errors, decorators, _version) are shared by all;
# ``pytest_fft/__init__`` is the public API and imports lazily from everywhere.
ALLOWED: dict[str, set[str]] = {
    "project": {"engines"},  # the registry only (see test_project_reads_only_the_registry)
    "engines": set(),
    "checks": {"project", "engines"},
    "run": {"project", "engines", "checks", "api"},  # runs checks; counts models' HTTP
    "utest": {"project", "engines", "run"},
    "docs": {"project"},
    "plugin": {"project", "engines", "run", "checks", "utest", "docs", "api"},
    "cli": {"project", "engines", "run", "checks", "utest", "docs", "plugin", "api"},
    "api": set(),  # the HTTP helpers of Python models: pure, beside the flow
    # What FastFlowTransform projects import (``fastflowtransform.*``), re-exported; found by
    # project/modules.py's import hook by name, never imported by pytest-fft's own code.
    "compat": {"project", "checks", "api", "streaming"},
    "streaming": set(),  # JSONL tailing and sessions: pure, for Python models and the API
}
# Imports against the flow that exist today, each with its way out.
KNOWN_CROSSINGS = {
    # The loader reads the checks (project.yml's tests:, schema files, custom checks) with
    # checks/declared.py; parsing checks belongs in project/ (it is pure parsing), which
    # would make checks import project only.
    ("pytest_fft.project.loader", "pytest_fft.checks.declared"),
}
def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """Every module of the package ``name`` imports, anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # ``from pkg import mod`` imports the module pkg.mod when there is one.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # a name inside a module: the module
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith("pytest_fft"):
                yield target


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: set(_imports(name, path, known)) - {"pytest_fft"}
            for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

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


def _subpackage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else None


def test_sub_packages_import_along_the_data_flow() -> None:
    wrong = []
    for module, targets in import_graph().items():
        own = _subpackage(module)
        if own is None:
            continue
        for target in targets:
            other = _subpackage(target)
            if (other is not None and other != own and other not in ALLOWED[own]
                    and (module, target) not in KNOWN_CROSSINGS):
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_the_allowed_sub_package_imports_form_a_dag() -> None:
    assert cycles(ALLOWED) == []


def test_project_reads_only_the_registry_of_engines() -> None:
    """The pure core may read engine facts (names, case rules), never open an engine."""
    for module, targets in import_graph().items():
        if _subpackage(module) == "project":
            engines = {t for t in targets if _subpackage(t) == "engines"}
            assert engines <= {"pytest_fft.engines.registry"}, module


def test_engines_import_no_driver_at_module_level() -> None:
    """A driver is imported when an engine opens, so a missing extra is one clear error."""
    drivers = {"duckdb", "psycopg", "sqlalchemy", "pyspark", "snowflake", "google", "pandas",
               "pyarrow", "bigframes"}
    for path in (PACKAGE / "engines").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not {n.split(".")[0] for n in names} & drivers, (path.name, names)


def test_no_import_cycle() -> None:
    """Function-level imports included: a cycle hidden inside a function is still a cycle."""
    assert cycles(import_graph()) == []


def test_the_graph_sees_function_level_imports() -> None:
    graph = import_graph()
    assert "pytest_fft.engines.duckdb" in graph["pytest_fft"]  # inside a function
    assert "pytest_fft.checks.declared" in graph["pytest_fft.project.loader"]
    assert "pytest_fft.project.profiles" in graph["pytest_fft.project.profile_snapshot"]

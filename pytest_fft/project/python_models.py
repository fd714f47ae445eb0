"""Python models declared from their syntax tree, imported only when they run.

Importing a model module runs what it imports (pandas, usually: a third of a second or more).
Loading a project needs only what the decorators say (name, deps, requires, tags,
materialized, meta, only), and those are literals in practice. So a ``*.ff.py`` file is
parsed with :mod:`ast`; when every use of ``model``/``engine_model`` in it is the decorator
of a top-level function with literal arguments, its models are declared from the tree by the
real decorators, and the module is imported the first time one of them runs (a build, a unit
case) — never for ``fft test``, a cached rerun or ``--collect-only``. Any other file is
imported at load, so nothing dynamic is ever guessed.

>>> source = '''
... from fastflowtransform import model
... @model(name="users_enriched", deps=["users.ff"], tags=["demo"])
... def enrich(df):
...     return df
... '''
>>> [(spec.name, spec.deps, func, line) for spec, func, line in static_specs(source, "m.ff.py")]
[('users_enriched', ('users.ff',), 'enrich', 3)]
"""

from __future__ import annotations

import ast
import dataclasses
import threading
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_fft import decorators
from pytest_fft.decorators import SPEC_ATTR, ModelSpec
from pytest_fft.errors import ModuleLoadError

DECORATORS = ("model", "engine_model")
PACKAGES = ("pytest_fft", "fastflowtransform", "fastflowtransform.decorators",
            "fastflowtransform.core")


class _Dynamic(Exception):
    """The file does something the tree cannot answer for: import it instead."""


def static_specs(source: str, filename: str) -> list[tuple[ModelSpec, str, int]] | None:
    """``(spec, function name, line)`` of each model ``source`` declares, without running it;
    ``None`` when that takes running it.

    A :class:`SyntaxError` propagates (the caller reports it with the file and line). Each
    spec's ``func`` is ``None``; the line is the first decorator's, as Python counts it.
    """
    tree = ast.parse(source, filename)
    try:
        names, modules = _imported_decorators(tree)
        if not names and not modules:
            return None  # no decorator in sight: whatever the file does, it must run
        declared: dict[str, tuple[ModelSpec, str, int]] = {}
        used: set[int] = set()  # ids of the decorator expressions read
        for stmt in tree.body:
            if not isinstance(stmt, ast.FunctionDef):
                continue
            for deco in stmt.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                kind = _decorator_kind(target, names, modules)
                if kind is None:
                    continue
                if stmt.name in declared or not isinstance(deco, ast.Call):
                    raise _Dynamic
                declared[stmt.name] = _declare(kind, deco, stmt)
                used.add(id(target))
        _check_no_other_use(tree, names, modules, used, declared)
    except _Dynamic:
        return None
    return list(declared.values())


def _imported_decorators(tree: ast.Module) -> tuple[dict[str, str], set[str]]:
    """Local names bound to the decorators, and local names of the packages that have them."""
    names: dict[str, str] = {}
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in PACKAGES and not node.level:
            for alias in node.names:
                if alias.name == "*":
                    raise _Dynamic
                if alias.name in DECORATORS:
                    names[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in PACKAGES:
                    if alias.asname is None and "." in alias.name:
                        raise _Dynamic  # ``import a.b`` binds ``a``: not worth following
                    modules.add(alias.asname or alias.name)
    return names, modules


def _decorator_kind(expr: ast.expr, names: dict[str, str], modules: set[str]) -> str | None:
    if isinstance(expr, ast.Name) and expr.id in names:
        return names[expr.id]
    if (isinstance(expr, ast.Attribute) and expr.attr in DECORATORS
            and isinstance(expr.value, ast.Name) and expr.value.id in modules):
        return expr.attr
    return None


def _declare(kind: str, call: ast.Call, func: ast.FunctionDef) -> tuple[ModelSpec, str, int]:
    """Run the real decorator on the literal arguments, over a stand-in function."""
    try:
        args = [ast.literal_eval(arg) for arg in call.args]
        kwargs = {}
        for keyword in call.keywords:
            if keyword.arg is None:  # **options
                raise _Dynamic
            kwargs[keyword.arg] = ast.literal_eval(keyword.value)
    except ValueError:
        raise _Dynamic from None

    def stand_in() -> None: ...

    stand_in.__name__ = func.name
    try:
        spec: ModelSpec = getattr(getattr(decorators, kind)(*args, **kwargs)(stand_in), SPEC_ATTR)
    except (TypeError, ValueError):
        raise _Dynamic from None  # the import reports a bad call as Python does
    line = min([func.lineno] + [d.lineno for d in func.decorator_list])
    return dataclasses.replace(spec, func=None), func.name, line


def _check_no_other_use(tree: ast.Module, names: dict[str, str], modules: set[str],
                        used: set[int], declared: dict[str, Any]) -> None:
    """Every mention of a decorator is one read above, and no model function is rebound."""
    module_refs = {id(node.value) for node in ast.walk(tree)
                   if isinstance(node, ast.Attribute) and id(node) in used}
    defined = {id(stmt) for stmt in tree.body if isinstance(stmt, ast.FunctionDef)
               and stmt.name in declared}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id in names and id(node) not in used:
                raise _Dynamic
            if node.id in modules and id(node) not in module_refs:
                raise _Dynamic
            if node.id in declared and not isinstance(node.ctx, ast.Load):
                raise _Dynamic
        elif (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
              and node.name in declared and id(node) not in defined):
            raise _Dynamic


class ModelFile:
    """One ``*.ff.py`` file, imported once, on first use, by whichever thread needs it."""

    def __init__(self, path: Path, root: Path) -> None:
        self.path = path
        self.root = root
        self._lock = threading.Lock()
        self._module: types.ModuleType | None = None

    def __getstate__(self) -> dict[str, Any]:  # kept in the parse cache: not the lock
        return {"path": self.path, "root": self.root}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"], state["root"])  # type: ignore[misc]

    def module(self) -> types.ModuleType:
        with self._lock:
            if self._module is None:
                from pytest_fft.project.modules import import_file

                self._module = import_file(self.path, self.root, prefix="fft_models")
            return self._module


class LazyModelFunction:
    """A Python model's function, imported with its module on the first call.

    Callable like the function itself; :meth:`resolve` returns the function.
    """

    def __init__(self, file: ModelFile, func_name: str, spec: ModelSpec) -> None:
        self.file = file
        self.__name__ = func_name
        self.spec = spec
        self._func: Callable[..., Any] | None = None

    def resolve(self) -> Callable[..., Any]:
        if self._func is None:
            func = getattr(self.file.module(), self.__name__, None)
            found = getattr(func, SPEC_ATTR, None)
            if func is None or not isinstance(found, ModelSpec) or found != self.spec:
                rel = self.file.path.relative_to(self.file.root).as_posix()
                raise ModuleLoadError(
                    f"{rel}: importing the module did not define the model {self.spec.name!r} "
                    f"that its decorator on {self.__name__}() declares",
                    file=rel, node=self.spec.name,
                    hint="keep @model(...) with literal arguments on a top-level function")
            self._func = func
        return self._func

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __repr__(self) -> str:
        state = "imported" if self._func is not None else "not imported yet"
        return f"<model function {self.__name__} of {self.file.path.name} ({state})>"


def resolve_function(func: Any) -> Any:
    """The plain function behind ``func`` (a :class:`LazyModelFunction` or a function)."""
    return func.resolve() if isinstance(func, LazyModelFunction) else func

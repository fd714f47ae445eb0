"""Reading the syntax tree of a model's module: the function, its local names, and the
string literals that name columns."""

from __future__ import annotations

import ast

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def find_function(tree: ast.Module, name: str) -> FunctionNode | None:
    """The function ``name``: at module level first, else anywhere (in a class, a factory)."""
    top = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for node in [*top, *ast.walk(tree)]:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    return None


def assigned_names(func: FunctionNode) -> frozenset[str]:
    """Local names: a name never assigned in the function is a module, a constant, a global."""
    names = {a.arg for a in ast.walk(func.args) if isinstance(a, ast.arg)}
    names |= {n.id for n in ast.walk(func) if isinstance(n, ast.Name)
              and isinstance(n.ctx, (ast.Store, ast.Del))}
    return frozenset(names)


def module_constants(tree: ast.Module) -> dict[str, object]:
    """The module's names bound once, at the top, to a literal (``KEEP = ["id", "email"]``)."""
    found: dict[str, object] = {}
    counts: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            counts[node.id] = counts.get(node.id, 0) + 1
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(
                statement.targets[0], ast.Name) and counts[statement.targets[0].id] == 1:
            try:
                found[statement.targets[0].id] = ast.literal_eval(statement.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
    return found


def imports_pyspark(tree: ast.Module) -> bool:
    """Whether the module imports pyspark anywhere (its frames are then Spark's)."""
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [
            node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if any(n == "pyspark" or n.startswith("pyspark.") for n in names):
            return True
    return False


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    """The value of keyword argument ``name`` of ``call``, if given."""
    return next((k.value for k in call.keywords if k.arg == name), None)


def is_true(node: ast.AST | None) -> bool:
    """The literal ``True``."""
    return isinstance(node, ast.Constant) and node.value is True

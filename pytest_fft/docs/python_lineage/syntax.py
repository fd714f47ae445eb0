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


def text(node: ast.AST | None) -> str | None:
    """The string a literal is, else None."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def texts(node: ast.AST | None) -> list[str] | None:
    """``["a", "b"]`` (or a tuple, or one string) as names; None for anything else."""
    single = text(node)
    if single is not None:
        return [single]
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [text(e) for e in node.elts]
        if all(i is not None for i in items):
            return [i for i in items if i is not None]
    return None


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    """The value of keyword argument ``name`` of ``call``, if given."""
    return next((k.value for k in call.keywords if k.arg == name), None)

"""Column lineage of a Python (pandas) model, read from the function's source with :mod:`ast`:
nothing is imported or run (spec "Auto-Docs & Lineage": simple patterns are recognised).

The function's top-level statements are followed in order, with a small abstract value per
variable: a frame (which columns it is known to have, and from where), the dict of input
frames, a series (the source columns it reads and whether it is transformed), or opaque.
Recognised: ``df["y"]`` and ``df.y``; ``out["x"] = <expr>``; ``rename(columns={...})``,
``assign(x=...)`` (lambdas too), ``drop(columns=[...])``, ``del out["x"]``, ``inplace=True``,
``out[["a", "b"]]``, ``merge``, row filters and ``copy``/``sort_values``/... that keep columns,
and ``pd.DataFrame({...})``. A plain column reference is not transformed; any other
expression is. What it cannot see is unknown: the bodies of ``if``/``for``/``try`` make what
they assign unknown, helper functions are not followed, early returns are not followed (the
lineage describes the final ``return``).

>>> src = '''
... def build(df):
...     out = df.rename(columns={"mail": "email"})
...     out["domain"] = out["email"].str.split("@").str[1]
...     return out
... '''
>>> [(c.column, [s.column for s in c.sources], c.transformed)
...  for c in python_lineage(src, "build", {"df": "users"})]
[('email', ['mail'], False), ('domain', ['mail'], True)]
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from pytest_fft.docs.lineage import ColumnLineage, ColumnSource, unknown


def python_lineage(source: str, function: str, inputs: Mapping[str, str], *,
                   schema: Mapping[str, Sequence[str]] | None = None,
                   ) -> tuple[ColumnLineage, ...]:
    """The lineage of the columns ``function`` in module ``source`` is seen to return.

    ``inputs`` are the model's inputs in dependency order, keyed by the name the function
    receives each under, with their relation names: a parameter (``{"df": "users"}``), or,
    for a function that takes one dict of frames, the dict's key (``{"orders": "orders",
    "users_enriched": "users_enriched"}`` for ``dfs["orders"]``). Keys that name no
    parameter are bound the way the runner calls the function: one input is the first
    parameter, as many inputs as required parameters are one each, else the first parameter
    is the dict. ``schema`` (relation -> columns, optional) tells which columns an input has,
    so unchanged columns are listed and a column of a merge is found on its side.

    The columns are those of the returned frame when its column list is known (a final
    ``out[[...]]``, or inputs in ``schema``), else the ones the function is seen to make,
    in order. Never raises: a syntax error or a missing function gives ``()``.
    """
    try:
        tree = ast.parse(source)
        func = _find(tree, function)
        if func is None:
            return ()
        known = {str(k).lower(): tuple(str(c) for c in v) for k, v in (schema or {}).items()}
        walker = _Walker(_assigned_names(func), known)
        walker.bind(func.args, inputs)
        result = walker.run(func.body)
        return _columns(result) if isinstance(result, _Frame) else ()
    except Exception:  # RecursionError on absurd nesting, an ast form not foreseen
        return ()


# --- abstract values -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Series:
    """Values computed from ``sources``; unknown when ``known`` is False."""

    sources: tuple[ColumnSource, ...] = ()
    transformed: bool = True
    known: bool = True


_UNKNOWN = _Series((), False, known=False)
_CONSTANT = _Series((), True)  # ``out["x"] = 0``, ``np.nan``


def _combine(parts: Iterable[_Series]) -> _Series:
    sources: dict[ColumnSource, None] = {}
    for part in parts:
        if not part.known:
            return _UNKNOWN
        sources.update(dict.fromkeys(part.sources))
    return _Series(tuple(sources), True)


@dataclass(frozen=True)
class _Frame:
    """A data frame: ``columns`` set by the function; the other columns are ``input``'s
    (a relation; ``hidden`` are renamed or dropped) or those of ``parts`` (a merge); when
    ``order`` is known the frame has exactly those columns."""

    columns: Mapping[str, _Series] = field(default_factory=dict)
    input: str | None = None
    hidden: frozenset[str] = frozenset()
    order: tuple[str, ...] | None = None
    parts: tuple[_Frame, ...] = ()
    schema: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    def base(self) -> tuple[str, ...] | None:
        """The columns it has besides ``columns``, when known."""
        if self.order is not None:
            return tuple(c for c in self.order if c not in self.columns)
        if self.input is not None and self.input.lower() in self.schema:
            return tuple(c for c in self.schema[self.input.lower()] if c not in self.hidden)
        return None

    def may_have(self, name: str) -> bool:
        if name in self.columns:
            return True
        if self.parts:
            return any(p.may_have(name) for p in self.parts)
        base = self.base()
        return name not in self.hidden if base is None else name in base

    def get(self, name: str) -> _Series:
        """Column ``name``, read as is (not transformed)."""
        if name in self.columns:
            return self.columns[name]
        if not self.may_have(name):
            return _UNKNOWN
        if self.parts:
            sides = [p for p in self.parts if p.may_have(name)]
            return sides[0].get(name) if len(sides) == 1 else _UNKNOWN
        if self.input is not None and self.order is None:
            return _Series((ColumnSource(self.input, name),), False)
        return _UNKNOWN

    def with_column(self, name: str, value: _Series) -> _Frame:
        order = self.order
        if order is not None and name not in order:
            order = (*order, name)
        return replace(self, columns={**self.columns, name: value}, order=order)

    def without(self, names: Iterable[str]) -> _Frame:
        gone = set(names)
        order = None if self.order is None else tuple(c for c in self.order if c not in gone)
        return replace(self, columns={k: v for k, v in self.columns.items() if k not in gone},
                       hidden=self.hidden | gone, order=order)

    def renamed(self, mapping: Mapping[str, str]) -> _Frame:
        present = {old: new for old, new in mapping.items() if self.may_have(old)}
        values = {new: self.get(old) for old, new in present.items()}
        kept = self.without(present)
        order = None if self.order is None else tuple(present.get(c, c) for c in self.order)
        return replace(kept, columns={**kept.columns, **values}, order=order)

    def selected(self, names: Sequence[str]) -> _Frame:
        return _Frame({n: self.get(n) for n in names}, order=tuple(names), schema=self.schema)

    def opaque(self) -> _Frame:
        """A frame whose columns are not known at all (``df.apply(...)``, ``groupby``)."""
        return _Frame(schema=self.schema)


@dataclass(frozen=True)
class _Frames:
    """The dict of input frames a multi-input model takes: key -> relation."""

    relations: Mapping[str, str]

    def frame(self, key: str | None, frame_of: Callable[[str], _Frame]) -> _Value:
        """``dfs[key]``: the runner keys the dict by relation, which callers may also
        have given as the keys' values."""
        if key is not None and key in self.relations:
            return frame_of(self.relations[key])
        return frame_of(key) if key is not None and key in self.relations.values() else _OPAQUE


class _Opaque:
    """A value the analysis cannot see (a local assigned from something unrecognised)."""


_OPAQUE = _Opaque()
_Value = _Frame | _Frames | _Series | _Opaque | None  # None: a constant, module or global

# Frame methods that keep the columns and their values (they filter or reorder rows).
_KEEPS = frozenset({"copy", "head", "tail", "sort_values", "sort_index", "drop_duplicates",
                    "dropna", "query", "sample", "reset_index", "toPandas", "to_pandas",
                    "infer_objects"})
# Frame methods that return a frame with columns or values changed in ways not followed.
_RESHAPES = frozenset({"pipe", "apply", "applymap", "map", "transform", "groupby", "pivot",
                       "pivot_table", "melt", "astype", "fillna", "replace", "agg", "round",
                       "clip", "where", "mask", "set_index", "explode"})
# Frame attributes that are not columns.
_FRAME_ATTRS = frozenset({"loc", "iloc", "at", "iat", "columns", "index", "shape", "dtypes",
                          "values", "empty", "size", "T", "ndim", "axes", "attrs", "style",
                          "plot", "str", "dt"})


def _columns(frame: _Frame) -> tuple[ColumnLineage, ...]:
    base = frame.base()
    names = list(frame.columns) if base is None else list(
        frame.order if frame.order is not None else (*base, *frame.columns))
    result = []
    for name in dict.fromkeys(names):
        value = frame.get(name)
        result.append(ColumnLineage(name, value.sources, value.transformed) if value.known
                      else unknown(name))
    return tuple(result)


# --- the source ----------------------------------------------------------------------------


_FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def _find(tree: ast.Module, name: str) -> _FunctionNode | None:
    """The function ``name``: at module level first, else anywhere (in a class, a factory)."""
    top = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for node in [*top, *ast.walk(tree)]:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    return None


def _assigned_names(func: _FunctionNode) -> frozenset[str]:
    """Local names: a name never assigned in the function is a module, a constant, a global."""
    names = {a.arg for a in ast.walk(func.args) if isinstance(a, ast.arg)}
    names |= {n.id for n in ast.walk(func) if isinstance(n, ast.Name)
              and isinstance(n.ctx, (ast.Store, ast.Del))}
    return frozenset(names)


def _text(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _texts(node: ast.AST | None) -> list[str] | None:
    """``["a", "b"]`` (or a tuple, or one string) as names; None for anything else."""
    single = _text(node)
    if single is not None:
        return [single]
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_text(e) for e in node.elts]
        if all(i is not None for i in items):
            return [i for i in items if i is not None]
    return None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


class _Walker:
    """The function's top-level statements, in order, over abstract values."""

    def __init__(self, local: frozenset[str], schema: Mapping[str, tuple[str, ...]]) -> None:
        self.env: dict[str, _Value] = {}
        self.local = local
        self.schema = schema

    def frame_of(self, relation: str) -> _Frame:
        return _Frame(input=relation, schema=self.schema)

    def bind(self, args: ast.arguments, inputs: Mapping[str, str]) -> None:
        positional = [*args.posonlyargs, *args.args]
        required = positional[:len(positional) - len(args.defaults)]
        names = {a.arg for a in [*positional, *args.kwonlyargs]}
        for name, relation in inputs.items():
            if name in names:
                self.env[name] = self.frame_of(relation)
        rest = {k: v for k, v in inputs.items() if k not in names}
        free = [a.arg for a in required if a.arg not in inputs]
        if not rest or not free:
            return
        if len(rest) == 1:
            self.env[free[0]] = self.frame_of(next(iter(rest.values())))
        elif len(free) == len(rest):
            for param, relation in zip(free, rest.values(), strict=True):
                self.env[param] = self.frame_of(relation)
        else:
            self.env[free[0]] = _Frames(dict(rest))

    def run(self, body: Sequence[ast.stmt]) -> _Value:
        """Follow ``body``; the value of its ``return`` (None when there is none)."""
        for statement in body:
            if isinstance(statement, ast.Return):
                return self.value(statement.value) if statement.value is not None else None
            if isinstance(statement, (ast.With, ast.AsyncWith)):
                result = self.run(statement.body)
                if any(isinstance(s, ast.Return) for s in statement.body):
                    return result
            else:
                self.statement(statement)
        return None

    # statements

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            value = self.value(node.value)
            for target in node.targets:
                self.store(target, value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self.store(node.target, self.value(node.value))
        elif isinstance(node, ast.AugAssign):  # out["x"] += 1, total += out["x"]
            old = self.value(node.target) if isinstance(node.target, (ast.Name, ast.Subscript)) \
                else _OPAQUE
            value = old.opaque() if isinstance(old, _Frame) else _combine(
                [self.series(old), self.series(self.value(node.value))])
            self.store(node.target, value)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self.delete(target)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            self.mutating_call(node.value)
        elif isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.TryStar,
                               ast.Match)):
            self.blind(node)

    def store(self, target: ast.expr, value: _Value) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = value
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            frame = self.env.get(target.value.id)
            if not isinstance(frame, _Frame):
                return
            names = _texts(target.slice)
            if names is None:  # out[some_variable] = ...: which column is not known
                self.env[target.value.id] = frame.opaque()
            elif len(names) == 1 and _text(target.slice) is not None:
                self.env[target.value.id] = frame.with_column(names[0], self.series(value))
            else:
                for name in names:
                    frame = frame.with_column(name, _UNKNOWN)
                self.env[target.value.id] = frame
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute):
            self.store_loc(target, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.store(element, _OPAQUE)

    def store_loc(self, target: ast.Subscript, value: _Value) -> None:
        """``out.loc[mask, "x"] = v``: x mixes what it held with ``v`` (transformed)."""
        owner = target.value
        assert isinstance(owner, ast.Attribute)
        if not isinstance(owner.value, ast.Name):
            return
        frame = self.env.get(owner.value.id)
        if not isinstance(frame, _Frame) or owner.attr not in ("loc", "at", "iloc", "iat"):
            return
        key = target.slice
        names = _texts(key.elts[-1]) if isinstance(key, ast.Tuple) and len(key.elts) == 2 \
            else None
        if names is None:
            self.env[owner.value.id] = frame.opaque()
            return
        for name in names:
            # The rows not chosen keep what the column held, when it certainly existed.
            base = frame.base()
            existed = name in frame.columns or (base is not None and name in base)
            old = frame.get(name) if existed else _UNKNOWN
            frame = frame.with_column(name, _combine([old, self.series(value)]))
        self.env[owner.value.id] = frame

    def delete(self, target: ast.expr) -> None:
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            frame = self.env.get(target.value.id)
            names = _texts(target.slice)
            if isinstance(frame, _Frame):
                self.env[target.value.id] = frame.opaque() if names is None \
                    else frame.without(names)
        elif isinstance(target, ast.Name):
            self.env.pop(target.id, None)

    def mutating_call(self, call: ast.Call) -> None:
        """``out.rename(..., inplace=True)``, ``out.insert(0, "x", v)``, ``out.pop("x")``."""
        func = call.func
        if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
            return
        name = func.value.id
        frame = self.env.get(name)
        if not isinstance(frame, _Frame):
            return
        inplace = _keyword(call, "inplace")
        if isinstance(inplace, ast.Constant) and inplace.value is True:
            result = self.frame_method(frame, func.attr, call)
            self.env[name] = result if isinstance(result, _Frame) else frame.opaque()
        elif func.attr == "insert" and len(call.args) >= 3 and _text(call.args[1]):
            column = _text(call.args[1])
            assert column is not None
            self.env[name] = frame.with_column(column, self.series(self.value(call.args[2])))
        elif func.attr == "pop" and call.args and _text(call.args[0]):
            self.env[name] = frame.without([_text(call.args[0]) or ""])
        elif func.attr in ("update", "set_axis", "__setitem__"):
            self.env[name] = frame.opaque()

    def blind(self, node: ast.stmt) -> None:
        """A statement that may or may not run (or run many times): what it assigns is
        unknown afterwards."""
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store):
                self.env[inner.id] = _OPAQUE
            elif isinstance(inner, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                targets = inner.targets if isinstance(inner, (ast.Assign, ast.Delete)) \
                    else [inner.target]
                for target in targets:
                    self.blind_target(target)
            elif isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) \
                    and isinstance(inner.func.value, ast.Name):
                frame = self.env.get(inner.func.value.id)
                if isinstance(frame, _Frame) and (_keyword(inner, "inplace") is not None or
                                                  inner.func.attr in ("insert", "pop", "update")):
                    self.env[inner.func.value.id] = frame.opaque()

    def blind_target(self, target: ast.expr) -> None:
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute):
            target = target.value  # out.loc[...]
        owner = target.value if isinstance(target, (ast.Subscript, ast.Attribute)) else None
        if not isinstance(owner, ast.Name):
            return
        frame = self.env.get(owner.id)
        names = _texts(target.slice) if isinstance(target, ast.Subscript) else None
        if isinstance(frame, _Frame):
            if names is None:
                self.env[owner.id] = frame.opaque()
            else:
                for name in names:
                    frame = frame.with_column(name, _UNKNOWN)
                self.env[owner.id] = frame

    # expressions

    def series(self, value: _Value) -> _Series:
        if isinstance(value, _Series):
            return value
        return _CONSTANT if value is None else _UNKNOWN

    def value(self, node: ast.expr) -> _Value:
        if isinstance(node, ast.Constant):
            return None
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return self.env[node.id]
            return _OPAQUE if node.id in self.local else None
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Attribute):
            owner = self.value(node.value)
            if isinstance(owner, _Frame):
                return _OPAQUE if node.attr in _FRAME_ATTRS or node.attr.startswith("_") \
                    else owner.get(node.attr)
            if isinstance(owner, _Series):  # s.str, s.dt, s.values: only a method follows
                return replace(owner, transformed=True)
            return owner if owner is None else _OPAQUE
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Lambda):
            return _OPAQUE
        parts = [self.value(child) for child in ast.iter_child_nodes(node)
                 if isinstance(child, ast.expr)]
        return self.mix(parts)

    def mix(self, parts: Sequence[_Value]) -> _Value:
        """An expression of ``parts``: a transformed series, a constant, or opaque."""
        if any(isinstance(p, (_Frame, _Frames, _Opaque)) for p in parts):
            return _OPAQUE
        series = [p for p in parts if isinstance(p, _Series)]
        return _combine(series) if series else None

    def subscript(self, node: ast.Subscript) -> _Value:
        owner = self.value(node.value)
        key = _text(node.slice)
        if isinstance(owner, _Frames):
            return owner.frame(key, self.frame_of)
        if isinstance(owner, _Frame):
            if key is not None:
                return owner.get(key)
            names = _texts(node.slice)
            if names is not None:
                return owner.selected(names)
            mask = self.value(node.slice)  # df[df["amount"] > 0]: the same columns
            return owner if isinstance(mask, _Series) and mask.known else owner.opaque()
        if isinstance(owner, _Series):
            return self.mix([replace(owner, transformed=True), self.value(node.slice)])
        return owner if owner is None else _OPAQUE

    def call(self, node: ast.Call) -> _Value:
        args = [*node.args, *(k.value for k in node.keywords)]
        func = node.func
        if isinstance(func, ast.Attribute):
            owner = self.value(func.value)
            if isinstance(owner, _Frame):
                return self.frame_method(owner, func.attr, node)
            if isinstance(owner, _Frames):
                key = _text(node.args[0]) if func.attr == "get" and node.args else None
                return owner.frame(key, self.frame_of)
            if isinstance(owner, _Series):
                return self.mix([replace(owner, transformed=True), *map(self.value, args)])
            if owner is None and func.attr == "DataFrame":  # pd.DataFrame({"a": df["x"]})
                return self.literal_frame(node)
            if owner is None and func.attr == "concat":  # pd.concat([...]): rows or columns
                return _Frame(schema=self.schema)
            if owner is None and func.attr == "merge" and len(node.args) >= 2:
                left, right = self.value(node.args[0]), self.value(node.args[1])
                if isinstance(left, _Frame) and isinstance(right, _Frame):
                    return self.merged(left, right)
            if isinstance(owner, _Opaque):
                return _OPAQUE
        elif not isinstance(func, ast.Name):
            return _OPAQUE
        # A function of the module, numpy, pandas: of a frame it may return anything.
        return self.mix([self.value(a) for a in args])

    def literal_frame(self, node: ast.Call) -> _Value:
        data = node.args[0] if node.args else _keyword(node, "data")
        if data is None:  # pd.DataFrame() or pd.DataFrame(index=...): no columns yet
            return _Frame(order=(), schema=self.schema)
        if not isinstance(data, ast.Dict):
            return _OPAQUE
        names = [_text(k) for k in data.keys]
        if any(n is None for n in names):
            return _Frame(schema=self.schema)
        columns = {n: self.series(self.value(v)) for n, v in zip(names, data.values, strict=True)
                   if n is not None}
        return _Frame(columns, order=tuple(columns), schema=self.schema)

    def merged(self, left: _Frame, right: _Frame) -> _Frame:
        """A merge or join: each column from the one side that may have it."""
        return _Frame(parts=(left, right), schema=self.schema)

    def frame_method(self, frame: _Frame, method: str, call: ast.Call) -> _Value:
        if method in _KEEPS:
            return frame
        if method == "rename":
            mapping = _keyword(call, "columns")
            if isinstance(mapping, ast.Dict):
                pairs = [(_text(k), _text(v)) for k, v in zip(mapping.keys, mapping.values,
                                                              strict=True)]
                if all(a is not None and b is not None for a, b in pairs):
                    return frame.renamed({a: b for a, b in pairs if a and b})
            if _keyword(call, "index") is not None and mapping is None:
                return frame  # renames rows only
            return frame.opaque()
        if method == "drop":
            names = _texts(_keyword(call, "columns"))
            axis = _keyword(call, "axis")
            if names is None and call.args and isinstance(axis, ast.Constant) and axis.value in (
                    1, "columns"):
                names = _texts(call.args[0])
            if names is not None:
                return frame.without(names)
            return frame if _keyword(call, "index") is not None else frame.opaque()
        if method == "assign":
            for keyword in call.keywords:
                if keyword.arg is None:  # assign(**columns)
                    return frame.opaque()
                if isinstance(keyword.value, ast.Lambda) and keyword.value.args.args:
                    value = self.in_lambda(keyword.value, frame)
                else:
                    value = self.series(self.value(keyword.value))
                frame = frame.with_column(keyword.arg, value)
            return frame
        if method in ("merge", "join") and call.args:
            other = self.value(call.args[0])
            if isinstance(other, _Frame):
                return self.merged(frame, other)
            return frame.opaque()
        if method in ("filter",) and _texts(_keyword(call, "items")) is not None:
            return frame.selected(_texts(_keyword(call, "items")) or [])
        # A frame whose columns or values changed unseen, or something else (``df.sum()``).
        return frame.opaque() if method in _RESHAPES else _OPAQUE

    def in_lambda(self, node: ast.Lambda, frame: _Frame) -> _Series:
        """``assign(x=lambda d: d["a"] * 2)``: the body with ``d`` as the frame so far."""
        param = node.args.args[0].arg
        saved = self.env.get(param, _OPAQUE) if param in self.env else None
        had = param in self.env
        self.env[param] = frame
        try:
            return self.series(self.value(node.body))
        finally:
            if had:
                self.env[param] = saved
            else:
                self.env.pop(param, None)

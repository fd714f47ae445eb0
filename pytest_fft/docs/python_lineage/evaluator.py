"""The abstract value of an expression of a model's function, given the values of its
variables: ``df["y"]``, ``df.y``, ``df[["a", "b"]]``, ``df.loc[mask, cols]``, row filters,
``pd.DataFrame({...})``, ``pd.concat``, ``pd.merge``, the methods of frames
(:mod:`.pandas_methods`, :mod:`.spark_methods`), of grouped frames (:mod:`.grouping`) and
of series, literals (a list of column names in a variable), and any other expression of
series (transformed)."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace

from pytest_fft.docs.python_lineage.frames import Frame
from pytest_fft.docs.python_lineage.grouping import grouped_method, select
from pytest_fft.docs.python_lineage.joins import side_by_side, stacked
from pytest_fft.docs.python_lineage.pandas_methods import FRAME_ATTRS, frame_method, merge
from pytest_fft.docs.python_lineage.series import CONSTANT, UNKNOWN, Series, combine
from pytest_fft.docs.python_lineage.spark_methods import (
    column_function,
    is_spark_method,
    spark_method,
)
from pytest_fft.docs.python_lineage.syntax import keyword
from pytest_fft.docs.python_lineage.values import OPAQUE, Frames, Grouped, Literal, Opaque, Value

_LOCATORS = frozenset({"loc", "iloc", "at", "iat"})


def _everything(key: ast.expr) -> bool:
    """``:``, all rows or columns."""
    return isinstance(key, ast.Slice) and key.lower is None and key.upper is None \
        and key.step is None


class Evaluator:
    """Expressions over ``env``, the values of the function's variables so far.

    ``constants`` are the module's literal constants (``KEEP = ["id", "email"]``); input
    frames are Spark DataFrames when ``spark`` (the module imports pyspark).
    """

    def __init__(self, local: frozenset[str], schema: Mapping[str, tuple[str, ...]], *,
                 constants: Mapping[str, object] | None = None, spark: bool = False) -> None:
        self.env: dict[str, Value] = {}
        self.local = local
        self.schema = schema
        self.constants = constants or {}
        self.spark = spark
        self.context: Frame | None = None  # the frame Spark's F.col("a") reads

    def frame_of(self, relation: str) -> Frame:
        """An input frame: relation ``relation``, with its columns when the schema has them."""
        return Frame(input=relation, input_columns=self.schema.get(relation.lower()),
                     spark=self.spark)

    def series(self, value: Value) -> Series:
        if isinstance(value, Series):
            return value
        return CONSTANT if value is None or isinstance(value, Literal) else UNKNOWN

    # literals naming columns

    def literal(self, node: ast.expr | None) -> Literal | None:
        value = self.value(node) if node is not None else None
        return value if isinstance(value, Literal) else None

    def name_of(self, node: ast.expr | None) -> str | None:
        """The string ``node`` is (``"a"``, or a variable holding it), else None."""
        found = self.literal(node)
        return None if found is None else found.name()

    def names_of(self, node: ast.expr | None) -> list[str] | None:
        """The names ``node`` lists (``["a", "b"]``, ``"a"``, a variable holding them)."""
        found = self.literal(node)
        return None if found is None else found.names()

    def mapping_of(self, node: ast.expr | None) -> dict[str, str] | None:
        """The names ``node`` maps (``{"a": "b"}``, a variable holding it)."""
        found = self.literal(node)
        return None if found is None else found.mapping()

    # expressions

    def value(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Constant):
            return Literal(node.value)
        if isinstance(node, ast.Name):
            return self.named(node.id)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Lambda):
            return OPAQUE
        if isinstance(node, ast.IfExp):
            return self.either(self.value(node.body), self.value(node.orelse))
        parts = [self.value(child) for child in ast.iter_child_nodes(node)
                 if isinstance(child, ast.expr)]
        if isinstance(node, (ast.List, ast.Tuple, ast.Dict)) and all(
                isinstance(p, Literal) for p in parts):
            return self.container(node, [p.value for p in parts if isinstance(p, Literal)])
        return self.mix(parts)

    @staticmethod
    def either(first: Value, second: Value) -> Value:
        """``a if test else b``: the value both branches agree on, where a Spark frame and
        the same frame as pandas (``df.toPandas() if spark else df``, the usual way to write
        a model for several engines) agree; else opaque."""
        if isinstance(first, Frame) and isinstance(second, Frame):
            first, second = replace(first, spark=False), replace(second, spark=False)
        return first if first == second else OPAQUE

    def named(self, name: str) -> Value:
        if name in self.env:
            return self.env[name]
        if name in self.local:
            return OPAQUE
        return Literal(self.constants[name]) if name in self.constants else None

    def container(self, node: ast.List | ast.Tuple | ast.Dict, items: list[object]) -> Value:
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):  # {**other}
                return None
            keys = items[:len(node.keys)]
            return Literal(dict(zip(keys, items[len(node.keys):], strict=True)))
        return Literal(tuple(items) if isinstance(node, ast.Tuple) else items)

    def mix(self, parts: Sequence[Value]) -> Value:
        """An expression of ``parts``: a transformed series, a constant, or opaque."""
        if any(isinstance(p, (Frame, Frames, Grouped, Opaque)) for p in parts):
            return OPAQUE
        series = [p for p in parts if isinstance(p, Series)]
        return combine(series) if series else None

    def attribute(self, node: ast.Attribute) -> Value:
        owner = self.value(node.value)
        if isinstance(owner, Frame):
            return OPAQUE if node.attr in FRAME_ATTRS or node.attr.startswith("_") \
                else replace(owner.get(node.attr), name=node.attr)
        if isinstance(owner, Grouped):  # grouped.amount
            return select(owner, [node.attr], single=True)
        if isinstance(owner, Series):  # s.str, s.dt, s.values: only a method follows
            return replace(owner, transformed=True, name=None)
        return None if owner is None or isinstance(owner, Literal) else OPAQUE

    def subscript(self, node: ast.Subscript) -> Value:
        if isinstance(node.value, ast.Attribute) and node.value.attr in _LOCATORS:
            frame = self.value(node.value.value)
            if isinstance(frame, Frame):
                return self.located(frame, node.slice)
        owner = self.value(node.value)
        if isinstance(owner, Frames):
            return owner.frame(self.name_of(node.slice), self.frame_of)
        if isinstance(owner, Frame):
            return self.chosen(owner, node.slice)
        if isinstance(owner, Grouped):
            names = self.names_of(node.slice)
            if names is None:
                return OPAQUE
            return select(owner, names, single=self.name_of(node.slice) is not None)
        if isinstance(owner, Series):
            return self.mix([replace(owner, transformed=True), self.value(node.slice)])
        return None if owner is None or isinstance(owner, Literal) else OPAQUE

    def chosen(self, frame: Frame, key: ast.expr) -> Value:
        """``frame[key]``: a column, columns, or the rows a mask keeps."""
        name = self.name_of(key)
        if name is not None:
            return replace(frame.get(name), name=name)
        names = self.names_of(key)
        if names is not None:
            return frame.selected(names)
        return frame if self.is_mask(frame, key) else frame.opaque()

    def is_mask(self, frame: Frame, key: ast.expr) -> bool:
        """Whether ``key`` chooses rows of ``frame``: ``df["amount"] > 0``, or a function of
        it (``lambda d: d["amount"] > 0``)."""
        if isinstance(key, ast.Lambda) and key.args.args:
            mask = self.in_lambda(key, frame)
        else:
            mask = self.value(key)
        return isinstance(mask, Series) and mask.known

    def located(self, frame: Frame, key: ast.expr) -> Value:
        """``frame.loc[rows, columns]``: ``rows`` a mask or ``:``."""
        rows, columns = (key.elts[0], key.elts[1]) if isinstance(key, ast.Tuple) and len(
            key.elts) == 2 else (key, None)
        if not _everything(rows) and self.value(rows) is not None and not self.is_mask(
                frame, rows):
            return frame.opaque()
        if columns is None or _everything(columns):
            return frame
        return frame.opaque() if isinstance(columns, ast.Slice) else self.chosen(frame, columns)

    def call(self, node: ast.Call) -> Value:
        func = node.func
        if isinstance(func, ast.Attribute):
            owner = self.value(func.value)
            if isinstance(owner, Frame):
                if is_spark_method(owner, func.attr):
                    return spark_method(self, owner, func.attr, node)
                return frame_method(self, owner, func.attr, node)
            if isinstance(owner, Grouped):
                return grouped_method(self, owner, func.attr, node)
            if isinstance(owner, Frames):
                key = self.name_of(node.args[0]) if func.attr == "get" and node.args else None
                return owner.frame(key, self.frame_of)
            if isinstance(owner, Series):
                return self.series_method(owner, func.attr, node)
            if owner is None:
                return self.module_function(func.attr, node)
            if isinstance(owner, Opaque):
                return OPAQUE
        elif not isinstance(func, ast.Name):
            return OPAQUE
        elif func.id not in self.local and func.id not in self.env:
            return self.module_function(func.id, node)
        return self.arguments(node)

    def arguments(self, node: ast.Call) -> Value:
        """A function not followed: of a frame it may return anything."""
        return self.mix([self.value(a) for a in [*node.args, *(k.value for k in node.keywords)]])

    def module_function(self, name: str, node: ast.Call) -> Value:
        """``pd.DataFrame``, ``pd.concat``, ``pd.merge``, Spark's ``F.col``, ``np.where``."""
        if self.context is not None:
            return column_function(self, self.context, name, node)
        if name == "DataFrame":
            return self.literal_frame(node)
        if name == "concat":
            return self.concat(node)
        if name == "merge" and len(node.args) >= 2:
            left = self.value(node.args[0])
            if isinstance(left, Frame):
                return merge(self, left, node, right_at=1)
        return self.arguments(node)

    def series_method(self, series: Series, method: str, node: ast.Call) -> Value:
        """``s.str.upper()`` and the like (transformed); ``alias("x")`` names a Spark
        column; ``reset_index()`` / ``to_frame()`` make a grouped aggregate a frame."""
        if method in ("alias", "name") and node.args:
            return replace(series, name=self.name_of(node.args[0]))
        if method in ("reset_index", "to_frame") and series.index:
            name = self.name_of(keyword(node, "name") or (node.args[0] if method == "to_frame"
                                                          and node.args else None))
            column = name or series.name or "0"
            plain = replace(series, name=None, index={})
            if method == "to_frame":
                return Frame({column: plain}, order=(column,), index=series.index)
            return Frame({**series.index, column: plain}, order=(*series.index, column))
        args = [self.value(a) for a in [*node.args, *(k.value for k in node.keywords)]]
        return self.mix([replace(series, transformed=True, name=None), *args])

    def concat(self, node: ast.Call) -> Value:
        """``pd.concat([a, b])`` stacks rows; ``axis=1`` puts columns side by side."""
        items = node.args[0] if node.args else keyword(node, "objs")
        if not isinstance(items, (ast.List, ast.Tuple)) or not items.elts:
            return Frame()
        frames = [self.value(e) for e in items.elts]
        axis = self.literal(keyword(node, "axis"))
        join = self.name_of(keyword(node, "join"))
        if not all(isinstance(f, Frame) for f in frames) or join not in (None, "outer"):
            return Frame()
        parts = [f for f in frames if isinstance(f, Frame)]
        return side_by_side(parts) if axis is not None and axis.value in (1, "columns") \
            else stacked(parts)

    def literal_frame(self, node: ast.Call) -> Value:
        data = node.args[0] if node.args else keyword(node, "data")
        if data is None:  # pd.DataFrame() or pd.DataFrame(index=...): no columns yet
            return Frame(order=())
        if not isinstance(data, ast.Dict):
            return OPAQUE
        names = [self.name_of(k) for k in data.keys]
        if any(n is None for n in names):
            return Frame()
        columns = {n: self.series(self.value(v)) for n, v in zip(names, data.values, strict=True)
                   if n is not None}
        return Frame(columns, order=tuple(columns))

    def in_lambda(self, node: ast.Lambda, frame: Frame) -> Value:
        """``assign(x=lambda d: d["a"] * 2)``: the body with ``d`` as the frame so far."""
        with self.bound(node.args.args[0].arg, frame):
            return self.value(node.body)

    @contextmanager
    def bound(self, name: str, value: Value) -> Iterator[None]:
        """``name`` bound to ``value`` for a while (a lambda's parameter)."""
        had, saved = name in self.env, self.env.get(name)
        self.env[name] = value
        try:
            yield
        finally:
            if had:
                self.env[name] = saved
            else:
                self.env.pop(name, None)

    @contextmanager
    def within(self, frame: Frame) -> Iterator[None]:
        """Spark column expressions (``F.col("a")``) read ``frame`` for a while."""
        saved, self.context = self.context, frame
        try:
            yield
        finally:
            self.context = saved

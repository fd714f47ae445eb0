"""The abstract value of an expression of a model's function, given the values of its
variables: ``df["y"]``, ``df.y``, ``out[["a", "b"]]``, row filters, ``pd.DataFrame({...})``,
frame methods (:mod:`.pandas_methods`), and any other expression of series (transformed)."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace

from pytest_fft.docs.python_lineage.pandas_methods import FRAME_ATTRS, frame_method
from pytest_fft.docs.python_lineage.syntax import keyword, text, texts
from pytest_fft.docs.python_lineage.values import (
    CONSTANT,
    OPAQUE,
    UNKNOWN,
    Frame,
    Frames,
    Opaque,
    Series,
    Value,
    combine,
    merged,
)


class Evaluator:
    """Expressions over ``env``, the values of the function's variables so far."""

    def __init__(self, local: frozenset[str], schema: Mapping[str, tuple[str, ...]]) -> None:
        self.env: dict[str, Value] = {}
        self.local = local
        self.schema = schema

    def frame_of(self, relation: str) -> Frame:
        """An input frame: relation ``relation``, with its columns when the schema has them."""
        return Frame(input=relation, input_columns=self.schema.get(relation.lower()))

    def series(self, value: Value) -> Series:
        if isinstance(value, Series):
            return value
        return CONSTANT if value is None else UNKNOWN

    def value(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Constant):
            return None
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return self.env[node.id]
            return OPAQUE if node.id in self.local else None
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Attribute):
            owner = self.value(node.value)
            if isinstance(owner, Frame):
                return OPAQUE if node.attr in FRAME_ATTRS or node.attr.startswith("_") \
                    else owner.get(node.attr)
            if isinstance(owner, Series):  # s.str, s.dt, s.values: only a method follows
                return replace(owner, transformed=True)
            return owner if owner is None else OPAQUE
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Lambda):
            return OPAQUE
        parts = [self.value(child) for child in ast.iter_child_nodes(node)
                 if isinstance(child, ast.expr)]
        return self.mix(parts)

    def mix(self, parts: Sequence[Value]) -> Value:
        """An expression of ``parts``: a transformed series, a constant, or opaque."""
        if any(isinstance(p, (Frame, Frames, Opaque)) for p in parts):
            return OPAQUE
        series = [p for p in parts if isinstance(p, Series)]
        return combine(series) if series else None

    def subscript(self, node: ast.Subscript) -> Value:
        owner = self.value(node.value)
        key = text(node.slice)
        if isinstance(owner, Frames):
            return owner.frame(key, self.frame_of)
        if isinstance(owner, Frame):
            if key is not None:
                return owner.get(key)
            names = texts(node.slice)
            if names is not None:
                return owner.selected(names)
            mask = self.value(node.slice)  # df[df["amount"] > 0]: the same columns
            return owner if isinstance(mask, Series) and mask.known else owner.opaque()
        if isinstance(owner, Series):
            return self.mix([replace(owner, transformed=True), self.value(node.slice)])
        return owner if owner is None else OPAQUE

    def call(self, node: ast.Call) -> Value:
        args = [*node.args, *(k.value for k in node.keywords)]
        func = node.func
        if isinstance(func, ast.Attribute):
            owner = self.value(func.value)
            if isinstance(owner, Frame):
                return frame_method(self, owner, func.attr, node)
            if isinstance(owner, Frames):
                key = text(node.args[0]) if func.attr == "get" and node.args else None
                return owner.frame(key, self.frame_of)
            if isinstance(owner, Series):
                return self.mix([replace(owner, transformed=True), *map(self.value, args)])
            if owner is None and func.attr == "DataFrame":  # pd.DataFrame({"a": df["x"]})
                return self.literal_frame(node)
            if owner is None and func.attr == "concat":  # pd.concat([...]): rows or columns
                return Frame()
            if owner is None and func.attr == "merge" and len(node.args) >= 2:
                left, right = self.value(node.args[0]), self.value(node.args[1])
                if isinstance(left, Frame) and isinstance(right, Frame):
                    return merged(left, right)
            if isinstance(owner, Opaque):
                return OPAQUE
        elif not isinstance(func, ast.Name):
            return OPAQUE
        # A function of the module, numpy, pandas: of a frame it may return anything.
        return self.mix([self.value(a) for a in args])

    def literal_frame(self, node: ast.Call) -> Value:
        data = node.args[0] if node.args else keyword(node, "data")
        if data is None:  # pd.DataFrame() or pd.DataFrame(index=...): no columns yet
            return Frame(order=())
        if not isinstance(data, ast.Dict):
            return OPAQUE
        names = [text(k) for k in data.keys]
        if any(n is None for n in names):
            return Frame()
        columns = {n: self.series(self.value(v)) for n, v in zip(names, data.values, strict=True)
                   if n is not None}
        return Frame(columns, order=tuple(columns))

    def in_lambda(self, node: ast.Lambda, frame: Frame) -> Series:
        """``assign(x=lambda d: d["a"] * 2)``: the body with ``d`` as the frame so far."""
        with self.bound(node.args.args[0].arg, frame):
            return self.series(self.value(node.body))

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

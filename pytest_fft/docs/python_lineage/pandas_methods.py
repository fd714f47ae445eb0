"""What the methods of a pandas frame return: the same columns (``copy``, ``sort_values``,
row filters), columns renamed, dropped, assigned or selected, a merge, or a frame whose
columns are not followed (``apply``, ``groupby``)."""

from __future__ import annotations

import ast
from typing import Protocol

from pytest_fft.docs.python_lineage.syntax import keyword, text, texts
from pytest_fft.docs.python_lineage.values import OPAQUE, Frame, Series, Value, merged


class Evaluator(Protocol):
    """What a method needs of :class:`.evaluator.Evaluator`: the values of its arguments."""

    def value(self, node: ast.expr) -> Value: ...

    def series(self, value: Value) -> Series: ...

    def in_lambda(self, node: ast.Lambda, frame: Frame) -> Series: ...


# Frame methods that keep the columns and their values (they filter or reorder rows).
KEEPS = frozenset({"copy", "head", "tail", "sort_values", "sort_index", "drop_duplicates",
                   "dropna", "query", "sample", "reset_index", "toPandas", "to_pandas",
                   "infer_objects"})
# Frame methods that return a frame with columns or values changed in ways not followed.
RESHAPES = frozenset({"pipe", "apply", "applymap", "map", "transform", "groupby", "pivot",
                      "pivot_table", "melt", "astype", "fillna", "replace", "agg", "round",
                      "clip", "where", "mask", "set_index", "explode"})
# Frame attributes that are not columns.
FRAME_ATTRS = frozenset({"loc", "iloc", "at", "iat", "columns", "index", "shape", "dtypes",
                         "values", "empty", "size", "T", "ndim", "axes", "attrs", "style",
                         "plot", "str", "dt"})


def frame_method(ev: Evaluator, frame: Frame, method: str, call: ast.Call) -> Value:
    """The value of ``frame.<method>(...)``."""
    if method in KEEPS:
        return frame
    if method == "rename":
        return _rename(frame, call)
    if method == "drop":
        return _drop(frame, call)
    if method == "assign":
        return _assign(ev, frame, call)
    if method in ("merge", "join") and call.args:
        other = ev.value(call.args[0])
        if isinstance(other, Frame):
            return merged(frame, other)
        return frame.opaque()
    if method in ("filter",) and texts(keyword(call, "items")) is not None:
        return frame.selected(texts(keyword(call, "items")) or [])
    # A frame whose columns or values changed unseen, or something else (``df.sum()``).
    return frame.opaque() if method in RESHAPES else OPAQUE


def _rename(frame: Frame, call: ast.Call) -> Frame:
    mapping = keyword(call, "columns")
    if isinstance(mapping, ast.Dict):
        pairs = [(text(k), text(v)) for k, v in zip(mapping.keys, mapping.values, strict=True)]
        if all(a is not None and b is not None for a, b in pairs):
            return frame.renamed({a: b for a, b in pairs if a and b})
    if keyword(call, "index") is not None and mapping is None:
        return frame  # renames rows only
    return frame.opaque()


def _drop(frame: Frame, call: ast.Call) -> Frame:
    names = texts(keyword(call, "columns"))
    axis = keyword(call, "axis")
    if names is None and call.args and isinstance(axis, ast.Constant) and axis.value in (
            1, "columns"):
        names = texts(call.args[0])
    if names is not None:
        return frame.without(names)
    return frame if keyword(call, "index") is not None else frame.opaque()


def _assign(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    for item in call.keywords:
        if item.arg is None:  # assign(**columns)
            return frame.opaque()
        if isinstance(item.value, ast.Lambda) and item.value.args.args:
            value = ev.in_lambda(item.value, frame)
        else:
            value = ev.series(ev.value(item.value))
        frame = frame.with_column(item.arg, value)
    return frame

"""What the methods of a pandas frame return: the same columns (``copy``, ``sort_values``,
row filters), columns renamed, dropped, assigned, selected or transformed, a merge or join,
a grouped frame, or a frame whose columns are not followed (``apply``, ``pivot``)."""

from __future__ import annotations

import ast
from dataclasses import replace

from pytest_fft.docs.python_lineage.frames import Frame
from pytest_fft.docs.python_lineage.grouping import grouped
from pytest_fft.docs.python_lineage.joins import merged
from pytest_fft.docs.python_lineage.protocol import Evaluator, Method
from pytest_fft.docs.python_lineage.syntax import is_true, keyword
from pytest_fft.docs.python_lineage.values import OPAQUE, Literal, Value

# Frame methods that keep the columns and their values (they filter or reorder rows).
KEEPS = frozenset({"copy", "head", "tail", "sort_values", "sort_index", "drop_duplicates",
                   "dropna", "query", "sample", "toPandas", "to_pandas", "infer_objects",
                   "nlargest", "nsmallest"})
# Frame methods that change the values of every column, or of those a dict names.
CHANGES = frozenset({"astype", "fillna", "round", "replace", "clip", "where", "mask", "ffill",
                     "bfill", "abs", "cumsum", "diff", "shift", "interpolate"})
# Frame methods that return a frame with columns or values changed in ways not followed.
RESHAPES = frozenset({"apply", "applymap", "map", "transform", "pivot", "pivot_table", "melt",
                      "agg", "explode", "stack", "unstack", "T", "transpose", "reindex"})
# Frame attributes that are not columns.
FRAME_ATTRS = frozenset({"loc", "iloc", "at", "iat", "columns", "index", "shape", "dtypes",
                         "values", "empty", "size", "T", "ndim", "axes", "attrs", "style",
                         "plot", "str", "dt"})


def frame_method(ev: Evaluator, frame: Frame, method: str, call: ast.Call) -> Value:
    """The value of ``frame.<method>(...)``."""
    if method in KEEPS:
        return frame
    if method in METHODS:
        return METHODS[method](ev, frame, call)
    if method in CHANGES:
        return _changes(ev, frame, call)
    # A frame whose columns or values changed unseen, or something else (``df.sum()``).
    return frame.opaque() if method in RESHAPES else OPAQUE


def _is_columns_axis(ev: Evaluator, call: ast.Call) -> bool:
    axis = ev.value(keyword(call, "axis") or ast.Constant(0))
    return isinstance(axis, Literal) and axis.value in (1, "columns")


def _rename(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    """``rename(columns={"a": "b"})`` or ``rename({"a": "b"}, axis=1)``."""
    given = keyword(call, "columns")
    if given is None and call.args and _is_columns_axis(ev, call):
        given = call.args[0]
    mapping = ev.mapping_of(given)
    if mapping is not None:
        return frame.renamed(mapping)
    if given is None and (keyword(call, "index") is not None or call.args):
        return frame  # renames rows only
    return frame.opaque()


def _drop(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    """``drop(columns=[...])`` or ``drop([...], axis=1)``."""
    names = ev.names_of(keyword(call, "columns"))
    if names is None and call.args and _is_columns_axis(ev, call):
        names = ev.names_of(call.args[0])
    if names is not None:
        return frame.without(names)
    return frame if keyword(call, "index") is not None else frame.opaque()


def _assign(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    """``assign(x=df["a"], y=lambda d: d["x"] * 2)``: a lambda sees the columns so far."""
    for item in call.keywords:
        if item.arg is None:  # assign(**columns)
            return frame.opaque()
        if isinstance(item.value, ast.Lambda) and item.value.args.args:
            value = ev.series(ev.in_lambda(item.value, frame))
        else:
            value = ev.series(ev.value(item.value))
        frame = frame.with_column(item.arg, value)
    return frame


def merge_keys(ev: Evaluator, call: ast.Call) -> list[tuple[str, str]] | None:
    """The column pairs a merge matches: ``on``, ``left_on``/``right_on``, none for a cross
    merge or one on the index; None when not known (``on`` omitted: the shared names)."""
    on = keyword(call, "on")
    if on is not None:
        names = ev.names_of(on)
        return None if names is None else [(n, n) for n in names]
    left, right = ev.names_of(keyword(call, "left_on")), ev.names_of(keyword(call, "right_on"))
    if left is not None and right is not None and len(left) == len(right):
        return list(zip(left, right, strict=True))
    how = ev.name_of(keyword(call, "how"))
    if how == "cross" or (is_true(keyword(call, "left_index")) and is_true(
            keyword(call, "right_index"))):
        return []
    return None


def merge(ev: Evaluator, left: Frame, call: ast.Call, right_at: int = 0) -> Frame:
    """``left.merge(right, on=..., how=..., suffixes=...)`` (``pd.merge(left, right, ...)``
    with ``right_at`` 1)."""
    right = ev.value(call.args[right_at]) if len(call.args) > right_at else None
    if not isinstance(right, Frame):
        return left.opaque()
    keys = merge_keys(ev, call)
    if keys is None and left.names() is not None and right.names() is not None:
        keys = [(n, n) for n in left.names() or () if n in (right.names() or ())]
    given = keyword(call, "suffixes")
    suffixes = Literal(("_x", "_y")) if given is None else ev.value(given)
    pair = suffixes.value if isinstance(suffixes, Literal) else None
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
        return merged(left, right, keys, ev.name_of(keyword(call, "how")) or "inner")
    ends = tuple("" if s is None else s for s in pair)
    if not all(isinstance(s, str) for s in ends):
        return left.opaque()
    return merged(left, right, keys, ev.name_of(keyword(call, "how")) or "inner",
                  (str(ends[0]), str(ends[1])))


def _merge(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    return merge(ev, frame, call)


def _join(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    """``left.join(right, how=..., lsuffix=..., rsuffix=...)``: on the index."""
    right = ev.value(call.args[0]) if call.args else None
    if not isinstance(right, Frame):
        return frame.opaque()
    suffixes = (ev.name_of(keyword(call, "lsuffix")) or "",
                ev.name_of(keyword(call, "rsuffix")) or "")
    return merged(frame, right, [], ev.name_of(keyword(call, "how")) or "left", suffixes)


def _filter(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    """``filter(items=[...])`` (or ``filter([...])``) selects columns."""
    names = ev.names_of(keyword(call, "items") or (call.args[0] if call.args else None))
    return frame.opaque() if names is None else frame.selected(names)


def _set_index(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    names = ev.names_of(call.args[0] if call.args else keyword(call, "keys"))
    if names is None:
        return frame.opaque()
    kept = frame if keyword(call, "drop") is not None and not is_true(
        keyword(call, "drop")) else frame.without(names)
    return replace(kept, index={n: frame.get(n) for n in names})


def _reset_index(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    """The index levels become the first columns (group keys); a plain index is dropped."""
    if not frame.index or is_true(keyword(call, "drop")):
        return replace(frame, index={})
    names = frame.names()
    columns = {**frame.index, **frame.columns}
    return replace(frame, columns=columns, index={},
                   order=None if names is None else (*frame.index, *names))


def _changes(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    """``fillna(0)``: every column's values may change; ``fillna({"a": 0})``: a's."""
    given = ev.value(call.args[0]) if call.args else ev.value(
        keyword(call, "value") or keyword(call, "dtype") or ast.Constant(None))
    if isinstance(given, Literal) and isinstance(given.value, dict):
        return frame.transformed(str(k) for k in given.value)
    names = frame.names()
    if names is not None:
        return frame.transformed(names)
    return frame.derived("transform")


def _groupby(ev: Evaluator, frame: Frame, call: ast.Call) -> Value:
    return grouped(ev, frame, call)


def _pipe(ev: Evaluator, frame: Frame, call: ast.Call) -> Value:
    """``pipe(lambda d: ...)`` is followed; a named function is not."""
    function = call.args[0] if call.args else None
    if isinstance(function, ast.Lambda) and function.args.args and len(call.args) == 1:
        return ev.in_lambda(function, frame)
    return frame.opaque()


METHODS: dict[str, Method] = {
    "rename": _rename, "drop": _drop, "assign": _assign, "merge": _merge, "join": _join,
    "filter": _filter, "set_index": _set_index, "reset_index": _reset_index,
    "groupby": _groupby, "pipe": _pipe,
}

"""What the methods of a grouped frame return (``df.groupby("k")``, Spark ``groupBy``):
aggregations by name (``agg(total=("amount", "sum"))``), by column (``agg({"a": "sum"})``),
of every column (``sum()``, ``agg("sum")``) or of rows (``size()``, Spark ``count()``), and
``transform`` (one value per row). An aggregate is transformed from the column it reads;
the group keys are plain, in the index or (``as_index=False``, Spark) as the first columns."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import replace

from pytest_fft.docs.python_lineage.frames import Frame
from pytest_fft.docs.python_lineage.protocol import Evaluator
from pytest_fft.docs.python_lineage.series import CONSTANT, UNKNOWN, Series, combine
from pytest_fft.docs.python_lineage.syntax import keyword
from pytest_fft.docs.python_lineage.values import Grouped, Literal, Value

# Aggregations that apply to every column chosen, by name (``grouped.sum()``, ``agg("sum")``).
AGGREGATIONS = frozenset({"sum", "mean", "min", "max", "count", "median", "std", "var",
                          "first", "last", "nunique", "prod", "any", "all", "avg"})


def grouped(ev: Evaluator, frame: Frame, call: ast.Call, *, as_index: bool = True) -> Value:
    """``frame.groupby(keys, as_index=...)``: a grouped frame when the keys are names."""
    keys = ev.names_of(call.args[0] if call.args else keyword(call, "by"))
    flag = keyword(call, "as_index")
    if isinstance(flag, ast.Constant) and isinstance(flag.value, bool):
        as_index = flag.value
    return frame.opaque() if keys is None else Grouped(frame, tuple(keys), as_index)


def grouped_method(ev: Evaluator, group: Grouped, method: str, call: ast.Call) -> Value:
    """The value of ``group.<method>(...)``."""
    if method in ("agg", "aggregate"):
        return _agg(ev, group, call)
    if method in AGGREGATIONS:
        return _every(group, group.frame.spark and method == "count")
    if method == "size":  # a series of counts, a frame with as_index=False
        return _result(group, {"size": CONSTANT}) if not group.as_index else replace(
            CONSTANT, index=_keys(group))
    if method == "transform" and group.single and group.selection:
        return combine([group.frame.get(c) for c in (*group.selection, *group.keys)])
    return group.frame.opaque()


def select(group: Grouped, names: list[str], single: bool) -> Grouped:
    """``group["a"]`` (one column, a series) or ``group[["a", "b"]]``."""
    return replace(group, selection=tuple(names), single=single)


def _agg(ev: Evaluator, group: Grouped, call: ast.Call) -> Value:
    if group.frame.spark:
        with ev.within(group.frame):
            columns = [ev.value(a) for a in call.args]
        mapping = columns[0].value if len(columns) == 1 and isinstance(columns[0], Literal) \
            else None
        if isinstance(mapping, dict):  # agg({"amount": "sum"}) names it sum(amount)
            return _result(group, {f"{f}({c})": _of(group, c) for c, f in mapping.items()})
        named = {c.name: c for c in columns if isinstance(c, Series) and c.name}
        return _result(group, named, complete=len(named) == len(columns))
    if call.keywords and not call.args:  # agg(total=("amount", "sum"), n=pd.NamedAgg(...))
        return _result(group, {k.arg: _of(group, _column(ev, k.value, group))
                               for k in call.keywords if k.arg})
    argument = call.args[0] if call.args else keyword(call, "func")
    spec = ev.value(argument) if argument is not None else None
    if isinstance(spec, Literal) and isinstance(spec.value, str):
        return _every(group)
    if isinstance(spec, Literal) and isinstance(spec.value, dict) and all(
            isinstance(f, str) for f in spec.value.values()):
        return _result(group, {c: _of(group, c) for c in spec.value if isinstance(c, str)})
    return group.frame.opaque()  # several functions a column: a two-level header


def _column(ev: Evaluator, node: ast.expr, group: Grouped) -> str | None:
    """The column a named aggregation reads: ``("amount", "sum")``, ``pd.NamedAgg(column=
    "amount", aggfunc="sum")``, or (of one selected column) ``"sum"``."""
    if isinstance(node, ast.Call):
        found = keyword(node, "column")
        return ev.name_of(found if found is not None or not node.args else node.args[0])
    spec = ev.value(node)
    if isinstance(spec, Literal) and isinstance(spec.value, tuple) and len(spec.value) == 2:
        return spec.value[0] if isinstance(spec.value[0], str) else None
    return group.selection[0] if group.single and group.selection else None


def _of(group: Grouped, column: str | None) -> Series:
    """An aggregate of ``column``."""
    return UNKNOWN if column is None else combine([group.frame.get(column)])


def _every(group: Grouped, counted: bool = False) -> Value:
    """An aggregation of every column chosen (a Spark ``count()`` counts rows)."""
    if counted:
        return _result(group, {"count": CONSTANT})
    frame = group.frame
    names = list(group.selection) if group.selection is not None else frame.names()
    if names is None:  # the columns are not known: each is transformed
        keys = {k: frame.get(k) for k in group.keys}
        rest = frame.without(group.keys).derived("transform")
        return replace(rest, columns=keys) if not group.as_index else replace(rest, index=keys)
    if group.single and group.as_index:
        name = names[0]
        return replace(_of(group, name), name=name, index=_keys(group))
    return _result(group, {c: _of(group, c) for c in names if c not in group.keys})


def _result(group: Grouped, columns: Mapping[str, Series], complete: bool = True) -> Frame:
    """The frame of aggregates ``columns`` (incomplete: others, unnamed, are not known)."""
    keys = _keys(group)
    frame = group.frame.made(columns, keys) if group.as_index else group.frame.made(
        {**keys, **columns})
    return frame if complete else replace(frame, order=None, index={})


def _keys(group: Grouped) -> dict[str, Series]:
    return {k: group.frame.get(k) for k in group.keys}

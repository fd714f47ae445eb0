"""What the methods of a Spark DataFrame return (``select``, ``withColumn``,
``withColumnRenamed``, ``drop``, ``join``, ``groupBy``, ``union``, row filters), and the
column functions of ``pyspark.sql.functions`` (``F.col("a")``, ``F.sum("a")``,
``F.lit(1)``) read against the frame whose method they are arguments of."""

from __future__ import annotations

import ast
from dataclasses import replace

from pytest_fft.docs.python_lineage.frames import Frame
from pytest_fft.docs.python_lineage.grouping import grouped_method
from pytest_fft.docs.python_lineage.joins import merged, stacked
from pytest_fft.docs.python_lineage.protocol import Evaluator, Method
from pytest_fft.docs.python_lineage.series import CONSTANT, UNKNOWN, Series, combine
from pytest_fft.docs.python_lineage.syntax import keyword
from pytest_fft.docs.python_lineage.values import Grouped, Literal, Value

# Methods no pandas frame has: they make a frame a Spark one.
SPARK_ONLY = frozenset({"select", "withColumn", "withColumns", "withColumnRenamed",
                        "withColumnsRenamed", "groupBy", "unionByName", "toPandas",
                        "orderBy", "dropDuplicates", "distinct", "limit", "alias", "cache",
                        "persist", "repartition", "coalesce", "hint", "toDF", "selectExpr"})
# Methods that keep the columns and their values (rows filtered, ordered, cached).
_KEEPS = frozenset({"filter", "where", "orderBy", "sort", "dropDuplicates", "distinct",
                    "drop_duplicates", "limit", "alias", "cache", "persist", "repartition",
                    "coalesce", "hint", "sample", "dropna", "checkpoint", "localCheckpoint"})
# Column functions whose every string argument names a column; the others read their first
# (``F.sum("amount")``, ``F.regexp_replace("email", "@.*", "")``), or none (``F.lit``).
_ALL_COLUMNS = frozenset({"concat", "coalesce", "greatest", "least", "array", "struct",
                          "countDistinct", "count_distinct", "create_map"})
_NO_COLUMNS = frozenset({"lit", "when", "current_date", "current_timestamp", "expr",
                         "monotonically_increasing_id", "rand", "randn", "typedLit"})
_AFTER_THE_FIRST = frozenset({"concat_ws", "format_string"})  # (separator, *columns)


def _names_a_column(function: str, position: int) -> bool:
    """Whether a string at ``position`` of ``F.<function>(...)`` is a column name."""
    if function in _NO_COLUMNS:
        return False
    if function in _AFTER_THE_FIRST:
        return position > 0
    return position == 0 or function in _ALL_COLUMNS


def is_spark_method(frame: Frame, method: str) -> bool:
    return method in METHODS and (frame.spark or method in SPARK_ONLY)


def spark_method(ev: Evaluator, frame: Frame, method: str, call: ast.Call) -> Value:
    """The value of ``frame.<method>(...)`` on a Spark DataFrame."""
    return METHODS[method](ev, replace(frame, spark=True), call)


def column_function(ev: Evaluator, frame: Frame, name: str, call: ast.Call) -> Series:
    """``F.<name>(...)`` with ``frame`` the frame it is read against."""
    if name in ("col", "column"):
        column = ev.name_of(call.args[0]) if call.args else None
        return UNKNOWN if column is None else replace(frame.get(column), name=column)
    if name == "expr":
        return UNKNOWN
    parts = []
    for position, argument in enumerate(call.args):
        value = ev.value(argument)
        if isinstance(value, Literal) and isinstance(value.value, str) and _names_a_column(
                name, position):
            value = CONSTANT if value.value == "*" else frame.get(value.value)
        parts.append(ev.series(value))
    return combine(parts)


def _keep(ev: Evaluator, frame: Frame, call: ast.Call) -> Value:
    return frame


def _select(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    """``select("a", F.col("b").alias("c"), "*")``: unnamed expressions are left out (their
    name is Spark's), so the column list is then not complete."""
    items = [e for a in call.args for e in (a.elts if isinstance(a, ast.List) else [a])]
    result = frame.made({})
    complete = True
    with ev.within(frame):
        for item in items:
            value = ev.value(item)
            name = value.name() if isinstance(value, Literal) else (
                value.name if isinstance(value, Series) else None)
            if name == "*":
                for column in frame.names() or ():
                    result = result.with_column(column, frame.get(column))
                complete = complete and frame.names() is not None
            elif name is not None:
                read = frame.get(name) if isinstance(value, Literal) else ev.series(value)
                result = result.with_column(name, read)
            else:
                complete = False
    return result if complete else replace(result, order=None)


def _with_column(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    name = ev.name_of(call.args[0]) if call.args else None
    if name is None or len(call.args) < 2:
        return frame.opaque()
    with ev.within(frame):
        value = ev.series(ev.value(call.args[1]))
    return frame.with_column(name, value)


def _with_columns(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    mapping = call.args[0] if call.args else None
    if not isinstance(mapping, ast.Dict):
        return frame.opaque()
    with ev.within(frame):
        pairs = [(ev.name_of(k), ev.series(ev.value(v)))
                 for k, v in zip(mapping.keys, mapping.values, strict=True)]
    for name, value in pairs:
        if name is None:
            return frame.opaque()
        frame = frame.with_column(name, value)
    return frame


def _renamed(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    """``withColumnRenamed("a", "b")``."""
    old, new = (ev.name_of(a) for a in (*call.args, None, None)[:2])
    return frame.opaque() if old is None or new is None else frame.renamed({old: new})


def _renamed_many(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    """``withColumnsRenamed({"a": "b"})``."""
    mapping = ev.mapping_of(call.args[0] if call.args else None)
    return frame.opaque() if mapping is None else frame.renamed(mapping)


def _drop(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    """``drop("a", "b")`` (or ``drop(F.col("a"))``)."""
    with ev.within(frame):
        values = [ev.value(a) for a in call.args]
    names = [v.name() if isinstance(v, Literal) else v.name if isinstance(v, Series) else None
             for v in values]
    if any(n is None for n in names):
        return frame.opaque()
    return frame.without(n for n in names if n is not None)


def _join(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    """``join(other, on="id", how="left")``: a key named in ``on`` is one column; with a
    condition both sides' columns stay, and a name both have is ambiguous."""
    other = ev.value(call.args[0]) if call.args else None
    if not isinstance(other, Frame):
        return frame.opaque()
    on = keyword(call, "on") or (call.args[1] if len(call.args) > 1 else None)
    how = keyword(call, "how") or (call.args[2] if len(call.args) > 2 else None)
    names = [] if on is None else ev.names_of(on)
    keys = [(n, n) for n in names] if names is not None else []
    return merged(frame, other, keys, (ev.name_of(how) or "inner").lower())


def _union(ev: Evaluator, frame: Frame, call: ast.Call) -> Frame:
    """``union(other)`` (by position, taken as by name) and ``unionByName(other)``."""
    others = [ev.value(a) for a in call.args]
    frames = [o for o in others if isinstance(o, Frame)]
    return stacked([frame, *frames]) if len(frames) == len(others) == 1 else frame.opaque()


def _group_by(ev: Evaluator, frame: Frame, call: ast.Call) -> Value:
    items = [e for a in call.args for e in (a.elts if isinstance(a, ast.List) else [a])]
    with ev.within(frame):
        values = [ev.value(i) for i in items]
    keys = [v.name() if isinstance(v, Literal) else v.name if isinstance(v, Series) else None
            for v in values]
    if any(k is None for k in keys):
        return frame.opaque()
    return Grouped(frame, tuple(k for k in keys if k is not None), as_index=False)


def _agg(ev: Evaluator, frame: Frame, call: ast.Call) -> Value:
    """``df.agg(F.max("a").alias("m"))``: an aggregation of the whole frame."""
    return grouped_method(ev, Grouped(frame, (), as_index=False), "agg", call)


def _to_pandas(ev: Evaluator, frame: Frame, call: ast.Call) -> Value:
    return replace(frame, spark=False)


METHODS: dict[str, Method] = {
    **dict.fromkeys(_KEEPS, _keep),
    "select": _select, "withColumn": _with_column, "withColumns": _with_columns,
    "withColumnRenamed": _renamed, "withColumnsRenamed": _renamed_many, "drop": _drop,
    "join": _join, "union": _union, "unionByName": _union, "unionAll": _union,
    "groupBy": _group_by, "groupby": _group_by, "agg": _agg, "toPandas": _to_pandas,
}

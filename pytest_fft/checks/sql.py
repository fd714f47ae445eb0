"""One query per check, and the verdict on its single row.

:func:`check_sql` builds ONE query that returns exactly ONE row of scalars (two-table checks
use scalar subqueries or CTEs); the engine runs it; :func:`evaluate` turns the row into a
:class:`CheckOutcome` with a one-sentence message and the numbers behind it::

    sql = check_sql(spec, dialect_for("duckdb"))
    outcome = evaluate(spec, engine.query(sql)[0])
    # CheckOutcome(passed=False, message='users.id has 1 duplicate', metrics={'duplicates': 1})

What each check counts (nulls are never "bad values" except for ``not_null``):

* ``unique``: the surplus rows, ``count(col) - count(distinct col)``: for every non-null value
  that occurs n > 1 times, n - 1 rows. ``1, 1, 1, 2, 2`` has 3 duplicates.
* ``relationships``: child rows with a non-null key that no parent row has.
* ``reconcile_coverage``: distinct non-null source keys (after ``source_where``) that the
  target (after ``target_where``) lacks, via ``not exists`` (an anti-join).
* ``accepted_values``: rows outside the list, plus the five most frequent offending values.
* ``freshness``: minutes between ``max(column)`` and now; an empty column fails.
* ``non_negative_sum``: the sum of an empty table (NULL) passes.

Reconciliations (``left``/``right``) compare the two scalars in Python; a NULL side fails.

* ``reconcile_equal`` passes when **any** given tolerance holds: ``|L - R| <= abs_tolerance``
  or ``|L - R| / max(|R|, 1e-12) * 100 <= rel_tolerance_pct``. The spec calls both "optional
  tolerances"; reading them as alternatives is what ``math.isclose`` does and what
  FastFlowTransform does, and lets one check cover both tiny and huge totals. Without any
  tolerance the values must be equal (``|L - R| <= 1e-12``).
* ``reconcile_ratio_within``: ``min_ratio <= L / R <= max_ratio`` (inclusive); ``R = 0`` fails
  with its own message instead of dividing by an epsilon.
* ``reconcile_diff_within``: ``|L - R| <= max_abs_diff``.

Numbers are compared as :class:`~decimal.Decimal` (floats via their shortest ``repr``), so
``244.4 - 241.9`` is ``2.5`` and not ``2.5000000000000284``; :attr:`CheckOutcome.metrics`
holds plain ``int``/``float`` values for JSON.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pytest_fft.checks.dialect import Dialect
from pytest_fft.checks.spec import CheckNotSupportedError, CheckSpec
from pytest_fft.engines.registry import ENGINES

#: How many offending values an ``accepted_values`` failure lists.
TOP_VALUES = 5
_EPS = Decimal("1e-12")
_ROWS = "_fft_rows"


@dataclass(frozen=True)
class CheckOutcome:
    """The verdict of one check: ``message`` is one precise sentence (with numbers when it
    failed), ``metrics`` the numbers themselves."""

    passed: bool
    message: str
    metrics: Mapping[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# SQL
# ---------------------------------------------------------------------------------------------


def _scan(spec: CheckSpec, d: Dialect) -> str:
    """The checked relation, filtered by the check's ``where``, aliased ``_fft_rows``."""
    rel = d.relation(spec.tables[0])
    if spec.where:
        return f"(select * from {rel} where ({_snippet(spec.where)})) as {_ROWS}"
    return f"{rel} as {_ROWS}"


def _snippet(sql: str) -> str:
    """A trusted SQL snippet as written; a trailing ``-- comment`` must not eat our ``)``."""
    return sql + "\n" if "--" in sql else sql


def _where(snippet: str | None) -> str:
    return f" where ({_snippet(snippet)})" if snippet else ""


def _literal(value: Any, d: Dialect) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return _fmt(value)
    if isinstance(value, (date, datetime)):
        return d.string_literal(value.isoformat(sep=" ") if isinstance(value, datetime)
                                else value.isoformat())
    return d.string_literal(str(value))


def _count_where(condition: str, alias: str, spec: CheckSpec, d: Dialect) -> str:
    return f"select count(case when {condition} then 1 end) as {alias}\nfrom {_scan(spec, d)}"


def _sql_not_null(spec: CheckSpec, d: Dialect) -> str:
    col = d.quote(spec.column or "")
    return f"select count(*) - count({col}) as null_count\nfrom {_scan(spec, d)}"


def _sql_unique(spec: CheckSpec, d: Dialect) -> str:
    col = d.quote(spec.column or "")
    return f"select count({col}) - count(distinct {col}) as duplicates\nfrom {_scan(spec, d)}"


def _sql_greater_equal(spec: CheckSpec, d: Dialect) -> str:
    return _count_where(bad_row(spec, d), "failing_rows", spec, d)


def _sql_non_negative_sum(spec: CheckSpec, d: Dialect) -> str:
    return f"select sum({d.quote(spec.column or '')}) as total\nfrom {_scan(spec, d)}"


def _sql_row_count_between(spec: CheckSpec, d: Dialect) -> str:
    return f"select count(*) as row_count\nfrom {_scan(spec, d)}"


def _sql_freshness(spec: CheckSpec, d: Dialect) -> str:
    minutes = d.minutes_since(f"max({d.quote(spec.column or '')})")
    return f"select {minutes} as minutes_old\nfrom {_scan(spec, d)}"


def _sql_between(spec: CheckSpec, d: Dialect) -> str:
    return _count_where(bad_row(spec, d), "failing_rows", spec, d)


def _sql_regex_match(spec: CheckSpec, d: Dialect) -> str:
    return _count_where(bad_row(spec, d), "failing_rows", spec, d)


def _bad_greater_equal(spec: CheckSpec, d: Dialect) -> str:
    return f"{d.quote(spec.column or '')} < {_fmt(spec.params['threshold'])}"


def _bad_between(spec: CheckSpec, d: Dialect) -> str:
    col = d.quote(spec.column or "")
    low, high = spec.params["min"], spec.params["max"]
    parts = []
    if low is not None:
        parts.append(f"{col} < {_fmt(low)}")
    if high is not None:
        parts.append(f"{col} > {_fmt(high)}")
    return " or ".join(parts)


def _bad_regex_match(spec: CheckSpec, d: Dialect) -> str:
    col = d.quote(spec.column or "")
    match = d.regex_match(col, d.string_literal(spec.params["pattern"]))
    if match is None:
        with_regex = [n for n, s in ENGINES.items() if s.checks.regex_template is not None]
        raise CheckNotSupportedError(
            f"{spec.id}: the {d.name} engine does not support regex_match",
            node=spec.id, line=spec.line,
            hint=f"run this check on {', '.join(with_regex[:-1])} or {with_regex[-1]}, "
                 "or express it with accepted_values",
        )
    return f"{col} is not null and not {match}"


def _bad_accepted_values(spec: CheckSpec, d: Dialect) -> str:
    col = d.quote(spec.column or "")
    if not spec.params["values"]:
        return "1 = 0"  # no values given: nothing is outside them
    allowed = ", ".join(_literal(v, d) for v in spec.params["values"])
    return f"{col} is not null and {col} not in ({allowed})"


_BAD_ROW: Mapping[str, Callable[[CheckSpec, Dialect], str]] = {
    "greater_equal": _bad_greater_equal,
    "between": _bad_between,
    "regex_match": _bad_regex_match,
    "accepted_values": _bad_accepted_values,
}


def bad_row(spec: CheckSpec, d: Dialect) -> str:
    """The condition that makes one row of the checked table fail ``spec``, for the check
    types that count such rows (``greater_equal``, ``between``, ``regex_match``,
    ``accepted_values``).

    Raises :class:`~pytest_fft.checks.spec.CheckNotSupportedError` as :func:`check_sql`.
    """
    return _BAD_ROW[spec.type](spec, d)


def _sql_accepted_values(spec: CheckSpec, d: Dialect) -> str:
    col = d.quote(spec.column or "")
    values = spec.params["values"]
    shown = col
    if any(isinstance(v, bool) for v in values):
        # Not every engine has max(boolean) (Postgres does not): report the values as text.
        shown = f"cast({col} as {d.string_type})"
    picks = ",\n".join(
        f"  max(case when _fft_rank = {i} then _fft_value end) as value_{i},\n"
        f"  max(case when _fft_rank = {i} then _fft_n end) as count_{i}"
        for i in range(1, TOP_VALUES + 1)
    )
    return (
        "with _fft_bad as (\n"
        f"  select {shown} as _fft_value, count(*) as _fft_n\n"
        f"  from {_scan(spec, d)}\n"
        f"  where {bad_row(spec, d)}\n"
        f"  group by {shown}\n"
        "), _fft_ranked as (\n"
        "  select _fft_value, _fft_n,\n"
        "    row_number() over (order by _fft_n desc, _fft_value) as _fft_rank\n"
        "  from _fft_bad\n"
        ")\n"
        "select\n"
        "  coalesce(sum(_fft_n), 0) as failing_rows,\n"
        "  count(*) as failing_values,\n"
        f"{picks}\n"
        "from _fft_ranked"
    )


def _sql_relationships(spec: CheckSpec, d: Dialect) -> str:
    col = f"{_ROWS}.{d.quote(spec.column or '')}"
    parent = d.relation(spec.params["to"])
    field_ = f"_fft_parent.{d.quote(spec.params['field'])}"
    to_where = spec.params.get("to_where")
    parent_filter = f" and ({_snippet(to_where)})" if to_where else ""
    return (
        "select count(*) as orphans\n"
        f"from {_scan(spec, d)}\n"
        f"where {col} is not null\n"
        "  and not exists (\n"
        f"    select 1 from {parent} as _fft_parent where {field_} = {col}{parent_filter}\n"
        "  )"
    )


def _side_select(side: Mapping[str, Any], d: Dialect) -> str:
    expr = _snippet(side["expr"])
    return f"(select {expr} from {d.relation(side['table'])}{_where(side.get('where'))})"


def _sql_reconcile(spec: CheckSpec, d: Dialect) -> str:
    return (
        "select\n"
        f"  {_side_select(spec.params['left'], d)} as left_value,\n"
        f"  {_side_select(spec.params['right'], d)} as right_value"
    )


def _sql_reconcile_coverage(spec: CheckSpec, d: Dialect) -> str:
    p = spec.params
    src, tgt = p["source"], p["target"]
    return (
        "with _fft_source as (\n"
        f"  select {d.quote(src['key'])} as _fft_key from {d.relation(src['table'])}"
        f"{_where(p['source_where'])}\n"
        "), _fft_target as (\n"
        f"  select {d.quote(tgt['key'])} as _fft_key from {d.relation(tgt['table'])}"
        f"{_where(p['target_where'])}\n"
        ")\n"
        "select\n"
        "  (select count(distinct _fft_s._fft_key) from _fft_source as _fft_s\n"
        "   where _fft_s._fft_key is not null\n"
        "     and not exists (select 1 from _fft_target as _fft_t\n"
        "                     where _fft_t._fft_key = _fft_s._fft_key)) as missing_keys,\n"
        "  (select count(distinct _fft_key) from _fft_source) as source_keys"
    )


_SQL: Mapping[str, Callable[[CheckSpec, Dialect], str]] = {
    "not_null": _sql_not_null,
    "unique": _sql_unique,
    "greater_equal": _sql_greater_equal,
    "non_negative_sum": _sql_non_negative_sum,
    "row_count_between": _sql_row_count_between,
    "freshness": _sql_freshness,
    "accepted_values": _sql_accepted_values,
    "relationships": _sql_relationships,
    "between": _sql_between,
    "regex_match": _sql_regex_match,
    "reconcile_equal": _sql_reconcile,
    "reconcile_ratio_within": _sql_reconcile,
    "reconcile_diff_within": _sql_reconcile,
    "reconcile_coverage": _sql_reconcile_coverage,
}


def check_sql(spec: CheckSpec, dialect: Dialect) -> str:
    """The one query of ``spec`` in ``dialect``; it returns exactly one row of scalars.

    Raises :class:`~pytest_fft.checks.spec.CheckNotSupportedError` when the engine cannot
    express the check (``regex_match`` without regex support).
    """
    return _SQL[spec.type](spec, dialect)


# ---------------------------------------------------------------------------------------------
# numbers and words
# ---------------------------------------------------------------------------------------------


class _NotANumber(ValueError):
    pass


def _num(value: Any) -> int | Decimal | None:
    """An engine's scalar as ``int``/``Decimal`` (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _NotANumber(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _NotANumber(value)
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        as_float = float(value)
        if not math.isfinite(as_float):
            raise _NotANumber(value)
        return Decimal(repr(as_float))
    raise _NotANumber(value)


def _bound(value: Any) -> int | Decimal:
    """A check's numeric parameter (a tolerance, a limit), which the spec's parsing required."""
    number = _num(value)
    if number is None:
        raise _NotANumber(value)
    return number


def _count(value: Any) -> int:
    number = _num(value)
    return int(number) if number is not None else 0


def _fmt(value: Any) -> str:
    """A number as people write it: ``0``, ``2.5``, ``-3.5``, ``0.00001`` (no exponent)."""
    number = _num(value)
    if number is None:
        return "NULL"
    if isinstance(number, int):
        return str(number)
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _fixed(value: Decimal, places: int) -> str:
    return format(value, f".{places}f")


def _places(*written: Any) -> int:
    """Decimal places of the numbers as written (``0.001`` -> 3)."""
    most = 0
    for value in written:
        if value is None:
            continue
        text = _fmt(value)
        if "." in text:
            most = max(most, len(text.split(".", 1)[1]))
    return most


def _metric(value: int | Decimal | None) -> int | float | None:
    """For JSON: whole decimals written without a fraction (``12``) as int, others as float."""
    if value is None or isinstance(value, int):
        return value
    exponent = value.as_tuple().exponent  # 'n', 'N' or 'F' for NaN and infinity
    if isinstance(exponent, int) and exponent >= 0:
        return int(value)
    return float(value)


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _show(value: Any) -> str:
    """A value inside a message: text quoted, numbers plain."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, datetime):
        return repr(value.isoformat(sep=" "))
    if isinstance(value, date):
        return repr(value.isoformat())
    try:
        return _fmt(value)
    except _NotANumber:
        return repr(value)


def _col(spec: CheckSpec) -> str:
    return f"{spec.table}.{spec.column}"


# ---------------------------------------------------------------------------------------------
# verdicts
# ---------------------------------------------------------------------------------------------


def _eval_not_null(spec: CheckSpec, row: Sequence[Any]) -> CheckOutcome:
    n = _count(row[0])
    if n == 0:
        return CheckOutcome(True, f"{_col(spec)} has no null values", {"nulls": 0})
    noun = "null value" if n == 1 else "null values"
    return CheckOutcome(False, f"{_col(spec)} has {n} {noun}", {"nulls": n})


def _eval_unique(spec: CheckSpec, row: Sequence[Any]) -> CheckOutcome:
    n = _count(row[0])
    if n == 0:
        return CheckOutcome(True, f"{_col(spec)} is unique", {"duplicates": 0})
    noun = "duplicate" if n == 1 else "duplicates"
    return CheckOutcome(False, f"{_col(spec)} has {n} {noun}", {"duplicates": n})


def _eval_greater_equal(spec: CheckSpec, row: Sequence[Any]) -> CheckOutcome:
    n = _count(row[0])
    threshold = _fmt(spec.params["threshold"])
    metrics = {"failing_rows": n}
    if n == 0:
        return CheckOutcome(True, f"{_col(spec)}: all rows >= {threshold}", metrics)
    return CheckOutcome(False, f"{_col(spec)}: {_rows(n)} < {threshold}", metrics)


def _eval_non_negative_sum(spec: CheckSpec, row: Sequence[Any]) -> CheckOutcome:
    total = _num(row[0])
    metrics = {"sum": _metric(total)}
    if total is None:
        return CheckOutcome(True, f"{_col(spec)} has no values to sum", metrics)
    if total < 0:
        return CheckOutcome(False, f"{_col(spec)} sums to {_fmt(total)} (< 0)", metrics)
    return CheckOutcome(True, f"{_col(spec)} sums to {_fmt(total)}", metrics)


def _eval_row_count_between(spec: CheckSpec, row: Sequence[Any]) -> CheckOutcome:
    n = _count(row[0])
    low, high = spec.params["min"], spec.params["max"]
    metrics = {"rows": n, "min": low, "max": high}
    if high is None:
        expected = f"at least {low}"
    elif low == 0:
        expected = f"at most {high}"
    else:
        expected = f"between {low} and {high}"
    ok = n >= low and (high is None or n <= high)
    if ok:
        return CheckOutcome(True, f"{spec.table} has {_rows(n)} (expected {expected})", metrics)
    return CheckOutcome(False, f"{spec.table} has {_rows(n)}, expected {expected}", metrics)


def _eval_freshness(spec: CheckSpec, row: Sequence[Any]) -> CheckOutcome:
    minutes = _num(row[0])
    limit = spec.params["max_delay_minutes"]
    metrics = {"minutes": _metric(minutes), "max_delay_minutes": limit}
    if minutes is None:
        return CheckOutcome(False, f"{_col(spec)} has no values", metrics)
    age = f"{float(minutes):.1f}"
    if minutes > _bound(limit):
        return CheckOutcome(
            False, f"{_col(spec)} is {age} minutes old, max_delay_minutes {_fmt(limit)}", metrics)
    return CheckOutcome(
        True, f"{_col(spec)} is {age} minutes old (max_delay_minutes {_fmt(limit)})", metrics)


def _eval_accepted_values(spec: CheckSpec, row: Sequence[Any]) -> CheckOutcome:
    n, distinct = _count(row[0]), _count(row[1])
    allowed = "[" + ", ".join(_show(v) for v in spec.params["values"]) + "]"
    top = [(row[2 + 2 * i], _count(row[3 + 2 * i])) for i in range(TOP_VALUES)
           if row[3 + 2 * i] is not None]
    metrics = {"failing_rows": n, "failing_values": distinct,
               "top_values": [[_plain(v), c] for v, c in top]}
    if not spec.params["values"]:
        return CheckOutcome(True, f"{_col(spec)}: no values given, nothing to check", metrics)
    if n == 0:
        return CheckOutcome(True, f"{_col(spec)}: all values in {allowed}", metrics)
    listed = ", ".join(f"{_show(v)} ({c})" for v, c in top)
    if distinct > len(top):
        more = distinct - len(top)
        listed += f", and {more} more value" + ("" if more == 1 else "s")
    return CheckOutcome(False, f"{_col(spec)} has {_rows(n)} outside {allowed}: {listed}",
                        metrics)


def _plain(value: Any) -> Any:
    """A sample value made JSON-friendly."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Decimal):
        return _metric(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _eval_relationships(spec: CheckSpec, row: Sequence[Any]) -> CheckOutcome:
    n = _count(row[0])
    target = f"{spec.params['to']}.{spec.params['field']}"
    if n == 0:
        return CheckOutcome(True, f"every {_col(spec)} has a match in {target}", {"orphans": 0})
    return CheckOutcome(False, f"{_col(spec)} has {_rows(n)} without a match in {target}",
                        {"orphans": n})


def _eval_between(spec: CheckSpec, row: Sequence[Any]) -> CheckOutcome:
    n = _count(row[0])
    low, high = spec.params["min"], spec.params["max"]
    metrics = {"failing_rows": n}
    if low is not None and high is not None:
        bad, good = f"outside [{_fmt(low)}, {_fmt(high)}]", f"within [{_fmt(low)}, {_fmt(high)}]"
    elif low is not None:
        bad, good = f"< {_fmt(low)}", f">= {_fmt(low)}"
    else:
        bad, good = f"> {_fmt(high)}", f"<= {_fmt(high)}"
    if n == 0:
        return CheckOutcome(True, f"{_col(spec)}: all rows {good}", metrics)
    return CheckOutcome(False, f"{_col(spec)}: {_rows(n)} {bad}", metrics)


def _eval_regex_match(spec: CheckSpec, row: Sequence[Any]) -> CheckOutcome:
    n = _count(row[0])
    pattern = repr(spec.params["pattern"])
    if n == 0:
        return CheckOutcome(True, f"{_col(spec)}: all rows match {pattern}", {"failing_rows": 0})
    verb = "does not match" if n == 1 else "do not match"
    return CheckOutcome(False, f"{_col(spec)}: {_rows(n)} {verb} {pattern}", {"failing_rows": n})


def _sides(spec: CheckSpec, row: Sequence[Any]) -> tuple[str, Any, Any, CheckOutcome | None]:
    """The label, both sides as numbers, or a failed outcome when a side is unusable."""
    label = f"{spec.type} {spec.scope}"
    values = []
    for side, raw in (("left", row[0]), ("right", row[1])):
        try:
            number = _num(raw)
        except _NotANumber:
            return label, None, None, CheckOutcome(
                False, f"{label}: {side} is {raw!r}, not a number",
                {"left": _plain(row[0]), "right": _plain(row[1])})
        if number is None:
            expr = spec.params[side]["expr"]
            return label, None, None, CheckOutcome(
                False, f"{label}: {side} is NULL ({expr} on {spec.params[side]['table']} "
                       "returned no value)",
                {"left": _plain(row[0]), "right": _plain(row[1])})
        values.append(number)
    return label, values[0], values[1], None


def _eval_reconcile_equal(spec: CheckSpec, row: Sequence[Any]) -> CheckOutcome:
    label, left, right, broken = _sides(spec, row)
    if broken is not None:
        return broken
    abs_tol, rel_tol = spec.params["abs_tolerance"], spec.params["rel_tolerance_pct"]
    diff = abs(Decimal(left) - Decimal(right))
    rel_pct = diff / max(abs(Decimal(right)), _EPS) * 100
    metrics = {"left": _metric(left), "right": _metric(right), "diff": _metric(diff),
               "rel_diff_pct": float(rel_pct)}
    places = max(2, _places(abs_tol))
    if abs_tol is not None:
        # Show enough places that a failing diff visibly exceeds the tolerance.
        while places < 12 and diff > _bound(abs_tol) and \
                Decimal(_fixed(diff, places)) <= _bound(abs_tol):
            places += 1
    exact = isinstance(left, int) and isinstance(right, int)

    def show(value: int | Decimal) -> str:
        return str(int(value)) if exact else _fixed(Decimal(value), places)

    shown = f"left={show(left)} right={show(right)} diff={show(diff)}"
    pct = f"{float(rel_pct):.{max(2, _places(rel_tol) + 1)}f}%"
    abs_ok = abs_tol is not None and diff <= _bound(abs_tol)
    rel_ok = rel_tol is not None and rel_pct <= _bound(rel_tol)
    if abs_tol is None and rel_tol is None:
        if diff <= _EPS:
            return CheckOutcome(True, f"{label}: left=right={show(left)}", metrics)
        return CheckOutcome(False, f"{label}: {shown}, expected equal (no tolerance set)",
                            metrics)
    if abs_ok or rel_ok:
        return CheckOutcome(True, f"{label}: {shown} within tolerance", metrics)
    if rel_tol is None:
        why = f"> abs_tolerance {_fmt(abs_tol)}"
    elif abs_tol is None:
        why = f"({pct}) > rel_tolerance_pct {_fmt(rel_tol)}"
    else:
        why = f"> abs_tolerance {_fmt(abs_tol)} and {pct} > rel_tolerance_pct {_fmt(rel_tol)}"
    return CheckOutcome(False, f"{label}: {shown} {why}", metrics)


def _eval_reconcile_ratio_within(spec: CheckSpec, row: Sequence[Any]) -> CheckOutcome:
    label, left, right, broken = _sides(spec, row)
    if broken is not None:
        return broken
    low, high = spec.params["min_ratio"], spec.params["max_ratio"]
    bounds = f"[{_fmt(low)}, {_fmt(high)}]"
    if right == 0:
        return CheckOutcome(
            False, f"{label}: right is 0, so the ratio left/right is undefined "
                   f"(left={_fmt(left)})",
            {"left": _metric(left), "right": 0, "ratio": None})
    ratio = Decimal(left) / Decimal(right)
    metrics = {"left": _metric(left), "right": _metric(right), "ratio": float(ratio)}
    shown = f"ratio={ratio:.{max(4, _places(low, high))}f}"
    if _bound(low) <= ratio <= _bound(high):
        return CheckOutcome(True, f"{label}: {shown} within {bounds}", metrics)
    return CheckOutcome(False, f"{label}: {shown} outside {bounds}", metrics)


def _eval_reconcile_diff_within(spec: CheckSpec, row: Sequence[Any]) -> CheckOutcome:
    label, left, right, broken = _sides(spec, row)
    if broken is not None:
        return broken
    limit = spec.params["max_abs_diff"]
    diff = abs(Decimal(left) - Decimal(right))
    metrics = {"left": _metric(left), "right": _metric(right), "diff": _metric(diff)}
    if diff > _bound(limit):
        return CheckOutcome(False, f"{label}: diff={_fmt(diff)} > max_abs_diff {_fmt(limit)}",
                            metrics)
    return CheckOutcome(True, f"{label}: diff={_fmt(diff)} <= max_abs_diff {_fmt(limit)}",
                        metrics)


def _eval_reconcile_coverage(spec: CheckSpec, row: Sequence[Any]) -> CheckOutcome:
    missing, total = _count(row[0]), _count(row[1])
    source, target = spec.tables
    metrics = {"missing_keys": missing, "source_keys": total}
    label = f"{spec.type} {spec.scope}"
    if missing == 0:
        return CheckOutcome(True, f"{label}: every key of {source} is in {target}", metrics)
    noun = "key" if missing == 1 else "keys"
    return CheckOutcome(False, f"{label}: {missing} {noun} of {source} missing in {target}",
                        metrics)


_EVAL: Mapping[str, tuple[int, Callable[[CheckSpec, Sequence[Any]], CheckOutcome]]] = {
    "not_null": (1, _eval_not_null),
    "unique": (1, _eval_unique),
    "greater_equal": (1, _eval_greater_equal),
    "non_negative_sum": (1, _eval_non_negative_sum),
    "row_count_between": (1, _eval_row_count_between),
    "freshness": (1, _eval_freshness),
    "accepted_values": (2 + 2 * TOP_VALUES, _eval_accepted_values),
    "relationships": (1, _eval_relationships),
    "between": (1, _eval_between),
    "regex_match": (1, _eval_regex_match),
    "reconcile_equal": (2, _eval_reconcile_equal),
    "reconcile_ratio_within": (2, _eval_reconcile_ratio_within),
    "reconcile_diff_within": (2, _eval_reconcile_diff_within),
    "reconcile_coverage": (2, _eval_reconcile_coverage),
}


def row_width(spec: CheckSpec) -> int:
    """How many values the row of ``spec``'s :func:`check_sql` query holds."""
    return _EVAL[spec.type][0]


def evaluate(spec: CheckSpec, row: Sequence[Any]) -> CheckOutcome:
    """Pass or fail ``spec`` from the single row its :func:`check_sql` query returned.

    Raises ``ValueError`` when the row does not have the columns that query returns.
    """
    width, judge = _EVAL[spec.type]
    if len(row) != width:
        raise ValueError(f"{spec.id}: expected a row of {width} values from its check query, "
                         f"got {len(row)}: {tuple(row)!r}")
    try:
        return judge(spec, row)
    except _NotANumber as exc:
        return CheckOutcome(False, f"{spec.id}: the check query returned {exc.args[0]!r} "
                                   "where a number was expected", {})

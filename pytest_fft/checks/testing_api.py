"""What ``fastflowtransform.testing.base`` offers custom checks, written for pytest-fft.

Custom Python checks (``@dq_test`` in ``tests/**/*.ff.py``) import it as
``from fastflowtransform.testing import base as testing`` and call its helpers with the ``con``
they are given::

    total = testing._scalar(con, f"select count(*) from {table}")
    testing.not_null(con, table, column)          # raises testing.TestFailure when it fails

* ``_exec(con, sql)`` runs SQL (a string, or a list of them: the last one's result) and
  returns a result with ``fetchone()``/``fetchall()``; ``_scalar(con, sql)`` the first value
  of the first row (``None`` without rows); ``_scalar_where(con, table, expr, where)``;
* ``sql_list(values)`` a SQL list of literals (``'a', 1, NULL``);
* the built-in checks as functions that raise :class:`TestFailure` with the message the
  check would show: ``not_null``, ``unique``, ``accepted_values``, ``greater_equal``,
  ``non_negative_sum``, ``row_count_between``, ``freshness``, ``relationships``,
  ``between``, ``regex_match``, ``reconcile_equal``, ``reconcile_ratio_within``,
  ``reconcile_diff_within``, ``reconcile_coverage``. They build the same SQL as the checks
  of ``project.yml`` (names quoted for the engine of ``con``).

``con`` is a :class:`pytest_fft.checks.custom.Connection`; a DuckDB or psycopg connection
works too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pytest_fft.checks.custom import TestFailure

__all__ = [
    "TestFailure", "_exec", "_fail", "_pretty_sql", "_scalar", "_scalar_where", "_wrap_db_error",
    "accepted_values", "between", "freshness", "greater_equal", "non_negative_sum", "not_null",
    "reconcile_coverage", "reconcile_diff_within", "reconcile_equal", "reconcile_ratio_within",
    "regex_match", "relationships", "row_count_between", "sql_list", "unique",
]


def _exec(con: Any, sql: Any) -> Any:
    """Run ``sql`` (text, or a list of texts run in order) on ``con``; the last result."""
    if isinstance(sql, (list, tuple)) and not (len(sql) == 2 and isinstance(sql[1], dict)):
        result = None
        for statement in sql:
            result = _exec(con, statement)
        return result
    return con.execute(sql)


def _scalar(con: Any, sql: Any) -> Any:
    """The first value of the first row of ``sql`` (``None`` when it returns no row)."""
    result = _exec(con, sql)
    row = result.fetchone() if result is not None else None
    return None if row is None else row[0]


def _scalar_where(con: Any, table: str, expr: str, where: str | None = None) -> Any:
    """``select <expr> from <table> [where <where>]``, its one value."""
    return _scalar(con, f"select {expr} from {table}" + (f" where {where}" if where else ""))


def _pretty_sql(sql: Any) -> str:
    """SQL as one readable text (a list: one statement per line)."""
    if isinstance(sql, str):
        return sql.strip()
    if isinstance(sql, Sequence):
        return "\n".join(_pretty_sql(s) for s in sql)
    return repr(sql)


def _fail(check: str, table: str, column: str | None, sql: str, detail: str) -> None:
    """Raise :class:`TestFailure` ``[check] table.column: detail`` with the SQL."""
    where = f"{table}.{column}" if column else table
    raise TestFailure(f"[{check}] {where}: {detail}\nSQL:\n{sql.strip()}")


def _wrap_db_error(check: str, table: str, column: str | None, sql: str,
                   err: Exception) -> TestFailure:
    """A :class:`TestFailure` for a query that failed."""
    where = f"{table}.{column}" if column else table
    return TestFailure(f"[{check}] Error in {where}\nDB-Error: {type(err).__name__}: {err}\n"
                       f"SQL:\n{sql.strip()}")


def sql_list(values: Sequence[Any] | None) -> str:
    """``['a', 1, None]`` -> ``'a', 1, NULL`` (quotes doubled inside strings)."""

    def literal(value: Any) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"

    return ", ".join(literal(v) for v in (values or []))


# ---------------------------------------------------------------------------------------------
# the built-in checks as functions
# ---------------------------------------------------------------------------------------------


def _engine_of(con: Any) -> str:
    name = getattr(con, "engine_name", None)
    if isinstance(name, str):
        return name
    module = type(con).__module__.lower()
    return "postgres" if "psycopg" in module else "duckdb" if "duckdb" in module else module


def _check(con: Any, entry: dict[str, Any]) -> None:
    """Run the check ``entry`` (a ``tests:`` entry) on ``con``; raise TestFailure if it
    fails."""
    from pytest_fft.checks.dialect import dialect_for
    from pytest_fft.checks.spec import parse_check
    from pytest_fft.checks.sql import check_sql, evaluate

    clean = {k: v for k, v in entry.items() if v is not None}
    spec = parse_check(clean, display="fastflowtransform.testing")
    sql = check_sql(spec, dialect_for(_engine_of(con)))
    try:
        row = _exec(con, sql).fetchone()
    except Exception as exc:
        raise _wrap_db_error(spec.type, spec.tables[0], spec.column, sql, exc) from exc
    outcome = evaluate(spec, row)
    if not outcome.passed:
        raise TestFailure(outcome.message)


def not_null(con: Any, table: str, column: str, where: str | None = None) -> None:
    _check(con, {"type": "not_null", "table": table, "column": column, "where": where})


def unique(con: Any, table: str, column: str, where: str | None = None) -> None:
    _check(con, {"type": "unique", "table": table, "column": column, "where": where})


def accepted_values(con: Any, table: str, column: str, *, values: Sequence[Any],
                    where: str | None = None) -> None:
    if not values:  # as FastFlowTransform: nothing to accept is no check
        return
    _check(con, {"type": "accepted_values", "table": table, "column": column,
                 "values": list(values), "where": where})


def greater_equal(con: Any, table: str, column: str, threshold: float = 0) -> None:
    _check(con, {"type": "greater_equal", "table": table, "column": column,
                 "threshold": threshold})


def non_negative_sum(con: Any, table: str, column: str) -> None:
    _check(con, {"type": "non_negative_sum", "table": table, "column": column})


def row_count_between(con: Any, table: str, min_rows: int = 1,
                      max_rows: int | None = None) -> None:
    _check(con, {"type": "row_count_between", "table": table, "min_rows": min_rows,
                 "max_rows": max_rows})


def freshness(con: Any, table: str, ts_col: str, max_delay_minutes: float) -> None:
    _check(con, {"type": "freshness", "table": table, "column": ts_col,
                 "max_delay_minutes": max_delay_minutes})


def relationships(con: Any, table: str, field: str, to_table: str, to_field: str = "id",
                  where: str | None = None, to_where: str | None = None) -> None:
    _check(con, {"type": "relationships", "table": table, "column": field, "to": to_table,
                 "to_field": to_field, "where": where, "to_where": to_where})


def between(con: Any, table: str, column: str, min_value: float | None = None,
            max_value: float | None = None) -> None:
    _check(con, {"type": "between", "table": table, "column": column, "min": min_value,
                 "max": max_value})


def regex_match(con: Any, table: str, column: str, pattern: str,
                where: str | None = None) -> None:
    _check(con, {"type": "regex_match", "table": table, "column": column, "pattern": pattern,
                 "where": where})


def _sides(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    return {"left": {k: v for k, v in left.items() if v is not None},
            "right": {k: v for k, v in right.items() if v is not None}}


def reconcile_equal(con: Any, left: dict[str, Any], right: dict[str, Any],
                    abs_tolerance: float | None = None,
                    rel_tolerance_pct: float | None = None) -> None:
    _check(con, {"type": "reconcile_equal", **_sides(left, right),
                 "abs_tolerance": abs_tolerance, "rel_tolerance_pct": rel_tolerance_pct})


def reconcile_ratio_within(con: Any, left: dict[str, Any], right: dict[str, Any],
                           min_ratio: float, max_ratio: float) -> None:
    _check(con, {"type": "reconcile_ratio_within", **_sides(left, right),
                 "min_ratio": min_ratio, "max_ratio": max_ratio})


def reconcile_diff_within(con: Any, left: dict[str, Any], right: dict[str, Any],
                          max_abs_diff: float) -> None:
    _check(con, {"type": "reconcile_diff_within", **_sides(left, right),
                 "max_abs_diff": max_abs_diff})


def reconcile_coverage(con: Any, source: dict[str, Any], target: dict[str, Any],
                       source_where: str | None = None,
                       target_where: str | None = None) -> None:
    _check(con, {"type": "reconcile_coverage", "source": dict(source), "target": dict(target),
                 "source_where": source_where, "target_where": target_where})

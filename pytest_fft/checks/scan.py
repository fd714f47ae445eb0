"""Several checks of one table as ONE scan of it.

Most single-table checks are one aggregate over the rows of their table: ``not_null`` is
``count(*) - count(col)``, ``unique`` is ``count(col) - count(distinct col)``,
``non_negative_sum`` is ``sum(col)``, and so on. :func:`scan_sql` puts the aggregates of
several checks of the same table into one query; :func:`scan_rows` splits the one row it
returns into the row each check's own :func:`~pytest_fft.checks.sql.check_sql` query returns,
so :func:`~pytest_fft.checks.sql.evaluate` gives each check the verdict, message and numbers
its own query gives::

    sql = scan_sql(specs, dialect_for("duckdb"))
    rows = scan_rows(specs, engine.query(sql)[0])  # one per check; None: run its own query

A check's ``where`` moves into its own aggregates: each value it aggregates becomes
``case when (<where>) then <value> end``, which is NULL on the rows the ``where`` leaves out,
and every aggregate used here skips NULLs as if those rows were not there (``count(*)``
becomes ``count(case when (<where>) then 1 end)``). The result has the type and the value of
the aggregate over the filtered rows, also for a table or filter with no rows (``sum`` and
``max`` NULL, counts 0). The ``where`` is evaluated on each row of the same relation as in
the check's own query (``select * from <relation> where (<where>)``), so it reads the same
columns and the same names; loading the project made sure it is one expression. One that
cannot stand inside an aggregate (an aggregate or window function, which a ``where`` cannot
hold either) makes the scan fail, and its checks run their own queries. The ``where`` is not
parsed here: that would cost importing sqlglot (0.1-0.25 s) on every run.

``accepted_values`` joins a scan with its count of failing rows only: a count of 0 is the row
its own query returns on a passing table; any other count leaves the check to its own query,
which also lists the most frequent offending values.

What runs the scan (and each check's own query wherever the scan fails) is
:class:`pytest_fft.checks.runner.CheckRunner`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pytest_fft.checks.dialect import Dialect
from pytest_fft.checks.spec import CheckNotSupportedError, CheckSpec
from pytest_fft.checks.sql import TOP_VALUES, _snippet, bad_row


def _kept(spec: CheckSpec) -> Callable[[str], str]:
    """``value`` -> the value on the rows ``spec.where`` keeps, NULL on the others."""
    if not spec.where:
        return lambda value: value
    condition = _snippet(spec.where)
    return lambda value: f"case when ({condition}) then {value} end"


def _rows(spec: CheckSpec) -> str:
    return f"count({_kept(spec)('1')})" if spec.where else "count(*)"


def _agg_not_null(spec: CheckSpec, d: Dialect) -> str:
    return f"{_rows(spec)} - count({_kept(spec)(d.quote(spec.column or ''))})"


def _agg_unique(spec: CheckSpec, d: Dialect) -> str:
    col = _kept(spec)(d.quote(spec.column or ""))
    return f"count({col}) - count(distinct {col})"


def _agg_failing_rows(spec: CheckSpec, d: Dialect) -> str:
    # As check_sql's count(case when <bad> then 1 end), on the rows the where keeps.
    return f"count({_kept(spec)(f'case when {bad_row(spec, d)} then 1 end')})"


def _agg_non_negative_sum(spec: CheckSpec, d: Dialect) -> str:
    return f"sum({_kept(spec)(d.quote(spec.column or ''))})"


def _agg_row_count_between(spec: CheckSpec, d: Dialect) -> str:
    return _rows(spec)


def _agg_freshness(spec: CheckSpec, d: Dialect) -> str:
    return d.minutes_since(f"max({_kept(spec)(d.quote(spec.column or ''))})")


_AGGREGATE: Mapping[str, Callable[[CheckSpec, Dialect], str]] = {
    "not_null": _agg_not_null,
    "unique": _agg_unique,
    "greater_equal": _agg_failing_rows,
    "between": _agg_failing_rows,
    "regex_match": _agg_failing_rows,
    "accepted_values": _agg_failing_rows,
    "non_negative_sum": _agg_non_negative_sum,
    "row_count_between": _agg_row_count_between,
    "freshness": _agg_freshness,
}

#: The check types a scan can hold.
SCAN_TYPES: frozenset[str] = frozenset(_AGGREGATE)

#: The types whose scan value is not the whole row of their own query (see scan_rows).
PARTIAL_TYPES: frozenset[str] = frozenset({"accepted_values"})


def scannable(spec: CheckSpec, d: Dialect) -> bool:
    """Whether ``spec`` can join a scan of its table in dialect ``d``: a type of
    :data:`SCAN_TYPES` that ``d`` can express (``regex_match`` needs a regex)."""
    if spec.type not in _AGGREGATE:
        return False
    try:
        _AGGREGATE[spec.type](spec, d)
    except CheckNotSupportedError:  # its own query raises the error the check reports
        return False
    return True


def scan_sql(specs: Sequence[CheckSpec], d: Dialect) -> str:
    """One query over the table of ``specs`` (all of them :func:`scannable` checks of that
    one table), returning one row with one value per check, in the order of ``specs``."""
    tables = {spec.tables[0] for spec in specs}
    if len(tables) != 1:
        raise ValueError(f"a scan reads one table, not {sorted(tables)}")
    values = ",\n".join(f"  {_AGGREGATE[spec.type](spec, d)} as _fft_{i}"
                        for i, spec in enumerate(specs, 1))
    return f"select\n{values}\nfrom {d.relation(specs[0].tables[0])}"


def scan_rows(specs: Sequence[CheckSpec], row: Sequence[Any]
              ) -> list[tuple[Any, ...] | None]:
    """The row of :func:`scan_sql` split into the row each check's own query returns (for
    :func:`~pytest_fft.checks.sql.evaluate`), or None where only the check's own query has
    what its verdict needs (an ``accepted_values`` check with failing rows)."""
    if len(row) != len(specs):
        raise ValueError(f"expected a row of {len(specs)} values from the scan, "
                         f"got {len(row)}: {tuple(row)!r}")
    rows: list[tuple[Any, ...] | None] = []
    for spec, value in zip(specs, row, strict=True):
        if spec.type in PARTIAL_TYPES:
            # Its own query's row on a table without failing rows: no failing rows, no
            # failing values, no offending values to list.
            passing = value == 0 and not isinstance(value, bool)
            rows.append((0, 0, *([None] * (2 * TOP_VALUES))) if passing else None)
        else:
            rows.append((value,))
    return rows

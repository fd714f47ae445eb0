"""FastFlowTransform 0.6's engine-aware Jinja helpers: ``ff_date_trunc``, ``ff_date_add``,
``ff_safe_cast``, ``ff_partition_filter``, ``ff_partition_in``, ``ff_engine``,
``ff_engine_family``, ``ff_is_engine`` and the ``sql_literal`` filter.

Each helper takes SQL *text* (a column, an expression) and returns SQL text in the shape the
FastFlowTransform documentation gives for the engine ("golden SQL"), so a project renders the
same SQL as under FastFlowTransform. Values (partition bounds, ``sql_literal``) become
literals through sqlglot, quoted and escaped as the engine's dialect wants them.

>>> helpers = Stdlib("postgres")
>>> helpers.ff_date_add("order_ts", "day", 1)
"CAST(order_ts AS TIMESTAMP) + INTERVAL '1 day'"
>>> Stdlib("bigquery").ff_date_trunc("order_ts", "month")
'DATE_TRUNC(CAST(order_ts AS TIMESTAMP), MONTH)'
>>> Stdlib("duckdb").ff_partition_in("ds", ["2025-10-01", "it's"])
"ds IN ('2025-10-01', 'it''s')"
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from pytest_fft.errors import ProjectError

# Engine names as profiles and FastFlowTransform spell them -> the canonical key.
ENGINE_ALIASES = {
    "duckdb": "duckdb",
    "postgres": "postgres", "postgresql": "postgres", "psql": "postgres",
    "redshift": "redshift",
    "bigquery": "bigquery", "bq": "bigquery",
    "snowflake": "snowflake", "snowflake_snowpark": "snowflake", "sf": "snowflake",
    "spark": "spark", "databricks": "spark", "databricks_spark": "spark",
}
# The canonical key -> sqlglot's dialect, for literals.
_DIALECTS = {"duckdb": "duckdb", "postgres": "postgres", "redshift": "redshift",
             "bigquery": "bigquery", "snowflake": "snowflake", "spark": "spark"}
_PART = re.compile(r"[A-Za-z_]+\Z")
_CAST_CALL = re.compile(r"\A(?:safe_|try_)?cast\s*\(", re.I)
_CAST_SUFFIX = re.compile(r"::\s*(?:timestamp|timestamptz|date)\s*\Z", re.I)


class StdlibError(ProjectError):
    """A stdlib helper was called with an argument it cannot turn into SQL."""


def normalize_engine(engine: str | None) -> str:
    """The canonical key of an engine name: ``'generic'`` for none, aliases folded
    (``databricks_spark`` -> ``spark``), anything else in lower case.

    >>> normalize_engine("Databricks_Spark"), normalize_engine(None), normalize_engine("X")
    ('spark', 'generic', 'x')
    """
    key = (engine or "").strip().lower()
    return ENGINE_ALIASES.get(key, key) if key else "generic"


def engine_family(engine: str | None) -> str:
    """The engine's family; today the same as :func:`normalize_engine`."""
    return normalize_engine(engine)


def is_engine(engine: str | None, *candidates: str) -> bool:
    """Whether ``engine`` is one of ``candidates`` (names compared canonically)."""
    return normalize_engine(engine) in {normalize_engine(c) for c in candidates}


def sql_literal(value: Any, engine: str | None = None) -> str:
    """A Python value as a SQL literal of the engine's dialect: ``NULL``, ``TRUE``/``FALSE``,
    numbers as they are, text quoted and escaped, dates and times as quoted ISO text, anything
    else as quoted JSON. An undefined Jinja value is ``NULL``.

    >>> sql_literal("it's"), sql_literal(None), sql_literal(True), sql_literal(2.5)
    ("'it''s'", 'NULL', 'TRUE', '2.5')
    >>> sql_literal(dt.date(2024, 1, 31)), sql_literal("it's", "bigquery")
    ("'2024-01-31'", "'it\\\\'s'")
    """
    import jinja2

    if value is None or isinstance(value, jinja2.Undefined):
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, decimal.Decimal)):
        return str(value)
    if isinstance(value, str):
        text = value
    elif isinstance(value, (dt.date, dt.time)):  # datetime is a date: '2024-01-31 12:00:00'
        text = str(value)
    else:
        try:
            text = json.dumps(value, separators=(",", ":"), sort_keys=True)
        except TypeError:
            text = str(value)
    return _quoted(text, normalize_engine(engine))


def _quoted(text: str, engine: str) -> str:
    if "'" not in text and "\\" not in text:
        return f"'{text}'"  # the same in every dialect; sqlglot only where escaping differs
    from sqlglot import exp

    return exp.Literal.string(text).sql(dialect=_DIALECTS.get(engine))


def _sql_text(value: Any, what: str, helper: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise StdlibError(
            f"{helper}(): {what} must be SQL text such as 'order_ts', not {value!r}",
            hint=f"quote the column or expression: {helper}(\"order_ts\", ...)")
    return value.strip()


def _part(value: Any, helper: str) -> str:
    if not isinstance(value, str) or not _PART.match(value.strip()):
        raise StdlibError(f"{helper}(): the date part must be a word such as 'day' or "
                          f"'month', not {value!r}", hint="write 'day', 'week', 'month', ...")
    return value.strip().lower()


def _amount(value: Any, helper: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise StdlibError(f"{helper}(): the amount must be a whole number, not {value!r}",
                          hint=f"write {helper}(\"order_ts\", \"day\", 1)")
    try:
        return int(value)
    except ValueError:
        raise StdlibError(f"{helper}(): the amount must be a whole number, not {value!r}",
                          hint=f"write {helper}(\"order_ts\", \"day\", 1)") from None


def _is_cast(expr: str) -> bool:
    """Whether ``expr`` already casts: ``CAST(...)``/``SAFE_CAST(...)``/``TRY_CAST(...)`` as a
    whole, or a trailing ``::timestamp``/``::date``."""
    if _CAST_SUFFIX.search(expr):
        return True
    if not _CAST_CALL.match(expr) or not expr.endswith(")"):
        return False
    depth = 0
    for index, char in enumerate(expr):  # the call's parenthesis closes at the very end
        depth += (char == "(") - (char == ")")
        if depth == 0 and char == ")":
            return index == len(expr) - 1
    return False


def date_trunc(expr: str, part: str = "day", *, engine: str | None = None) -> str:
    """``date_trunc('day', CAST(expr AS TIMESTAMP))``; BigQuery:
    ``DATE_TRUNC(CAST(expr AS TIMESTAMP), DAY)``."""
    sql = _sql_text(expr, "the expression", "ff_date_trunc")
    unit = _part(part, "ff_date_trunc")
    if normalize_engine(engine) == "bigquery":
        return f"DATE_TRUNC(CAST({sql} AS TIMESTAMP), {unit.upper()})"
    return f"date_trunc('{unit}', CAST({sql} AS TIMESTAMP))"


def date_add(expr: str, part: str, amount: int, *, engine: str | None = None) -> str:
    """``expr`` plus ``amount`` ``part``\\ s, as the engine writes it (see the module's page
    in docs/models.md); an expression that already casts is not cast again."""
    sql = _sql_text(expr, "the expression", "ff_date_add")
    unit = _part(part, "ff_date_add")
    count = _amount(amount, "ff_date_add")
    eng = normalize_engine(engine)
    if eng == "spark":
        return f"date_add({sql}, {count})" if unit == "day" else \
            f"{sql} + INTERVAL {count} {unit.upper()}"
    if eng == "snowflake":
        return f"DATEADD({unit.upper()}, {count}, TO_TIMESTAMP({sql}))"
    base = sql if _is_cast(sql) else f"CAST({sql} AS TIMESTAMP)"
    if eng == "bigquery":
        return f"DATE_ADD({base}, INTERVAL {count} {unit.upper()})"
    if eng in ("duckdb", "postgres", "redshift", "generic"):
        return f"{base} + INTERVAL '{count} {unit}'"
    return f"{sql} + INTERVAL '{count} {unit}'"


_NUMERIC = ("numeric", "number", "decimal")


def safe_cast(expr: str, target_type: str, default: str | None = None, *,
              engine: str | None = None) -> str:
    """``try_cast`` (DuckDB), ``SAFE_CAST`` (BigQuery), ``TRY_CAST`` (Spark), else ``CAST``;
    ``numeric``/``number``/``decimal`` become ``NUMERIC`` (``NUMBER(38,10)`` on Snowflake,
    ``DECIMAL(38,10)`` on Spark, whose ``NUMERIC`` is ``DECIMAL(10,0)`` and would round
    ``10.5`` to ``11``); ``default`` (SQL text) wraps it in ``COALESCE(..., default)``."""
    sql = _sql_text(expr, "the expression", "ff_safe_cast")
    kind = _sql_text(target_type, "the type", "ff_safe_cast")
    eng = normalize_engine(engine)
    if kind.lower() in _NUMERIC:
        kind = {"snowflake": "NUMBER(38,10)", "spark": "DECIMAL(38,10)"}.get(eng, "NUMERIC")
    function = {"duckdb": "try_cast", "bigquery": "SAFE_CAST", "spark": "TRY_CAST"}.get(
        eng, "CAST")
    inner = f"{function}({sql} AS {kind})"
    if default is None:
        return inner
    fallback = str(default).strip()
    return f"COALESCE({inner}, {fallback})" if fallback else inner


def partition_filter(column: str, start: Any = None, end: Any = None, *,
                     engine: str | None = None) -> str:
    """``col BETWEEN a AND b``, ``col >= a``, ``col <= b``, or ``1=1`` without bounds; the
    bounds are Python values made literals."""
    col = _sql_text(column, "the column", "ff_partition_filter")
    low = None if _unset(start) else sql_literal(start, engine)
    high = None if _unset(end) else sql_literal(end, engine)
    if low is not None and high is not None:
        return f"{col} BETWEEN {low} AND {high}"
    if low is not None:
        return f"{col} >= {low}"
    if high is not None:
        return f"{col} <= {high}"
    return "1=1"


def partition_in(column: str, values: Iterable[Any] | None, *,
                 engine: str | None = None) -> str:
    """``col IN (a, b, ...)`` of Python values made literals; ``1=0`` for no values. One
    string is one value."""
    col = _sql_text(column, "the column", "ff_partition_in")
    if _unset(values):
        items: list[Any] = []
    elif isinstance(values, (str, bytes, dt.date)) or not isinstance(values, Iterable):
        items = [values]
    else:
        items = list(values)
    if not items:
        return "1=0"
    return f"{col} IN ({', '.join(sql_literal(v, engine) for v in items)})"


def _unset(value: Any) -> bool:
    import jinja2

    return value is None or isinstance(value, jinja2.Undefined)


class Stdlib:
    """The helpers bound to one engine, as templates call them; each also takes
    ``engine=`` to render for another engine."""

    def __init__(self, engine: str | None) -> None:
        self.engine_name = (engine or "").strip().lower() or None
        self.key = normalize_engine(engine)

    def _for(self, engine: str | None) -> str:
        return self.key if engine is None else engine

    def ff_date_trunc(self, expr: str, part: str = "day", *, engine: str | None = None) -> str:
        return date_trunc(expr, part, engine=self._for(engine))

    def ff_date_add(self, expr: str, part: str, amount: int, *,
                    engine: str | None = None) -> str:
        return date_add(expr, part, amount, engine=self._for(engine))

    def ff_safe_cast(self, expr: str, target_type: str, default: str | None = None, *,
                     engine: str | None = None) -> str:
        return safe_cast(expr, target_type, default, engine=self._for(engine))

    def ff_partition_filter(self, column: str, start: Any = None, end: Any = None, *,
                            engine: str | None = None) -> str:
        return partition_filter(column, start, end, engine=self._for(engine))

    def ff_partition_in(self, column: str, values: Iterable[Any] | None, *,
                        engine: str | None = None) -> str:
        return partition_in(column, values, engine=self._for(engine))

    def ff_engine(self, default: str | None = None) -> str:
        """The canonical key of the active engine (``'generic'`` when none is known, or
        ``default`` normalised)."""
        if self.key == "generic" and default is not None:
            return normalize_engine(default)
        return self.key

    def ff_engine_family(self, default: str | None = None) -> str:
        return engine_family(self.ff_engine(default))

    def ff_is_engine(self, *candidates: str) -> bool:
        return is_engine(self.key, *candidates)

    def engine(self, default: str | None = None) -> str | None:
        """FastFlowTransform's ``engine()``: the active profile's engine as it names it
        (``'duckdb'``, ``'databricks_spark'``), else ``default``."""
        return self.engine_name or default

    def sql_literal(self, value: Any, engine: str | None = None) -> str:
        return sql_literal(value, self._for(engine))

    def globals(self) -> dict[str, Callable[..., Any]]:
        """The Jinja globals: the ``ff_*`` helpers, ``engine`` and FastFlowTransform's
        engine-agnostic ``normalize_engine``, ``engine_family`` and ``is_engine``."""
        names = ("ff_date_trunc", "ff_date_add", "ff_safe_cast", "ff_partition_filter",
                 "ff_partition_in", "ff_engine", "ff_engine_family", "ff_is_engine", "engine")
        found: dict[str, Callable[..., Any]] = {name: getattr(self, name) for name in names}
        found.update(normalize_engine=normalize_engine, engine_family=engine_family,
                     is_engine=is_engine)
        return found

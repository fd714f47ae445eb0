"""Source freshness: how old the newest row of a source table is, against its rule.

A rule comes from ``sources.yml`` (:class:`~pytest_fft.project.sources.FreshnessRule`). One
query per table, through the engine: ``max(loaded_at_field)`` and the minutes since it::

    outcome = check_freshness(engine, source)
    # FreshnessOutcome(status='warn', minutes=95.2, message='crm.orders is 95.2 minutes old,
    #                  more than warn_after 60')

Statuses: ``ok`` (no older than ``warn_after``), ``warn`` (older than ``warn_after``, no
older than ``error_after``), ``error`` (older than ``error_after``, no value at all, or the
query could not run: a missing table or column).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pytest_fft.checks.dialect import dialect_for
from pytest_fft.errors import SelectionError
from pytest_fft.project.sources import Source

Status = Literal["ok", "warn", "error"]


@dataclass(frozen=True)
class FreshnessOutcome:
    """The verdict on one source table. ``minutes`` is its age (None when it has no rows
    or the query failed); ``loaded_at`` the newest value of ``loaded_at_field``."""

    source: Source
    status: Status
    message: str
    minutes: float | None = None
    loaded_at: Any = None
    ran: bool = True  # False: the query could not run (a missing table or column)

    @property
    def name(self) -> str:
        return f"{self.source.source_name}.{self.source.table_name}"


def rules(sources: Mapping[tuple[str, str], Source], select: Iterable[str] = (),
          exclude: Iterable[str] = ()) -> list[Source]:
    """The source tables with a freshness rule, sorted by name, narrowed like FastFlowTransform
    0.6's ``fft source freshness --select/--exclude``: ``source:crm`` (every table of a
    source), ``source:crm.orders``, ``tag:critical_source`` (the table's or its source's
    tags), or a bare ``crm.orders`` / ``crm.*`` / ``orders``. Several tokens add up;
    ``a,b`` matches what both match."""
    from pytest_fft.project.selectors import split_tokens

    found = [src for _, src in sorted(sources.items()) if src.freshness is not None]
    wanted = split_tokens(select)
    if wanted:
        found = [src for src in found if any(_matches(src, token) for token in wanted)]
    unwanted = split_tokens(exclude)
    return [src for src in found if not any(_matches(src, token) for token in unwanted)]


def _matches(source: Source, token: str) -> bool:
    if "," in token:
        return all(_matches(source, part) for part in token.split(","))
    method, sep, value = token.partition(":")
    full = f"{source.source_name}.{source.table_name}"
    if sep and method == "source":
        if "." in value:
            return fnmatch.fnmatchcase(full, value)
        return fnmatch.fnmatchcase(source.source_name, value)
    if sep and method == "tag":
        return value in source.tags
    if sep and method in ("path", "kind", "type", "state", "result"):
        raise SelectionError(
            f"{token!r} selects models, not source tables",
            hint="fft source freshness takes source:NAME, source:NAME.TABLE, tag:TAG or "
                 "NAME.TABLE")
    return any(fnmatch.fnmatchcase(name, token) for name in (full, source.table_name,
                                                               source.identifier))


def freshness_sql(source: Source, engine: Any) -> str:
    """``select max(col), <minutes since max(col)> from relation`` in the engine's SQL."""
    assert source.freshness is not None
    dialect = dialect_for(engine.name)
    column = f"max({dialect.quote(source.freshness.loaded_at_field)})"
    return (f"select {column} as last_loaded_at, {dialect.minutes_since(column)} as "
            f"minutes_old\nfrom {engine.quote(source.relation)}")


def check_freshness(engine: Any, source: Source) -> FreshnessOutcome:
    """Run the rule of ``source`` on ``engine`` (an open engine of the project's profile)."""
    rule = source.freshness
    assert rule is not None, "only sources with a freshness: rule are checked"
    name = f"{source.source_name}.{source.table_name}"
    if rule.problem is not None:
        return FreshnessOutcome(source, "error", f"sources.yml:{rule.line}: {rule.problem}",
                                ran=False)
    sql = freshness_sql(source, engine)
    try:
        row = engine.query(sql)[0]
    except Exception as exc:  # the engine's own words: a missing table or column
        missing = engine.existing_relations().missing([source.relation])
        if missing:
            said = (f"table {source.relation} does not exist: check the identifier and schema "
                    f"of {name} in sources.yml")
        else:
            said = (f"cannot read max({rule.loaded_at_field}) of {source.relation}: "
                    f"{str(exc).strip().splitlines()[0]}")
        return FreshnessOutcome(source, "error", said, ran=False)
    loaded_at, minutes = row[0], row[1]
    if minutes is None:
        return FreshnessOutcome(source, "error",
                                f"{name} has no value in {rule.loaded_at_field}", None, loaded_at)
    minutes = float(minutes)
    age = f"{name} is {minutes:.1f} minutes old"
    error, warn = rule.error_after_minutes, rule.warn_after_minutes
    if error is not None and minutes > error:
        return FreshnessOutcome(source, "error", f"{age}, more than error_after {_fmt(error)}",
                                minutes, loaded_at)
    if warn is not None and minutes > warn:
        return FreshnessOutcome(source, "warn", f"{age}, more than warn_after {_fmt(warn)}",
                                minutes, loaded_at)
    return FreshnessOutcome(source, "ok", f"{age} ({thresholds(source)})", minutes, loaded_at)


def thresholds(source: Source) -> str:
    """``warn_after 60, error_after 240`` (minutes)."""
    rule = source.freshness
    assert rule is not None
    parts = []
    if rule.warn_after_minutes is not None:
        parts.append(f"warn_after {_fmt(rule.warn_after_minutes)}")
    if rule.error_after_minutes is not None:
        parts.append(f"error_after {_fmt(rule.error_after_minutes)}")
    return ", ".join(parts)


def fmt_threshold(minutes: float | None) -> str:
    """A threshold as written: ``60``, ``0.5``, ``-`` when not set."""
    return _fmt(minutes)


def _fmt(minutes: float | None) -> str:
    if minutes is None:
        return "-"
    return str(int(minutes)) if float(minutes).is_integer() else f"{minutes:g}"


def fmt_minutes(minutes: float | None) -> str:
    """The age column of the summary: ``12.5`` minutes, ``-`` when unknown."""
    return "-" if minutes is None else f"{minutes:.1f}"

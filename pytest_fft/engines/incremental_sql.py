"""Applying an incremental model's delta to its table, in SQL that DuckDB and PostgreSQL share.

Inside one transaction of the engine's (a failure anywhere leaves the table as it was):

1. the delta's rows go into a staging table as they are (a temporary table where the engine
   has them, else one next to the target); when merging and a unique key is in it twice,
   they are staged again with one row per key (``DISTINCT ON``: the row with the latest
   ``updated_at`` wins; without ``updated_at`` one row per key). A delta is mostly a few
   rows per key at most once, so the check (one grouping of the staged rows) is what it
   usually costs;
2. the target's columns follow ``on_schema_change``: ``ignore`` (new columns of the delta
   are left out, missing ones stay NULL), ``append_new_columns`` (added to the target),
   ``sync_all_columns`` (added, and the target's columns the delta lacks dropped),
   ``fail`` (an error naming the columns);
3. ``merge``: the target's rows whose key is in the delta are deleted (NULL keys matching
   NULL keys); ``insert_overwrite``:
   the target's rows in a partition the delta has rows for (the same values of its
   ``partition_by`` columns, NULLs equal) are deleted, all of them without ``partition_by``;
   then the delta's rows are inserted (``append``: inserted only), a column whose type
   changed cast to the table's type;
4. the staging table is dropped.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

_stage_ids = itertools.count(1)


@dataclass(frozen=True)
class DeltaPlan:
    """How a delta is applied (the engine's view of a model's incremental configuration)."""

    strategy: str  # append | merge | insert_overwrite
    unique_key: tuple[str, ...] = ()
    updated_at: tuple[str, ...] = ()  # the columns that say which row is newer
    on_schema_change: str = "ignore"  # ignore | append_new_columns | sync_all_columns | fail
    partition_by: tuple[str, ...] = ()  # the partitions insert_overwrite replaces

    def missing_columns(self, names: Collection[str]) -> list[str]:
        """The columns the strategy matches on (the unique key of a merge, the partition
        columns of an overwrite) that the delta's columns ``names`` lack."""
        wanted = (self.unique_key if self.strategy == "merge"
                  else self.partition_by if self.strategy == "insert_overwrite" else ())
        return [c for c in wanted if c not in names]

    def missing_message(self, missing: list[str], names: Sequence[str]) -> str:
        what = "unique_key" if self.strategy == "merge" else "partition_by"
        return (f"the {what} column {', '.join(missing)} is not among the delta's columns "
                f"({', '.join(names)})")


class DeltaSession(Protocol):
    """What applying a delta needs of an engine, inside its open transaction."""

    def run(self, sql: str) -> int:
        """Run a statement; rows it affected (-1 when the engine does not say)."""

    def columns(self, full_name: str) -> list[tuple[str, str]]:
        """``(name, SQL type)`` of a relation's columns, in order."""

    def scalar(self, sql: str) -> int:
        """Run a query of one integer and return it."""

    def analyze(self, full_name: str) -> None:
        """Give the planner the statistics of a table just filled (a staging table), where
        the engine plans by them."""


class SchemaChangeError(ValueError):
    """The delta's columns differ from the table's and ``on_schema_change`` is ``fail``."""


def apply_delta(session: DeltaSession, *, target: str, stage: Callable[[], str],
                delta_sql: str, spec: DeltaPlan, quote: Callable[[str], str],
                create_stage: str = "create table") -> int:
    """Append or merge the rows of ``delta_sql`` into ``target`` (a full, quoted name);
    returns the number of rows written. ``stage()``: a new full, quoted name for a staging
    table, which ``create_stage`` makes (``create temporary table`` where the engine keeps
    those apart from the target's schema)."""
    staged = stage()
    session.run(f"{create_stage} {staged} as select * from (\n{delta_sql}\n) as fft_delta")
    delta_columns = session.columns(staged)
    names = {c for c, _ in delta_columns}
    missing = spec.missing_columns(names)
    if missing:
        raise ValueError(spec.missing_message(missing, [c for c, _ in delta_columns]))
    if spec.strategy == "merge" and spec.unique_key \
            and _repeats_a_key(session, staged, spec, quote):
        first, staged = staged, stage()
        session.run(f"{create_stage} {staged} as "
                    f"{one_per_key(f'select * from {first}', spec, quote)}")
        session.run(f"drop table {first}")
    session.analyze(staged)
    columns, table_types = _follow_schema(session, target, delta_columns, spec, quote)
    if spec.strategy == "merge":
        matches = " and ".join(f"{target}.{quote(k)} = {staged}.{quote(k)}"
                               for k in spec.unique_key)
        session.run(f"delete from {target} using {staged} where {matches}")
        # A NULL key is a key too (one row per key, NULLs equal, as DISTINCT ON has it); an
        # equality join, which the planner can hash, never matches it: those rows, if any,
        # are matched apart.
        any_null = " or ".join(f"{quote(k)} is null" for k in spec.unique_key)
        if session.scalar(f"select count(*) from {staged} where {any_null}") > 0:
            same = " and ".join(f"{target}.{quote(k)} is not distinct from fft_null.{quote(k)}"
                                for k in spec.unique_key)
            session.run(f"delete from {target} using (select * from {staged} where "
                        f"{any_null}) as fft_null where {same}")
    elif spec.strategy == "insert_overwrite" and spec.partition_by:
        same = " and ".join(f"{target}.{quote(c)} is not distinct from {staged}.{quote(c)}"
                            for c in spec.partition_by)
        session.run(f"delete from {target} where exists (select 1 from {staged} "
                    f"where {same})")
    elif spec.strategy == "insert_overwrite":
        session.run(f"delete from {target}")
    names_sql = ", ".join(quote(c) for c in columns)
    # A column whose type changed keeps the table's type: its values are cast to it.
    delta_types = dict(delta_columns)
    values_sql = ", ".join(
        f"cast({quote(c)} as {table_types[c]})"
        if c in table_types and delta_types[c].lower() != table_types[c].lower() else quote(c)
        for c in columns)
    written = session.run(f"insert into {target} ({names_sql}) select {values_sql} "
                          f"from {staged}")
    session.run(f"drop table {staged}")
    return written


def _repeats_a_key(session: DeltaSession, stage: str, spec: DeltaPlan,
                   quote: Callable[[str], str]) -> bool:
    """Whether a unique key is in the staged delta twice (NULLs equal, as ``DISTINCT ON``
    has them)."""
    grouped = ", ".join(quote(k) for k in spec.unique_key)
    return session.scalar(f"select count(*) from (select 1 from {stage} group by {grouped} "
                          "having count(*) > 1 limit 1) as fft_repeated") > 0


def one_per_key(select_sql: str, spec: DeltaPlan, quote: Callable[[str], str]) -> str:
    """``select_sql`` with one row per unique key: the one with the newest ``updated_at``
    (any one of them without ``updated_at`` columns). A merge's delta, and a merging
    model's full build, so that no key is ever in the table twice."""
    keys = ", ".join(quote(k) for k in spec.unique_key)
    newest = "".join(f", {quote(c)} desc nulls last" for c in spec.updated_at)
    return (f"select distinct on ({keys}) * from (\n{select_sql}\n) as fft_delta "
            f"order by {keys}{newest}")


@dataclass(frozen=True)
class SchemaChange:
    """What ``on_schema_change`` does to a table whose delta has other columns."""

    added: tuple[tuple[str, str], ...]  # (name, SQL type) of the delta's columns to add
    dropped: tuple[str, ...]  # the table's columns to drop
    columns: tuple[str, ...]  # the table's columns afterwards, in order


def schema_change(existing: list[tuple[str, str]], delta: list[tuple[str, str]],
                  policy: str) -> SchemaChange:
    """How the table's columns (``existing``) follow the delta's under ``policy``;
    :class:`SchemaChangeError` when they differ and the policy is ``fail``.

    >>> schema_change([("id", "int"), ("v", "int")], [("id", "int"), ("x", "text")],
    ...               "append_new_columns").columns
    ('id', 'v', 'x')
    """
    have = {name for name, _ in existing}
    delta_names = {name for name, _ in delta}
    new = [(name, kind) for name, kind in delta if name not in have]
    gone = [name for name, _ in existing if name not in delta_names]
    if policy == "fail" and (new or gone):
        said = [f"new in the delta: {', '.join(n for n, _ in new)}" if new else "",
                f"missing from the delta: {', '.join(gone)}" if gone else ""]
        raise SchemaChangeError(
            f"the columns changed ({'; '.join(s for s in said if s)}) and on_schema_change is "
            "fail; run with --full-refresh to rebuild the table, or choose "
            "append_new_columns or sync_all_columns")
    added = tuple(new) if policy in ("append_new_columns", "sync_all_columns") else ()
    dropped = tuple(gone) if policy == "sync_all_columns" else ()
    columns = tuple(name for name, _ in existing if name not in dropped)
    return SchemaChange(added, dropped, columns + tuple(name for name, _ in added))


def _follow_schema(session: DeltaSession, target: str, delta: list[tuple[str, str]],
                   spec: DeltaPlan, quote: Callable[[str], str],
                   ) -> tuple[list[str], dict[str, str]]:
    """Change the target's columns as ``on_schema_change`` says; the columns to insert, and
    the SQL type of each column the table had."""
    existing = session.columns(target)
    change = schema_change(existing, delta, spec.on_schema_change)
    for name, kind in change.added:
        session.run(f"alter table {target} add column {quote(name)} {kind}")
    for name in change.dropped:
        session.run(f"alter table {target} drop column {quote(name)}")
    have = set(change.columns)
    return [name for name, _ in delta if name in have], dict(existing)


def stage_name() -> str:
    """A name for a staging table of this process (unique across its threads)."""
    return f"_fft_delta_{os.getpid()}_{next(_stage_ids)}"


def run_rowcount(cursor: Any, sql: str) -> int:
    """Run ``sql`` on a DB-API cursor; the rows it affected, -1 when not known."""
    cursor.execute(sql)
    count = getattr(cursor, "rowcount", -1)
    return int(count) if isinstance(count, int) else -1

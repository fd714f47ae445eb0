"""Snapshots (type-2 slowly changing dimensions) in SQL that DuckDB and PostgreSQL share.

A snapshot table holds the columns of the snapshot's SELECT and four of its own:
``_ff_valid_from`` and ``_ff_valid_to`` (when a version became current, and stopped being;
NULL while it is current), ``_ff_is_current`` and ``_ff_updated_at`` (the ``updated_at``
value the version was taken at; the run's time for the ``check`` strategy).

A run, in one transaction of the engine's:

1. the SELECT's rows go into a staging table, one row per unique key (the newest
   ``updated_at`` wins);
2. the current version of every key whose row changed is closed (``_ff_valid_to`` = the
   run's time, ``_ff_is_current`` false). Changed means: ``timestamp`` strategy, its
   ``updated_at`` is later than the current version's; ``check`` strategy, one of its
   ``check_cols`` differs (NULLs compare as values);
3. a new current version is inserted for every key that has no current version now (the
   changed ones and the new ones). A key missing from the SELECT keeps its current version.

Pruning (``--prune --keep-last N``) then deletes all but the newest ``N`` versions of each key.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

META_COLUMNS = ("_ff_valid_from", "_ff_valid_to", "_ff_is_current", "_ff_updated_at")


@dataclass(frozen=True)
class SnapshotPlan:
    """How a snapshot detects a new version (the engine's view of its configuration)."""

    strategy: str  # timestamp | check
    unique_key: tuple[str, ...]
    updated_at: str | None = None  # the timestamp strategy's column
    check_cols: tuple[str, ...] = ()  # the check strategy's columns


@dataclass(frozen=True)
class SnapshotOutcome:
    """What a snapshot run did: versions opened and closed, old versions pruned."""

    opened: int
    closed: int
    pruned: int = 0
    dry_run: bool = False

    def describe(self) -> str:
        text = f"{self.opened} new version{'s' if self.opened != 1 else ''}, {self.closed} closed"
        if self.pruned or self.dry_run:
            verb = "would prune" if self.dry_run else "pruned"
            text += f"; {verb} {self.pruned} old version{'s' if self.pruned != 1 else ''}"
        return text


class SnapshotSession(Protocol):
    """What a snapshot run needs of an engine, inside its open transaction."""

    def run(self, sql: str) -> int:
        """Run a statement; rows it affected (-1 when the engine does not say)."""

    def scalar(self, sql: str) -> int:
        """The single number a query returns."""

    def columns(self, full_name: str) -> list[tuple[str, str]]:
        """``(name, SQL type)`` of a relation's columns, in order."""


class SnapshotHost(Protocol):
    """The engine a snapshot is taken on."""

    def relation_exists(self, relation: str) -> bool: ...

    def sql_transaction(self) -> AbstractContextManager[SnapshotSession]:
        """A transaction of the engine's: committed on leaving, rolled back on an error."""

    def qualified(self, name: str, beside: str | None = None) -> str:
        """``name`` quoted in full; with ``beside``, in that relation's schema."""


def take_snapshot(host: SnapshotHost, relation: str, select_sql: str, plan: SnapshotPlan,
                  run_at: datetime, *, keep_last: int | None, dry_run: bool,
                  quote: Callable[[str], str]) -> SnapshotOutcome:
    """Create the snapshot table or record what changed, then prune, in one transaction."""
    from pytest_fft.engines.incremental_sql import stage_name

    exists = host.relation_exists(relation)
    with host.sql_transaction() as session:
        target = host.qualified(relation)
        if not exists:
            opened = create_snapshot(session, target=target, select_sql=select_sql, plan=plan,
                                     run_at=run_at, quote=quote)
            outcome = SnapshotOutcome(opened=max(opened, 0), closed=0)
        else:
            outcome = update_snapshot(session, target=target,
                                      stage=host.qualified(stage_name(), relation),
                                      select_sql=select_sql, plan=plan, run_at=run_at,
                                      quote=quote)
        if keep_last is not None:
            pruned = prune_snapshot(session, target=target, plan=plan, keep_last=keep_last,
                                    dry_run=dry_run, quote=quote)
            outcome = SnapshotOutcome(outcome.opened, outcome.closed, pruned, dry_run)
        return outcome


def timestamp_literal(moment: datetime) -> str:
    return f"timestamp '{moment.strftime('%Y-%m-%d %H:%M:%S.%f')}'"


def create_snapshot(session: SnapshotSession, *, target: str, select_sql: str,
                    plan: SnapshotPlan, run_at: datetime, quote: Callable[[str], str]) -> int:
    """The first run: every key's row as its first current version; rows written."""
    now = timestamp_literal(run_at)
    written = session.run(
        f"create table {target} as select fft_src.*, {now} as _ff_valid_from, "
        f"cast(null as timestamp) as _ff_valid_to, true as _ff_is_current, "
        f"{_updated(plan, 'fft_src', now, quote)} as _ff_updated_at "
        f"from ({_one_per_key(select_sql, plan, quote)}) as fft_src")
    require_columns(plan, [name for name, _ in session.columns(target)])
    return written


def require_columns(plan: SnapshotPlan, columns: list[str]) -> None:
    """ValueError unless the SELECT has the columns the plan names (its transaction is then
    rolled back, on the first run as on later ones)."""
    missing = [c for c in (*plan.unique_key, *plan.check_cols,
                           *([plan.updated_at] if plan.updated_at else [])) if c not in columns]
    if missing:
        shown = [c for c in columns if c not in META_COLUMNS]
        raise ValueError(f"the snapshot's SELECT has no column {', '.join(missing)} "
                         f"(its columns: {', '.join(shown)})")


def update_snapshot(session: SnapshotSession, *, target: str, stage: str, select_sql: str,
                    plan: SnapshotPlan, run_at: datetime,
                    quote: Callable[[str], str]) -> SnapshotOutcome:
    """A later run: close the changed versions, open new ones (see the module)."""
    now = timestamp_literal(run_at)
    session.run(f"create table {stage} as {_one_per_key(select_sql, plan, quote)}")
    columns = [name for name, _ in session.columns(stage)]
    have = {name for name, _ in session.columns(target)}
    require_columns(plan, columns)
    same_key = " and ".join(f"{stage}.{quote(k)} = {target}.{quote(k)}" for k in plan.unique_key)
    changed = changed_condition(plan, stage, target, quote,
                                lambda new, old: f"{new} is distinct from {old}")
    closed = session.run(
        f"update {target} set _ff_valid_to = {now}, _ff_is_current = false "
        f"where _ff_is_current and exists (select 1 from {stage} where {same_key} "
        f"and ({changed}))")
    kept = [c for c in columns if c in have]  # a column new in the SELECT is left out
    names = ", ".join(quote(c) for c in kept)
    picked = ", ".join(f"{stage}.{quote(c)}" for c in kept)
    opened = session.run(
        f"insert into {target} ({names}, _ff_valid_from, _ff_valid_to, _ff_is_current, "
        f"_ff_updated_at) select {picked}, {now}, cast(null as timestamp), true, "
        f"{_updated(plan, stage, now, quote)} from {stage} where not exists (select 1 from "
        f"{target} where {target}._ff_is_current and {same_key})")
    session.run(f"drop table {stage}")
    return SnapshotOutcome(opened=max(opened, 0), closed=max(closed, 0))


def changed_condition(plan: SnapshotPlan, new: str, current: str, quote: Callable[[str], str],
                      differs: Callable[[str, str], str]) -> str:
    """When the SELECT's row (``new``, a table or alias) is a new version of the ``current``
    one: ``timestamp``, a later ``updated_at``; ``check``, one of ``check_cols`` ``differs``
    (the engine's NULL-safe comparison of two expressions)."""
    if plan.strategy == "timestamp":
        assert plan.updated_at is not None
        return f"{new}.{quote(plan.updated_at)} > {current}._ff_updated_at"
    return " or ".join(differs(f"{new}.{quote(c)}", f"{current}.{quote(c)}")
                       for c in plan.check_cols)


def prune_snapshot(session: SnapshotSession, *, target: str, plan: SnapshotPlan,
                   keep_last: int, dry_run: bool, quote: Callable[[str], str]) -> int:
    """Delete all but the newest ``keep_last`` versions of each key (or, ``dry_run``, count
    them); the versions pruned."""
    keys = ", ".join(quote(k) for k in plan.unique_key)
    ranked = (f"select {keys}, _ff_valid_from, row_number() over (partition by {keys} "
              f"order by _ff_valid_from desc) as fft_rank from {target}")
    if dry_run:
        return session.scalar(f"select count(*) from ({ranked}) as fft_old "
                              f"where fft_rank > {int(keep_last)}")
    same = " and ".join(f"{target}.{quote(k)} = fft_old.{quote(k)}" for k in plan.unique_key)
    return max(session.run(
        f"delete from {target} using ({ranked}) as fft_old where {same} and "
        f"{target}._ff_valid_from = fft_old._ff_valid_from and fft_old.fft_rank > "
        f"{int(keep_last)}"), 0)


def _one_per_key(select_sql: str, plan: SnapshotPlan, quote: Callable[[str], str]) -> str:
    keys = ", ".join(quote(k) for k in plan.unique_key)
    newest = f", {quote(plan.updated_at)} desc nulls last" if plan.updated_at else ""
    return (f"select distinct on ({keys}) * from (\n{select_sql}\n) as fft_rows "
            f"order by {keys}{newest}")


def _updated(plan: SnapshotPlan, table: str, now: str, quote: Callable[[str], str]) -> str:
    if plan.strategy == "timestamp" and plan.updated_at:
        return f"cast({table}.{quote(plan.updated_at)} as timestamp)"
    return now

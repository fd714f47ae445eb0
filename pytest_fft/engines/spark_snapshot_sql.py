"""Snapshots (type-2 history) on Spark, as SQL text (pure: no session).

Spark's own tables have no ``UPDATE`` or ``DELETE``, so a snapshot run builds the table
again from one SELECT and swaps it in, as a merge does (:mod:`.spark_sql`); the table has
the columns and meaning of :mod:`.snapshot_sql`'s (``_ff_valid_from``, ``_ff_valid_to``,
``_ff_is_current``, ``_ff_updated_at``), and a run does what it does there:

* the SELECT's rows, one per unique key (the newest ``updated_at`` wins), are paired with
  the current version of their key (:func:`paired`);
* a current version whose row changed (``timestamp``: a later ``updated_at``; ``check``:
  one of ``check_cols`` differs, NULLs compared as values) is closed at the run's time;
* a key without a current version, or whose row changed, gets a new current version; a key
  missing from the SELECT keeps its current version;
* pruning keeps the newest ``keep_last`` versions of each key.

Keys match with ``=``, as on the other engines: a row with a NULL key never matches one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from pytest_fft.engines.incremental_sql import DeltaPlan
from pytest_fft.engines.snapshot_sql import META_COLUMNS, SnapshotPlan, changed_condition
from pytest_fft.engines.spark_sql import one_per_key

Quote = Callable[[str], str]


def run_time(moment: datetime) -> str:
    """The run's time (naive UTC) as a timestamp without a time zone, as the session's
    timestamps are (:mod:`.spark_session`)."""
    return f"timestamp_ntz '{moment.strftime('%Y-%m-%d %H:%M:%S.%f')}'"


def _updated(plan: SnapshotPlan, alias: str, now: str, quote: Quote) -> str:
    if plan.strategy == "timestamp" and plan.updated_at:
        return f"cast({alias}.{quote(plan.updated_at)} as timestamp_ntz)"
    return now


def source_rows(select_sql: str, columns: Sequence[str], plan: SnapshotPlan,
                quote: Quote) -> str:
    """The SELECT's rows, one per unique key, the newest ``updated_at`` winning."""
    newest = (plan.updated_at,) if plan.updated_at else ()
    return one_per_key(select_sql, columns, DeltaPlan("merge", plan.unique_key, newest), quote)


def first_versions(select_sql: str, columns: Sequence[str], plan: SnapshotPlan,
                   run_at: datetime, quote: Quote) -> str:
    """The first run's table: every key's row as its first current version."""
    now = run_time(run_at)
    names = ", ".join(f"fft_src.{quote(c)}" for c in columns)
    return (f"select {names}, {now} as _ff_valid_from, cast(null as timestamp_ntz) as "
            f"_ff_valid_to, true as _ff_is_current, {_updated(plan, 'fft_src', now, quote)} "
            f"as _ff_updated_at from ({source_rows(select_sql, columns, plan, quote)}) "
            "as fft_src")


def paired(target: str, select_sql: str, columns: Sequence[str], plan: SnapshotPlan,
           quote: Quote) -> str:
    """The SELECT's rows (one per key) with ``fft_has_current`` (true, or NULL when the key
    has no current version) and ``fft_changed`` (whether it differs from that version)."""
    same_key = " and ".join(f"fft_src.{quote(k)} = fft_cur.{quote(k)}" for k in plan.unique_key)
    changed = changed_condition(plan, "fft_src", "fft_cur", quote,
                                lambda new, old: f"not ({new} <=> {old})")
    return (f"select fft_src.*, fft_cur._ff_is_current as fft_has_current, "
            f"coalesce({changed}, false) as fft_changed "
            f"from ({source_rows(select_sql, columns, plan, quote)}) as fft_src "
            f"left join (select * from {target} where _ff_is_current) as fft_cur "
            f"on {same_key}")


def counts(pairs: str) -> str:
    """One row: the versions a run opens, and those it closes."""
    return ("select count_if(fft_has_current is null or fft_changed), "
            f"count_if(fft_has_current and fft_changed) from ({pairs}) as fft_pairs")


def next_versions(target: str, table: Sequence[tuple[str, str]], source: Sequence[str],
                  pairs: str, plan: SnapshotPlan, run_at: datetime, quote: Quote) -> str:
    """The table after a later run: its versions (the changed ones closed), then the new
    current versions, in the table's columns (a column new in the SELECT is left out, one
    it lacks is NULL)."""
    now = run_time(run_at)
    data = [(name, kind) for name, kind in table if name not in META_COLUMNS]
    keys = ", ".join(f"{quote(k)} as fft_k{i}" for i, k in enumerate(plan.unique_key))
    match = " and ".join(f"fft_table.{quote(k)} = fft_closed.fft_k{i}"
                         for i, k in enumerate(plan.unique_key))
    kept = ", ".join(f"fft_table.{quote(name)}" for name, _ in data)
    new = ", ".join(f"fft_pairs.{quote(name)}" if name in source
                    else f"cast(null as {kind}) as {quote(name)}" for name, kind in data)
    return (
        f"with fft_pairs as ({pairs}),\n"
        f"fft_closed as (select {keys}, true as fft_close from fft_pairs "
        "where fft_has_current and fft_changed)\n"
        f"select {kept}, fft_table._ff_valid_from, "
        f"case when fft_closed.fft_close then {now} else fft_table._ff_valid_to end "
        "as _ff_valid_to, "
        "case when fft_closed.fft_close then false else fft_table._ff_is_current end "
        "as _ff_is_current, fft_table._ff_updated_at "
        f"from {target} as fft_table left join fft_closed "
        f"on fft_table._ff_is_current and {match}\n"
        "union all\n"
        f"select {new}, {now}, cast(null as timestamp_ntz), true, "
        f"{_updated(plan, 'fft_pairs', now, quote)} from fft_pairs "
        "where fft_has_current is null or fft_changed")


def ranked(versions: str, columns: Sequence[str], plan: SnapshotPlan, quote: Quote) -> str:
    """``versions`` (the table's ``columns``) with ``fft_rank``: 1 for each key's newest."""
    keys = ", ".join(quote(k) for k in plan.unique_key)
    names = ", ".join(quote(c) for c in columns)
    return (f"select {names}, row_number() over (partition by {keys} order by "
            f"_ff_valid_from desc) as fft_rank from ({versions}) as fft_versions")


def pruned(versions: str, columns: Sequence[str], plan: SnapshotPlan, keep_last: int,
           quote: Quote) -> str:
    """``versions`` without all but the newest ``keep_last`` versions of each key."""
    names = ", ".join(quote(c) for c in columns)
    return (f"select {names} from ({ranked(versions, columns, plan, quote)}) as fft_ranked "
            f"where fft_rank <= {int(keep_last)}")


def count_pruned(versions: str, columns: Sequence[str], plan: SnapshotPlan, keep_last: int,
                 quote: Quote) -> str:
    """How many versions pruning to ``keep_last`` drops."""
    return (f"select count(*) from ({ranked(versions, columns, plan, quote)}) as fft_ranked "
            f"where fft_rank > {int(keep_last)}")

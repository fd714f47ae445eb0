"""The SQL of incremental models on Spark, as text (pure: no session, no driver).

Spark's own tables (``parquet``, ``orc``, ...) have no ``MERGE``, ``DELETE`` or
``UPDATE``, so a delta that is not a plain append is applied by building the table again:

* ``merge``: the table's rows whose key is not in the delta (a null-safe anti join: NULL
  keys match each other), then the delta's rows, one per key (the newest ``updated_at``
  wins), into a new table that is then swapped in. Readers see the old table or the new
  one, never a half-applied delta;
* ``append``: ``INSERT INTO`` (Spark commits the new files at the end of the job), or a
  rebuild as above when the columns change;
* ``insert_overwrite``: a table partitioned by the model's ``partition_by`` takes an
  ``INSERT OVERWRITE`` in dynamic partition mode (:func:`insert_overwrite`: only the
  partitions the delta has rows for are replaced, when the job commits); otherwise (a
  table partitioned differently, changed columns, no ``partition_by``) the rebuild keeps
  the table's rows of the other partitions (none without ``partition_by``);
* ``on_schema_change`` decides the new table's columns (a column the delta lacks is NULL).

Tables that do keep versions (``delta``, ``iceberg``) take a ``MERGE INTO`` instead: see
:func:`merge_into`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pytest_fft.engines.incremental_sql import DeltaPlan, SchemaChange

Quote = Callable[[str], str]

#: The table formats whose tables take ``MERGE INTO`` (Spark's own need a rebuild).
MERGE_FORMATS = frozenset({"delta", "iceberg", "hudi"})


def one_per_key(select_sql: str, columns: Sequence[str], plan: DeltaPlan, quote: Quote) -> str:
    """``select_sql`` (whose columns are ``columns``) with one row per unique key: the row
    with the newest ``updated_at`` (any one without ``updated_at`` columns)."""
    keys = ", ".join(quote(k) for k in plan.unique_key)
    newest = ", ".join(f"{quote(c)} desc nulls last" for c in plan.updated_at) or keys
    names = ", ".join(quote(c) for c in columns)
    return (f"select {names} from (select *, row_number() over (partition by {keys} "
            f"order by {newest}) as `_fft_row` from ({select_sql}) as fft_rows) as fft_ranked "
            "where `_fft_row` = 1")


def rebuilt_table(target: str, delta_sql: str, delta_columns: Sequence[tuple[str, str]],
                  existing: Sequence[tuple[str, str]], change: SchemaChange,
                  plan: DeltaPlan, quote: Quote) -> str:
    """The SELECT of the table after the delta: its rows (all of them to append; those
    whose key the delta lacks to merge), then the delta's, with the columns of ``change``."""
    delta_names = [name for name, _ in delta_columns]
    delta_types = dict(delta_columns)
    table_types = dict(existing)

    def side(available: Sequence[str], types: dict[str, str]) -> str:
        return ", ".join(
            quote(c) if c in available
            else f"cast(null as {types.get(c) or delta_types.get(c) or 'string'}) as {quote(c)}"
            for c in change.columns)

    table_side = side([name for name, _ in existing], table_types)
    delta_side = side(delta_names, table_types)
    delta_rows = f"select * from ({delta_sql}) as fft_delta"
    if plan.strategy == "merge":
        delta_rows = one_per_key(delta_rows, delta_names, plan, quote)
        on = " and ".join(f"fft_table.{quote(k)} <=> fft_delta.{quote(k)}"
                          for k in plan.unique_key)
        kept = (f"select {table_side} from {target} as fft_table left anti join "
                f"({delta_rows}) as fft_delta on {on}")
    elif plan.strategy == "insert_overwrite" and not plan.partition_by:
        return f"select {delta_side} from ({delta_rows}) as fft_new"
    elif plan.strategy == "insert_overwrite":
        on = " and ".join(f"fft_table.{quote(c)} <=> fft_delta.{quote(c)}"
                          for c in plan.partition_by)
        kept = (f"select {table_side} from {target} as fft_table left anti join "
                f"({delta_rows}) as fft_delta on {on}")
    else:
        kept = f"select {table_side} from {target}"
    return f"{kept}\nunion all\nselect {delta_side} from ({delta_rows}) as fft_new"


def insert_into(target: str, delta_sql: str, columns: Sequence[str], quote: Quote) -> str:
    """An append of the delta's ``columns`` (the table's own, in its order)."""
    names = ", ".join(quote(c) for c in columns)
    return f"insert into {target} ({names}) select {names} from ({delta_sql}) as fft_delta"


def insert_overwrite(target: str, delta_sql: str, columns: Sequence[str], quote: Quote) -> str:
    """The delta's rows in place of the partitions they fall in, for a table partitioned by
    the model's ``partition_by`` (the session's ``partitionOverwriteMode`` is ``dynamic``;
    a column the delta lacks is NULL, as Spark fills an omitted column)."""
    names = ", ".join(quote(c) for c in columns)
    return (f"insert overwrite table {target} ({names}) select {names} "
            f"from ({delta_sql}) as fft_delta")


def partitioned_by(partition_by: Sequence[str], quote: Quote) -> str:
    """The ``PARTITIONED BY`` clause of a new table (empty without partition columns)."""
    if not partition_by:
        return ""
    return f" partitioned by ({', '.join(quote(c) for c in partition_by)})"


def merge_into(target: str, delta_sql: str, delta_columns: Sequence[str], plan: DeltaPlan,
               quote: Quote) -> str:
    """``MERGE INTO`` for a table format that versions its tables (Delta Lake, Iceberg):
    one statement, atomic in the format's log; the delta one row per key first."""
    source = one_per_key(f"select * from ({delta_sql}) as fft_delta", delta_columns, plan,
                         quote)
    on = " and ".join(f"fft_table.{quote(k)} <=> fft_delta.{quote(k)}"
                      for k in plan.unique_key)
    return (f"merge into {target} as fft_table using ({source}) as fft_delta on {on} "
            "when matched then update set * when not matched then insert *")

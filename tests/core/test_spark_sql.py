"""The SQL of incremental models on Spark, as text: what runs on Spark's own tables is also
run for real by the contract suite (tests/contract); ``MERGE INTO`` of Delta Lake and Iceberg
tables cannot run offline (their jars are not on PyPI), so its text is pinned here and parsed
by sqlglot in the Databricks dialect."""

from __future__ import annotations

import sqlglot

from pytest_fft.engines.incremental_sql import DeltaPlan, schema_change
from pytest_fft.engines.registry import engine_spec
from pytest_fft.engines.spark_sql import (
    insert_into,
    insert_overwrite,
    merge_into,
    one_per_key,
    partitioned_by,
    rebuilt_table,
)

Q = engine_spec("databricks_spark").quote
PLAN = DeltaPlan("merge", ("id",), ("updated_at",))


def test_one_per_key_ranks_by_the_newest_updated_at() -> None:
    sql = one_per_key("select * from d", ["id", "v", "updated_at"], PLAN, Q)
    assert sql == (
        "select `id`, `v`, `updated_at` from (select *, row_number() over (partition by `id` "
        "order by `updated_at` desc nulls last) as `_fft_row` from (select * from d) as "
        "fft_rows) as fft_ranked where `_fft_row` = 1")
    sqlglot.parse_one(sql, read="databricks")


def test_without_updated_at_any_row_per_key_wins() -> None:
    sql = one_per_key("select * from d", ["id"], DeltaPlan("merge", ("id", "part")), Q)
    assert "partition by `id`, `part` order by `id`, `part`" in sql


def test_merge_into_for_versioned_formats() -> None:
    sql = merge_into("`db`.`events`", "select * from src", ["id", "v", "updated_at"], PLAN, Q)
    assert sql.startswith("merge into `db`.`events` as fft_table using (select `id`, `v`, "
                          "`updated_at` from (select *, row_number() over (partition by `id`")
    assert sql.endswith("as fft_delta on fft_table.`id` <=> fft_delta.`id` when matched then "
                        "update set * when not matched then insert *")
    parsed = sqlglot.parse_one(sql, read="databricks")
    assert type(parsed).__name__ == "Merge"


def test_a_rebuilt_merge_keeps_the_rows_whose_key_the_delta_lacks() -> None:
    existing = [("id", "int"), ("v", "int"), ("updated_at", "int")]
    delta = [("id", "int"), ("updated_at", "int"), ("extra", "string")]
    change = schema_change(existing, delta, "append_new_columns")
    sql = rebuilt_table("`db`.`events`", "select 1", delta, existing, change, PLAN, Q)
    first, second = sql.split("\nunion all\n")
    # The table's side: its own columns, the new one NULL of the delta's type.
    assert first.startswith("select `id`, `v`, `updated_at`, cast(null as string) as `extra` "
                            "from `db`.`events` as fft_table left anti join (")
    assert first.endswith("on fft_table.`id` <=> fft_delta.`id`")
    # The delta's side: the column it lacks NULL of the table's type.
    assert second.startswith("select `id`, cast(null as int) as `v`, `updated_at`, `extra` "
                             "from (select `id`, `updated_at`, `extra` from (select *, "
                             "row_number()")
    sqlglot.parse_one(sql, read="databricks")


def test_a_rebuilt_append_keeps_every_row() -> None:
    existing = [("id", "int"), ("v", "int")]
    delta = [("id", "int")]
    change = schema_change(existing, delta, "sync_all_columns")
    sql = rebuilt_table("t", "select 1 as id", delta, existing, change,
                        DeltaPlan("append"), Q)
    assert sql == ("select `id` from t\nunion all\nselect `id` from (select * from "
                   "(select 1 as id) as fft_delta) as fft_new")


def test_insert_into_names_the_columns() -> None:
    assert insert_into("t", "select 1 as id", ["id", "v"], Q) == (
        "insert into t (`id`, `v`) select `id`, `v` from (select 1 as id) as fft_delta")


def test_insert_overwrite_names_the_columns_and_a_new_table_its_partitions() -> None:
    sql = insert_overwrite("`db`.`t`", "select 1 as id", ["id", "day"], Q)
    assert sql == ("insert overwrite table `db`.`t` (`id`, `day`) select `id`, `day` from "
                   "(select 1 as id) as fft_delta")
    sqlglot.parse_one(sql, read="databricks")
    assert partitioned_by(("day", "region"), Q) == " partitioned by (`day`, `region`)"
    assert partitioned_by((), Q) == ""


def test_a_rebuilt_overwrite_keeps_the_other_partitions_or_nothing() -> None:
    existing = [("id", "int"), ("day", "date")]
    change = schema_change(existing, existing, "ignore")
    plan = DeltaPlan("insert_overwrite", partition_by=("day",))
    sql = rebuilt_table("t", "select 1", existing, existing, change, plan, Q)
    first, _ = sql.split("\nunion all\n")
    assert first == ("select `id`, `day` from t as fft_table left anti join (select * from "
                     "(select 1) as fft_delta) as fft_delta on fft_table.`day` <=> "
                     "fft_delta.`day`")
    sqlglot.parse_one(sql, read="databricks")
    whole = rebuilt_table("t", "select 1", existing, existing, change,
                          DeltaPlan("insert_overwrite"), Q)
    assert whole == "select `id`, `day` from (select * from (select 1) as fft_delta) as fft_new"

"""The SQL of snapshots on Spark, as text; the contract suite runs it for real on a local
Spark (tests/contract), here its shape is pinned and parsed by sqlglot."""

from __future__ import annotations

from datetime import datetime

import sqlglot

from pytest_fft.engines import spark_snapshot_sql as snap
from pytest_fft.engines.registry import engine_spec
from pytest_fft.engines.snapshot_sql import SnapshotPlan

Q = engine_spec("databricks_spark").quote
AT = datetime(2024, 1, 2, 3, 4, 5)
CHECK = SnapshotPlan("check", ("id",), None, ("email", "tier"))
STAMP = SnapshotPlan("timestamp", ("id",), "updated_at")


def test_the_run_time_is_a_timestamp_without_a_zone() -> None:
    assert snap.run_time(AT) == "timestamp_ntz '2024-01-02 03:04:05.000000'"


def test_the_first_run_opens_one_version_per_key() -> None:
    sql = snap.first_versions("select * from src", ["id", "updated_at"], STAMP, AT, Q)
    assert sql.startswith("select fft_src.`id`, fft_src.`updated_at`, timestamp_ntz "
                          "'2024-01-02 03:04:05.000000' as _ff_valid_from, cast(null as "
                          "timestamp_ntz) as _ff_valid_to, true as _ff_is_current, "
                          "cast(fft_src.`updated_at` as timestamp_ntz) as _ff_updated_at")
    assert "row_number() over (partition by `id` order by `updated_at` desc nulls last)" in sql
    sqlglot.parse_one(sql, read="databricks")


def test_check_columns_compare_nulls_as_values() -> None:
    sql = snap.paired("`db`.`snap`", "select * from src", ["id", "email", "tier"], CHECK, Q)
    assert ("coalesce(not (fft_src.`email` <=> fft_cur.`email`) or not (fft_src.`tier` <=> "
            "fft_cur.`tier`), false) as fft_changed") in sql
    assert sql.endswith("left join (select * from `db`.`snap` where _ff_is_current) as "
                        "fft_cur on fft_src.`id` = fft_cur.`id`")
    sqlglot.parse_one(sql, read="databricks")


def test_a_later_run_closes_changed_versions_and_adds_new_ones_in_the_tables_columns() -> None:
    table = [("id", "bigint"), ("email", "string"), ("gone", "int"),
             ("_ff_valid_from", "timestamp_ntz"), ("_ff_valid_to", "timestamp_ntz"),
             ("_ff_is_current", "boolean"), ("_ff_updated_at", "timestamp_ntz")]
    pairs = snap.paired("t", "select * from src", ["id", "email", "added"], CHECK, Q)
    sql = snap.next_versions("t", table, ["id", "email", "added"], pairs, CHECK, AT, Q)
    kept, new = sql.split("\nunion all\n")
    assert ("case when fft_closed.fft_close then timestamp_ntz '2024-01-02 03:04:05.000000' "
            "else fft_table._ff_valid_to end as _ff_valid_to") in kept
    assert kept.endswith("from t as fft_table left join fft_closed on fft_table._ff_is_current "
                         "and fft_table.`id` = fft_closed.fft_k0")
    # The column the SELECT lacks is NULL of the table's type; the one it added is left out.
    assert new.startswith("select fft_pairs.`id`, fft_pairs.`email`, cast(null as int) as "
                          "`gone`, timestamp_ntz")
    assert "`added`" not in new
    assert new.endswith("where fft_has_current is null or fft_changed")
    sqlglot.parse_one(sql, read="databricks")


def test_pruning_keeps_the_newest_versions_of_each_key() -> None:
    sql = snap.pruned("select * from v", ["id", "_ff_valid_from"], CHECK, 2, Q)
    assert sql == ("select `id`, `_ff_valid_from` from (select `id`, `_ff_valid_from`, "
                   "row_number() over (partition by `id` order by _ff_valid_from desc) as "
                   "fft_rank from (select * from v) as fft_versions) as fft_ranked where "
                   "fft_rank <= 2")
    assert snap.count_pruned("select * from v", ["id"], CHECK, 2, Q).endswith(
        "where fft_rank > 2")

"""Incremental models through ``fft run``, on DuckDB, PostgreSQL and Spark: every spelling
applies only what changed, never duplicates a key, and leaves rows outside the delta alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import Warehouse

pytestmark = pytest.mark.warehouses("duckdb", "postgres", "spark")

EVENTS = ("event_id,updated_at,value\n1,2024-01-01 10:00:00,10\n2,2024-01-01 10:05:00,20\n"
          "3,2024-01-01 10:10:00,30\n")
# Event 2 changed (newer updated_at), event 4 is new, events 1 and 3 are as they were.
EVENTS_LATER = ("event_id,updated_at,value\n1,2024-01-01 10:00:00,10\n"
                "2,2024-01-02 09:00:00,21\n3,2024-01-01 10:10:00,30\n4,2024-01-02 10:00:00,40\n")

BASE = {
    "seeds/seed_events.csv": EVENTS,
    "sources.yml": "raw: {events: {identifier: seed_events}}\n",
    "models/events_base.ff.sql": "select event_id, updated_at, value "
                                 "from {{ source('raw', 'events') }}\n",
}

SPELLINGS = {
    "is_incremental": (
        ("{{ config(materialized='incremental', unique_key='event_id') }}\n"
        "select event_id, updated_at, value from {{ ref('events_base.ff') }}\n"
        "{% if is_incremental() %}\n"
        "where updated_at > (select max(updated_at) from {{ this }})\n"
        "{% endif %}\n"), {}),
    "incremental_dict": (
        ("{{ config(materialized='incremental', incremental={'enabled': true, "
        "'strategy': 'merge', 'unique_key': ['event_id'], 'updated_at_column': 'updated_at'}) }}\n"
        "select event_id, updated_at, value from {{ ref('events_base.ff') }}\n"), {}),
    "meta_delta_sql": (
        ("{{ config(materialized='table', meta={'incremental': True, 'unique_key': ['event_id'], "
        "'updated_at': 'updated_at', 'delta': {'sql': \"select event_id, updated_at, value "
        "from {{ ref('events_base') }} where updated_at > (select coalesce(max(updated_at), "
        "timestamp '1970-01-01 00:00:00') from {{ this }})\"}}) }}\n"
        "select event_id, updated_at, value from {{ ref('events_base') }};\n"), {}),
    "meta_delta_config": (
        ("{{ config(materialized='table', meta={'incremental': True, 'unique_key': ['event_id'], "
        "'updated_at': 'updated_at', "
        "'delta_config': 'config/incremental/fct.delta.yml'}) }}\n"
        "select event_id, updated_at, value from {{ ref('events_base') }}\n"),
        {"config/incremental/fct.delta.yml":
            "sql: |\n  select event_id, updated_at, value from {{ ref('events_base') }}\n"
            "  where updated_at > (select coalesce(max(updated_at), "
            "timestamp '1970-01-01 00:00:00') from {{ this }})\n"}),
    "project_yml": (
        "select event_id, updated_at, value from {{ ref('events_base.ff') }}\n",
        {"project.yml": "name: inc\nmodels:\n  incremental:\n    fct:\n"
                        "      unique_key: [event_id]\n      updated_at_column: updated_at\n"}),
    "python": (
        None,
        {"models/fct.ff.py":
            "from fastflowtransform import model\n\n"
            "@model(name='fct', deps=['events_base.ff'], meta={'materialized': "
            "'incremental', 'incremental': {'enabled': True, 'strategy': 'merge', "
            "'unique_key': ['event_id'], 'updated_at_column': 'updated_at'}})\n"
            "def build(df):\n    return df[['event_id', 'updated_at', 'value']]\n"}),
}


def _project(make_project: Callable[..., Path], warehouse: Warehouse, spelling: str) -> Path:
    sql, files = SPELLINGS[spelling]
    models = {"models/fct.ff.sql": sql} if sql is not None else {}
    return make_project({**BASE, **models, **files, "profiles.yml": warehouse.profile},
                        name="inc")


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_a_later_run_merges_only_what_changed(make_project: Callable[..., Path],
                                              warehouse: Warehouse, run_fft: Any,
                                              spelling: str) -> None:
    root = _project(make_project, warehouse, spelling)
    relation = "fct"
    assert run_fft("seed", str(root)).returncode == 0
    first = run_fft("run", str(root))
    assert first.returncode == 0, first.output
    assert warehouse.rows(root, f"select event_id, value from {relation} order by 1") == [
        (1, 10), (2, 20), (3, 30)]
    # A row written by hand, outside any delta, must survive the merge.
    warehouse.execute(root, f"insert into {relation} (event_id, value) values (99, 999)")
    (root / "seeds" / "seed_events.csv").write_text(EVENTS_LATER)
    assert run_fft("seed", str(root)).returncode == 0
    later = run_fft("run", str(root))
    assert later.returncode == 0, later.output
    assert warehouse.rows(root, f"select event_id, value from {relation} order by 1") == [
        (1, 10), (2, 21), (3, 30), (4, 40), (99, 999)]
    # Nothing new: nothing changes, and the model still runs (never "cached").
    again = run_fft("run", str(root))
    assert again.returncode == 0, again.output
    assert "cached" not in next(line for line in again.stdout.splitlines()
                            if line.startswith("✓ fct"))
    assert warehouse.rows(root, f"select count(*), count(distinct event_id) from {relation}") \
        == [(5, 5)]
    refreshed = run_fft("run", str(root), "--full-refresh")
    assert refreshed.returncode == 0, refreshed.output
    assert warehouse.rows(root, f"select event_id, value from {relation} order by 1") == [
        (1, 10), (2, 21), (3, 30), (4, 40)]


def test_a_merge_that_fails_leaves_the_table_as_it_was(make_project: Callable[..., Path],
                                                       warehouse: Warehouse,
                                                       run_fft: Any) -> None:
    root = _project(make_project, warehouse, "incremental_dict")
    assert run_fft("seed", str(root)).returncode == 0
    assert run_fft("run", str(root)).returncode == 0
    (root / "seeds" / "seed_events.csv").write_text(EVENTS_LATER)
    assert run_fft("seed", str(root)).returncode == 0
    # The delta divides by zero on the new row only: the merge fails after it started.
    (root / "models" / "fct.ff.sql").write_text(
        "{{ config(materialized='incremental', incremental={'unique_key': ['event_id'], "
        "'updated_at_column': 'updated_at', 'on_schema_change': 'ignore'}) }}\n"
        "select event_id, updated_at, value / (event_id - 4) as value "
        "from {{ ref('events_base.ff') }}\n")
    failed = run_fft("run", str(root))
    assert failed.returncode == 1, failed.output
    assert "fct.ff" in failed.output
    assert warehouse.rows(root, "select event_id, value from fct order by 1") == [
        (1, 10), (2, 20), (3, 30)]


def test_on_schema_change_fail_names_the_columns(make_project: Callable[..., Path],
                                                 warehouse: Warehouse, run_fft: Any) -> None:
    root = _project(make_project, warehouse, "incremental_dict")
    assert run_fft("seed", str(root)).returncode == 0
    assert run_fft("run", str(root)).returncode == 0
    (root / "models" / "fct.ff.sql").write_text(
        "{{ config(materialized='incremental', unique_key='event_id', "
        "on_schema_change='fail') }}\n"
        "select event_id, updated_at, value, 'x' as label from {{ ref('events_base.ff') }}\n")
    failed = run_fft("run", str(root))
    assert failed.returncode == 1, failed.output
    assert "new in the delta: label" in failed.output and "on_schema_change is fail" \
        in failed.output
    appended = (root / "models" / "fct.ff.sql").read_text().replace("'fail'",
                                                                    "'append_new_columns'")
    (root / "models" / "fct.ff.sql").write_text(appended)
    added = run_fft("run", str(root))
    assert added.returncode == 0, added.output
    assert warehouse.rows(root, "select event_id, label from fct order by 1") == [
        (1, "x"), (2, "x"), (3, "x")]


def test_an_edited_delta_config_file_is_read_again(make_project: Callable[..., Path],
                                                   warehouse: Warehouse, run_fft: Any) -> None:
    root = _project(make_project, warehouse, "meta_delta_config")
    assert run_fft("seed", str(root)).returncode == 0
    assert run_fft("run", str(root)).returncode == 0  # the project is kept in the parse cache
    (root / "config" / "incremental" / "fct.delta.yml").write_text(
        "sql: |\n  select event_id, updated_at, value + 1000 as value "
        "from {{ ref('events_base') }}\n")
    later = run_fft("run", str(root))
    assert later.returncode == 0, later.output
    assert warehouse.rows(root, "select event_id, value from fct order by 1") == [
        (1, 1010), (2, 1020), (3, 1030)]


@pytest.mark.parametrize("spelling", ["incremental_dict", "python"])
def test_a_full_build_keeps_one_row_per_key(make_project: Callable[..., Path],
                                            warehouse: Warehouse, run_fft: Any,
                                            spelling: str) -> None:
    root = _project(make_project, warehouse, spelling)
    # Event 2 twice: the later updated_at wins, in the first build as in a merge.
    (root / "seeds" / "seed_events.csv").write_text(EVENTS + "2,2024-01-03 00:00:00,22\n")
    assert run_fft("seed", str(root)).returncode == 0
    built = run_fft("run", str(root))
    assert built.returncode == 0, built.output
    assert warehouse.rows(root, "select event_id, value from fct order by 1") == [
        (1, 10), (2, 22), (3, 30)]
    refreshed = run_fft("run", str(root), "--full-refresh")
    assert refreshed.returncode == 0, refreshed.output
    assert warehouse.rows(root, "select count(*) from fct") == [(3,)]


def test_a_table_that_reads_an_incremental_model_sees_its_new_rows(
        make_project: Callable[..., Path], warehouse: Warehouse, run_fft: Any) -> None:
    root = _project(make_project, warehouse, "incremental_dict")
    (root / "models" / "fct_total.ff.sql").write_text(
        "select count(*) as events, sum(value) as total from {{ ref('fct.ff') }}\n")
    assert run_fft("seed", str(root)).returncode == 0
    assert run_fft("run", str(root)).returncode == 0
    # New rows arrive in the source table itself: no file, so no fingerprint, changes.
    warehouse.execute(root, "insert into seed_events values "
                            "(4, cast('2024-01-02 10:00:00' as timestamp), 40)")
    warehouse.execute(root, "insert into events_base select * from seed_events "
                            "where event_id = 4")
    later = run_fft("run", str(root), "--select", "fct.ff+")
    assert later.returncode == 0, later.output
    assert warehouse.rows(root, "select events, total from fct_total") == [(4, 100)]


def test_insert_overwrite_replaces_the_partitions_the_delta_has_rows_for(
        make_project: Callable[..., Path], warehouse: Warehouse, run_fft: Any) -> None:
    root = _project(make_project, warehouse, "incremental_dict")
    (root / "models" / "fct.ff.sql").write_text(
        "{{ config(materialized='incremental', incremental_strategy='insert_overwrite', "
        "partition_by=['day']) }}\n"
        "select event_id, cast(updated_at as date) as day, value "
        "from {{ ref('events_base.ff') }}\n"
        "{% if is_incremental() %}\n"
        "where cast(updated_at as date) >= (select max(day) from {{ this }})\n"
        "{% endif %}\n")
    assert run_fft("seed", str(root)).returncode == 0
    first = run_fft("run", str(root))
    assert first.returncode == 0, first.output
    # By hand: a row of a day the delta will have rows for (replaced), one of an older day
    # (kept).
    warehouse.execute(root, "insert into fct (event_id, day, value) values "
                            "(98, cast('2024-01-01' as date), 980), "
                            "(99, cast('2023-12-31' as date), 990)")
    (root / "seeds" / "seed_events.csv").write_text(EVENTS_LATER)
    assert run_fft("seed", str(root)).returncode == 0
    later = run_fft("run", str(root))
    assert later.returncode == 0, later.output
    assert warehouse.rows(root, "select event_id, cast(day as varchar(10)), value from fct "
                                "order by 1") == [
        (1, "2024-01-01", 10), (2, "2024-01-02", 21), (3, "2024-01-01", 30),
        (4, "2024-01-02", 40), (99, "2023-12-31", 990)]
    if warehouse.engine == "spark":  # laid out in partitions of the day
        assert warehouse.rows(root, "show partitions fct") == [
            ("day=2023-12-31",), ("day=2024-01-01",), ("day=2024-01-02",)]

"""Unit cases of incremental models through ``fft utest``: the delta a later run produces, the
table after it is merged, a failing case's diff, the spec error for a model that is not
incremental, the unit cache; on DuckDB, on PostgreSQL (``--engine postgres``) and on Spark."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ORDERS_SQL = """\
{{ config(materialized='incremental', unique_key='order_id') }}
select order_id, status, updated_at from {{ ref('stg_orders') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}
"""

SPEC = """\
model: fct_orders

defaults:
  is_incremental: true
  inputs:
    stg_orders:
      rows:
        - {order_id: 1, status: placed,  updated_at: 2024-01-01 09:00:00}
        - {order_id: 2, status: shipped, updated_at: 2024-01-02 08:00:00}
        - {order_id: 3, status: placed,  updated_at: 2024-01-02 09:00:00}
    this:
      rows:
        - {order_id: 1, status: placed, updated_at: 2024-01-01 09:00:00}
        - {order_id: 2, status: placed, updated_at: 2024-01-01 10:00:00}
  expect:
    order_by: [order_id]

cases:
  - name: only_newer_rows
    expect:
      rows:
        - {order_id: 2, status: shipped, updated_at: 2024-01-02 08:00:00}
        - {order_id: 3, status: placed,  updated_at: 2024-01-02 09:00:00}

  - name: merged_into_this
    expect:
      after_merge: true
      rows:
        - {order_id: 1, status: placed,  updated_at: 2024-01-01 09:00:00}
        - {order_id: 2, status: shipped, updated_at: 2024-01-02 08:00:00}
        - {order_id: 3, status: placed,  updated_at: 2024-01-02 09:00:00}

  - name: dbt_spelling
    overrides:
      macros:
        is_incremental: true
    expect:
      rows:
        - {order_id: 2, status: shipped, updated_at: 2024-01-02 08:00:00}
        - {order_id: 3, status: placed,  updated_at: 2024-01-02 09:00:00}
"""

# Expects the old row of order 1 in the delta too: the delta has only what is newer.
WRONG = """\
  - name: wrong_delta
    expect:
      rows:
        - {order_id: 1, status: placed,  updated_at: 2024-01-01 09:00:00}
        - {order_id: 2, status: placed,  updated_at: 2024-01-02 08:00:00}
        - {order_id: 3, status: placed,  updated_at: 2024-01-02 09:00:00}
"""

WRONG_DIFF = """\
✗ wrong_delta
unit case wrong_delta of fct_orders.ff (tests/unit/fct_orders.yml:41):
--- expected
+++ actual
order_id,status,updated_at
-2,placed,2024-01-02 08:00:00
+2,shipped,2024-01-02 08:00:00
-1,placed,2024-01-01 09:00:00
"""


def _project(make_project: Callable[..., Path], *, wrong: bool = False) -> Path:
    return make_project({
        "models/stg_orders.ff.sql": "select 1 as order_id, 'placed' as status, "
                                    "timestamp '2024-01-01 09:00:00' as updated_at\n",
        "models/fct_orders.ff.sql": ORDERS_SQL,
        "tests/unit/fct_orders.yml": SPEC + (WRONG if wrong else ""),
    }, name="shop")


def _case_lines(stdout: str) -> list[str]:
    return sorted(" ".join(line.split()[:2]) + (" failed" if line.endswith("failed") else "")
                  for line in stdout.splitlines() if line[:1] in "✓✗")


def test_delta_and_after_merge_cases_pass_on_duckdb(make_project: Callable[..., Path],
                                                     run_fft: Any) -> None:
    root = _project(make_project)
    result = run_fft("utest", str(root))
    assert result.returncode == 0, result.output
    assert _case_lines(result.stdout) == ["✓ dbt_spelling", "✓ merged_into_this",
                                          "✓ only_newer_rows"]
    assert "Done: 3 ok" in result.stdout
    assert not (root / ".local").exists()  # no warehouse was opened


def test_a_failing_delta_case_shows_its_diff_and_exits_2(make_project: Callable[..., Path],
                                                         run_fft: Any) -> None:
    root = _project(make_project, wrong=True)
    result = run_fft("utest", str(root))
    assert result.returncode == 2, result.output
    assert _case_lines(result.stdout) == ["✓ dbt_spelling", "✓ merged_into_this",
                                          "✓ only_newer_rows", "✗ wrong_delta failed"]
    assert WRONG_DIFF in result.stderr
    assert "Done: 3 ok, 1 failed" in result.stdout


def test_is_incremental_on_a_table_model_is_a_spec_error(make_project: Callable[..., Path],
                                                         run_fft: Any) -> None:
    root = _project(make_project)
    (root / "tests" / "unit" / "stg_orders.yml").write_text(
        "model: stg_orders\n"
        "cases:\n"
        "  - name: not_incremental\n"
        "    is_incremental: true\n"
        "    expect: {rows: [{order_id: 1}]}\n")
    result = run_fft("utest", str(root))
    assert result.returncode == 1, result.output
    assert ("✗ not_incremental\n"
            "case not_incremental: is_incremental is true, but stg_orders.ff is not an "
            "incremental model (it is materialized as table)\n"
            "  at tests/unit/stg_orders.yml:4\n"
            "  fix: make stg_orders.ff incremental (materialized='incremental', with a "
            "unique_key to merge on), or remove is_incremental from the case\n") in result.stderr
    assert "Project error" not in result.output
    assert "✓ only_newer_rows" in result.stdout  # the other cases ran


def test_the_unit_cache_sees_a_new_unique_key(make_project: Callable[..., Path],
                                              run_fft: Any) -> None:
    """The unique_key lives in config(), which the model's SELECT does not show: an
    incremental case's key covers how the delta is applied too."""
    root = _project(make_project)
    first = run_fft("utest", str(root), "--cache", "rw")
    assert first.returncode == 0, first.output
    again = run_fft("utest", str(root), "--cache", "rw")
    assert "Done: 0 ok, 3 cached" in again.stdout, again.output
    model = root / "models" / "fct_orders.ff.sql"
    model.write_text(model.read_text().replace("unique_key='order_id'",
                                               "unique_key=['order_id', 'status']"))
    changed = run_fft("utest", str(root), "--cache", "rw")
    # Merged on (order_id, status), order 2 keeps its old row next to the new one.
    assert changed.returncode == 2, changed.output
    assert "Done: 2 ok, 1 failed" in changed.stdout
    assert "+2,placed,2024-01-01 10:00:00\n" in changed.stderr


def test_delta_and_after_merge_cases_on_postgres(make_project: Callable[..., Path],
                                                 run_fft: Any,
                                                 pg_schema: tuple[str, str]) -> None:
    import psycopg

    dsn, schema = pg_schema
    root = _project(make_project, wrong=True)
    env = {"FF_PG_DSN": dsn, "FF_PG_SCHEMA": schema}
    result = run_fft("utest", str(root), "--engine", "postgres", env=env)
    assert result.returncode == 2, result.output
    assert "private schemas on PG · 4 cases" in result.stdout
    assert _case_lines(result.stdout) == ["✓ dbt_spelling", "✓ merged_into_this",
                                          "✓ only_newer_rows", "✗ wrong_delta failed"]
    assert all(line.split()[2] == "PG" for line in result.stdout.splitlines()
               if line[:1] in "✓✗")
    assert WRONG_DIFF in result.stderr
    passing = run_fft("utest", str(root), "--engine", "postgres", "--case", "merged_into_this",
                      "--case", "only_newer_rows", env=env)
    assert passing.returncode == 0, passing.output
    assert "Done: 2 ok" in passing.stdout
    with psycopg.connect(dsn, autocommit=True) as con:  # every scratch schema was dropped
        assert con.execute("select nspname from pg_namespace "
                           "where nspname like 'fft_utest_%'").fetchall() == []


@pytest.mark.warehouses("spark")
def test_delta_and_after_merge_cases_on_spark(make_project: Callable[..., Path],
                                              warehouse: Any, run_fft: Any) -> None:
    root = make_project({
        "models/stg_orders.ff.sql": "select 1 as order_id, 'placed' as status, "
                                    "timestamp '2024-01-01 09:00:00' as updated_at\n",
        "models/fct_orders.ff.sql": ORDERS_SQL,
        "tests/unit/fct_orders.yml": SPEC + WRONG,
        "profiles.yml": warehouse.profile,
    }, name="shop")
    result = run_fft("utest", str(root), "--env", "dev")
    assert result.returncode == 2, result.output
    assert _case_lines(result.stdout) == ["✓ dbt_spelling", "✓ merged_into_this",
                                          "✓ only_newer_rows", "✗ wrong_delta failed"]
    assert all(line.split()[2] == "SPK" for line in result.stdout.splitlines()
               if line[:1] in "✓✗")
    assert WRONG_DIFF in result.output

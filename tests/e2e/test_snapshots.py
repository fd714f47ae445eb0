"""Snapshots through ``fft snapshot run``, ``fft build`` and ``pytest --fft-snapshot``, on
DuckDB, PostgreSQL and Spark: history grows by what changed, ``fft run`` leaves snapshots
alone, and pruning keeps the newest versions."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import Warehouse

pytestmark = pytest.mark.warehouses("duckdb", "postgres", "spark")

FILES = {
    "seeds/seed_users.csv": "user_id,email,updated_at\n1,a@x.org,2024-01-01\n"
                            "2,b@x.org,2024-01-01\n",
    "sources.yml": "crm: {users: {identifier: seed_users}}\n",
    "models/users_clean.ff.sql": "select user_id, email, updated_at "
                                 "from {{ source('crm', 'users') }}\n",
    "models/snapshots/users_ts.ff.sql":
        "{{ config(materialized='snapshot', snapshot={'strategy': 'timestamp'}, "
        "unique_key='user_id', updated_at='updated_at') }}\n"
        "select user_id, email, updated_at from {{ ref('users_clean.ff') }}\n",
    "models/snapshots/users_check.ff.sql":
        "{{ config(materialized='snapshot', unique_key='user_id', check_cols=['email']) }}\n"
        "select user_id, email from {{ ref('users_clean.ff') }}\n",
}
CHANGED = ("user_id,email,updated_at\n1,a@new.org,2024-01-02\n2,b@x.org,2024-01-01\n"
           "3,c@x.org,2024-01-02\n")


def _history(warehouse: Warehouse, root: Path, table: str) -> list[tuple[Any, ...]]:
    return warehouse.rows(root, f"select user_id, email, _ff_is_current, "
                                f"_ff_valid_to is null from {table} "
                                f"order by user_id, _ff_valid_from")


def test_snapshot_history_grows_by_what_changed(make_project: Callable[..., Path],
                                                warehouse: Warehouse, run_fft: Any) -> None:
    root = make_project({**FILES, "profiles.yml": warehouse.profile}, name="snap")
    assert run_fft("seed", str(root)).returncode == 0
    ran = run_fft("run", str(root))
    assert ran.returncode == 0, ran.output
    assert "Done: 1 ok, 2 skipped" in ran.stdout
    assert "skipped: a snapshot: fft run leaves snapshots alone" in ran.stdout
    taken = run_fft("snapshot", "run", str(root))
    assert taken.returncode == 0, taken.output
    assert "users_ts.ff" in taken.stdout and "2 new versions, 0 closed" in taken.stdout
    assert "users_clean.ff" not in taken.stdout  # snapshots only
    (root / "seeds" / "seed_users.csv").write_text(CHANGED)
    built = run_fft("build", str(root))  # seeds, models and snapshots in DAG order
    assert built.returncode == 0, built.output
    assert built.stdout.count("2 new versions, 1 closed") == 2, built.stdout
    expected = [(1, "a@x.org", False, False), (1, "a@new.org", True, True),
                (2, "b@x.org", True, True), (3, "c@x.org", True, True)]
    assert _history(warehouse, root, "users_ts") == expected
    assert _history(warehouse, root, "users_check") == expected
    unchanged = run_fft("snapshot", "run", str(root), "--select", "users_ts")
    assert "0 new versions, 0 closed" in unchanged.stdout, unchanged.output
    assert _history(warehouse, root, "users_ts") == expected


def test_pruning_keeps_the_newest_versions(make_project: Callable[..., Path],
                                           warehouse: Warehouse, run_fft: Any) -> None:
    root = make_project({**FILES, "profiles.yml": warehouse.profile}, name="snap")
    assert run_fft("seed", str(root)).returncode == 0
    assert run_fft("run", str(root)).returncode == 0
    assert run_fft("snapshot", "run", str(root)).returncode == 0
    (root / "seeds" / "seed_users.csv").write_text(CHANGED)
    assert run_fft("build", str(root)).returncode == 0
    dry = run_fft("snapshot", "run", str(root), "--prune", "--keep-last", "1", "--dry-run")
    assert dry.returncode == 0, dry.output
    assert dry.stdout.count("would prune 1 old version") == 2, dry.stdout
    assert len(warehouse.rows(root, "select * from users_ts")) == 4
    pruned = run_fft("snapshot", "run", str(root), "--prune", "--keep-last", "1")
    assert pruned.returncode == 0, pruned.output
    assert warehouse.rows(root, "select user_id, email from users_ts order by 1") == [
        (1, "a@new.org"), (2, "b@x.org"), (3, "c@x.org")]
    wrong = run_fft("snapshot", "run", str(root), "--prune")
    assert wrong.returncode == 1
    assert "--prune needs --keep-last N" in wrong.output and "--fft-" not in wrong.output


@pytest.mark.warehouses("duckdb", "postgres")  # pytest in a subprocess: a JVM of its own
def test_pytest_takes_snapshots_with_its_own_flag(make_project: Callable[..., Path],
                                                  warehouse: Warehouse) -> None:
    root = make_project({**FILES, "profiles.yml": warehouse.profile}, name="snap")
    base = [sys.executable, "-m", "pytest", str(root), "--rootdir", str(root),
            "-p", "no:randomly", "-p", "no:cacheprovider", "-q", "-rs"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FF_", "FFT_"))}
    run = subprocess.run([*base, "--fft-seed", "--fft-run"], capture_output=True, text=True,
                         env=env, check=False)
    assert run.returncode == 0, run.stdout
    assert "2 passed, 2 skipped" in run.stdout
    assert "models/snapshots/users_ts.ff.sql:1: a snapshot: fft run leaves snapshots alone" \
        in run.stdout
    snap = subprocess.run([*base, "--fft-snapshot"], capture_output=True, text=True, env=env,
                          check=False)
    assert snap.returncode == 0, snap.stdout
    assert "2 passed" in snap.stdout
    assert len(warehouse.rows(root, "select * from users_check")) == 2


def test_a_table_that_reads_a_snapshot_sees_its_new_versions(
        make_project: Callable[..., Path], warehouse: Warehouse, run_fft: Any) -> None:
    mart = {"models/current_users.ff.sql": "select user_id, email from {{ ref('users_ts.ff') }} "
                                           "where _ff_is_current\n"}
    root = make_project({**FILES, **mart, "profiles.yml": warehouse.profile}, name="snap")
    assert run_fft("build", str(root)).returncode == 0
    (root / "seeds" / "seed_users.csv").write_text(CHANGED)
    assert run_fft("seed", str(root)).returncode == 0
    assert run_fft("run", str(root)).returncode == 0  # the staging table, and the mart
    assert run_fft("snapshot", "run", str(root)).returncode == 0
    # Nothing the fingerprints see changed since the last run, but the snapshot's rows did.
    again = run_fft("run", str(root))
    assert again.returncode == 0, again.output
    assert warehouse.rows(root, "select user_id, email from current_users order by 1") == [
        (1, "a@new.org"), (2, "b@x.org"), (3, "c@x.org")]


def test_unbuilt_parents_of_a_snapshot_and_untaken_snapshots_say_which_command_fixes_them(
        make_project: Callable[..., Path], warehouse: Warehouse, run_fft: Any) -> None:
    files = {**FILES, "profiles.yml": warehouse.profile,
             "models/marts/current_users.ff.sql":
                 "select user_id, email from {{ ref('users_ts.ff') }} where _ff_is_current\n"}
    root = make_project(files, name="snap")
    assert run_fft("seed", str(root)).returncode == 0
    early = run_fft("snapshot", "run", str(root), "--select", "users_ts")
    assert early.returncode == 1, early.output
    assert ("upstream users_clean.ff is not built (relation users_clean is missing), and fft "
            "snapshot run takes snapshots only; build it first with `fft run --select "
            "+users_clean`, or run `fft build`") in " ".join(early.output.split())
    ran = run_fft("run", str(root))
    assert ran.returncode == 1, ran.output
    assert ("snapshot users_ts.ff has never been taken (relation users_ts is missing), and fft "
            "run leaves snapshots alone; take it with `fft snapshot run` first") in " ".join(
                ran.output.split())
    assert "Catalog Error" not in ran.output and "does not exist" not in ran.output
    assert run_fft("snapshot", "run", str(root)).returncode == 0
    again = run_fft("run", str(root))
    assert again.returncode == 0, again.output
    assert warehouse.rows(root, "select user_id from current_users order by 1") == [(1,), (2,)]

"""A project on a real PostgreSQL server, through the user's entry points: ``fft`` and ``pytest``.

The server is the suite's own (``postgres_server`` in tests/conftest.py); each test builds in
a schema of its own (``pg_schema``). examples/postgres is the project.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "postgres"


@pytest.fixture
def pg(pg_schema: tuple[str, str]) -> dict[str, str]:
    """The environment that points examples/postgres at this test's schema."""
    dsn, schema = pg_schema
    return {"FF_PG_DSN": dsn, "FF_PG_SCHEMA": schema}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dest = tmp_path / "postgres"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(
        ".local", ".fastflowtransform", ".pytest_cache", "docs", "__pycache__"))
    return dest


def rows(env: dict[str, str], sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(env["FF_PG_DSN"], autocommit=True) as con:
        con.execute(f'set search_path to "{env["FF_PG_SCHEMA"]}"')
        return [tuple(r) for r in con.execute(sql).fetchall()]


def test_seed_run_test_and_utest_with_fft(project: Path, pg: dict[str, str],
                                          run_fft: Callable[..., Any]) -> None:
    seeded = run_fft("seed", str(project), "--env", "stg", env=pg)
    assert seeded.returncode == 0, seeded.output
    assert "seed simple_postgres · env stg · PG · 2 nodes" in seeded.stdout
    built = run_fft("run", str(project), "--env", "stg", "--jobs", "4", env=pg)
    assert built.returncode == 0, built.output
    assert "Done: 5 ok" in built.stdout
    assert rows(pg, "select id, email, is_gmail from mart_users order by id") == [
        (1, "a@example.com", False), (2, "b@gmail.com", True), (3, "c@gmail.com", True)]
    assert rows(pg, "select node_name, engine from _ff_meta order by 1") == [
        ("mart_orders_enriched", "postgres"), ("mart_users.ff", "postgres"),
        ("orders.ff", "postgres"), ("seed_orders", "postgres"), ("seed_users", "postgres"),
        ("users.ff", "postgres"), ("users_enriched", "postgres")]
    again = run_fft("run", str(project), "--env", "stg", env=pg)
    assert "Done: 0 ok, 5 cached" in again.stdout, again.output
    results = json.loads((project / ".fastflowtransform" / "target" / "run_results.json")
                         .read_text())
    assert {r["name"]: r["status"] for r in results["results"]} == dict.fromkeys(
        ["orders.ff", "users.ff", "users_enriched", "mart_orders_enriched", "mart_users.ff"],
        "cached")
    checked = run_fft("test", str(project), "--env", "stg", env=pg)
    assert checked.returncode == 0, checked.output
    assert "✓ passed: 3" in checked.stdout
    cases = run_fft("utest", str(project), "--env", "stg_utest", env=pg)
    assert cases.returncode == 0, cases.output
    assert "utest simple_postgres · private schemas on PG · 4 cases" in cases.stdout
    assert "Done: 4 ok" in cases.stdout
    # Each case's private schema is gone again.
    assert rows(pg, "select nspname from pg_namespace where nspname like 'fft_utest_%'") == []


def test_pytest_builds_checks_and_reads_the_warehouse_under_xdist(
        project: Path, pg: dict[str, str]) -> None:
    import os

    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(project), "--rootdir", str(project), "--fft-seed",
         "--fft-run", "--fft-test", "--fft-env", "stg", "-n", "2", "-p", "no:randomly", "-q"],
        capture_output=True, text=True, env={**os.environ, **pg}, check=False, timeout=300)
    # 2 seeds, 5 models, 3 checks and the example's own tests of the warehouse.
    assert result.returncode == 0, result.stdout + result.stderr
    assert "15 passed" in result.stdout
    assert rows(pg, "select count(*) from mart_orders_enriched") == [(2,)]


def test_a_failing_model_keeps_the_old_table_and_is_built_again(
        project: Path, pg: dict[str, str], run_fft: Callable[..., Any]) -> None:
    assert run_fft("seed", str(project), "--env", "stg", env=pg).returncode == 0
    assert run_fft("run", str(project), "--env", "stg", env=pg).returncode == 0
    model = project / "models" / "users.ff.sql"
    good = model.read_text()
    model.write_text("create or replace table users as\nselect id,\n  no_such_column\n"
                     "from {{ source('crm','users') }};\n")
    failed = run_fft("run", str(project), "--env", "stg", env=pg)
    assert failed.returncode == 1
    assert 'column "no_such_column" does not exist' in failed.output
    assert "models/users.ff.sql:3" in failed.output  # the line of the SELECT it points at
    assert rows(pg, "select id, email from users order by id") == [
        (1, "a@example.com"), (2, "b@gmail.com"), (3, "c@gmail.com")]
    model.write_text(good)
    fixed = run_fft("run", str(project), "--env", "stg", env=pg)
    assert fixed.returncode == 0, fixed.output
    assert "✓ users.ff" in fixed.stdout and "cached" not in fixed.stdout.split("users.ff")[1] \
        .splitlines()[0]


VIEW_PROJECT = {
    "models/base.ff.sql": "select 1 as id, 'one' as label",
    "models/named.ff.sql": "{{ config(materialized='view') }}\nselect id, label from "
                           "{{ ref('base.ff') }}",
}


def _view_profile(pg: dict[str, str]) -> str:
    return (f"stg:\n  engine: postgres\n  postgres: {{dsn: '{pg['FF_PG_DSN']}', "
            f"db_schema: {pg['FF_PG_SCHEMA']}}}\n")


def test_a_view_stays_and_reads_the_new_table_when_its_table_is_rebuilt(
        make_project: Callable[..., Path], pg: dict[str, str],
        run_fft: Callable[..., Any]) -> None:
    root = make_project({**VIEW_PROJECT, "profiles.yml": _view_profile(pg)})
    assert run_fft("run", str(root), "--env", "stg").returncode == 0
    (root / "models" / "base.ff.sql").write_text("select 2 as id, 'two' as label")
    # Only the table is selected: the view is not rebuilt, yet it must not be dropped.
    only_base = run_fft("run", str(root), "--env", "stg", "--select", "base.ff")
    assert only_base.returncode == 0, only_base.output
    assert rows(pg, "select id, label from named") == [(2, "two")]
    assert rows(pg, "select table_type from information_schema.tables where table_schema = "
                    f"'{pg['FF_PG_SCHEMA']}' and table_name = 'named'") == [("VIEW",)]
    # Its parent changed since the view was built: the next full run builds it again.
    again = run_fft("run", str(root), "--env", "stg")
    assert "Done: 1 ok, 1 cached" in again.stdout, again.output
    assert rows(pg, "select id, label from named") == [(2, "two")]


def test_a_view_that_no_longer_fits_its_table_is_built_again(
        make_project: Callable[..., Path], pg: dict[str, str],
        run_fft: Callable[..., Any]) -> None:
    root = make_project({**VIEW_PROJECT, "profiles.yml": _view_profile(pg)})
    assert run_fft("run", str(root), "--env", "stg").returncode == 0
    (root / "models" / "base.ff.sql").write_text("select 3 as id")  # label is gone
    only_base = run_fft("run", str(root), "--env", "stg", "--select", "base.ff")
    assert only_base.returncode == 0, only_base.output
    assert "view" in only_base.output and "named" in only_base.output  # said, not silent
    assert rows(pg, "select count(*) from information_schema.tables where table_name = "
                    f"'named' and table_schema = '{pg['FF_PG_SCHEMA']}'") == [(0,)]
    (root / "models" / "named.ff.sql").write_text(
        "{{ config(materialized='view') }}\nselect id from {{ ref('base.ff') }}")
    rebuilt = run_fft("run", str(root), "--env", "stg")
    assert rebuilt.returncode == 0, rebuilt.output
    assert rows(pg, "select id from named") == [(3,)]


def test_a_server_that_cannot_be_reached_is_one_line_without_the_password(
        project: Path, run_fft: Callable[..., Any]) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"FF_PG_DSN": f"postgresql+psycopg://analyst:s3cr3t-pw@127.0.0.1:{port}/warehouse",
           "FF_PG_SCHEMA": "analytics"}
    result = run_fft("run", str(project), "--env", "stg", env=env)
    assert result.returncode == 1
    assert f"cannot connect to PostgreSQL at analyst@127.0.0.1:{port}/warehouse" in result.output
    assert "is the server running" in result.output
    assert "s3cr3t-pw" not in result.output and "Traceback" not in result.output


def test_the_password_of_the_dsn_is_in_no_output_artifact_or_cache(
        project: Path, pg: dict[str, str], run_fft: Callable[..., Any]) -> None:
    # The suite's server trusts loopback: a password in the DSN is accepted and not checked.
    secret = "Sup3r-Secret-pw"
    env = {**pg, "FF_PG_DSN": pg["FF_PG_DSN"].replace("postgresql://postgres@",
                                                      f"postgresql://postgres:{secret}@")}
    outputs = [run_fft("seed", str(project), "--env", "stg", "-v", env=env),
               run_fft("run", str(project), "--env", "stg", "-vv", env=env),
               run_fft("test", str(project), "--env", "stg", env=env),
               run_fft("dag", str(project), "--env", "stg", "--html", env=env),
               run_fft("utest", str(project), "--env", "stg_utest", env=env)]
    assert [o.returncode for o in outputs] == [0, 0, 0, 0, 0], [o.output for o in outputs]
    assert not [o.output for o in outputs if secret in o.output]
    written = [p for p in project.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
    assert written == []

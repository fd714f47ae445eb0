"""``examples/spark`` on a real local Spark (``local[2]``, the Hive metastore in Derby) and
once through Spark Connect to a local Spark Connect server.

The pytest runs are in-process (pytester), so the test process starts one Spark session
and every test shares it, each in a database of its own (``FF_DBR_DATABASE``). One test
runs the ``fft`` commands in subprocesses, as a user does, to show that what one process
builds the next one finds. Select them with ``-m spark``.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, skip_engine

pytestmark = pytest.mark.spark

_databases = itertools.count(1)


@pytest.fixture
def spark(spark_session: Any) -> Any:
    """The test process's local Spark session (the one the in-process runs use)."""
    return spark_session


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spark: Any) -> Iterator[Path]:
    """A copy of examples/spark building into a database of its own on the shared session."""
    dest = tmp_path / "spark_demo"
    shutil.copytree(EXAMPLES / "spark", dest,
                    ignore=shutil.ignore_patterns(".local", ".fastflowtransform",
                                                  ".pytest_cache", "__pycache__"))
    database = f"fft_e2e_{os.getpid()}_{next(_databases)}"
    monkeypatch.setenv("FF_DBR_DATABASE", database)
    monkeypatch.setenv("FF_SPARK_MASTER", "local[2]")
    yield dest
    spark.sql(f"drop database if exists {database} cascade")


def database() -> str:
    return os.environ["FF_DBR_DATABASE"]


def rows(spark: Any, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in spark.sql(sql).collect()]


def run(pytester: pytest.Pytester, project: Path, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess(str(project), "-p", "no:randomly", *args)


def results(project: Path) -> dict[str, str]:
    data = json.loads((project / ".fastflowtransform" / "target" / "run_results.json")
                      .read_text())
    return {r["name"]: r["status"] for r in data["results"]}


def test_the_example_builds_checks_and_unit_tests_on_spark(
        pytester: pytest.Pytester, project: Path, spark: Any) -> None:
    result = run(pytester, project, "--fft-seed", "--fft-run", "--fft-test", "--fft-utest")
    # 2 seeds, 6 models, 4 checks, 2 unit cases.
    result.assert_outcomes(passed=14)
    db = database()
    assert rows(spark, f"select id, email, is_gmail from {db}.mart_users order by id") == [
        (1, "a@example.com", False), (2, "b@gmail.com", True), (3, "c@gmail.com", True)]
    # The pandas model's frame went back through Arrow with its types.
    assert rows(spark, f"select order_id, email, is_gmail, amount, valid_amt from "
                       f"{db}.mart_orders_enriched order by order_id") == [
        (100, "a@example.com", False, 19.9, True), (101, "b@gmail.com", True, 0.0, True)]
    assert rows(spark, f"select order_id, size from {db}.fct_orders order by order_id") == [
        (100, "large"), (101, "small")]
    kinds = {r.tableName: r for r in spark.sql(f"show tables in {db}").collect()}
    assert set(kinds) == {"seed_users", "seed_orders", "users", "orders", "users_enriched",
                          "mart_users", "mart_orders_enriched", "fct_orders", "_ff_meta"}
    assert spark.catalog.getTable(f"{db}.orders").tableType == "VIEW"
    assert results(project) == {
        "seed_orders": "success", "seed_users": "success", "orders.ff": "success",
        "users.ff": "success", "fct_orders.ff": "success", "users_enriched": "success",
        "mart_orders_enriched": "success", "mart_users.ff": "success"}
    audited = rows(spark, f"select node_name, engine from {db}._ff_meta order by node_name")
    assert ("mart_users.ff", "databricks_spark") in audited and len(audited) == 8


def test_a_rerun_is_cached_and_a_failing_model_keeps_its_table(
        pytester: pytest.Pytester, project: Path, spark: Any) -> None:
    run(pytester, project, "--fft-seed", "--fft-run").assert_outcomes(passed=8)
    again = run(pytester, project, "--fft-seed", "--fft-run")
    # Everything is unchanged: all cached but the incremental model, which applies its delta.
    again.stdout.fnmatch_lines(["*1 passed, 7 cached*"])
    (project / "models" / "mart_users.ff.sql").write_text(
        "{{ config(materialized='table') }}\nselect id,\n  no_such_column\n"
        "from {{ ref('users_enriched') }}\n")
    failed = run(pytester, project, "--fft-run")
    failed.stdout.fnmatch_lines([
        ("mart_users.ff failed on databricks_spark: [[]UNRESOLVED_COLUMN.WITH_SUGGESTION[]] A "
        "column, variable, or function parameter with name `no_such_column` cannot be "
        "resolved.*SQLSTATE: 42703; line 2 pos 2"),
        "  at models/mart_users.ff.sql:3", "*1 failed, 1 passed, 4 cached*"])
    assert "CreateTable" not in failed.stdout.str()  # Spark's plan is not the message
    db = database()
    # The old table is there, whole; no half-built table is left behind.
    assert len(rows(spark, f"select * from {db}.mart_users")) == 3
    assert [r.tableName for r in spark.sql(f"show tables in {db}").collect()
            if r.tableName.startswith("_fft_")] == []
    assert results(project)["mart_users.ff"] == "error"


def test_an_incremental_merge_replaces_and_adds_rows(
        pytester: pytest.Pytester, project: Path, spark: Any) -> None:
    run(pytester, project, "--fft-seed", "--fft-run").assert_outcomes(passed=8)
    (project / "seeds" / "seed_orders.csv").write_text(
        "order_id,user_id,amount\n100,1,5.5\n101,2,0\n102,3,42\n")
    again = run(pytester, project, "--fft-seed", "--fft-run", "-v")
    # The changed seed and what reads it build again; the users' side stays cached.
    again.stdout.re_match_lines([r".*\b4 passed\b.*\b4 cached\b"])
    assert rows(spark, f"select order_id, amount, size from {database()}.fct_orders "
                       "order by order_id") == [
        (100, 5.5, "small"), (101, 0.0, "small"), (102, 42.0, "large")]


def test_a_selection_builds_what_the_model_needs(
        pytester: pytest.Pytester, project: Path, spark: Any) -> None:
    run(pytester, project, "--fft-seed").assert_outcomes(passed=2)
    result = run(pytester, project, "--fft-run", "--fft-select", "+mart_users", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*users.ff.sql::users.ff*", "*users_enriched*",
                                 "*mart_users.ff*"])
    tables = {r.tableName for r in spark.sql(f"show tables in {database()}").collect()}
    assert "mart_users" in tables and "fct_orders" not in tables


def test_a_python_model_missing_a_required_column_names_it(
        pytester: pytest.Pytester, project: Path) -> None:
    (project / "models" / "users.ff.sql").write_text(
        "select id from {{ source('crm', 'users') }}\n")
    result = run(pytester, project, "--fft-seed", "--fft-run")
    result.stdout.fnmatch_lines(["*users_enriched*", "*email*"])
    assert results(project)["users_enriched"] == "error"


def test_the_fft_commands_find_what_earlier_ones_built(tmp_path: Path) -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        skip_engine("databricks_spark", "pyspark is not installed")
    dest = tmp_path / "spark_demo"
    shutil.copytree(EXAMPLES / "spark", dest,
                    ignore=shutil.ignore_patterns(".local", ".fastflowtransform"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FF_", "FFT_"))}
    env.update({"NO_COLOR": "1", "COLUMNS": "200"})

    def fft(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pytest_fft", *args, str(dest),
                               "--env", "dev"], env=env, capture_output=True, text=True,
                              timeout=600, check=False)

    seeded = fft("seed")
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    built = fft("run")
    assert built.returncode == 0, built.stdout + built.stderr
    assert "Done: 6 ok" in built.stdout
    checked = fft("test")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "✓ passed: 4" in checked.stdout
    # A rerun with every model cached starts no Spark: the warehouse's record of its
    # relations answers (the incremental model, which always applies its delta, left out).
    log = dest / ".local" / "spark.log"
    size = log.stat().st_size
    cached = fft("run", "--exclude", "fct_orders.ff")
    assert cached.returncode == 0, cached.stdout + cached.stderr
    assert "Done: 0 ok, 5 cached" in cached.stdout
    assert log.stat().st_size == size  # no JVM wrote to it
    # A table dropped behind pytest-fft's back is not believed: it is built again.
    shutil.rmtree(dest / ".local" / "spark_warehouse" / "spark_demo.db" / "mart_users")
    rebuilt = fft("run", "--exclude", "fct_orders.ff")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "Done: 1 ok, 4 cached" in rebuilt.stdout
    # Spark's own output went to its log, not to the terminal.
    assert "WARN" not in built.stderr and "log4j" not in built.stderr
    assert (dest / ".local" / "spark.log").exists()
    assert (dest / ".local" / "spark_warehouse" / "spark_demo.db" / "mart_users").is_dir()


# -- Spark Connect -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local Spark Connect server on 127.0.0.1, started and stopped here."""
    try:
        import pyspark
    except ImportError:
        skip_engine("databricks_spark", "pyspark is not installed")
    home = Path(pyspark.__file__).parent
    folder = tmp_path_factory.mktemp("connect")
    port = _free_port()
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(
        [str(home / "bin" / "spark-submit"), "--class",
         "org.apache.spark.sql.connect.service.SparkConnectServer", "--master", "local[2]",
         "--conf", f"spark.connect.grpc.binding.port={port}",
         "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
         "--conf", "spark.ui.enabled=false",
         "--conf", f"spark.sql.warehouse.dir={folder / 'warehouse'}", "spark-internal"],
        stdout=log, stderr=log, env={**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"},
        cwd=folder)
    try:
        deadline = time.monotonic() + 180
        while b"Spark Connect server started" not in (folder / "server.log").read_bytes():
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Spark Connect server did not start:\n"
                            + (folder / "server.log").read_text()[-3000:])
            time.sleep(0.5)
        yield f"sc://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_a_project_builds_on_a_spark_connect_server(project: Path,
                                                     connect_server: str) -> None:
    # In its own process: one process cannot hold a local session and a Spark Connect one.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FF_", "FFT_"))}
    env.update({"NO_COLOR": "1", "COLUMNS": "200", "FF_SPARK_REMOTE": connect_server})
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(project), "-q", "-p", "no:randomly",
         "--fft-seed", "--fft-run", "--fft-test", "--fft-env", "connect"],
        env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "12 passed" in done.stdout
    # The tables are the server's: read them back through a client of its own.
    check = subprocess.run(
        [sys.executable, "-c",
         ("import sys; from pyspark.sql import SparkSession; "
         "s = SparkSession.builder.remote(sys.argv[1]).getOrCreate(); "
         "print(sorted(tuple(r) for r in s.sql('select id, is_gmail from "
         "spark_demo.mart_users').collect()))"), connect_server],
        env=env, capture_output=True, text=True, timeout=300, check=False)
    assert check.stdout.strip() == "[(1, False), (2, True), (3, True)]", check.stderr

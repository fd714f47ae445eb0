"""Fixtures of the end-to-end tests: the warehouses a project builds in.

A test that takes ``warehouse`` runs once per warehouse: DuckDB and PostgreSQL, and Spark
too where its module (or the test) says so with ``@pytest.mark.warehouses("duckdb",
"postgres", "spark")``. On Spark the ``fft`` commands of ``run_fft`` run in the test's own
process, on the process's one local Spark session (a JVM started per command would take
most of the suite's time); each test builds into a database of its own.
"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CommandResult, _run_fft, skip_engine

_spark_databases = itertools.count(1)


@dataclass
class Warehouse:
    """Where a test's project builds: its profiles.yml, and how to read rows back."""

    profile: str
    rows: Callable[[Path, str], list[tuple[Any, ...]]]
    execute: Callable[[Path, str], None]
    #: How the test's ``fft`` commands run (None: in a subprocess, as a user runs them).
    run: Callable[..., CommandResult] | None = None
    engine: str = "duckdb"  # duckdb | postgres | spark

    def relation_names(self, root: Path) -> set[str]:
        """The names of the tables and views in the warehouse."""
        if self.engine == "spark":  # no information_schema in its Hive catalog
            return {str(r[1]) for r in self.rows(root, "show tables")}
        return {str(r[0]) for r in self.rows(root, "select table_name from "
                                                   "information_schema.tables")}

    def column_types(self, root: Path, schema: str, table: str) -> list[tuple[str, str]]:
        """``(name, type)`` of a table's columns, in order, as the warehouse names types."""
        if self.engine == "spark":
            return [(str(r[0]), str(r[1])) for r in self.rows(
                root, f"describe table {schema}.{table}") if r[0] and not r[0].startswith("#")]
        return [(str(r[0]), str(r[1])) for r in self.rows(
            root, "select column_name, data_type from information_schema.columns where "
                  f"table_schema = '{schema}' and table_name = '{table}' "
                  "order by ordinal_position")]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "warehouse" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("warehouses")
    names = marker.args if marker else ("duckdb", "postgres")
    metafunc.parametrize("warehouse", [
        pytest.param(name, marks=pytest.mark.spark) if name == "spark" else name
        for name in names], indirect=True)


@pytest.fixture
def run_fft(request: pytest.FixtureRequest) -> Callable[..., CommandResult]:
    """``run_fft("run", str(project))``: the ``fft`` command of the test's warehouse."""
    if "warehouse" in request.fixturenames:
        run = request.getfixturevalue("warehouse").run
        if run is not None:
            return run  # type: ignore[no-any-return]
    return _run_fft


@pytest.fixture(scope="session")
def spark_session(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The test process's local Spark session (``local[2]``, a Hive metastore in Derby), on
    which every in-process build of this process runs."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        skip_engine("databricks_spark", "pyspark is not installed (pip install "
                                        "'pytest-fft[spark]')")
    # Imported before pytester's first run: pytester forgets the modules a run imported, and
    # a second import of DuckDB's or Spark's in one process would abort it or start a JVM.
    import duckdb  # noqa: F401
    import pyarrow  # noqa: F401

    import pytest_fft.engines.duckdb
    import pytest_fft.engines.spark  # noqa: F401
    from pytest_fft.engines.spark_session import SessionSettings, active_settings, session

    settings = active_settings()
    if settings is None:
        warehouse = tmp_path_factory.mktemp("spark") / "wh"
        settings = SessionSettings(master="local[2]", warehouse_dir=str(warehouse), hive=True)
    return session(settings)


def _fft_in_process(monkeypatch: pytest.MonkeyPatch) -> Callable[..., CommandResult]:
    """``run_fft`` in this process: the ``fft`` command's ``main`` with its output caught
    and the environment a subprocess would get."""
    from pytest_fft.cli.main import main

    def run(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None,
            timeout: float = 120) -> CommandResult:
        out, err = io.StringIO(), io.StringIO()
        with monkeypatch.context() as patch:
            for key in list(os.environ):
                if key.startswith(("FF_", "FFT_", "PYTEST_")):
                    patch.delenv(key)
            for key, value in {"COLUMNS": "200", "NO_COLOR": "1", **(env or {})}.items():
                patch.setenv(key, value)
            if cwd is not None:
                patch.chdir(cwd)
            with redirect_stdout(out), redirect_stderr(err):
                code = main(list(args))
        return CommandResult(code, out.getvalue(), err.getvalue())

    return run


def _spark_warehouse(request: pytest.FixtureRequest) -> Iterator[Warehouse]:
    spark = request.getfixturevalue("spark_session")
    monkeypatch = request.getfixturevalue("monkeypatch")
    database = f"fft_wh_{os.getpid()}_{next(_spark_databases)}"
    spark.sql(f"create database if not exists {database}")

    def reader() -> Any:
        """A session of its own for each read: one that read a table before a build
        replaced it would still list the old table's files."""
        own = spark.newSession()
        own.sql(f"use {database}")
        return own

    def spark_rows(_: Path, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in reader().sql(sql).collect()]

    def spark_execute(_: Path, sql: str) -> None:
        reader().sql(sql)

    from pytest_fft.engines.spark_session import active_settings

    started = active_settings()
    assert started is not None and started.warehouse_dir is not None
    # The session's warehouse: the one the builds of this process go to.
    yield Warehouse(f"dev:\n  engine: databricks_spark\n  databricks_spark: "
                    f"{{master: 'local[2]', database: {database}, "
                    f"warehouse_dir: '{started.warehouse_dir}'}}\n",
                    spark_rows, spark_execute, _fft_in_process(monkeypatch), "spark")
    spark.sql(f"drop database if exists {database} cascade")


@pytest.fixture
def warehouse(request: pytest.FixtureRequest, query: Callable[..., Any]) -> Iterator[Warehouse]:
    if request.param == "spark":
        yield from _spark_warehouse(request)
        return
    yield _warehouse(request, query)


def _warehouse(request: pytest.FixtureRequest, query: Callable[..., Any]) -> Warehouse:
    if request.param == "duckdb":
        def duck_rows(root: Path, sql: str) -> list[tuple[Any, ...]]:
            return query(root / ".local" / "dev.duckdb", sql)

        def duck_execute(root: Path, sql: str) -> None:
            import duckdb

            con = duckdb.connect(str(root / ".local" / "dev.duckdb"))
            con.execute(sql)
            con.close()

        return Warehouse("dev:\n  engine: duckdb\n  duckdb: {path: .local/dev.duckdb}\n",
                         duck_rows, duck_execute)
    dsn, schema = request.getfixturevalue("pg_schema")

    def pg_rows(_: Path, sql: str) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as con:
            con.execute(f'set search_path to "{schema}"')
            return [tuple(r) for r in con.execute(sql).fetchall()]

    def pg_execute(_: Path, sql: str) -> None:
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as con:
            con.execute(f'set search_path to "{schema}"')
            con.execute(sql)

    return Warehouse(f"dev:\n  engine: postgres\n  postgres: {{dsn: '{dsn}', db_schema: {schema}}}\n",
                     pg_rows, pg_execute, engine="postgres")

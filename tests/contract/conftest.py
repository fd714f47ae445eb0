"""The engine contract: what every engine guarantees, tested against the real thing.

Each test takes ``engine`` (a fresh engine on an empty target schema) and ``target`` (the
few things a test cannot ask the engine itself: how to make a frame, a slow SELECT, ...).
Both are parametrised over :data:`TARGETS`.

**A new engine joins here**: write a ``_<engine>_target(tmp_path)`` factory that returns a
:class:`Target` (skip with ``pytest.skip`` when its driver or server is not available, e.g.
no PostgreSQL server) and add it to :data:`TARGETS`. The engine is done when every
test here passes against the real warehouse (or its official local mode); what it cannot do
is written down in ``docs/engines.md``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from pytest_fft.engines.base import Engine
from tests.conftest import skip_engine


@dataclass(frozen=True)
class Target:
    """One engine under contract, and what the tests need to know beyond its protocol."""

    open: Callable[[], Engine]  # a fresh engine on an empty target schema
    open_in: Callable[[str], Engine]  # an engine on the same warehouse, another target schema
    schema: str  # the schema unqualified relation names land in
    create_schema: Callable[[Engine, str], None]
    slow_select: str  # a SELECT that runs for many seconds unless interrupted
    kind_of: Callable[[Engine, str], str]  # "table", "view" or "missing"
    make_frame: Callable[[dict[str, list[Any]]], Any]  # columns -> an engine-native frame
    frame_rows: Callable[[Any], list[tuple[Any, ...]]]  # a frame's rows as Python values
    # Table ``nn`` of an integer ``id`` declared NOT NULL and a text ``label`` that is not,
    # and what relation_columns says of them: (False, True) where the warehouse keeps the
    # constraint; None where the engine cannot tell.
    not_null_ddl: str = "create table nn (id integer not null, label varchar(20))"
    nullability: tuple[bool | None, bool | None] = (False, True)


# -- helpers shared by targets ------------------------------------------------------------------


def information_schema_kind(engine: Engine, relation: str) -> str:
    """The kind of ``relation`` from the standard ``information_schema.tables``."""
    rows = engine.query(
        "select table_schema, table_name, table_type from information_schema.tables")
    wanted = engine.relation_key(relation)
    for row_schema, row_name, kind in rows:
        if engine.relation_key(f"{row_schema}.{row_name}") == wanted:
            return "view" if "VIEW" in str(kind).upper() else "table"
    return "missing"


def pandas_frame(columns: dict[str, list[Any]]) -> Any:
    """A pandas frame with nullable dtypes, so a NULL does not turn ints into floats."""
    import pandas as pd

    def series(values: list[Any]) -> Any:
        kinds = {type(v) for v in values if v is not None}
        if kinds == {bool}:
            return pd.array(values, dtype="boolean")
        if kinds == {int}:
            return pd.array(values, dtype="Int64")
        if kinds == {datetime}:
            return pd.to_datetime(values)
        return values

    return pd.DataFrame({name: series(values) for name, values in columns.items()})


def pandas_rows(frame: Any) -> list[tuple[Any, ...]]:
    """Cells as plain Python values: NaN/NaT/None -> None, numpy scalars -> Python ones."""
    import pandas as pd

    def plain(value: Any) -> Any:
        if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
            return None
        if isinstance(value, pd.Timestamp):
            return value.to_pydatetime()
        return value.item() if hasattr(value, "item") else value

    return [tuple(plain(v) for v in row) for row in frame.astype(object).itertuples(index=False)]


# -- the targets ------------------------------------------------------------------------------------


def _duckdb_target(tmp_path: Path) -> Target:
    """DuckDB on a database file (as a project's build uses it), target schema ``main``."""
    from pytest_fft.engines.duckdb import DuckDBEngine

    db = str(tmp_path / "contract.duckdb")
    return Target(
        open=lambda: DuckDBEngine(db),
        # One process may open the file twice: DuckDB shares the database between them.
        open_in=lambda schema: DuckDBEngine(db, schema=schema),
        schema="main",
        create_schema=lambda engine, name: engine.query(
            f"create schema if not exists {engine.quote(name)}"),
        slow_select="select count(*) as n from range(100000000) a, range(100000) b",
        kind_of=information_schema_kind,
        make_frame=pandas_frame,
        frame_rows=pandas_rows,
    )


def _postgres_target(request: pytest.FixtureRequest) -> Target:
    """PostgreSQL on the suite's own server (tests/postgres_server.py), a schema per test."""
    from pytest_fft.engines.postgres import PostgresEngine

    dsn, schema = request.getfixturevalue("pg_schema")
    return Target(
        open=lambda: PostgresEngine(dsn, schema=schema),
        open_in=lambda other: PostgresEngine(dsn, schema=f"{schema}_{other}"),
        schema=schema,
        create_schema=lambda engine, name: engine.query(
            f"create schema if not exists {engine.quote(name)}"),
        slow_select="select count(*) as n from generate_series(1, 100000000) a, "
                    "generate_series(1, 100000) b",
        kind_of=information_schema_kind,
        make_frame=pandas_frame,
        frame_rows=pandas_rows,
    )


def _sqlite_target(tmp_path: Path) -> Target:
    """SQLite, the engine of the example package ``examples/plugin_sqlite`` (a third-party
    engine through the plugin SDK), on a database file; its schema is the file (``main``):
    another target schema is another file, another schema of one engine an attached one."""
    import hashlib
    import sys

    package = Path(__file__).resolve().parents[2] / "examples" / "plugin_sqlite"
    if str(package) not in sys.path:
        sys.path.insert(0, str(package))
    from fft_sqlite.engine import SQLiteEngine

    def file_of(schema: str) -> str:
        return str(tmp_path / f"{hashlib.sha1(schema.encode()).hexdigest()[:12]}.sqlite")

    def attach(engine: Engine, name: str) -> None:
        path = file_of(name).replace("'", "''")
        engine.query(f"attach database '{path}' as {engine.quote(name)}")

    def kind_of(engine: Engine, relation: str) -> str:
        found = engine.query("select type from sqlite_master where lower(name) = "
                             f"lower('{relation}')")
        return str(found[0][0]) if found else "missing"

    db = str(tmp_path / "contract.sqlite")
    return Target(
        open=lambda: SQLiteEngine(db),
        open_in=lambda schema: SQLiteEngine(file_of(schema)),
        schema="main",
        create_schema=attach,
        slow_select="with recursive c(x) as (select 1 union all select x + 1 from c "
                    "where x < 100000000000) select count(*) as n from c",
        kind_of=kind_of,
        make_frame=pandas_frame,
        frame_rows=pandas_rows,
    )


_spark_databases = itertools.count(1)


def _spark_target(request: pytest.FixtureRequest) -> Target:
    """Spark on a local session (``local[2]``) with its Hive metastore, as a project's
    build uses it: one session for the test process, a database per test."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        skip_engine("databricks_spark", "pyspark is not installed (pip install "
                                        "'pytest-fft[spark]')")
    from pytest_fft.engines.spark import SparkEngine
    from pytest_fft.engines.spark_session import SessionSettings

    warehouse = request.getfixturevalue("spark_warehouse")
    settings = SessionSettings(master="local[2]", app_name="pytest-fft-contract",
                               warehouse_dir=str(warehouse), hive=True)
    database = f"fft_contract_{next(_spark_databases)}"
    opened: list[SparkEngine] = []

    def open_in(name: str) -> Engine:
        engine = SparkEngine(settings, database=name)
        opened.append(engine)
        return engine

    def cleanup() -> None:
        if opened:
            spark = opened[0].spark
            for db in {e.schema for e in opened} | {"fft_other"}:
                if opened[0].spec.name_problem(db) is None:  # others were never made
                    spark.sql(f"drop database if exists {opened[0].quote(db)} cascade")

    request.addfinalizer(cleanup)

    def make_frame(columns: dict[str, list[Any]]) -> Any:
        from pytest_fft.engines.spark_session import session

        # One partition: Spark promises no row order across the files of several.
        return session(settings).createDataFrame(pandas_frame(columns)).coalesce(1)

    return Target(
        open=lambda: open_in(database),
        open_in=lambda other: open_in(f"{database}_{other}"),
        schema=database,
        create_schema=lambda engine, name: engine.query(
            f"create database if not exists {engine.quote(name)}"),
        slow_select="select sum(a.id * b.id) as n from range(100000000) a, range(100000) b",
        kind_of=lambda engine, relation: engine._kind(  # type: ignore[attr-defined]
            engine.spark, *engine._split(relation)) or "missing",  # type: ignore[attr-defined]
        make_frame=make_frame,
        frame_rows=lambda frame: [tuple(row) for row in frame.collect()],
        # The session catalog's parquet tables keep no NOT NULL: every column is nullable.
        not_null_ddl="create table nn (id int not null, label string) using parquet",
        nullability=(True, True),
    )


@pytest.fixture(scope="session")
def spark_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("spark") / "warehouse"


# Snowflake and BigQuery add their factory here.
TARGETS: dict[str, Callable[[pytest.FixtureRequest], Target]] = {
    "databricks_spark": _spark_target,
    "duckdb": lambda request: _duckdb_target(request.getfixturevalue("tmp_path")),
    "postgres": _postgres_target,
    "sqlite": lambda request: _sqlite_target(request.getfixturevalue("tmp_path")),
}


@pytest.fixture(params=sorted(TARGETS))
def target(request: pytest.FixtureRequest) -> Target:
    return TARGETS[request.param](request)


@pytest.fixture
def engine(target: Target) -> Iterator[Engine]:
    eng = target.open()
    try:
        yield eng
    finally:
        eng.close()


"""Fixtures for the check tests: YAML written to a real file (so lines are real), and the
databases every check type runs on: DuckDB and PostgreSQL."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from pytest_fft.checks import (
    CheckOutcome,
    CheckSpec,
    check_sql,
    dialect_for,
    evaluate,
    parse_checks,
)
from pytest_fft.project.yaml_io import load_yaml


@pytest.fixture
def parse(tmp_path: Path) -> Callable[[str], tuple[CheckSpec, ...]]:
    """``parse(text)``: write ``text`` (dedented) as project.yml and parse its ``tests:``."""

    def _parse(text: str) -> tuple[CheckSpec, ...]:
        path = tmp_path / "project.yml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return parse_checks(load_yaml(path, display="project.yml")["tests"])

    return _parse


@pytest.fixture
def one(parse: Callable[[str], tuple[CheckSpec, ...]]) -> Callable[[str], CheckSpec]:
    """``one("{type: not_null, ...}")``: the single check of a one-entry ``tests:`` list."""

    def _one(entry: str) -> CheckSpec:
        first, *rest = textwrap.dedent(entry).strip().splitlines()
        (spec,) = parse("tests:\n  - " + first + "\n" + "".join(f"    {line}\n" for line in rest))
        return spec

    return _one


class _PostgresConnection:
    """A psycopg connection with DuckDB's ``execute(sql).fetchall()`` shape, in a schema of
    its own; the few DuckDB type names the tests write are spelled as PostgreSQL's."""

    def __init__(self, dsn: str, schema: str) -> None:
        import psycopg

        self._con = psycopg.connect(dsn, autocommit=True)
        self._con.execute(f'create schema "{schema}"')
        self._con.execute(f'set search_path to "{schema}"')

    def execute(self, sql: str) -> object:
        return self._con.execute(sql.replace(" double", " double precision"))

    def close(self) -> None:
        self._con.close()


@pytest.fixture(params=["duckdb", "postgres"])
def con(request: pytest.FixtureRequest) -> Iterator[object]:
    """An empty database: DuckDB in memory, or a schema on the suite's PostgreSQL server."""
    if request.param == "postgres":
        connection: object = _PostgresConnection(*request.getfixturevalue("pg_schema"))
    else:
        connection = duckdb.connect()
    yield connection
    connection.close()  # type: ignore[attr-defined]


@pytest.fixture
def run(con: object) -> Callable[[CheckSpec], CheckOutcome]:
    """Run a check's query on ``con``'s database (it must return one row) and judge it."""
    dialect = dialect_for("postgres" if isinstance(con, _PostgresConnection) else "duckdb")

    def _run(spec: CheckSpec) -> CheckOutcome:
        rows = con.execute(check_sql(spec, dialect)).fetchall()  # type: ignore[attr-defined]
        assert len(rows) == 1, rows
        return evaluate(spec, rows[0])

    return _run

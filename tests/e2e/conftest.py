"""Fixtures of the end-to-end tests: the warehouses a project builds in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass
class Warehouse:
    """Where a test's project builds: its profiles.yml, and how to read rows back."""

    profile: str
    rows: Callable[[Path, str], list[tuple[Any, ...]]]
    execute: Callable[[Path, str], None]


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, query: Callable[..., Any]) -> Warehouse:
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
                     pg_rows, pg_execute)

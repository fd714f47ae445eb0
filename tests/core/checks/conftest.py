"""Fixtures for the check tests: YAML written to a real file (so lines are real) and DuckDB."""

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


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


@pytest.fixture
def run(con: duckdb.DuckDBPyConnection) -> Callable[[CheckSpec], CheckOutcome]:
    """Run a check's query on the in-memory DuckDB (it must return one row) and judge it."""

    def _run(spec: CheckSpec) -> CheckOutcome:
        rows = con.execute(check_sql(spec, dialect_for("duckdb"))).fetchall()
        assert len(rows) == 1, rows
        return evaluate(spec, rows[0])

    return _run

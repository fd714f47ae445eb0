"""Builds under pytest-xdist: one worker builds, the others wait for its result files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb  # noqa: F401 - imported before pytester snapshots sys.modules
import pandas  # noqa: F401
import pytest

pytest_plugins = ["pytester"]


@pytest.fixture
def project(pytester: pytest.Pytester, simple_project: Path) -> Path:
    for entry in simple_project.iterdir():
        (shutil.copytree if entry.is_dir() else shutil.copy)(entry, pytester.path / entry.name)
    return pytester.path


def _statuses(project: Path) -> dict[str, str]:
    data = json.loads((project / ".fastflowtransform/target/run_results.json").read_text())
    return {r["name"]: r["status"] for r in data["results"]}


def _tables(query, project: Path) -> dict[str, list[tuple]]:
    db = project / ".local/demo.duckdb"
    return {t: query(db, f"select * from {t} order by all")
            for t in ("users", "orders", "users_enriched", "mart_users", "mart_orders_enriched")}


@pytest.mark.parametrize("workers", ["2", "4"])
def test_n_workers_build_what_one_process_builds(pytester: pytest.Pytester, project: Path,
                                                 query, workers: str) -> None:
    single = pytester.runpytest("--fft-seed", "--fft-run", "--fft-test", "--fft-cache", "off")
    single.assert_outcomes(passed=10)
    expected_tables, expected_statuses = _tables(query, project), _statuses(project)
    shutil.rmtree(project / ".local")
    result = pytester.runpytest("--fft-seed", "--fft-run", "--fft-test", "-n", workers,
                                "--fft-cache", "off")
    result.assert_outcomes(passed=10)
    assert _tables(query, project) == expected_tables
    assert _statuses(project) == expected_statuses


def test_the_cache_works_under_xdist(pytester: pytest.Pytester, project: Path) -> None:
    pytester.runpytest("--fft-seed", "--fft-run", "-n", "2").assert_outcomes(passed=7)
    again = pytester.runpytest("--fft-seed", "--fft-run", "-n", "2")
    assert again.parseoutcomes() == {"cached": 7}


def test_failures_and_skips_arrive_from_the_builder(pytester: pytest.Pytester,
                                                    project: Path) -> None:
    (project / "models/users.ff.sql").write_text("select id, emial from {{ source('crm','users') }}\n")
    result = pytester.runpytest("--fft-seed", "--fft-run", "-n", "2", "-rs")
    result.assert_outcomes(passed=3, failed=1, skipped=3)
    out = result.stdout.str()
    assert 'Referenced column "emial" not found' in out
    assert "upstream failed: users.ff" in out

"""``utest_results.json``: every session that runs unit cases records each case's outcome in
``<project>/.fastflowtransform/target/``, in one process and under pytest-xdist alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CommandResult

WRONG = ("- {id: 4, email: \"d@gmail.com\",   is_gmail: true}",
         "- {id: 4, email: \"d@gmail.com\",   is_gmail: false}")


def _results(project: Path) -> dict[str, Any]:
    path = project / ".fastflowtransform" / "target" / "utest_results.json"
    return json.loads(path.read_text())


def _outcomes(document: dict[str, Any]) -> dict[str, tuple[str, str, str | None]]:
    return {r["node_id"]: (r["model"], r["status"], r["message"])
            for r in document["results"]}


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FF_", "FFT_"))}
    return subprocess.run([sys.executable, "-m", "pytest", "tests/unit", "-q",
                           "-p", "no:randomly", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=180, check=False)


EXPECTED_FAILURE = ("unit case override_inputs of users_enriched "
                    "(tests/unit/users_enriched.yml:20):\n"
                    "users_enriched: 2 expected rows, 2 in the result; 1 differs\n"
                    "  row 2 (id=4): is_gmail expected False, got True")


@pytest.mark.parametrize("how", ["fft utest", "pytest -n 2"])
def test_each_case_and_its_outcome_are_recorded(
        simple_project: Path, run_fft: Callable[..., CommandResult], how: str) -> None:
    spec = simple_project / "tests" / "unit" / "users_enriched.yml"
    spec.write_text(spec.read_text().replace(*WRONG))
    if how == "fft utest":
        assert run_fft("utest", str(simple_project)).returncode == 2  # fft: failed tests
    else:
        assert _pytest(simple_project, "--fft-utest", "-n", "2").returncode == 1
    document = _results(simple_project)
    assert _outcomes(document) == {
        "tests/unit/mart_orders_enriched.yml::join_and_flag":
            ("mart_orders_enriched", "pass", None),
        "tests/unit/mart_users.yml::passthrough_columns": ("mart_users.ff", "pass", None),
        "tests/unit/users_enriched.yml::basic_gmail_flag": ("users_enriched", "pass", None),
        "tests/unit/users_enriched.yml::override_inputs":
            ("users_enriched", "fail", EXPECTED_FAILURE)}
    assert document["totals"] == {"pass": 3, "cached": 0, "fail": 1, "error": 0, "skipped": 0}
    assert document["metadata"]["model_engine"] == "duckdb"
    assert all(r["duration_ms"] >= 0 and r["file"] and r["line"] > 0
               for r in document["results"])


def test_a_cached_case_is_recorded_as_cached(
        simple_project: Path, run_fft: Callable[..., CommandResult]) -> None:
    assert run_fft("utest", str(simple_project), "--cache", "rw").returncode == 0
    assert run_fft("utest", str(simple_project), "--cache", "rw").returncode == 0
    assert {r["status"] for r in _results(simple_project)["results"]} == {"cached"}


def test_a_session_without_unit_cases_leaves_no_file(simple_project: Path) -> None:
    assert _pytest(simple_project, "--fft-seed").returncode == 5  # nothing under tests/unit
    assert not (simple_project / ".fastflowtransform" / "target" / "utest_results.json").exists()

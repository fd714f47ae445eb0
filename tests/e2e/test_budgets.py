"""Per-model query statistics in run_results.json and the run budgets of budgets.yml, through
``fft run`` and ``pytest --fft-run`` (also under pytest-xdist), on DuckDB and PostgreSQL."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

EVENTS = "id,kind\n" + "".join(f"{i},kind_{i % 7}\n" for i in range(500))
DUCKDB = "dev:\n  engine: duckdb\n  duckdb: {path: .local/dev.duckdb}\n"
PY_MODEL = """\
from fastflowtransform import model


@model(name="py_kinds", deps=["events_copy.ff"])
def kinds(df):
    return df[["kind"]].drop_duplicates()
"""
FILES = {
    "seeds/events.csv": EVENTS,
    "models/events_copy.ff.sql": ("{{ config(tags=['finance']) }}\n"
                                  "select id, kind from {{ ref('events') }}\n"),
    "models/small.ff.sql": "select 1 as id\n",
    "models/py_kinds.ff.py": PY_MODEL,
}


def _project(make_project: Any, profile: str = DUCKDB, budgets: str | None = None) -> Path:
    files = {**FILES, "profiles.yml": profile}
    if budgets is not None:
        files["budgets.yml"] = budgets
    return make_project(files)


def _results(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (root / ".fastflowtransform/target/run_results.json").read_text(encoding="utf-8"))
    return data


def _by_name(root: Path) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in _results(root)["results"]}


def test_a_plain_run_records_rows_and_engine_time_but_no_bytes(make_project, run_fft,
                                                                 warehouse) -> None:
    root = _project(make_project, warehouse.profile)
    assert run_fft("seed", str(root)).returncode == 0
    ran = run_fft("run", str(root))
    assert ran.returncode == 0, ran.output
    data = _results(root)
    assert "budgets" not in data  # no budgets.yml: run_results.json as before
    entries = {e["name"]: e for e in data["results"]}
    assert {n: e["rows"] for n, e in entries.items()} == {
        "events_copy.ff": 500, "small.ff": 1, "py_kinds": 7}
    for entry in entries.values():
        assert entry["bytes_scanned"] is None  # no guard, no bytes budget: no EXPLAIN
        assert isinstance(entry["query_duration_ms"], int)
        assert 0 <= entry["query_duration_ms"] <= entry["duration_ms"] + 1

    cached = run_fft("run", str(root))  # nothing runs: nothing is measured
    assert cached.returncode == 0, cached.output
    assert {(e["status"], e["rows"], e["bytes_scanned"], e["query_duration_ms"])
            for e in _results(root)["results"]} == {("cached", None, None, None)}


def test_a_bytes_budget_makes_the_run_estimate_its_sql_models(make_project, run_fft,
                                                               warehouse) -> None:
    budgets = "version: 1\ntotal:\n  bytes_scanned: {warn: 1GB}\n"
    root = _project(make_project, warehouse.profile, budgets)
    assert run_fft("seed", str(root)).returncode == 0
    ran = run_fft("run", str(root))
    assert ran.returncode == 0, ran.output
    assert "over budget" not in ran.output
    entries = _by_name(root)
    copied = entries["events_copy.ff"]["bytes_scanned"]
    assert isinstance(copied, int) and copied > 0
    if "engine: duckdb" in warehouse.profile:
        assert copied == 12000  # 500 rows x (BIGINT 8 + VARCHAR 16), as docs/costs.md shows
        assert entries["small.ff"]["bytes_scanned"] is None  # select 1 scans no table
    else:  # PostgreSQL's plan of select 1: one row of 4 bytes
        assert entries["small.ff"]["bytes_scanned"] == 4
    assert entries["py_kinds"]["bytes_scanned"] is None  # a frame is no query
    assert entries["py_kinds"]["rows"] == 7
    assert _results(root)["budgets"] == {"file": "budgets.yml", "status": "ok", "findings": []}


WARN = """\
version: 1
total:
  bytes_scanned: {warn: 1KB}
"""
ERROR = """\
version: 1
models:
  events_copy.ff:
    bytes_scanned:
      warn: 100
      error: 5000
tags:
  finance:
    query_duration_ms: {warn: 1h}
"""


def test_fft_run_warns_over_a_warn_budget_and_exits_0(make_project, run_fft) -> None:
    root = _project(make_project, budgets=WARN)
    assert run_fft("seed", str(root)).returncode == 0
    ran = run_fft("run", str(root))
    assert ran.returncode == 0, ran.output
    assert ("budgets.yml:3: warn budget exceeded: bytes_scanned of the run is 12000 "
            "(11.7 KB), over its limit 1024 (1.0 KB) (total.bytes_scanned.warn)\n"
            "  fix: make the run read less, or raise total.bytes_scanned.warn in budgets.yml"
            ) in ran.stderr
    assert "Over budget" not in ran.output
    assert _results(root)["budgets"] == {
        "file": "budgets.yml", "status": "warn",
        "findings": [{"level": "warn", "scope": "total", "name": None,
                      "metric": "bytes_scanned", "value": 12000, "limit": 1024,
                      "key": "total.bytes_scanned.warn", "file": "budgets.yml", "line": 3}]}


def test_fft_run_fails_over_an_error_budget(make_project, run_fft) -> None:
    root = _project(make_project, budgets=ERROR)
    assert run_fft("seed", str(root)).returncode == 0
    ran = run_fft("run", str(root))
    assert ran.returncode == 1, ran.output
    assert "✓ events_copy.ff" in ran.stdout  # the model built: the run is over budget
    assert ("budgets.yml:6: error budget exceeded: bytes_scanned of model events_copy.ff is "
            "12000 (11.7 KB), over its limit 5000 (4.9 KB) "
            "(models.events_copy.ff.bytes_scanned.error)\n"
            "  fix: make model events_copy.ff read less, or raise "
            "models.events_copy.ff.bytes_scanned.error in budgets.yml") in ran.stderr
    assert "Over budget: the run exceeded 1 error budget of budgets.yml" in ran.stdout
    found = _results(root)["budgets"]
    assert found["status"] == "error"
    assert [(f["level"], f["scope"], f["name"], f["metric"], f["value"], f["limit"], f["line"])
            for f in found["findings"]] == [
        ("error", "model", "events_copy.ff", "bytes_scanned", 12000, 5000, 6)]
    # Raising the limit is the fix.
    (root / "budgets.yml").write_text(ERROR.replace("5000", "20KB"), encoding="utf-8")
    again = run_fft("run", str(root), "--rebuild")
    assert again.returncode == 0, again.output
    assert "warn budget exceeded: bytes_scanned of model events_copy.ff" in again.stderr


def test_a_budgets_yml_that_cannot_be_read_fails_the_run(make_project, run_fft) -> None:
    root = _project(make_project, budgets="version: 1\ntotal:\n  rows: {warn: 1}\n")
    assert run_fft("seed", str(root)).returncode == 0
    ran = run_fft("run", str(root))
    assert ran.returncode == 1
    assert "budgets.yml: unknown key total.rows" in ran.stderr
    assert _results(root)["budgets"]["status"] == "error"


@pytest.fixture
def project(pytester: pytest.Pytester) -> Path:
    for rel, text in {**FILES, "profiles.yml": DUCKDB,
                      "project.yml": "name: shop\nversion: 1\n"}.items():
        path = pytester.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return pytester.path


def test_pytest_shows_budgets_in_its_summary(pytester: pytest.Pytester, project: Path) -> None:
    (project / "budgets.yml").write_text(WARN, encoding="utf-8")
    # In subprocesses: an in-process run would import DuckDB and pandas, and drop them after.
    warned = pytester.runpytest_subprocess("--fft-seed", "--fft-run", "-p", "no:randomly")
    warned.assert_outcomes(passed=4)
    assert warned.ret == pytest.ExitCode.OK
    warned.stdout.fnmatch_lines([
        "*= fft budgets =*",
        ("budgets.yml:3: warn budget exceeded: bytes_scanned of the run is 12000 (11.7 KB), "
        "over its limit 1024 (1.0 KB) (total.bytes_scanned.warn)")])
    assert _by_name(project)["events_copy.ff"]["bytes_scanned"] == 12000

    (project / "budgets.yml").write_text(ERROR, encoding="utf-8")
    failed = pytester.runpytest_subprocess("--fft-seed", "--fft-run", "-p", "no:randomly",
                                           "--fft-cache", "off")
    failed.assert_outcomes(passed=4)
    assert failed.ret == pytest.ExitCode.TESTS_FAILED
    failed.stdout.fnmatch_lines([
        "*= fft budgets =*",
        ("budgets.yml:6: error budget exceeded: bytes_scanned of model events_copy.ff is "
        "12000 (11.7 KB), over its limit 5000 (4.9 KB) *"),
        "  fix: make model events_copy.ff read less*"])


def test_under_xdist_the_controller_reports_the_builder_s_budgets(
        pytester: pytest.Pytester, project: Path) -> None:
    (project / "budgets.yml").write_text(ERROR, encoding="utf-8")
    result = pytester.runpytest_subprocess("--fft-seed", "--fft-run", "-n", "2")
    result.assert_outcomes(passed=4)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*= fft budgets =*",
                                 ("budgets.yml:6: error budget exceeded: bytes_scanned of model "
                                 "events_copy.ff is 12000 *")])
    entry = _by_name(project)["events_copy.ff"]
    assert (entry["rows"], entry["bytes_scanned"]) == (500, 12000)
    assert re.fullmatch(r"\d+", str(entry["query_duration_ms"]))


STATS_HOOK = """
import json
from pathlib import Path

from fastflowtransform.hooks.registry import fft_hook


@fft_hook(name="py_stats", when="after_model")
def stats(ctx):
    log = Path(__file__).resolve().parents[1] / ".local" / "stats.jsonl"
    with log.open("a") as f:
        f.write(json.dumps([ctx["model"]["name"], ctx["model_stats"]]) + "\\n")
"""


def test_after_model_hooks_receive_the_model_s_statistics(make_project, run_fft) -> None:
    root = make_project({
        **FILES, "budgets.yml": "version: 1\nmodels:\n  events_copy:\n"
                                "    bytes_scanned: {warn: 1GB}\n",
        "project.yml": "name: shop\nhooks:\n  after_model:\n    - {name: py_stats, "
                       "kind: python}\n",
        "hooks/stats.py": STATS_HOOK})
    assert run_fft("seed", str(root)).returncode == 0
    ran = run_fft("run", str(root))
    assert ran.returncode == 0, ran.output
    lines = (root / ".local/stats.jsonl").read_text(encoding="utf-8").splitlines()
    logged = dict(json.loads(line) for line in lines)
    entries = _by_name(root)
    for name in ("events_copy.ff", "small.ff", "py_kinds"):
        assert logged[name]["rows"] == entries[name]["rows"]
        assert logged[name]["query_duration_ms"] == entries[name]["query_duration_ms"]
    assert logged["events_copy.ff"]["bytes_scanned"] == 12000  # its budget wants its bytes
    assert logged["small.ff"]["bytes_scanned"] == 0  # not estimated

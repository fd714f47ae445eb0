"""FastFlowTransform 0.6's selection and source freshness through ``fft`` and ``pytest``:
``result:error`` re-runs what failed, ``fft test --select tag:x`` runs the checks FFT runs,
``--changed-since`` with git, and ``fft source freshness`` / ``--fft-source-freshness`` on
DuckDB and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import Warehouse

pytestmark = pytest.mark.warehouses("duckdb", "postgres", "spark")

FILES = {
    "seeds/seed_users.csv": "id,email\n1,a@x\n2,b@y\n",
    "models/stg_users.ff.sql": "{{ config(tags=['x']) }}\nselect * from {{ ref('seed_users') }}\n",
    "models/mart_users.ff.sql": "select * from {{ ref('stg_users') }}\n",
    "models/other.ff.sql": "select 1 as id\n",
    "project.yml": """\
        name: proj
        version: 1
        tests:
          - {type: not_null, table: seed_users, column: id}
          - {type: unique, table: stg_users, column: id}
          - {type: unique, table: other, column: id, tags: [nightly]}
        """,
}


def _pytest(root: Path, *args: str, env: dict[str, str] | None = None,
            ) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FF_", "FFT_", "CI"))}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                           "-p", "no:randomly", "--rootdir", str(root), str(root), *args],
                          cwd=root, capture_output=True, text=True, timeout=300, check=False,
                          env={**clean, **(env or {}), "COLUMNS": "200"})


def _ids(result: subprocess.CompletedProcess[str]) -> list[str]:
    return sorted(line for line in result.stdout.splitlines() if "::" in line)


def test_fft_test_with_a_tag_runs_every_check_as_fft_does(make_project: Callable[..., Path],
                                                          run_fft) -> None:
    root = make_project(FILES)
    assert run_fft("build", str(root)).returncode == 0
    # FastFlowTransform 0.6's fft test --select tag:x runs every check of the project
    # (not only those of the models tagged x: not_null[seed_users.id] and unique[other.id]).
    collected = _pytest(root, "--fft-test", "--fft-select", "tag:x", "--collect-only", "-q")
    assert _ids(collected) == ["project.yml::not_null[seed_users.id]",
                               "project.yml::unique[other.id]",
                               "project.yml::unique[stg_users.id]"]
    result = run_fft("test", str(root), "--select", "tag:x", "--select", "tag:engine:duckdb")
    assert result.returncode == 0, result.output
    assert "3 checks" in result.stdout
    # A bare word is FFT's legacy form: the checks tagged with it.
    result = run_fft("test", str(root), "--select", "nightly")
    assert "1 check" in result.stdout and "unique                 other.id" in result.stdout
    # --exclude still leaves checks out.
    collected = _pytest(root, "--fft-test", "--fft-select", "tag:x", "--fft-exclude",
                        "unique", "--collect-only", "-q")
    assert _ids(collected) == ["project.yml::not_null[seed_users.id]"]


def test_result_error_reruns_what_failed(make_project: Callable[..., Path], run_fft) -> None:
    root = make_project({**FILES, "models/broken.ff.sql": "select no_such_column from "
                                                          "{{ ref('stg_users') }}\n"})
    assert run_fft("seed", str(root)).returncode == 0
    assert run_fft("run", str(root)).returncode == 1
    rerun = _pytest(root, "--fft-run", "--fft-select", "result:error", "--collect-only", "-q")
    assert _ids(rerun) == ["models/broken.ff.sql::broken.ff",
                           "models/stg_users.ff.sql::stg_users.ff"]  # and what it reads
    ok = _pytest(root, "--fft-run", "--fft-select", "result:ok", "--fft-exclude", "+stg_users",
                 "--collect-only", "-q")
    assert _ids(ok) == ["models/mart_users.ff.sql::mart_users.ff",
                        "models/other.ff.sql::other.ff"]
    (root / "models" / "broken.ff.sql").write_text("select id from {{ ref('stg_users') }}\n")
    fixed = run_fft("run", str(root), "--select", "result:error")
    assert fixed.returncode == 0, fixed.output
    assert "Done: 1 ok, 1 cached" in fixed.stdout
    again = run_fft("run", str(root), "--select", "result:error")  # nothing failed last time
    assert again.returncode == 0
    assert "Nothing to do: --select result:error matched no node." in again.stdout


def test_result_without_a_previous_run_selects_nothing(make_project: Callable[..., Path],
                                                       run_fft) -> None:
    root = make_project(FILES)
    result = run_fft("run", str(root), "--select", "result:error")
    assert result.returncode == 0
    assert result.stdout.splitlines()[:2] == [
        "Nothing to do: --select result:error matched no node.",
        ("  result: reads the last run's .fastflowtransform/target/run_results.json, which "
        "this project does not have yet")]


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                   cwd=root, check=True, capture_output=True)


def test_changed_since(make_project: Callable[..., Path], run_fft) -> None:
    root = make_project(FILES)
    (root / ".gitignore").write_text(".local/\n.fastflowtransform/\n")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "first")
    assert run_fft("build", str(root)).returncode == 0
    nothing = run_fft("run", str(root), "--changed-since", "HEAD")
    assert nothing.returncode == 0
    assert "Nothing to do: no model changed since HEAD." in nothing.stdout
    (root / "models" / "stg_users.ff.sql").write_text(
        "{{ config(tags=['x']) }}\nselect id, email, 1 as v from {{ ref('seed_users') }}\n")
    collected = _pytest(root, "--fft-seed", "--fft-run", "--fft-changed-since", "HEAD",
                        "--collect-only", "-q")
    assert _ids(collected) == ["models/mart_users.ff.sql::mart_users.ff",
                               "models/stg_users.ff.sql::stg_users.ff",
                               "seeds/seed_users.csv::seed_users"]
    run = run_fft("run", str(root), "--changed-since", "HEAD", "--exclude", "mart_users")
    assert run.returncode == 0, run.output
    assert [line.split()[1] for line in run.stdout.splitlines() if line.startswith("✓")] == [
        "stg_users.ff"]
    demo = run_fft("run", str(root), "--changed-since", "HEAD",
                   env={"FF_CI_CHANGED_MODELS": "other.ff"})
    assert [line.split()[1] for line in demo.stdout.splitlines() if line.startswith("✓")] == [
        "other.ff"]
    bad = run_fft("run", str(root), "--changed-since", "no-such-ref")
    assert bad.returncode == 1
    assert bad.stderr.startswith("fft: error: --changed-since no-such-ref: git diff failed: ")


def _stamp(minutes_ago: float) -> str:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return (now - dt.timedelta(minutes=minutes_ago)).isoformat(sep=" ")


SOURCES = """\
version: 2
sources:
  - name: crm
    tags: [critical_source]
    freshness:
      loaded_at_field: loaded_at
      warn_after: {count: 1, period: hour}
      error_after: {count: 1, period: day}
    tables:
      - name: fresh
        identifier: seed_fresh
      - name: late
        identifier: seed_late
      - name: stale
        identifier: seed_stale
  - name: web
    tables:
      - name: events
        identifier: seed_fresh
        freshness: {loaded_at_field: no_such_column, max_delay_minutes: 60}
      - name: pages
        identifier: seed_fresh
"""


@pytest.fixture
def sourced(make_project: Callable[..., Path], warehouse: Warehouse, run_fft) -> Path:
    root = make_project({
        "profiles.yml": warehouse.profile,
        "sources.yml": SOURCES,
        "seeds/seed_fresh.csv": f"id,loaded_at\n1,{_stamp(200)}\n2,{_stamp(10)}\n",
        "seeds/seed_late.csv": f"id,loaded_at\n1,{_stamp(90)}\n",
        "seeds/seed_stale.csv": f"id,loaded_at\n1,{_stamp(3 * 1440)}\n",
        "models/m.ff.sql": "select * from {{ source('crm', 'fresh') }}\n",
    })
    seeded = run_fft("seed", str(root))
    assert seeded.returncode == 0, seeded.output
    return root


def test_fft_source_freshness(sourced: Path, run_fft) -> None:
    result = run_fft("source", "freshness", str(sourced), "--env", "dev")
    assert result.returncode == 1, result.output  # web.events cannot run: 1 wins over 2
    rows = {line.split()[1]: line.split() for line in result.stdout.splitlines()
            if line[:1] and line[:1] in "✓!✗" and "." in line.split()[1]}
    assert {name: row[:3] + row[4:6] for name, row in rows.items()} == {
        "crm.fresh": ["✓", "crm.fresh", "ok", "60", "1440"],
        "crm.late": ["!", "crm.late", "warn", "60", "1440"],
        "crm.stale": ["✗", "crm.stale", "error", "60", "1440"],
        "web.events": ["✗", "web.events", "error", "-", "60"]}
    assert 9.0 < float(rows["crm.fresh"][3]) < 15.0
    assert 89.0 < float(rows["crm.late"][3]) < 95.0
    assert "    ↳ crm.late is 9" in result.stdout and "more than warn_after 60" in result.stdout
    assert "more than error_after 1440" in result.stdout
    assert "cannot read max(no_such_column) of seed_fresh" in result.stdout
    assert result.stdout.rstrip().splitlines()[-4:-1] == ["✓ ok: 1", "! warn: 1",
                                                          "✗ error: 2"]
    stale = run_fft("source-freshness", str(sourced), "--select", "tag:critical_source")
    assert stale.returncode == 2, stale.output  # stale data: a data-quality failure
    late = run_fft("source", "freshness", str(sourced), "--select", "source:crm",
                   "--exclude", "crm.stale")
    assert late.returncode == 0, late.output  # late only warns
    none = run_fft("source", "freshness", str(sourced), "--select", "tag:nothing")
    assert none.returncode == 0
    assert none.stdout == "No freshness rules found matching --select/--exclude.\n"


@pytest.mark.warehouses("duckdb", "postgres")  # pytest in a subprocess: a JVM of its own
def test_pytest_source_freshness_items(sourced: Path) -> None:
    collected = _pytest(sourced, "--fft-source-freshness", "--collect-only", "-q")
    assert _ids(collected) == ["sources.yml::crm.fresh", "sources.yml::crm.late",
                               "sources.yml::crm.stale", "sources.yml::web.events"]
    result = _pytest(sourced, "--fft-source-freshness", "-rA")
    assert result.returncode == 1
    summary = [line for line in result.stdout.splitlines()
               if line.startswith(("PASSED", "FAILED"))]
    assert [line.split(" - ")[0] for line in summary] == [
        "PASSED sources.yml::crm.fresh", "PASSED sources.yml::crm.late",
        "FAILED sources.yml::crm.stale", "FAILED sources.yml::web.events"]
    assert "FFTFreshnessWarning: crm.late is 9" in result.stdout
    narrowed = _pytest(sourced, "--fft-source-freshness", "--fft-select", "source:crm",
                       "--fft-exclude", "stale", "-q")
    assert narrowed.returncode == 0, narrowed.stdout
    assert "2 passed, 1 warning" in narrowed.stdout


def test_no_rules(make_project: Callable[..., Path], run_fft) -> None:
    root = make_project({"models/m.ff.sql": "select 1 as id\n"})
    result = run_fft("source", "freshness", str(root))
    assert result.returncode == 0
    assert result.stdout == ("No freshness rules found: no table of sources.yml has a "
                             "freshness: block\n")

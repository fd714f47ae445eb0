"""The cache never lies: whatever ends a build (``kill -9``, SIGTERM), a node reported
``cached`` afterwards holds what its current definition builds.

The scenario of a cancelled CI job: the example is built, two models are changed, the run
that builds them is killed after the first changed model is rebuilt and while the second one
runs, and the change is reverted. The reverted run must rebuild the first model (its table
holds the killed run's output), not report it cached.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SLOW = ("select id, email, (select sum(hash(i)) from range(20000000000) t(i)) as slow "
        "from {{ ref('users.ff') }}\n")


@pytest.fixture
def built(simple_project: Path, run_fft) -> Path:
    assert run_fft("build", str(simple_project), "--env", "dev").returncode == 0
    return simple_project


def _start_changed_run(project: Path) -> tuple[subprocess.Popen[str], str]:
    """Change orders.ff (fast) and add a slow model; start `fft run`; return once orders.ff
    is rebuilt and the slow one runs."""
    orders = project / "models/orders.ff.sql"
    original = orders.read_text()
    orders.write_text(original.replace("amount", "amount * 100 as amount"))
    (project / "models/zz_slow.ff.sql").write_text(SLOW)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FF_", "FFT_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest_fft", "run", str(project), "--env", "dev", "--jobs", "4"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    journal = project / ".pytest_cache/d/fft-journal"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # orders.ff's new claim is on disk: it was built
        if journal.is_dir() and any('"built": "orders.ff"' in p.read_text()
                                    for p in journal.iterdir()):
            break
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    else:
        pytest.fail("orders.ff was not rebuilt within 60 s")
    time.sleep(0.5)
    return proc, original


def _revert(project: Path, original: str) -> None:
    (project / "models/orders.ff.sql").write_text(original)
    (project / "models/zz_slow.ff.sql").unlink()


def _amounts(query, project: Path) -> list[tuple]:
    return query(project / ".local/demo.duckdb", "select sum(amount) from orders")


@pytest.mark.parametrize("how", ["kill", "sigterm"])
def test_an_interrupted_build_leaves_no_stale_claim(built: Path, run_fft, query,
                                                    how: str) -> None:
    before = _amounts(query, built)
    proc, original = _start_changed_run(built)
    if how == "kill":
        proc.kill()
    else:
        proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert _amounts(query, built) == [(before[0][0] * 100,)]  # the killed run's output
    if how == "sigterm":  # ended like Ctrl-C: lines, summary, artifacts, exit code
        assert proc.returncode == 143, out + err
        assert "✓ orders.ff" in out
        assert "Terminated (SIGTERM) after" in out
        assert "Traceback" not in out + err
        results = json.loads(
            (built / ".fastflowtransform/target/run_results.json").read_text())
        statuses = {r["name"]: r["status"] for r in results["results"]}
        assert statuses["orders.ff"] == "success"
        assert statuses["zz_slow.ff"] == "error"
    _revert(built, original)
    again = run_fft("run", str(built), "--env", "dev")
    assert again.returncode == 0, again.output
    orders_line = next(line for line in again.stdout.splitlines() if "orders.ff" in line)
    assert "cached" not in orders_line, again.stdout
    assert _amounts(query, built) == before
    assert "✓ users.ff" in again.stdout and "cached" in again.stdout  # the rest stays cached


def test_a_torn_journal_line_is_ignored(built: Path, run_fft) -> None:
    journal = built / ".pytest_cache/d/fft-journal"
    journal.mkdir(parents=True, exist_ok=True)
    (journal / "x.jsonl").write_text('{"forget": ["users.ff"]}\n{"built": "us')
    result = run_fft("run", str(built), "--env", "dev")
    assert result.returncode == 0, result.output
    assert "Done: 0 ok, 5 cached" in result.stdout


@pytest.mark.parametrize("content", ['{"nodes": 5}', "[1, 2]", '{"nodes": {"users.ff": 3}}'])
def test_a_build_cache_entry_of_the_wrong_shape_is_dropped(built: Path, run_fft,
                                                           content: str) -> None:
    entries = list((built / ".pytest_cache/v/fft/build").rglob("dev"))
    assert len(entries) == 1
    entries[0].write_text(content)
    result = run_fft("run", str(built), "--env", "dev")
    assert result.returncode == 0, result.output
    assert "Done: 5 ok" in result.stdout  # nothing is claimed: everything builds
    assert re.search(r"^warning the build cache entry fft/build/\w+/dev is not what "
                     r"pytest-fft writes; it is ignored, and every node builds$",
                     result.stderr, re.MULTILINE), result.stderr
    assert "Traceback" not in result.output
    again = run_fft("run", str(built), "--env", "dev")
    assert "Done: 0 ok, 5 cached" in again.stdout

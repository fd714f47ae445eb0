"""Ctrl-C (or SIGTERM) during a build reports what was built before it: a line for every
node that finished, counted by pytest, instead of "no tests ran"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SLOW = ("select id, (select sum(hash(i)) from range(20000000000) t(i)) as slow "
        "from {{ source('crm', 'users') }}\n")


def _slow_first(project: Path) -> None:
    """A slow model that sorts first in its DAG level: the items of the fast models of that
    level come after it, so they wait for it although their nodes are built."""
    (project / "models/a_slow.ff.sql").write_text(SLOW)


def _wait_for_builds(project: Path, proc: subprocess.Popen[str], header: str) -> str:
    """Once the run has started its items (``header`` printed) and had time to build every
    fast node (a_slow runs for minutes); returns what was printed until then."""
    assert proc.stdout is not None
    seen = ""
    while header not in seen:
        line = proc.stdout.readline()
        assert line, (seen, proc.communicate())
        seen += line
    time.sleep(5)
    assert proc.poll() is None, proc.communicate()
    return seen


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FF_", "FFT_"))}
    return {**env, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_fft_prints_the_nodes_built_before_the_interrupt(simple_project: Path, run_fft,
                                                         sig: signal.Signals) -> None:
    assert run_fft("seed", str(simple_project)).returncode == 0
    _slow_first(simple_project)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest_fft", "run", str(simple_project), "--jobs", "4"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    seen = _wait_for_builds(simple_project, proc, "6 nodes")
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    out = seen + out
    assert proc.returncode == (130 if sig == signal.SIGINT else 143), out + err
    for name in ("orders.ff", "users.ff"):
        assert f"✓ {name}" in out, out
    assert "✗ a_slow.ff" in out
    assert "Traceback" not in out + err


def test_pytest_counts_the_nodes_built_before_ctrl_c(simple_project: Path) -> None:
    assert subprocess.run(
        [sys.executable, "-m", "pytest_fft", "seed", str(simple_project)], env=_env(),
        capture_output=True, check=False).returncode == 0
    _slow_first(simple_project)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", str(simple_project), "--fft-run", "--fft-env", "dev",
         "--fft-jobs", "4", "-p", "no:randomly", "-p", "no:cacheprovider"],
        cwd=simple_project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_env())
    seen = _wait_for_builds(simple_project, proc, "collected 6 items")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    out = seen + out
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, out + err
    assert "no tests ran" not in out
    assert "1 failed, 5 passed" in out, out

"""A build that is interrupted or killed never leaves a half-written relation."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

SLOW_SELECT = (
    "select id, email, (select sum(hash(i)) from range(20000000000) t(i)) as slow "
    "from {{ source('crm', 'users') }}\n"
)


def _start_slow_run(project: Path) -> subprocess.Popen[str]:
    (project / "models" / "users.ff.sql").write_text(SLOW_SELECT)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FF_", "FFT_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest_fft", "run", str(project), "--select", "users"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    time.sleep(3)  # well inside the slow statement (it runs for minutes)
    assert proc.poll() is None, proc.communicate()
    return proc


@pytest.fixture
def built_project(simple_project: Path, run_fft) -> Path:
    assert run_fft("seed", str(simple_project)).returncode == 0
    assert run_fft("run", str(simple_project)).returncode == 0
    return simple_project


def _users(query, project: Path) -> list[tuple]:
    return query(project / ".local/demo.duckdb", "select * from users order by id")


def test_killed_build_keeps_the_previous_table(built_project: Path, query) -> None:
    before = _users(query, built_project)
    proc = _start_slow_run(built_project)
    proc.kill()
    proc.communicate(timeout=30)
    assert _users(query, built_project) == before == [
        (1, "a@example.com"), (2, "b@gmail.com"), (3, "c@gmail.com")]


def test_ctrl_c_stops_the_build_exits_130_and_keeps_the_table(built_project: Path,
                                                               query) -> None:
    before = _users(query, built_project)
    proc = _start_slow_run(built_project)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert "Traceback" not in out + err
    assert _users(query, built_project) == before


def test_a_second_run_on_the_same_database_fails_at_once_or_waits(built_project: Path,
                                                                  run_fft, query) -> None:
    proc = _start_slow_run(built_project)
    try:
        started = time.monotonic()
        second = run_fft("run", str(built_project), "--select", "orders")
        assert time.monotonic() - started < 30
        assert second.returncode == 1
        assert "demo.duckdb" in second.output and "PID" in second.output
        assert "--wait" in second.output
        assert "Traceback" not in second.output
        waiter = subprocess.Popen(
            [sys.executable, "-m", "pytest_fft", "run", str(built_project), "--select",
             "orders", "--wait", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        # Its first line on stderr says it waits (however long its start takes on a busy
        # machine); only then does the holder go away.
        said = _first_line_within(waiter.stderr, seconds=60)
        assert waiter.poll() is None  # still waiting for the lock
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    out, err = waiter.communicate(timeout=90)
    assert waiter.returncode == 0, out + err
    assert re.search(r"^waiting up to \d+s for .*demo\.duckdb: process \d+ holds it", said), \
        said + err
    assert query(built_project / ".local/demo.duckdb", "select count(*) from orders") == [(2,)]


def _first_line_within(stream: Any, seconds: float) -> str:
    """The first line ``stream`` gives within ``seconds`` ("" when none came)."""
    import threading

    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(seconds)
    return lines[0] if lines else ""

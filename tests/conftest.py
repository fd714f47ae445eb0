"""Shared fixtures of the pytest-fft test suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))  # tests/postgres_server.py
EXAMPLES = REPO / "examples"


@pytest.fixture(autouse=True, scope="session")
def _runs_print_what_a_terminal_shows() -> Iterator[None]:
    """The runs of pytest and fft that the tests start print what a user at a terminal sees,
    also on a CI machine: pytest writes the short test summary in full (not cut at the
    terminal's width) when a ``CI`` or ``BUILD_NUMBER`` variable is set."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("CI", "BUILD_NUMBER"):
            patch.delenv(name, raising=False)
        yield


def required_engines() -> set[str]:
    """Engines whose tests must run, not skip (``FFT_TEST_REQUIRE_ENGINES=postgres``; CI
    sets it, so a machine without PostgreSQL fails the run instead of passing it quietly)."""
    return {name.strip() for name in os.environ.get("FFT_TEST_REQUIRE_ENGINES", "").split(",")
            if name.strip()}


def skip_engine(engine: str, reason: str) -> None:
    """Skip a test of ``engine`` for ``reason``, or fail it where the engine is required."""
    if engine in required_engines():
        pytest.fail(f"{reason} (FFT_TEST_REQUIRE_ENGINES asks for {engine})", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """A throw-away PostgreSQL server on 127.0.0.1 for this test run (one per pytest-xdist
    worker), stopped at the end; see tests/postgres_server.py."""
    import postgres_server as server_module  # tests/postgres_server.py

    try:
        import psycopg  # noqa: F401
    except ImportError:
        skip_engine("postgres", "psycopg is not installed: run scripts/install-dev")
    try:
        server = server_module.start()
    except server_module.NoPostgres as exc:
        skip_engine("postgres", str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_schema(postgres_server: Any, request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """``(dsn, schema)``: a schema of its own on the test server for one test, dropped after."""
    import re
    import uuid

    import psycopg

    name = re.sub(r"\W", "_", request.node.name.lower())[:30]
    schema = f"t_{name}_{uuid.uuid4().hex[:6]}"
    yield postgres_server.dsn, schema
    with psycopg.connect(postgres_server.dsn, autocommit=True) as con:
        con.execute(f'drop schema if exists "{schema}" cascade')


@pytest.fixture
def simple_project(tmp_path: Path) -> Path:
    """A private copy of examples/simple_duckdb (without any built database, and without the
    example's own pytest tests of the warehouse, which tests/e2e/test_citizen_fixtures.py runs)."""
    dest = tmp_path / "simple_duckdb"
    shutil.copytree(EXAMPLES / "simple_duckdb", dest,
                    ignore=shutil.ignore_patterns(".local", ".fastflowtransform", ".pytest_cache",
                                                  "docs", "test_*.py", "__pycache__"))
    return dest


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """Write a small project from ``{relative path: text}``; adds a dev DuckDB profile."""

    def make(files: Mapping[str, str], name: str = "proj") -> Path:
        root = tmp_path / name
        defaults = {
            "project.yml": f"name: {name}\nversion: 1\n",
            "profiles.yml": "dev:\n  engine: duckdb\n  duckdb: {path: .local/dev.duckdb}\n",
        }
        for rel, text in {**defaults, **files}.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        (root / "models").mkdir(exist_ok=True)
        return root

    return make


def _query(db: Path, sql: str) -> list[tuple]:
    """Rows of ``sql`` from a DuckDB file, opened read-only."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@dataclass
class CommandResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _run_fft(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None,
            timeout: float = 120) -> CommandResult:
    """Run the ``fft`` command in a subprocess, as a user would."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("FF_", "FFT_"))}
    full_env.update({"COLUMNS": "200", "NO_COLOR": "1", **(env or {})})
    proc = subprocess.run(
        [sys.executable, "-m", "pytest_fft", *args], cwd=cwd, env=full_env,
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    return CommandResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def query() -> Callable[[Path, str], list[tuple]]:
    """``query(db_path, sql)`` -> rows, from a DuckDB file opened read-only."""
    return _query


@pytest.fixture
def run_fft() -> Callable[..., CommandResult]:
    """``run_fft("run", str(project), "--env", "dev")`` -> CommandResult of a subprocess."""
    return _run_fft

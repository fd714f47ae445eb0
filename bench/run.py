#!/usr/bin/env python3
"""Benchmark pytest-fft against a framework-free floor on a synthetic project.

    python bench/run.py                      # 500 models, 3 repeats
    python bench/run.py --models 50          # a quick run
    python bench/run.py --project DIR        # a copy of an existing project (env: DuckDB file)

Rows (wall clock, median of --repeat runs, a fresh database each run; see bench/README.md):

  (a) floor       the project's rendered SQL and Python model functions run through ONE DuckDB
                  connection in topological order, no framework (seeds loaded the product's way)
  (b) fft run     ``fft run <project> --env dev`` (seeds loaded beforehand, not timed), jobs 1 and 2
  (c) pytest      ``pytest <project> --fft-seed --fft-run --fft-env dev -q``
  (d) fft --version   start-up time, median of 10
  (e) check floor the data-quality checks of project.yml (``check_sql`` for every check, rendered
                  before timing) through ONE DuckDB connection; (e') the same as a script
  (f) fft test    ``fft test <project> --env dev`` on a database built beforehand (not timed)
  (g) pytest      ``pytest <project> --fft-test --fft-env dev -q``, likewise
  (h) pytest      ``pytest <project> --fft-utest -q``: the unit cases of
                  tests/unit/*.yml; ms per case beyond start-up, start-up being (h0), the same
                  command with ``--collect-only``; (h2) the same with ``-n 2`` (pytest-xdist)
  (i) fft utest   ``fft utest <project>``; its start-up (i0) is
                  ``fft utest <project> -- --collect-only``
  (j) fft run     ``fft run <project> --env dev`` again after a full build: every model cached,
                  against ``python -c 'import duckdb, pandas'``
  (k) pytest      ``pytest <project of --collect-models> --fft-seed --fft-run --fft-test --fft-utest
                  --collect-only -q``: collecting every kind of item of a second, bigger project

With ``--postgres DSN|auto`` (auto: a throw-away server of tests/postgres_server.py), on a copy
of the project, env ``pg`` (FF_PG_DSN, FF_PG_SCHEMA), a fresh schema with its seeds each run:

  (p) pg floor    the rendered SQL (``create table ... as``) and the Python model functions
                  (pandas in, pandas out, frames written with COPY) through ONE psycopg
                  connection in topological order (bench/pg_floor.py); (p') the same as a script
  (q) fft run     ``fft run <copy> --env pg`` (seeds loaded beforehand, not timed): <= 1.3x (p')
  (r) fft run     the same again, every model cached: < 1.5x ``python -c 'import psycopg, pandas'``

pytest's cache (``.pytest_cache``: the parse cache and the build fingerprints) is kept between
runs; ``fresh_state`` removes only the database and ``.fastflowtransform/``. The cold cost shows
in two diagnostic rows that remove ``.pytest_cache`` first.

A row whose command is missing or fails prints its error and the script carries on.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
try:
    import pytest_fft  # noqa: F401
except ImportError:  # a checkout that is not installed: use the package next to bench/
    sys.path.insert(1, str(HERE.parent))

import generate  # noqa: E402  (bench/generate.py)

BUILD_TARGET = 1.3  # a full build within 1.3x the floor run as a script of its own
CHECK_TARGET = 1.3  # fft test within 1.3x the check floor
# pytest --fft-test within 1.5x: each check is a pytest item with pytest's whole per-test
# protocol (capture, logging, the setup/call/teardown hooks), as every other test has.
PYTEST_CHECK_TARGET = 1.5
VERSION_TARGET = 0.1  # seconds for `fft --version`
VERSION_SAMPLES = 10
UTEST_CASE_TARGET_MS = 10.0  # a unit case, beyond start-up
UTEST_WORKERS = 2  # pytest-xdist workers of row (h2)
UTEST_XDIST_TARGET = 1.8  # "near-linear": 90% of linear speed-up with UTEST_WORKERS workers
NO_CASE = "fft_bench_selects_no_case"  # a -k expression that matches no unit case
IMPORT_FLOOR = "import duckdb, pandas"  # what any process that builds models must import
CACHED_RERUN_TARGET = 1.5  # a cached rerun of `fft run`, as a multiple of IMPORT_FLOOR
COLLECT_MODELS = 1000  # models of the second project of row (k)
COLLECT_TARGET = 1.5  # seconds for `pytest --collect-only` of every item of that project
LABEL_WIDTH = 52  # the row column of the table (wider when a label is longer)


class RowError(Exception):
    """A row could not be measured; the message is printed in the table."""

    def __init__(self, summary: str, detail: str = "") -> None:
        super().__init__(summary)
        self.summary = summary
        self.detail = detail


@dataclass
class Row:
    label: str
    baseline: str | None = None  # key of the floor row this one is compared with
    target: float | None = None  # ratio to the baseline, or seconds when there is no baseline
    # Printed after the ratio of a target (`< 1.5x import`): the target is then strict (<).
    target_of: str | None = None
    script: str | None = None  # key of the script floor of the `vs script` column
    # Which ratio the target holds: "floor" (median / baseline) or "script" (median / the
    # script floor), for commands whose like-for-like floor is a process of its own.
    judged_by: str = "floor"
    samples: list[float] = field(default_factory=list)
    error: RowError | None = None
    notes: list[str] = field(default_factory=list)
    checked: bool = False  # the database was compared with the floor's once
    # Unit-test rows: ms per case beyond the median of `startup`, over `cases` cases, with a
    # target in ms; `speedup_of`: the speed-up against that row beyond the same start-up.
    startup: Row | None = None
    cases: int = 0
    case_target_ms: float | None = None
    speedup_of: Row | None = None
    speedup_target: float | None = None
    derived: bool = False  # shares another row's samples: no time of its own is printed
    # The sizes its target is set for (see _TARGET_SIZE): "rows" (N=500), "(k)" (the
    # collect project, N=1000), "pg" (N=100 and N=500) or "any" (every size).
    size: str = "rows"
    warnings: list[str] = field(default_factory=list)  # the run built something else

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


# --------------------------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------------------------

def clean_env() -> dict[str, str]:
    """The environment for subprocesses: no FF_*/FFT_* overrides, no PYTEST_ADDOPTS, and
    bytecode caching on (PYTHONDONTWRITEBYTECODE would recompile every module at each start,
    which no user machine does by default)."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("FF_", "FFT_"))
            and k not in ("PYTEST_ADDOPTS", "PYTHONDONTWRITEBYTECODE")}


def timed_command(cmd: list[str], cwd: Path, timeout: float) -> tuple[float, str]:
    """``(seconds, output)`` of ``cmd`` as a whole process in ``cwd``; the benchmark stops
    with the command's output when it fails."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=clean_env(), capture_output=True, text=True,
                          timeout=timeout, check=False)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed in {cwd}:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return seconds, proc.stdout + proc.stderr


def console_script(name: str) -> list[str] | None:
    """The script installed next to this interpreter (skips pyenv/asdf shims), else PATH."""
    local = Path(sys.executable).parent / name
    if local.is_file() and os.access(local, os.X_OK):
        return [str(local)]
    found = shutil.which(name)
    return [found] if found else None


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def db_path_of(root: Path, env_name: str) -> Path:
    from pytest_fft.project.profiles import resolve_profile

    resolved = resolve_profile(root, env_name, environ={})
    if resolved.engine != "duckdb":
        raise SystemExit(f"env {env_name!r} of {root} uses {resolved.engine}; "
                         f"the benchmark needs a DuckDB file")
    path = resolved.profile.duckdb.path
    if path == ":memory:":
        raise SystemExit(f"env {env_name!r} of {root} is an in-memory DuckDB; "
                         f"the benchmark needs a file so separate processes share it")
    return Path(path)


def fresh_state(root: Path, db: Path) -> None:
    """Remove the database and the run artefacts, so every run builds from nothing.

    ``.pytest_cache`` stays: the project's files do not change between runs, so its parse
    cache is warm, as it is for a user's second command (the build cache does not skip a
    node whose relation is missing, so it skips nothing on an empty database)."""
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(root / ".fastflowtransform", ignore_errors=True)
    db.parent.mkdir(parents=True, exist_ok=True)


def drop_pytest_cache(root: Path) -> None:
    """Remove pytest's cache of the project (parse cache and build fingerprints): the state
    of a first command after ``git clone``."""
    shutil.rmtree(root / ".pytest_cache", ignore_errors=True)


def pytest_plugins() -> str:
    """The installed pytest plugins (entry points of group ``pytest11``): each one is
    imported at every pytest start-up."""
    from importlib.metadata import entry_points

    parts = []
    for ep in sorted(entry_points(group="pytest11"), key=lambda e: e.name):
        dist = getattr(ep, "dist", None)
        parts.append(f"{ep.name} ({dist.name} {dist.version})" if dist is not None
                     else ep.name)
    return ", ".join(parts) or "none"


# --------------------------------------------------------------------------------------------
# The floor: no framework, one connection
# --------------------------------------------------------------------------------------------

def _q(relation: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in relation.split("."))


def load_seeds_raw(project, db: Path) -> None:
    """Seeds exactly as the DuckDB engine loads them, on one connection."""
    import duckdb

    con = duckdb.connect(str(db))
    try:
        for statement in seed_statements(project):
            con.execute(statement)
    finally:
        con.close()


def _read_frame(con, rel: str):
    """A relation as pandas through Arrow, the fastest columnar path (as the engine does)."""
    batches = con.sql(f"select * from {_q(rel)}").arrow()
    return (batches.read_all() if hasattr(batches, "read_all") else batches).to_pandas()


def build_models_raw(project, db: Path) -> None:
    """Every model in topological order on one connection: the rendered SQL, the same
    Python functions called the way the product calls them, frames written with register."""
    import duckdb

    from pytest_fft.run.building import call_model_function

    con = duckdb.connect(str(db))
    try:
        for name in project.dag.order:
            model = project.models.get(name)
            if model is None:
                continue
            if model.kind == "sql":
                kind = "view" if model.materialized == "view" else "table"
                con.execute(f"create or replace {kind} {_q(model.relation)} as\n{model.sql}")
            else:
                inputs = {rel: _read_frame(con, rel)
                          for rel in model.relations_of_deps}
                frame = call_model_function(model, inputs)
                con.register("__floor_frame", frame)
                con.execute(f"create or replace table {_q(model.relation)} as "
                            f"select * from __floor_frame")
                con.unregister("__floor_frame")
    finally:
        con.close()


FLOOR_SCRIPT = """\
# The floor as a standalone script: interpreter start-up, imports, then the same statements.
import importlib.util
import sys
import types

import duckdb
import pandas  # noqa: F401

from pytest_fft.run.building import call_model_function
from pytest_fft.project.modules import install_fastflowtransform_alias

STEPS = {steps!r}

install_fastflowtransform_alias()
modules = {{}}
con = duckdb.connect(sys.argv[1])
for step in STEPS:
    if step[0] == "sql":
        con.execute(step[2])
        continue
    _, relation, path, func_name, deps = step
    if path not in modules:
        spec = importlib.util.spec_from_file_location(f"floor_{{len(modules)}}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules[path] = module
    func = getattr(modules[path], func_name)
    inputs = {{}}
    for rel in deps:
        batches = con.sql(f'select * from "{{rel}}"').arrow()
        inputs[rel] = (batches.read_all() if hasattr(batches, "read_all") else batches).to_pandas()
    frame = call_model_function(types.SimpleNamespace(func=func), inputs)
    con.register("__floor_frame", frame)
    con.execute(f'create or replace table "{{relation}}" as select * from __floor_frame')
    con.unregister("__floor_frame")
con.close()
"""


def seed_statements(project) -> list[str]:
    """The statements the DuckDB engine loads the seeds with, in DAG order."""
    from pytest_fft.engines.duckdb import _CSV_OPTIONS
    statements = []
    for name in project.dag.order:
        if name in project.seeds:
            seed = project.seeds[name]
            literal = "'" + str(seed.path).replace("'", "''") + "'"
            # The engine's strict CSV reading (header required, every row its width).
            csv_options = _CSV_OPTIONS.replace("delim = ?", "delim = ','")
            reader = (f"read_parquet({literal})" if seed.format == "parquet"
                      else f"read_csv({literal}, {csv_options})")
            statements.append(f"create or replace table {_q(seed.relation)} as "
                              f"select * from {reader}")
    return statements


def write_floor_script(project, path: Path, *, seeds: bool = False) -> None:
    """The floor as a script of its own, for a like-for-like subprocess baseline: the models
    only, or (``seeds``) the seeds first, as ``pytest --fft-seed --fft-run`` does."""
    steps: list[tuple] = []
    if seeds:
        steps += [("sql", "", statement) for statement in seed_statements(project)]
    for name in project.dag.order:
        model = project.models.get(name)
        if model is None:
            continue
        if model.kind == "sql":
            kind = "view" if model.materialized == "view" else "table"
            steps.append(("sql", model.relation,
                          f"create or replace {kind} {_q(model.relation)} as\n{model.sql}"))
        else:
            steps.append(("py", model.relation, str(model.path), model.func.__name__,
                          list(model.relations_of_deps)))
    path.write_text(FLOOR_SCRIPT.format(steps=steps), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# The check floor: the checks' own queries, one connection
# --------------------------------------------------------------------------------------------

def check_queries(project) -> list[tuple[str, str]]:
    """``(check name, query)`` for every check of ``project.yml``, in DAG order, rendered by
    the product's own ``check_sql`` (what ``fft test`` sends to DuckDB)."""
    from pytest_fft.checks import check_sql, dialect_for

    dialect = dialect_for("duckdb")
    return [(name, check_sql(project.checks[name].spec, dialect))
            for name in project.dag.order if name in project.checks]


def run_checks_raw(queries: Sequence[str], db: Path) -> list[tuple]:
    """Every query on one connection (opened and closed inside, as a command must); the one
    row each returns."""
    import duckdb

    con = duckdb.connect(str(db))
    try:
        return [con.execute(sql).fetchone() for sql in queries]
    finally:
        con.close()


CHECK_SCRIPT = """\
# The check floor as a standalone script: interpreter start-up, import duckdb, the queries.
import sys

import duckdb

QUERIES = {queries!r}

con = duckdb.connect(sys.argv[1])
rows = [con.execute(sql).fetchone() for sql in QUERIES]
con.close()
print(f"{{len(rows)}} check queries")
"""


def write_check_script(queries: Sequence[str], path: Path) -> None:
    path.write_text(CHECK_SCRIPT.format(queries=list(queries)), encoding="utf-8")


def reported_checks(output: str) -> tuple[int | None, int | None]:
    """``(passed, failed)`` as an ``fft test`` summary (``✓ passed: 1000``) or a pytest summary
    line (``1000 passed in 2.1s``) reports them; ``None`` when it says nothing."""
    import re

    fft_passed = re.findall(r"passed:\s*(\d+)", output)
    if fft_passed:
        failed = re.findall(r"failed:\s*(\d+)", output)
        return int(fft_passed[-1]), int(failed[-1]) if failed else 0
    summary = re.findall(r"^=*\s*(\d+ \w+.*) in [\d.]+s", output, flags=re.MULTILINE)
    if not summary:
        return None, None
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", summary[-1])}
    return counts.get("passed"), counts.get("failed", 0) + counts.get("error", 0)


def reported_cases(output: str) -> tuple[int | None, int]:
    """``(passed, failed)`` unit cases as ``fft utest`` (``Done: 157 ok in 3.05s``) or a
    pytest summary line (``157 passed in 3.6s``) reports them; ``None`` when it says nothing."""
    import re

    done = re.findall(r"^Done: (.*) in [\d.]+s", output, flags=re.MULTILINE)
    if done:
        counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", done[-1])}
        return counts.get("ok", 0) + counts.get("cached", 0), counts.get("failed", 0)
    passed, failed = reported_checks(output)
    return passed, failed or 0


def unit_case_count(project) -> tuple[int, str | None]:
    """How many unit cases ``tests/unit/*.yml`` holds, or an error text."""
    from pytest_fft.utest import load_unit_specs

    try:
        cases = len(load_unit_specs(project))
    except Exception as exc:  # a spec that does not parse: the rows say so
        return 0, f"{type(exc).__name__}: {str(exc).splitlines()[0][:80]}"
    return cases, None if cases else "the project has no unit cases (tests/unit/*.yml)"


# --------------------------------------------------------------------------------------------
# Checking what a run built
# --------------------------------------------------------------------------------------------

def inventory(db: Path) -> dict[str, int]:
    """Row count of every table and view in the database's main schema."""
    import duckdb

    if not db.exists():
        return {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'main' order by 1").fetchall()]
        return {n: con.execute(f"select count(*) from {_q(n)}").fetchone()[0] for n in names}
    finally:
        con.close()


def compare(row: Row, db: Path, reference: dict[str, int] | None) -> None:
    """Note on ``row`` if its database differs from the floor's (missing tables, row counts)."""
    if row.checked or reference is None:
        return
    row.checked = True
    got = inventory(db)
    missing = sorted(set(reference) - set(got))
    if missing:
        row.warnings.append(f"INCOMPLETE: {len(missing)} of {len(reference)} relations missing "
                 f"(e.g. {', '.join(missing[:3])})")
    differ = sorted(n for n in reference if n in got and got[n] != reference[n])
    if differ:
        row.warnings.append(f"{len(differ)} relations have other row counts than the floor "
                 f"(e.g. {differ[0]}: {got[differ[0]]} vs {reference[differ[0]]})")


# --------------------------------------------------------------------------------------------
# Subprocesses
# --------------------------------------------------------------------------------------------

def judge_counts(row: Row, output: str, passed: int | None, failed: int | None, want: int,
                 what: str, source: str) -> None:
    """The first run of a check or unit row must report every one of ``want`` passed."""
    if passed is None:
        row.warnings.append(f"the output does not say how many {what} passed: "
                            + last_line(output)[:80])
    elif passed != want or failed:
        row.warnings.append(f"{passed} {what} passed and {failed} failed, {source} has {want}")
    else:
        row.note(f"first run: exit 0, {passed} of {want} {what} passed")


def tail(text: str, lines: int = 12) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def last_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def run_timed(cmd: Sequence[str], cwd: Path, timeout: float,
              ok_codes: Sequence[int] = (0,),
              extra_env: Mapping[str, str] | None = None) -> tuple[float, str]:
    """Run ``cmd`` (in :func:`clean_env`, plus ``extra_env``); return its wall-clock seconds
    and its standard output, or raise :class:`RowError` (exit code not in ``ok_codes``,
    timeout, missing command)."""
    env = {**clean_env(), **(extra_env or {})}
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=timeout, check=False)
    except FileNotFoundError as exc:
        raise RowError(f"cannot start {cmd[0]}: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise RowError(f"timed out after {timeout:.0f}s",
                       tail(str(exc.stdout or "") + str(exc.stderr or ""))) from exc
    elapsed = time.perf_counter() - t0
    if proc.returncode not in ok_codes:
        output = tail((proc.stdout or "") + "\n" + (proc.stderr or ""))
        last = output.splitlines()[-1] if output else ""
        raise RowError(f"exit {proc.returncode}: {last[:90]}",
                       f"$ {' '.join(cmd)}\n{output}")
    return elapsed, proc.stdout or ""


# --------------------------------------------------------------------------------------------
# PostgreSQL (--postgres): rows (p), (p'), (q), (r)
# --------------------------------------------------------------------------------------------

PG_ENV = "pg"  # the generated project's postgres env (profiles.yml: FF_PG_DSN, FF_PG_SCHEMA)
PG_IMPORT_FLOOR = "import psycopg, pandas"  # what a command building models on PostgreSQL imports
PG_SIZES = (100, 500)  # the PostgreSQL targets are set at both sizes
PG_FLOOR_SCHEMA = "fft_bench_floor"  # (p) and (p') build here
PG_FFT_SCHEMA = "fft_bench"  # (q) and (r) build here (FF_PG_SCHEMA of their commands)


def start_postgres(spec: str) -> tuple[str, Callable[[], None], str]:
    """``(dsn, stop, what)``: the server of ``--postgres``. ``auto`` starts a throw-away one
    with the test suite's ``tests/postgres_server.py`` (initdb and pg_ctl, as the postgres
    user when run as root; ``FFT_TEST_PG_DSN`` names a server of your own instead)."""
    if spec != "auto":
        return spec, lambda: None, "given with --postgres"
    import importlib.util

    path = HERE.parent / "tests" / "postgres_server.py"
    module_spec = importlib.util.spec_from_file_location("fft_bench_postgres_server", path)
    if not path.is_file() or module_spec is None or module_spec.loader is None:
        raise SystemExit(f"--postgres auto needs {path} (a checkout of pytest-fft); "
                         "or pass --postgres DSN")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_spec.name] = module  # its dataclass looks the module up while it loads
    module_spec.loader.exec_module(module)
    try:
        server = module.start()
    except module.NoPostgres as exc:
        raise SystemExit(f"--postgres auto: {exc}") from None
    what = ("FFT_TEST_PG_DSN" if os.environ.get("FFT_TEST_PG_DSN")
            else "a throw-away server of tests/postgres_server.py (fsync=off)")
    return server.dsn, server.stop, what


def pg_connect(dsn: str):
    import psycopg

    from pytest_fft.engines.postgres import conninfo

    return psycopg.connect(conninfo(dsn), autocommit=True)


def pg_fresh_schema(dsn: str, schema: str) -> None:
    """``schema`` dropped (with all it holds) and created again, empty."""
    with pg_connect(dsn) as con:
        con.execute(f"drop schema if exists {_q(schema)} cascade")
        con.execute(f"create schema {_q(schema)}")


def pg_load_seeds(project, dsn: str, schema: str) -> None:
    """The seeds into ``schema`` exactly as the engine loads them (DuckDB's CSV reader, Arrow,
    COPY): what the floors start from, not timed."""
    from pytest_fft.engines.postgres import PostgresEngine

    engine = PostgresEngine(dsn, schema=schema)
    try:
        for name in project.dag.order:
            if name in project.seeds:
                seed = project.seeds[name]
                engine.load_seed(seed.relation, str(seed.path), seed.format)
    finally:
        engine.close()


def pg_inventory(dsn: str, schema: str) -> dict[str, int]:
    """Row count of every table and view of ``schema`` but the audit table."""
    from pytest_fft.engines.capabilities import AUDIT_TABLE

    with pg_connect(dsn) as con:
        names = [r[0] for r in con.execute(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relkind in ('r', 'v', 'm', 'p') and c.relname <> %s "
            "order by 1", [schema, AUDIT_TABLE]).fetchall()]
        return {n: con.execute(f"select count(*) from {_q(schema)}.{_q(n)}").fetchone()[0]
                for n in names}


def pg_server_text(dsn: str) -> str:
    """``PostgreSQL 15.8 at user@host:port/db``, or why it cannot say."""
    from pytest_fft.engines.postgres import describe_dsn

    try:
        with pg_connect(dsn) as con:
            version = con.execute("show server_version").fetchone()[0]
    except Exception as exc:  # the rows report the error in full
        return f"PostgreSQL at {describe_dsn(dsn)}: {type(exc).__name__}"
    return f"PostgreSQL {version} at {describe_dsn(dsn)}"


def _pg_error(exc: Exception) -> RowError:
    text = str(exc).strip()
    return RowError(f"{type(exc).__name__}: {(text.splitlines() or [''])[0][:80]}", text)


# --------------------------------------------------------------------------------------------
# The benchmark
# --------------------------------------------------------------------------------------------

def _csv_rows(path: Path) -> int:
    """The data rows of a CSV file with a header (a quoted newline is no new row)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


class Bench:
    def __init__(self, args: argparse.Namespace, root: Path,
                 collect_root: Path | None = None,
                 postgres: tuple[Path, str, str] | None = None) -> None:
        """``postgres``: the project's copy for the PostgreSQL rows, the DSN, and where the
        server comes from (None: no PostgreSQL rows)."""
        import pytest_fft
        from pytest_fft import load_project

        self.args = args
        self.root = root
        self.collect_root = collect_root  # the project of row (k), or None to skip it
        self.db = db_path_of(root, args.env)
        t0 = time.perf_counter()
        self.project = load_project(root)
        self.load_seconds = time.perf_counter() - t0
        self.fft = console_script("fft")
        self.package = str(Path(pytest_fft.__file__).parent)  # the code measured
        pytest_cmd = console_script("pytest")
        self.pytest = pytest_cmd or [sys.executable, "-m", "pytest"]
        self.reference: dict[str, int] | None = None
        self.fft_seed_works: bool | None = None

        self.floor_total = Row("(a) floor: seeds + models, one duckdb connection", "total")
        self.floor_models = Row("(a) floor: models only (seeds preloaded)", "models")
        self.floor_script = Row("(a') floor as a script: start-up + imports + models",
                                "models")
        self.script_path = root.parent / "floor_script.py"
        write_floor_script(self.project, self.script_path)
        self.floor_script_total = Row("(a'') floor as a script: start-up + imports + seeds + "
                                      "models", "total")
        self.script_total_path = root.parent / "floor_script_seeds.py"
        write_floor_script(self.project, self.script_total_path, seeds=True)
        # What builds the project: every node but the checks (fft run and --fft-run build
        # them all and run no check; the in-process Executor rows are given the same list).
        self.build_nodes = [n for n in self.project.dag.order if n not in self.project.checks]
        self.fft_run = {jobs: Row(f"(b) fft run --env dev --jobs {jobs or 'auto (default)'}",
                                  "models", BUILD_TARGET, script="script",
                                  judged_by="script")
                        for jobs in [None, *args.jobs]}
        self.pytest_row = Row("(c) pytest --fft-seed --fft-run --fft-env dev", "total",
                              BUILD_TARGET, script="script_total", judged_by="script")
        # A first build after `git clone`: no parse cache, no fingerprints (no target).
        self.fft_run_cold = Row("    fft run, .pytest_cache removed (cold parse and "
                                "fingerprints)", "models", script="script")
        self.cached_rerun = Row("(j) fft run --env dev, cached rerun", "import",
                                CACHED_RERUN_TARGET, target_of="import")

        self.checks = check_queries(self.project)
        n = len(self.checks)
        self.check_floor = Row(f"(e) check floor: {n} queries, one duckdb connection",
                               "checks")
        self.check_script = Row("(e') check floor as a script: start-up + queries",
                                "checks")
        self.check_script_path = root.parent / "check_script.py"
        write_check_script([sql for _, sql in self.checks], self.check_script_path)
        self.fft_test = Row("(f) fft test --env dev", "checks", CHECK_TARGET,
                            script="checks_script")
        self.pytest_test = Row("(g) pytest --fft-test --fft-env dev", "checks",
                               PYTEST_CHECK_TARGET, script="checks_script")
        self.check_rows = [self.check_floor, self.check_script, self.fft_test,
                           self.pytest_test]
        if not self.checks:
            for row in self.check_rows:
                row.error = RowError("the project has no checks (project.yml has no tests:)")
        self.unit_cases, unit_error = unit_case_count(self.project)
        cases = self.unit_cases
        self.utest_collect = Row("(h0) pytest --fft-utest --collect-only (start-up)")
        self.utest = Row(f"(h) pytest --fft-utest: {cases} unit cases",
                         startup=self.utest_collect, cases=cases,
                         case_target_ms=UTEST_CASE_TARGET_MS)
        self.utest_xdist = Row(f"(h2) pytest --fft-utest -n {UTEST_WORKERS}",
                               startup=self.utest_collect, cases=cases,
                               speedup_of=self.utest, speedup_target=UTEST_XDIST_TARGET)
        self.fft_utest_collect = Row("(i0) fft utest -- --collect-only (start-up)")
        self.fft_utest = Row(f"(i) fft utest: {cases} unit cases",
                             startup=self.fft_utest_collect, cases=cases,
                             case_target_ms=UTEST_CASE_TARGET_MS)
        self.xdist_start = Row(f"    pytest --fft-utest -n {UTEST_WORKERS}, no case selected")
        self.xdist_beyond = Row("    (h2) beyond its own start-up (the row above)",
                                startup=self.xdist_start, cases=cases,
                                speedup_of=self.utest, derived=True)
        self.xdist_beyond.samples = self.utest_xdist.samples  # the same runs
        self.utest_rows = [self.utest_collect, self.utest, self.utest_xdist,
                           self.fft_utest_collect, self.fft_utest]
        if unit_error is not None:
            for row in (*self.utest_rows, self.xdist_start):
                row.error = RowError(unit_error)
        self.version = Row(f"(d) fft --version (median of {VERSION_SAMPLES})", None,
                           VERSION_TARGET, size="any")
        self.fft_seed = Row("    fft seed --env dev (before each fft run)")
        self.python_start = Row(f"    python -c pass (median of {VERSION_SAMPLES})")
        self.import_floor = Row(f"    python -c '{IMPORT_FLOOR}' (around each (j) run)")
        self.load_row = Row("    load_project() in-process, warm")
        self.executor = {jobs: Row(f"    Executor jobs={jobs} in-process, seeds + models",
                                   "total")
                         for jobs in args.jobs}
        self.executor_checks = {jobs: Row(f"    Executor jobs={jobs} in-process, checks only",
                                          "checks")
                                for jobs in args.jobs}
        if not self.checks:
            for row in self.executor_checks.values():
                row.error = RowError("the project has no checks")
        self.collect_rows: list[Row] = []
        self.collect_cold_rows: list[Row] = []
        self.collect_expected: str | None = None  # `3191 (4 seeds + ...)`, from load_project
        self.collect_want: int | None = None
        if collect_root is not None:
            n_collect = args.collect_models
            self.collect = Row(f"(k) pytest --collect-only, N={n_collect}", None,
                               COLLECT_TARGET, size="(k)")
            self.collect_cold = Row("    (k) first run, parse cache cold")
            self.collect_rows = [self.collect]
            self.collect_cold_rows = [self.collect_cold]
            try:
                other = load_project(collect_root)
                other_cases, _ = unit_case_count(other)
            except Exception as exc:  # the rows still run; pytest says more
                self.collect.note(f"load_project() of {collect_root.name} failed: "
                                  f"{type(exc).__name__}: {str(exc).splitlines()[0][:80]}")
            else:
                kinds = (len(other.seeds), len(other.models), len(other.checks), other_cases)
                self.collect_want = sum(kinds)
                self.collect_expected = (f"{self.collect_want} ({kinds[0]} seeds + "
                                         f"{kinds[1]} models + {kinds[2]} checks + "
                                         f"{kinds[3]} unit cases)")
        self.pg = PostgresRows(self, *postgres) if postgres is not None else None

    def measure_floor_script(self) -> None:
        fresh_state(self.root, self.db)
        load_seeds_raw(self.project, self.db)
        self._sample(self.floor_script, lambda: run_timed(
            [sys.executable, str(self.script_path), str(self.db)], self.root,
            self.args.timeout)[0])
        fresh_state(self.root, self.db)
        self._sample(self.floor_script_total, lambda: run_timed(
            [sys.executable, str(self.script_total_path), str(self.db)], self.root,
            self.args.timeout)[0])

    # -- rows --------------------------------------------------------------------------
    def measure_floor(self) -> None:
        fresh_state(self.root, self.db)
        t0 = time.perf_counter()
        load_seeds_raw(self.project, self.db)
        t1 = time.perf_counter()
        build_models_raw(self.project, self.db)
        t2 = time.perf_counter()
        self.floor_total.samples.append(t2 - t0)
        self.floor_models.samples.append(t2 - t1)
        if self.reference is None:
            self.reference = inventory(self.db)

    def seed_for_fft(self) -> None:
        """Load the seeds before an `fft run`: with `fft seed`, or raw if that fails."""
        if self.fft is not None and self.fft_seed_works is not False:
            try:
                seconds, _ = run_timed([*self.fft, "seed", str(self.root), "--env",
                                        self.args.env], self.root, self.args.timeout)
            except RowError as exc:
                self.fft_seed_works = False
                self.fft_seed.error = exc
                fresh_state(self.root, self.db)
            else:
                self.fft_seed_works = True
                self.fft_seed.samples.append(seconds)
                return
        load_seeds_raw(self.project, self.db)

    def _seeded_for(self, row: Row) -> bool:
        """Before an `fft run` row: a fresh database with the seeds loaded. False when the
        row cannot run (it failed before, or `fft` is missing)."""
        if row.error is not None:
            return False
        if self.fft is None:
            row.error = RowError("`fft` is not installed (no console script, not on PATH)")
            return False
        fresh_state(self.root, self.db)
        self.seed_for_fft()
        if self.fft_seed_works is False:
            row.note("seeds loaded without fft (fft seed failed)")
        return True

    def measure_fft_run(self, jobs: int | None) -> None:
        row = self.fft_run[jobs]
        if not self._seeded_for(row):
            return
        cmd = [*self.fft, "run", str(self.root), "--env", self.args.env]
        if jobs is not None:
            cmd += ["--jobs", str(jobs)]
        self._sample(row, lambda: self._run_and_note(row, cmd))

    def measure_pytest(self) -> None:
        row = self.pytest_row
        if row.error is not None:
            return
        fresh_state(self.root, self.db)
        # pytest's cache stays (the parse cache is used); after fresh_state no relation
        # exists, so the build cache skips nothing and every run builds everything. (Not
        # --fft-cache off: that also renders the project again, as it promises.)
        cmd = [*self.pytest, str(self.root), "--fft-seed", "--fft-run", "--fft-env",
               self.args.env, "-q"]
        self._sample(row, lambda: self._run_and_note(row, cmd))

    def measure_fft_run_cold(self) -> None:
        """(b) with the default jobs, but .pytest_cache removed after the untimed seeding:
        no parse cache, no fingerprints, as for the first build after `git clone`."""
        row = self.fft_run_cold
        if not self._seeded_for(row):
            return
        drop_pytest_cache(self.root)
        cmd = [*self.fft, "run", str(self.root), "--env", self.args.env]
        self._sample(row, lambda: self._run_and_note(row, cmd))

    def measure_cached_rerun(self) -> None:
        """(j): a full build (untimed), then the same `fft run` again, timed: every model
        should come from the build cache."""
        row = self.cached_rerun
        if not self._seeded_for(row):
            return
        cmd = [*self.fft, "run", str(self.root), "--env", self.args.env]
        try:
            run_timed(cmd, self.root, self.args.timeout)
        except RowError as exc:
            row.error = RowError(f"the untimed full build failed: {exc.summary}", exc.detail)
            return
        # The import row is (j)'s yardstick: sampled right before and after each (j) run, so
        # both see the same moment of a noisy machine (a burst at the end may not).
        self._sample_import_floor()
        self._sample(row, lambda: self._run_cached(row, cmd))
        self._sample_import_floor()

    def _sample_import_floor(self) -> None:
        self.import_floor.samples.append(
            run_timed([sys.executable, "-c", IMPORT_FLOOR], self.root, 60)[0])

    def _run_cached(self, row: Row, cmd: list[str], extra_env: Mapping[str, str] | None = None,
                    cwd: Path | None = None) -> float:
        """One cached rerun; the first must report every model cached and none built."""
        import re

        seconds, output = run_timed(cmd, cwd or self.root, self.args.timeout,
                                    extra_env=extra_env)
        if not row.samples:
            last = last_line(output)
            want = len(self.project.models)
            done = re.match(r"Done: (.*) in [\d.]+s", last)
            counts = ({word: int(n) for n, word in re.findall(r"(\d+) (\w+)", done.group(1))}
                      if done else {})
            if counts.get("cached") == want and not set(counts) - {"ok", "cached"} \
                    and not counts.get("ok"):
                row.note(f"first run said: {last[:100]}")
            else:
                row.warnings.append(f"not every one of the {want} models was cached: "
                                    f"{last[:100]}")
        return seconds

    def _run_and_note(self, row: Row, cmd: list[str],
                      extra_env: Mapping[str, str] | None = None,
                      cwd: Path | None = None) -> float:
        seconds, output = run_timed(cmd, cwd or self.root, self.args.timeout,
                                    extra_env=extra_env)
        last = last_line(output)
        if last and not row.samples:
            row.note(f"first run said: {last[:100]}")
        return seconds

    def measure_executor(self, jobs: int) -> None:
        row = self.executor[jobs]
        if row.error is not None:
            return
        fresh_state(self.root, self.db)

        self._sample(row, lambda: self._run_executor(self.build_nodes, jobs, "built"))

    def measure_executor_checks(self, jobs: int) -> None:
        """The checks alone through the Executor, on the build the row before left."""
        row = self.executor_checks[jobs]
        if row.error is not None:
            return
        if self.executor[jobs].error is not None:  # no build to check
            row.error = RowError("no database: the Executor build row failed")
            return
        checks = [name for name, _ in self.checks]
        self._sample(row, lambda: self._run_executor(checks, jobs, "passed"), compare_db=False)

    def _run_executor(self, nodes: list[str], jobs: int, verb: str) -> float:
        from pytest_fft import DuckDBEngine, Executor

        t0 = time.perf_counter()
        engine = DuckDBEngine(str(self.db))
        try:
            results = Executor(self.project, engine, nodes, jobs=jobs).run()
        finally:
            engine.close()
        elapsed = time.perf_counter() - t0
        failed = [r for r in results.values() if r.status != "success"]
        if failed:
            raise RowError(f"{len(failed)} nodes not {verb}: {failed[0].name}: "
                           f"{(failed[0].message or '')[:60]}", failed[0].message or "")
        return elapsed

    # -- the check rows: all on the database the floor has just built -------------------
    def measure_check_floor(self) -> None:
        row = self.check_floor
        if row.error is not None:
            return
        queries = [sql for _, sql in self.checks]  # rendered once, before any timing
        results: list[tuple] = []

        def run() -> float:
            t0 = time.perf_counter()
            try:
                results[:] = run_checks_raw(queries, self.db)
            except Exception as exc:  # a broken query is this row's error
                raise RowError(f"{type(exc).__name__}: {str(exc).splitlines()[0][:80]}",
                               str(exc)) from exc
            return time.perf_counter() - t0

        self._sample(row, run, compare_db=False)
        if len(row.samples) == 1:  # the first run: do the checks pass on this build?
            from pytest_fft.checks import evaluate

            failed = [name for (name, _), result in zip(self.checks, results, strict=True)
                      if not evaluate(self.project.checks[name].spec, result).passed]
            if failed:
                row.warnings.append(f"{len(failed)} of {len(results)} checks fail on the "
                                    f"floor's build (e.g. {failed[0]})")
            else:
                row.note(f"all {len(results)} checks pass on the floor's build")

    def measure_check_script(self) -> None:
        row = self.check_script
        if row.error is not None:
            return
        self._sample(row, lambda: self._run_and_note(
            row, [sys.executable, str(self.check_script_path), str(self.db)]),
            compare_db=False)

    def measure_fft_test(self) -> None:
        row = self.fft_test
        if row.error is not None:
            return
        if self.fft is None:
            row.error = RowError("`fft` is not installed (no console script, not on PATH)")
            return
        cmd = [*self.fft, "test", str(self.root), "--env", self.args.env]
        meanings = {1: "a check could not run, or another error", 2: "a check failed"}
        self._sample(row, lambda: self._run_checks(row, cmd, meanings), compare_db=False)

    def measure_pytest_test(self) -> None:
        row = self.pytest_test
        if row.error is not None:
            return
        cmd = [*self.pytest, str(self.root), "--fft-test", "--fft-env", self.args.env, "-q"]
        meanings = {1: "a check failed or could not run", 2: "interrupted or a usage error"}
        self._sample(row, lambda: self._run_checks(row, cmd, meanings), compare_db=False)

    def _run_checks(self, row: Row, cmd: list[str], meanings: dict[int, str]) -> float:
        """A check command: exit 0 (run_timed raises otherwise; ``meanings`` explain the
        command's other exit codes) and, on the first run, as many passed checks as
        project.yml has."""
        try:
            seconds, output = run_timed(cmd, self.root, self.args.timeout)
        except RowError as exc:
            for code, meaning in meanings.items():
                prefix = f"exit {code}:"
                if exc.summary.startswith(prefix):
                    exc.summary = f"exit {code} ({meaning}):{exc.summary[len(prefix):]}"
            raise
        if not row.samples:
            passed, failed = reported_checks(output)
            judge_counts(row, output, passed, failed, len(self.checks), "checks", "project.yml")
        return seconds

    # -- the unit-test rows: no database, the cases build on private in-memory schemas ----
    def measure_utest(self) -> None:
        # pytest's cache stays: unit cases are only cached with --fft-utest-cache.
        pytest_cmd = [*self.pytest, str(self.root), "--fft-utest", "-q"]
        fft_cmd = [*self.fft, "utest", str(self.root)] if self.fft is not None else None
        xdist = ["-n", str(UTEST_WORKERS)]
        self._unit_sample(self.utest_collect, [*pytest_cmd, "--collect-only"], collect=True)
        self._unit_sample(self.utest, pytest_cmd)
        self._unit_sample(self.utest_xdist, [*pytest_cmd, *xdist])
        # Diagnostic: the workers start and collect, then every case is deselected (exit 5).
        self._unit_sample(self.xdist_start, [*pytest_cmd, *xdist, "-k", NO_CASE], collect=True,
                          ok_codes=(0, 5))
        for row, cmd in ((self.fft_utest_collect, [*(fft_cmd or []), "--", "--collect-only"]),
                         (self.fft_utest, fft_cmd)):
            if fft_cmd is None:
                if row.error is None:
                    row.error = RowError("`fft` is not installed (no console script, "
                                         "not on PATH)")
                continue
            self._unit_sample(row, cmd, collect=row is self.fft_utest_collect)

    def _unit_sample(self, row: Row, cmd: list[str], collect: bool = False,
                     ok_codes: Sequence[int] = (0,)) -> None:
        """One run of a unit-test command; the first run of a row that runs the cases must
        exit 0 and report every case passed (else a warning)."""
        if row.error is not None:
            return

        def run() -> float:
            try:
                seconds, output = run_timed(cmd, self.root, self.args.timeout, ok_codes)
            except RowError as exc:
                if exc.summary.startswith("exit 1:"):
                    exc.summary = "exit 1 (a unit case failed):" + exc.summary[7:]
                raise
            if not row.samples:
                self._note_cases(row, output, collect)
            return seconds

        self._sample(row, run, compare_db=False)

    def _note_cases(self, row: Row, output: str, collect: bool) -> None:
        import re

        want = self.unit_cases
        if collect:
            found = re.findall(r"(\d+) (?:tests? collected|cases)\b", output)
            text = f"{found[-1]} cases collected" if found else last_line(output)[:80]
            row.note(f"first run: {text}")
            return
        passed, failed = reported_cases(output)
        judge_counts(row, output, passed, failed, want, "unit cases", "tests/unit/*.yml")

    # -- (k): collecting every kind of item of the second project -----------------------
    def measure_collect(self) -> None:
        """Cold (no .pytest_cache) once, then warm: the warm row always follows a run that
        has written the parse cache."""
        if self.collect_root is None:
            return
        root = self.collect_root
        cmd = [*self.pytest, str(root), "--fft-seed", "--fft-run", "--fft-test", "--fft-utest",
               "--collect-only", "-q"]
        for row, cold in ((self.collect_cold, True), (self.collect, False)):
            if row.error is not None:
                continue
            if cold:
                drop_pytest_cache(root)
            self._sample(row, lambda row=row, cold=cold: self._run_collect(row, cmd, cold),
                         compare_db=False)

    def _run_collect(self, row: Row, cmd: list[str], cold: bool) -> float:
        import re

        assert self.collect_root is not None
        seconds, output = run_timed(cmd, self.collect_root, self.args.timeout)
        if row.samples:
            return seconds
        found = re.findall(r"(\d+) tests? collected", output)
        if not found:
            row.warnings.append("the output does not say how many items were collected: "
                                + last_line(output)[:80])
        elif self.collect_want is not None and int(found[-1]) != self.collect_want:
            row.warnings.append(f"{found[-1]} items collected, the project has "
                                f"{self.collect_expected}")
        else:
            row.note(f"first run: {found[-1]} items collected"
                     + (f" of {self.collect_expected}" if self.collect_expected else ""))
        if cold:
            parse_dir = self.collect_root / ".pytest_cache" / "d" / "fft-parse"
            written = list(parse_dir.glob("*")) if parse_dir.is_dir() else []
            if not written:
                row.warnings.append("the cold run wrote no parse cache "
                                    "(.pytest_cache/d/fft-parse/ is empty or missing)")
        return seconds

    def measure_startup(self) -> None:
        if self.fft is None:
            self.version.error = RowError("`fft` is not installed (no console script, "
                                          "not on PATH)")
        else:
            try:
                for _ in range(VERSION_SAMPLES):
                    self.version.samples.append(
                        run_timed([*self.fft, "--version"], self.root, 60)[0])
            except RowError as exc:
                self.version.samples.clear()
                self.version.error = exc
        for _ in range(VERSION_SAMPLES):
            self.python_start.samples.append(
                run_timed([sys.executable, "-c", "pass"], self.root, 60)[0])
        if not self.import_floor.samples and not self.args.postgres_only:
            for _ in range(VERSION_SAMPLES):  # (j) did not run: sample it here instead
                self._sample_import_floor()

    def _sample(self, row: Row, measure: Callable[[], float], compare_db: bool = True) -> None:
        try:
            row.samples.append(measure())
        except RowError as exc:
            row.error = exc  # not retried: one failure is reported and the row is done
            return
        if compare_db:
            compare(row, self.db, self.reference)

    # -- the run -------------------------------------------------------------------------
    def warm_parse_cache(self) -> None:
        """One untimed collection, so that the first timed command finds the parse cache
        warm like every later one (the cache key is the same for every row: the project's
        files, the engine, no vars). A failure is left for the rows to report."""
        cmd = [*self.pytest, str(self.root), "--fft-run", "--fft-env", self.args.env,
               "--collect-only", "-q"]
        with contextlib.suppress(RowError):
            run_timed(cmd, self.root, self.args.timeout)

    def run(self) -> None:
        duckdb_rows = not self.args.postgres_only
        if duckdb_rows:
            self.warm_parse_cache()
        if self.pg is not None:
            self.pg.warm_parse_cache()
        # Rows are interleaved per repetition so that drift (thermal, page cache, noisy
        # neighbours) spreads over all of them rather than favouring one.
        for rep in range(self.args.repeat):
            print(f"  repetition {rep + 1}/{self.args.repeat} ...", file=sys.stderr, flush=True)
            if self.pg is not None:
                self.pg.measure()
            if not duckdb_rows:
                continue
            self.measure_floor()
            # The check rows read the database the floor has just built (not timed).
            self.measure_check_floor()
            self.measure_check_script()
            self.measure_fft_test()
            self.measure_pytest_test()
            self.measure_utest()
            self.measure_floor_script()
            for jobs in self.fft_run:
                self.measure_fft_run(jobs)
            self.measure_fft_run_cold()
            self.measure_cached_rerun()
            self.measure_pytest()
            if not self.args.no_in_process:
                for jobs in self.args.jobs:
                    self.measure_executor(jobs)
                    self.measure_executor_checks(jobs)
            self.load_row.samples.append(self._time_load())
            self.measure_collect()
        self.measure_startup()
        fresh_state(self.root, self.db)

    def _time_load(self) -> float:
        from pytest_fft import load_project

        t0 = time.perf_counter()
        load_project(self.root)
        return time.perf_counter() - t0

    # -- report --------------------------------------------------------------------------
    def report(self) -> None:
        import duckdb
        import pandas

        models = self.project.models
        n_py = sum(1 for m in models.values() if m.kind == "python")
        seed_rows = {s.name: _csv_rows(s.path)
                     for s in self.project.seeds.values() if s.format == "csv"}
        print()
        print(f"pytest-fft benchmark: {len(models)} models ({len(models) - n_py} SQL, "
              f"{n_py} Python), {len(self.project.seeds)} seeds "
              f"({', '.join(f'{k}={v}' for k, v in seed_rows.items())} rows)")
        print(f"project {self.root}   database {self.db}")
        print(f"{cpu_count()} CPUs, Python {platform.python_version()}, duckdb "
              f"{duckdb.__version__}, pandas {pandas.__version__}, {platform.platform()}; "
              f"median of {self.args.repeat}, fresh database each run")
        types: dict[str, int] = {}
        for check in self.project.checks.values():
            types[check.spec.type] = types.get(check.spec.type, 0) + 1
        print(f"{len(self.project.checks)} checks: "
              + (", ".join(f"{k}={v}" for k, v in sorted(types.items())) or "none"))
        unit_dir = self.root / "tests" / "unit"
        n_specs = len(list(unit_dir.rglob("*.yml"))) if unit_dir.is_dir() else 0
        print(f"{self.unit_cases} unit cases in {n_specs} spec files (tests/unit/*.yml)")
        print(f"fft: {' '.join(self.fft) if self.fft else 'not found'}   "
              f"pytest: {' '.join(self.pytest)}   pytest-fft: {self.package}")
        print(f"pytest plugins installed (pytest11, loaded at every pytest start-up): "
              f"{pytest_plugins()}")
        if self.collect_root is not None:
            print(f"(k) project {self.collect_root}: "
                  f"{self.collect_expected or 'load_project() failed'}")
        pg = self.pg
        if pg is not None:
            print(f"PostgreSQL rows: {pg.server_text}; project copy {pg.root}, env "
                  f"{pg.env_name};\n"
                  f"schemas {PG_FLOOR_SCHEMA} ((p), (p')) and {PG_FFT_SCHEMA} ((q), (r)), "
                  "dropped and created again (seeds loaded, untimed) before each run")
        print("pytest's cache (.pytest_cache) is kept between runs (parse cache warm) unless "
              "a row says otherwise")
        print()
        base = {"total": self.floor_total.median, "models": self.floor_models.median,
                "script": self.floor_script.median,
                "script_total": self.floor_script_total.median,
                "checks": self.check_floor.median,
                "checks_script": self.check_script.median, "import": self.import_floor.median}
        if self.args.postgres_only:
            main_rows = [self.version]
            diag = [self.python_start]
        else:
            main_rows = [self.floor_total, self.floor_models, self.floor_script,
                         self.floor_script_total,
                         *self.fft_run.values(),
                         self.pytest_row, self.version, *self.check_rows, *self.utest_rows,
                         self.cached_rerun, *self.collect_rows]
            diag = [self.fft_seed, self.fft_run_cold, self.python_start, self.import_floor,
                    self.load_row, self.xdist_start, self.xdist_beyond,
                    *self.collect_cold_rows]
            if not self.args.no_in_process:
                diag += [*self.executor.values(), *self.executor_checks.values()]
        pg_rows: list[Row] = []
        if pg is not None:
            base.update(pg_floor=pg.floor.median, pg_script=pg.script.median,
                        pg_import=pg.import_floor.median)
            pg_rows = pg.main_rows
            diag += pg.diag_rows
        width = max(LABEL_WIDTH, *(len(row.label) for row in (*main_rows, *pg_rows, *diag)))
        header = (f"{'row':<{width}} {'median':>8} {'min':>8} {'vs floor':>9} "
                  f"{'vs script':>9}  target")
        print(header)
        print("-" * len(header))
        for row in main_rows:
            self._print_row(row, base, width)
        if pg_rows:
            print("-- PostgreSQL (--postgres) " + "-" * (len(header) - 27))
            for row in pg_rows:
                self._print_row(row, base, width)
        print("-- diagnostics (no targets) " + "-" * (len(header) - 28))
        for row in diag:
            self._print_row(row, base, width)
        print()
        if not self.args.postgres_only:
            self._print_duckdb_notes()
        if pg is not None:
            print(f"(q): vs floor against (p), vs script against (p'), the same floor run as "
                  f"a script of its own;\ntarget <= {BUILD_TARGET}x (p') (the 'vs script' "
                  f"column). (r): vs floor against python -c '{PG_IMPORT_FLOOR}'\n"
                  f"(diagnostics), target < {CACHED_RERUN_TARGET}x. Both targets are set at "
                  "N=100 and N=500.")
        problems = [r for r in (*main_rows, *pg_rows, *diag)
                    if r.error or r.notes or r.warnings]
        if problems:
            print()
            print("errors and notes:")
            for row in problems:
                print(f"* {row.label.strip()}")
                if row.error is not None:
                    detail = row.error.detail or row.error.summary
                    print("    " + detail.replace("\n", "\n    "))
                for warning in row.warnings:
                    print(f"    WARNING: {warning}")
                for note in row.notes:
                    print(f"    note: {note}")

    def _print_duckdb_notes(self) -> None:
        print("vs floor: (b) rows against the models-only floor (seeds are loaded before, "
              "untimed); (c) and the\nin-process Executor against the seeds + models floor; "
              "(f), (g) against the check floor (e). vs script:\n(b) against (a'), (c) "
              "against (a''), (f), (g) against (e'): the same floor run as a script of its "
              "own,\nwhich pays interpreter start-up, the imports and interpreter exit like "
              "every command does.\n"
              f"Targets: builds <= {BUILD_TARGET}x the floor run as a script ((b), (c): the "
              f"'vs script' column),\nfft test <= {CHECK_TARGET}x the check floor, pytest "
              f"--fft-test <= {PYTEST_CHECK_TARGET}x, "
              f"fft --version < {VERSION_TARGET}s.")
        print("(h), (h2), (i): ms per unit case beyond start-up = (median - start-up median) / "
              "cases, start-up being\nthe same command with --collect-only ((h0) for (h) and "
              f"(h2), (i0) for (i)); target < {UTEST_CASE_TARGET_MS:g} ms (FastFlowTransform "
              "0.6.19:\n~60 ms, dbt unit tests ~200 ms). (h2): speed-up = ((h) - (h0)) / "
              f"((h2) - (h0)), target >= {UTEST_XDIST_TARGET}x\n(near-linear with "
              f"{UTEST_WORKERS} workers); its part beyond (h0) includes starting the workers, "
              "which\nimport and collect on their own (the diagnostic rows show that cost).")
        print(f"(j): vs floor is against python -c '{IMPORT_FLOOR}' (diagnostics), "
              f"target < {CACHED_RERUN_TARGET}x\n(FastFlowTransform 0.6.19: 11 s, dbt's "
              f"state:modified no-op 6.5 s at N=500). (k): target < {COLLECT_TARGET}s.\n"
              "pytest's cache is kept between runs; (c) finds no relation after the fresh "
              "database, so it\nbuilds everything every time with the parse cache in use. "
              "The cold cost "
              "(no .pytest_cache): the diagnostic rows\n'fft run, .pytest_cache removed' "
              "and '(k) first run'.")

    @staticmethod
    def _per_case_text(row: Row) -> str:
        """``12.3 ms/case beyond start-up  < 10 ms MISSED`` (and the speed-up for (h2))."""
        assert row.startup is not None and row.median is not None
        start = row.startup.median
        if start is None or not row.cases:
            return "(no start-up figure)"
        beyond = row.median - start
        parts = [f"{beyond * 1000 / row.cases:.1f} ms/case beyond start-up"]
        if row.case_target_ms is not None:
            ok = beyond * 1000 / row.cases < row.case_target_ms
            parts.append(f"< {row.case_target_ms:g} ms " + _verdict(ok, row.size))
        base = row.speedup_of
        if base is not None and base.median is not None:
            base_beyond = base.median - (base.startup.median if base.startup and
                                         base.startup.median is not None else start)
            if beyond > 0:
                speedup = base_beyond / beyond
                text = f"{speedup:.2f}x vs (h)"
                if row.speedup_target is not None:
                    text += (f" >= {row.speedup_target}x "
                             + _verdict(speedup >= row.speedup_target, row.size))
                parts.append(text)
        return "; ".join(parts)

    @staticmethod
    def _print_row(row: Row, base: dict[str, float | None], width: int = 0) -> None:
        width = width or LABEL_WIDTH
        if row.error is not None and not row.samples:
            print(f"{row.label:<{width}} {'ERROR':>8} {'':>8} {'':>9} {'':>9}  "
                  f"{row.error.summary}")
            return
        if not row.samples:
            print(f"{row.label:<{width}} {'-':>8}")
            return
        median, low = row.median, min(row.samples)
        assert median is not None
        if row.startup is not None:
            flag = "  WARNING: see below" if row.warnings else ""
            times = (f"{'':>8} {'':>8}" if row.derived else f"{median:>7.3f}s {low:>7.3f}s")
            print(f"{row.label:<{width}} {times} {'':>9} {'':>9}  "
                  f"{Bench._per_case_text(row)}{flag}")
            return
        ratio_text, verdict = "", ""
        script = base.get(row.script) if row.script else None
        script_text = f"{median / script:.2f}x" if script else ""
        reference = base.get(row.baseline) if row.baseline else None
        if row.judged_by == "script":
            ratio_text = f"{median / reference:.2f}x" if reference else ""
            if script:
                verdict = (f"<= {row.target}x script "
                           + _verdict(median / script <= row.target, row.size))
            else:
                verdict = f"<= {row.target}x script: no script floor figure"
        elif reference:
            ratio = median / reference
            ratio_text = f"{ratio:.2f}x"
            if row.target is not None and row.target_of is not None:
                verdict = (f"< {row.target}x {row.target_of} "
                           + _verdict(ratio < row.target, row.size))
            elif row.target is not None:
                verdict = f"<= {row.target}x " + _verdict(ratio <= row.target, row.size)
        elif row.target is not None and row.target_of is not None:
            verdict = f"< {row.target}x {row.target_of}: no {row.target_of} figure"
        elif row.target is not None:
            verdict = f"< {row.target}s " + _verdict(median < row.target, row.size)
        flag = "  WARNING: see below" if row.warnings else ""
        print(f"{row.label:<{width}} {median:>7.3f}s {low:>7.3f}s {ratio_text:>9} "
              f"{script_text:>9}  "
              f"{verdict}{flag}")


class PostgresRows:
    """(p), (p'), (q) and (r): the project on PostgreSQL (``--postgres``).

    They run on a copy of the project folder of their own: the parse cache keeps one loaded
    project and one validated profile per folder, so DuckDB and PostgreSQL commands on one
    folder would replace each other's entries at every command, and every row would load the
    project cold. Their commands get ``FF_PG_DSN`` and ``FF_PG_SCHEMA`` (the env of
    ``--pg-env`` reads both) on top of :func:`clean_env`."""

    def __init__(self, bench: Bench, root: Path, dsn: str, server: str) -> None:
        import pg_floor  # bench/pg_floor.py

        from pytest_fft import load_project
        from pytest_fft.project.python_models import resolve_function

        self.bench = bench
        self.args = bench.args
        self.root = root
        self.dsn = dsn
        self.env_name = self.args.pg_env
        self.extra_env = {"FF_PG_DSN": dsn, "FF_PG_SCHEMA": PG_FFT_SCHEMA}
        import psycopg

        # For the report's header, asked now: nothing is imported after the measurements.
        self.server_text = (f"{pg_server_text(dsn)} ({server}), psycopg "
                            f"{psycopg.__version__}")
        self.reference: dict[str, int] | None = None
        env = self.env_name
        self.floor = Row("(p) pg floor: models only, one psycopg connection", "pg_floor")
        self.script = Row("(p') pg floor as a script: start-up + imports + models", "pg_floor")
        self.fft_run = Row(f"(q) fft run --env {env}", "pg_floor", BUILD_TARGET,
                           script="pg_script", judged_by="script", size="pg")
        self.cached = Row(f"(r) fft run --env {env}, cached rerun", "pg_import",
                          CACHED_RERUN_TARGET, target_of="import", size="pg")
        self.fft_seed = Row(f"    fft seed --env {env} (before each (q) run)")
        self.import_floor = Row(f"    python -c '{PG_IMPORT_FLOOR}' (around each (r) run)")
        self.main_rows = [self.floor, self.script, self.fft_run, self.cached]
        self.diag_rows = [self.fft_seed, self.import_floor]
        self.steps_path = root.parent / "pg_floor_steps.txt"
        try:
            problem = self._env_problem()
            self.project = load_project(root, engine="postgres")
            self.steps = pg_floor.steps_of(self.project)
            pg_floor.write_steps(self.steps, self.steps_path)
            # Imported before any timing: the in-process floor calls the functions only.
            self.functions = {m.relation: resolve_function(m.func)
                              for m in self.project.models.values() if m.kind == "python"}
        except Exception as exc:  # every row says why
            problem = f"{type(exc).__name__}: {str(exc).splitlines()[0][:100]}"
        if problem is not None:
            for row in (*self.main_rows, self.fft_seed):
                row.error = RowError(problem)
        self._floor_build = pg_floor.build

    def _env_problem(self) -> str | None:
        from pytest_fft.project.profiles import resolve_profile

        resolved = resolve_profile(self.root, self.env_name, environ=self.extra_env)
        if resolved.engine != "postgres":
            return (f"env {self.env_name!r} of {self.root.name}/profiles.yml uses "
                    f"{resolved.engine}, not postgres (--pg-env)")
        return None

    def warm_parse_cache(self) -> None:
        """As :meth:`Bench.warm_parse_cache`, for this folder and env."""
        cmd = [*self.bench.pytest, str(self.root), "--fft-run", "--fft-env", self.env_name,
               "--collect-only", "-q"]
        with contextlib.suppress(RowError):
            run_timed(cmd, self.root, self.args.timeout, extra_env=self.extra_env)

    def measure(self) -> None:
        """One run of each row: (p), (p'), then (q) and (r) on what (q) built."""
        self.measure_floor()
        self.measure_script()
        self.measure_fft_run()

    def _fresh(self, schema: str) -> None:
        pg_fresh_schema(self.dsn, schema)
        pg_load_seeds(self.project, self.dsn, schema)

    def measure_floor(self) -> None:
        row = self.floor
        if row.error is not None:
            return

        def run() -> float:
            try:
                self._fresh(PG_FLOOR_SCHEMA)
                t0 = time.perf_counter()
                self._floor_build(self.dsn, PG_FLOOR_SCHEMA, self.steps, self.functions)
                return time.perf_counter() - t0
            except Exception as exc:  # a statement PostgreSQL refuses: this row's error
                raise _pg_error(exc) from exc

        self.bench._sample(row, run, compare_db=False)
        if self.reference is None and row.samples:
            self.reference = pg_inventory(self.dsn, PG_FLOOR_SCHEMA)
            row.note(f"first run: {len(self.reference)} relations in schema "
                     f"{PG_FLOOR_SCHEMA} (seeds included)")

    def measure_script(self) -> None:
        row = self.script
        if row.error is not None:
            return
        try:
            self._fresh(PG_FLOOR_SCHEMA)
        except Exception as exc:
            row.error = _pg_error(exc)
            return
        cmd = [sys.executable, str(HERE / "pg_floor.py"), str(self.steps_path), self.dsn,
               PG_FLOOR_SCHEMA]
        self.bench._sample(row, lambda: run_timed(cmd, self.root, self.args.timeout)[0],
                           compare_db=False)
        self._compare(row, PG_FLOOR_SCHEMA)

    def _seed(self) -> None:
        """A fresh schema with the seeds loaded by ``fft seed`` (not timed); loaded directly
        when that fails."""
        pg_fresh_schema(self.dsn, PG_FFT_SCHEMA)
        if self.fft_seed.error is None:
            cmd = [*self.bench.fft, "seed", str(self.root), "--env", self.env_name]
            try:
                seconds, _ = run_timed(cmd, self.root, self.args.timeout,
                                       extra_env=self.extra_env)
            except RowError as exc:
                self.fft_seed.error = exc
                pg_fresh_schema(self.dsn, PG_FFT_SCHEMA)
            else:
                self.fft_seed.samples.append(seconds)
                return
        self.fft_run.note("seeds loaded without fft (fft seed failed)")
        pg_load_seeds(self.project, self.dsn, PG_FFT_SCHEMA)

    def measure_fft_run(self) -> None:
        """(q) on a fresh schema with its seeds, then (r): the same command again, every
        model cached, between two samples of its import row."""
        row = self.fft_run
        if row.error is not None:
            return
        if self.bench.fft is None:
            row.error = RowError("`fft` is not installed (no console script, not on PATH)")
            return
        try:
            self._seed()
        except Exception as exc:
            row.error = _pg_error(exc)
            return
        shutil.rmtree(self.root / ".fastflowtransform", ignore_errors=True)
        cmd = [*self.bench.fft, "run", str(self.root), "--env", self.env_name]
        built = len(row.samples)
        self.bench._sample(row, lambda: self.bench._run_and_note(row, cmd, self.extra_env,
                                                                  self.root),
                           compare_db=False)
        self._compare(row, PG_FFT_SCHEMA)
        if len(row.samples) == built or self.cached.error is not None:
            return  # (q) failed: nothing to rerun
        self._sample_import_floor()
        self.bench._sample(self.cached,
                           lambda: self.bench._run_cached(self.cached, cmd, self.extra_env,
                                                          self.root),
                           compare_db=False)
        self._sample_import_floor()

    def _sample_import_floor(self) -> None:
        self.import_floor.samples.append(
            run_timed([sys.executable, "-c", PG_IMPORT_FLOOR], self.root, 60)[0])

    def _compare(self, row: Row, schema: str) -> None:
        """The first run of ``row`` must build what the in-process floor built."""
        if row.checked or self.reference is None or not row.samples:
            return
        row.checked = True
        got = pg_inventory(self.dsn, schema)
        missing = sorted(set(self.reference) - set(got))
        if missing:
            row.warnings.append(f"INCOMPLETE: {len(missing)} of {len(self.reference)} "
                                f"relations missing (e.g. {', '.join(missing[:3])})")
        differ = sorted(n for n in self.reference if n in got and got[n] != self.reference[n])
        if differ:
            row.warnings.append(f"{len(differ)} relations have other row counts than the "
                                f"floor (e.g. {differ[0]}: {got[differ[0]]} vs "
                                f"{self.reference[differ[0]]})")
        if not missing and not differ:
            row.note(f"first run: the same {len(self.reference)} relations and row counts as "
                     "the floor's")


# The targets are set for N=500 models ((k): a 1,000-model project; the PostgreSQL rows: N=100
# and N=500) on 2 cores; a run at another size says so instead of "ok"/"MISSED" (set in main),
# except for fft --version (size "any").
_TARGET_SIZE = {"rows": True, "(k)": True, "pg": True}
_SIZE_TEXT = {"rows": "N=500", "(k)": "N=1000", "pg": "N=100 and N=500"}


def _verdict(ok: bool, size: str = "rows") -> str:
    if size != "any" and not _TARGET_SIZE[size]:
        return f"n/a at this size (target set for {_SIZE_TEXT[size]})"
    return "ok" if ok else "MISSED"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=generate.DEFAULT_MODELS,
                        help=f"models to generate (default {generate.DEFAULT_MODELS})")
    parser.add_argument("--seed-rows", type=int, default=generate.DEFAULT_SEED_ROWS,
                        help=f"rows of the big seeds (default {generate.DEFAULT_SEED_ROWS})")
    parser.add_argument("--project", type=Path,
                        help="benchmark this project instead of generating one (it is copied "
                             "to a temporary folder first; the original is not touched)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per row; the median is shown (default 3)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2],
                        help="--jobs values for the fft run rows (default: 1 2)")
    parser.add_argument("--env", default="dev", help="profile env (default dev)")
    parser.add_argument("--timeout", type=float, default=900,
                        help="seconds before one subprocess run is abandoned (default 900)")
    parser.add_argument("--no-in-process", action="store_true",
                        help="skip the in-process Executor diagnostic rows")
    parser.add_argument("--collect-models", type=int, default=None, metavar="N",
                        help=f"models of the second generated project of row (k), pytest "
                             f"--collect-only (default {COLLECT_MODELS}; 0 skips the row, as "
                             f"does --project unless this is given)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary project folder (its path is printed)")
    parser.add_argument("--postgres", metavar="DSN|auto",
                        help="also measure the PostgreSQL rows (p), (p'), (q), (r) on this "
                             "server (a database where schemas fft_bench and fft_bench_floor "
                             "may be dropped and created); auto: start a throw-away server "
                             "with tests/postgres_server.py and stop it at the end")
    parser.add_argument("--pg-env", default=PG_ENV,
                        help=f"the postgres env of the PostgreSQL rows (default {PG_ENV}: the "
                             "generated project's, which reads FF_PG_DSN and FF_PG_SCHEMA)")
    parser.add_argument("--postgres-only", action="store_true",
                        help="with --postgres: only the PostgreSQL rows (and fft --version)")
    args = parser.parse_args(argv)
    if args.postgres_only and not args.postgres:
        parser.error("--postgres-only needs --postgres DSN|auto")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.collect_models is None:
        args.collect_models = (0 if args.project is not None or args.postgres_only
                               else COLLECT_MODELS)
    _TARGET_SIZE["rows"] = args.models == 500 and args.project is None
    _TARGET_SIZE["(k)"] = args.collect_models == COLLECT_MODELS
    _TARGET_SIZE["pg"] = args.models in PG_SIZES and args.project is None
    if args.collect_models < 0:
        parser.error("--collect-models must be 0 or more")

    if args.project is not None:
        tmp = Path(tempfile.mkdtemp(prefix="fft-bench-project-"))
        source = args.project.resolve()
        root = tmp / source.name
        shutil.copytree(source, root, ignore=shutil.ignore_patterns(
            ".local", ".fastflowtransform", ".pytest_cache", "__pycache__", "*.duckdb*"))
        db = db_path_of(root, args.env)
        if not db.is_relative_to(root):
            shutil.rmtree(tmp, ignore_errors=True)
            raise SystemExit(f"env {args.env!r} of {source} writes {db}, outside the project; "
                             f"the benchmark deletes that database before every run, so it "
                             f"only accepts a database path inside the project")
        print(f"copied {source} to {root}", file=sys.stderr, flush=True)
    else:
        tmp = Path(tempfile.mkdtemp(prefix=f"fft-bench-{args.models}-"))
        root = tmp / f"bench_{args.models}"
        spec = generate.generate(root, args.models, args.seed_rows)
        print(f"generated {root}: {generate.describe(spec)}", file=sys.stderr, flush=True)
    collect_root = None
    if args.collect_models:
        # Row (k): a second project in the same temporary folder (deleted with it).
        collect_root = tmp / f"collect_{args.collect_models}"
        spec = generate.generate(collect_root, args.collect_models, args.seed_rows)
        print(f"generated {collect_root}: {generate.describe(spec)}", file=sys.stderr,
              flush=True)
    stop_postgres: Callable[[], None] = lambda: None  # noqa: E731
    try:
        postgres = None
        if args.postgres:
            # A folder of its own (see PostgresRows): the same files, its own .pytest_cache.
            pg_root = tmp / f"{root.name}_pg"
            shutil.copytree(root, pg_root, ignore=shutil.ignore_patterns(
                ".local", ".fastflowtransform", ".pytest_cache", "__pycache__", "*.duckdb*"))
            dsn, stop_postgres, server = start_postgres(args.postgres)
            print(f"PostgreSQL rows on {pg_root} ({server})", file=sys.stderr, flush=True)
            postgres = (pg_root, dsn, server)
        bench = Bench(args, root, collect_root, postgres)
        bench.run()
        bench.report()
    finally:
        stop_postgres()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

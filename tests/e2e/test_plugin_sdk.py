"""The plugin SDK end to end: examples/plugin_sqlite (fft-sqlite) installed as a package.

The package is installed once per session with pip into a folder of its own (a real
installation: dist-info, its ``pytest_fft.engines`` and ``pytest11`` entry points), and every
run is a subprocess with that folder on PYTHONPATH: its engine runs the demo project from
``pytest`` and ``fft``, its run log plugin writes what the hooks saw. Packages that break the
rules (an entry point that does not load, an engine named like a built-in one) are written as
installed metadata by hand: what pytest-fft reads of them is their entry points.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "examples" / "plugin_sqlite"

# What the demo project's build runs, and what each node ends as.
NODES = {
    "seed_customers": ("seed", "success"), "seed_orders": ("seed", "success"),
    "customers.ff": ("sql", "success"), "orders.ff": ("sql", "success"),
    "customer_orders.ff": ("sql", "success"), "customer_segments": ("python", "success"),
    "not_null[customers.email]": ("check", "success"),
    "unique[customers.customer_id]": ("check", "success"),
    "regex_match[customers.email]": ("check", "success"),
    "accepted_values[customer_segments.segment]": ("check", "success"),
    "row_count_between[customer_orders]": ("check", "success"),
}
CHECKS = {name for name, (kind, _) in NODES.items() if kind == "check"}


@pytest.fixture(scope="session")
def sqlite_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with fft-sqlite installed by pip (offline, from a copy of its sources: pip
    builds in the source folder)."""
    base = tmp_path_factory.mktemp("fft_sqlite")
    source = base / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PACKAGE / name, source / name)
    shutil.copytree(PACKAGE / "fft_sqlite", source / "fft_sqlite",
                    ignore=shutil.ignore_patterns("__pycache__"))
    site = base / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "--target", str(site), str(source)],
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"pip could not install fft-sqlite:\n{done.stdout}{done.stderr}"
    assert (site / "fft_sqlite" / "engine.py").is_file()
    points = next(site.glob("fft_sqlite-*.dist-info")) / "entry_points.txt"
    assert "sqlite = fft_sqlite:SPEC" in points.read_text()
    return site


def fake_package(folder: Path, name: str, entry_points: str,
                 modules: Mapping[str, str] | None = None) -> Path:
    """An installed package as importlib.metadata finds it: ``<name>-1.0.dist-info`` with
    its METADATA and entry points, and its modules beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    info = folder / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    for module, text in (modules or {}).items():
        (folder / f"{module}.py").write_text(textwrap.dedent(text))
    return folder


def run(args: list[str], cwd: Path, path: list[Path], env: Mapping[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    """``python -m <args>`` with ``path`` on PYTHONPATH and no FF_*/FFT_* variables but
    ``env``'s."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("FF_", "FFT_"))}
    full.update({"PYTHONPATH": os.pathsep.join(str(p) for p in path), "COLUMNS": "200",
                 "NO_COLOR": "1", **(env or {})})
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=300, check=False)


def pytest_run(project: Path, path: list[Path], *extra: str,
               env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run(["pytest", str(project), "--fft-seed", "--fft-run", "--fft-test", "--fft-env",
                "dev", "-p", "no:randomly", "-p", "no:cacheprovider", *extra],
               project.parent, path, env)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the demo project (its build writes .local/dev.sqlite inside it)."""
    copy = tmp_path / "demo"
    shutil.copytree(PACKAGE / "project", copy,
                    ignore=shutil.ignore_patterns(".local", ".fastflowtransform", "__pycache__"))
    return copy


def table(project: Path, sql: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(project / ".local" / "dev.sqlite")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def log_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def shown(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


# -- the engine and the run log -----------------------------------------------------------------


def test_pytest_builds_the_project_on_sqlite_and_logs_the_run(sqlite_site: Path, project: Path,
                                                              tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    result = pytest_run(project, [sqlite_site], "--fft-utest", env={"FFT_RUN_LOG": str(log)})
    assert result.returncode == 0, shown(result)
    assert "12 passed" in result.stdout  # 2 seeds, 4 models, 5 checks, 1 unit case
    assert "fft-sqlite" in result.stdout  # the plugin line names the installed package
    assert table(project, "select customer_id, order_count, total_amount, segment from "
                          "customer_segments order by customer_id") == [
        (1, 3, 36.9, "loyal"), (2, 1, 42.5, "regular"), (3, 0, 0.0, "new")]
    assert table(project, "select customer_id, email from customers order by 1") == [
        (1, "ada@example.com"), (2, "grace@example.org"), (3, "linus@example.net")]
    declared = dict(table(project, "select name, type from pragma_table_info('seed_orders')"))
    assert declared == {"order_id": "BIGINT", "customer_id": "BIGINT", "amount": "DOUBLE",
                        "ordered_at": "TIMESTAMP"}

    events = log_of(log)
    assert events[0]["event"] == "run_started"
    assert (events[0]["engine"], events[0]["env"]) == ("sqlite", "dev")
    assert set(events[0]["nodes"]) == set(NODES)
    nodes = {e["name"]: (e["kind"], e["status"]) for e in events if e["event"] == "node"}
    assert nodes == NODES
    assert len([e for e in events if e["event"] == "node"]) == len(NODES)  # each once
    rows = {e["name"]: e["rows"] for e in events if e["event"] == "node"}
    assert (rows["seed_orders"], rows["customers.ff"], rows["customer_segments"]) == (4, 3, 3)
    assert {e["name"] for e in events if e["event"] == "check"} == CHECKS
    assert events[-1] == {**events[-1], "event": "run_finished", "status": "success",
                          "counts": {"success": len(NODES)}}


def test_fft_seeds_runs_and_tests_on_sqlite(sqlite_site: Path, project: Path,
                                           tmp_path: Path) -> None:
    seeded = run(["pytest_fft", "seed", str(project), "--env", "dev"], project.parent,
                 [sqlite_site])
    assert seeded.returncode == 0, shown(seeded)
    log = tmp_path / "run.jsonl"
    built = run(["pytest_fft", "run", str(project), "--env", "dev", "-v"], project.parent,
                [sqlite_site], env={"FFT_RUN_LOG": str(log)})
    assert built.returncode == 0, shown(built)
    assert "· SQLT ·" in built.stdout
    assert "Done: 4 ok" in built.stdout
    # fft leaves pytest's autoloading off, and loads the installed plugin that requires
    # pytest-fft by name: its hooks see fft's run as they see pytest's.
    assert "--disable-plugin-autoload" in built.stdout
    assert "-p fft_sqlite.run_log" in built.stdout
    events = log_of(log)
    assert [events[0]["event"], events[-1]["event"]] == ["run_started", "run_finished"]
    assert {e["name"] for e in events if e["event"] == "node"} == {
        "customers.ff", "orders.ff", "customer_orders.ff", "customer_segments"}
    tested = run(["pytest_fft", "test", str(project), "--env", "dev"], project.parent,
                 [sqlite_site])
    assert tested.returncode == 0, shown(tested)
    assert table(project, "select count(*) from customer_orders") == [(3,)]
    assert table(project, "select engine, count(*) from _ff_meta group by engine") == [
        ("sqlite", 6)]


def test_ff_sqlite_path_overrides_the_profile(sqlite_site: Path, project: Path,
                                              tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "other.sqlite"
    result = run(["pytest_fft", "seed", str(project), "--env", "dev"], project.parent,
                 [sqlite_site], env={"FF_SQLITE_PATH": str(other)})
    assert result.returncode == 0, shown(result)
    assert other.is_file() and not (project / ".local" / "dev.sqlite").exists()


def test_a_failing_model_is_reported_and_the_old_table_stays(sqlite_site: Path, project: Path,
                                                             tmp_path: Path) -> None:
    first = pytest_run(project, [sqlite_site])
    assert first.returncode == 0, shown(first)
    (project / "models" / "orders.ff.sql").write_text(
        "create table orders as\nselect order_id,\n       no_such_column\n"
        "from {{ source('shop', 'orders') }};\n")
    log = tmp_path / "run.jsonl"
    failed = pytest_run(project, [sqlite_site], env={"FFT_RUN_LOG": str(log)})
    assert failed.returncode == 1, shown(failed)
    assert "no such column: no_such_column" in failed.stdout
    assert "models/orders.ff.sql:3" in failed.stdout  # the line that names it
    assert table(project, "select count(*) from orders") == [(4,)]  # the old table
    events = log_of(log)
    statuses = {e["name"]: e["status"] for e in events if e["event"] == "node"}
    assert statuses["orders.ff"] == "error"
    assert statuses["customer_orders.ff"] == "skipped"
    assert statuses["customer_segments"] == "skipped"
    error = next(e for e in events if e.get("name") == "orders.ff")
    assert "no such column: no_such_column" in error["message"]
    assert events[-1]["event"] == "run_finished" and events[-1]["status"] == "error"


def test_the_run_log_stays_silent_unless_named(sqlite_site: Path, project: Path) -> None:
    result = pytest_run(project, [sqlite_site])
    assert result.returncode == 0, shown(result)
    assert not list(project.parent.rglob("*.jsonl"))
    (project.parent / "pytest.ini").write_text("[pytest]\nfft_run_log = logs/runs.jsonl\n")
    again = pytest_run(project, [sqlite_site])
    assert again.returncode == 0, shown(again)
    events = log_of(project.parent / "logs" / "runs.jsonl")
    assert [events[0]["event"], events[-1]["event"]] == ["run_started", "run_finished"]


# -- a plugin hook that raises ------------------------------------------------------------------


def test_a_raising_hook_fails_the_session_naming_the_hook_and_line(sqlite_site: Path,
                                                                   project: Path) -> None:
    (project / "conftest.py").write_text(textwrap.dedent("""\
        def pytest_fft_node_finished(node, result):
            if node.name == "customers.ff":
                raise RuntimeError("audit sink is down")
        """))
    result = pytest_run(project, [sqlite_site])
    assert result.returncode == 1, shown(result)
    out = shown(result)
    assert "pytest_fft_node_finished raised RuntimeError: audit sink is down" in out
    assert f"{project / 'conftest.py'}:3" in out
    assert "Traceback" not in out
    assert table(project, "select count(*) from customer_segments") == [(3,)]  # built on


# -- profiles -----------------------------------------------------------------------------------


def test_an_unknown_key_of_the_sqlite_block_is_named_with_the_closest(sqlite_site: Path,
                                                                      project: Path) -> None:
    (project / "profiles.yml").write_text(
        "dev:\n  engine: sqlite\n  sqlite:\n    pth: .local/dev.sqlite\n")
    result = run(["pytest_fft", "run", str(project), "--env", "dev"], project.parent,
                 [sqlite_site])
    assert result.returncode == 1, shown(result)
    out = shown(result)
    assert "unknown key sqlite.pth (did you mean sqlite.path?)" in out
    assert "profiles.yml:4" in out
    assert "the keys of sqlite are: path, timeout" in out
    assert "Traceback" not in out


def test_a_sqlite_profile_without_the_package_names_the_known_engines(project: Path) -> None:
    result = run(["pytest_fft", "run", str(project), "--env", "dev"], project.parent, [])
    assert result.returncode == 1, shown(result)
    out = shown(result)
    assert "names the engine 'sqlite', which is neither built in nor installed" in out
    assert "install the package that adds it, or use one of: duckdb, postgres" in out
    assert "profiles.yml:3" in out and "Traceback" not in out and "expected tags" not in out


def test_the_example_imports_only_the_sdk_of_pytest_fft() -> None:
    """An engine package needs no private module: everything it imports of pytest-fft is
    ``pytest_fft.sdk``."""
    import ast

    imported: set[str] = set()
    for source in (PACKAGE / "fft_sqlite").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert {name for name in imported if name.split(".")[0] == "pytest_fft"} == {"pytest_fft.sdk"}


# -- packages that break the rules --------------------------------------------------------------


def test_an_entry_point_that_does_not_load_is_one_clear_error(sqlite_site: Path, project: Path,
                                                              tmp_path: Path) -> None:
    broken = fake_package(tmp_path / "broken", "fft-broken", """\
        [pytest_fft.engines]
        sqlite = fft_broken_missing:SPEC
        """)
    result = run(["pytest_fft", "run", str(project), "--env", "dev"], project.parent,
                 [broken])
    assert result.returncode == 1, shown(result)
    out = shown(result)
    assert "the engine 'sqlite' of fft-broken does not load (fft_broken_missing:SPEC)" in out
    assert "ModuleNotFoundError" in out
    assert "reinstall fft-broken, or uninstall it" in out
    assert "Traceback" not in out


def test_an_engine_named_like_a_built_in_one_is_refused(sqlite_site: Path, project: Path,
                                                        tmp_path: Path) -> None:
    clash = fake_package(tmp_path / "clash", "fft-clash", """\
        [pytest_fft.engines]
        duckdb = fft_clash:SPEC
        """, {"fft_clash": """\
        from pytest_fft.sdk import EngineSpec

        SPEC = EngineSpec(name="duckdb", abbrev="DUP", sqlglot_dialect="duckdb",
                          engine_class="fft_clash:Nothing")
        """})
    result = run(["pytest_fft", "run", str(project), "--env", "dev"], project.parent,
                 [sqlite_site, clash])
    assert result.returncode == 1, shown(result)
    out = shown(result)
    assert "the engine 'duckdb' of fft-clash has the name of a built-in engine" in out
    assert "Traceback" not in out
    # A DuckDB project never looks at installed engines: the package is in nobody's way.
    (project / "profiles.yml").write_text(
        "dev:\n  engine: duckdb\n  duckdb: {path: .local/dev.duckdb}\n")
    fine = run(["pytest_fft", "seed", str(project), "--env", "dev"], project.parent,
               [sqlite_site, clash])
    assert fine.returncode == 0, shown(fine)


def test_the_pytest_command_reports_a_broken_engine_package(project: Path,
                                                            tmp_path: Path) -> None:
    broken = fake_package(tmp_path / "broken", "fft-broken", """\
        [pytest_fft.engines]
        sqlite = fft_broken_missing:SPEC
        """)
    result = pytest_run(project, [broken])
    assert result.returncode == pytest.ExitCode.INTERRUPTED  # a collection error
    out = shown(result)
    assert "the engine 'sqlite' of fft-broken does not load" in out
    assert "Traceback" not in out


# -- the docs hook ------------------------------------------------------------------------------


def test_the_run_log_adds_a_docs_section(sqlite_site: Path, tmp_path: Path) -> None:
    """``pytest_fft_docs_context`` is a hook the plugin implements (pytest-fft calls it when
    it renders a docs page): it appends a section naming the log file."""
    probe = tmp_path / "probe.py"
    probe.write_text(textwrap.dedent("""\
        from pathlib import Path
        import json

        from fft_sqlite.run_log import RunLog
        from pytest_fft.plugin import hookspecs

        assert hasattr(hookspecs, "pytest_fft_docs_context")
        context = {"sections": []}
        RunLog(Path("/tmp/x/runs.jsonl")).pytest_fft_docs_context(context=context)
        print(json.dumps(context))
        """))
    result = run([probe.stem], tmp_path, [sqlite_site, tmp_path])
    assert result.returncode == 0, shown(result)
    sections = json.loads(result.stdout)["sections"]
    assert [s["title"] for s in sections] == ["Run log"]
    assert "/tmp/x/runs.jsonl" in sections[0]["text"]

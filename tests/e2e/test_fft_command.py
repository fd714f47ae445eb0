"""The ``fft`` command as a user runs it: a subprocess, its output and its exit code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def test_seed_then_run_builds_the_example(simple_project: Path, run_fft, query) -> None:
    seeded = run_fft("seed", str(simple_project), "--env", "dev")
    assert seeded.returncode == 0, seeded.output
    assert "✓ seed_users" in seeded.stdout
    ran = run_fft("run", str(simple_project), "--env", "dev", "--jobs", "4")
    assert ran.returncode == 0, ran.output
    for name in ("users.ff", "orders.ff", "users_enriched", "mart_orders_enriched",
                 "mart_users.ff"):
        assert f"✓ {name}" in ran.stdout
    assert "Done: 5 ok" in ran.stdout
    assert "DUCK" in ran.stdout
    db = simple_project / ".local/demo.duckdb"
    assert query(db, "select count(*) from mart_users where is_gmail") == [(2,)]


def test_makefile_style_env_overrides(simple_project: Path, run_fft, query) -> None:
    env = {"FF_ENGINE": "duckdb", "FF_DUCKDB_PATH": ".local/make.duckdb"}
    assert run_fft("seed", str(simple_project), env=env).returncode == 0
    assert run_fft("run", str(simple_project), env=env).returncode == 0
    assert query(simple_project / ".local/make.duckdb", "select count(*) from users") == [(3,)]


def test_failed_model_exits_1_without_traceback(simple_project: Path, run_fft) -> None:
    run_fft("seed", str(simple_project))
    (simple_project / "models/orders.ff.sql").write_text(
        "select order_id, nope from {{ source('erp','orders') }}\n")
    result = run_fft("run", str(simple_project))
    assert result.returncode == 1
    assert "✗ orders.ff" in result.stdout
    assert "skipped: upstream failed: orders.ff" in result.stdout
    assert "✓ users.ff" in result.stdout  # independent models still build
    assert 'Referenced column "nope" not found' in result.stderr
    assert "at models/orders.ff.sql:1" in result.stderr
    assert "Traceback" not in result.output


def test_cycle_exits_1_naming_the_cycle(make_project, run_fft) -> None:
    root = make_project({
        "models/a.ff.sql": "select * from {{ ref('b') }}",
        "models/b.ff.py": """
            from pytest_fft import model

            @model(name="b", deps=["a.ff"])
            def b(df):
                return df
            """,
    })
    result = run_fft("run", str(root))
    assert result.returncode == 1
    assert "Cycle detected among nodes: a.ff -> b -> a.ff" in result.output
    assert "Traceback" not in result.output


def test_missing_dependency_exits_1_with_suggestion(make_project, run_fft) -> None:
    root = make_project({
        "models/marts/order_payments.ff.sql": "select 1 as id",
        "models/marts/customer_revenue.ff.sql": "select * from {{ ref('order_paymentz') }}",
    })
    result = run_fft("run", str(root))
    assert result.returncode == 1
    assert ("Dependency not found: customer_revenue.ff references 'order_paymentz' "
            "(models/marts/customer_revenue.ff.sql); did you mean 'order_payments'?"
            ) in result.output


def test_unknown_env_exits_1_listing_profiles(simple_project: Path, run_fft) -> None:
    result = run_fft("run", str(simple_project), "--env", "prod")
    assert result.returncode == 1
    assert "Unknown env 'prod'" in result.output
    assert "dev, memory" in result.output


def test_not_a_project_exits_1(tmp_path: Path, run_fft) -> None:
    result = run_fft("run", str(tmp_path))
    assert result.returncode == 1
    assert "is not a FastFlowTransform project" in result.stderr


def test_python_model_error_names_model_and_line(make_project, run_fft) -> None:
    root = make_project({
        "models/base.ff.sql": "select 1 as id",
        "models/enrich.ff.py": """
            from fastflowtransform import model

            @model(name="enrich", deps=["base.ff"])
            def enrich(df):
                return df["missing_column"]
            """,
    })
    result = run_fft("run", str(root))
    assert result.returncode == 1
    assert "enrich raised KeyError: 'missing_column'" in result.stderr
    assert "at models/enrich.ff.py:5" in result.stderr
    assert "Traceback" not in result.output


def test_non_dataframe_return_is_named(make_project, run_fft) -> None:
    root = make_project({
        "models/bad.ff.py": """
            from pytest_fft import model

            @model(name="bad")
            def bad():
                return [1, 2, 3]
            """,
    })
    result = run_fft("run", str(root))
    assert result.returncode == 1
    assert "bad returned builtins.list, not a DataFrame" in result.stderr


def test_fft_trace_shows_the_traceback(make_project, run_fft) -> None:
    root = make_project({"models/a.ff.py": "raise RuntimeError('import time failure')\n"})
    quiet = run_fft("run", str(root))
    assert quiet.returncode == 1
    assert "importing the module raised RuntimeError: import time failure" in quiet.output
    assert "Traceback" not in quiet.output
    traced = run_fft("run", str(root), env={"FFT_TRACE": "1"})
    assert "Traceback" in traced.output


def test_quiet_prints_only_failures_and_summary(simple_project: Path, run_fft) -> None:
    run_fft("seed", str(simple_project))
    result = run_fft("run", str(simple_project), "-q")
    assert result.returncode == 0
    assert "✓" not in result.stdout
    assert "Done: 5 ok" in result.stdout


def test_version_is_fast_and_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from pytest_fft.cli.main import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit as e:\n    code = e.code\n"
        "heavy = [m for m in ('pandas', 'duckdb', 'pytest', 'pydantic', 'jinja2') "
        "if m in sys.modules]\n"
        "print('HEAVY', heavy, code)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert "fft (pytest-fft) " in proc.stdout
    assert "HEAVY [] 0" in proc.stdout


def test_vv_prints_the_rendered_sql_of_every_model(simple_project: Path, run_fft) -> None:
    run_fft("seed", str(simple_project))
    result = run_fft("run", str(simple_project), "-vv")
    assert result.returncode == 0, result.output
    assert "-- users.ff (models/users.ff.sql)" in result.stderr
    assert "-- orders.ff (models/orders.ff.sql)" in result.stderr
    assert "from seed_orders" in result.stderr
    assert "-- users_enriched input users columns: ['id', 'email']" in result.stderr


def test_bad_command_line_exits_1(simple_project: Path, run_fft) -> None:
    assert run_fft("frobnicate", str(simple_project)).returncode == 1
    result = run_fft("run", str(simple_project), "--jobs", "0")
    assert result.returncode == 1
    assert "fft: error: --jobs must be at least 1, got 0" in result.output


def test_a_folder_without_project_files_is_refused(tmp_path: Path, run_fft) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models/a.ff.sql").write_text("select 1 as x")
    result = run_fft("run", str(tmp_path))
    assert result.returncode == 1
    assert "it has no project.yml (or sources.yml / profiles.yml)" in result.stderr


def test_second_run_is_cached_and_rebuild_flags_force(simple_project: Path, run_fft) -> None:
    assert run_fft("seed", str(simple_project)).returncode == 0
    assert run_fft("run", str(simple_project)).returncode == 0
    again = run_fft("run", str(simple_project))
    assert "Done: 0 ok, 5 cached" in again.stdout
    assert "✓ users.ff" in again.stdout and "cached" in again.stdout
    forced = run_fft("run", str(simple_project), "--rebuild-only", "mart_users")
    assert "Done: 1 ok, 2 cached" in forced.stdout  # mart_users, plus its cached parents
    off = run_fft("run", str(simple_project), "--cache", "off")
    assert "Done: 5 ok" in off.stdout


def test_a_reader_that_leaves_early_does_not_stop_the_build(make_project, query) -> None:
    """``fft run | head -1``: the output stops, the build finishes, the exit code is the run's."""
    import os

    root = make_project({
        "models/a.ff.sql": "select 1 as v",
        "models/slow.ff.py": """
            import time

            from pytest_fft import model

            @model(name="slow", deps=["a.ff"])
            def slow(df):
                time.sleep(0.5)  # its line comes after the reader has gone
                return df.assign(w=2)
            """,
        "models/last.ff.sql": "select v, w from {{ ref('slow') }}",
    })
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FF_", "FFT_"))}
    proc = subprocess.Popen([sys.executable, "-m", "pytest_fft", "run", str(root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, stderr
    assert first.startswith(b"run proj")
    assert "Traceback" not in stderr
    assert query(root / ".local/dev.duckdb", "select v, w from last") == [(1, 2)]


def test_node_reports_reach_other_plugins(make_project, run_fft, tmp_path: Path) -> None:
    """fft reports node items without pytest's setup/teardown phases; the reports still reach
    every plugin: JUnit XML gets one test case per node, with the failure's message."""
    import xml.etree.ElementTree as ET

    root = make_project({
        "models/good.ff.sql": "select 1 as v",
        "models/bad.ff.sql": "select nope from {{ ref('good') }}",
    })
    xml = tmp_path / "out.xml"
    result = run_fft("run", str(root), "--", f"--junitxml={xml}")
    assert result.returncode == 1
    cases = {c.get("name"): c for c in ET.parse(xml).getroot().iter("testcase")}
    assert sorted(cases) == ["bad.ff", "good.ff"]
    assert cases["good.ff"].find("failure") is None
    failure = cases["bad.ff"].find("failure")
    assert failure is not None and 'Referenced column "nope" not found' in failure.get("message")


def test_verbose_run_ends_with_a_summary_per_level(simple_project: Path, run_fft) -> None:
    assert run_fft("seed", str(simple_project)).returncode == 0
    result = run_fft("run", str(simple_project), "-v")
    assert result.returncode == 0, result.output
    lines = result.stdout.splitlines()
    start = lines.index("Levels")
    levels = [line.split(" · ")[:2] for line in lines[start + 1:start + 4]]
    assert levels == [["  level 1: 2 nodes", "2 ok"], ["  level 2: 1 node", "1 ok"],
                      ["  level 3: 2 nodes", "2 ok"]]
    assert lines[start + 4].startswith("Done: 5 ok")
    quiet = run_fft("run", str(simple_project))
    assert "Levels" not in quiet.stdout  # only with -v


def test_fft_starts_the_build_before_pytest_has_created_the_items(
        simple_project: Path, run_fft, query) -> None:
    """With no pytest arguments of the user's, fft knows the nodes once the project is
    loaded and starts building then; with any, or with a conftest.py that could deselect,
    it waits for pytest's collection as plain pytest does. The tables are the same."""
    import argparse
    import threading

    import pytest

    from pytest_fft.cli.main import pytest_args_for

    def ns(*extra: str) -> argparse.Namespace:
        return argparse.Namespace(command="run", project=str(simple_project), env=None,
                                  engine=None, vars=[], select=[], exclude=[],
                                  pytest_args=list(extra))

    assert "--fft-start-early" in pytest_args_for(ns())
    assert "--fft-start-early" not in pytest_args_for(ns("-k", "users"))

    seen: dict[str, object] = {}

    class Probe:
        def pytest_collectreport(self, report: pytest.CollectReport) -> None:
            from pytest_fft.plugin.hooks import STATE_KEY

            if report.nodeid.endswith("users.ff.sql") and "early" not in seen:
                state = self.config.stash[STATE_KEY]
                (run,) = state.runs.values()
                seen["early"] = run.started_early
                # Before the items exist: started, or starting on its own thread.
                seen["started"] = run._executor is not None or any(
                    t.name == "fft-start" for t in threading.enumerate())

        def pytest_configure(self, config: pytest.Config) -> None:
            self.config = config

    assert run_fft("seed", str(simple_project)).returncode == 0
    assert pytest.main(pytest_args_for(ns()), plugins=[Probe()]) == 0
    assert seen == {"early": True, "started": True}
    assert query(simple_project / ".local/demo.duckdb", "select count(*) from mart_users") == [(3,)]

    seen.clear()
    (simple_project / "conftest.py").write_text("")
    assert pytest.main(pytest_args_for(ns()), plugins=[Probe()]) == 0
    assert seen == {"early": False, "started": False}


def test_a_file_that_is_not_utf8_exits_1_without_traceback(make_project, run_fft) -> None:
    root = make_project({"models/a.ff.sql": "select 1 as id\n"})
    (root / "models" / "a.ff.sql").write_bytes(b"select 1 as caf\xe9\n")
    result = run_fft("run", str(root))
    assert result.returncode == 1
    assert "models/a.ff.sql is not UTF-8 text: byte 0xe9 on line 1" in result.output
    assert "at models/a.ff.sql:1" in result.output
    assert "Traceback" not in result.output and "UnicodeDecodeError" not in result.output


def test_seed_takes_select_exclude_and_jobs(simple_project: Path, run_fft, query) -> None:
    result = run_fft("seed", str(simple_project), "--select", "seed_users", "--jobs", "2")
    assert result.returncode == 0, result.output
    assert "✓ seed_users" in result.stdout and "seed_orders" not in result.stdout
    db = simple_project / ".local" / "demo.duckdb"
    assert query(db, "select table_name from information_schema.tables "
                     "where table_name like 'seed_%'") == [("seed_users",)]
    result = run_fft("seed", str(simple_project), "--exclude", "seed_users")
    assert result.returncode == 0, result.output
    assert "✓ seed_orders" in result.stdout and "seed_users" not in result.stdout


def test_run_before_seed_says_to_load_the_seeds(simple_project: Path, run_fft) -> None:
    result = run_fft("run", str(simple_project))
    assert result.returncode == 1
    assert ("seed seed_users is not loaded (relation seed_users is missing); run `fft seed` "
            "first, or add --fft-seed to pytest (and do not --exclude it)") in result.output
    assert "Traceback" not in result.output


def test_a_sql_error_points_at_its_line_in_the_model_file(make_project, run_fft) -> None:
    root = make_project({
        "models/a.ff.sql": "-- a comment\n{{ config(materialized='table') }}\n\n"
                           "select 1 as id,\n  2 as two\nwher id > 0\n",
    })
    result = run_fft("run", str(root))
    assert result.returncode == 1
    assert "LINE 3: wher id > 0" in result.output  # DuckDB counts the compiled SELECT's lines
    assert "at models/a.ff.sql:6" in result.output  # the same line in the model file
    assert "compiled SQL: .fastflowtransform/target/compiled/models/a.ff.sql:3" in result.output
    compiled = root / ".fastflowtransform/target/compiled/models/a.ff.sql"
    assert compiled.read_text().splitlines()[2] == "wher id > 0"


def test_a_sql_error_after_lines_jinja_removed_points_at_the_compiled_line(
        make_project, run_fft) -> None:
    root = make_project({
        "models/a.ff.sql": "{{ config(\n  materialized='table',\n) }}\n{# two\nlines #}\n"
                           "select 1 as id,\n  nope\n",
    })
    result = run_fft("run", str(root))
    assert result.returncode == 1
    assert "LINE 2:   nope" in result.output
    assert "at models/a.ff.sql:1" in result.output  # not a guess at a wrong line
    assert "compiled SQL: .fastflowtransform/target/compiled/models/a.ff.sql:2" in result.output


def test_dag_prints_the_levels_and_writes_the_html_page(simple_project: Path, run_fft) -> None:
    result = run_fft("dag", str(simple_project), "--select", "users_enriched")
    assert result.returncode == 0, result.output
    mmd = simple_project / "docs" / "dag.mmd"
    assert result.stdout.splitlines() == [
        "level 0", "  seed_users (seed)",
        "level 1", "  users.ff (sql, table) <- seed_users",
        "level 2", "  users_enriched (python, table) <- users.ff",
        f"wrote {mmd} (3 nodes)"]
    assert mmd.read_text().splitlines()[:7] == [
        "flowchart LR", '  n_seed_users[("seed_users")]', '  n_users_ff["users.ff"]',
        '  n_users_enriched["users_enriched"]', "  n_seed_users --> n_users_ff",
        "  n_users_ff --> n_users_enriched", ("  classDef python fill:#fff8e1,stroke:#f9a825,"
        "color:#6d4c00")]
    page = simple_project / "docs" / "nodes" / "users_enriched.html"
    result = run_fft("dag", str(simple_project), "--env", "dev", "--html")  # as `make dag`
    assert result.returncode == 0, result.output
    assert ("No columns: the database of this env does not exist yet (run fft run)."
            in result.stdout)
    assert (simple_project / "docs" / "index.html").exists()
    assert not (simple_project / ".local" / "demo.duckdb").exists()  # nor does it create it
    assert run_fft("seed", str(simple_project)).returncode == 0
    assert run_fft("run", str(simple_project)).returncode == 0
    result = run_fft("dag", str(simple_project), "--env", "dev", "--html")
    assert result.returncode == 0, result.output
    assert re.search(r'id="col-is_gmail".*?BOOLEAN', page.read_text(), re.S)
    assert run_fft("dag", str(simple_project), "--html", "--no-schema").returncode == 0
    assert "BOOLEAN" not in page.read_text()  # the columns without their types


def test_dag_writes_where_docs_dag_dir_or_out_says(simple_project: Path, run_fft,
                                                   tmp_path: Path) -> None:
    project_yml = simple_project / "project.yml"
    project_yml.write_text(project_yml.read_text() + "docs:\n  dag_dir: site/dag\n")
    result = run_fft("dag", str(simple_project), "--html", "--no-schema")
    assert result.returncode == 0, result.output
    site = simple_project / "site" / "dag"
    assert result.stdout.splitlines()[-1] == (  # 2 seeds, 5 models
        f"wrote {site / 'index.html'}, 7 pages and {site / 'dag.mmd'} (7 nodes)")
    assert "mart_users.ff" in (site / "index.html").read_text()
    assert not (simple_project / "docs" / "index.html").exists()
    out = tmp_path / "elsewhere"
    result = run_fft("dag", str(simple_project), "--out", str(out))
    assert result.returncode == 0, result.output
    assert (out / "dag.mmd").read_text().startswith("flowchart LR\n")
    assert not (out / "index.html").exists()  # without --html, the Mermaid graph only


def test_dag_of_a_broken_project_exits_1_without_traceback(make_project, run_fft) -> None:
    root = make_project({"models/a.ff.sql": "select * from {{ ref('nope') }}"})
    result = run_fft("dag", str(root))
    assert result.returncode == 1
    assert "Dependency not found: a.ff references 'nope'" in result.output
    assert "Traceback" not in result.output


def test_an_unexpected_error_exits_99_with_one_line(make_project, run_fft) -> None:
    root = make_project({
        "models/a.ff.sql": "select 1 as id\n",
        "conftest.py": "def pytest_collection_finish(session):\n"
                       "    raise RuntimeError('a plugin bug')\n",
    })
    result = run_fft("run", str(root))
    assert result.returncode == 99
    assert "unexpected error: RuntimeError: a plugin bug" in result.output
    assert "set FFT_TRACE=1 to see the traceback" in result.output
    assert "Traceback" not in result.output and "Nothing to do" not in result.output
    traced = run_fft("run", str(root), env={"FFT_TRACE": "1"})
    assert traced.returncode == 99
    assert "Traceback" in traced.output


def test_a_selector_that_matches_nothing_is_named(simple_project: Path, run_fft) -> None:
    result = run_fft("run", str(simple_project), "--select", "mart_userz", "--exclude", "users")
    assert result.returncode == 0  # as dbt: nothing to do is no error
    assert "Nothing to do: --select mart_userz matched no node." in result.stdout  # not users
    assert "see docs/running.md#selection" in result.stdout
    result = run_fft("test", str(simple_project), "--select", "users_enriched")  # no checks
    assert result.returncode == 0
    assert "Nothing to do: the selection has nothing that `fft test` runs." in result.stdout


def test_dag_checks_env_and_engine_and_a_docs_file_is_an_error(simple_project: Path,
                                                                run_fft) -> None:
    result = run_fft("dag", str(simple_project), "--env", "nosuch")
    assert result.returncode == 1
    assert "Unknown env 'nosuch'" in result.output
    (simple_project / "docs").write_text("notes\n")
    result = run_fft("dag", str(simple_project), "--html")
    assert result.returncode == 1
    assert "cannot write" in result.output and "Traceback" not in result.output


def test_fft_leaves_the_projects_own_pytest_tests_to_pytest(make_project, run_fft) -> None:
    """A project's tests/test_*.py are the user's pytest tests: `fft run` builds, it does not
    run them (pytest does, with the build or without)."""
    root = make_project({
        "models/one.ff.sql": "select 1 as id\n",
        "tests/test_mine.py": "def test_mine():\n    raise AssertionError('ran')\n",
    })
    result = run_fft("run", str(root), "--env", "dev")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Done: 1 ok" in result.stdout
    assert "test_mine" not in result.stdout + result.stderr

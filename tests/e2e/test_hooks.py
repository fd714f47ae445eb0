"""Hooks of a run (project.yml's ``hooks:``) through ``fft run``/``fft build`` and ``pytest
--fft-run``, on DuckDB and PostgreSQL: the order they run in, the rows they write, the
context Python hooks get, and what a failing hook does to the run and its exit code."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb  # noqa: F401 - imported before pytester snapshots sys.modules
import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import Warehouse

pytest_plugins = ["pytester"]

EVENT = ("insert into hook_events (seq, event, model) values ("
         "(select coalesce(max(seq), 0) + 1 from hook_events), {event}, {model});")

PROJECT_YML = f"""
name: hooked
version: 1
hooks:
  on_run_start:
    - name: create_audit
      kind: sql
      sql: |
        create table if not exists hook_events (seq integer, event text, model text);
        create table if not exists run_audit (run_id text, status text, env text,
                                              engine text, row_count integer);
        -- a comment; with a semicolon
    - name: audit_start
      kind: sql
      sql: |
        insert into run_audit (run_id, status, env, engine)
        values ({{{{ run.run_id | sql_literal }}}}, 'running', {{{{ run.env_name | sql_literal }}}},
                {{{{ run.engine_name | sql_literal }}}});
        {EVENT.format(event="'on_run_start'", model="null")}
    - name: only_on_bigquery
      kind: sql
      engines: [bigquery]
      sql: "select nonsense from nowhere"
  before_model:
    - name: model_start
      kind: sql
      sql: "{EVENT.format(event="'before_model'", model="{{ model.name | sql_literal }}")}"
  after_model:
    - name: model_end
      kind: sql
      sql: "{EVENT.format(event="{{ model.status | sql_literal }}", model="{{ node.name | sql_literal }}")}"
    - name: py_log
      kind: python
      select: "tag:mart"
      params: {{channel: "#data"}}
  on_run_end:
    - name: audit_run_end
      kind: sql
    - name: py_end
      kind: python
"""

AUDIT_RUN_END = """
-- hooks/end/audit_run_end.sql: the run's row, finished
update run_audit
set status = {{ run.status | sql_literal }}, row_count = {{ run.row_count }}
where run_id = {{ run.run_id | sql_literal }};
""" + EVENT.format(event="'on_run_end'", model="{{ run.status | sql_literal }}") + "\n"

HOOKS_PY = """
import json
from pathlib import Path

from fastflowtransform.hooks.registry import fft_hook

LOG = Path(__file__).resolve().parents[1] / ".local" / "hooks.jsonl"


def _log(entry):
    LOG.parent.mkdir(exist_ok=True)
    with LOG.open("a") as f:
        f.write(json.dumps(entry, default=str) + "\\n")


@fft_hook(name="py_log", when="after_model")
def after(ctx):
    model = ctx["model"]
    _log({"when": ctx["when"], "model": model["name"], "status": model["status"],
          "rows": model["rows_affected"], "tags": model["tags"], "channel": ctx["channel"],
          "params": ctx["params"], "run_id": ctx["run"]["run_id"]})


@fft_hook(name="py_end")
def end(ctx):
    if ctx["env"].get("FF_BOOM") == "1":
        raise ValueError("boom")
    _log({"when": ctx["when"], "status": ctx["run"]["status"], "stats": ctx["stats"],
          "env": ctx["env"].get("FF_RUN_TAG"), "model": ctx["model"],
          "run_id": ctx["run"]["run_id"], "row_count": ctx["run"]["row_count"]})
"""

FILES = {
    "project.yml": PROJECT_YML,
    "hooks/end/audit_run_end.sql": AUDIT_RUN_END,
    "hooks/audit.py": HOOKS_PY,
    "seeds/seed_users.csv": "id,email\n1,a@x.org\n2,b@gmail.com\n3,c@x.org\n",
    "models/users.ff.sql": "{{ config(tags=['staging']) }}\n"
                           "select id, email from {{ ref('seed_users') }}\n",
    "models/mart.ff.sql": "{{ config(tags=['mart']) }}\n"
                          "select count(*) as n from {{ ref('users.ff') }}\n",
}


def _log(root: Path) -> list[dict[str, Any]]:
    path = root / ".local" / "hooks.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def _line(root: Path, text: str, file: str = "project.yml") -> int:
    lines = (root / file).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def test_hooks_run_in_order_and_write_their_rows(make_project: Callable[..., Path],
                                                 warehouse: Warehouse, run_fft: Any) -> None:
    root = make_project({**FILES, "profiles.yml": warehouse.profile}, name="hooked")
    seeded = run_fft("seed", str(root))
    assert seeded.returncode == 0, seeded.output
    assert "hook_events" not in {r[0] for r in warehouse.rows(
        root, "select table_name from information_schema.tables")}  # fft seed runs none
    built = run_fft("run", str(root), env={"FF_RUN_TAG": "nightly"})
    assert built.returncode == 0, built.output
    assert warehouse.rows(root, "select seq, event, model from hook_events order by seq") == [
        (1, "on_run_start", None),
        (2, "before_model", "users.ff"), (3, "success", "users.ff"),
        (4, "before_model", "mart.ff"), (5, "success", "mart.ff"),
        (6, "on_run_end", "success")]
    (run_id, status, env, engine, row_count), = warehouse.rows(
        root, "select run_id, status, env, engine, row_count from run_audit")
    assert (status, env, engine, row_count) == ("success", "dev", warehouse.profile.split()[2],
                                                4)  # 3 users + 1 mart row
    assert len(run_id) == 32
    after, end = _log(root)
    assert after == {"when": "after_model", "model": "mart.ff", "status": "success", "rows": 1,
                     "tags": ["mart"], "channel": "#data", "params": {"channel": "#data"},
                     "run_id": run_id}
    assert end == {"when": "on_run_end", "status": "success", "env": "nightly", "model": None,
                   "run_id": run_id, "row_count": 4,
                   "stats": {"models_built": 2, "models_failed": 0, "models_skipped": 0,
                             "rows_total": 4, "elapsed_ms_total": end["stats"]
                             ["elapsed_ms_total"], "run_status": "success"}}
    # Checks alone run no hooks; a cached rerun runs the run's hooks, not the models'.
    tested = run_fft("test", str(root))
    assert tested.returncode == 0, tested.output
    again = run_fft("run", str(root), env={"FF_RUN_TAG": "nightly"})  # FF_*: fingerprinted
    assert again.returncode == 0, again.output
    assert warehouse.rows(root, "select event, model from hook_events where seq > 6 "
                                "order by seq") == [("on_run_start", None),
                                                    ("on_run_end", "success")]
    assert _log(root)[-1]["stats"]["models_skipped"] == 2
    assert warehouse.rows(root, "select count(*) from run_audit") == [(2,)]


def test_on_run_end_runs_after_a_failed_model(make_project: Callable[..., Path],
                                              warehouse: Warehouse, run_fft: Any) -> None:
    root = make_project({**FILES, "profiles.yml": warehouse.profile,
                         "models/users.ff.sql": "select id, nope from {{ ref('seed_users') }}\n"},
                        name="hooked")
    built = run_fft("build", str(root))
    assert built.returncode == 1, built.output
    assert warehouse.rows(root, "select seq, event, model from hook_events order by seq") == [
        (1, "on_run_start", None), (2, "before_model", "users.ff"), (3, "on_run_end", "error")]
    assert warehouse.rows(root, "select status, row_count from run_audit") == [("error", 0)]
    end = _log(root)[-1]
    assert (end["status"], end["stats"]["models_failed"], end["stats"]["models_skipped"]) == \
        ("error", 1, 1)


def test_a_failing_model_hook_fails_its_model_with_the_hook_s_place(
        make_project: Callable[..., Path], run_fft: Any, query: Any) -> None:
    yml = PROJECT_YML.replace('select: "tag:mart"', 'select: "tag:staging"')
    broken = HOOKS_PY.replace('    model = ctx["model"]\n',
                              '    model = ctx["model"]\n    raise KeyError("no_such_column")\n')
    root = make_project({**FILES, "project.yml": yml, "hooks/audit.py": broken}, name="hooked")
    built = run_fft("build", str(root))
    assert built.returncode == 1
    line = _line(root, 'raise KeyError("no_such_column")', "hooks/audit.py")
    assert ("Failed to execute after_model hook #2 for users.ff: python hook 'py_log' "
            "failed: KeyError: 'no_such_column'") in built.output
    assert f"at hooks/audit.py:{line}" in built.output
    assert "Traceback" not in built.output
    db = root / ".local" / "dev.duckdb"
    assert query(db, "select event, model from hook_events order by seq") == [
        ("on_run_start", None), ("before_model", "users.ff"), ("success", "users.ff"),
        ("on_run_end", "error")]  # mart.ff skipped: its parent failed
    traced = run_fft("run", str(root), env={"FFT_TRACE": "1"})
    assert traced.returncode == 1 and "Traceback" in traced.output


def test_a_failing_sql_hook_names_its_file_and_line(make_project: Callable[..., Path],
                                                    run_fft: Any) -> None:
    sql = AUDIT_RUN_END.replace("set status", "set statuz")
    root = make_project({**FILES, "hooks/end/audit_run_end.sql": sql}, name="hooked")
    assert run_fft("seed", str(root)).returncode == 0
    built = run_fft("run", str(root))
    assert built.returncode == 1, built.output
    line = _line(root, "update run_audit", "hooks/end/audit_run_end.sql")
    assert ("✗ a hook of the run failed\nFailed to execute on_run_end hook #1 for run: sql hook "
            "'audit_run_end' failed: ") in built.output
    assert f"at hooks/end/audit_run_end.sql:{line}" in built.output
    assert "Done: 2 ok" in built.output  # the models built; the run is the error
    assert "Traceback" not in built.output


def test_on_run_start_failing_builds_nothing(make_project: Callable[..., Path], run_fft: Any,
                                            query: Any) -> None:
    yml = PROJECT_YML.replace("insert into run_audit (run_id, status, env, engine)",
                              "insert into run_audit (run_id, status, env, engine, nope)")
    root = make_project({**FILES, "project.yml": yml}, name="hooked")
    built = run_fft("build", str(root))
    assert built.returncode == 1
    line = _line(root, "insert into run_audit")
    assert ("Failed to execute on_run_start hook #2 for run: sql hook 'audit_start' failed: "
            in built.output)
    assert f"at project.yml:{line}" in built.output
    assert "not run: the run's hooks failed" in built.output
    names = {r[0] for r in query(root / ".local" / "dev.duckdb",
                                 "select table_name from information_schema.tables")}
    assert names == {"hook_events", "run_audit"}  # no seed or model built, no on_run_end
    assert _log(root) == []


@pytest.mark.parametrize(("yml", "message", "anchor"), [
    ("    - name: audit_run_end\n      kind: sql\n",
     ("on_run_end hook 'missing_sql' has no inline sql and there is no file "
     "hooks/**/missing_sql.sql"), "- name: missing_sql"),
    ("    - name: py_end\n      kind: python\n",
     ("on_run_end hook 'py_nowhere' is a python hook, but no function under hooks/ is "
     "registered as @fft_hook(name='py_nowhere')"), "- name: py_nowhere"),
])
def test_a_hook_that_cannot_run_is_said_before_anything_builds(
        make_project: Callable[..., Path], run_fft: Any, yml: str, message: str,
        anchor: str) -> None:
    name = anchor.split()[-1]
    root = make_project({**FILES, "project.yml": PROJECT_YML.replace(
        yml, yml.replace(yml.split()[2], name))}, name="hooked")
    built = run_fft("build", str(root))
    assert built.returncode == 1
    assert message in built.output
    assert f"at project.yml:{_line(root, anchor)}" in built.output


def test_an_unknown_hook_event_is_a_project_error(make_project: Callable[..., Path],
                                                 run_fft: Any) -> None:
    root = make_project({**FILES, "project.yml": PROJECT_YML.replace("after_model:",
                                                                     "afterr_model:")},
                        name="hooked")
    built = run_fft("run", str(root))
    assert built.returncode == 1
    assert "unknown hook event 'afterr_model'" in built.output
    assert "did you mean 'after_model'?" in built.output


# -- pytest ---------------------------------------------------------------------------------
@pytest.fixture
def project(pytester: pytest.Pytester) -> Path:
    import textwrap

    for rel, text in {**FILES, "profiles.yml": "dev:\n  engine: duckdb\n  duckdb: "
                                               "{path: .local/dev.duckdb}\n"}.items():
        path = pytester.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return pytester.path


def test_pytest_runs_the_hooks_of_the_session_whatever_items_are_deselected(
        pytester: pytest.Pytester, project: Path, query: Any) -> None:
    result = pytester.runpytest("--fft-seed", "--fft-run", "-k", "seed_users or users",
                                "-p", "no:randomly")
    result.assert_outcomes(passed=2, deselected=1)
    assert query(project / ".local/dev.duckdb",
                 "select event, model from hook_events order by seq") == [
        ("on_run_start", None), ("before_model", "users.ff"), ("success", "users.ff"),
        ("on_run_end", "success")]


def test_pytest_fails_the_session_when_on_run_end_fails(pytester: pytest.Pytester,
                                                        project: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("FF_BOOM", "1")
    result = pytester.runpytest("--fft-seed", "--fft-run", "-p", "no:randomly")
    result.assert_outcomes(passed=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    line = _line(project, 'raise ValueError("boom")', "hooks/audit.py")
    result.stdout.fnmatch_lines([
        "*= fft hooks =*",
        ("Failed to execute on_run_end hook #2 for run: python hook 'py_end' failed: "
        "ValueError: boom"),
        f"  at hooks/audit.py:{line}"])


def test_under_xdist_one_process_runs_the_run_s_hooks(pytester: pytest.Pytester,
                                                      project: Path, query: Any,
                                                      monkeypatch: Any) -> None:
    result = pytester.runpytest_subprocess("--fft-seed", "--fft-run", "-n", "2")
    result.assert_outcomes(passed=3)
    assert query(project / ".local/dev.duckdb", "select event from hook_events where "
                 "event like 'on_run%' order by seq") == [("on_run_start",), ("on_run_end",)]
    monkeypatch.setenv("FF_BOOM", "1")
    failed = pytester.runpytest_subprocess("--fft-seed", "--fft-run", "-n", "2",
                                           "--fft-cache", "off")
    failed.assert_outcomes(passed=3)
    assert failed.ret == pytest.ExitCode.TESTS_FAILED
    failed.stdout.fnmatch_lines(["*python hook 'py_end' failed: ValueError: boom"])

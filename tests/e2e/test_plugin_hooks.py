"""The plugin SDK's ``pytest_fft_*`` hooks, implemented by a project's conftest.py: when each
is called, with what, on which thread, and that a session without implementations does not
call into them at all."""

from __future__ import annotations

import json
import textwrap
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb  # noqa: F401 - imported before pytester snapshots sys.modules
import pytest

pytest_plugins = ["pytester"]

FILES = {
    "project.yml": """
        name: hooked
        version: 1
        tests:
          - type: not_null
            table: users
            column: email
          - type: unique
            table: users
            column: id
            severity: warn
    """,
    "profiles.yml": "dev:\n  engine: duckdb\n  duckdb: {path: .local/dev.duckdb}\n",
    "sources.yml": "crm:\n  users:\n    identifier: seed_users\n",
    "seeds/seed_users.csv": "id,email\n1,a@x.org\n1,b@x.org\n",
    "models/users.ff.sql": "create table users as select id, email "
                           "from {{ source('crm', 'users') }};\n",
    "models/mart.ff.sql": "create table mart as select count(*) as n from {{ ref('users.ff') }};\n",
    # Every hook appends (event, name, status, thread) to events.jsonl, under a lock: node
    # hooks come on the build's threads.
    "conftest.py": """
        import json
        import threading
        from pathlib import Path

        LOCK = threading.Lock()
        OUT = Path(__file__).parent / "events.jsonl"


        def _write(**record):
            record["main_thread"] = threading.current_thread() is threading.main_thread()
            with LOCK, OUT.open("a") as out:
                out.write(json.dumps(record) + "\\n")


        def pytest_fft_run_started(config, run):
            _write(event="run_started", engine=run.engine, env=run.env_name,
                   nodes=list(run.nodes), config=type(config).__name__)


        def pytest_fft_node_started(node):
            _write(event="node_started", name=node.name, kind=node.kind)


        def pytest_fft_node_finished(node, result):
            _write(event="node_finished", name=node.name, status=result.status,
                   upstream=result.upstream)


        def pytest_fft_check_result(check, result):
            _write(event="check_result", name=check.name, status=result.status,
                   metrics=dict(result.metrics or {}))


        def pytest_fft_run_finished(results, status):
            _write(event="run_finished", status=status, results=sorted(results))
    """,
}
NODES = ["seed_users", "users.ff", "mart.ff", "not_null[users.email]", "unique[users.id]"]
CHECKS = ["not_null[users.email]", "unique[users.id]"]


@pytest.fixture
def project(pytester: pytest.Pytester) -> Path:
    for rel, text in FILES.items():
        path = pytester.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return pytester.path


def events(project: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (project / "events.jsonl").read_text().splitlines()]


def test_each_node_starts_then_finishes_and_checks_report_their_verdict(
        pytester: pytest.Pytester, project: Path) -> None:
    result = pytester.runpytest("--fft-seed", "--fft-run", "--fft-test", "--fft-jobs", "3",
                                "-p", "no:randomly")
    result.assert_outcomes(passed=5)  # the unique check only warns
    seen = events(project)
    assert seen[0]["event"] == "run_started" and seen[-1]["event"] == "run_finished"
    assert (seen[0]["engine"], seen[0]["env"], seen[0]["config"]) == ("duckdb", "dev", "Config")
    assert sorted(seen[0]["nodes"]) == sorted(NODES)
    assert (seen[-1]["status"], seen[-1]["results"]) == ("success", sorted(NODES))
    order = [(e["event"], e.get("name")) for e in seen]
    for name in NODES:
        started = order.index(("node_started", name))
        finished = order.index(("node_finished", name))
        assert started < finished
        assert order.count(("node_started", name)) == order.count(("node_finished", name)) == 1
    checks = [e for e in seen if e["event"] == "check_result"]
    assert sorted(e["name"] for e in checks) == CHECKS  # never for a seed or a model
    for check in checks:
        assert order.index(("node_finished", check["name"])) < order.index(
            ("check_result", check["name"]))
    verdicts = {e["name"]: e["status"] for e in checks}
    assert verdicts == {"not_null[users.email]": "success", "unique[users.id]": "warn"}
    # The node hooks came on the build's threads, not on the main thread.
    assert not any(e["main_thread"] for e in seen if e["event"].startswith("node_"))


def test_a_failed_model_finishes_as_error_and_its_descendants_never_start(
        pytester: pytest.Pytester, project: Path) -> None:
    (project / "models" / "users.ff.sql").write_text(
        "create table users as select nope from {{ source('crm', 'users') }};\n")
    result = pytester.runpytest("--fft-seed", "--fft-run", "-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    seen = events(project)
    finished = {e["name"]: (e["status"], e["upstream"]) for e in seen
                if e["event"] == "node_finished"}
    assert finished == {"seed_users": ("success", None), "users.ff": ("error", None),
                        "mart.ff": ("skipped", "users.ff")}
    assert ("node_started", "mart.ff") not in [(e["event"], e.get("name")) for e in seen]
    assert seen[-1] == {**seen[-1], "event": "run_finished", "status": "error"}


def test_a_hook_may_take_only_the_arguments_it_needs(pytester: pytest.Pytester,
                                                     project: Path) -> None:
    (project / "conftest.py").write_text(textwrap.dedent("""\
        from pathlib import Path

        def pytest_fft_node_finished(result):
            with (Path(__file__).parent / "names.txt").open("a") as out:
                out.write(result.name + "\\n")
        """))
    pytester.runpytest("--fft-seed", "--fft-run", "-p", "no:randomly").assert_outcomes(passed=3)
    assert sorted((project / "names.txt").read_text().split()) == [
        "mart.ff", "seed_users", "users.ff"]


def test_a_raising_run_hook_is_an_error_of_the_session(pytester: pytest.Pytester,
                                                       project: Path) -> None:
    (project / "conftest.py").write_text(textwrap.dedent("""\
        def pytest_fft_run_finished(status):
            raise ValueError(f"cannot publish a {status} run")
        """))
    result = pytester.runpytest("--fft-seed", "--fft-run", "-p", "no:randomly")
    result.assert_outcomes(passed=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    where = project / "conftest.py"
    line = (f"*the plugin hook pytest_fft_run_finished raised ValueError: cannot publish a "
            f"success run at {where}:2*")
    result.stdout.fnmatch_lines([line])


def test_a_session_without_implementations_never_calls_the_node_hooks(
        pytester: pytest.Pytester) -> None:
    from pytest_fft.plugin.sdk_events import PluginEvents

    config = pytester.parseconfigure()
    touched: list[str] = []

    class Project:
        def node(self, name: str) -> Any:
            touched.append(name)  # looking the node up is the first cost of a node event
            raise AssertionError("no node event should be prepared")

    errors: list[Any] = []
    plugin_events = PluginEvents(config, errors)
    run = SimpleNamespace(project=Project())
    plugin_events.run_started(run)  # type: ignore[arg-type]
    result = SimpleNamespace(name="users.ff", status="success")
    thread = threading.Thread(target=lambda: [
        plugin_events.node_started(run, "users.ff"),  # type: ignore[arg-type]
        plugin_events.node_finished(run, result),  # type: ignore[arg-type]
    ])
    thread.start()
    thread.join()
    plugin_events.run_finished(run, {}, "success")  # type: ignore[arg-type]
    assert (touched, errors) == ([], [])

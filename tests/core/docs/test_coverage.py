"""What the docs list on a node's page beside its columns: its checks and unit cases with
their last outcome (from the run artifacts), and the hooks around its build."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pytest_fft import load_project
from pytest_fft.docs.coverage import Covered, HookDoc, covering, model_hooks_by_node, run_hooks
from pytest_fft.docs.last_run import LastRun, read_last_run
from pytest_fft.docs.site import RunFacts
from pytest_fft.utest.spec import load_unit_specs

FILES = {
    "models/users.ff.sql": "select 1 as id, 'a@x' as email\n",
    "models/orders.ff.sql": ("{{ config(tags=['mart'], pre_hook='select 1', "
                             "post_hook=['select 2', 'select 3']) }}\n"
                             "select id from {{ ref('users.ff') }}\n"),
    "project.yml": """\
        name: cover
        version: 1
        tests:
          - {type: not_null, table: users, column: email}
          - {type: unique, table: users, column: id}
          - {type: row_count_between, table: orders, min: 1}
        hooks:
          on_run_start:
            - {name: audit, kind: sql, sql: "select 1", engines: [duckdb]}
          on_run_end:
            - {name: done, kind: sql, sql: "select 2", envs: [prod, stg]}
          before_model:
            - {name: every, kind: sql, sql: "select 3"}
          after_model:
            - {name: marts, kind: sql, sql: "select 4", select: "tag:mart"}
            - {name: nowhere, kind: sql, sql: "select 5", select: "tag:none"}
        """,
    "tests/unit/users.yml": """\
        model: users.ff
        cases:
          - name: one_row
            expect: {rows: [{id: 1, email: a@x}]}
          - name: never_run
            expect: {rows: [{id: 1, email: a@x}]}
        """,
}


def _write(root: Path, name: str, document: object) -> None:
    target = root / ".fastflowtransform" / "target"
    target.mkdir(parents=True, exist_ok=True)
    (target / name).write_text(json.dumps(document))


def test_the_last_run_is_read_from_the_artifacts(make_project: Callable[..., Path]) -> None:
    root = make_project(FILES)
    assert not read_last_run(root)  # nothing ran yet
    _write(root, "run_results.json", {"metadata": {
        "env_name": "dev", "model_engine": "duckdb", "generated_at": "2026-12-05T21:26:52+00:00"},
        "results": [
        {"name": "users.ff", "status": "success", "duration_ms": 1500.0, "rows": 3,
         "message": None},
        {"name": "orders.ff", "status": "error", "duration_ms": None, "rows": None,
         "message": "Catalog Error: no table"}]})
    _write(root, "test_results.json", {"results": [
        {"name": "not_null[users.email]", "status": "fail", "message": "2 nulls"}]})
    _write(root, "utest_results.json", {"results": [
        {"name": "one_row", "node_id": "tests/unit/users.yml::one_row", "status": "pass",
         "message": None}]})
    last = read_last_run(root)
    assert last.runs == {"users.ff": RunFacts("success", 1.5, 3, None),
                         "orders.ff": RunFacts("error", None, None, "Catalog Error: no table")}
    assert last.checks == {"not_null[users.email]": ("fail", "2 nulls")}
    assert last.units == {"tests/unit/users.yml::one_row": ("pass", None)}
    assert (last.env, last.engine, last.at) == ("dev", "duckdb", "2026-12-05T21:26:52+00:00")


def test_an_unreadable_artifact_is_no_results(make_project: Callable[..., Path]) -> None:
    root = make_project(FILES)
    target = root / ".fastflowtransform" / "target"
    target.mkdir(parents=True)
    (target / "run_results.json").write_text("{half a file")
    (target / "test_results.json").write_text('{"results": "not a list"}')
    (target / "utest_results.json").write_text('[1, 2]')
    assert read_last_run(root) == LastRun()


def test_checks_and_unit_cases_cover_their_nodes(make_project: Callable[..., Path]) -> None:
    root = make_project(FILES)
    project = load_project(root)
    last = LastRun(checks={"not_null[users.email]": ("fail", "2 nulls")},
                   units={"tests/unit/users.yml::one_row": ("pass", None)})
    covered = covering(project, last, load_unit_specs(project))
    assert covered == {
        "users.ff": [
            Covered("check", "not_null[users.email]", "project.yml:4", "fail", "2 nulls"),
            Covered("check", "unique[users.id]", "project.yml:5"),
            Covered("unit", "one_row", "tests/unit/users.yml:3", "pass", None),
            Covered("unit", "never_run", "tests/unit/users.yml:5")],
        "orders.ff": [Covered("check", "row_count_between[orders]", "project.yml:6")]}


def test_the_hooks_around_each_model_and_each_run(make_project: Callable[..., Path]) -> None:
    project = load_project(make_project(FILES))
    every = HookDoc("before_model", "sql:every", "project.yml:13")
    assert model_hooks_by_node(project) == {
        "users.ff": [every],
        "orders.ff": [
            every,
            HookDoc("before_model", "sql:pre_hook", "models/orders.ff.sql:1"),
            HookDoc("after_model", "sql:marts", "project.yml:15"),
            HookDoc("after_model", "sql:post_hook[0]", "models/orders.ff.sql:1"),
            HookDoc("after_model", "sql:post_hook[1]", "models/orders.ff.sql:1")]}
    assert run_hooks(project) == [
        HookDoc("on_run_start", "sql:audit", "project.yml:9", "engines: duckdb"),
        HookDoc("on_run_end", "sql:done", "project.yml:11", "envs: prod, stg")]

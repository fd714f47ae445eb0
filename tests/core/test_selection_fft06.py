"""FastFlowTransform 0.6's selectors (pure): several tokens in one --select value, ``a,b``,
``result:`` from run_results.json, ``state:modified+``, ``--changed-since`` (git and
FF_CI_CHANGED_MODELS), the checks a run of checks alone selects, and ``source:``."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from pytest_fft.errors import SelectionError
from pytest_fft.plugin.options import _selection
from pytest_fft.project.loader import load_project
from pytest_fft.project.records import Project
from pytest_fft.project.selection import select_nodes
from pytest_fft.project.selectors import split_tokens

FILES = {
    "seeds/seed_users.csv": "id,email\n1,a@x\n",
    "models/stg_users.ff.sql": "{{ config(tags=['staging', 'daily']) }}\n"
                               "select * from {{ ref('seed_users') }}\n",
    "models/stg_orders.ff.sql": "{{ config(tags=['staging']) }}\nselect 1 as id\n",
    "models/marts/mart_users.ff.sql": "{{ config(tags=['daily']) }}\n"
                                      "select * from {{ ref('stg_users') }}\n",
    "models/marts/mart_orders.ff.sql": "select * from {{ ref('stg_orders') }}\n",
    "project.yml": """\
        name: shop
        tests:
          - {type: not_null, table: seed_users, column: id, tags: [batch]}
          - {type: unique, table: mart_users, column: id}
          - {type: unique, table: mart_orders, column: id}
        """,
}


@pytest.fixture
def shop(project_dir: Callable[[Mapping[str, str]], Path]) -> Project:
    return load_project(project_dir(FILES))


def models(names: set[str], project: Project) -> list[str]:
    return sorted(n for n in names if n in project.models)


def test_one_value_may_hold_several_tokens() -> None:
    assert split_tokens(["tag:a tag:b", " users  ", ""]) == ["tag:a", "tag:b", "users"]


def test_tokens_add_up_and_a_comma_intersects(shop: Project) -> None:
    assert models(select_nodes(shop, ["tag:staging tag:daily"]), shop) == [
        "mart_users.ff", "stg_orders.ff", "stg_users.ff"]
    assert models(select_nodes(shop, ["tag:staging", "tag:daily"]), shop) == [
        "mart_users.ff", "stg_orders.ff", "stg_users.ff"]
    assert models(select_nodes(shop, ["tag:staging,tag:daily"]), shop) == ["stg_users.ff"]
    with pytest.raises(SelectionError, match="empty selector in 'tag:a,'"):
        select_nodes(shop, ["tag:a,"])


def test_state_modified_plus_adds_descendants(shop: Project) -> None:
    assert models(select_nodes(shop, ["state:modified"], modified={"stg_users.ff"}), shop) == [
        "stg_users.ff"]
    assert models(select_nodes(shop, ["state:modified+"], modified={"stg_users.ff"}),
                  shop) == ["mart_users.ff", "stg_users.ff"]


def _results(root: Path, statuses: dict[str, str]) -> None:
    target = root / ".fastflowtransform" / "target"
    target.mkdir(parents=True, exist_ok=True)
    (target / "run_results.json").write_text(json.dumps({"metadata": {}, "results": [
        {"name": n, "status": s} for n, s in statuses.items()]}))


def test_result_selectors_read_the_last_run(shop: Project) -> None:
    # No run yet: as in FastFlowTransform 0.6, result: selects nothing (no error).
    assert select_nodes(shop, ["result:error"]) == set()
    _results(shop.root, {"stg_users.ff": "success", "stg_orders.ff": "error",
                         "mart_orders.ff": "skipped", "mart_users.ff": "cached",
                         "gone.ff": "error"})
    assert models(select_nodes(shop, ["result:error"]), shop) == ["stg_orders.ff"]
    assert select_nodes(shop, ["result:fail"]) == select_nodes(shop, ["result:error"])
    assert models(select_nodes(shop, ["result:error+"]), shop) == [
        "mart_orders.ff", "stg_orders.ff"]
    assert models(select_nodes(shop, ["result:ok"]), shop) == ["mart_users.ff", "stg_users.ff"]
    assert models(select_nodes(shop, ["result:skipped"]), shop) == [
        "mart_orders.ff", "stg_orders.ff"]  # and what it depends on
    assert select_nodes(shop, ["result:warn"]) == set()
    with pytest.raises(SelectionError, match="unknown result 'broken'") as err:
        select_nodes(shop, ["result:broken"])
    assert "result:ok, result:warn, result:fail, result:error" in str(err.value)


def test_a_run_results_file_that_is_not_json_is_named(shop: Project) -> None:
    target = shop.root / ".fastflowtransform" / "target"
    target.mkdir(parents=True)
    (target / "run_results.json").write_text("{not json")
    with pytest.raises(SelectionError) as err:
        select_nodes(shop, ["result:ok"])
    assert str(err.value).startswith(".fastflowtransform/target/run_results.json cannot be "
                                     "read for result: selectors")
    assert "delete the file" in str(err.value)


def test_source_selects_source_tables_only_for_freshness(shop: Project) -> None:
    with pytest.raises(SelectionError, match="fft source freshness"):
        select_nodes(shop, ["source:crm"])


def test_changed_models_from_the_environment(shop: Project) -> None:
    env = {"FF_CI_CHANGED_MODELS": "stg_users, models/marts/mart_orders.ff.sql"}
    # Without --select: the affected models (changed, upstream, downstream) with their checks.
    assert sorted(select_nodes(shop, ["changed-since:main"], environ=env)) == [
        "mart_orders.ff", "mart_users.ff", "not_null[seed_users.id]", "seed_users",
        "stg_orders.ff", "stg_users.ff", "unique[mart_orders.id]", "unique[mart_users.id]"]
    # With --select / --exclude: what those keep AND is affected.
    assert models(select_nodes(shop, ["tag:staging", "changed-since:main"],
                               environ={"FF_CI_CHANGED_MODELS": "mart_orders.ff"}),
                  shop) == ["stg_orders.ff"]
    assert models(select_nodes(shop, ["changed-since:main"], ["stg_orders.ff"],
                               environ={"FF_CI_CHANGED_MODELS": "mart_orders"}),
                  shop) == ["mart_orders.ff"]
    with pytest.raises(SelectionError, match="FF_CI_CHANGED_MODELS names 'nope', which is no "
                                             "model of shop"):
        select_nodes(shop, ["changed-since:main"], environ={"FF_CI_CHANGED_MODELS": "nope"})


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                   cwd=root, check=True, capture_output=True)


def test_changed_since_a_git_revision(shop: Project) -> None:
    root = shop.root
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "first")
    assert select_nodes(shop, ["changed-since:HEAD"], environ={}) == set()
    (root / "models" / "stg_orders.ff.sql").write_text("select 2 as id\n")  # not committed
    assert sorted(select_nodes(shop, ["changed-since:HEAD"], environ={})) == [
        "mart_orders.ff", "stg_orders.ff", "unique[mart_orders.id]"]
    _git(root, "commit", "-qam", "second")
    assert select_nodes(shop, ["changed-since:HEAD"], environ={}) == set()
    assert models(select_nodes(shop, ["changed-since:HEAD~1"], environ={}), shop) == [
        "mart_orders.ff", "stg_orders.ff"]
    with pytest.raises(SelectionError) as err:
        select_nodes(shop, ["changed-since:no-such-branch"], environ={})
    assert str(err.value).startswith("--changed-since no-such-branch: git diff failed: fatal:")
    assert "--changed-since origin/main" in str(err.value)


def test_a_run_of_checks_alone_runs_every_check_for_a_model_selector() -> None:
    """FastFlowTransform 0.6's fft test --select tag:x builds the tagged models, then runs
    every check; only a bare word narrows the checks."""
    assert _selection(["tag:x"], None, checks_only=True) == ()
    assert _selection(["users +tag:x"], None, checks_only=True) == ()
    assert _selection(["batch"], None, checks_only=True) == ("batch",)
    assert _selection(["tag:x"], None, checks_only=False) == ("tag:x",)
    assert _selection(["tag:x"], "main", checks_only=False) == ("tag:x", "changed-since:main")


def test_name_and_model_methods(shop: Project) -> None:
    """``name:`` (Snapshots.md) is a bare name or glob; ``model:`` (Hooks.md) keeps models."""
    assert select_nodes(shop, ["name:mart_users"]) == select_nodes(shop, ["mart_users"])
    assert models(select_nodes(shop, ["name:mart_*"]), shop) == [
        "mart_orders.ff", "mart_users.ff", "stg_orders.ff", "stg_users.ff"]  # + ancestors
    assert select_nodes(shop, ["model:seed_users"]) == set()  # a seed is no model
    assert "seed_users" in select_nodes(shop, ["name:seed_users"])
    assert models(select_nodes(shop, ["model:stg_*,tag:daily"]), shop) == ["stg_users.ff"]


@pytest.mark.parametrize(("token", "message", "hint"), [
    ("nmae:users", "unknown selector method 'nmae' in 'nmae:users'", "did you mean name:users?"),
    ("+modle:x+", "unknown selector method 'modle' in 'modle:x'", "did you mean model:x?"),
    ("tag:a,bogus:b", "unknown selector method 'bogus' in 'bogus:b'", "selectors are names"),
    ("tag:", "selector 'tag:' has no value", "write tag:<value>, e.g. tag:finance"),
    ("path:", "selector 'path:' has no value", "e.g. path:models/marts"),
    ("kind:bogus", "unknown kind 'bogus'", "use kind:sql, kind:python, kind:seed, kind:check"),
    ("type:tabel", "unknown materialization 'tabel'",
     "use type:table, type:view, type:incremental, type:ephemeral, type:snapshot"),
])
def test_a_selector_that_cannot_select_is_an_error(shop: Project, token: str, message: str,
                                                hint: str) -> None:
    from pytest_fft.project.selectors import selector_problem

    problem = selector_problem([token])
    assert problem is not None and problem.message == message
    assert problem.hint is not None and hint in problem.hint
    with pytest.raises(SelectionError, match=message.replace("+", r"\+")):
        select_nodes(shop, [token])
    with pytest.raises(SelectionError, match=message.replace("+", r"\+")):
        select_nodes(shop, exclude=[token])


def test_the_at_operator_takes_descendants_and_their_ancestors(shop: Project) -> None:
    """dbt's ``@stg_users``: stg_users, what depends on it, and everything those read."""
    assert models(select_nodes(shop, exclude=["@stg_users"]), shop) == [
        "mart_orders.ff", "stg_orders.ff"]
    assert models(select_nodes(shop, ["@stg_users"]), shop) == ["mart_users.ff", "stg_users.ff"]
    with pytest.raises(SelectionError, match="empty selector '@'"):
        select_nodes(shop, ["@"])

"""Data-quality checks through pytest, ``fft test`` and ``fft build``."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb  # noqa: F401 - imported before pytester snapshots sys.modules
import pandas  # noqa: F401
import pytest

pytest_plugins = ["pytester"]

FILES = {
    "seeds/seed_users.csv": "id,email\n1,a@example.com\n2,b@gmail.com\n2,c@gmail.com\n",
    "seeds/seed_orders.csv": "order_id,user_id,amount\n100,1,19.9\n101,2,-5\n",
    "sources.yml": "crm: {users: {identifier: seed_users}}\nerp: {orders: {identifier: seed_orders}}\n",
    "models/users.ff.sql": "select id, email from {{ source('crm', 'users') }}",
    "models/orders.ff.sql": "select order_id, user_id, amount from {{ source('erp', 'orders') }}",
    "models/mart_users.ff.sql": "select id, email from {{ ref('users') }}",
}
CHECKS = """\
name: shop
tests:
  - type: not_null
    table: users
    column: email
    tags: [batch]
  - type: unique
    table: users
    column: id
    tags: [batch]
  - type: row_count_between
    table: orders
    min: 1
    tags: [batch]
  - type: greater_equal
    table: orders
    column: amount
    threshold: 0
    severity: warn
  - type: reconcile_equal
    name: orders_total
    tags: [reconcile]
    left: {table: orders, expr: "sum(amount)"}
    right: {table: orders, expr: "sum(amount)", where: "amount > 0"}
    abs_tolerance: 0.01
"""


@pytest.fixture
def shop(make_project) -> Path:
    return make_project({**FILES, "project.yml": CHECKS}, name="shop")


def _seed_and_run(run_fft, root: Path) -> None:
    assert run_fft("seed", str(root)).returncode == 0
    assert run_fft("run", str(root)).returncode == 0


def test_collect_only_gives_one_item_per_check(pytester: pytest.Pytester, shop: Path) -> None:
    pytester.chdir()
    result = pytester.runpytest(str(shop), "--rootdir", str(shop), "--fft-test",
                                "--collect-only", "-q")
    ids = [line for line in result.outlines if "::" in line]
    assert ids == [
        "project.yml::row_count_between[orders]",
        "project.yml::greater_equal[orders.amount]",
        "project.yml::orders_total",
        "project.yml::not_null[users.email]",
        "project.yml::unique[users.id]",
    ]


def test_fft_test_prints_the_summary_and_exits_2(shop: Path, run_fft) -> None:
    _seed_and_run(run_fft, shop)
    result = run_fft("test", str(shop))
    assert result.returncode == 2, result.output
    out = result.stdout
    assert "Data Quality Summary" in out
    assert "❌ unique" in out and "users.id" in out
    assert "↳ users.id has 1 duplicate" in out
    assert "✅ not_null" in out
    assert "❕ greater_equal" in out
    assert "↳ orders.amount: 1 row < 0" in out
    assert "orders ⇔ orders" in out
    assert "reconcile_equal orders ⇔ orders: left=14.90 right=19.90 diff=5.00 > abs_tolerance 0.01" in out
    assert "Totals" in out
    assert "✓ passed: 2" in out
    assert "✗ failed: 2" in out
    assert "! warnings: 1" in out
    assert "Traceback" not in result.output


def test_select_by_legacy_tag_runs_only_those_checks(shop: Path, run_fft) -> None:
    _seed_and_run(run_fft, shop)
    result = run_fft("test", str(shop), "--select", "reconcile")
    assert result.returncode == 2
    assert "reconcile_equal" in result.stdout
    assert "not_null" not in result.stdout
    result = run_fft("test", str(shop), "--select", "batch", "--exclude", "unique")
    assert result.returncode == 0, result.output
    assert "✓ passed: 2" in result.stdout
    # tag: picks models, not checks: FastFlowTransform 0.6's fft test runs every check then
    result = run_fft("test", str(shop), "--select", "tag:batch", "--exclude", "unique")
    assert result.returncode == 2, result.output
    assert "reconcile_equal" in result.stdout


def test_warn_only_failures_exit_0(shop: Path, run_fft) -> None:
    _seed_and_run(run_fft, shop)
    result = run_fft("test", str(shop), "--select", "greater_equal")
    assert result.returncode == 0, result.output
    assert "❕ greater_equal" in result.stdout


def test_missing_table_exits_1_with_the_fix(shop: Path, run_fft) -> None:
    assert run_fft("seed", str(shop)).returncode == 0
    result = run_fft("test", str(shop), "--select", "not_null")
    assert result.returncode == 1
    assert "table users does not exist in dev; build it with fft run" in result.output


def test_results_json_is_written(shop: Path, run_fft) -> None:
    _seed_and_run(run_fft, shop)
    run_fft("test", str(shop))
    data = json.loads((shop / ".fastflowtransform/target/test_results.json").read_text())
    by_name = {r["name"]: r for r in data["results"]}
    assert by_name["unique[users.id]"]["status"] == "fail"
    assert by_name["unique[users.id]"]["message"] == "users.id has 1 duplicate"
    assert by_name["greater_equal[orders.amount]"]["status"] == "warn"
    assert by_name["not_null[users.email]"]["status"] == "pass"
    assert data["metadata"]["env_name"] == "dev"
    assert data["totals"] == {"pass": 2, "fail": 2, "warn": 1, "error": 0, "skipped": 0}


def test_build_checks_each_model_and_skips_after_a_failed_check(shop: Path, run_fft,
                                                                 query) -> None:
    result = run_fft("build", str(shop))
    assert result.returncode == 2, result.output
    out = result.stdout
    assert "✓ users.ff" in out
    assert "skipped: upstream check failed: unique[users.id]" in out
    lines = [line.split()[1] for line in out.splitlines() if line and line[0] in "✓✗↷!"]
    # Lines come as nodes finish: a model's checks after it, what they gate after them.
    assert lines.index("users.ff") < lines.index("unique[users.id]") < lines.index(
        "mart_users.ff")
    db = shop / ".local/dev.duckdb"
    assert query(db, "select count(*) from orders") == [(2,)]
    with pytest.raises(Exception, match="mart_users"):
        query(db, "select * from mart_users")


def test_pytest_keyword_selects_checks(pytester: pytest.Pytester, shop: Path, run_fft) -> None:
    _seed_and_run(run_fft, shop)
    pytester.chdir()
    result = pytester.runpytest(str(shop), "--rootdir", str(shop), "--fft-test", "-k", "unique")
    result.assert_outcomes(failed=1, deselected=4)
    result.stdout.fnmatch_lines(["*users.id has 1 duplicate*", "*at project.yml:7*"])


def test_unknown_parameter_is_an_error_with_its_line(make_project, run_fft) -> None:
    root = make_project({**FILES, "project.yml": (
        "tests:\n  - type: row_count_between\n    table: orders\n    min_row: 1\n")})
    result = run_fft("test", str(root))
    assert result.returncode == 1
    assert "project.yml:4" in result.output
    assert "min_row" in result.output and "min_rows" in result.output
    assert "Traceback" not in result.output


def test_bad_yaml_names_project_yml_and_line(make_project, run_fft) -> None:
    root = make_project({**FILES, "project.yml": "tests:\n  - type: not_null\n   table: x\n"})
    result = run_fft("test", str(root))
    assert result.returncode == 1
    assert "project.yml" in result.output and ":3" in result.output


def test_a_check_node_id_runs_without_flags(pytester: pytest.Pytester, shop: Path,
                                             run_fft) -> None:
    _seed_and_run(run_fft, shop)
    pytester.chdir()
    result = pytester.runpytest(str(shop / "project.yml") + "::not_null[users.email]",
                                "--rootdir", str(shop))
    result.assert_outcomes(passed=1)


def test_warn_severity_passes_with_a_pytest_warning(pytester: pytest.Pytester, shop: Path,
                                                    run_fft) -> None:
    _seed_and_run(run_fft, shop)
    pytester.chdir()
    result = pytester.runpytest(str(shop), "--rootdir", str(shop), "--fft-test", "-m",
                                "fft_check", "-k", "greater_equal")
    result.assert_outcomes(passed=1, deselected=4, warnings=1)
    result.stdout.fnmatch_lines([
        "*project.yml:15: FFTCheckWarning: greater_equal[[]orders.amount]: orders.amount: 1 row < 0",
    ])


def test_a_reconciliation_of_a_model_and_its_descendant_runs_in_a_build(make_project,
                                                                        run_fft) -> None:
    root = make_project({**FILES, "project.yml": (
        "tests:\n"
        "  - type: reconcile_equal\n    name: users_vs_mart\n"
        "    left: {table: users, expr: 'count(*)'}\n"
        "    right: {table: mart_users, expr: 'count(*)'}\n"
        "  - type: not_null\n    table: users\n    column: email\n")})
    result = run_fft("build", str(root))
    assert result.returncode == 0, result.output
    assert "✓ users_vs_mart" in result.stdout
    assert "✓ mart_users.ff" in result.stdout
    assert "not run" not in result.stdout


def test_a_generated_check_name_selects_as_written(shop: Path, run_fft) -> None:
    _seed_and_run(run_fft, shop)
    result = run_fft("test", str(shop), "--select", "unique[users.id]")
    assert result.returncode == 2
    assert "✓ passed: 0" in result.stdout and "✗ failed: 1" in result.stdout


def test_a_relationships_parent_column_that_is_not_there_says_to_field(make_project,
                                                                         run_fft) -> None:
    """dbt writes field: for the parent's key; FastFlowTransform (and pytest-fft) read field
    as the child column, so such a check asks for users.id: the error says how to name the
    parent's key."""
    root = make_project({**FILES, "project.yml": "name: shop\ntests:\n"
                         "  - {type: relationships, table: orders, column: user_id, to: users,"
                         " to_field: user_key}\n"}, name="rel")
    result = run_fft("build", str(root))
    assert result.returncode == 1, result.output
    assert ("fix: the parent column is 'user_key' of users (to_field, id when not given; field "
            "names the child column, as in FastFlowTransform): name the parent's key with "
            "to_field") in result.output

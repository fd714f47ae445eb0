"""One statement, one meaning: SQL that would run more than what it says is refused at load.

Each scenario builds the example once, then breaks it, and asserts the exit code, the error
(cause, file, line, fix) and that the warehouse still holds what it held.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SEED_ORDERS = "select count(*) from seed_orders"


@pytest.fixture
def built(simple_project: Path, run_fft, query) -> Path:
    assert run_fft("build", str(simple_project), "--env", "dev").returncode == 0
    assert query(simple_project / ".local/demo.duckdb", SEED_ORDERS) == [(2,)]
    return simple_project


def _db(project: Path) -> Path:
    return project / ".local/demo.duckdb"


def test_a_second_statement_in_a_model_is_refused(built: Path, run_fft, query) -> None:
    (built / "models/orders.ff.sql").write_text(
        "select order_id, user_id, amount\nfrom {{ source('erp','orders') }};\n"
        "drop table seed_orders;\n")
    result = run_fft("run", str(built), "--env", "dev")
    assert result.returncode == 1, result.output
    assert ("orders.ff: the SQL holds more than one statement; a second one starts with "
            "'drop table seed_orders;'") in result.stderr
    assert "at models/orders.ff.sql:3" in result.stderr
    assert "fix: a model is one SELECT" in result.stderr
    assert "Traceback" not in result.output
    assert query(_db(built), SEED_ORDERS) == [(2,)]


def test_a_var_cannot_bring_a_second_statement(built: Path, run_fft, query) -> None:
    (built / "models/orders.ff.sql").write_text(
        "select order_id, user_id, amount\nfrom {{ source('erp','orders') }}\n"
        "where amount >= {{ var('min_amount', 0) }}\n")
    result = run_fft("run", str(built), "--env", "dev",
                     "--vars", "min_amount=0; drop table seed_orders")
    assert result.returncode == 1, result.output
    assert "a second one starts with 'drop table seed_orders'" in result.stderr
    assert query(_db(built), SEED_ORDERS) == [(2,)]


def test_semicolons_in_strings_and_a_trailing_one_are_one_statement(
        built: Path, run_fft, query) -> None:
    (built / "models/orders.ff.sql").write_text(
        "select order_id, user_id, amount, 'a;b' as note -- c; d\n"
        "from {{ source('erp','orders') }};\n;\n")
    result = run_fft("run", str(built), "--env", "dev")
    assert result.returncode == 0, result.output
    assert query(_db(built), "select distinct note from orders") == [("a;b",)]


def _with_check(project: Path, check: str) -> None:
    text = (project / "project.yml").read_text()
    (project / "project.yml").write_text(text + check)


def test_a_where_that_closes_its_parentheses_is_refused(built: Path, run_fft, query) -> None:
    _with_check(built, (
        "\n  - type: not_null\n    table: orders\n    column: amount\n"
        "    where: \"1=1)); drop table seed_orders; select count(*) from ((select 1\"\n"))
    result = run_fft("test", str(built), "--env", "dev")
    assert result.returncode == 1, result.output
    assert ("check 'not_null[orders.amount]': where closes a parenthesis it did not open"
            in result.stderr)
    assert "at project.yml:20" in result.stderr
    assert "fix: write where as one condition" in result.stderr
    assert query(_db(built), SEED_ORDERS) == [(2,)]


@pytest.mark.parametrize(("snippet", "problem"), [
    ("amount > 0; drop table seed_orders", "holds ';'"),
    ("amount > 0 union select 1", "has 'UNION' outside parentheses"),
    ("(amount > 0", "leaves a parenthesis open"),
    ("amount > 'open", "is not valid SQL"),
])
def test_a_where_must_be_one_expression(built: Path, run_fft, query, snippet: str,
                                        problem: str) -> None:
    _with_check(built, (
        "\n  - type: not_null\n    table: orders\n    column: amount\n"
        f"    where: \"{snippet}\"\n"))
    result = run_fft("test", str(built), "--env", "dev")
    assert result.returncode == 1, result.output
    assert f"check 'not_null[orders.amount]': where {problem}" in result.stderr
    assert query(_db(built), SEED_ORDERS) == [(2,)]


def test_a_reconcile_expr_is_one_expression(built: Path, run_fft) -> None:
    _with_check(built, (
        "\n  - type: reconcile_equal\n"
        "    left: {table: orders, expr: \"sum(amount) from orders; drop table seed_orders --\"}\n"
        "    right: {table: seed_orders, expr: \"sum(amount)\"}\n"))
    result = run_fft("test", str(built), "--env", "dev")
    assert result.returncode == 1, result.output
    assert "left.expr has 'FROM' outside parentheses" in result.stderr
    assert 'fix: write left.expr as one condition or expression, e.g. expr: "sum(amount)"' \
        in result.stderr


def test_subqueries_and_distinct_from_stay_allowed(built: Path, run_fft) -> None:
    _with_check(built, (
        "\n  - type: not_null\n    table: orders\n    column: amount\n"
        "    where: \"user_id in (select id from users) and amount is distinct from 0\"\n"))
    result = run_fft("test", str(built), "--env", "dev")
    assert result.returncode == 0, result.output


def test_checks_alone_read_the_warehouse_read_only(built: Path, run_fft) -> None:
    """`fft test` opens DuckDB read-only: it changes nothing, and others may read meanwhile
    (a read-write open would be refused while this reader holds the file)."""
    import duckdb

    reader = duckdb.connect(str(_db(built)), read_only=True)
    try:
        result = run_fft("test", str(built), "--env", "dev")
    finally:
        reader.close()
    assert result.returncode == 0, result.output
    assert "passed: 3" in result.stdout

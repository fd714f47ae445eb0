"""project.yml -> tests: parsed strictly into CheckSpec records; every error names its line."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pytest_fft.checks import CHECK_TYPES, CheckSpec, parse_checks
from pytest_fft.errors import ProjectFileError
from pytest_fft.project.yaml_io import load_yaml

PROJECT = """\
name: shop
tests:
  - type: not_null
    table: users
    column: email
    tags: [batch]
  - {type: unique, table: users, column: id}
  - type: row_count_between
    table: orders
    min_rows: 1
    max_rows: 10
    severity: warn
  - type: relationships
    table: orders
    column: user_id
    to: users
    to_field: id
    where: "status <> 'test'"
  - type: reconcile_equal
    name: orders_total_equals_mart
    tags: [reconcile]
    left:  { table: orders,               expr: "sum(amount)" }
    right: { table: mart_orders_enriched, expr: "sum(amount)", where: "valid_amt" }
    abs_tolerance: 0.01
    rel_tolerance_pct: 0.1
  - type: reconcile_coverage
    source: { table: orders,               key: "order_id" }
    target: { table: mart_orders_enriched, key: "order_id" }
    source_where: "order_date >= current_date - interval '7 days'"
  - {type: greater_equal, table: stg_payments, column: amount}
  - {type: freshness, table: events, column: updated_at, max_delay_minutes: 60}
  - {type: accepted_values, table: orders, column: status, values: [paid, open]}
  - {type: between, table: orders, column: amount, min: 0}
  - {type: regex_match, table: users, column: email, pattern: '^[^@]+@[^@]+$'}
  - {type: non_negative_sum, table: orders, column: amount}
  - type: reconcile_ratio_within
    left:  { table: orders, expr: "sum(amount)" }
    right: { table: mart,   expr: "sum(amount)" }
    min_ratio: 0.999
    max_ratio: 1.001
  - type: reconcile_diff_within
    left:  { table: events_raw, expr: "count(*)", where: "event_type='purchase'" }
    right: { table: fct_sales,  expr: "sum(txn_count)" }
    max_abs_diff: 10
"""


@pytest.fixture
def specs(tmp_path: Path) -> tuple[CheckSpec, ...]:
    path = tmp_path / "project.yml"
    path.write_text(PROJECT, encoding="utf-8")
    return parse_checks(load_yaml(path)["tests"])


def test_every_type_parses(specs: tuple[CheckSpec, ...]) -> None:
    assert sorted({s.type for s in specs}) == sorted(CHECK_TYPES)


def test_records(specs: tuple[CheckSpec, ...]) -> None:
    by_type = {s.type: s for s in specs}
    assert by_type["not_null"] == CheckSpec(
        id="not_null[users.email]", type="not_null", tables=("users",), column="email",
        params={}, tags=("batch",), where=None, severity="error", name=None, line=3,
        scope="users.email",
    )
    assert by_type["row_count_between"] == CheckSpec(
        id="row_count_between[orders]", type="row_count_between", tables=("orders",),
        column=None, params={"min": 1, "max": 10}, tags=(), where=None, severity="warn",
        name=None, line=8, scope="orders",
    )
    rel = by_type["relationships"]
    assert (rel.id, rel.tables, rel.params, rel.where, rel.scope) == (
        "relationships[orders.user_id]", ("orders", "users"), {"to": "users", "field": "id"},
        "status <> 'test'", "orders.user_id → users.id",
    )
    equal = by_type["reconcile_equal"]
    assert equal.id == equal.name == "orders_total_equals_mart"
    assert equal.tables == ("orders", "mart_orders_enriched")
    assert equal.column is None
    assert equal.scope == "orders ⇔ mart_orders_enriched"
    assert equal.tags == ("reconcile",)
    assert equal.params == {
        "left": {"table": "orders", "expr": "sum(amount)", "where": None},
        "right": {"table": "mart_orders_enriched", "expr": "sum(amount)", "where": "valid_amt"},
        "abs_tolerance": 0.01,
        "rel_tolerance_pct": 0.1,
    }
    coverage = by_type["reconcile_coverage"]
    assert coverage.id == "reconcile_coverage[orders,mart_orders_enriched]"
    assert coverage.scope == "orders ⇒ mart_orders_enriched"
    assert coverage.params == {
        "source": {"table": "orders", "key": "order_id"},
        "target": {"table": "mart_orders_enriched", "key": "order_id"},
        "source_where": "order_date >= current_date - interval '7 days'",
        "target_where": None,
    }
    assert by_type["greater_equal"].params == {"threshold": 0}
    assert by_type["freshness"].params == {"max_delay_minutes": 60}
    assert by_type["accepted_values"].params == {"values": ("paid", "open")}
    assert by_type["between"].params == {"min": 0, "max": None}
    assert by_type["regex_match"].params == {"pattern": "^[^@]+@[^@]+$"}
    assert by_type["reconcile_ratio_within"].params["min_ratio"] == 0.999
    assert by_type["reconcile_diff_within"].params["max_abs_diff"] == 10
    assert by_type["reconcile_diff_within"].scope == "events_raw ⇔ fct_sales"


def test_lines_survive_a_plain_tuple(tmp_path: Path) -> None:
    """project_config keeps ``tests`` as a tuple of LineDicts: lines still come through."""
    path = tmp_path / "project.yml"
    path.write_text(PROJECT, encoding="utf-8")
    tests = load_yaml(path)["tests"]
    assert [s.line for s in parse_checks(tuple(tests))] == [s.line for s in parse_checks(tests)]
    assert [s.line for s in parse_checks(tests)][:4] == [3, 7, 8, 13]


def test_defaults(one) -> None:
    spec = one("{type: row_count_between, table: orders}")
    assert spec.params == {"min": 1, "max": None}
    assert spec.severity == "error"
    assert spec.tags == ()
    assert one("{type: row_count_between, table: orders, min: 0, max: 5}").params == {
        "min": 0, "max": 5}
    assert one("{type: between, table: t, column: c, max: 9.5}").params == {
        "min": None, "max": 9.5}
    assert one("{type: relationships, table: o, column: u, to: users, field: id}").params == {
        "to": "users", "field": "id"}
    assert one("{type: not_null, table: t, column: c, severity: warn}").severity == "warn"


@pytest.mark.parametrize(("entry", "column", "parent"), [
    # Data_Quality_Tests.md: field is the child column (column's override), to_field the
    # parent's, id by default
    ("{column: user_id, field: user_id, to: users}", "user_id", "id"),
    ("{field: user_id, to: users}", "user_id", "id"),
    ("{field: user_id, to: users, to_field: uid}", "user_id", "uid"),
    ("{column: user_id, to: users}", "user_id", "id"),
    ("{column: user_id, to: users, to_field: uid}", "user_id", "uid"),
    # dbt's spelling: a field that differs from column, without to_field, is the parent's
    ("{column: user_id, to: users, field: uid}", "user_id", "uid"),
])
def test_relationships_child_and_parent_columns(one, entry: str, column: str,
                                                parent: str) -> None:
    spec = one("{type: relationships, table: orders, " + entry[1:])
    assert (spec.column, spec.params["field"]) == (column, parent)


def test_ids_are_unique_in_file_order(parse) -> None:
    specs = parse("""\
        tests:
          - {type: not_null, table: users, column: email}
          - {type: not_null, table: users, column: email, where: "id > 1"}
          - {type: row_count_between, table: users}
          - {type: not_null, table: users, column: email}
          - {type: unique, table: users, column: id, name: users_pk}
          - {type: not_null, table: users, column: id, name: users_pk}
          - {type: not_null, table: users, column: email, name: "not_null[users.email]#2"}
        """)
    assert [s.id for s in specs] == [
        "not_null[users.email]",
        "not_null[users.email]#2",
        "row_count_between[users]",
        "not_null[users.email]#3",
        "users_pk",
        "users_pk#2",
        "not_null[users.email]#2#2",
    ]
    assert specs[4].name == "users_pk"
    assert specs[0].name is None


# ---------------------------------------------------------------------------------------------
# errors: message, line, hint
# ---------------------------------------------------------------------------------------------

ERRORS = [
    pytest.param(
        """\
        tests:
          - type: not_null
            table: users
            colum: email
        """,
        4, "unknown parameter 'colum' in not_null check on users; did you mean 'column'?",
        "not_null takes: table, column, name, tags, where, severity",
        id="misspelled-parameter",
    ),
    pytest.param(
        """\
        tests:
          - {type: greater_equal, table: t, column: c, treshold: 5}
        """,
        2, "unknown parameter 'treshold' in greater_equal check on t; did you mean 'threshold'?",
        "greater_equal takes: table, column, threshold,", id="misspelled-threshold",
    ),
    pytest.param(
        """\
        tests:
          - type: unique
            table: users
            column: id

            owner: me
        """,
        6, "unknown parameter 'owner' in unique check on users\n", "unique takes:",
        id="unknown-parameter-no-suggestion",
    ),
    pytest.param(
        """\
        tests:
          - type: not_null
            table: users
        """,
        2, "not_null check on users needs 'column'", "add column: <column name>",
        id="missing-column",
    ),
    pytest.param(
        """\
        tests:
          - {type: freshness, table: events, column: ts}
        """,
        2, "freshness check on events needs 'max_delay_minutes' (a number)",
        "max_delay_minutes:", id="missing-number",
    ),
    pytest.param(
        """\
        tests:
          - type: row_count_between
            table: orders
            min: 1
            min_rows: 2
        """,
        5, "row_count_between check on orders gives both 'min' and 'min_rows'",
        "min_rows is the FastFlowTransform 0.6 spelling of min", id="min-and-min-rows",
    ),
    pytest.param(
        """\
        tests:
          - type: row_count_between
            table: orders
            max: 1
            max_rows: 2
        """,
        5, "gives both 'max' and 'max_rows'", "keep one", id="max-and-max-rows",
    ),
    pytest.param(
        """\
        tests:
          - type: row_count_between
            table: orders
            min: 5
            max: 2
        """,
        4, "row_count_between check on orders: min 5 is greater than max 2", "swap",
        id="min-above-max",
    ),
    pytest.param(
        """\
        tests:
          - {type: row_count_between, table: orders, min: 1.5}
        """,
        2, "'min' of row_count_between check on orders must be a whole number, got 1.5",
        "without quotes", id="min-not-integer",
    ),
    pytest.param(
        """\
        tests:
          - type: not_null
            table: users
            column: email
            severity: fatal
        """,
        5, "'severity' of not_null check on users must be 'error' or 'warn', got 'fatal'",
        "severity: warn", id="bad-severity",
    ),
    pytest.param(
        """\
        tests:
          - {type: not_null, table: users, column: email}
          - type: not_nul
            table: users
        """,
        3, "unknown check type 'not_nul'; did you mean 'not_null'?",
        "supported types: not_null, unique,", id="unknown-type",
    ),
    pytest.param(
        """\
        tests:
          - type: completely_different
        """,
        2, "unknown check type 'completely_different'", "supported types:",
        id="unknown-type-no-suggestion",
    ),
    pytest.param(
        """\
        tests:
          - table: users
            column: email
        """,
        2, "a check has no 'type'", "add type:", id="missing-type",
    ),
    pytest.param(
        """\
        tests:
          - {type: not_null, table: users, column: email}

          - just a string
        """,
        4, "each entry of 'tests' must be a mapping, got 'just a string'", "- {type:",
        id="entry-not-a-mapping",
    ),
    pytest.param(
        """\
        tests:
          - type: greater_equal
            table: t
            column: c
            threshold: abc
        """,
        5, "'threshold' of greater_equal check on t must be a finite number, got 'abc'",
        "without quotes", id="threshold-not-a-number",
    ),
    pytest.param(
        """\
        tests:
          - {type: greater_equal, table: t, column: c, threshold: 1e-3}
        """,
        2, "got '1e-3'", "YAML reads 1e-3 as text", id="threshold-exponent-is-text",
    ),
    pytest.param(
        """\
        tests:
          - {type: greater_equal, table: t, column: c, threshold: true}
        """,
        2, "must be a finite number, got True", "", id="threshold-bool",
    ),
    pytest.param(
        """\
        tests:
          - type: accepted_values
            table: orders
            column: status
            values: paid
        """,
        5, "'values' of accepted_values check on orders must be a list, got 'paid'",
        "values: [paid, open]", id="values-not-a-list",
    ),
    pytest.param(
        """\
        tests:
          - {type: accepted_values, table: orders, column: status, values: [paid, null]}
        """,
        2, "'values' of accepted_values check on orders contains null", "remove it",
        id="values-null",
    ),
    pytest.param(
        """\
        tests:
          - {type: accepted_values, table: orders, column: status, values: [[a]]}
        """,
        2, "must hold plain values", "", id="values-nested",
    ),
    pytest.param(
        """\
        tests:
          - type: not_null
            table: users
            column: email
            tags: batch
        """,
        5, "'tags' of not_null check on users must be a list of strings, got 'batch'",
        "tags: [batch, nightly]", id="tags-not-a-list",
    ),
    pytest.param(
        """\
        tests:
          - {type: not_null, table: users, column: email, tags: [batch, 3]}
        """,
        2, "must be a list of strings, got [", "", id="tags-not-strings",
    ),
    pytest.param(
        """\
        tests:
          - {type: not_null, table: users, column: email, name: 12}
        """,
        2, "'name' of not_null check on users must be a non-empty string, got 12", "",
        id="name-not-a-string",
    ),
    pytest.param(
        """\
        tests:
          - {type: not_null, table: users, column: 2024}
        """,
        2, "'column' of not_null check on users must be a non-empty string, got 2024",
        "write it as text", id="column-number",
    ),
    pytest.param(
        """\
        tests:
          - type: relationships
            table: orders
            column: user_id
            to: users
            field: id
            to_field: id
        """,
        6, "relationships check on orders gives column 'user_id' and field 'id': with "
           "to_field, field names the child column",
        "keep one: column: user_id (or field: user_id), to_field: <parent column>",
        id="field-and-to-field",
    ),
    pytest.param(
        """\
        tests:
          - {type: between, table: orders, column: amount}
        """,
        2, "between check on orders needs 'min', 'max' or both", "", id="between-no-bounds",
    ),
    pytest.param(
        """\
        tests:
          - {type: between, table: orders, column: amount, min: 5, max: 1}
        """,
        2, "min 5 is greater than max 1", "", id="between-inverted",
    ),
    pytest.param(
        """\
        tests:
          - {type: freshness, table: e, column: ts, max_delay_minutes: -5}
        """,
        2, "'max_delay_minutes' of freshness check on e must be >= 0, got -5", "",
        id="negative-delay",
    ),
    pytest.param(
        """\
        tests:
          - type: reconcile_equal
            left:  { table: orders, exp: "sum(amount)" }
            right: { table: mart,   expr: "sum(amount)" }
        """,
        3, "unknown key 'exp' in left of reconcile_equal; did you mean 'expr'?",
        "left takes: table, expr, where", id="reconcile-side-misspelled",
    ),
    pytest.param(
        """\
        tests:
          - type: reconcile_equal
            left:  { table: orders }
            right: { table: mart,   expr: "sum(amount)" }
        """,
        3, "reconcile_equal check needs 'expr' in left", "add left:", id="reconcile-side-missing",
    ),
    pytest.param(
        """\
        tests:
          - type: reconcile_diff_within
            left: orders
            right: { table: mart, expr: "count(*)" }
            max_abs_diff: 1
        """,
        3, "'left' of reconcile_diff_within must be a mapping, got 'orders'",
        "left: {table: orders", id="reconcile-side-not-mapping",
    ),
    pytest.param(
        """\
        tests:
          - type: reconcile_ratio_within
            right: { table: mart, expr: "count(*)" }
            min_ratio: 1
            max_ratio: 2
        """,
        2, "reconcile_ratio_within check needs 'left'", "add left:", id="reconcile-no-left",
    ),
    pytest.param(
        """\
        tests:
          - type: reconcile_equal
            table: orders
            left:  { table: orders, expr: "sum(amount)" }
            right: { table: mart,   expr: "sum(amount)" }
        """,
        3, "'table' is not a parameter of reconcile_equal",
        "reconcile_equal reads its tables from left/right", id="reconcile-top-level-table",
    ),
    pytest.param(
        """\
        tests:
          - type: reconcile_equal
            left:  { table: orders, expr: "sum(amount)" }
            right: { table: mart,   expr: "sum(amount)" }
            where: "amount > 0"
        """,
        5, "'where' is not a parameter of reconcile_equal",
        "filter each side with left.where / right.where", id="reconcile-top-level-where",
    ),
    pytest.param(
        """\
        tests:
          - type: reconcile_coverage
            source: { table: orders, key: id }
            target: { table: mart, key: id }
            where: "x"
        """,
        5, "'where' is not a parameter of reconcile_coverage",
        "source_where / target_where", id="coverage-top-level-where",
    ),
    pytest.param(
        """\
        tests:
          - type: reconcile_coverage
            source: { table: orders, key: id }
            target: { table: mart, key: id }
            source_wher: "x"
        """,
        5, "unknown parameter 'source_wher' in reconcile_coverage check; did you mean "
           "'source_where'?", "", id="coverage-misspelled-where",
    ),
    pytest.param(
        """\
        tests:
          - type: reconcile_coverage
            source: { table: orders, column: id }
            target: { table: mart, key: id }
        """,
        3, "unknown key 'column' in source of reconcile_coverage", "source takes: table, key",
        id="coverage-side-unknown",
    ),
    pytest.param(
        """\
        tests:
          - type: reconcile_ratio_within
            left:  { table: orders, expr: "sum(amount)" }
            right: { table: mart,   expr: "sum(amount)" }
            min_ratio: 1.1
            max_ratio: 0.9
        """,
        5, "min_ratio 1.1 is greater than max_ratio 0.9", "", id="ratio-inverted",
    ),
    pytest.param(
        """\
        tests:
          - type: reconcile_equal
            left:  { table: orders, expr: "sum(amount)" }
            right: { table: mart,   expr: "sum(amount)" }
            abs_tolerance: -1
        """,
        5, "'abs_tolerance' of reconcile_equal check must be >= 0, got -1", "",
        id="negative-tolerance",
    ),
]


@pytest.mark.parametrize(("text", "line", "message", "hint"), ERRORS)
def test_errors(parse, text: str, line: int, message: str, hint: str) -> None:
    with pytest.raises(ProjectFileError) as info:
        parse(text)
    err = info.value
    assert err.file == "project.yml"
    assert err.line == line
    assert err.message.startswith("project.yml: ")
    assert message in err.message + "\n"
    assert err.hint and hint in err.hint
    assert f"project.yml:{line}" in str(err)


def test_error_from_a_dedented_real_file(tmp_path: Path) -> None:
    """The same line numbers when the tests list sits deeper in a real project.yml."""
    path = tmp_path / "project.yml"
    path.write_text(textwrap.dedent("""\
        name: shop
        version: "0.1"

        vars: {a: 1}

        tests:
          - type: not_null
            table: users
            column: email
          - type: unique
            tables: users
            column: id
        """), encoding="utf-8")
    with pytest.raises(ProjectFileError) as info:
        parse_checks(load_yaml(path)["tests"], display="shop/project.yml")
    assert info.value.line == 11
    assert info.value.file == "shop/project.yml"
    assert "unknown parameter 'tables' in unique check; did you mean 'table'?" in str(info.value)


def test_core_imports_no_pytest_and_no_driver() -> None:
    code = ("import sys, pytest_fft.checks; "
            "bad = {'pytest', 'duckdb', 'psycopg', 'sqlalchemy'} & set(sys.modules); "
            "print(sorted(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_specs_hash_and_pickle(specs: tuple[CheckSpec, ...]) -> None:
    assert len(set(specs)) == len(specs)
    assert pickle.loads(pickle.dumps(specs)) == specs

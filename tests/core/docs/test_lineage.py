"""Column lineage of SQL models (pytest_fft.docs.lineage): each construct, each dialect,
unknowns, and the YAML overrides."""

from __future__ import annotations

import doctest

import pytest

from pytest_fft.docs import lineage as lineage_module
from pytest_fft.docs.lineage import (
    ColumnLineage,
    merge_overrides,
    sql_lineage,
    to_manifest,
    unknown,
)
from tests.core.docs.lineage_builders import changed, plain

U = unknown


def lineage(sql: str, dialect: str = "duckdb", **schema: list[str]) -> list[ColumnLineage]:
    result = sql_lineage(sql, dialect=dialect, schema=schema or None)
    assert result is not None
    return list(result)


SCHEMA = {"users": ["id", "email", "country"], "orders": ["id", "user_id", "amount"]}

CASES = {
    "plain columns and aliases": (
        "select id, email as mail from users",
        [plain("id", "users.id"), plain("mail", "users.email")]),
    "a function transforms": (
        ("select u.id, upper(u.email) as email_upper from users as u "
         "join orders o on o.user_id = u.id"),
        [plain("id", "users.id"), changed("email_upper", "users.email")]),
    "arithmetic and casts": (
        ("select amount * 1.2 as gross, amount + tax as total, cast(id as text) as id_s, "
         "amount::int as whole from orders"),
        [changed("gross", "orders.amount"), changed("total", "orders.amount", "orders.tax"),
         changed("id_s", "orders.id"), changed("whole", "orders.amount")]),
    "case": (
        "select case when status = 'paid' then amount else 0 end as paid from orders",
        [changed("paid", "orders.status", "orders.amount")]),
    "aggregates with group by": (
        ("select u.country, count(*) as n, sum(o.amount) as revenue "
         "from users u join orders o on o.user_id = u.id group by u.country"),
        [plain("country", "users.country"), changed("n"),
         changed("revenue", "orders.amount")]),
    "window functions": (
        ("select o.id, row_number() over (partition by o.user_id order by o.created_at) as rn, "
         "sum(o.amount) over (partition by o.user_id) as user_total from orders o"),
        [plain("id", "orders.id"), changed("rn", "orders.user_id", "orders.created_at"),
         changed("user_total", "orders.amount", "orders.user_id")]),
    "a cte chain": (
        ("with src as (select id, email as mail from users), "
         "clean as (select id, lower(mail) as mail from src), "
         "final as (select id as user_id, mail from clean) "
         "select user_id, mail from final"),
        [plain("user_id", "users.id"), changed("mail", "users.email")]),
    "a subquery in from": (
        ("select t.user_id, t.total * 2 as doubled "
         "from (select user_id, sum(amount) as total from orders group by user_id) as t"),
        [plain("user_id", "orders.user_id"), changed("doubled", "orders.amount")]),
    "a subquery with a column list": (
        "select a, b from (select id, email from users) as t(a, b)",
        [plain("a", "users.id"), plain("b", "users.email")]),
    "union all takes each branch": (
        "select id, email from users union all select id, mail from old_users",
        [plain("id", "users.id", "old_users.id"),
         plain("email", "users.email", "old_users.mail")]),
    "a transformed branch transforms the union": (
        "select id, email from users union select 0, lower(mail) from old_users",
        [changed("id", "users.id"), changed("email", "users.email", "old_users.mail")]),
    "parenthesised union branches": (
        "(select a from t) union all (select b from u)",
        [plain("a", "t.a", "u.b")]),
    "constants have no sources": (
        "select 1 as one, current_date as today, count(*) from users",
        [changed("one"), changed("today"), changed("_col_2")]),
    "a scalar subquery": (
        ("select id, (select max(o.amount) from orders o where o.user_id = u.id) as top "
         "from users u"),
        [plain("id", "users.id"), changed("top", "orders.amount")]),
    "a where subquery does not hide the columns": (
        ("select lower(email) as email, email like '%gmail' as is_gmail from users "
         "where id in (select user_id from orders)"),
        [changed("email", "users.email"), changed("is_gmail", "users.email")]),
    "schema-qualified relations keep their schema": (
        'select u.id, o.amount from "main"."users" u join analytics.orders o on o.user_id = u.id',
        [plain("id", "main.users.id"), plain("amount", "analytics.orders.amount")]),
    "create table as select": (
        "create or replace table mart_users as select id, email from users",
        [plain("id", "users.id"), plain("email", "users.email")]),
    "a star through a cte from one source": (
        "with src as (select * from users) select id, upper(email) as e from src",
        [plain("id", "users.id"), changed("e", "users.email")]),
    "a recursive cte": (
        ("with recursive t(n) as (select 1 union all select n + 1 from t where n < 5) "
         "select n from t"),
        [changed("n")]),
}


@pytest.mark.parametrize("sql, expected", CASES.values(), ids=CASES.keys())
def test_constructs(sql: str, expected: list[ColumnLineage]) -> None:
    assert lineage(sql) == expected


def test_select_star_without_a_schema_is_unknown() -> None:
    assert lineage("select * from users") == [U("*")]
    assert lineage("select *, upper(email) as e from users") == [U("*"),
                                                                  changed("e", "users.email")]


def test_a_star_in_a_union_makes_the_positions_unknown() -> None:
    assert lineage("select id, 1 as x from a union all select * from b") == [U("id"), U("x")]


def test_select_star_with_a_schema_expands() -> None:
    assert lineage("select * from users", **SCHEMA) == [
        plain("id", "users.id"), plain("email", "users.email"), plain("country", "users.country")]


def test_table_star() -> None:
    sql = "select u.*, o.amount from users u join orders o on o.user_id = u.id"
    assert lineage(sql) == [U("u.*"), plain("amount", "orders.amount")]
    assert lineage(sql, users=["id", "email"]) == [
        plain("id", "users.id"), plain("email", "users.email"), plain("amount", "orders.amount")]


def test_schema_keys_may_be_qualified_and_any_case() -> None:
    assert lineage("select * from analytics.users", **{"ANALYTICS.Users": ["id"]}) == [
        plain("id", "analytics.users.id")]
    assert lineage("select * from analytics.users", users=["id"]) == [
        plain("id", "analytics.users.id")]


def test_unresolvable_columns_are_unknown() -> None:
    # Two relations and no schema: which one has ``email``?
    sql = "select email, o.amount from users u join orders o on o.user_id = u.id"
    assert lineage(sql) == [U("email"), plain("amount", "orders.amount")]
    # A schema for one side settles both.
    assert lineage(sql, users=["id", "email"]) == [plain("email", "users.email"),
                                                   plain("amount", "orders.amount")]
    # ``b`` may be the column of t or the alias before it.
    assert lineage("select a + 1 as b, b * 2 as c from t") == [changed("b", "t.a"), U("c")]
    # A table function and UNNEST are not relations.
    assert lineage("select x from read_parquet('f.parquet')") == [U("x")]
    assert lineage("select x from unnest([1, 2]) as u(x)") == [U("x")]


@pytest.mark.parametrize("sql", ["select from where", "select (", "", "   ", "drop table x",
                                 "this is not sql"])
def test_what_cannot_be_parsed_is_none(sql: str) -> None:
    assert sql_lineage(sql, dialect="duckdb") is None


def test_an_unknown_dialect_is_none() -> None:
    assert sql_lineage("select 1", dialect="no-such-dialect") is None


@pytest.mark.parametrize("sql", [
    "select * from (values (1, 2)) v(a, b) pivot (sum(a) for b in (1, 2))",
    "select a from t group by rollup(a) having grouping(a) = 0",
    "select [x for x in [1, 2]] as l from t",
    "select struct_pack(a := 1).a as s from t",
    "select " + " + ".join(f"c{i}" for i in range(300)) + " as big from t",
    "with a as (select * from b), b as (select * from a) select x from a",
    "select t.* exclude (a) from t",
])
def test_never_raises(sql: str) -> None:
    result = sql_lineage(sql, dialect="duckdb")
    assert result is None or all(isinstance(c, ColumnLineage) for c in result)


QUOTED = {
    "duckdb": 'select u."id", upper(u.email) as email_upper from "main"."users" as u',
    "postgres": 'select u."id", upper(u.email) as email_upper from "main"."users" as u',
    "databricks": "select u.`id`, upper(u.email) as email_upper from `main`.`users` as u",
}


@pytest.mark.parametrize("dialect", QUOTED)
def test_dialects(dialect: str) -> None:
    assert lineage(QUOTED[dialect], dialect) == [plain("id", "main.users.id"),
                                                 changed("email_upper", "main.users.email")]


def test_case_follows_the_dialect() -> None:
    sql = 'select "Email", ID from analytics."Users"'
    assert lineage(sql, "postgres") == [plain("Email", "analytics.Users.Email"),
                                        plain("id", "analytics.Users.id")]
    assert lineage(sql.replace('"', "`"), "databricks") == [
        plain("email", "analytics.users.email"), plain("id", "analytics.users.id")]
    # Snowflake folds unquoted names to upper case; they are shown as the project writes them.
    assert lineage("select ID, lower(Email) as e from users", "snowflake") == [
        plain("id", "users.id"), changed("e", "users.email")]
    assert lineage("select * from users", "snowflake", users=["id", "Email"]) == [
        plain("id", "users.id"), plain("Email", "users.Email")]


def test_other_dialects_parse() -> None:
    assert lineage("select u.id, safe_cast(u.x as int64) as x from `proj.ds.users` u",
                   "bigquery") == [plain("id", "proj.ds.users.id"),
                                   changed("x", "proj.ds.users.x")]
    assert lineage("select id, iff(a > 0, a, 0) as a from db.sch.users", "snowflake") == [
        plain("id", "db.sch.users.id"), changed("a", "db.sch.users.a")]


# --- manifest ------------------------------------------------------------------------------


def test_to_manifest() -> None:
    assert to_manifest(changed("e", "users.email", "users.id")) == {
        "from": [{"table": "users", "column": "email"}, {"table": "users", "column": "id"}],
        "transformed": True}
    assert to_manifest(changed("one")) == {"from": [], "transformed": True}
    assert to_manifest(U("x")) is None


# --- overrides -----------------------------------------------------------------------------

EMAIL = {"from": [{"table": "users", "column": "email"}], "transformed": True}


def test_an_override_replaces_a_computed_column_in_place() -> None:
    computed = (plain("id", "users.id"), U("email_upper"))
    merged, problems = merge_overrides(computed, {"email_upper": EMAIL})
    assert merged == (plain("id", "users.id"), changed("email_upper", "users.email"))
    assert problems == []


def test_an_override_of_a_column_the_sql_did_not_show_is_appended() -> None:
    merged, problems = merge_overrides([U("*")], {"email": {"from": [
        {"table": "users", "column": "email"}, {"table": "crm.contacts", "column": "mail"}]}})
    assert merged == (U("*"), plain("email", "users.email", "crm.contacts.mail"))
    assert problems == []


def test_overrides_apply_when_the_sql_did_not_parse() -> None:
    assert merge_overrides(None, {"x": {"from": []}}) == ((plain("x"),), [])
    assert merge_overrides(None, None) == ((), [])


MALFORMED = {
    "not a mapping": ("users.email",
                      ("docs.models.m.lineage.x: expected {from: [...], transformed: ...}, "
                       "got str 'users.email'; the override is ignored")),
    "unknown key": ({"from": [], "transfomed": True},
                    ("docs.models.m.lineage.x: unknown key(s) transfomed (expected 'from' and "
                     "'transformed'); the override is ignored")),
    "no from": ({"transformed": True},
                ("docs.models.m.lineage.x: 'from' is missing (a list of {table: ..., column: "
                 "...}); the override is ignored")),
    "from not a list": ({"from": {"table": "users", "column": "email"}},
                        ("docs.models.m.lineage.x: 'from' must be a list of {table: ..., column: "
                         "...}, got dict {'table': 'users', 'column': 'email'}; the override is "
                         "ignored")),
    "an item without column": ({"from": [{"table": "users"}]},
                               ("docs.models.m.lineage.x: from[0] must be {table: <relation>, "
                                "column: <column>} with two non-empty strings, got "
                                "{'table': 'users'}; the override is ignored")),
    "transformed not a bool": ({"from": [], "transformed": "yes"},
                               ("docs.models.m.lineage.x: 'transformed' must be true or false, "
                                "got str 'yes'; the override is ignored")),
}


@pytest.mark.parametrize("spec, problem", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_override_is_a_problem_and_keeps_the_computed_lineage(
        spec: object, problem: str) -> None:
    computed = (plain("x", "users.x"),)
    merged, problems = merge_overrides(computed, {"x": spec, "y": EMAIL}, model="m")
    assert merged == (plain("x", "users.x"), changed("y", "users.email"))
    assert problems == [problem]


def test_overrides_that_are_not_a_mapping() -> None:
    merged, problems = merge_overrides([U("x")], ["x"])
    assert merged == (U("x"),)
    assert problems == [("expected a mapping of column -> {from: [...], transformed: ...}, "
                         "got list ['x']")]
    assert merge_overrides([], "x", model="m")[1] == [
        ("docs.models.m.lineage: expected a mapping of column -> {from: [...], "
         "transformed: ...}, got str 'x'")]


def test_without_a_model_problems_start_with_the_column() -> None:
    assert merge_overrides([], {"email_upper": {"transformed": True}})[1] == [
        ("email_upper: 'from' is missing (a list of {table: ..., column: ...}); "
         "the override is ignored")]


def test_docstring_examples() -> None:
    assert doctest.testmod(lineage_module).failed == 0

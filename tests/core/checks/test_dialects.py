"""Dialects: quoting, literals, regex and staleness spellings; every check builds everywhere."""

from __future__ import annotations

import textwrap

import pytest

from pytest_fft.checks import (
    CHECK_TYPES,
    DIALECTS,
    CheckNotSupportedError,
    check_sql,
    dialect_for,
)
from pytest_fft.errors import FFTError

ALL_TYPES = """\
tests:
  - {type: not_null, table: analytics.users, column: email, where: active}
  - {type: unique, table: users, column: id}
  - {type: greater_equal, table: payments, column: amount, threshold: 0.5}
  - {type: non_negative_sum, table: payments, column: amount}
  - {type: row_count_between, table: orders, min: 1, max: 10}
  - {type: freshness, table: events, column: updated_at, max_delay_minutes: 60}
  - {type: accepted_values, table: orders, column: status, values: [paid, "it's", 3, true]}
  - {type: relationships, table: orders, column: user_id, to: users, field: id}
  - {type: between, table: orders, column: amount, min: -1.5, max: 100}
  - {type: regex_match, table: users, column: email, pattern: '^\\d+$'}
  - type: reconcile_equal
    left:  {table: orders, expr: sum(amount)}
    right: {table: mart, expr: sum(amount), where: valid_amt}
    abs_tolerance: 0.01
  - type: reconcile_ratio_within
    left:  {table: orders, expr: sum(amount)}
    right: {table: mart, expr: sum(amount)}
    min_ratio: 0.9
    max_ratio: 1.1
  - type: reconcile_diff_within
    left:  {table: orders, expr: count(*)}
    right: {table: mart, expr: count(*)}
    max_abs_diff: 1
  - type: reconcile_coverage
    source: {table: orders, key: order_id}
    target: {table: mart, key: order_id}
    source_where: "x > 1"
"""


@pytest.fixture
def all_specs(parse):
    specs = parse(ALL_TYPES)
    assert sorted({s.type for s in specs}) == sorted(CHECK_TYPES)
    return {s.type: s for s in specs}


def test_known_dialects() -> None:
    assert sorted(DIALECTS) == ["bigquery", "databricks_spark", "duckdb", "postgres",
                                "snowflake_snowpark"]
    assert dialect_for("spark") is DIALECTS["databricks_spark"]
    assert dialect_for("snowflake") is DIALECTS["snowflake_snowpark"]
    fallback = dialect_for("sqlite")
    assert fallback.name == "sqlite"
    assert fallback.quote("t") == '"t"'
    assert fallback.regex_match('"c"', "'x'") is None


@pytest.mark.parametrize(("engine", "name", "quoted"), [
    ("duckdb", 'my "odd" table', '"my ""odd"" table"'),
    ("postgres", "Users", '"Users"'),
    ("bigquery", "my`t", "`my\\`t`"),
    ("databricks_spark", "my`t", "`my``t`"),
    ("snowflake_snowpark", "users", '"USERS"'),
    ("snowflake_snowpark", "my table", '"my table"'),
    ("snowflake_snowpark", 'a"b', '"a""b"'),
])
def test_quote(engine: str, name: str, quoted: str) -> None:
    assert dialect_for(engine).quote(name) == quoted


def test_relation_quotes_each_part() -> None:
    assert dialect_for("duckdb").relation("raw.my users") == '"raw"."my users"'
    assert dialect_for("bigquery").relation("proj.ds.t") == "`proj`.`ds`.`t`"


@pytest.mark.parametrize(("engine", "literal"), [
    ("duckdb", "'it''s \\d'"),
    ("postgres", "'it''s \\d'"),
    ("bigquery", "'it\\'s \\\\d'"),
    ("databricks_spark", "'it\\'s \\\\d'"),
    ("snowflake_snowpark", "'it\\'s \\\\d'"),
])
def test_string_literal(engine: str, literal: str) -> None:
    assert dialect_for(engine).string_literal("it's \\d") == literal


def test_regex_and_minutes_spellings() -> None:
    assert dialect_for("postgres").regex_match("c", "'x'") == "(c ~ 'x')"
    assert dialect_for("bigquery").regex_match("c", "'x'") == "regexp_contains(c, 'x')"
    assert dialect_for("databricks_spark").regex_match("c", "'x'") == "(c rlike 'x')"
    assert dialect_for("snowflake_snowpark").regex_match("c", "'x'") == (
        "(regexp_instr(c, 'x') > 0)")
    assert dialect_for("duckdb").minutes_since("max(ts)") == (
        "(epoch(current_timestamp) - epoch(cast(max(ts) as timestamptz))) / 60.0")
    assert dialect_for("snowflake_snowpark").minutes_since("t") == (
        "datediff('millisecond', t, current_timestamp()) / 60000.0")


@pytest.mark.parametrize("engine", sorted(DIALECTS))
def test_every_check_builds_on_every_dialect(all_specs, engine: str) -> None:
    dialect = dialect_for(engine)
    for spec in all_specs.values():
        sql = check_sql(spec, dialect)
        assert sql.lstrip().startswith(("select", "with")), sql
        assert sql.count("(") == sql.count(")"), sql
        assert dialect.relation(spec.tables[0]) in sql


def test_regex_match_needs_regex(all_specs) -> None:
    spec = all_specs["regex_match"]
    with pytest.raises(CheckNotSupportedError) as info:
        check_sql(spec, dialect_for("sqlite"))
    assert isinstance(info.value, FFTError)
    assert "the sqlite engine does not support regex_match" in str(info.value)
    assert info.value.node == "regex_match[users.email]"
    assert info.value.line == 11
    # Everything else still builds on a dialect without regex.
    for other in all_specs.values():
        if other is not spec:
            check_sql(other, dialect_for("sqlite"))


def snapshot(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def test_snapshot_postgres(all_specs) -> None:
    pg = dialect_for("postgres")
    assert check_sql(all_specs["not_null"], pg) == snapshot("""
        select count(*) - count("email") as null_count
        from (select * from "analytics"."users" where (active)) as _fft_rows
        """)
    assert check_sql(all_specs["regex_match"], pg) == snapshot("""
        select count(case when "email" is not null and not ("email" ~ '^\\d+$') then 1 end) as failing_rows
        from "users" as _fft_rows
        """)
    assert check_sql(all_specs["relationships"], pg) == snapshot("""
        select count(*) as orphans
        from "orders" as _fft_rows
        where _fft_rows."user_id" is not null
          and not exists (
            select 1 from "users" as _fft_parent where _fft_parent."id" = _fft_rows."user_id"
          )
        """)


def test_snapshot_bigquery(all_specs) -> None:
    bq = dialect_for("bigquery")
    assert check_sql(all_specs["reconcile_equal"], bq) == snapshot("""
        select
          (select sum(amount) from `orders`) as left_value,
          (select sum(amount) from `mart` where (valid_amt)) as right_value
        """)
    assert check_sql(all_specs["freshness"], bq) == snapshot("""
        select timestamp_diff(current_timestamp(), cast(max(`updated_at`) as timestamp), millisecond) / 60000.0 as minutes_old
        from `events` as _fft_rows
        """)
    assert "`status` not in ('paid', 'it\\'s', 3, true)" in check_sql(
        all_specs["accepted_values"], bq)
    assert "cast(`status` as string)" in check_sql(all_specs["accepted_values"], bq)


def test_snapshot_snowflake(all_specs) -> None:
    sf = dialect_for("snowflake_snowpark")
    assert check_sql(all_specs["reconcile_coverage"], sf) == snapshot("""
        with _fft_source as (
          select "ORDER_ID" as _fft_key from "ORDERS" where (x > 1)
        ), _fft_target as (
          select "ORDER_ID" as _fft_key from "MART"
        )
        select
          (select count(distinct _fft_s._fft_key) from _fft_source as _fft_s
           where _fft_s._fft_key is not null
             and not exists (select 1 from _fft_target as _fft_t
                             where _fft_t._fft_key = _fft_s._fft_key)) as missing_keys,
          (select count(distinct _fft_key) from _fft_source) as source_keys
        """)


def test_snapshot_spark(all_specs) -> None:
    spark = dialect_for("databricks_spark")
    assert check_sql(all_specs["between"], spark) == snapshot("""
        select count(case when `amount` < -1.5 or `amount` > 100 then 1 end) as failing_rows
        from `orders` as _fft_rows
        """)
    assert check_sql(all_specs["greater_equal"], spark) == snapshot("""
        select count(case when `amount` < 0.5 then 1 end) as failing_rows
        from `payments` as _fft_rows
        """)
    assert "(`email` rlike '^\\\\d+$')" in check_sql(all_specs["regex_match"], spark)

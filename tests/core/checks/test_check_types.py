"""Every check type against small tables on DuckDB and PostgreSQL: one passing, one failing,
exact text."""

from __future__ import annotations

import pytest

from pytest_fft.checks import CheckOutcome, check_sql, dialect_for


def table(con, name: str, columns: str, rows: str | None) -> None:
    """``table(con, "users", "id int, email varchar", "(1, 'a'), (2, null)")``."""
    con.execute(f"create table {name} ({columns})")
    if rows:
        con.execute(f"insert into {name} values {rows}")


def failed(outcome: CheckOutcome, message: str, **metrics: object) -> None:
    assert (outcome.passed, outcome.message) == (False, message)
    for key, value in metrics.items():
        assert outcome.metrics[key] == value, (key, outcome.metrics)


def passed(outcome: CheckOutcome, message: str) -> None:
    assert (outcome.passed, outcome.message) == (True, message)


# ----------------------------------------------------------------------------- single table ---


def test_not_null(con, one, run) -> None:
    table(con, "users", "id int, email varchar", "(1, 'a@x'), (2, null), (3, null)")
    table(con, "clean", "id int, email varchar", "(1, 'a@x')")
    failed(run(one("{type: not_null, table: users, column: email}")),
           "users.email has 2 null values", nulls=2)
    failed(run(one("{type: not_null, table: users, column: email, where: id > 2}")),
           "users.email has 1 null value", nulls=1)
    passed(run(one("{type: not_null, table: users, column: email, where: 'id = 1'}")),
           "users.email has no null values")
    passed(run(one("{type: not_null, table: clean, column: email}")),
           "clean.email has no null values")


def test_unique_counts_surplus_rows_and_ignores_nulls(con, one, run) -> None:
    table(con, "users", "id int", "(1), (1), (2), (null), (null)")
    table(con, "many", "id int", "(1), (1), (1), (2), (2), (3)")
    failed(run(one("{type: unique, table: users, column: id}")),
           "users.id has 1 duplicate", duplicates=1)
    failed(run(one("{type: unique, table: many, column: id}")),
           "many.id has 3 duplicates", duplicates=3)
    passed(run(one("{type: unique, table: many, column: id, where: id > 2}")),
           "many.id is unique")


def test_greater_equal(con, one, run) -> None:
    table(con, "stg_payments", "amount double", "(-1.0), (0.0), (2.0), (3.0), (null)")
    failed(run(one("{type: greater_equal, table: stg_payments, column: amount}")),
           "stg_payments.amount: 1 row < 0", failing_rows=1)
    failed(run(one("{type: greater_equal, table: stg_payments, column: amount, "
                   "threshold: 2.5}")),
           "stg_payments.amount: 3 rows < 2.5", failing_rows=3)
    passed(run(one("{type: greater_equal, table: stg_payments, column: amount, "
                   "threshold: -1}")),
           "stg_payments.amount: all rows >= -1")


def test_non_negative_sum(con, one, run) -> None:
    table(con, "orders", "amount decimal(10, 2)", "(1.50), (-5.00), (null)")
    table(con, "empty", "amount double", None)
    failed(run(one("{type: non_negative_sum, table: orders, column: amount}")),
           "orders.amount sums to -3.5 (< 0)", sum=-3.5)
    passed(run(one("{type: non_negative_sum, table: orders, column: amount, "
                   "where: amount > 0}")),
           "orders.amount sums to 1.5")
    passed(run(one("{type: non_negative_sum, table: empty, column: amount}")),
           "empty.amount has no values to sum")


def test_row_count_between(con, one, run) -> None:
    table(con, "orders", "id int", None)
    table(con, "big", "id int", ", ".join(f"({i})" for i in range(11)))
    failed(run(one("{type: row_count_between, table: orders, min: 1, max: 10}")),
           "orders has 0 rows, expected between 1 and 10", rows=0)
    failed(run(one("{type: row_count_between, table: orders}")),
           "orders has 0 rows, expected at least 1")
    failed(run(one("{type: row_count_between, table: big, min_rows: 0, max_rows: 10}")),
           "big has 11 rows, expected at most 10", rows=11, min=0, max=10)
    failed(run(one("{type: row_count_between, table: big, min: 12}")),
           "big has 11 rows, expected at least 12")
    passed(run(one("{type: row_count_between, table: big, where: id = 3, max: 10}")),
           "big has 1 row (expected between 1 and 10)")


def test_freshness(con, one, run) -> None:
    con.execute("create table events as "
                "select now() - interval '95 minutes' as updated_at union all "
                "select now() - interval '3 days'")
    con.execute("create table naive as select cast(now() as timestamp) - interval '2 hours' "
                "as updated_at")
    con.execute("create table empty (updated_at timestamp)")
    outcome = run(one("{type: freshness, table: events, column: updated_at, "
                      "max_delay_minutes: 60}"))
    failed(outcome, "events.updated_at is 95.0 minutes old, max_delay_minutes 60",
           max_delay_minutes=60)
    assert 95 <= outcome.metrics["minutes"] < 96
    passed(run(one("{type: freshness, table: events, column: updated_at, "
                   "max_delay_minutes: 120}")),
           "events.updated_at is 95.0 minutes old (max_delay_minutes 120)")
    failed(run(one("{type: freshness, table: naive, column: updated_at, "
                   "max_delay_minutes: 90}")),
           "naive.updated_at is 120.0 minutes old, max_delay_minutes 90")
    failed(run(one("{type: freshness, table: empty, column: updated_at, "
                   "max_delay_minutes: 60}")),
           "empty.updated_at has no values", minutes=None)
    failed(run(one("{type: freshness, table: events, column: updated_at, "
                   "max_delay_minutes: 60, where: \"updated_at < now() - interval '1 day'\"}")),
           "events.updated_at is 4320.0 minutes old, max_delay_minutes 60")


def test_accepted_values(con, one, run) -> None:
    table(con, "orders", "status varchar",
          "('paid'), ('open'), ('lost'), ('lost'), (null), ('paid')")
    failed(run(one("{type: accepted_values, table: orders, column: status, "
                   "values: [paid, open]}")),
           "orders.status has 2 rows outside ['paid', 'open']: 'lost' (2)",
           failing_rows=2, failing_values=1, top_values=[["lost", 2]])
    passed(run(one("{type: accepted_values, table: orders, column: status, "
                   "values: [paid, open, lost]}")),
           "orders.status: all values in ['paid', 'open', 'lost']")
    passed(run(one("{type: accepted_values, table: orders, column: status, "
                   "values: [paid, open], where: \"status <> 'lost'\"}")),
           "orders.status: all values in ['paid', 'open']")
    # No values, or an empty list: a check that always passes (FastFlowTransform 0.6).
    for spelled in ("", ", values: []"):
        passed(run(one(f"{{type: accepted_values, table: orders, column: status{spelled}}}")),
               "orders.status: no values given, nothing to check")


def test_accepted_values_lists_five_most_frequent(con, one, run) -> None:
    rows = ", ".join(["(1)"] * 3 + ["(2)"] * 5 + ["(3)", "(4)", "(5)", "(6)", "(7)", "(8)"])
    table(con, "t", "code int", rows)
    failed(run(one("{type: accepted_values, table: t, column: code, values: [1]}")),
           "t.code has 11 rows outside [1]: 2 (5), 3 (1), 4 (1), 5 (1), 6 (1), "
           "and 2 more values", failing_rows=11, failing_values=7)


def test_accepted_values_booleans(con, one, run) -> None:
    table(con, "flags", "ok boolean", "(true), (false), (false)")
    failed(run(one("{type: accepted_values, table: flags, column: ok, values: [true]}")),
           "flags.ok has 2 rows outside [true]: 'false' (2)")


def test_relationships(con, one, run) -> None:
    table(con, "users", "id int", "(1), (2)")
    table(con, "orders", "id int, user_id int", "(10, 1), (11, 3), (12, null), (13, 2)")
    failed(run(one("{type: relationships, table: orders, column: user_id, to: users, "
                   "field: id}")),
           "orders.user_id has 1 row without a match in users.id", orphans=1)
    passed(run(one("{type: relationships, table: orders, column: user_id, to: users, "
                   "to_field: id, where: id <> 11}")),
           "every orders.user_id has a match in users.id")


def test_between(con, one, run) -> None:
    table(con, "orders", "amount double", "(-1), (0), (50), (100), (100.5), (null)")
    failed(run(one("{type: between, table: orders, column: amount, min: 0, max: 100}")),
           "orders.amount: 2 rows outside [0, 100]", failing_rows=2)
    failed(run(one("{type: between, table: orders, column: amount, min: 0}")),
           "orders.amount: 1 row < 0")
    failed(run(one("{type: between, table: orders, column: amount, max: 99.5}")),
           "orders.amount: 2 rows > 99.5")
    passed(run(one("{type: between, table: orders, column: amount, min: -1, max: 100.5}")),
           "orders.amount: all rows within [-1, 100.5]")


def test_regex_match(con, one, run) -> None:
    table(con, "users", "email varchar", "('a@b.c'), ('nope'), (null), ('x@y@z')")
    failed(run(one("{type: regex_match, table: users, column: email, "
                   "pattern: '^[^@]+@[^@]+$'}")),
           "users.email: 2 rows do not match '^[^@]+@[^@]+$'", failing_rows=2)
    failed(run(one("{type: regex_match, table: users, column: email, "
                   "pattern: '^[^@]+@[^@]+$', where: \"email <> 'nope'\"}")),
           "users.email: 1 row does not match '^[^@]+@[^@]+$'")
    passed(run(one("{type: regex_match, table: users, column: email, pattern: '\\w'}")),
           "users.email: all rows match '\\\\w'")


# ------------------------------------------------------------------------------ two tables ---


@pytest.fixture
def shop(con):
    table(con, "orders", "order_id int, amount decimal(10, 2)",
          "(1, 100.00), (2, 100.00), (3, 44.40), (4, null)")
    table(con, "mart_orders_enriched", "order_id int, amount double, valid_amt boolean",
          "(1, 100.0, true), (2, 100.0, true), (3, 41.9, true), (5, 7.0, false)")
    return con


EQUAL = """\
type: reconcile_equal
left:  {{ table: orders,               expr: "sum(amount)" }}
right: {{ table: mart_orders_enriched, expr: "sum(amount)", where: "valid_amt" }}
{extra}
"""


def test_reconcile_equal(shop, one, run) -> None:
    failed(run(one(EQUAL.format(extra="abs_tolerance: 0.01"))),
           "reconcile_equal orders ⇔ mart_orders_enriched: left=244.40 right=241.90 "
           "diff=2.50 > abs_tolerance 0.01", left=244.4, right=241.9, diff=2.5)
    # Either tolerance is enough: 2.5 / 241.9 = 1.03 % <= 2 %.
    passed(run(one(EQUAL.format(extra="abs_tolerance: 0.01\nrel_tolerance_pct: 2"))),
           "reconcile_equal orders ⇔ mart_orders_enriched: left=244.40 right=241.90 "
           "diff=2.50 within tolerance")
    failed(run(one(EQUAL.format(extra="abs_tolerance: 0.01\nrel_tolerance_pct: 0.1"))),
           "reconcile_equal orders ⇔ mart_orders_enriched: left=244.40 right=241.90 "
           "diff=2.50 > abs_tolerance 0.01 and 1.03% > rel_tolerance_pct 0.1")
    failed(run(one(EQUAL.format(extra="rel_tolerance_pct: 1"))),
           "reconcile_equal orders ⇔ mart_orders_enriched: left=244.40 right=241.90 "
           "diff=2.50 (1.03%) > rel_tolerance_pct 1")
    passed(run(one(EQUAL.format(extra="abs_tolerance: 3"))),
           "reconcile_equal orders ⇔ mart_orders_enriched: left=244.40 right=241.90 "
           "diff=2.50 within tolerance")
    failed(run(one(EQUAL.format(extra="name: exact"))),
           "reconcile_equal orders ⇔ mart_orders_enriched: left=244.40 right=241.90 "
           "diff=2.50, expected equal (no tolerance set)")


def test_reconcile_equal_exact_counts(shop, one, run) -> None:
    passed(run(one("""\
        type: reconcile_equal
        left:  { table: orders, expr: "count(*)" }
        right: { table: mart_orders_enriched, expr: "count(*)" }
        """)), "reconcile_equal orders ⇔ mart_orders_enriched: left=right=4")


def test_reconcile_equal_null_side(shop, one, run) -> None:
    failed(run(one("""\
        type: reconcile_equal
        left:  { table: orders, expr: "sum(amount)", where: "order_id > 100" }
        right: { table: mart_orders_enriched, expr: "sum(amount)" }
        abs_tolerance: 1
        """)), "reconcile_equal orders ⇔ mart_orders_enriched: left is NULL "
               "(sum(amount) on orders returned no value)")


RATIO = """\
type: reconcile_ratio_within
left:  {{ table: orders, expr: "{left}" }}
right: {{ table: mart,   expr: "{right}" }}
min_ratio: 0.999
max_ratio: 1.001
"""


def test_reconcile_ratio_within(con, one, run) -> None:
    table(con, "orders", "amount double", "(95.0)")
    table(con, "mart", "amount double", "(100.0)")
    failed(run(one(RATIO.format(left="sum(amount)", right="sum(amount)"))),
           "reconcile_ratio_within orders ⇔ mart: ratio=0.9500 outside [0.999, 1.001]",
           ratio=0.95)
    passed(run(one(RATIO.format(left="sum(amount) + 5", right="sum(amount)"))),
           "reconcile_ratio_within orders ⇔ mart: ratio=1.0000 within [0.999, 1.001]")
    failed(run(one(RATIO.format(left="sum(amount)", right="sum(amount) - 100"))),
           "reconcile_ratio_within orders ⇔ mart: right is 0, so the ratio left/right is "
           "undefined (left=95)", ratio=None)


def test_reconcile_diff_within(con, one, run) -> None:
    table(con, "events_raw", "event_type varchar",
          ", ".join(["('purchase')"] * 22 + ["('view')"] * 5))
    table(con, "fct_sales", "txn_count int", "(4), (6)")
    spec = """\
        type: reconcile_diff_within
        left:  {{ table: events_raw, expr: "count(*)", where: "event_type='purchase'" }}
        right: {{ table: fct_sales,  expr: "sum(txn_count)" }}
        max_abs_diff: {limit}
        """
    failed(run(one(spec.format(limit=10))),
           "reconcile_diff_within events_raw ⇔ fct_sales: diff=12 > max_abs_diff 10",
           left=22, right=10, diff=12)
    passed(run(one(spec.format(limit=12))),
           "reconcile_diff_within events_raw ⇔ fct_sales: diff=12 <= max_abs_diff 12")


def test_reconcile_coverage(shop, one, run) -> None:
    table(shop, "dupes", "order_id int", "(7), (7), (8), (null), (1)")
    cover = """\
        type: reconcile_coverage
        source: {{ table: {source}, key: order_id }}
        target: {{ table: mart_orders_enriched, key: order_id }}
        {extra}
        """
    failed(run(one(cover.format(source="orders", extra="name: c1"))),
           "reconcile_coverage orders ⇒ mart_orders_enriched: 1 key of orders missing in "
           "mart_orders_enriched", missing_keys=1, source_keys=4)
    failed(run(one(cover.format(source="dupes", extra="name: c2"))),
           "reconcile_coverage dupes ⇒ mart_orders_enriched: 2 keys of dupes missing in "
           "mart_orders_enriched", missing_keys=2, source_keys=3)
    failed(run(one(cover.format(source="orders", extra="target_where: valid_amt"))),
           "reconcile_coverage orders ⇒ mart_orders_enriched: 1 key of orders missing in "
           "mart_orders_enriched")
    passed(run(one(cover.format(source="orders", extra="source_where: order_id < 4"))),
           "reconcile_coverage orders ⇒ mart_orders_enriched: every key of orders is in "
           "mart_orders_enriched")
    failed(run(one(cover.format(
        source="orders", extra="source_where: order_id < 4\n        target_where: order_id <> 2"))),
           "reconcile_coverage orders ⇒ mart_orders_enriched: 1 key of orders missing in "
           "mart_orders_enriched")


# --------------------------------------------------------------------------------- quoting ---


def test_awkward_names_are_quoted(con, one, run) -> None:
    con.execute('create table "my table" ("e""mail" varchar, "user id" int)')
    con.execute("insert into \"my table\" values ('a', 1), (null, 2), ('it''s', 9)")
    con.execute('create table "people ""vip""" ("the id" int)')
    con.execute('insert into "people ""vip""" values (1), (2)')
    failed(run(one("""{type: not_null, table: my table, column: 'e"mail'}""")),
           'my table.e"mail has 1 null value')
    failed(run(one("""{type: accepted_values, table: my table, column: 'e"mail',
                        values: [a]}""")),
           """my table.e"mail has 1 row outside ['a']: "it's" (1)""")
    failed(run(one("""{type: relationships, table: my table, column: user id,
                        to: 'people "vip"', field: the id}""")),
           'my table.user id has 1 row without a match in people "vip".the id')
    failed(run(one("""
        type: reconcile_coverage
        source: {table: my table, key: user id}
        target: {table: 'people "vip"', key: the id}
        """)), 'reconcile_coverage my table ⇒ people "vip": 1 key of my table missing in '
               'people "vip"')
    passed(run(one("""{type: unique, table: my table, column: user id}""")),
           "my table.user id is unique")


def test_schema_qualified_relation(con, one, run) -> None:
    con.execute("create schema raw")
    con.execute("create table raw.users as select 1 as id union all select 1")
    spec = one("{type: unique, table: raw.users, column: id}")
    assert 'from "raw"."users"' in check_sql(spec, dialect_for("duckdb"))
    failed(run(spec), "raw.users.id has 1 duplicate")


def test_every_check_returns_one_row_on_empty_tables(con, parse, run) -> None:
    table(con, "a", "k int, v double, s varchar, ts timestamp", None)
    table(con, "b", "k int, v double", None)
    specs = parse("""\
        tests:
          - {type: not_null, table: a, column: v}
          - {type: unique, table: a, column: k}
          - {type: greater_equal, table: a, column: v}
          - {type: non_negative_sum, table: a, column: v}
          - {type: row_count_between, table: a, min: 0}
          - {type: freshness, table: a, column: ts, max_delay_minutes: 5}
          - {type: accepted_values, table: a, column: s, values: [x]}
          - {type: relationships, table: a, column: k, to: b, to_field: k}
          - {type: between, table: a, column: v, min: 0, max: 1}
          - {type: regex_match, table: a, column: s, pattern: x}
          - {type: reconcile_equal, left: {table: a, expr: count(*)},
             right: {table: b, expr: count(*)}}
          - {type: reconcile_ratio_within, left: {table: a, expr: count(*)},
             right: {table: b, expr: count(*)}, min_ratio: 0, max_ratio: 1}
          - {type: reconcile_diff_within, left: {table: a, expr: count(*)},
             right: {table: b, expr: count(*)}, max_abs_diff: 0}
          - {type: reconcile_coverage, source: {table: a, key: k}, target: {table: b, key: k}}
        """)
    verdicts = {spec.type: run(spec).passed for spec in specs}
    assert verdicts == {
        "not_null": True, "unique": True, "greater_equal": True, "non_negative_sum": True,
        "row_count_between": True, "freshness": False, "accepted_values": True,
        "relationships": True, "between": True, "regex_match": True, "reconcile_equal": True,
        "reconcile_ratio_within": False, "reconcile_diff_within": True,
        "reconcile_coverage": True,
    }


def test_snippets_with_a_trailing_comment(con, one, run) -> None:
    table(con, "orders", "id int, amount double", "(1, -1.0), (2, 5.0)")
    failed(run(one("{type: greater_equal, table: orders, column: amount, "
                   "where: 'id < 2 -- only the first'}")),
           "orders.amount: 1 row < 0")
    passed(run(one("""\
        type: reconcile_diff_within
        left:  { table: orders, expr: "count(*) -- rows", where: "id > 0 -- all" }
        right: { table: orders, expr: "count(*)" }
        max_abs_diff: 0
        """)), "reconcile_diff_within orders ⇔ orders: diff=0 <= max_abs_diff 0")

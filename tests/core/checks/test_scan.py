"""Checks that share a query (one scan per table, and the queries of several tables side by
side): every check gets the verdict, message, numbers and error its own query gives, and a
shared query that fails leaves each of its parts, then each check, to a query of its own."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from pytest_fft.checks import CheckOutcome, CheckSpec, dialect_for
from pytest_fft.checks.runner import CheckRunner, run_check
from pytest_fft.checks.scan import scan_rows, scan_sql, scannable
from pytest_fft.engines.duckdb import DuckDBEngine
from pytest_fft.errors import CheckError
from pytest_fft.project.records import Check

DUCKDB = dialect_for("duckdb")

#: Checks of a few tables that pass, fail, warn and cannot run, with and without ``where``
#: (one with a subquery, one with an aggregate, which no ``where`` may hold).
CHECKS = """\
tests:
  - {type: not_null, table: users, column: email}
  - {type: not_null, table: users, column: email, where: "id > 2 -- a comment"}
  - {type: not_null, table: users, column: name, severity: warn}
  - {type: unique, table: users, column: id}
  - {type: unique, table: users, column: id, where: "id > 2", name: unique_high_ids}
  - {type: greater_equal, table: users, column: amount}
  - {type: greater_equal, table: users, column: amount, threshold: -10, severity: warn,
     name: amount_above_minus_10}
  - {type: between, table: users, column: amount, min: 0, max: 50}
  - {type: between, table: users, column: amount, max: 100, where: "status = 'paid'"}
  - {type: regex_match, table: users, column: email, pattern: '^[a-z]+@x\\.com$'}
  - {type: non_negative_sum, table: users, column: amount}
  - {type: non_negative_sum, table: users, column: amount, where: "id > 99",
     name: sum_of_nothing}
  - {type: row_count_between, table: users, min: 1, max: 3}
  - {type: row_count_between, table: users, min: 0, where: "lower(status) = 'paid'",
     name: paid_rows}
  - {type: accepted_values, table: users, column: status, values: [paid, open]}
  - {type: accepted_values, table: users, column: status, values: [paid, open, void],
     name: all_statuses}
  - {type: accepted_values, table: users, column: active, values: [true],
     where: "id in (select id from users where id < 3)", name: active_early}
  - {type: freshness, table: users, column: seen_at, max_delay_minutes: 5}
  - {type: freshness, table: users, column: seen_at, max_delay_minutes: 5, where: "id > 99",
     name: fresh_nothing}
  - {type: not_null, table: users, column: no_such_column, name: bad_column}
  - {type: greater_equal, table: users, column: amount, where: "no_such = 1", name: bad_where}
  - {type: not_null, table: users, column: email, where: "count(*) > 1", name: agg_where}
  - {type: relationships, table: users, column: id, to: payments, field: user_id}
  - {type: not_null, table: payments, column: user_id}
  - {type: unique, table: payments, column: user_id, severity: warn}
  - {type: accepted_values, table: payments, column: kind, values: [card, cash, wire]}
  - {type: freshness, table: events, column: seen_at, max_delay_minutes: 60}
  - {type: row_count_between, table: events, max: 1, severity: warn}
  - {type: not_null, table: missing_table, column: id}
  - {type: unique, table: missing_table, column: id}
"""

USERS = """
  (1, 'a@x.com', 'Ann', 10.5, 'paid', true, now() - interval 1 hour),
  (2, null, null, -3, 'open', false, now() - interval 2 hour),
  (3, 'C@x.com', 'Cy', 60, 'void', true, null),
  (3, null, 'Di', 70, 'PAID', null, now() - interval 3 hour),
  (5, 'e@x.com', 'Ed', null, null, true, now() - interval 4 hour)"""
PAYMENTS = "(1, 'card'), (1, 'cash'), (2, 'cash'), (2, 'card'), (9, 'wire')"
EVENTS = "(now() - interval 1 minute), (now() - interval 1 day)"
TABLES = f"""
create table users (id int, email varchar, name varchar, amount double, status varchar,
                    active boolean, seen_at timestamp);
insert into users values {USERS};
create table payments (user_id int, kind varchar);
insert into payments values {PAYMENTS};
create table events (seen_at timestamp);
insert into events values {EVENTS};
"""


@pytest.fixture
def engine() -> Any:
    eng = DuckDBEngine(":memory:")
    for statement in TABLES.split(";"):
        if statement.strip():
            eng.query(statement)
    yield eng
    eng.close()


@pytest.fixture
def checks(parse: Callable[[str], tuple[CheckSpec, ...]]) -> list[Check]:
    return [as_check(spec) for spec in parse(CHECKS)]


def as_check(spec: CheckSpec) -> Check:
    return Check(name=spec.id, spec=spec, path=Path("project.yml"), rel_path="project.yml",
                 deps=tuple(spec.tables), line=spec.line or 1)


class CountingEngine:
    """``engine`` that records its queries, and fails the ones ``fail`` picks."""

    def __init__(self, engine: Any, fail: Callable[[str], bool] = lambda sql: False) -> None:
        self.engine = engine
        self.name = engine.name
        self.fail = fail
        self.queries: list[str] = []
        self.lock = threading.Lock()

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self.lock:
            self.queries.append(sql)
        if self.fail(sql):
            raise RuntimeError("Interrupted!")
        return self.engine.query(sql)

    def existing_relations(self) -> Any:
        return self.engine.existing_relations()

    def kinds(self) -> list[str]:
        return [kind(sql) for sql in self.queries]


def is_batch(sql: str) -> bool:
    """The queries of several tables side by side."""
    return sql.startswith("select * from\n(\n")


def is_scan(sql: str) -> bool:
    return " as _fft_1" in sql and not is_batch(sql)


def kind(sql: str) -> str:
    return "batch" if is_batch(sql) else "scan" if is_scan(sql) else "own"


Verdict = tuple[str, ...] | tuple[str, bool, str, dict[str, Any]]


def verdict(run: Callable[[], Any]) -> Verdict:
    """What a check reports: its outcome, or its error's message, line and hint."""
    try:
        outcome = run()
    except CheckError as exc:
        return ("error", exc.message, str(exc.line), str(exc.hint))
    outcome = getattr(outcome, "outcome", outcome)
    # A freshness age moves while the test runs: compare it to the minute.
    message = re.sub(r"is (\d+)\.\d minutes", r"is \1 minutes", outcome.message)
    metrics = {k: round(v) if k == "minutes" and v is not None else v
               for k, v in outcome.metrics.items()}
    return ("outcome", outcome.passed, message, metrics)


def own_verdicts(engine: Any, checks: Sequence[Check]) -> dict[str, Verdict]:
    return {c.name: verdict(lambda c=c: run_check(engine, c, "dev")) for c in checks}


def runner_verdicts(engine: Any, checks: Sequence[Check], **kwargs: Any
                    ) -> dict[str, Verdict]:
    runner = CheckRunner(checks, **kwargs)
    return {c.name: verdict(lambda c=c: runner.run(engine, c, "dev")) for c in checks}


def tables_of(checks: Sequence[Check]) -> set[str]:
    return {dep for c in checks for dep in c.deps}


#: The tables are built in the run (each table's checks wait for it: one scan per table),
#: or before it (as for fft test: the queries of several tables go together).
MODES = ["built in the run", "built before"]


def building(mode: str, checks: Sequence[Check]) -> set[str]:
    return tables_of(checks) if mode == "built in the run" else set()


def good(checks: Sequence[Check]) -> list[Check]:
    """The checks without the ones that cannot run (bad column, where, missing table)."""
    return [c for c in checks if c.name not in ("bad_column", "bad_where", "agg_where")
            and c.spec.table != "missing_table"]


# ------------------------------------------------------------------------- same verdicts ---


@pytest.mark.parametrize("mode", MODES)
def test_every_check_reports_what_its_own_query_reports(engine, checks, mode) -> None:
    own = own_verdicts(engine, checks)
    counting = CountingEngine(engine)
    assert runner_verdicts(counting, checks, building=building(mode, checks)) == own
    # The cases the test is about are all there.
    statuses = [v[1] if v[0] == "outcome" else "error" for v in own.values()]
    assert (statuses.count(True), statuses.count(False), statuses.count("error")) == (8, 17, 5)
    assert own["accepted_values[users.status]"][2] == (
        "users.status has 2 rows outside ['paid', 'open']: 'PAID' (1), 'void' (1)")
    assert own["bad_where"][0] == own["bad_column"][0] == "error"
    assert own["not_null[missing_table.id]"][1] == (
        "table missing_table does not exist in dev; build it with fft run")
    # users: one scan that fails (bad column, bad where, aggregate where), then each check
    # on its own;
    # payments and events: one scan each; missing_table: one scan that fails. Built before:
    # first all of them in one query, which fails.
    kinds = counting.kinds()
    assert kinds.count("scan") == 4
    assert kinds.count("batch") == (mode == "built before")


def test_a_good_scan_answers_every_check_of_its_table(engine, checks) -> None:
    checks = good(checks)
    counting = CountingEngine(engine)
    assert runner_verdicts(counting, checks, building=tables_of(checks)) == own_verdicts(
        engine, checks)
    users = [c for c in checks if c.spec.table == "users"]
    in_scan = [c for c in users if scannable(c.spec, DUCKDB)]
    # Not in the users scan: the relationships check (it reads another table, too).
    assert {c.name for c in users} - {c.name for c in in_scan} == {"relationships[users.id]"}
    users_scan = next(sql for sql in counting.queries if 'from "users"' in sql)
    assert users_scan.count(" as _fft_") == len(in_scan)
    # Three scans (users, payments, events); own queries: the check outside any scan, and
    # the accepted_values checks that found failing rows (for the values they list).
    assert sorted(counting.kinds()) == ["own"] * (1 + 3) + ["scan"] * 3


def test_one_query_answers_the_checks_of_tables_built_before(engine, checks) -> None:
    checks = good(checks)
    counting = CountingEngine(engine)
    assert runner_verdicts(counting, checks) == own_verdicts(engine, checks)
    # The scans of users, payments and events and the own query of the check outside a
    # scan go in one query; the accepted_values checks with failing rows run their own.
    assert counting.kinds() == ["batch", "own", "own", "own"]
    assert counting.queries[0].count(") as _fft_q") == 3 + 1


@pytest.mark.parametrize("mode", MODES)
def test_a_failing_shared_query_leaves_each_check_to_its_own(engine, checks, mode) -> None:
    checks = good(checks)
    failing = CountingEngine(engine, fail=lambda sql: kind(sql) != "own")
    verdicts = runner_verdicts(failing, checks, building=building(mode, checks))
    assert verdicts == own_verdicts(engine, checks)
    assert failing.kinds().count("own") == len(checks)


def test_a_failing_batch_sends_each_scan_on_its_own(engine, checks) -> None:
    checks = good(checks)
    failing = CountingEngine(engine, fail=is_batch)
    assert runner_verdicts(failing, checks) == own_verdicts(engine, checks)
    assert sorted(failing.kinds()) == ["batch"] + ["own"] * (1 + 3) + ["scan"] * 3


@pytest.mark.parametrize("mode", MODES)
def test_a_bad_check_changes_no_other_check(engine, checks, mode) -> None:
    bad = next(c for c in checks if c.name == "bad_where")
    others = [c for c in good(checks) if c.name != "bad_where"]
    alone = runner_verdicts(engine, others, building=building(mode, checks))
    together = runner_verdicts(engine, [*others, bad], building=building(mode, checks))
    assert {name: together[name] for name in alone} == alone
    assert together["bad_where"] == own_verdicts(engine, [bad])["bad_where"]
    assert together["bad_where"][1].startswith("bad_where could not run on duckdb: Binder")


# ------------------------------------------------------------------------------ running ---


@pytest.mark.parametrize("mode", MODES)
def test_checks_on_several_threads_share_one_query(engine, parse, mode) -> None:
    specs = parse("""\
        tests:
          - {type: not_null, table: users, column: email}
          - {type: unique, table: users, column: id}
          - {type: greater_equal, table: users, column: amount}
          - {type: row_count_between, table: users, min: 1}
          - {type: not_null, table: payments, column: user_id}
          - {type: relationships, table: payments, column: user_id, to: users, field: id}
        """)
    checks = [as_check(s) for s in specs]
    if mode == "built in the run":
        checks = checks[:4]
    counting = CountingEngine(engine)
    runner = CheckRunner(checks, building=building(mode, checks))
    results: dict[str, Any] = {}
    threads = [threading.Thread(target=lambda c=c: results.update({c.name: runner.run(
        counting, c, "dev")})) for c in checks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counting.kinds() == ["scan" if mode == "built in the run" else "batch"]
    assert {n: verdict(lambda r=r: r) for n, r in results.items()} == own_verdicts(engine, checks)
    assert all(results[c.name].seconds > 0 for c in checks)


def test_queries_of_tables_built_before_are_a_stride_apart(engine) -> None:
    """The first checks to start (on several threads) send different queries."""
    for i in range(25):
        engine.query(f"create table t{i} as select 1 as id")
    specs = [CheckSpec(id=f"not_null[t{i}.id]", type="not_null", tables=(f"t{i}",), column="id")
             for i in range(25)]
    checks = [as_check(spec) for spec in specs]
    counting = CountingEngine(engine)
    runner = CheckRunner(checks)
    for i in (0, 1, 2, 3, 24):
        assert runner.run(counting, checks[i], "dev").outcome.passed
    assert counting.kinds() == ["batch"] * 3  # 25 checks: 3 queries, 0 3 6 ..., 1 4 7 ...
    assert [sql.count(") as _fft_q") for sql in counting.queries] == [9, 8, 8]
    assert all(f'"t{i}"' in counting.queries[0] for i in range(0, 25, 3))


def test_a_second_run_of_a_check_runs_its_own_query(engine, checks) -> None:
    pair = [c for c in checks if c.name in ("not_null[users.email]", "unique[users.id]")]
    counting = CountingEngine(engine)
    runner = CheckRunner(pair)
    first = runner.run(counting, pair[0], "dev")
    again = runner.run(counting, pair[0], "dev")
    assert verdict(lambda: first) == verdict(lambda: again)
    assert counting.kinds() == ["scan", "own"]
    runner.run(counting, pair[1], "dev")
    assert len(counting.queries) == 2  # the other check's row came from the scan


def test_a_check_outside_the_run_runs_its_own_query(engine, checks) -> None:
    pair = [c for c in checks if c.name in ("not_null[users.email]", "unique[users.id]")]
    counting = CountingEngine(engine)
    CheckRunner(pair[:1]).run(counting, pair[1], "dev")
    assert counting.kinds() == ["own"]


@pytest.mark.parametrize("mode", MODES)
def test_a_stopped_check_is_an_error_instead_of_its_own_query(engine, checks, mode) -> None:
    pair = [c for c in checks if c.name in ("not_null[users.email]", "relationships[users.id]",
                                            "unique[users.id]")]
    if mode == "built in the run":
        pair = [c for c in pair if c.name != "relationships[users.id]"]
    failing = CountingEngine(engine, fail=lambda sql: kind(sql) != "own")
    runner = CheckRunner(pair, building=building(mode, pair),
                         stopped=lambda name: name == "not_null[users.email]")
    with pytest.raises(CheckError) as stopped:
        runner.run(failing, pair[0], "dev")
    assert stopped.value.message == (
        "not_null[users.email] could not run on duckdb: Interrupted!")
    assert stopped.value.line == pair[0].line
    assert len(failing.queries) == 1
    # The others were not stopped: their own queries answer them.
    unique = next(c for c in pair if c.name == "unique[users.id]")
    assert runner.run(failing, unique, "dev").outcome.message == "users.id has 1 duplicate"


def test_checks_with_other_dependencies_do_not_share_a_scan(engine, parse) -> None:
    a, b = (as_check(s) for s in parse("""\
        tests:
          - {type: not_null, table: users, column: email}
          - {type: unique, table: users, column: id}
        """))
    b = Check(name=b.name, spec=b.spec, path=b.path, rel_path=b.rel_path,
              deps=("users", "other_model"), line=b.line)
    counting = CountingEngine(engine)
    runner = CheckRunner([a, b], building={"users", "other_model"})
    runner.run(counting, a, "dev")
    runner.run(counting, b, "dev")
    assert counting.kinds() == ["own", "own"]


def test_a_lone_accepted_values_check_counts_first(engine, parse) -> None:
    passing, failing = (as_check(s) for s in parse("""\
        tests:
          - {type: accepted_values, table: payments, column: kind, values: [card, cash, wire]}
          - {type: accepted_values, table: users, column: status, values: [paid]}
        """))
    counting = CountingEngine(engine)
    runner = CheckRunner([passing, failing], building={"payments", "users"})
    assert verdict(lambda: runner.run(counting, passing, "dev")) == verdict(
        lambda: run_check(engine, passing, "dev"))
    assert counting.kinds() == ["scan"]  # the count was 0: no need for the offending values
    assert verdict(lambda: runner.run(counting, failing, "dev")) == verdict(
        lambda: run_check(engine, failing, "dev"))
    assert counting.kinds() == ["scan", "scan", "own"]


# ---------------------------------------------------------------------------------- SQL ---


def test_scan_sql_puts_each_where_into_its_own_aggregates(parse) -> None:
    specs = parse("""\
        tests:
          - {type: not_null, table: analytics.users, column: email, where: "id > 2 -- c"}
          - {type: unique, table: analytics.users, column: id}
          - {type: greater_equal, table: analytics.users, column: amount, where: active}
          - {type: accepted_values, table: analytics.users, column: s, values: [a, "it's"]}
          - {type: freshness, table: analytics.users, column: ts, max_delay_minutes: 5}
        """)
    assert scan_sql(specs, DUCKDB) == (
        "select\n"
        '  count(case when (id > 2 -- c\n) then 1 end) - count(case when (id > 2 -- c\n)'
        ' then "email" end) as _fft_1,\n'
        '  count("id") - count(distinct "id") as _fft_2,\n'
        '  count(case when (active) then case when "amount" < 0 then 1 end end) as _fft_3,\n'
        """  count(case when "s" is not null and "s" not in ('a', 'it''s') then 1 end)"""
        " as _fft_4,\n"
        '  (epoch(current_timestamp) - epoch(cast(max("ts") as timestamptz))) / 60.0'
        " as _fft_5\n"
        'from "analytics"."users"')
    assert scan_rows(specs, (1, 0, 2, 0, 3.5)) == [
        (1,), (0,), (2,), (0, 0, None, None, None, None, None, None, None, None, None, None),
        (3.5,)]
    assert scan_rows(specs, (1, 0, 2, 7, 3.5))[3] is None  # its own query lists the values
    with pytest.raises(ValueError, match="expected a row of 5 values"):
        scan_rows(specs, (1, 2))


def test_only_single_table_aggregates_join_a_scan(parse) -> None:
    specs = parse("""\
        tests:
          - {type: relationships, table: orders, column: user_id, to: users, field: id}
          - {type: regex_match, table: users, column: email, pattern: '^a'}
          - type: reconcile_diff_within
            left:  {table: orders, expr: count(*)}
            right: {table: users, expr: count(*)}
            max_abs_diff: 1
        """)
    assert [scannable(s, DUCKDB) for s in specs] == [False, True, False]
    # An engine without regex: the check's own query reports that.
    assert scannable(specs[1], dialect_for("some_other_engine")) is False


def test_scan_time_is_shared_among_its_checks(engine, checks) -> None:
    pair = [c for c in checks if c.name in ("not_null[users.email]", "unique[users.id]")]

    class Slow(CountingEngine):
        def query(self, sql: str) -> list[tuple[Any, ...]]:
            time.sleep(0.2)
            return super().query(sql)

    runner = CheckRunner(pair)
    slow = Slow(engine)
    seconds = [runner.run(slow, c, "dev").seconds for c in pair]
    assert all(0.1 <= s < 0.2 for s in seconds), seconds


# ------------------------------------------------------------------------------ executor ---


def test_the_executor_reports_each_check_as_its_own_query_does(make_project, tmp_path,
                                                                caplog) -> None:
    """Built and checked in one run, then checked again (as fft test): statuses (success,
    fail, warn, error), messages and numbers as when every check runs its own query."""
    import logging

    from pytest_fft import load_project
    from pytest_fft.run.executor import Executor

    root = make_project({
        "models/users.ff.sql": (f"select * from (values {USERS}) "
                                "as t(id, email, name, amount, status, active, seen_at)"),
        "models/payments.ff.sql": f"select * from (values {PAYMENTS}) as t(user_id, kind)",
        "models/events.ff.sql": f"select * from (values {EVENTS}) as t(seen_at)",
        "project.yml": "name: proj\nversion: 1\n" + CHECKS.replace(
            "  - {type: not_null, table: missing_table, column: id}\n"
            "  - {type: unique, table: missing_table, column: id}\n", ""),
    })
    project = load_project(root)
    caplog.set_level(logging.DEBUG, logger="pytest_fft.sql")
    checks = [project.checks[n] for n in project.dag.order if n in project.checks]
    engine = DuckDBEngine(str(tmp_path / "dev.duckdb"))
    try:
        built = Executor(project, engine, project.dag.order, jobs=3, env_name="dev").run()
        checked = Executor(project, engine, [c.name for c in checks], jobs=3,
                           env_name="dev").run()
        own = own_verdicts(engine, checks)
    finally:
        engine.close()
    for results in (built, checked):
        for check in checks:
            result, expected = results[check.name], own[check.name]
            assert result.duration > 0
            if expected[0] == "error":
                assert (result.status, result.message) == ("error", expected[1]), check.name
                continue
            passed = expected[1]
            status = "success" if passed else "warn" if check.spec.severity == "warn" else "fail"
            outcome = CheckOutcome(passed, result.message or "", result.metrics or {})
            assert (result.status, verdict(lambda o=outcome: o)) == (status, expected), check.name
        statuses = [results[c.name].status for c in checks]
        assert {s: statuses.count(s) for s in set(statuses)} == {
            "success": 8, "fail": 14, "warn": 3, "error": 3}

    def shared(results: dict[str, Any]) -> list[str]:
        return sorted(line.split(" for the checks")[0].split("-- ")[1]
                      for c in checks for line in results[c.name].logs if " for the checks" in line)

    # In the build, each table's checks wait for it: a scan per table.
    assert shared(built) == ["one scan of events", "one scan of payments", "one scan of users"]
    # On tables built before: one query for them all; it fails (a bad check), so each
    # scan runs on its own, and the users scan fails, too.
    assert shared(checked) == ["one query", "one scan of events", "one scan of payments",
                               "one scan of users"]

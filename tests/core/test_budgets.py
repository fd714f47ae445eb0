"""budgets.yml, the cost guards' values and the query statistics of a build (DuckDB in memory)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_fft.engines.cost import env_limit, format_bytes, parse_max_bytes, plan_bytes
from pytest_fft.engines.query_stats import collecting, current, in_engine
from pytest_fft.errors import ProfileError, ProjectFileError
from pytest_fft.run.budgets import (
    Budgets,
    Limit,
    evaluate,
    load_budgets,
    query_limit,
    summary,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("5000000000", 5_000_000_000), ("10GB", 10 * 1024**3), ("5g", 5 * 1024**3),
    ("750MB", 750 * 1024**2), ("100m", 100 * 1024**2), ("42KB", 42 * 1024), ("10k", 10240),
    ("1_000,000", 1_000_000), ("0", None), ("-5", None), ("", None), (None, None),
    (2_000_000_000, 2_000_000_000)])
def test_max_bytes_values(text: object, expected: int | None) -> None:
    assert parse_max_bytes(text) == expected


def test_a_value_that_is_no_size() -> None:
    with pytest.raises(ValueError, match=r"^FF_PG_MAX_BYTES '5 apples' is no size"):
        parse_max_bytes("5 apples", what="FF_PG_MAX_BYTES")


def test_format_and_env_limit() -> None:
    assert [format_bytes(n) for n in (0, 1023, 1024, 100_000_000)] == [
        "0 B", "1023 B", "1.0 KB", "95.4 MB"]
    limit = env_limit("FF_PG_MAX_BYTES", {"FF_PG_MAX_BYTES": " 500M "})
    assert limit is not None and (limit.max_bytes, limit.source, limit.variable) == (
        500 * 1024**2, "FF_PG_MAX_BYTES=500M", "FF_PG_MAX_BYTES")
    assert env_limit("FF_PG_MAX_BYTES", {"FF_PG_MAX_BYTES": "0"}) is None


def test_plan_bytes_takes_the_largest_node() -> None:
    plan = [{"Plan": {"Plan Rows": 10, "Plan Width": 4,
                      "Plans": [{"Plan Rows": 1000, "Plan Width": 36}]}}]
    assert plan_bytes(plan, "Plan Rows", "Plan Width") == 36000
    assert plan_bytes([{"Plan": {}}], "Plan Rows", "Plan Width") is None


BUDGETS = """\
version: 1
query_limits:
  duckdb:
    max_bytes: 2_000_000_000
  pg:
    max_bytes: 500MB
total:
  bytes_scanned: {warn: 100, error: 100_000_000}
  query_duration_ms: {warn: "30s", error: "2m"}
models:
  stg_users.ff:
    bytes_scanned: {warn: 100, error: 10_000_000}
tags:
  "example:cache_demo":
    query_duration_ms: {warn: 1000}
"""


def test_budgets_yml_as_documented(tmp_path: Path) -> None:
    (tmp_path / "budgets.yml").write_text(BUDGETS, encoding="utf-8")
    budgets = load_budgets(tmp_path)
    assert budgets == Budgets(
        {"duckdb": 2_000_000_000, "postgres": 500 * 1024**2},
        {"bytes_scanned": Limit(100, 100_000_000), "query_duration_ms": Limit(30_000, 120_000)},
        {"stg_users.ff": {"bytes_scanned": Limit(100, 10_000_000)}},
        {"example:cache_demo": {"query_duration_ms": Limit(1000, None)}})
    pg = query_limit(tmp_path, "postgresql", environ={})
    assert pg is not None and pg.source == "budgets.yml query_limits.postgres.max_bytes=524288000"
    assert pg.variable == "FF_PG_MAX_BYTES"
    # The variable wins over the file; 0 turns the guard off.
    env = query_limit(tmp_path, "duckdb", environ={"FF_DUCKDB_MAX_BYTES": "1KB"})
    assert env is not None and env.max_bytes == 1024
    assert query_limit(tmp_path, "duckdb", environ={"FF_DUCKDB_MAX_BYTES": "0"}) is None
    with pytest.raises(ProfileError, match="FF_DUCKDB_MAX_BYTES 'x' is no size"):
        query_limit(tmp_path, "duckdb", environ={"FF_DUCKDB_MAX_BYTES": "x"})


def test_no_budgets_file_is_no_guard(tmp_path: Path) -> None:
    assert load_budgets(tmp_path) is None
    assert query_limit(tmp_path, "duckdb", environ={}) is None


@pytest.mark.parametrize(("text", "message", "line"), [
    ("version: 1\nquery_limit: {}\n", "budgets.yml: unknown key query_limit", 2),
    ("query_limits:\n  oracle: {max_bytes: 1}\n", ("budgets.yml: query_limits.oracle names no "
                                                  "engine"), 2),
    ("query_limits:\n  duckdb:\n    max_bytes: lots\n", ("budgets.yml: query_limits.duckdb."
                                                        "max_bytes 'lots' is no size"), 3),
    ("total:\n  bytes_scanned: {warn: 1}\n  rows: {warn: 1}\n", ("budgets.yml: unknown key "
                                                                 "total.rows"), 3),
    ("total:\n  query_duration_ms:\n    warn: soon\n", ("budgets.yml: total.query_duration_ms."
                                                       "warn 'soon' is no duration"), 3),
    ("version: 2\n", "budgets.yml: version 2 is not supported", 1),
])
def test_budgets_yml_mistakes_name_their_line(tmp_path: Path, text: str, message: str,
                                              line: int) -> None:
    (tmp_path / "budgets.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ProjectFileError) as caught:
        load_budgets(tmp_path)
    assert caught.value.message.startswith(message), caught.value.message
    assert (caught.value.file, caught.value.line) == ("budgets.yml", line)


def test_evaluate_warns_and_errors() -> None:
    budgets = Budgets(total={"bytes_scanned": Limit(warn=100, error=10_000)},
                      models={"a.ff": {"query_duration_ms": Limit(warn=5, error=50)}},
                      tags={"finance": {"bytes_scanned": Limit(warn=150)}})
    results = [{"name": "a.ff", "bytes_scanned": 120, "query_duration_ms": 60},
               {"name": "b", "bytes_scanned": 80, "query_duration_ms": None},
               {"name": "c", "bytes_scanned": None}]
    found = evaluate(budgets, results, tags={"a.ff": ["finance"], "b": ["finance"]})
    assert [(f.level, f.scope, f.metric, f.value, f.limit) for f in found] == [
        ("warn", "total", "bytes_scanned", 200, 100),
        ("error", "a.ff", "query_duration_ms", 60, 50),
        ("warn", "tag:finance", "bytes_scanned", 200, 150)]
    assert found[0].describe() == ("budget warn: bytes_scanned of the run is 200 (200 B), over "
                                   "the warn budget 100 (100 B) of budgets.yml")
    assert found[1].describe() == ("budget error: query_duration_ms of a.ff is 60 ms, over the "
                                   "error budget 50 ms of budgets.yml")


def test_findings_name_their_line_scope_and_fix(tmp_path: Path) -> None:
    (tmp_path / "budgets.yml").write_text(BUDGETS, encoding="utf-8")
    budgets = load_budgets(tmp_path)
    assert budgets is not None
    results = [{"name": "stg_users.ff", "bytes_scanned": 20_000_000, "query_duration_ms": 5},
               {"name": "orders.ff", "bytes_scanned": None, "query_duration_ms": 2000}]
    found = evaluate(budgets, results, tags={"orders.ff": ["example:cache_demo"]})
    assert [(f.level, f.kind, f.name, f.metric, f.value, f.limit, f.line, f.key)
            for f in found] == [
        ("warn", "total", None, "bytes_scanned", 20_000_000, 100, 8,
         "total.bytes_scanned.warn"),
        ("error", "model", "stg_users.ff", "bytes_scanned", 20_000_000, 10_000_000, 12,
         "models.stg_users.ff.bytes_scanned.error"),
        ("warn", "tag", "example:cache_demo", "query_duration_ms", 2000, 1000, 15,
         "tags.example:cache_demo.query_duration_ms.warn")]
    assert found[1].text() == (
        "budgets.yml:12: error budget exceeded: bytes_scanned of model stg_users.ff is "
        "20000000 (19.1 MB), over its limit 10000000 (9.5 MB) "
        "(models.stg_users.ff.bytes_scanned.error)\n"
        "  fix: make model stg_users.ff read less, or raise "
        "models.stg_users.ff.bytes_scanned.error in budgets.yml")
    assert found[2].text().splitlines()[1] == (
        "  fix: make the models tagged example:cache_demo spend less time in the engine, or "
        "raise tags.example:cache_demo.query_duration_ms.warn in budgets.yml")
    assert summary(found)["status"] == "error"
    assert summary(found[:1]) == {"file": "budgets.yml", "status": "warn", "findings": [{
        "level": "warn", "scope": "total", "name": None, "metric": "bytes_scanned",
        "value": 20_000_000, "limit": 100, "key": "total.bytes_scanned.warn",
        "file": "budgets.yml", "line": 8}]}
    assert summary([]) == {"file": "budgets.yml", "status": "ok", "findings": []}


def test_which_models_a_budget_wants_the_bytes_of() -> None:
    per_model = Budgets(models={"stg_users": {"bytes_scanned": Limit(warn=1)},
                                "orders.ff": {"query_duration_ms": Limit(warn=1)}},
                        tags={"finance": {"bytes_scanned": Limit(error=1)}})
    assert per_model.wants_bytes("stg_users.ff")  # as evaluate finds it: with or without .ff
    assert not per_model.wants_bytes("orders.ff")  # a duration budget needs no estimate
    assert per_model.wants_bytes("other", ["finance"])
    assert not per_model.wants_bytes("other", ["sales"])
    assert Budgets(total={"bytes_scanned": Limit(warn=1)}).wants_bytes("anything")
    assert not Budgets(total={"query_duration_ms": Limit(warn=1)}).wants_bytes("anything")


def test_query_stats_time_the_engine_once_per_statement() -> None:
    import time

    assert current() is None
    with in_engine():  # outside a node's build: nothing is kept
        pass
    with collecting() as stats:
        assert current() is stats
        assert stats.query_duration_ms is None  # nothing ran yet
        with in_engine(), in_engine():  # nested: the outer block counts, once
            time.sleep(0.02)
        stats.add_bytes(None)
        assert stats.bytes_scanned is None
        stats.add_bytes(100)
        stats.add_bytes(20)
    assert current() is None
    assert stats.bytes_scanned == 120
    assert stats.want_bytes is False
    assert isinstance(stats.query_duration_ms, int)
    assert 20 <= stats.query_duration_ms < 1000


def test_query_stats_are_per_thread() -> None:
    import threading

    seen: list[object] = []
    with collecting(want_bytes=True) as stats:
        worker = threading.Thread(target=lambda: seen.append(current()))
        worker.start()
        worker.join()
        assert stats.want_bytes
    assert seen == [None]  # another thread's statements do not count for this node


def test_the_executor_records_the_statistics_of_each_build(tmp_path: Path) -> None:
    from pytest_fft.engines.duckdb import DuckDBEngine
    from pytest_fft.project.loader import load_project
    from pytest_fft.run.executor import Executor

    (tmp_path / "models").mkdir()
    (tmp_path / "project.yml").write_text("name: p\n", encoding="utf-8")
    (tmp_path / "profiles.yml").write_text("dev:\n  engine: duckdb\n", encoding="utf-8")
    (tmp_path / "models/nums.ff.sql").write_text(
        "select range as n from range(300)\n", encoding="utf-8")
    (tmp_path / "models/copy.ff.sql").write_text(
        "select n from {{ ref('nums.ff') }}\n", encoding="utf-8")
    project = load_project(tmp_path)
    engine = DuckDBEngine(":memory:")
    try:
        plain = Executor(project, engine, project.dag.order).run()
        measured = Executor(project, engine, project.dag.order, budgets=Budgets(
            models={"copy": {"bytes_scanned": Limit(warn=1)}})).run()
    finally:
        engine.close()
    assert [(r.rows, r.bytes_scanned) for r in plain.values()] == [(300, None), (300, None)]
    assert all(isinstance(r.query_duration_ms, int) and r.query_duration_ms >= 0
               for r in plain.values())
    assert measured["nums.ff"].bytes_scanned is None  # no budget counts its bytes
    assert measured["copy.ff"].bytes_scanned == 300 * 8  # 300 BIGINTs

"""examples/incremental_demo through ``fft``, as its README runs it, on DuckDB and PostgreSQL.

The first run builds every fact table in full; after the later events (event 2 changed, events
4 and 5 new) a run merges only the delta: the changed row replaced, the new rows added, no key
twice. Nothing new: every incremental model still runs (never ``cached``) and writes nothing.
``--full-refresh`` builds them in full again, to the same rows.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "incremental_demo"

SQL_TABLES = ("fct_events_sql_inline", "fct_events_sql_yaml", "fct_events_dbt",
              "fct_events_dict")
TABLES = (*SQL_TABLES, "fct_events_py_incremental")

FIRST = [(1, datetime(2024, 1, 1, 10, 0), 10), (2, datetime(2024, 1, 1, 10, 5), 20),
         (3, datetime(2024, 1, 1, 10, 10), 30)]
LATER = [(1, datetime(2024, 1, 1, 10, 0), 10), (2, datetime(2024, 1, 2, 9, 0), 25),
         (3, datetime(2024, 1, 1, 10, 10), 30), (4, datetime(2024, 1, 2, 10, 0), 40),
         (5, datetime(2024, 1, 2, 10, 30), 50)]


def expected(table: str, events: list[tuple[Any, ...]], engine: str) -> list[tuple[Any, ...]]:
    """The rows of ``table`` (``select *``, by event_id) when the seed holds ``events``."""
    if table == "fct_events_dbt":  # from the ephemeral stg_events, with its event_date
        return [(key, at, at.date(), value) for key, at, value in events]
    if table == "fct_events_py_incremental":  # the variant of the profile's engine
        return [(*row, engine) for row in events]
    return list(events)


@dataclass
class Demo:
    """A copy of the demo, the env that builds it, and how to read its warehouse."""

    root: Path
    engine: str
    args: tuple[str, ...]  # --env
    environ: dict[str, str]
    rows: Callable[[str], list[tuple[Any, ...]]]

    def fft(self, run_fft: Callable[..., Any], command: str, *more: str) -> Any:
        done = run_fft(command, str(self.root), *self.args, *more, env=self.environ)
        assert done.returncode == 0, done.output
        return done


@pytest.fixture(params=["duckdb", "postgres"])
def demo(request: pytest.FixtureRequest, tmp_path: Path,
         query: Callable[[Path, str], list[tuple[Any, ...]]]) -> Demo:
    root = tmp_path / "incremental_demo"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(
        ".local", ".fastflowtransform", ".pytest_cache", "docs", "__pycache__", ".env*.local"))
    # `make first`: the first events, whatever the example folder's seeds/ holds now.
    shutil.copy(root / "seeds_first" / "seed_events.csv", root / "seeds" / "seed_events.csv")
    if request.param == "duckdb":
        database = root / ".local" / "incremental_demo.duckdb"
        return Demo(root, "duckdb", ("--env", "dev_duckdb"), {},
                    lambda sql: query(database, sql))
    dsn, schema = request.getfixturevalue("pg_schema")

    def pg_rows(sql: str) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as con:
            con.execute(f'set search_path to "{schema}"')
            return [tuple(r) for r in con.execute(sql).fetchall()]

    return Demo(root, "postgres", ("--env", "dev_postgres"),
                {"FF_PG_DSN": dsn, "FF_PG_SCHEMA": schema}, pg_rows)


def written(stdout: str) -> dict[str, str]:
    """What each node line of ``fft run`` ends with (``3 rows``, ``cached``, ``""``), by node."""
    out = {}
    for line in stdout.splitlines():
        if line.startswith("✓ "):
            name, _engine, _seconds, *rest = line[2:].split()
            out[name.removesuffix(".ff")] = " ".join(rest)
    return out


def assert_tables(demo: Demo, events: list[tuple[Any, ...]]) -> None:
    for table in TABLES:
        assert demo.rows(f"select * from {table} order by event_id") == expected(
            table, events, demo.engine), table


def test_the_demo_merges_only_the_delta(demo: Demo, run_fft: Callable[..., Any]) -> None:
    assert "1 ok" in demo.fft(run_fft, "seed").stdout
    first = demo.fft(run_fft, "run")
    assert written(first.stdout) == {"events_base": "3 rows", "stg_events": "",
                                     **dict.fromkeys(TABLES, "3 rows")}
    assert_tables(demo, FIRST)
    # The ephemeral model is never created; the Python model of the other engine is not loaded.
    relations = {name for (name,) in demo.rows(
        "select table_name from information_schema.tables "
        "where table_schema = current_schema() and table_name like '%events%'")}
    assert relations == {"seed_events", "events_base", *TABLES}

    # `make later`: event 2 changed (newer updated_at, value 25), events 4 and 5 new.
    shutil.copy(demo.root / "seeds_later" / "seed_events.csv",
                demo.root / "seeds" / "seed_events.csv")
    assert "5 rows" in demo.fft(run_fft, "seed").stdout
    later = demo.fft(run_fft, "run")
    # Each SQL model wrote its delta only (event 2 again, 4 and 5); the Python model's frame is
    # every event, merged on event_id all the same.
    assert written(later.stdout) == {"events_base": "5 rows", "stg_events": "",
                                     **dict.fromkeys(SQL_TABLES, "3 rows"),
                                     "fct_events_py_incremental": "5 rows"}
    assert_tables(demo, LATER)
    for table in TABLES:
        assert demo.rows(f"select count(*), count(distinct event_id) from {table}") == [(5, 5)]
    checked = demo.fft(run_fft, "test", "--select", "tag:example:incremental_demo")
    assert "✓ passed: 5" in checked.stdout

    # Nothing new: each incremental model runs (never cached) and its delta is empty.
    again = demo.fft(run_fft, "run")
    assert written(again.stdout) == {"events_base": "cached", "stg_events": "",
                                     **dict.fromkeys(SQL_TABLES, "0 rows"),
                                     "fct_events_py_incremental": "5 rows"}
    assert_tables(demo, LATER)

    refreshed = demo.fft(run_fft, "run", "--full-refresh")
    assert written(refreshed.stdout) == {"events_base": "cached", "stg_events": "",
                                         **dict.fromkeys(TABLES, "5 rows")}
    assert_tables(demo, LATER)


def test_the_first_and_later_seeds_differ_as_the_readme_says() -> None:
    first = (EXAMPLE / "seeds_first" / "seed_events.csv").read_text().splitlines()
    later = (EXAMPLE / "seeds_later" / "seed_events.csv").read_text().splitlines()
    assert first == ["event_id,updated_at,value", "1,2024-01-01T10:00:00,10",
                     "2,2024-01-01T10:05:00,20", "3,2024-01-01T10:10:00,30"]
    assert [line for line in later if line not in first] == [
        "2,2024-01-02T09:00:00,25", "4,2024-01-02T10:00:00,40", "5,2024-01-02T10:30:00,50"]

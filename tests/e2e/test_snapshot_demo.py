"""examples/snapshot_demo through ``fft``, as its README runs it, on DuckDB and PostgreSQL.

``fft build`` takes both snapshots the first time: one version per user. Then the later users
(bob's email and carol's status changed, with a newer ``updated_at``; dan gone from the source;
erin new): ``fft seed`` and ``fft run`` leave the snapshots alone, and ``fft snapshot run`` adds
what changed. The timestamp snapshot closes bob's and carol's versions, the check snapshot (on
``status``) carol's only; dan keeps his current version. The mart (a view of the current
versions) follows; a pruning dry run counts old versions and deletes none; the point-in-time
query of ``queries/`` returns the users of the first run.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "snapshot_demo"
LEFT_ALONE = ("skipped: a snapshot: fft run leaves snapshots alone; take it with fft snapshot "
              "run (pytest --fft-snapshot) or fft build")
NODE_LINE = re.compile(r"^[✓↷] (?P<name>\S+) +(?:DUCK|PG) +[\d.]+s(?: +(?P<end>.*))?$",
                       re.MULTILINE)

JAN, FEB = datetime(2024, 1, 1, 9, 0), datetime(2024, 2, 1, 9, 0)
FIRST_USERS = [(1, "alice@example.com", "active", JAN), (2, "bob@example.com", "active", JAN),
               (3, "carol@example.com", "trial", JAN), (4, "dan@example.com", "active", JAN)]
# user_id, email, status, _ff_updated_at, then the run that opened the version, the run that
# closed it (None: still open), _ff_is_current.
CLEAN_HISTORY = [
    (1, "alice@example.com", "active", JAN, "run1", None, True),
    (2, "bob@example.com", "active", JAN, "run1", "run2", False),
    (2, "bob@example.org", "active", FEB, "run2", None, True),
    (3, "carol@example.com", "trial", JAN, "run1", "run2", False),
    (3, "carol@example.com", "active", FEB, "run2", None, True),
    (4, "dan@example.com", "active", JAN, "run1", None, True),  # gone from the source: kept
    (5, "erin@example.com", "trial", FEB, "run2", None, True),
]
# user_id, status, opened, closed, _ff_is_current: bob's new email makes no version here.
STATUS_HISTORY = [
    (1, "active", "run1", None, True), (2, "active", "run1", None, True),
    (3, "trial", "run1", "run2", False), (3, "active", "run2", None, True),
    (4, "active", "run1", None, True), (5, "trial", "run2", None, True),
]
DIM_USERS = [
    (1, "alice@example.com", "example.com", "active", JAN),
    (2, "bob@example.org", "example.org", "active", FEB),
    (3, "carol@example.com", "example.com", "active", FEB),
    (4, "dan@example.com", "example.com", "active", JAN),
    (5, "erin@example.com", "example.com", "trial", FEB),
]


@dataclass
class Demo:
    """A copy of the demo, the env that builds it, and how to read its warehouse."""

    root: Path
    args: tuple[str, ...]  # --env
    environ: dict[str, str]
    rows: Callable[[str], list[tuple[Any, ...]]]

    def fft(self, run_fft: Callable[..., Any], *command: str) -> Any:
        head, rest = (command[:2], command[2:]) if command[0] == "snapshot" else \
            (command[:1], command[1:])
        done = run_fft(*head, str(self.root), *self.args, *rest, env=self.environ)
        assert done.returncode == 0, done.output
        return done


@pytest.fixture(params=["duckdb", "postgres"])
def demo(request: pytest.FixtureRequest, tmp_path: Path,
         query: Callable[[Path, str], list[tuple[Any, ...]]]) -> Demo:
    root = tmp_path / "snapshot_demo"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(
        ".local", ".fastflowtransform", ".pytest_cache", "docs", "__pycache__", ".env*.local"))
    # `make first`: the first users, whatever the example folder's seeds/ holds now.
    shutil.copy(root / "seeds_first" / "seed_users.csv", root / "seeds" / "seed_users.csv")
    if request.param == "duckdb":
        database = root / ".local" / "snapshot_demo.duckdb"
        return Demo(root, ("--env", "dev_duckdb"), {}, lambda sql: query(database, sql))
    dsn, schema = request.getfixturevalue("pg_schema")

    def pg_rows(sql: str) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as con:
            con.execute(f'set search_path to "{schema}"')
            return [tuple(r) for r in con.execute(sql).fetchall()]

    return Demo(root, ("--env", "dev_postgres"), {"FF_PG_DSN": dsn, "FF_PG_SCHEMA": schema},
                pg_rows)


def lines(stdout: str) -> dict[str, str]:
    """What each node line of ``fft`` ends with (``4 new versions, 0 closed``, ``skipped: ...``,
    ``""``), by node."""
    return {m["name"].removesuffix(".ff"): m["end"] or ""
            for m in NODE_LINE.finditer(stdout)}


def history(demo: Demo, table: str, columns: str) -> list[tuple[Any, ...]]:
    """``columns`` of every version of ``table``, each with the run that opened it and the run
    that closed it (``run1``, ``run2``: the distinct ``_ff_valid_from`` in order), and
    ``_ff_is_current``."""
    rows = demo.rows(f"select {columns}, _ff_valid_from, _ff_valid_to, _ff_is_current "
                     f"from {table} order by user_id, _ff_valid_from")
    runs = {at: f"run{n}" for n, at in enumerate(sorted({r[-3] for r in rows}), 1)}
    return [(*r[:-3], runs[r[-3]], None if r[-2] is None else runs.get(r[-2], r[-2]), r[-1])
            for r in rows]


def test_the_demo_keeps_the_history_of_what_changed(demo: Demo,
                                                     run_fft: Callable[..., Any]) -> None:
    assert "4 rows" in demo.fft(run_fft, "seed").stdout
    first = demo.fft(run_fft, "build")
    assert lines(first.stdout) == {
        "seed_users": "cached", "users_clean": "4 rows", "dim_users": "",
        "users_clean_snapshot": "4 new versions, 0 closed",
        "users_status_snapshot": "4 new versions, 0 closed",
        "unique[users_clean_snapshot.user_id]": "", "unique[users_status_snapshot.user_id]": "",
        "unique[dim_users.user_id]": ""}
    assert history(demo, "users_clean_snapshot", "user_id, email, status, _ff_updated_at") \
        == [(*user, "run1", None, True) for user in FIRST_USERS]

    # `make later`: the later users.
    shutil.copy(demo.root / "seeds_later" / "seed_users.csv",
                demo.root / "seeds" / "seed_users.csv")
    demo.fft(run_fft, "seed")
    ran = demo.fft(run_fft, "run")
    assert lines(ran.stdout) == {"users_clean": "4 rows", "dim_users": "",
                                 "users_clean_snapshot": LEFT_ALONE,
                                 "users_status_snapshot": LEFT_ALONE}
    # No snapshot taken: the history, and the mart that reads it, are those of the first run.
    assert len(demo.rows("select * from users_clean_snapshot")) == 4
    assert demo.rows("select user_id, email, status, updated_at from dim_users "
                     "order by user_id") == FIRST_USERS

    taken = demo.fft(run_fft, "snapshot", "run")
    assert lines(taken.stdout) == {"users_clean_snapshot": "3 new versions, 2 closed",
                                   "users_status_snapshot": "2 new versions, 1 closed"}
    assert history(demo, "users_clean_snapshot",
                   "user_id, email, status, _ff_updated_at") == CLEAN_HISTORY
    assert demo.rows("select count(*) from users_clean_snapshot "
                     "where updated_at <> _ff_updated_at") == [(0,)]
    assert history(demo, "users_status_snapshot", "user_id, status") == STATUS_HISTORY
    # The check strategy takes the run's time as _ff_updated_at.
    assert demo.rows("select count(*) from users_status_snapshot "
                     "where _ff_updated_at <> _ff_valid_from") == [(0,)]
    assert demo.rows("select * from dim_users order by user_id") == DIM_USERS

    dry = demo.fft(run_fft, "snapshot", "run", "--prune", "--keep-last", "3", "--dry-run")
    assert lines(dry.stdout) == dict.fromkeys(
        ("users_clean_snapshot", "users_status_snapshot"),
        "0 new versions, 0 closed; would prune 0 old versions")
    dry = demo.fft(run_fft, "snapshot", "run", "--prune", "--keep-last", "1", "--dry-run")
    assert lines(dry.stdout) == {
        "users_clean_snapshot": "0 new versions, 0 closed; would prune 2 old versions",
        "users_status_snapshot": "0 new versions, 0 closed; would prune 1 old version"}
    assert demo.rows("select count(*) from users_clean_snapshot") == [(7,)]
    assert demo.rows("select count(*) from users_status_snapshot") == [(6,)]

    checked = demo.fft(run_fft, "test", "--select", "tag:example:snapshot_demo")
    assert "✓ passed: 3" in checked.stdout

    as_of = (demo.root / "queries" / "as_of_first_snapshot.sql").read_text()
    assert demo.rows(as_of) == FIRST_USERS


def test_the_readme_shows_the_seeds_and_the_query_as_they_are() -> None:
    first = (EXAMPLE / "seeds_first" / "seed_users.csv").read_text()
    later = (EXAMPLE / "seeds_later" / "seed_users.csv").read_text()
    readme = (EXAMPLE / "README.md").read_text()
    assert first.splitlines() == ["user_id,email,status,updated_at",
                                  "1,alice@example.com,active,2024-01-01T09:00:00",
                                  "2,bob@example.com,active,2024-01-01T09:00:00",
                                  "3,carol@example.com,trial,2024-01-01T09:00:00",
                                  "4,dan@example.com,active,2024-01-01T09:00:00"]
    assert later in readme
    assert (EXAMPLE / "queries" / "as_of_first_snapshot.sql").read_text() in readme

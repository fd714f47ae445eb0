"""``fft sync-db-comments`` as a user runs it: a subprocess, against a real PostgreSQL server
(the suite's own, ``pg_schema``) and a DuckDB file."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "Sekr3t-Passw0rd"  # the test server trusts loopback: any password connects

DOCS = """
docs:
  dag_dir: site/dag
  models:
    users.ff:
      description: "Replaced by docs/models/users.md."
      columns:
        id: Primary key.
        email: {description: "Replaced by the Markdown page."}
    orders.ff: "Orders, as a view; it's what the ERP sent."
    mart_users.ff:
      columns:
        is_gmail: "Whether the address ends in @gmail.com (100% of them do)."
        nickname: No such column.
"""
PAGES = {
    "docs/models/users.md": "---\ntitle: Users\n---\n\nUsers from the CRM.\n",
    "docs/columns/users/email.md": "The address, as the CRM has it.\n",
}


def line(project: Path, text: str) -> int:
    """The line of ``project.yml`` that holds ``text``."""
    lines = (project / "project.yml").read_text().splitlines()
    return next(i for i, got in enumerate(lines, 1) if text in got)


def described(project: Path, profiles: str) -> Path:
    """``project`` (a copy of examples/simple_duckdb) with descriptions, ``orders`` as a view
    and ``profiles``."""
    (project / "project.yml").write_text((project / "project.yml").read_text() + DOCS)
    for rel, text in PAGES.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    orders = project / "models" / "orders.ff.sql"
    orders.write_text("{{ config(materialized='view') }}\n" + orders.read_text())
    (project / "profiles.yml").write_text(textwrap.dedent(profiles))
    return project


@pytest.fixture
def pg(pg_schema: tuple[str, str]) -> dict[str, str]:
    """FF_PG_DSN (with a password in it) and FF_PG_SCHEMA of this test's schema."""
    dsn, schema = pg_schema
    return {"FF_PG_DSN": dsn.replace("postgres@", f"postgres:{PASSWORD}@", 1),
            "FF_PG_SCHEMA": schema}


PG_PROFILES = """\
    stg:
      engine: postgres
      postgres:
        dsn: "{{ env('FF_PG_DSN') }}"
        db_schema: "{{ env('FF_PG_SCHEMA') }}"
    """


def pg_comments(env: dict[str, str]) -> set[tuple[str, str | None, str]]:
    """Every comment in the test's schema: (relation, column or None, text)."""
    import psycopg

    with psycopg.connect(env["FF_PG_DSN"], autocommit=True) as con:
        rows = con.execute(
            "select c.relname, null, obj_description(c.oid, 'pg_class') from pg_class c "
            "join pg_namespace n on n.oid = c.relnamespace where n.nspname = %(s)s "
            "and obj_description(c.oid, 'pg_class') is not null "
            "union all "
            "select c.relname, a.attname, col_description(c.oid, a.attnum) from pg_attribute a "
            "join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %(s)s and a.attnum > 0 and col_description(c.oid, a.attnum) "
            "is not null", {"s": env["FF_PG_SCHEMA"]}).fetchall()
    return {tuple(r) for r in rows}


def test_postgres_dry_run_then_sync_then_nothing_to_sync(
        simple_project: Path, pg: dict[str, str], run_fft: Callable[..., Any]) -> None:
    project = described(simple_project, PG_PROFILES)
    schema = pg["FF_PG_SCHEMA"]
    outputs = []

    def fft(*args: str) -> Any:
        result = run_fft(*args, env=pg)
        outputs.append(result.output)
        return result

    # A partial build: only users exists; what is missing is a warning, not an error.
    assert fft("seed", str(project), "--env", "stg").returncode == 0
    assert fft("run", str(project), "--env", "stg", "--select", "users").returncode == 0
    partial = fft("sync-db-comments", str(project), "--env", "stg", "--dry-run")
    assert partial.returncode == 0, partial.output
    assert partial.stdout.splitlines() == [
        f"""COMMENT ON TABLE "{schema}"."users" IS 'Users from the CRM.';""",
        f"""COMMENT ON COLUMN "{schema}"."users"."id" IS 'Primary key.';""",
        f"""COMMENT ON COLUMN "{schema}"."users"."email" IS 'The address, as the CRM has it.';""",
    ]
    is_gmail, nickname = line(project, "is_gmail:"), line(project, "nickname:")
    orders = line(project, "orders.ff:")
    assert partial.stderr.splitlines() == [
        f"warning mart_users is not in the warehouse: its 2 descriptions (project.yml:{is_gmail}, project.yml:{nickname}) are not synced; build it (fft run), then sync again",
        f"warning orders is not in the warehouse: its description (project.yml:{orders}) is not synced; build it (fft run), then sync again",
        "dry run: 1 relation, 2 columns on env 'stg'; nothing was changed",
    ]

    assert fft("run", str(project), "--env", "stg").returncode == 0
    dry = fft("sync-db-comments", str(project), "--env", "stg", "--dry-run")
    assert dry.returncode == 0, dry.output
    assert dry.stdout.splitlines() == [
        f"""COMMENT ON COLUMN "{schema}"."mart_users"."is_gmail" IS 'Whether the address ends in @gmail.com (100% of them do).';""",
        f"""COMMENT ON VIEW "{schema}"."orders" IS 'Orders, as a view; it''s what the ERP sent.';""",
        f"""COMMENT ON TABLE "{schema}"."users" IS 'Users from the CRM.';""",
        f"""COMMENT ON COLUMN "{schema}"."users"."id" IS 'Primary key.';""",
        f"""COMMENT ON COLUMN "{schema}"."users"."email" IS 'The address, as the CRM has it.';""",
    ]
    assert dry.stderr.splitlines() == [
        f"warning mart_users has no column nickname: its description (project.yml:{nickname}) is not synced",
        "dry run: 2 relations, 3 columns on env 'stg'; nothing was changed",
    ]
    assert pg_comments(pg) == set()  # a dry run changes nothing

    synced = fft("sync-db-comments", str(project), "--env", "stg")
    assert synced.returncode == 0, synced.output
    assert synced.stdout == "synced comments: 2 relations, 3 columns on env 'stg'\n"
    assert "warning mart_users has no column nickname" in synced.stderr
    expected = {
        ("mart_users", "is_gmail", "Whether the address ends in @gmail.com (100% of them do)."),
        ("orders", None, "Orders, as a view; it's what the ERP sent."),
        ("users", None, "Users from the CRM."),
        ("users", "id", "Primary key."),
        ("users", "email", "The address, as the CRM has it."),
    }
    assert pg_comments(pg) == expected

    # No description left: nothing to sync, and the comments stay as they are.
    (project / "project.yml").write_text(
        (project / "project.yml").read_text().split("\ndocs:")[0] + "\n")
    for rel in PAGES:
        (project / rel).unlink()
    nothing = fft("sync-db-comments", str(project), "--env", "stg")
    assert nothing.returncode == 0, nothing.output
    assert nothing.stdout.startswith("Nothing to sync: no description in project.yml")
    assert pg_comments(pg) == expected
    assert not any(PASSWORD in text for text in outputs)


def test_postgres_a_failing_statement_changes_nothing(
        simple_project: Path, pg: dict[str, str], run_fft: Callable[..., Any]) -> None:
    """The statements run in one transaction: when one fails, the others are rolled back."""
    import psycopg

    project = described(simple_project, PG_PROFILES)
    assert run_fft("seed", str(project), "--env", "stg", env=pg).returncode == 0
    assert run_fft("run", str(project), "--env", "stg", env=pg).returncode == 0
    # A user who owns mart_users and orders but not users: the comments on the first two are
    # written, then the one on users is refused (only an owner may comment).
    schema = pg["FF_PG_SCHEMA"]
    role = f"fft_{schema}"
    with psycopg.connect(pg["FF_PG_DSN"], autocommit=True) as con:
        con.execute(f'create role "{role}" login')
        con.execute(f'grant usage on schema "{schema}" to "{role}"')
        con.execute(f'grant select on all tables in schema "{schema}" to "{role}"')
        con.execute(f'alter table "{schema}".mart_users owner to "{role}"')
        con.execute(f'alter view "{schema}".orders owner to "{role}"')
    try:
        as_role = {**pg, "FF_PG_DSN": pg["FF_PG_DSN"].replace("postgres:", f"{role}:", 1)}
        failed = run_fft("sync-db-comments", str(project), "--env", "stg", env=as_role)
        assert failed.returncode == 1, failed.output
        assert failed.stdout == ""
        assert failed.stderr.splitlines() == [
            f"warning mart_users has no column nickname: its description (project.yml:{line(project, 'nickname:')}) is not synced",
            "error cannot write the comments on env 'stg': must be owner of table users; nothing was changed",
            "  fix: see the statements with --dry-run; if a relation was rebuilt meanwhile, run the command again",
        ]
        assert PASSWORD not in failed.output
        assert pg_comments(pg) == set()
    finally:
        with psycopg.connect(pg["FF_PG_DSN"], autocommit=True) as con:
            con.execute(f'drop schema "{schema}" cascade')
            con.execute(f'drop owned by "{role}"')
            con.execute(f'drop role "{role}"')


def test_duckdb_sync_and_read_back(simple_project: Path, run_fft: Callable[..., Any],
                                   query: Callable[[Path, str], list[tuple]]) -> None:
    project = described(simple_project, "dev:\n  engine: duckdb\n  duckdb: {path: .local/demo.duckdb}\n")
    unbuilt = run_fft("sync-db-comments", str(project), "--env", "dev", "--dry-run")
    assert unbuilt.returncode == 1
    assert "error the warehouse of env 'dev' does not exist yet: nothing to comment" in (
        unbuilt.stderr)
    assert not (project / ".local").exists()  # nothing was created
    assert run_fft("seed", str(project), "--env", "dev").returncode == 0
    assert run_fft("run", str(project), "--env", "dev").returncode == 0
    dry = run_fft("sync-db-comments", str(project), "--env", "dev", "--dry-run")
    assert dry.returncode == 0, dry.output
    assert dry.stdout.splitlines()[:2] == [
        """COMMENT ON COLUMN "main"."mart_users"."is_gmail" IS 'Whether the address ends in @gmail.com (100% of them do).';""",
        """COMMENT ON VIEW "main"."orders" IS 'Orders, as a view; it''s what the ERP sent.';""",
    ]
    synced = run_fft("sync-db-comments", str(project), "--env", "dev")
    assert synced.stdout == "synced comments: 2 relations, 3 columns on env 'dev'\n"
    db = project / ".local" / "demo.duckdb"
    assert query(db, "select view_name, comment from duckdb_views() where comment is not null"
                 ) == [("orders", "Orders, as a view; it's what the ERP sent.")]
    assert query(db, "select table_name, comment from duckdb_tables() where comment is not null"
                 ) == [("users", "Users from the CRM.")]
    assert sorted(query(db, "select table_name, column_name, comment from duckdb_columns() "
                            "where comment is not null")) == [
        ("mart_users", "is_gmail", "Whether the address ends in @gmail.com (100% of them do)."),
        ("users", "email", "The address, as the CRM has it."),
        ("users", "id", "Primary key."),
    ]


def test_an_engine_without_comments_is_an_error_naming_the_supported_ones(
        make_project: Callable[..., Path], run_fft: Callable[..., Any]) -> None:
    root = make_project({
        "models/a.ff.sql": "select 1 as id",
        "profiles.yml": "bq:\n  engine: bigquery\n  bigquery: {project: p, dataset: d}\n",
    })
    result = run_fft("sync-db-comments", str(root), "--env", "bq", "--dry-run")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error fft sync-db-comments supports the engines duckdb and postgres; env 'bq' uses bigquery",
        "  fix: pass --env of a duckdb or postgres profile (snowflake_snowpark follows when its engine ships)",
    ]


def test_a_bad_docs_entry_names_project_yml_and_its_line(
        make_project: Callable[..., Path], run_fft: Callable[..., Any]) -> None:
    root = make_project({
        "models/users.ff.sql": "select 1 as id",
        "project.yml": "name: p\ndocs:\n  models:\n    userz: People.\n",
    })
    result = run_fft("sync-db-comments", str(root), "--env", "dev")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error project.yml: docs.models names 'userz', which is no model or seed of this project",
        "  at project.yml:4",
        "  fix: did you mean 'users.ff'?",
    ]
    assert result.stdout == ""
    traced = run_fft("sync-db-comments", str(root), "--env", "dev",
                     env={"FFT_TRACE": "1"})
    assert traced.returncode == 1
    assert "Traceback (most recent call last)" in traced.stderr
    assert "ProjectFileError" in traced.stderr

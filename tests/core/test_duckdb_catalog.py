"""DuckDB's catalog and schema: names are qualified in full (catalog.schema.table), so a schema
named like the database file (``.local/analytics.duckdb`` with ``db_schema: analytics``, common
in FastFlowTransform ``.env`` files) and a catalog alias (``catalog`` / ``FF_DUCKDB_CATALOG``)
work on every run, not only the first."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pytest_fft.engines.duckdb import DuckDBEngine
from pytest_fft.errors import ProfileError


def _build_once(path: Path, *, schema: str | None, catalog: str | None = None) -> list[tuple]:
    extra = {"catalog": catalog} if catalog is not None else {}
    engine = DuckDBEngine(str(path), schema=schema, **extra)
    try:
        engine.load_rows("seed_users", ("id",), ({"id": 1}, {"id": 2}))
        engine.create_relation("users", "select id from seed_users", "table")
        engine.create_relation("users_v", "select * from users", "view")
        engine.record_builds([("users.ff", "users", "fp", 0.0)])
        assert "users" in engine.existing_relations()
        assert engine.read_frame("users")["id"].tolist() == [1, 2]
        return engine.query("select count(*) from users_v")
    finally:
        engine.close()


def test_a_schema_named_like_the_database_works_twice_in_a_row(tmp_path: Path) -> None:
    db = tmp_path / ".local" / "analytics.duckdb"
    assert _build_once(db, schema="analytics") == [(2,)]
    assert _build_once(db, schema="analytics") == [(2,)]  # was: Ambiguous reference
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute("select table_catalog, table_schema, table_name from "
                             "information_schema.tables order by 3").fetchall()
    finally:
        con.close()
    assert tables == [("analytics", "analytics", "_ff_meta"), ("analytics", "analytics", "seed_users"),
                      ("analytics", "analytics", "users"), ("analytics", "analytics", "users_v")]


def test_a_catalog_names_the_database(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    for _ in range(2):
        assert _build_once(db, schema="analytics", catalog="analytics") == [(2,)]
    engine = DuckDBEngine(str(db), schema="analytics", catalog="analytics", read_only=True)
    try:
        assert engine.query("select current_database(), current_schema()") == [
            ("analytics", "analytics")]
        # SQL may name the relation by its full name under the catalog's name.
        assert engine.query("select count(*) from analytics.analytics.users") == [(2,)]
        assert engine.relation_key("analytics.analytics.users") == engine.relation_key("users")
    finally:
        engine.close()
    # The file itself is the same database: opened without the catalog, it has the tables.
    plain = DuckDBEngine(str(db), schema="analytics", read_only=True)
    try:
        assert plain.query("select count(*) from users") == [(2,)]
    finally:
        plain.close()


def test_a_catalog_without_a_schema_builds_in_main(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    assert _build_once(db, schema=None, catalog="wh") == [(2,)]
    assert _build_once(db, schema=None, catalog="wh") == [(2,)]
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("select table_schema from information_schema.tables "
                           "where table_name = 'users'").fetchall() == [("main",)]
    finally:
        con.close()


def test_a_reserved_catalog_name_is_a_profile_error(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    with pytest.raises(ProfileError) as info:
        DuckDBEngine(str(db), catalog="main")
    assert info.value.message == (
        f"cannot open DuckDB database {db} as catalog 'main': Binder Error: Attached database "
        'name "main" cannot be used because it is a reserved name')
    assert info.value.hint == ("check the duckdb path of the profile (or FF_DUCKDB_PATH) and "
                               "its catalog (or FF_DUCKDB_CATALOG)")


@pytest.mark.parametrize("content", ["a,b\n1,2\n", "not a database\n" * 10])
def test_a_data_file_under_a_catalog_is_not_a_database(tmp_path: Path, content: str) -> None:
    path = tmp_path / "data.csv"
    path.write_text(content)
    with pytest.raises(ProfileError) as info:
        DuckDBEngine(str(path), catalog="wh")
    assert info.value.message == f"{path} is not a DuckDB database file"
    assert path.read_text() == content


def test_a_catalog_on_an_in_memory_database(tmp_path: Path) -> None:
    assert _build_once(Path(":memory:"), schema="s", catalog="mem") == [(2,)]


def test_a_catalog_name_is_one_name(tmp_path: Path) -> None:
    weird = "o'brien \"db\".x"
    assert _build_once(tmp_path / "w.duckdb", schema="s", catalog=weird) == [(2,)]


def test_a_database_held_by_another_process_names_the_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = tmp_path / "held.duckdb"
    DuckDBEngine(str(db)).close()
    code = (f"import duckdb, time; c = duckdb.connect({str(db)!r}); "
            "print('ok', flush=True); time.sleep(30)")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "ok\n"
        with pytest.raises(ProfileError) as info:
            DuckDBEngine(str(db), schema="s", catalog="wh")
        assert info.value.message.startswith(f"cannot open DuckDB database {db} as catalog "
                                             "'wh': IO Error: Could not set lock on file")
        assert "--wait SECONDS" in (info.value.hint or "")
    finally:
        holder.kill()
        holder.wait()


def test_from_profile_reads_the_catalog(tmp_path: Path) -> None:
    from pytest_fft.project.profiles import resolve_profile

    (tmp_path / "profiles.yml").write_text(
        "dev:\n  engine: duckdb\n  duckdb: {path: .local/analytics.duckdb, db_schema: analytics}\n")
    resolved = resolve_profile(tmp_path, "dev", environ={"FF_DUCKDB_CATALOG": "wh"})
    assert resolved.profile.duckdb.catalog == "wh"
    engine = DuckDBEngine.from_profile(resolved.profile)
    try:
        assert engine.query("select current_database(), current_schema()") == [
            ("wh", "analytics")]
    finally:
        engine.close()

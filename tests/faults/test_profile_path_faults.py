"""Profile settings that point somewhere wrong: a DuckDB path that is a data file or sits under
a file, a schema name with quotes, dots and semicolons. Each is a clear ProfileError (or just
works), never a traceback, and never touches a table it should not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_fft.engines.duckdb import DuckDBEngine
from pytest_fft.errors import ProfileError

INJECTION = "main'; drop table main.seed_users; --"
SEED_USERS = "select count(*) from main.seed_users"


def _db(project: Path) -> Path:
    return project / ".local/demo.duckdb"


@pytest.fixture
def seeded(simple_project: Path, run_fft, query) -> Path:
    assert run_fft("seed", str(simple_project), "--env", "dev").returncode == 0
    assert query(_db(simple_project), SEED_USERS) == [(3,)]
    return simple_project


# -- db_schema / FF_DUCKDB_SCHEMA ---------------------------------------------------------------


@pytest.mark.parametrize("schema", [INJECTION, "o'brien", 'say "hi"', "a.b"])
def test_a_schema_name_is_one_name(seeded: Path, run_fft, query, schema: str) -> None:
    env = {"FF_DUCKDB_SCHEMA": schema}
    seeded_again = run_fft("seed", str(seeded), "--env", "dev", env=env)
    assert seeded_again.returncode == 0, seeded_again.output
    ran = run_fft("run", str(seeded), "--env", "dev", env=env)
    assert ran.returncode == 0, ran.output
    assert "Done: 5 ok" in ran.stdout
    assert "Traceback" not in seeded_again.output + ran.output
    assert query(_db(seeded), SEED_USERS) == [(3,)]  # main is untouched
    tables = query(_db(seeded), "select table_name from information_schema.tables "
                                f"where table_schema = '{schema.replace(chr(39), chr(39) * 2)}' "
                                "order by 1")
    assert ("mart_users",) in tables
    assert ("seed_users",) in tables


def test_a_schema_that_does_not_exist_cannot_be_read(tmp_path: Path) -> None:
    path = str(tmp_path / "x.duckdb")
    DuckDBEngine(path).close()
    with pytest.raises(ProfileError) as info:
        DuckDBEngine(path, schema=INJECTION, read_only=True)
    assert info.value.message.startswith(f"cannot use schema {INJECTION!r} in DuckDB database")
    assert info.value.hint is not None and "FF_DUCKDB_SCHEMA" in info.value.hint


# -- the database path ------------------------------------------------------------------------------


def test_a_path_at_a_csv_file_is_not_a_database(seeded: Path, run_fft) -> None:
    csv = seeded / "seeds/seed_users.csv"
    before = csv.read_bytes()
    result = run_fft("seed", str(seeded), "--env", "dev", env={"FF_DUCKDB_PATH": str(csv)})
    assert result.returncode == 1, result.output
    assert f"{csv} is not a DuckDB database file" in result.stderr
    assert "fix: point the duckdb path of the profile (or FF_DUCKDB_PATH) at a DuckDB file" \
        in result.stderr
    assert "rows" not in result.stdout  # nothing reported as loaded
    assert "Traceback" not in result.output
    assert csv.read_bytes() == before


def test_a_path_at_a_file_that_is_no_database(seeded: Path, run_fft) -> None:
    junk = seeded / "notes.txt"
    junk.write_text("not a database\n" * 10)
    result = run_fft("run", str(seeded), "--env", "dev", env={"FF_DUCKDB_PATH": str(junk)})
    assert result.returncode == 1, result.output
    assert f"{junk} is not a DuckDB database file" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("read_only", [False, True])
def test_the_engine_refuses_a_data_file(tmp_path: Path, read_only: bool) -> None:
    csv = tmp_path / "users.csv"
    csv.write_text("id\n1\n")
    with pytest.raises(ProfileError) as info:
        DuckDBEngine(str(csv), read_only=read_only)
    assert info.value.message == f"{csv} is not a DuckDB database file"
    assert csv.read_text() == "id\n1\n"


def test_the_engine_names_the_file_in_the_way(tmp_path: Path) -> None:
    blocker = tmp_path / "data.csv"
    blocker.write_text("id\n1\n")
    with pytest.raises(ProfileError) as info:
        DuckDBEngine(str(blocker / "sub" / "dev.duckdb"))
    assert info.value.message == (f"cannot use {blocker / 'sub' / 'dev.duckdb'} as the DuckDB "
                                  f"database: {blocker} is a file, not a folder")
    assert info.value.hint is not None and "FF_DUCKDB_PATH" in info.value.hint


def test_a_path_under_a_file_is_a_profile_error(seeded: Path, run_fft) -> None:
    blocker = seeded / "seeds/seed_users.csv"
    result = run_fft("seed", str(seeded), "--env", "dev",
                     env={"FF_DUCKDB_PATH": str(blocker / "dev.duckdb")})
    assert result.returncode == 1, result.output
    assert f"{blocker} is a file, not a folder" in result.output
    assert "FileExistsError" not in result.output

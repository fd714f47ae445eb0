"""Seeds load strictly: a malformed CSV is an error naming the file, the line and the fix, and
the table it would have replaced stays as it was.

The end-to-end scenarios seed the example once, break ``seeds/seed_users.csv`` and run
``fft seed`` again; the unit tests hold :func:`pytest_fft.engines.seed_files.csv_layout` to
each rule of the file format.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_fft.engines.seed_files import CsvLayout, SeedFileError, csv_layout

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "simple_duckdb"
USERS = [(1, "a@example.com"), (2, "b@gmail.com"), (3, "c@gmail.com")]
USERS_COLUMNS = [("id", "BIGINT"), ("email", "VARCHAR")]


# -- end to end: fft seed on a seeded copy of the example --------------------------------------


@pytest.fixture(scope="module")
def seeded_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example, seeded once for the whole module (each test works on a copy; the
    function-scoped ``simple_project`` and ``run_fft`` fixtures cannot serve a module)."""
    root = tmp_path_factory.mktemp("seeded") / "simple_duckdb"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(
        ".local", ".fastflowtransform", ".pytest_cache", "docs", "test_*.py", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FF_", "FFT_"))}
    proc = subprocess.run([sys.executable, "-m", "pytest_fft", "seed", str(root), "--env", "dev"],
                          env={**env, "NO_COLOR": "1"}, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root


@pytest.fixture
def seeded(seeded_once: Path, tmp_path: Path, query) -> Path:
    root = tmp_path / "simple_duckdb"
    shutil.copytree(seeded_once, root)
    assert _users(root, query) == (USERS_COLUMNS, USERS)
    return root


def _users(root: Path, query) -> tuple[list[tuple[str, str]], list[tuple]]:
    """Columns and rows of seed_users, read from the database file read-only."""
    db = root / ".local/demo.duckdb"
    columns = [(name, kind) for name, kind, *_ in query(db, "describe seed_users")]
    return columns, query(db, "select * from seed_users order by all")


def _seed_fails(root: Path, run_fft) -> str:
    result = run_fft("seed", str(root), "--env", "dev")
    assert result.returncode == 1, result.output
    assert "✗ seed_users" in result.stdout
    assert "✓ seed_orders" in result.stdout  # the other seed is not held back
    assert "Traceback" not in result.output
    return result.stderr


def test_a_ragged_file_keeps_the_old_table(seeded: Path, run_fft, query) -> None:
    (seeded / "seeds/seed_users.csv").write_text("id,email\n1,a@example.com,x,y\n2,b\n")
    err = _seed_fails(seeded, run_fft)
    assert "seed_users: line 2 has 4 values, but the header has 2 columns (id, email)\n" in err
    assert "at seeds/seed_users.csv:2" in err
    assert ("fix: remove the extra values from line 2 of seeds/seed_users.csv, or put a value "
            "that contains a comma in double quotes") in err
    assert _users(seeded, query) == (USERS_COLUMNS, USERS)


def test_one_short_and_one_long_row_among_fifty(seeded: Path, run_fft, query) -> None:
    rows = [f"{i},user{i}@example.com" for i in range(1, 51)]
    rows[19] = "20"  # line 21
    rows[39] = "40,user40@example.com,extra"  # line 41
    (seeded / "seeds/seed_users.csv").write_text("id,email\n" + "\n".join(rows) + "\n")
    err = _seed_fails(seeded, run_fft)
    assert ("seed_users: line 21 has 1 value, but the header has 2 columns (id, email); "
            "1 more line with another number of values: 41") in err
    assert "at seeds/seed_users.csv:21" in err
    assert "fix: give line 21 of seeds/seed_users.csv all 2 values, separated by commas" in err
    assert _users(seeded, query) == (USERS_COLUMNS, USERS)


def test_an_empty_file_keeps_the_old_table(seeded: Path, run_fft, query) -> None:
    (seeded / "seeds/seed_users.csv").write_bytes(b"")
    err = _seed_fails(seeded, run_fft)
    assert "seed_users: the file is empty" in err
    assert "at seeds/seed_users.csv:1" in err
    assert "fix: write the header on line 1 of seeds/seed_users.csv" in err
    assert _users(seeded, query) == (USERS_COLUMNS, USERS)


def test_a_quote_left_open_keeps_the_old_table(seeded: Path, run_fft, query) -> None:
    (seeded / "seeds/seed_users.csv").write_text('id,email\n1,a@example.com\n2,"b@gmail.com\n'
                                                 "3,c@gmail.com\n")
    err = _seed_fails(seeded, run_fft)
    assert ("seed_users: the quoted value that starts on line 3 is never closed (it runs to "
            "the end of the file, line 4)") in err
    assert "at seeds/seed_users.csv:3" in err
    assert _users(seeded, query) == (USERS_COLUMNS, USERS)


def test_a_header_without_a_name_keeps_the_old_table(seeded: Path, run_fft, query) -> None:
    (seeded / "seeds/seed_users.csv").write_text("id,email,\n1,a@example.com,\n")
    err = _seed_fails(seeded, run_fft)
    assert "seed_users: column 3 of the header (line 1) has no name" in err
    assert "at seeds/seed_users.csv:1" in err
    assert "fix: remove the comma at the end of line 1 of seeds/seed_users.csv" in err
    assert _users(seeded, query) == (USERS_COLUMNS, USERS)


def test_a_header_without_rows_is_an_empty_table(seeded: Path, run_fft, query) -> None:
    (seeded / "seeds/seed_users.csv").write_text("id,email\n")
    result = run_fft("seed", str(seeded), "--env", "dev")
    assert result.returncode == 0, result.output
    assert _users(seeded, query) == ([("id", "VARCHAR"), ("email", "VARCHAR")], [])


def test_a_valid_file_still_loads_with_inferred_types(seeded: Path, run_fft, query) -> None:
    (seeded / "seeds/seed_users.csv").write_text(
        'id;email\n1;"a;b@example.com"\n2;"multi\nline"\n')
    result = run_fft("seed", str(seeded), "--env", "dev")
    assert result.returncode == 0, result.output
    assert "✓ seed_users" in result.stdout
    assert _users(seeded, query) == (USERS_COLUMNS,
                                     [(1, "a;b@example.com"), (2, "multi\nline")])


def test_a_broken_parquet_seed_says_what_to_fix_in_it(seeded: Path, run_fft, query) -> None:
    (seeded / "seeds/seed_users.csv").unlink()
    (seeded / "seeds/seed_users.parquet").write_bytes(b"PAR1 not really")
    err = _seed_fails(seeded, run_fft)
    assert "seed_users: DuckDB cannot read it: Invalid Input Error:" in err
    assert ("fix: write seeds/seed_users.parquet again as Parquet (pandas: "
            "frame.to_parquet(path)), or replace it with a CSV") in err
    assert "fix the model" not in err
    assert _users(seeded, query) == (USERS_COLUMNS, USERS)


def test_a_seed_cannot_replace_the_audit_table(seeded: Path, run_fft, query) -> None:
    db = seeded / ".local/demo.duckdb"
    audit = query(db, "select node_name from _ff_meta order by 1")
    assert audit == [("seed_orders",), ("seed_users",)]
    (seeded / "seeds/_ff_meta.csv").write_text("id,email\n1,x@example.com\n")
    result = run_fft("seed", str(seeded), "--env", "dev")
    assert result.returncode == 1, result.output
    assert ("_ff_meta: builds the relation '_ff_meta', the name of pytest-fft's audit table "
            "of builds") in result.stderr
    assert "at seeds/_ff_meta.csv" in result.stderr
    assert "fix: rename it: _ff_meta is the audit table" in result.stderr
    assert "Project error: 1 error while loading" in result.stdout
    assert "Traceback" not in result.output
    assert query(db, "select node_name from _ff_meta order by 1") == audit
    assert [c for c, *_ in query(db, "describe _ff_meta")] == [
        "node_name", "relation", "fingerprint", "engine", "built_at"]


# -- the engine's own check -------------------------------------------------------------------------


def test_a_load_that_differs_from_the_file_is_rolled_back(tmp_path: Path, monkeypatch) -> None:
    """Should DuckDB ever read other rows or columns than the file holds, the load is undone."""
    import pytest_fft.engines.duckdb as duckdb_engine

    engine = duckdb_engine.DuckDBEngine(str(tmp_path / "x.duckdb"))
    try:
        engine.create_relation("users", "select 1 as id", "view")  # a view becomes a table
        path = tmp_path / "users.csv"
        path.write_text("id,email\n1,a\n2,b\n")
        assert engine.load_seed("users", str(path), "csv") == 2
        path.write_text("id,email\n3,c\n")
        for wrong in (CsvLayout(",", ("id", "email"), 2), CsvLayout(",", ("id", "mail"), 1)):
            monkeypatch.setattr(duckdb_engine, "csv_layout", lambda _path, wrong=wrong: wrong)
            with pytest.raises(SeedFileError, match="DuckDB read"):
                engine.load_seed("users", str(path), "csv")
            assert engine.query("select * from users order by id") == [(1, "a"), (2, "b")]
    finally:
        engine.close()


# -- the file format, rule by rule ---------------------------------------------------------------


def _layout(tmp_path: Path, data: str | bytes) -> CsvLayout:
    path = tmp_path / "seed.csv"
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_bytes(data.encode("utf-8"))
    return csv_layout(path)


def _error(tmp_path: Path, data: str | bytes) -> SeedFileError:
    with pytest.raises(SeedFileError) as info:
        _layout(tmp_path, data)
    return info.value


@pytest.mark.parametrize(("data", "layout"), [
    ("id,email\n1,a\n2,b\n", CsvLayout(",", ("id", "email"), 2)),
    ("id,email\r\n1,a\r\n", CsvLayout(",", ("id", "email"), 1)),
    ("id,email\n1,a", CsvLayout(",", ("id", "email"), 1)),  # no newline at the end
    ("\ufeffid,email\n1,a\n", CsvLayout(",", ("id", "email"), 1)),  # a byte order mark
    ("id,email\n", CsvLayout(",", ("id", "email"), 0)),  # a header alone: no rows
    ("id;email\n1;a\n", CsvLayout(";", ("id", "email"), 1)),
    ("id;email\r1;a\r2;b\r", CsvLayout(";", ("id", "email"), 2)),  # old Mac line ends
    ("id\temail\n1\ta\n", CsvLayout("\t", ("id", "email"), 1)),
    ("id|email\n1|a\n", CsvLayout("|", ("id", "email"), 1)),
    ("email\na\nb\n", CsvLayout(",", ("email",), 2)),  # one column
    ('id,email\n1,"a,b"\n2,"x\ny"\n3,"say ""hi"""\n', CsvLayout(",", ("id", "email"), 3)),
    ("id,email\n1,a\n\n2,b\n\n", CsvLayout(",", ("id", "email"), 2)),  # empty lines skipped
    (" id , email \n1,a\n", CsvLayout(",", ("id", "email"), 1)),
    ('"a;b",c\n1,2\n', CsvLayout(",", ("a;b", "c"), 1)),  # "," wins over a quoted ";"
    ("id,,x\n", None),
])
def test_valid_files(tmp_path: Path, data: str, layout: CsvLayout | None) -> None:
    if layout is None:  # the counter-example of the table: a nameless column
        assert _error(tmp_path, data).line == 1
    else:
        assert _layout(tmp_path, data) == layout


@pytest.mark.parametrize(("data", "line", "problem"), [
    (b"", 1, "the file is empty"),
    (b"\n\n", 1, "the file holds only blank lines"),
    (b"\nid,email\n", 1, "line 1 is empty, but a seed's first line is its header"),
    (b"id,email\n1,a,b\n", 2, "line 2 has 3 values, but the header has 2 columns (id, email)"),
    (b"id,email\n1,a\n2\n", 3, "line 3 has 1 value, but the header has 2 columns (id, email)"),
    (b"id,email\n1,a\n   \n", 3, "line 3 has 1 value, but the header has 2 columns (id, email)"),
    (b"email\na\n\nb\n", 3, "line 3 is empty, which in a one-column file is a value"),
    (b"email\na\n\n", 3, "line 3 is empty, which in a one-column file is a value"),
    (b"id,ID\n1,2\n", 1,
     ("the header (line 1) names two columns 'ID' (columns 1 and 2; names are compared "
      "without case)")),
    (b"id, ,x\n", 1, "column 2 of the header (line 1) has no name"),
    (b'id,email\n1,"a\n2,b\n', 2,
     ("the quoted value that starts on line 2 is never closed (it runs to the end of the "
      "file, line 3)")),
    (b'id,email\n1,"a"b\n', 2, "line 2 is not valid CSV: ',' expected after '\"'"),
    (b"id,email\n1,a\x00\n", 2, "line 2 contains a NUL byte"),
    ("id,email\n1,a\n".encode("utf-16"), 1,
     "the file is not UTF-8 text: byte 0xff on line 1 cannot be decoded"),
    (b"id,email\n1,a\n2,\xe9\n", 3,
     "the file is not UTF-8 text: byte 0xe9 on line 3 cannot be decoded"),
])
def test_malformed_files(tmp_path: Path, data: bytes, line: int, problem: str) -> None:
    error = _error(tmp_path, data)
    assert (error.line, error.problem) == (line, problem)
    assert "seeds/x.csv" in error.fix("seeds/x.csv")


def test_the_line_of_a_row_is_the_line_it_starts_on(tmp_path: Path) -> None:
    # The quoted value of line 2 spans lines 2-4, so the short row starts on line 5.
    error = _error(tmp_path, 'id,email\n1,"a\nb\nc"\n2\n')
    assert error.line == 5
    assert error.problem.startswith("line 5 has 1 value")


def test_many_wrong_rows_are_counted_and_the_first_ones_named(tmp_path: Path) -> None:
    error = _error(tmp_path, "a,b\n" + "1\n" * 6)
    assert error.problem == ("line 2 has 1 value, but the header has 2 columns (a, b); "
                             "5 more lines with another number of values: 3, 4, 5 and 2 more")


def test_a_long_header_is_shortened_in_the_message(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(12))
    error = _error(tmp_path, header + "\n1\n")
    assert "(c0, c1, c2, c3, c4, c5, c6, c7, … (4 more))" in error.problem


def test_a_missing_file_is_a_seed_file_error(tmp_path: Path) -> None:
    with pytest.raises(SeedFileError, match="the file cannot be read"):
        csv_layout(tmp_path / "missing.csv")


def test_the_check_reads_a_thousand_rows_in_well_under_a_load(tmp_path: Path) -> None:
    import time

    path = tmp_path / "big.csv"
    path.write_text("id,name,amount\n" + "".join(f"{i},n{i},{i}.5\n" for i in range(1000)))
    start = time.perf_counter()
    assert csv_layout(path).rows == 1000
    assert time.perf_counter() - start < 0.05  # about 1 ms; a DuckDB load takes ~15 ms

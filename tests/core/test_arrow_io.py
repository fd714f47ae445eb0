"""Arrow tables as PostgreSQL's COPY takes them: column types and CSV cells."""

from __future__ import annotations

import pyarrow as pa
import pytest

from pytest_fft.engines.arrow_io import csv_bytes, sql_columns


def test_a_column_without_a_sql_type_is_named_with_a_fix() -> None:
    table = pa.table({"id": [1], "tags": [[1, 2]]})
    with pytest.raises(ValueError) as info:
        sql_columns(table, lambda name: f'"{name}"')
    assert str(info.value) == (
        "column 'tags': a column of type list<item: int64> has no SQL type here; convert it "
        "to text first (json.dumps for a list or a mapping)")


def test_bytes_are_bytea_in_its_hex_form() -> None:
    table = pa.table({"b": [b"\x00\xff", None, b""]})
    assert sql_columns(table, lambda name: f'"{name}"') == '"b" bytea'
    assert csv_bytes(table) == b'"\\x00ff"\n\n"\\x"\n'

"""Arrow tables in and out of SQL warehouses that speak PostgreSQL's COPY: the columnar path.

A frame, a seed or a unit case's rows travel as one Arrow table: its columns get SQL types
(:func:`sql_columns`), its rows one CSV text written by Arrow's C++ writer (:func:`csv_bytes`)
that ``COPY ... FROM STDIN (FORMAT csv)`` reads. No Python loop over rows on either side:
a NULL is an unquoted empty field, an empty string a quoted one, exactly as COPY tells them
apart. Rows read back become an Arrow table again (:func:`table_of_rows`), so a Python model
gets the same pandas dtypes on every engine.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any


def sql_type(arrow_type: Any) -> str:
    """The PostgreSQL type of an Arrow column type; ValueError for one with no SQL value."""
    import pyarrow as pa

    t = arrow_type
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_int8(t) or pa.types.is_int16(t) or pa.types.is_uint8(t):
        return "smallint"
    if pa.types.is_int32(t) or pa.types.is_uint16(t):
        return "integer"
    if pa.types.is_int64(t) or pa.types.is_uint32(t):
        return "bigint"
    if pa.types.is_uint64(t):
        return "numeric(20)"
    if pa.types.is_float16(t) or pa.types.is_float32(t):
        return "real"
    if pa.types.is_float64(t):
        return "double precision"
    if pa.types.is_decimal(t):
        return f"numeric({t.precision},{t.scale})"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t) \
            or pa.types.is_dictionary(t):
        return "text"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "timestamptz" if t.tz else "timestamp"
    if pa.types.is_time(t):
        return "time"
    if pa.types.is_duration(t):
        return "interval"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return "bytea"
    raise ValueError(f"a column of type {t} has no SQL type here; convert it to text first "
                     "(json.dumps for a list or a mapping)")


def sql_columns(table: Any, quote: Any) -> str:
    """``"a" bigint, "b" text, ...`` for a CREATE TABLE of ``table``'s columns; ValueError
    naming the column whose type has no SQL type."""
    out = []
    for field in table.schema:
        try:
            out.append(f"{quote(field.name)} {sql_type(field.type)}")
        except ValueError as exc:
            raise ValueError(f"column {field.name!r}: {exc}") from None
    return ", ".join(out)


def csv_bytes(table: Any) -> bytes:
    """``table``'s rows as CSV without a header, as COPY (FORMAT csv) reads them."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):  # a pandas category: its values as text
            column = column.cast(pa.string())
        elif pa.types.is_duration(column.type):  # "1.5 seconds" is no CSV cell Arrow writes
            column = pa.array([None if v is None else f"{v.total_seconds()} seconds"
                               for v in column.to_pylist()], pa.string())
        elif pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
            # bytea's hex form: Arrow writes no CSV cell of bytes that are not UTF-8
            column = pa.array([None if v is None else "\\x" + v.hex()
                               for v in column.to_pylist()], pa.string())
        columns.append(column)
    table = pa.table(columns, names=table.column_names)
    sink = io.BytesIO()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False))
    return sink.getvalue()


def frame_table(frame: Any) -> Any:
    """A pandas frame as an Arrow table (its index dropped: a frame's rows are its data)."""
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False)


# psycopg type OIDs (pg_type) -> the Arrow type of their column, where it is not inferred.
_BOOL, _INT8, _INT2, _INT4, _FLOAT4, _FLOAT8 = 16, 20, 21, 23, 700, 701
_DATE, _TIMESTAMP, _TIMESTAMPTZ = 1082, 1114, 1184


def _arrow_type(oid: int) -> Any:
    import pyarrow as pa

    return {
        _BOOL: pa.bool_(), _INT2: pa.int16(), _INT4: pa.int32(), _INT8: pa.int64(),
        _FLOAT4: pa.float32(), _FLOAT8: pa.float64(), _DATE: pa.date32(),
        _TIMESTAMP: pa.timestamp("us"), _TIMESTAMPTZ: pa.timestamp("us", tz="UTC"),
    }.get(oid)


def table_of_rows(names: Sequence[str], type_oids: Sequence[int],
                  rows: Sequence[Sequence[Any]]) -> Any:
    """Rows of a query (column names, their PostgreSQL type OIDs) as an Arrow table."""
    import pyarrow as pa

    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays = []
    for values, oid in zip(columns, type_oids, strict=True):
        wanted = _arrow_type(oid)
        try:
            arrays.append(pa.array(list(values), type=wanted))
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # a value Arrow cannot type: as text
            arrays.append(pa.array([None if v is None else str(v) for v in values]))
    return pa.table(arrays, names=list(names))

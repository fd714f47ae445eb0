"""SQLite through the standard library's ``sqlite3``: the :class:`~pytest_fft.sdk.Engine`
protocol, and the class-level ways to get one (:class:`~pytest_fft.sdk.EngineClass`).

**Threads.** An engine holds one connection, and every statement and every transaction takes
the engine's lock: SQLite admits one writer per database at a time anyway, so the build's
threads (``--jobs``) queue for the connection instead of for the file's lock. ``interrupt``
does not take the lock (``Connection.interrupt`` is meant to be called from another thread):
it stops the statement that runs, whichever thread runs it. Another *process* on the same file
waits up to the profile's ``timeout`` for its write lock.

**Atomic builds.** Every build is one transaction (``begin immediate`` ... ``commit``): a table
is written under a private name, then the old relation is dropped and the new table renamed
into place; a view is dropped and created again, then read once, so a view over a missing
table or column fails the build. A failing or interrupted SELECT rolls all of it back and the
old relation stays, rows and columns. Views bind to names in SQLite, so a view over a rebuilt
table reads the new table (the connection sets ``legacy_alter_table``, so the rename does not
check or rewrite other views).

**Types.** SQLite stores a type per value, not per column. Tables pytest-fft builds get a
declared type per column: the source column's declared type where a model selects a column
(``DATE``, ``BOOLEAN``, ``TIMESTAMP`` of a seed or a frame), otherwise the one storage class
its values have (``BIGINT``, ``DOUBLE``, ``TEXT``; none when they are mixed). Values of
``BOOLEAN``, ``DATE`` and ``TIMESTAMP`` columns are read back as ``bool``, ``date`` and
``datetime`` (converters registered with ``sqlite3`` for those declared types; a value that
is not in that form is returned as stored).

**Schemas.** The target schema is the database file (``main``); a qualified name
``other.users`` is a table of a database attached as ``other`` (``attach database ... as
other`` in your own SQL, e.g. an ``on_run_start`` hook).
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import math
import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fft_sqlite import SPEC
from pytest_fft.sdk import (
    AUDIT_TABLE,
    FILE,
    AuditTable,
    Column,
    ExistingRelations,
    ProfileError,
    SeedFileError,
    SeedShape,
    SelectFrame,
    csv_layout,
    foreign_audit_table,
)

METADATA_COLUMNS = ("_ff_loaded_at", "_ff_seed_id", "_ff_seed_file")  # seeds/schema.yml's

_new_names = itertools.count(1)
_memory_ids = itertools.count(1)
_NAMED = re.compile(r"no such (?:column|table|function): ([\w.\"]+)")

# The declared types of seeds/schema.yml's logical types (other words are used as written).
_LOGICAL = {"string": "TEXT", "text": "TEXT", "varchar": "TEXT", "integer": "BIGINT",
            "bigint": "BIGINT", "int": "BIGINT", "double": "DOUBLE", "float": "DOUBLE",
            "numeric": "NUMERIC", "decimal": "NUMERIC", "boolean": "BOOLEAN",
            "bool": "BOOLEAN", "timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMP",
            "datetime": "TIMESTAMP", "date": "DATE"}
_STORAGE = {"integer": "BIGINT", "real": "DOUBLE", "text": "TEXT", "blob": "BLOB"}
_INT = re.compile(r"[+-]?\d+\Z")
_FLOAT = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
                        r"(Z|[+-]\d{2}:?\d{2})?\Z")
_BOOLS = {"true": True, "false": False}


def quote(name: str) -> str:
    """One name part in double quotes, a double quote inside it doubled."""
    return SPEC.quote(name)


# -- values in and out ----------------------------------------------------------------------------


def _fallback(raw: bytes) -> Any:
    """A stored value that is not in its column's form, as SQLite holds it."""
    text = raw.decode("utf-8", "replace")
    for kind in (int, float):
        with contextlib.suppress(ValueError):
            return kind(text)
    return text


def _to_bool(raw: bytes) -> Any:
    text = raw.decode("utf-8", "replace").strip().lower()
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    return _fallback(raw)


def _to_date(raw: bytes) -> Any:
    try:
        return date.fromisoformat(raw.decode())
    except ValueError:
        return _to_timestamp(raw)


def _to_timestamp(raw: bytes) -> Any:
    try:
        return datetime.fromisoformat(raw.decode().replace("Z", "+00:00"))
    except ValueError:
        return _fallback(raw)


# Converters are the sqlite3 module's (by declared type); a connection uses them only with
# detect_types=PARSE_DECLTYPES, which this engine's connections set.
for _name, _convert in (("BOOLEAN", _to_bool), ("BOOL", _to_bool), ("DATE", _to_date),
                        ("TIMESTAMP", _to_timestamp), ("DATETIME", _to_timestamp)):
    sqlite3.register_converter(_name, _convert)


def _sql_value(value: Any) -> Any:
    """A Python, numpy or pandas value as sqlite3 stores it (dates and times as ISO text,
    booleans as 1/0, missing values as NULL)."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if not isinstance(value, (str, bytes)) and hasattr(value, "item"):  # a numpy scalar
        with contextlib.suppress(TypeError, ValueError):
            value = value.item()
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        value = value.to_pydatetime()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _regexp(pattern: Any, value: Any) -> bool | None:
    """SQLite's ``value REGEXP pattern``: Python's ``re.search``; NULL for a NULL."""
    if pattern is None or value is None:
        return None
    return re.search(str(pattern), str(value)) is not None


# -- the engine -----------------------------------------------------------------------------------


class SQLiteEngine:
    """pytest-fft's engine for one SQLite database (see the module's docstring)."""

    name = SPEC.name
    abbrev = SPEC.abbrev
    spec = SPEC
    capabilities: frozenset[Any] = frozenset({AuditTable, SelectFrame})

    def __init__(self, path: str = ":memory:", *, timeout: float = 30.0,
                 read_only: bool = False) -> None:
        self.path = path
        self.persistent = path != ":memory:"
        self._lock = threading.RLock()
        if self.persistent and not read_only:
            _make_folder_of(path)
        uri = None
        if read_only and self.persistent:
            uri = Path(path).absolute().as_uri() + "?mode=ro"
        try:
            self._con = sqlite3.connect(
                uri or path, timeout=timeout, uri=uri is not None, isolation_level=None,
                check_same_thread=False, detect_types=sqlite3.PARSE_DECLTYPES)
        except sqlite3.Error as exc:
            raise ProfileError(f"cannot open SQLite database {path}: {exc}",
                               hint="check the sqlite path of the profile (or FF_SQLITE_PATH)"
                               ) from exc
        try:
            # A rename does not check or rewrite the views over the renamed table (they bind
            # by name, and read the new table once it has the old one's name).
            self._con.execute("pragma legacy_alter_table = on")
            self._con.create_function("regexp", 2, _regexp, deterministic=True)
            if self.persistent:
                self._con.execute("select count(*) from sqlite_master").fetchall()
        except sqlite3.DatabaseError as exc:
            self._con.close()
            raise ProfileError(f"{path} is not a SQLite database: {exc}",
                               hint="point the sqlite path of the profile (or FF_SQLITE_PATH) "
                                    "at a SQLite file (created when missing)") from exc

    # -- the ways to get one -------------------------------------------------------------------
    @classmethod
    def from_profile(cls, profile: Any, *, wait: float = 0.0,
                     read_only: bool = False) -> SQLiteEngine:
        """The engine of a sqlite profile (``profile.sqlite.path`` is absolute already:
        pytest-fft resolved it against the project directory)."""
        settings = profile.sqlite
        return cls(settings.path, timeout=max(settings.timeout, wait), read_only=read_only)

    @classmethod
    def scratch(cls, profile: Any = None) -> SQLiteEngine:
        """A private in-memory database for one unit case; ``close()`` discards it."""
        return cls(":memory:")

    @staticmethod
    def warehouse_exists(profile: Any) -> bool:
        path = profile.sqlite.path
        return path != ":memory:" and Path(path).exists()

    # -- statements ----------------------------------------------------------------------------
    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._con.execute(sql).fetchall()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection in one write transaction; anything raised rolls it back."""
        with self._lock:
            con = self._con
            con.execute("begin immediate")
            try:
                yield con
                con.execute("commit")
            except BaseException:
                _roll_back(con)
                raise

    def interrupt(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # closed: nothing runs on it
            self._con.interrupt()

    def close(self) -> None:
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._con.close()

    # -- names ---------------------------------------------------------------------------------
    def quote(self, relation: str) -> str:
        return SPEC.quote_relation(relation)

    def relation_key(self, relation: str) -> str:
        """``database.name`` without case (SQLite compares names so); an unqualified name is
        in ``main``."""
        parts = relation.split(".")
        if len(parts) == 1:
            parts = ["main", *parts]
        return ".".join(SPEC.name_key(part) for part in parts[-2:])

    def _split(self, relation: str) -> tuple[str, str]:
        schema, _, name = relation.rpartition(".")
        return schema or "main", name

    def existing_relations(self) -> ExistingRelations:
        """The tables and views of ``main`` and of every attached database."""
        keys: set[str] = set()
        with self._lock:
            schemas = [row[1] for row in self._con.execute("pragma database_list")
                       if row[1] != "temp"]
            for schema in schemas:
                for (name,) in self._con.execute(
                        f"select name from {quote(schema)}.sqlite_master where type in "
                        "('table', 'view') and name not like 'sqlite\\_%' escape '\\'"):
                    keys.add(f"{SPEC.name_key(schema)}.{SPEC.name_key(name)}")
        return ExistingRelations(frozenset(keys), self.relation_key)

    def relation_columns(self) -> dict[str, list[Column]]:
        """Each column's declared type and its ``notnull`` flag of ``PRAGMA table_info``: a
        NOT NULL column is not nullable. A view's columns, and a table's that pytest-fft
        built (written from a SELECT), carry no NOT NULL, so they read nullable."""
        out: dict[str, list[Column]] = {}
        with self._lock:
            names = [row[0] for row in self._con.execute(
                "select name from sqlite_master where type in ('table', 'view') "
                "and name not like 'sqlite\\_%' escape '\\' order by name")]
            for name in names:
                try:
                    columns = self._con.execute(
                        'select name, type, "notnull" from pragma_table_info(?) order by cid',
                        [name]).fetchall()
                except sqlite3.Error:  # a view over something gone: no columns to show
                    continue
                out[name] = [Column(str(column), str(kind), not notnull)
                             for column, kind, notnull in columns]
        return out

    def error_line(self, exc: BaseException) -> int | None:
        """SQLite's messages carry no position: the line of the statement that first names
        what the message says is missing (``no such column: x``), when there is one."""
        statement = getattr(exc, "fft_statement", None)
        found = _NAMED.search(str(exc))
        if not statement or found is None:
            return None
        word = found.group(1).strip('"').rpartition(".")[2]
        pattern = re.compile(rf"(?<![\w\"]){re.escape(word)}(?![\w\"])|\"{re.escape(word)}\"",
                             re.IGNORECASE)
        for number, line in enumerate(statement.splitlines(), 1):
            if pattern.search(line):
                return number
        return None

    def _refuse_audit_table(self, relation: str) -> None:
        if self.relation_key(relation) == self.relation_key(AUDIT_TABLE):
            raise ValueError(f"{relation} is the audit table pytest-fft keeps in this "
                             "database; no model may build it: rename the model")

    # -- building ------------------------------------------------------------------------------
    def create_relation(self, relation: str, select_sql: str, materialized: str) -> int | None:
        self._refuse_audit_table(relation)
        schema, name = self._split(relation)
        target = f"{quote(schema)}.{quote(name)}"
        try:
            with self._transaction() as con:
                if materialized == "view":
                    self._drop(con, schema, name)
                    # The SELECT's first line is the statement's: its lines are the model's.
                    _run(con, f"create view {target} as {select_sql}")
                    _run(con, f"select * from {target} limit 0")  # SQLite checks on use
                    return None
                types = self._declared_types(con, select_sql)
                staged = _private_name("stage")
                _run(con, f"create table {quote(schema)}.{quote(staged)} as {select_sql}")
                return self._swap_in(con, schema, name, staged, types)
        except sqlite3.Error as exc:
            exc.fft_statement = select_sql  # type: ignore[attr-defined]
            raise

    def _declared_types(self, con: sqlite3.Connection, select_sql: str) -> list[str]:
        """The declared type of each column of ``select_sql`` where it selects a column of
        a table ('' for an expression), read from a temporary view (nothing runs)."""
        probe = quote(_private_name("probe"))
        _run(con, f"create view temp.{probe} as {select_sql}")
        try:
            return [str(row[2] or "") for row in _run(con, f"pragma temp.table_info({probe})")]
        finally:
            con.execute(f"drop view temp.{probe}")

    def _swap_in(self, con: sqlite3.Connection, schema: str, name: str, staged: str,
                 declared: Sequence[str]) -> int:
        """Move the rows of ``staged`` into a table with a declared type per column, drop
        the old relation and give the new table its name; rows written."""
        columns = [str(row[1]) for row in con.execute(
            f"pragma {quote(schema)}.table_info({quote(staged)})")]
        staged = f"{quote(schema)}.{quote(staged)}"
        if len(declared) != len(columns):
            declared = [""] * len(columns)
        missing = [i for i, kind in enumerate(declared) if not kind]
        kinds = list(declared)
        if missing:
            listed = ", ".join(
                f"group_concat(distinct typeof({quote(columns[i])}))" for i in missing)
            found = con.execute(f"select {listed} from {staged}").fetchone() or ()
            for i, stored in zip(missing, found, strict=True):
                classes = set(str(stored or "").split(",")) - {"null", ""}
                if classes == {"integer", "real"}:
                    classes = {"real"}
                kinds[i] = _STORAGE.get(classes.pop(), "") if len(classes) == 1 else ""
        new = f"{quote(schema)}.{quote(_private_name('new'))}"
        listed = ", ".join(f"{quote(c)} {k}".rstrip() for c, k in zip(columns, kinds,
                                                                      strict=True))
        con.execute(f"create table {new} ({listed})")
        written = con.execute(f"insert into {new} select * from {staged}").rowcount
        con.execute(f"drop table {staged}")
        self._drop(con, schema, name)
        con.execute(f"alter table {new} rename to {quote(name)}")
        return max(written, 0)

    def _drop(self, con: sqlite3.Connection, schema: str, name: str) -> None:
        """Drop ``schema.name``, whichever kind it is (or nothing)."""
        row = con.execute(f"select type, name from {quote(schema)}.sqlite_master where "
                          "type in ('table', 'view') and lower(name) = lower(?)",
                          [name]).fetchone()
        if row is not None:
            con.execute(f"drop {row[0]} {quote(schema)}.{quote(row[1])}")

    def _write_rows(self, relation: str, columns: Sequence[str], kinds: Sequence[str],
                    rows: Sequence[Sequence[Any]]) -> int:
        """Table ``relation`` with ``columns`` of the declared ``kinds`` and ``rows``,
        replacing what was there, in one transaction."""
        schema, name = self._split(relation)
        new = f"{quote(schema)}.{quote(_private_name('new'))}"
        listed = ", ".join(f"{quote(c)} {k}".rstrip() for c, k in zip(columns, kinds,
                                                                      strict=True))
        marks = ", ".join("?" * len(columns))
        with self._transaction() as con:
            con.execute(f"create table {new} ({listed})")
            if rows:
                con.executemany(f"insert into {new} values ({marks})", rows)
            self._drop(con, schema, name)
            con.execute(f"alter table {new} rename to {quote(name)}")
        return len(rows)

    # -- frames --------------------------------------------------------------------------------
    def is_frame(self, value: Any) -> bool:
        import pandas as pd

        return isinstance(value, pd.DataFrame)

    def write_frame(self, relation: str, frame: Any, materialized: str) -> int | None:
        """A pandas frame as a table (a view of a frame would have nothing to read: it is
        stored as a table too)."""
        self._refuse_audit_table(relation)
        columns = [str(c) for c in frame.columns]
        kinds = [_frame_type(frame[c]) for c in frame.columns]
        rows = [tuple(_sql_value(v) for v in row)
                for row in frame.astype(object).itertuples(index=False, name=None)]
        return self._write_rows(relation, columns, kinds, rows)

    def read_frame(self, relation: str) -> Any:
        return self.select_frame(f"select * from {self.quote(relation)}")

    def select_frame(self, sql: str) -> Any:
        """The rows of ``sql`` as a pandas frame: a column of whole numbers is int64 (float64
        with NULLs), BOOLEAN/DATE/TIMESTAMP columns hold bool, date and datetime values."""
        import pandas as pd

        with self._lock:
            cur = self._con.execute(sql)
            names = [column[0] for column in cur.description or ()]
            rows = cur.fetchall()
        return pd.DataFrame.from_records(rows, columns=names)

    # -- seeds ---------------------------------------------------------------------------------
    def load_seed(self, relation: str, path: str, fmt: str,
                  shape: SeedShape | None = None) -> int | None:
        """A seed as table ``relation``, strictly (pytest-fft's seed rules: ``csv_layout``
        checks the file first), with a type per column inferred from every value (BIGINT,
        DOUBLE, BOOLEAN, DATE, TIMESTAMP or TEXT; an empty value is NULL) or declared in
        seeds/schema.yml, and the metadata columns ``shape`` asks for. Any failure is a
        :class:`SeedFileError`; the previous table stays."""
        if self.relation_key(relation) == self.relation_key(AUDIT_TABLE):
            raise SeedFileError(
                f"{relation} is the audit table pytest-fft keeps in this database; no seed "
                "may replace it", hint=f"rename {FILE}: its file name is the name of its table")
        if fmt == "parquet":
            columns, values = _parquet_columns(path)
            lines = [None] * (len(values[0]) if values else 0)
        else:
            columns, values, lines = _csv_columns(path)
        declared = dict(shape.columns) if shape is not None else {}
        known = {c.casefold(): c for c in columns}
        missing = [c for c in declared if c.casefold() not in known]
        if missing:
            raise SeedFileError(
                f"seeds/schema.yml gives a type to {', '.join(missing)}, but the file has no "
                f"such column (its columns: {', '.join(columns)})", line=1,
                hint="fix the column names under columns: (or dtypes:) in seeds/schema.yml")
        by_fold = {c.casefold(): t for c, t in declared.items()}
        kinds, typed = [], []
        for column, cells in zip(columns, values, strict=True):
            wanted = by_fold.get(column.casefold())
            kind, converted = _typed_column(column, cells, wanted, lines)
            kinds.append(kind)
            typed.append(converted)
        rows = list(zip(*typed, strict=True)) if typed else []
        names = list(columns)
        if shape is not None and shape.seed_id is not None:
            names += METADATA_COLUMNS
            kinds += ["TIMESTAMP", "TEXT", "TEXT"]
            stamp = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
            rows = [(*row, stamp, shape.seed_id, shape.file) for row in rows]
        try:
            return self._write_rows(relation, names, kinds, rows)
        except sqlite3.Error as exc:
            raise SeedFileError(f"SQLite cannot store it: {exc}",
                                hint=f"fix {FILE} so that its values fit their columns"
                                ) from exc

    # -- the audit table -----------------------------------------------------------------------
    def record_builds(self, built: list[tuple[str, str, str, float]]) -> None:
        """Upsert ``_ff_meta`` rows (built_at in UTC, as ``TIMESTAMP``) in one transaction."""
        try:
            with self._transaction() as con:
                con.execute(
                    f"create table if not exists {AUDIT_TABLE} (node_name TEXT primary key, "
                    "relation TEXT, fingerprint TEXT, engine TEXT, built_at TIMESTAMP)")
                con.executemany(
                    f"insert or replace into {AUDIT_TABLE} values (?, ?, ?, ?, ?)",
                    [(node, rel, fp, self.name, _utc(at)) for node, rel, fp, at in built])
        except sqlite3.Error as exc:
            with self._lock:
                columns = [str(row[1]) for row in self._con.execute(
                    f"pragma table_info({AUDIT_TABLE})")]
            foreign = foreign_audit_table("main", columns)
            if foreign is not None:
                raise RuntimeError(foreign) from exc
            raise


# -- helpers --------------------------------------------------------------------------------------


def _run(con: sqlite3.Connection, statement: str) -> list[tuple[Any, ...]]:
    """Run ``statement``; its error remembers it (:meth:`SQLiteEngine.error_line`)."""
    try:
        return con.execute(statement).fetchall()
    except sqlite3.Error as exc:
        exc.fft_statement = statement  # type: ignore[attr-defined]
        raise


def _roll_back(con: sqlite3.Connection) -> None:
    """Roll back the open transaction; once more if an interrupt meant for the statement
    that failed lands on the rollback itself."""
    for _ in range(3):
        if not con.in_transaction:
            return
        with contextlib.suppress(sqlite3.OperationalError):
            con.execute("rollback")


def _private_name(kind: str) -> str:
    return f"_fft_{kind}_{os.getpid()}_{next(_new_names)}"


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None).isoformat(sep=" ")


def _frame_type(series: Any) -> str:
    """The declared type of a frame column, from its dtype (object columns from values)."""
    import pandas as pd

    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(dtype):
        return "BIGINT"
    if pd.api.types.is_float_dtype(dtype):
        return "DOUBLE"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "TIMESTAMP"
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        return "TEXT"
    return _value_type(list(series))


def _value_type(values: Sequence[Any]) -> str:
    """The declared type the (non-missing) Python values fit: '' when they are mixed."""
    kinds = {type(v) for v in values if _sql_value(v) is not None}
    if not kinds:
        return ""
    if kinds == {bool}:
        return "BOOLEAN"
    if kinds <= {int}:
        return "BIGINT"
    if kinds <= {int, float}:
        return "DOUBLE"
    if kinds == {str}:
        return "TEXT"
    if kinds == {date}:
        return "DATE"
    if all(issubclass(k, datetime) for k in kinds):
        return "TIMESTAMP"
    return ""


def _csv_columns(path: str) -> tuple[list[str], list[list[str | None]], list[int]]:
    """A seed CSV's header and its values by column ('' is None), after ``csv_layout``
    checked it; with the file's line of each row."""
    layout = csv_layout(path)
    text = Path(path).read_bytes().decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter,
                        quotechar='"', doublequote=True, strict=True)
    header = next(reader)
    rows: list[list[str]] = []
    lines: list[int] = []
    end = 1
    for row in reader:
        start, end = end + 1, reader.line_num
        if not row and len(header) > 1:
            continue
        rows.append(row)
        lines.append(start)
    values = [[row[i] if row[i] != "" else None for row in rows]
              for i in range(len(layout.columns))]
    return list(layout.columns), values, lines


def _parquet_columns(path: str) -> tuple[list[str], list[list[Any]]]:
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except Exception as exc:
        raise SeedFileError(
            f"it is not a Parquet file that can be read: {type(exc).__name__}: {exc}",
            hint=f"write {FILE} again as Parquet (pandas: frame.to_parquet(path)), or "
                 "replace it with a CSV") from exc
    return ([str(c) for c in frame.columns],
            [[_sql_value(v) for v in frame[c].astype(object)] for c in frame.columns])


def _typed_column(column: str, cells: list[Any], wanted: str | None,
                  lines: Sequence[int | None]) -> tuple[str, list[Any]]:
    """``(declared type, values)`` of one seed column: ``wanted`` (seeds/schema.yml) or the
    one type every value fits."""
    if wanted is not None:
        kind = _LOGICAL.get(wanted.lower(), wanted)
        return kind, [_cast(column, cell, kind, line) for cell, line in zip(cells, lines,
                                                                          strict=True)]
    texts = [c for c in cells if isinstance(c, str)]
    if len(texts) != len([c for c in cells if c is not None]):  # Parquet: typed already
        return _value_type(cells), cells
    for kind, fits in (("BIGINT", _INT.match), ("DOUBLE", _FLOAT.match),
                       ("BOOLEAN", lambda t: t.lower() in _BOOLS), ("DATE", _DATE.match),
                       ("TIMESTAMP", _TIMESTAMP.match)):
        if texts and all(fits(t) for t in texts):
            return kind, [_cast(column, c, kind, None) for c in cells]
    return "TEXT", cells


def _cast(column: str, cell: Any, kind: str, line: int | None) -> Any:
    """One seed value as a value of ``kind``; SeedFileError naming the line if it is not."""
    if cell is None or not isinstance(cell, str):
        return cell
    text = cell.strip()
    try:
        if kind == "BIGINT":
            return int(text)
        if kind in ("DOUBLE", "NUMERIC"):
            return float(text)
        if kind == "BOOLEAN":
            return int(_BOOLS[text.lower()] if text.lower() in _BOOLS else bool(int(text)))
        if kind == "DATE":
            return date.fromisoformat(text).isoformat()
        if kind == "TIMESTAMP":
            return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat(sep=" ")
    except ValueError:
        where = f"line {line}" if line is not None else "a line"
        raise SeedFileError(
            f"{where} has {cell!r} in column {column}, which is not a {kind.lower()}",
            line=line, hint=f"fix the value on {where} of {FILE}, or the type of {column} "
                            "in seeds/schema.yml") from None
    return cell


def _make_folder_of(path: str) -> None:
    folder = Path(path).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ProfileError(f"cannot use {path} as the SQLite database: its folder cannot be "
                           f"created ({exc.strerror or exc})",
                           hint="point the sqlite path of the profile (or FF_SQLITE_PATH) at a "
                                "file in a folder, e.g. .local/dev.sqlite") from exc

"""DuckDB, embedded. One database handle, one cursor per thread.

Atomicity: DuckDB runs each statement in its own transaction, so ``CREATE OR REPLACE
TABLE x AS SELECT ...`` either commits the new table or leaves the old one (a failing
SELECT, an interrupt or a killed process all roll back). Switching a relation between
table and view needs a DROP first; that pair runs in one explicit transaction.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pytest_fft.engines.capabilities import (
    AuditTable,
    FrameReader,
    InlineInputs,
    RowLoader,
    ThreadInterrupt,
)
from pytest_fft.engines.registry import engine_spec
from pytest_fft.engines.relations import ExistingRelations

SPEC = engine_spec("duckdb")
quote_ident = SPEC.quote  # one name part
quote_relation = SPEC.quote_relation

# DuckDB's error context (PostgreSQL's too): "LINE 3: select ..." of the statement sent.
_ERROR_LINE = re.compile(r"^LINE (\d+):", re.MULTILINE)

_frame_ids = itertools.count()
_scratch_ids = itertools.count(1)
_SCRATCH_LOCK = threading.Lock()
_SCRATCH_DB: Any = None


class DuckDBEngine:
    name = SPEC.name
    abbrev = SPEC.abbrev
    spec = SPEC
    capabilities: frozenset[Any] = frozenset({RowLoader, InlineInputs, FrameReader, AuditTable,
                                              ThreadInterrupt})

    def __init__(self, path: str = ":memory:", *, schema: str | None = None,
                 wait: float = 0.0, read_only: bool = False, _shared: Any = None) -> None:
        import duckdb

        self._duckdb = duckdb
        self.path = path
        self.schema = schema
        self._local = threading.local()
        self._cursors: list[Any] = []
        self._by_thread: dict[int, Any] = {}  # thread ident -> its cursor
        self._lock = threading.Lock()
        self._owns_database = _shared is None
        self._database: str | None = None  # current_database(), asked once (relation_key)
        self._schema_created = _shared is None
        if _shared is not None:
            # The scratch schema is created on first use: a unit case that runs as one query
            # over its inputs (select_with_inputs) never needs it.
            self._con = _shared.cursor()
            return
        if path != ":memory:" and not path.startswith("md:") and not read_only:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._con = self._connect(path, wait, read_only)
        if read_only:  # reads only: the schema must exist, and nothing is created
            if schema:
                self._con.execute(f"set schema = {_literal(schema)}")
            self._schema_created = True
        elif schema:
            self._con.execute(f"create schema if not exists {quote_ident(schema)}")
            self._con.execute(f"set schema = {_literal(schema)}")

    @classmethod
    def from_profile(cls, profile: Any, *, wait: float = 0.0,
                     read_only: bool = False) -> DuckDBEngine:
        """The engine of a duckdb profile (``profile.duckdb.path`` / ``db_schema``)."""
        return cls(profile.duckdb.path, schema=profile.duckdb.db_schema, wait=wait,
                   read_only=read_only)

    @staticmethod
    def warehouse_exists(profile: Any) -> bool:
        """Whether the profile's database file exists (an in-memory one never does)."""
        path = profile.duckdb.path
        return bool(path) and path != ":memory:" and Path(path).exists()

    def _connect(self, path: str, wait: float, read_only: bool = False) -> Any:
        """Open the database; another process holding it is an error at once, or, with
        ``wait`` seconds, something to wait for (DuckDB admits one writing process)."""
        import time

        deadline = time.monotonic() + wait
        while True:
            try:
                return self._duckdb.connect(path, read_only=read_only)
            except self._duckdb.IOException as exc:
                locked = "lock" in str(exc).lower()
                if locked and time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                from pytest_fft.errors import ProfileError

                raise ProfileError(
                    f"cannot open DuckDB database {path}: {exc}",
                    hint="another process is building into it; let it finish, or pass "
                         "--wait SECONDS (--fft-wait) to wait for it"
                    if locked else "check the duckdb path of the profile (or FF_DUCKDB_PATH)",
                ) from exc

    @classmethod
    def scratch(cls) -> DuckDBEngine:
        """An empty, private engine: a fresh schema in this process's shared in-memory
        database. Opening a new DuckDB costs ~15 ms; a schema costs well under one, which is
        what keeps a unit case in single-digit milliseconds. ``close()`` drops the schema."""
        with _SCRATCH_LOCK:
            global _SCRATCH_DB
            if _SCRATCH_DB is None:
                import duckdb

                _SCRATCH_DB = duckdb.connect(":memory:")
        return cls(":memory:", schema=f"fft_scratch_{os.getpid()}_{next(_scratch_ids)}",
                   _shared=_SCRATCH_DB)

    # -- connections -------------------------------------------------------------------
    def _cursor(self) -> Any:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            with self._lock:
                if not self._schema_created:
                    self._con.execute(f"create schema {quote_ident(self.schema or 'main')}")
                    self._con.execute(f"set schema = {_literal(self.schema or 'main')}")
                    self._schema_created = True
            cur = self._con.cursor()
            if self.schema:
                cur.execute(f"set schema = {_literal(self.schema)}")
            self._local.cursor = cur
            with self._lock:
                self._cursors.append(cur)
                self._by_thread[threading.get_ident()] = cur
        return cur

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self._cursor().execute(sql).fetchall()

    # -- names -------------------------------------------------------------------------
    def quote(self, relation: str) -> str:
        return quote_relation(relation)

    def relation_key(self, relation: str) -> str:
        """``schema.name`` folded to one case (DuckDB matches names without regard to case,
        quoted or not); an unqualified name is in the target schema, and a catalog
        qualifier naming the open database is dropped."""
        parts = relation.split(".")
        if len(parts) == 1:
            parts = [self.schema or "main", *parts]
        elif len(parts) == 3 and SPEC.name_key(parts[0]) == self._current_database():
            parts = parts[1:]
        return ".".join(SPEC.name_key(part) for part in parts)

    def _current_database(self) -> str:
        if self._database is None:
            self._database = SPEC.name_key(self.query("select current_database()")[0][0])
        return self._database

    def error_line(self, exc: BaseException) -> int | None:
        found = _ERROR_LINE.search(str(exc))
        return int(found.group(1)) if found else None

    # -- building ----------------------------------------------------------------------
    def create_relation(self, relation: str, select_sql: str, materialized: str) -> int | None:
        kind = "view" if materialized == "view" else "table"
        # One line with the SELECT's first: DuckDB's "LINE n" is then the SELECT's line n.
        statement = f"create or replace {kind} {quote_relation(relation)} as {select_sql}"
        return self._replace(relation, kind, statement)

    def write_frame(self, relation: str, frame: Any, materialized: str) -> int | None:
        cur = self._cursor()
        alias = f"__fft_frame_{next(_frame_ids)}"
        cur.register(alias, frame)  # a columnar scan of the frame, no row loop
        try:
            kind = "view" if materialized == "view" else "table"
            if kind == "view":  # a view over a transient frame would dangle; store a table
                kind = "table"
            return self._replace(
                relation, kind,
                f"create or replace table {quote_relation(relation)} as select * from {alias}",
            )
        finally:
            cur.unregister(alias)

    def _replace(self, relation: str, kind: str, statement: str) -> int | None:
        cur = self._cursor()
        try:
            rows = cur.execute(statement).fetchall()
        except self._duckdb.CatalogException as exc:
            if "is of type" not in str(exc):
                raise
            # The relation exists as the other kind (table <-> view): drop and create together.
            other = "table" if kind == "view" else "view"
            cur.execute("begin transaction")
            try:
                cur.execute(f"drop {other} if exists {quote_relation(relation)}")
                rows = cur.execute(statement).fetchall()
                cur.execute("commit")
            except BaseException:
                cur.execute("rollback")
                raise
        if kind == "table" and rows and rows[0] and isinstance(rows[0][0], int):
            return int(rows[0][0])
        return None

    def load_rows(self, relation: str, columns: tuple[str, ...],
                  rows: tuple[Mapping[str, Any], ...]) -> None:
        """A table from inline rows (unit-case inputs), through Arrow: about a third of the
        cost of building a pandas frame first. Raises ValueError when Arrow cannot type a
        column (mixed kinds); the caller then goes through pandas."""
        self.write_frame(relation, arrow_table(columns, rows), "table")

    def inline_rows(self, columns: tuple[str, ...],
                    rows: tuple[Mapping[str, Any], ...]) -> InlineRelation:
        """See :func:`inline_relation`."""
        return inline_relation(columns, rows)

    def select_with_inputs(self, sql: str, inputs: Mapping[str, Any],
                           ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The result of ``sql`` with ``inputs`` visible to it alone, by relation name: inline
        rows (an :class:`InlineRelation`, a common table expression) or frames (scanned where
        they are). Nothing is created, nothing is left behind, and inline rows need neither
        Arrow nor pandas. A unit case of a SQL model is this one query; a Python model's
        result is read back through it. Returns ``(column names, rows)``."""
        inline = {name: rel for name, rel in inputs.items() if isinstance(rel, InlineRelation)}
        ctes = ",\n".join(f"{quote_ident(name)} as ({rel.sql})" for name, rel in inline.items())
        query = f"with {ctes}\nselect * from (\n{sql}\n) as fft_case" if ctes else sql
        params = [value for rel in inline.values() for value in rel.params]
        cur = self._con.cursor()  # a connection of its own: registered names stay private
        try:
            for name, frame in inputs.items():
                if name not in inline:
                    cur.register(name, frame)
            cur.execute(query, params)
            names = [column[0] for column in cur.description]
            if not any("TIME ZONE" in str(column[1]) for column in cur.description):
                return names, cur.fetchall()
        finally:
            cur.close()
        # Python values of time-zone-aware columns need pytz; Arrow does not.
        table = self._arrow_of(query, params, {n: f for n, f in inputs.items() if n not in inline})
        return names, list(zip(*(column.to_pylist() for column in table.columns), strict=True))

    def frame_of(self, rows: InlineRelation) -> Any:
        """Inline rows as the frame a Python model would read had they been a table."""
        return self._arrow_of(rows.sql, list(rows.params), {}).to_pandas()

    def _arrow_of(self, query: str, params: list[Any], frames: Mapping[str, Any]) -> Any:
        cur = self._con.cursor()
        try:
            for name, frame in frames.items():
                cur.register(name, frame)
            return _arrow_table(cur.sql(query, params=params or None))
        finally:
            cur.close()

    def read_frame(self, relation: str) -> Any:
        # Through Arrow: about twice as fast as .df() on string columns, and columnar throughout.
        return _arrow_table(self._cursor().sql(f"select * from {quote_relation(relation)}")
                            ).to_pandas()

    def is_frame(self, value: Any) -> bool:
        import pandas as pd

        return isinstance(value, pd.DataFrame)

    def load_seed(self, relation: str, path: str, fmt: str) -> int | None:
        literal = _literal(path)
        reader = f"read_parquet({literal})" if fmt == "parquet" else f"read_csv_auto({literal})"
        return self._replace(
            relation, "table",
            f"create or replace table {quote_relation(relation)} as select * from {reader}",
        )

    def existing_relations(self) -> ExistingRelations:
        """Every table and view of the open database, in every schema, by key."""
        rows = self.query(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database()"
        )
        return ExistingRelations(
            frozenset(f"{SPEC.name_key(schema)}.{SPEC.name_key(table)}" for schema, table in rows),
            self.relation_key)

    def relation_columns(self) -> dict[str, list[tuple[str, str]]]:
        rows = self.query(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = current_schema() order by table_name, ordinal_position"
        )
        out: dict[str, list[tuple[str, str]]] = {}
        for table, column, kind in rows:
            out.setdefault(table, []).append((column, kind))
        return out

    def record_builds(self, built: list[tuple[str, str, str, float]]) -> None:
        """Upsert ``_ff_meta`` (node_name, relation, fingerprint, engine, built_at) rows, all
        in one transaction."""
        cur = self._cursor()
        cur.execute("begin transaction")
        try:
            cur.execute(
                "create table if not exists _ff_meta (node_name varchar primary key, "
                "relation varchar, fingerprint varchar, engine varchar, built_at timestamp)")
            # built_at in UTC as a plain TIMESTAMP (the spec's type; no time-zone library
            # needed to read it back from Python).
            # One statement over column lists: executemany costs about 2 ms a row.
            if built:
                cur.execute(
                    "insert or replace into _ff_meta select unnest($1), unnest($2), unnest($3), "
                    "'duckdb', make_timestamp(cast(unnest($4) * 1000000 as bigint))",
                    [list(column) for column in zip(*built, strict=True)])
            cur.execute("commit")
        except BaseException:
            cur.execute("rollback")
            raise

    def interrupt_thread(self, thread: int) -> None:
        with self._lock:
            cur = self._by_thread.get(thread)
        if cur is not None:
            with contextlib.suppress(Exception):  # closed meanwhile: nothing runs on it
                cur.interrupt()

    def interrupt(self) -> None:
        with self._lock:
            for cur in self._cursors:
                with contextlib.suppress(Exception):  # a closed cursor runs nothing to stop
                    cur.interrupt()

    def close(self) -> None:
        with self._lock:
            for cur in self._cursors:
                with contextlib.suppress(Exception):  # closed already: nothing to release
                    cur.close()
            self._cursors.clear()
            self._by_thread.clear()
        if not self._owns_database and self._schema_created:  # leave nothing behind
            assert self.schema is not None  # a scratch engine always has its own schema
            self._con.execute(f"drop schema if exists {quote_ident(self.schema)} cascade")
        self._con.close()


def _arrow_table(relation: Any) -> Any:
    """A DuckDB relation's rows as one Arrow table, on any supported DuckDB version."""
    fetch = getattr(relation, "to_arrow_table", None)  # duckdb >= 2
    if fetch is not None:
        return fetch()
    result = relation.arrow()
    return result.read_all() if hasattr(result, "read_all") else result  # 1.4: a reader


@dataclass(frozen=True)
class InlineRelation:
    """Inline rows as a SELECT with one parameter per cell (``?``), in row order."""

    sql: str
    params: tuple[Any, ...]


def inline_relation(columns: tuple[str, ...],
                    rows: tuple[Mapping[str, Any], ...]) -> InlineRelation:
    """Inline rows (a unit case's input) as a SELECT over ``VALUES``, each column cast to the
    one SQL type its values have, as Arrow would type them: whole numbers BIGINT, numbers
    with a fraction among them DOUBLE, text VARCHAR, booleans BOOLEAN, dates DATE, timestamps
    TIMESTAMP (TIMESTAMPTZ with a time zone). ValueError for anything else (mixed kinds, only
    NULLs, lists): the caller then takes the table path, where pandas' typing rules decide."""
    if not rows or not columns:
        raise ValueError("no rows")
    names = ", ".join(quote_ident(c) for c in columns)
    casts = ", ".join(f"cast({quote_ident(c)} as {_sql_type(c, [row.get(c) for row in rows])}) "
                      f"as {quote_ident(c)}" for c in columns)
    row_marks = "(" + ", ".join("?" * len(columns)) + ")"
    values = ", ".join([row_marks] * len(rows))
    params = tuple(row.get(c) for row in rows for c in columns)
    return InlineRelation(f"select {casts} from (values {values}) as t({names})", params)


_INT64 = range(-(2**63), 2**63)


def _sql_type(column: str, values: list[Any]) -> str:
    kinds = {type(v) for v in values if v is not None}
    if not kinds:
        raise ValueError(f"column {column} has only NULLs")
    if kinds == {bool}:
        return "BOOLEAN"
    if kinds == {str}:
        return "VARCHAR"
    if kinds <= {int, float}:
        if float in kinds:
            return "DOUBLE"
        if all(v is None or v in _INT64 for v in values):
            return "BIGINT"
    if kinds == {date}:
        return "DATE"
    if kinds == {datetime}:
        zoned = {v.tzinfo is not None for v in values if v is not None}
        if len(zoned) == 1:
            return "TIMESTAMPTZ" if zoned.pop() else "TIMESTAMP"
    raise ValueError(f"column {column} holds " + ", ".join(sorted(k.__name__ for k in kinds)))


def arrow_table(columns: tuple[str, ...], rows: tuple[Mapping[str, Any], ...]) -> Any:
    """Inline rows as an Arrow table typed from their values. ValueError when Arrow cannot
    type a column (mixed kinds, or only NULLs): pandas' typing rules decide those."""
    import pyarrow as pa

    try:
        table = pa.table({c: pa.array([row.get(c) for row in rows]) for c in columns})
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ValueError(str(exc)) from exc
    if any(pa.types.is_null(field.type) for field in table.schema):
        raise ValueError("a column has only NULLs")
    return table


def _literal(text: str) -> str:
    """A SQL string literal (``set schema`` takes one, not an identifier)."""
    return "'" + text.replace("'", "''") + "'"

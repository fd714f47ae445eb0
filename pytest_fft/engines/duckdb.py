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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pytest_fft.engines.base import Column
from pytest_fft.engines.capabilities import (
    AUDIT_COLUMNS_SQL,
    AUDIT_TABLE,
    AuditTable,
    CostEstimate,
    FrameReader,
    IncrementalTarget,
    InlineInputs,
    RowLoader,
    SelectFrame,
    SnapshotTarget,
    ThreadInterrupt,
    foreign_audit_table,
)
from pytest_fft.engines.query_stats import in_engine
from pytest_fft.engines.registry import engine_spec
from pytest_fft.engines.relations import ExistingRelations
from pytest_fft.engines.seed_files import (
    FILE,
    CsvLayout,
    SeedFileError,
    SeedShape,
    csv_layout,
    file_columns,
    shaped_select,
)
from pytest_fft.engines.sql_changes import SqlChanges

SPEC = engine_spec("duckdb")
quote_ident = SPEC.quote  # one name part
quote_relation = SPEC.quote_relation

# DuckDB's error context (PostgreSQL's too): "LINE 3: select ..." of the statement sent.
_ERROR_LINE = re.compile(r"^LINE (\d+):", re.MULTILINE)
# The CSV reader's: "CSV Error on Line: 7" is the file's line (1-based, the header is line 1).
_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")

_frame_ids = itertools.count()
_scratch_ids = itertools.count(1)
_SCRATCH_LOCK = threading.Lock()
_SCRATCH_DB: Any = None


class DuckDBEngine(SqlChanges):
    name = SPEC.name
    abbrev = SPEC.abbrev
    spec = SPEC
    quote_part = staticmethod(quote_ident)
    capabilities: frozenset[Any] = frozenset({RowLoader, InlineInputs, FrameReader, AuditTable,
                                              IncrementalTarget, SelectFrame, SnapshotTarget,
                                              ThreadInterrupt, CostEstimate})

    def __init__(self, path: str = ":memory:", *, schema: str | None = None,
                 catalog: str | None = None, wait: float = 0.0, read_only: bool = False,
                 _shared: Any = None) -> None:
        import duckdb

        self._duckdb = duckdb
        self.path = path
        self.persistent = path != ":memory:"
        self.schema = schema
        # The database's name in SQL: ``catalog`` attaches the file under that name;
        # without it, the file's own (its stem). None: a scratch engine (never qualified).
        self.catalog: str | None = catalog or None
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
        if _is_file(path) and not read_only:
            _make_folder_of(path)
        self._con = self._connect(path, wait, read_only)
        try:
            if self.catalog is None:
                self.catalog = str(self._con.execute("select current_database()").fetchone()[0])
            self._use_schema(schema, create=not read_only)
        except BaseException:
            self._con.close()
            raise

    def _use_schema(self, schema: str | None, *, create: bool) -> None:
        """Make ``schema`` the target of unqualified names (created first unless ``create``
        is false: a read-only engine only reads, so the schema must exist). Both statements
        name the catalog too: a schema named like the database (``analytics.duckdb`` with
        ``db_schema: analytics``) is otherwise an "Ambiguous reference to catalog or schema"
        once it exists."""
        if not schema:
            self._use(self._con)
            return
        try:
            if create:
                self._con.execute(f"create schema if not exists {self._qualified_schema()}")
            self._use(self._con)
        except self._duckdb.Error as exc:
            from pytest_fft.errors import ProfileError

            raise ProfileError(
                f"cannot use schema {schema!r} in DuckDB database {self.path}: "
                f"{_first_paragraph(exc)}",
                hint="build it first (fft run), or fix db_schema of the profile (or "
                     "FF_DUCKDB_SCHEMA)" if not create else
                     "fix db_schema of the profile (or FF_DUCKDB_SCHEMA)",
            ) from exc

    @classmethod
    def from_profile(cls, profile: Any, *, wait: float = 0.0,
                     read_only: bool = False) -> DuckDBEngine:
        """The engine of a duckdb profile (``profile.duckdb.path`` / ``db_schema`` /
        ``catalog``)."""
        path, schema = profile.duckdb.path, profile.duckdb.db_schema
        catalog = getattr(profile.duckdb, "catalog", None) or _catalog_beside(path, schema)
        return cls(path, schema=schema, catalog=catalog, wait=wait, read_only=read_only)

    def _qualified_schema(self) -> str:
        """The target schema, quoted, with its catalog: ``"analytics"."analytics"``."""
        schema = quote_ident(self.schema or "main")
        return f"{quote_ident(self.catalog)}.{schema}" if self.catalog else schema

    def _use(self, cur: Any) -> None:
        """Point ``cur``'s unqualified names at the catalog and schema (each cursor has its
        own; a new one starts in the host database's ``main``)."""
        if self.catalog is not None:
            cur.execute(f"use {self._qualified_schema()}")
        elif self.schema:
            _set_schema(cur, self.schema)

    def _full_name(self, relation: str) -> str:
        """``relation`` quoted in full, ``"catalog"."schema"."name"``: an unqualified name is
        in the target schema, ``schema.name`` in the catalog. Every statement of the engine
        names its relations so, which no schema named like the database can make ambiguous."""
        parts = relation.split(".")
        if len(parts) == 1:
            return f"{self._qualified_schema()}.{quote_ident(parts[0])}"
        if len(parts) == 2 and self.catalog is not None:
            parts = [self.catalog, *parts]
        return ".".join(quote_ident(part) for part in parts)

    @staticmethod
    def warehouse_exists(profile: Any) -> bool:
        """Whether the profile's database file exists (an in-memory one never does)."""
        path = profile.duckdb.path
        return bool(path) and path != ":memory:" and Path(path).exists()

    def _connect(self, path: str, wait: float, read_only: bool = False) -> Any:
        """Open the database; another process holding it is an error at once, or, with
        ``wait`` seconds, something to wait for (DuckDB admits one writing process). A file
        that is not a DuckDB database is a ProfileError: DuckDB opens a CSV or Parquet file
        as a database that lives in memory, so whatever a run built there would be lost."""
        import time

        from pytest_fft.errors import ProfileError

        deadline = time.monotonic() + wait
        said = False
        while True:
            try:
                con = self._open(path, read_only)
                break
            except self._duckdb.Error as exc:
                locked = isinstance(exc, self._duckdb.IOException) and "lock" in str(exc).lower()
                if locked and time.monotonic() < deadline:
                    if not said:  # a wait is never silent: say for whom, and how long
                        _say_waiting(path, str(exc), deadline - time.monotonic())
                        said = True
                    time.sleep(0.2)
                    continue
                if not locked and _is_file(path) and _not_a_database(exc):
                    raise _not_a_database_error(path) from exc
                as_catalog = f" as catalog {self.catalog!r}" if self.catalog else ""
                raise ProfileError(
                    f"cannot open DuckDB database {path}{as_catalog}: {exc}",
                    hint="another process is building into it; let it finish, or pass "
                         "--wait SECONDS (--fft-wait) to wait for it"
                    if locked else "check the duckdb path of the profile (or FF_DUCKDB_PATH)"
                    + (" and its catalog (or FF_DUCKDB_CATALOG)" if self.catalog else ""),
                ) from exc
        if _is_file(path) and _stored_nowhere(con, self.catalog):
            con.close()
            raise _not_a_database_error(path)
        return con

    def _open(self, path: str, read_only: bool) -> Any:
        """A connection to ``path``; with a catalog, an in-memory host that attaches the
        database under the catalog's name (how DuckDB gives a database another name)."""
        if self.catalog is None:
            return self._duckdb.connect(path, read_only=read_only)
        con = self._duckdb.connect(":memory:")
        try:
            mode = " (read_only)" if read_only else ""
            con.execute(f"attach ? as {quote_ident(self.catalog)}{mode}", [path])
        except BaseException:
            con.close()
            raise
        return con

    @classmethod
    def scratch(cls, profile: Any = None) -> DuckDBEngine:
        """An empty, private engine: a fresh schema in this process's shared in-memory
        database. Opening a new DuckDB costs ~15 ms; a schema costs well under one, which is
        what keeps a unit case in single-digit milliseconds. ``close()`` drops the schema."""
        return cls(":memory:", schema=f"fft_scratch_{os.getpid()}_{next(_scratch_ids)}",
                   _shared=_scratch_database())

    # -- connections -------------------------------------------------------------------
    def _cursor(self) -> Any:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            with self._lock:
                if not self._schema_created:
                    self._con.execute(f"create schema {quote_ident(self.schema or 'main')}")
                    _set_schema(self._con, self.schema or "main")
                    self._schema_created = True
            cur = self._con.cursor()
            self._use(cur)
            self._local.cursor = cur
            with self._lock:
                self._cursors.append(cur)
                self._by_thread[threading.get_ident()] = cur
        return cur

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        cur = self._cursor()
        with in_engine():
            return cur.execute(sql).fetchall()

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

    def estimate_bytes(self, select_sql: str) -> int | None:
        """What ``select_sql`` would scan, from ``EXPLAIN (FORMAT JSON)``: for every scan of
        the plan, the rows it reads (the table's row count when the plan names a table,
        else the scan's estimated cardinality) times the width of the columns it projects
        (fixed-size types by their size, text and nested types 16 bytes, DuckDB's inline
        string). Best effort; None when DuckDB cannot plan the query."""
        import json

        from pytest_fft.engines.cost import plan_nodes

        cur = self._cursor()
        try:
            plan = json.loads(cur.execute(f"explain (format json) {select_sql}").fetchall()[0][1])
        except (self._duckdb.Error, ValueError, IndexError, TypeError):
            return None
        total, found = 0, False
        for node in plan_nodes(plan):
            info = node.get("extra_info")
            if "SCAN" not in str(node.get("name", "")).upper() or not isinstance(info, dict):
                continue
            rows = _number(info.get("Estimated Cardinality"))
            projected = info.get("Projections") or []
            projected = [projected] if isinstance(projected, str) else list(projected)
            widths = self._column_widths(cur, str(info.get("Table") or ""))
            if widths is not None:
                rows = max(rows or 0, widths[0])
                width = sum(widths[1].get(c.casefold(), 16) for c in projected) or 8
            else:
                width = 8 * max(len(projected), 1)
            if rows is not None:
                total += int(rows) * width
                found = True
        return total if found else None

    def _column_widths(self, cur: Any, table: str) -> tuple[int, dict[str, int]] | None:
        """``(rows, {column: bytes})`` of a ``catalog.schema.table`` a plan scans."""
        parts = table.split(".")
        if len(parts) != 3:
            return None
        try:
            found = cur.execute(
                "select estimated_size from duckdb_tables() where database_name = ? and "
                "schema_name = ? and table_name = ?", parts).fetchone()
            columns = cur.execute(
                "select column_name, data_type from duckdb_columns() where database_name = ? "
                "and schema_name = ? and table_name = ?", parts).fetchall()
        except self._duckdb.Error:
            return None
        if found is None:
            return None
        return int(found[0] or 0), {str(n).casefold(): _type_width(str(t)) for n, t in columns}

    def error_line(self, exc: BaseException) -> int | None:
        found = _ERROR_LINE.search(str(exc))
        return int(found.group(1)) if found else None

    def _refuse_audit_table(self, relation: str) -> None:
        """No node may build the audit table: it would replace the rows of every run (and
        the next audit write would fail on the node's columns)."""
        if self.relation_key(relation) == self.relation_key(AUDIT_TABLE):
            raise ValueError(f"{relation} is the audit table pytest-fft keeps in this schema; "
                             "no model may build it: rename the model")

    # -- building ----------------------------------------------------------------------
    def create_relation(self, relation: str, select_sql: str, materialized: str) -> int | None:
        self._refuse_audit_table(relation)
        kind = "view" if materialized == "view" else "table"
        # One line with the SELECT's first: DuckDB's "LINE n" is then the SELECT's line n.
        statement = f"create or replace {kind} {self._full_name(relation)} as {select_sql}"
        return self._replace(relation, kind, statement)

    def write_frame(self, relation: str, frame: Any, materialized: str) -> int | None:
        self._refuse_audit_table(relation)
        cur = self._cursor()
        alias = f"__fft_frame_{next(_frame_ids)}"
        cur.register(alias, frame)  # a columnar scan of the frame, no row loop
        try:
            kind = "view" if materialized == "view" else "table"
            if kind == "view":  # a view over a transient frame would dangle; store a table
                kind = "table"
            return self._replace(
                relation, kind,
                f"create or replace table {self._full_name(relation)} as select * from {alias}",
            )
        finally:
            cur.unregister(alias)

    def _replace(self, relation: str, kind: str, statement: str, params: list[Any] | None = None,
                 check: Callable[[Any, list[tuple[Any, ...]]], None] | None = None,
                 ) -> int | None:
        """Run ``statement`` (a CREATE OR REPLACE of ``relation``) atomically. ``check``
        (given the cursor and the statement's rows) may refuse the result by raising: the
        statement then runs in a transaction that the refusal rolls back."""
        cur = self._cursor()
        with in_engine():
            try:
                rows = self._replace_once(cur, statement, params, check)
            except self._duckdb.CatalogException as exc:
                if "is of type" not in str(exc):
                    raise
                # The relation exists as the other kind (table <-> view): drop and create
                # together.
                other = "table" if kind == "view" else "view"
                rows = self._replace_once(
                    cur, statement, params, check,
                    drop=f"drop {other} if exists {self._full_name(relation)}")
        if kind == "table" and rows and rows[0] and isinstance(rows[0][0], int):
            return int(rows[0][0])
        return None

    @staticmethod
    def _replace_once(cur: Any, statement: str, params: list[Any] | None,
                      check: Callable[[Any, list[tuple[Any, ...]]], None] | None,
                      drop: str | None = None) -> list[tuple[Any, ...]]:
        if drop is None and check is None:  # one statement is one transaction
            rows: list[tuple[Any, ...]] = cur.execute(statement, params).fetchall()
            return rows
        cur.execute("begin transaction")
        try:
            if drop is not None:
                cur.execute(drop)
            rows = cur.execute(statement, params).fetchall()
            if check is not None:
                check(cur, rows)
            cur.execute("commit")
        except BaseException:
            cur.execute("rollback")
            raise
        return rows

    # -- incremental models -------------------------------------------------------------
    def relation_exists(self, relation: str) -> bool:
        return relation in self.existing_relations()

    @contextlib.contextmanager
    def sql_transaction(self) -> Iterator[_DuckDBDelta]:
        cur = self._cursor()
        with in_engine():
            cur.execute("begin transaction")
        try:
            yield _DuckDBDelta(cur)
            with in_engine():
                cur.execute("commit")
        except BaseException:
            cur.execute("rollback")
            raise

    def qualified(self, name: str, beside: str | None = None) -> str:
        """``name`` in full; a staging name goes into the schema of ``beside``."""
        if beside is not None and "." in beside:
            name = f"{beside.rpartition('.')[0]}.{name}"
        return self._full_name(name)

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
        return self.select_frame(f"select * from {self._full_name(relation)}")

    def select_frame(self, sql: str) -> Any:
        cur = self._cursor()
        with in_engine():  # the query; making the pandas frame is the model's time
            table = _arrow_table(cur.sql(sql))
        return table.to_pandas()

    def is_frame(self, value: Any) -> bool:
        import pandas as pd

        return isinstance(value, pd.DataFrame)

    def load_seed(self, relation: str, path: str, fmt: str,
                  shape: SeedShape | None = None) -> int | None:
        """A seed as table ``relation``, strictly: a CSV is checked first
        (:func:`~pytest_fft.engines.seed_files.csv_layout`), read with the dialect that check
        found (header on line 1, column types inferred from every row), and the table must
        have the header's columns and the file's rows, or it is rolled back. Any failure is a
        :class:`SeedFileError`, and the previous table stays as it was. ``shape``: the column
        types of seeds/schema.yml and FastFlowTransform's metadata columns. A schema-qualified
        ``relation`` (seeds/schema.yml) creates its schema when missing."""
        if self.relation_key(relation) == self.relation_key(AUDIT_TABLE):
            raise SeedFileError(
                f"{relation} is the audit table pytest-fft keeps in this schema; no seed may "
                "replace it", hint=f"rename {FILE}: its file name is the name of its table")
        if fmt == "parquet":
            reader, params, check = "read_parquet(?)", [path], None
            select = shaped_select(reader, shape)
        else:
            layout = csv_layout(path)
            reader, params = f"read_csv(?, {_CSV_OPTIONS})", [path, layout.delimiter]
            check = _matches(layout, self._full_name(relation), shape)
            select = shaped_select(reader, shape, layout.columns)
        if "." in relation:
            schema = self._full_name(relation).rpartition(".")[0]
            self._cursor().execute(f"create schema if not exists {schema}")
        statement = f"create or replace table {self._full_name(relation)} as {select}"
        try:
            return self._replace(relation, "table", statement, params, check)
        except self._duckdb.Error as exc:
            raise _seed_error(exc, fmt) from exc

    def existing_relations(self) -> ExistingRelations:
        """Every table and view of the open database, in every schema, by key."""
        rows = self.query(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database()"
        )
        return ExistingRelations(
            frozenset(f"{SPEC.name_key(schema)}.{SPEC.name_key(table)}" for schema, table in rows),
            self.relation_key)

    def relation_columns(self) -> dict[str, list[Column]]:
        rows = self.query(
            "select table_name, column_name, data_type, is_nullable = 'YES' "
            "from information_schema.columns "
            "where table_schema = current_schema() order by table_name, ordinal_position"
        )
        out: dict[str, list[Column]] = {}
        for table, column, kind, nullable in rows:
            out.setdefault(table, []).append(Column(column, kind, bool(nullable)))
        return out

    def record_builds(self, built: list[tuple[str, str, str, float]]) -> None:
        """Upsert ``_ff_meta`` (node_name, relation, fingerprint, engine, built_at) rows, all
        in one transaction, on a cursor of their own: an interrupt sent to a build's
        statement (a timeout, a stop) that found it finished must not land on them."""
        with self._lock:
            cur = self._con.cursor()
        self._use(cur)
        try:
            self._write_audit_rows(cur, built)
        finally:
            cur.close()

    def _write_audit_rows(self, cur: Any, built: list[tuple[str, str, str, float]]) -> None:
        cur.execute("begin transaction")
        try:
            cur.execute(
                f"create table if not exists {AUDIT_TABLE} (node_name varchar primary key, "
                "relation varchar, fingerprint varchar, engine varchar, built_at timestamp)")
            # built_at in UTC as a plain TIMESTAMP (the spec's type; no time-zone library
            # needed to read it back from Python).
            # One statement over column lists: executemany costs about 2 ms a row.
            if built:
                cur.execute(
                    f"insert or replace into {AUDIT_TABLE} select unnest($1), unnest($2), "
                    "unnest($3), 'duckdb', make_timestamp(cast(unnest($4) * 1000000 as bigint))",
                    [list(column) for column in zip(*built, strict=True)])
            cur.execute("commit")
        except BaseException as exc:
            cur.execute("rollback")
            foreign = self._foreign_audit_table(cur)
            if foreign is not None:
                raise RuntimeError(foreign) from exc
            raise

    def _foreign_audit_table(self, cur: Any) -> str | None:
        """Why ``_ff_meta`` cannot take the audit rows (see :func:`foreign_audit_table`)."""
        try:
            columns = [row[0] for row in cur.execute(
                AUDIT_COLUMNS_SQL.format(mark="?"), [AUDIT_TABLE]).fetchall()]
        except self._duckdb.Error:
            return None
        return foreign_audit_table(self.schema or 'main', columns)

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


class _DuckDBDelta:
    """A DuckDB cursor as :class:`~pytest_fft.engines.incremental_sql.DeltaSession`."""

    def __init__(self, cur: Any) -> None:
        self._cur = cur

    def run(self, sql: str) -> int:
        with in_engine():
            result = self._cur.execute(sql)
            rows = result.fetchall() if result.description else []
        return int(rows[0][0]) if rows and rows[0] and isinstance(rows[0][0], int) else -1

    def scalar(self, sql: str) -> int:
        with in_engine():
            return int(self._cur.execute(sql).fetchone()[0])

    def analyze(self, full_name: str) -> None:
        pass  # DuckDB keeps a table's statistics as it writes it

    def columns(self, full_name: str) -> list[tuple[str, str]]:
        with in_engine():
            found = self._cur.execute(f"describe {full_name}").fetchall()
        return [(str(row[0]), str(row[1])) for row in found]


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


def inline_relation(columns: tuple[str, ...], rows: tuple[Mapping[str, Any], ...], *,
                    mark: str = "?", type_names: Mapping[str, str] | None = None,
                    quote: Callable[[str], str] = quote_ident) -> InlineRelation:
    """Inline rows (a unit case's input) as a SELECT over ``VALUES``, each column cast to the
    one SQL type its values have, as Arrow would type them: whole numbers BIGINT, numbers
    with a fraction among them DOUBLE, text VARCHAR, booleans BOOLEAN, dates DATE, timestamps
    TIMESTAMP (TIMESTAMPTZ with a time zone). ValueError for anything else (mixed kinds, only
    NULLs, lists): the caller then takes the table path, where pandas' typing rules decide.

    Another engine passes its parameter ``mark`` (``%s``), its names of those types where
    they differ (``{"DOUBLE": "double precision"}``) and its quoting."""
    if not rows or not columns:
        raise ValueError("no rows")
    renamed = type_names or {}
    names = ", ".join(quote(c) for c in columns)
    casts = ", ".join(
        f"cast({quote(c)} as {renamed.get(kind, kind)}) as {quote(c)}"
        for c, kind in ((c, _sql_type(c, [row.get(c) for row in rows])) for c in columns))
    row_marks = "(" + ", ".join([mark] * len(columns)) + ")"
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


_WIDTHS = {"BOOLEAN": 1, "TINYINT": 1, "UTINYINT": 1, "SMALLINT": 2, "USMALLINT": 2,
           "INTEGER": 4, "UINTEGER": 4, "FLOAT": 4, "DATE": 4, "BIGINT": 8, "UBIGINT": 8,
           "DOUBLE": 8, "TIME": 8, "TIMESTAMP": 8, "TIMESTAMP WITH TIME ZONE": 8,
           "HUGEINT": 16, "UHUGEINT": 16, "UUID": 16, "INTERVAL": 16}


def _type_width(kind: str) -> int:
    """Bytes a value of DuckDB type ``kind`` takes in a scan (text and nested: 16)."""
    kind = kind.upper()
    if kind.startswith("DECIMAL"):
        return 8
    return _WIDTHS.get(kind, 16)


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _set_schema(cur: Any, schema: str) -> None:
    """``set schema``, which takes a (possibly qualified) name as a string: the schema goes
    quoted, so a dot or a quote in it is part of the name, and as a parameter."""
    cur.execute("set schema = ?", [quote_ident(schema)])


def _is_file(path: str) -> bool:
    """Whether ``path`` names a database file (not ``:memory:`` or a MotherDuck ``md:``)."""
    return not path.startswith((":memory:", "md:"))


def _make_folder_of(path: str) -> None:
    """Create the folder of the database file; a ProfileError when a file is in the way."""
    folder = Path(path).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from pytest_fft.errors import ProfileError

        blocker = next((p for p in (folder, *folder.parents) if p.is_file()), None)
        reason = (f"{blocker} is a file, not a folder" if blocker is not None
                  else f"its folder cannot be created: {exc.strerror or exc}")
        raise ProfileError(
            f"cannot use {path} as the DuckDB database: {reason}",
            hint="point the duckdb path of the profile (or FF_DUCKDB_PATH) at a file in a "
                 "folder, e.g. .local/dev.duckdb",
        ) from exc


def _not_a_database(exc: BaseException) -> bool:
    text = str(exc)
    return "not a valid DuckDB database" in text or "in-memory database in read-only" in text


def _catalog_beside(path: str, schema: str | None) -> str | None:
    """A catalog name for a database file named like its schema (``dq_demo.duckdb`` with
    ``FF_DUCKDB_SCHEMA=dq_demo``, common in FastFlowTransform projects): DuckDB names the
    database after the file, and a model's ``dq_demo.orders`` would then be an "Ambiguous
    reference to catalog or schema". The file is attached as ``<name>_db`` instead; None
    when the names differ (the file keeps its own)."""
    if not schema or not _is_file(path):
        return None
    stem = Path(path).stem
    return f"{stem}_db" if stem.casefold() == schema.casefold() else None


def _stored_nowhere(con: Any, catalog: str | None = None) -> bool:
    """Whether the open database (``catalog``, or the current one) keeps nothing on disk:
    DuckDB opened a data file (CSV, Parquet, ...) as a database in memory."""
    row = con.execute("select path from duckdb_databases() where database_name = "
                      "coalesce(?, current_database())", [catalog]).fetchone()
    return row is not None and row[0] is None


def _not_a_database_error(path: str) -> Exception:
    from pytest_fft.errors import ProfileError

    return ProfileError(
        f"{path} is not a DuckDB database file",
        hint="point the duckdb path of the profile (or FF_DUCKDB_PATH) at a DuckDB file "
             "(e.g. .local/dev.duckdb; it is created when missing), not at a data file",
    )


# A seed CSV read as csv_layout checked it: header on line 1, the delimiter it found (the
# second parameter), RFC 4180 quoting, nothing skipped, padded, ignored or taken for a
# comment; types inferred from every row (sample_size -1), so no later row can contradict them.
_CSV_OPTIONS = ("header = true, delim = ?, quote = '\"', escape = '\"', skip = 0, "
                "comment = '', strict_mode = true, null_padding = false, "
                "ignore_errors = false, sample_size = -1")


def _matches(layout: CsvLayout, full_name: str, shape: SeedShape | None = None,
             ) -> Callable[[Any, list[tuple[Any, ...]]], None]:
    """A check that the loaded table (``full_name``, quoted) has the layout's columns (and
    the shape's metadata columns after them) and rows."""

    def check(cur: Any, rows: list[tuple[Any, ...]]) -> None:
        loaded = rows[0][0] if rows and rows[0] else 0
        description = cur.execute(f"select * from {full_name} limit 0").description
        _check_layout(layout, file_columns([str(column[0]) for column in description], shape),
                      loaded)

    return check


def _check_layout(layout: CsvLayout, columns: list[str], loaded: int) -> None:
    """SeedFileError unless DuckDB read the header's columns and the file's rows (DuckDB
    trims spaces around header names, so names compare trimmed)."""
    read = tuple(name.strip() for name in columns)
    if read != tuple(name.strip() for name in layout.columns):
        raise SeedFileError(
            f"DuckDB read the columns {', '.join(read)}, but the header names "
            f"{', '.join(layout.columns)}", line=1,
            hint=f"rename the columns on line 1 of {FILE} to plain names (letters, digits, _)")
    if loaded != layout.rows:
        raise SeedFileError(
            f"DuckDB read {loaded} rows, but the file has {layout.rows} under its header",
            hint=f"look for quotes in {FILE} that do not pair up, or line breaks inside values")


def read_seed(path: str, fmt: str, shape: SeedShape | None = None) -> Any:
    """A seed file as an Arrow table, read and checked as :meth:`DuckDBEngine.load_seed`
    reads it (the same types inferred from every row, the same casts and metadata columns,
    the same errors): how the other engines load seeds, so a seed has one meaning on every
    engine."""
    import duckdb

    cur = _scratch_database().cursor()
    try:
        if fmt == "parquet":
            return _arrow_table(cur.sql(shaped_select("read_parquet(?)", shape),
                                        params=[path]))
        layout = csv_layout(path)
        table = _arrow_table(cur.sql(
            shaped_select(f"read_csv(?, {_CSV_OPTIONS})", shape, layout.columns),
            params=[path, layout.delimiter]))
        _check_layout(layout, file_columns(table.column_names, shape), table.num_rows)
        return table
    except duckdb.Error as exc:
        raise _seed_error(exc, fmt) from exc
    finally:
        cur.close()


def _scratch_database() -> Any:
    """This process's shared in-memory DuckDB (scratch engines' schemas live there)."""
    global _SCRATCH_DB
    with _SCRATCH_LOCK:
        if _SCRATCH_DB is None:
            import duckdb

            _SCRATCH_DB = duckdb.connect(":memory:")
        return _SCRATCH_DB


def _seed_error(exc: BaseException, fmt: str) -> SeedFileError:
    """A DuckDB error of a seed load as what to change in the file."""
    found = _CSV_LINE.search(str(exc))
    line = int(found.group(1)) if found else None
    if fmt == "parquet":
        hint = (f"write {FILE} again as Parquet (pandas: frame.to_parquet(path)), or "
                "replace it with a CSV")
    elif line is not None:
        hint = f"fix line {line} of {FILE}"
    else:
        hint = f"fix {FILE} so that DuckDB can read it"
    return SeedFileError(f"DuckDB cannot read it: {_first_paragraph(exc)}", line=line, hint=hint)


def _first_paragraph(exc: BaseException) -> str:
    """A DuckDB message without its context (the statement's ``LINE 1: ...``, the reader's
    "Possible solutions", which name options a seed cannot set)."""
    return str(exc).strip().split("\n\n", 1)[0].strip()


_HOLDER = re.compile(r"\(PID (\d+)\)")


def _say_waiting(path: str, error: str, seconds: float) -> None:
    """One line on stderr while ``--wait`` waits for the process that holds ``path``."""
    import sys

    holder = _HOLDER.search(error)
    who = f"process {holder.group(1)}" if holder else "another process"
    print(f"waiting up to {seconds:.0f}s for {path}: {who} holds it (building into it?)",
          file=sys.stderr, flush=True)

"""PostgreSQL through psycopg 3. One connection per thread, each in autocommit mode; every
build is one explicit transaction.

Atomic replace: a relation is rebuilt as a new relation under a private name, then, in the
same transaction, the old one is dropped and the new one renamed into place. A failing or
interrupted SELECT, or a killed process, rolls all of it back: readers see the old relation
until the commit.

A relation that was missing when the engine last listed the relations
(:meth:`PostgresEngine.existing_relations`, which a run asks once before it builds) and that
this engine has not built since is created directly: one ``create table ... as`` in
autocommit mode (a frame: ``create table`` and ``COPY`` in one transaction), without the
transaction around it and the query for dependent views. That statement is atomic on its
own: if it fails, nothing is left. If something else created the relation in the meantime,
PostgreSQL refuses the statement before it runs the SELECT, and the build takes the usual
path (replace, views kept): the list only says where to try first.

Views bind to the tables they read (by identity, not by name), so dropping a table drops its
views. Rebuilding a relation therefore re-creates, in the same transaction, every view that
depends on it (also views of views, and views pytest-fft did not build) from its stored
definition: the views stay, and they read the new rows. A view whose definition no longer
fits the new relation (it reads a column that is gone) is dropped, with a warning: it is
built again when its model runs, and a dropped relation is never taken as cached.

Frames and seeds travel as Arrow tables through ``COPY ... FROM STDIN`` (see
:mod:`pytest_fft.engines.arrow_io`); seeds are read by DuckDB's CSV reader first
(:func:`pytest_fft.engines.duckdb.read_seed`), so a seed has the same columns, types and
errors on both engines.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from pytest_fft.engines import arrow_io
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
from pytest_fft.engines.cost import plan_bytes
from pytest_fft.engines.query_stats import in_engine
from pytest_fft.engines.registry import engine_spec
from pytest_fft.engines.relations import ExistingRelations
from pytest_fft.engines.seed_files import FILE, SeedFileError, SeedShape
from pytest_fft.engines.sql_changes import SqlChanges
from pytest_fft.redact import redact, remember

SPEC = engine_spec("postgres")
quote_ident = SPEC.quote
quote_relation = SPEC.quote_relation

_KINDS = ("r", "v", "m", "p", "f")  # table, view, materialized view, partitioned, foreign
_DRIVER_SCHEME = re.compile(r"^postgres(?:ql)?\+\w+://")
_new_names = itertools.count(1)
_scratch_ids = itertools.count(1)

# The relation's kind, and every view that depends on it (views of views too), in the order
# they can be created again. The class filters let PostgreSQL use pg_depend's index on
# (refclassid, refobjid) instead of scanning the table: a tenth of the time per build.
_DEPENDENTS_SQL = """
with recursive target as (
    select c.oid, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = %(schema)s and c.relname = %(name)s
), deps(oid, depth) as (
    select r.ev_class, 1 from pg_depend d join pg_rewrite r on r.oid = d.objid
    where d.refobjid = (select oid from target) and r.ev_class <> d.refobjid
      and d.classid = 'pg_rewrite'::regclass and d.refclassid = 'pg_class'::regclass
    union
    select r.ev_class, deps.depth + 1 from deps
    join pg_depend d on d.refobjid = deps.oid join pg_rewrite r on r.oid = d.objid
    where r.ev_class <> d.refobjid and deps.depth < 50
      and d.classid = 'pg_rewrite'::regclass and d.refclassid = 'pg_class'::regclass
)
select (select relkind from target), n.nspname, c.relname, c.relkind,
       pg_get_viewdef(c.oid), max(deps.depth) as depth
from deps join pg_class c on c.oid = deps.oid join pg_namespace n on n.oid = c.relnamespace
group by n.nspname, c.relname, c.relkind, c.oid
union all
select (select relkind from target), null, null, null, null, 0
order by depth
"""


def conninfo(dsn: str) -> str:
    """A DSN as libpq reads it: SQLAlchemy's ``postgresql+psycopg://`` spelling (what
    FastFlowTransform profiles carry) is accepted as ``postgresql://``."""
    return _DRIVER_SCHEME.sub("postgresql://", dsn.strip(), count=1)


def describe_dsn(dsn: str) -> str:
    """``user@host:port/db`` of a DSN, for messages (never its password)."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(conninfo(dsn))
    except Exception:  # a DSN libpq cannot read: show it masked
        return redact(dsn)
    host = parts.get("host") or "localhost"
    port = parts.get("port") or "5432"
    who = f"{parts['user']}@" if parts.get("user") else ""
    return f"{who}{host}:{port}/{parts.get('dbname') or parts.get('user') or ''}"


class PostgresEngine(SqlChanges):
    name = SPEC.name
    abbrev = SPEC.abbrev
    spec = SPEC
    quote_part = staticmethod(quote_ident)
    capabilities: frozenset[Any] = frozenset({RowLoader, InlineInputs, FrameReader, AuditTable,
                                              IncrementalTarget, SelectFrame, SnapshotTarget,
                                              ThreadInterrupt, CostEstimate})
    persistent = True

    def __init__(self, dsn: str, *, schema: str = "public", read_only: bool = False,
                 scratch: bool = False) -> None:
        import psycopg

        self._psycopg = psycopg
        remember(dsn)  # a DSN holds a password: no message may show it
        self.dsn = dsn
        self.schema = schema
        self._conninfo = conninfo(dsn)
        self._local = threading.local()
        self._connections: list[Any] = []
        self._by_thread: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._scratch = scratch
        self._schema_ready = read_only  # a reader only reads: the schema must exist
        self._database: str | None = None
        # The keys of the relations there when the engine last listed them, and of those it
        # built since; None until it lists them. A key outside it is created directly.
        self._present: set[str] | None = None
        first = self._connection()
        if not scratch and not read_only:
            self._ensure_schema(first)
        elif read_only and not self._schema_exists(first):
            from pytest_fft.errors import ProfileError

            raise ProfileError(f"schema {schema!r} does not exist on {describe_dsn(dsn)}",
                               hint="build it first (fft run), or fix db_schema of the "
                                    "profile (or FF_PG_SCHEMA)")

    @classmethod
    def from_profile(cls, profile: Any, *, wait: float = 0.0,
                     read_only: bool = False) -> PostgresEngine:
        """The engine of a postgres profile (``postgres.dsn`` / ``postgres.db_schema``)."""
        settings = profile.postgres
        return cls(settings.dsn, schema=settings.db_schema or "public", read_only=read_only)

    @classmethod
    def scratch(cls, profile: Any = None) -> PostgresEngine:
        """A private, empty schema on the profile's server for one unit case; ``close()``
        drops it. The schema is created when something is first written to it: a case that
        runs as one query over inline inputs creates nothing."""
        from pytest_fft.errors import ProfileError

        if profile is None or getattr(profile, "engine", None) != "postgres":
            raise ProfileError("unit cases on postgres run on a server: they need a postgres "
                               "profile", hint="set FF_PG_DSN, or run with --env of a "
                                               "postgres profile")
        name = f"fft_utest_{os.getpid()}_{next(_scratch_ids)}_{os.urandom(3).hex()}"
        return cls(profile.postgres.dsn, schema=name, scratch=True)

    @staticmethod
    def warehouse_exists(profile: Any) -> bool:
        return True  # only connecting can tell; a read-only engine says why it cannot

    # -- connections -------------------------------------------------------------------
    def _connection(self) -> Any:
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._connect()
            self._local.con = con
            with self._lock:
                self._connections.append(con)
                self._by_thread[threading.get_ident()] = con
        return con

    def _connect(self) -> Any:
        from pytest_fft.errors import ProfileError

        try:
            con = self._psycopg.connect(self._conninfo, autocommit=True,
                                        connect_timeout=10, application_name="pytest-fft")
        except self._psycopg.Error as exc:
            raise ProfileError(
                f"cannot connect to PostgreSQL at {describe_dsn(self.dsn)}: "
                f"{redact(_first_line(exc))}",
                hint="is the server running and reachable? check the dsn of the profile "
                     "(or FF_PG_DSN)") from None
        con.execute("select set_config('search_path', %s, false)", [quote_ident(self.schema)])
        return con

    def _ensure_schema(self, con: Any) -> None:
        if not self._schema_exists(con):
            with contextlib.suppress(self._psycopg.errors.UniqueViolation,
                                     self._psycopg.errors.DuplicateSchema):
                con.execute(f"create schema if not exists {quote_ident(self.schema)}")
        self._schema_ready = True

    def _schema_exists(self, con: Any) -> bool:
        return con.execute("select 1 from pg_namespace where nspname = %s",
                           [self.schema]).fetchone() is not None

    def _writable(self) -> Any:
        """The thread's connection, its schema created first (a scratch schema is made on
        first use)."""
        con = self._connection()
        if not self._schema_ready:
            with self._lock:
                if not self._schema_ready:
                    self._ensure_schema(con)
        return con

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        con = self._writable()
        with in_engine():
            cur = con.execute(sql)
            return cur.fetchall() if cur.description is not None else []

    # -- names -------------------------------------------------------------------------
    def quote(self, relation: str) -> str:
        return quote_relation(relation)

    def relation_key(self, relation: str) -> str:
        """``schema.name`` as PostgreSQL resolves it (pytest-fft quotes names, so case is
        kept); an unqualified name is in the target schema, and a database qualifier naming
        the connected database is dropped."""
        parts = relation.split(".")
        if len(parts) == 1:
            parts = [self.schema, *parts]
        elif len(parts) == 3 and parts[0] == self._current_database():
            parts = parts[1:]
        return ".".join(SPEC.name_key(part) for part in parts)

    def _current_database(self) -> str:
        if self._database is None:
            self._database = str(self.query("select current_database()")[0][0])
        return self._database

    def _split(self, relation: str) -> tuple[str, str]:
        parts = relation.split(".")
        if len(parts) == 1:
            return self.schema, parts[0]
        return parts[-2], parts[-1]

    def estimate_bytes(self, select_sql: str) -> int | None:
        """What ``select_sql`` would read, from ``EXPLAIN (FORMAT JSON)``: the largest
        ``Plan Rows`` times ``Plan Width`` of its plan's nodes (the planner's estimate; the query
        is not run). None when PostgreSQL cannot plan it (the build then reports why)."""
        try:
            row = self._writable().execute(f"explain (format json) {select_sql}").fetchone()
        except self._psycopg.Error:
            return None
        plan = row[0] if row else None
        if isinstance(plan, str):
            import json

            plan = json.loads(plan)
        return plan_bytes(plan, "Plan Rows", "Plan Width")

    def error_line(self, exc: BaseException) -> int | None:
        """The line of the statement PostgreSQL points at (its position, 1-based)."""
        diag = getattr(exc, "diag", None)
        position = getattr(diag, "statement_position", None) if diag is not None else None
        statement = getattr(exc, "fft_statement", None)
        if not position or not statement:
            return None
        return statement[: int(position) - 1].count("\n") + 1

    def _refuse_audit_table(self, relation: str) -> None:
        if self.relation_key(relation).casefold() == self.relation_key(AUDIT_TABLE):
            raise ValueError(f"{relation} is the audit table pytest-fft keeps in this schema; "
                             "no model may build it: rename the model")

    # -- building ----------------------------------------------------------------------
    def create_relation(self, relation: str, select_sql: str, materialized: str) -> int | None:
        self._refuse_audit_table(relation)
        kind = "view" if materialized == "view" else "table"

        def build(cur: Any, target: str) -> int | None:
            # One line with the SELECT's first: the error position's line is the SELECT's.
            statement = f"create {kind} {target} as {select_sql}"
            try:
                cur.execute(statement)
            except self._psycopg.Error as exc:
                exc.fft_statement = statement
                raise
            return cur.rowcount if kind == "table" and cur.rowcount >= 0 else None

        return self._replace(relation, kind, build, one_statement=True)

    def write_frame(self, relation: str, frame: Any, materialized: str) -> int | None:
        self._refuse_audit_table(relation)
        table = arrow_io.frame_table(frame)
        data = _csv(table)  # before the engine's time starts (see _replace)
        return self._replace(relation, "table", lambda cur, target: self._copy(cur, target,
                                                                              table, data))

    def load_rows(self, relation: str, columns: tuple[str, ...],
                  rows: tuple[Mapping[str, Any], ...]) -> None:
        """A table from inline rows (unit-case inputs) through Arrow and COPY; ValueError
        when Arrow cannot type a column (the caller then goes through pandas)."""
        from pytest_fft.engines.duckdb import arrow_table

        table = arrow_table(columns, rows)
        data = _csv(table)
        self._replace(relation, "table", lambda cur, target: self._copy(cur, target, table,
                                                                       data))

    def load_seed(self, relation: str, path: str, fmt: str,
                  shape: SeedShape | None = None) -> int | None:
        """A seed as table ``relation``: read and checked by DuckDB's reader (the same types,
        casts of seeds/schema.yml, metadata columns and errors as on DuckDB), written through
        COPY; the old table stays on any error. A schema-qualified ``relation`` creates its
        schema when missing."""
        from pytest_fft.engines.duckdb import read_seed

        if self.relation_key(relation).casefold() == self.relation_key(AUDIT_TABLE):
            raise SeedFileError(
                f"{relation} is the audit table pytest-fft keeps in this schema; no seed may "
                "replace it", hint=f"rename {FILE}: its file name is the name of its table")
        table = read_seed(path, fmt, shape)
        if "." in relation:  # placed by seeds/schema.yml; two seeds may race to create it
            with contextlib.suppress(self._psycopg.errors.UniqueViolation,
                                     self._psycopg.errors.DuplicateSchema):
                self._connection().execute(
                    f"create schema if not exists {quote_ident(relation.split('.')[-2])}")
        data = _csv(table)
        return self._replace(relation, "table", lambda cur, target: self._copy(cur, target,
                                                                              table, data))

    def _copy(self, cur: Any, target: str, table: Any, data: bytes) -> int:
        """``table`` as a new table ``target``: created, then its rows (``data``, the CSV
        text of :func:`_csv`) sent with COPY."""
        cur.execute(f"create table {target} ({arrow_io.sql_columns(table, quote_ident)})")
        if data:
            with cur.copy(f"copy {target} from stdin (format csv)") as copy:
                copy.write(data)
        return int(table.num_rows)

    def _replace(self, relation: str, kind: str, build: Callable[[Any, str], int | None], *,
                 one_statement: bool = False) -> int | None:
        """Build ``relation`` atomically: ``build(cursor, quoted name)`` creates it under a
        new name; the old relation is then dropped, the new one renamed into place and the
        views that depended on the old one re-created, all in one transaction.
        ``one_statement``: ``build`` runs one statement (a relation found missing is then
        created in autocommit mode, see :meth:`_create_new`)."""
        schema, name = self._split(relation)
        con = self._writable()
        with in_engine():  # every statement and the commit: the node's time in the engine
            return self._replace_on(con, relation, schema, name, kind, build, one_statement)

    def _replace_on(self, con: Any, relation: str, schema: str, name: str, kind: str,
                    build: Callable[[Any, str], int | None], one_statement: bool) -> int | None:
        if self._present is not None:
            key = self.relation_key(relation)
            if key not in self._present:
                written, made = self._create_new(con, relation, schema, name, build,
                                                 one_statement)
                self._present.add(key)  # made now, or made by something else meanwhile
                if made:
                    return written
        with con.transaction(), con.cursor() as cur:
            dependents = self._dependents(cur, schema, name)
            old_kind = dependents.pop(0)[0]
            if old_kind is None:  # nothing to replace: build in place
                return build(cur, quote_relation(f"{schema}.{name}") if "." in relation
                             else quote_ident(name))
            new_name = f"_fft_new_{os.getpid()}_{next(_new_names)}"
            written = build(cur, f"{quote_ident(schema)}.{quote_ident(new_name)}")
            if dependents:
                # Two builds re-creating one view would wait on each other's locks: one at a
                # time, and the views read again once it is this build's turn.
                cur.execute("select pg_advisory_xact_lock(hashtext('pytest-fft views'))")
                dependents = self._dependents(cur, schema, name)[1:]
            old = {"v": "view", "m": "materialized view"}.get(old_kind, "table")
            cur.execute(f"drop {old} {quote_ident(schema)}.{quote_ident(name)} cascade")
            cur.execute(f"alter {'view' if kind == 'view' else 'table'} "
                        f"{quote_ident(schema)}.{quote_ident(new_name)} "
                        f"rename to {quote_ident(name)}")
            self._recreate(cur, relation, dependents)
            return written

    def _create_new(self, con: Any, relation: str, schema: str, name: str,
                    build: Callable[[Any, str], int | None],
                    one_statement: bool) -> tuple[int | None, bool]:
        """Create ``relation``, missing when the relations were listed, without replacing
        anything: ``(rows written, True)``, or ``(None, False)`` when it exists after all
        (PostgreSQL refused the name: nothing ran, nothing was left). A table from a SELECT
        is one statement in autocommit mode, atomic on its own; anything more (a frame's
        ``create table`` and ``COPY``) is one transaction."""
        errors = self._psycopg.errors
        target = quote_relation(f"{schema}.{name}") if "." in relation else quote_ident(name)
        try:
            if one_statement:
                with con.cursor() as cur:
                    return build(cur, target), True
            with con.transaction(), con.cursor() as cur:
                return build(cur, target), True
        except (errors.DuplicateTable, errors.UniqueViolation):
            # Made meanwhile (two creators at once may meet in pg_type's unique index).
            return None, False

    def _dependents(self, cur: Any, schema: str, name: str) -> list[tuple[Any, ...]]:
        """``[(old kind or None, ...), (kind, schema, name, view kind, definition, depth),
        ...]``: the first row says whether the relation exists, the others are its views."""
        return list(cur.execute(_DEPENDENTS_SQL, {"schema": schema, "name": name}).fetchall())

    def _recreate(self, cur: Any, relation: str, views: list[tuple[Any, ...]]) -> None:
        for _, schema, name, relkind, definition, _depth in views:
            target = f"{quote_ident(schema)}.{quote_ident(name)}"
            what = "materialized view" if relkind == "m" else "view"
            try:
                with cur.connection.transaction():  # a savepoint: one view may not fit
                    cur.execute(f"create {what} {target} as {definition}")
            except self._psycopg.Error as exc:
                from pytest_fft.errors import FFTWarning

                warnings.warn(FFTWarning(
                    f"view {schema}.{name} depends on {relation} and does not fit its new columns "
                    f"({_first_line(exc)}): it was dropped; it is built again when its model "
                    "runs"), stacklevel=2)

    # -- incremental models -------------------------------------------------------------
    def relation_exists(self, relation: str) -> bool:
        schema, name = self._split(relation)
        found = self._connection().execute(
            "select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relname = %s", [schema, name]).fetchone()
        return found is not None

    @contextlib.contextmanager
    def sql_transaction(self) -> Iterator[_PostgresDelta]:
        con = self._writable()
        commit = in_engine()  # the commit, as the transaction ends, is the engine's time too
        committing = False
        try:
            with con.transaction(), con.cursor() as cur:
                yield _PostgresDelta(cur)
                commit.__enter__()
                committing = True
        finally:
            if committing:
                commit.__exit__(None, None, None)

    # A delta's staging table is temporary: private to the connection, written without WAL,
    # gone with the transaction if it fails (a stage of 10,000 rows cost about 15% less).
    create_stage = "create temporary table"

    def _stage_table(self, name: str, beside: str) -> str:
        return f"pg_temp.{quote_ident(name)}"

    def qualified(self, name: str, beside: str | None = None) -> str:
        """``schema.name`` quoted; a staging name goes into the schema of ``beside``."""
        schema = self._split(beside)[0] if beside is not None else self._split(name)[0]
        return f"{quote_ident(schema)}.{quote_ident(name.rpartition('.')[2])}"

    def existing_relations(self) -> ExistingRelations:
        """Every table and view of the database outside PostgreSQL's own schemas."""
        rows = self.query(
            "select n.nspname, c.relname from pg_class c join pg_namespace n "
            "on n.oid = c.relnamespace where c.relkind in ('r', 'v', 'm', 'p', 'f') "
            "and n.nspname not in ('pg_catalog', 'information_schema') "
            "and n.nspname not like 'pg_toast%'")
        keys = frozenset(f"{SPEC.name_key(schema)}.{SPEC.name_key(table)}"
                         for schema, table in rows)
        self._present = set(keys)  # what a build may create directly (see _create_new)
        return ExistingRelations(keys, self.relation_key)

    def relation_columns(self) -> dict[str, list[Column]]:
        # attnotnull: a NOT NULL constraint (a primary key's columns included); a view's
        # columns never have one.
        rows = self.query(
            "select c.relname, a.attname, format_type(a.atttypid, a.atttypmod), "
            "not a.attnotnull "
            "from pg_attribute a join pg_class c on c.oid = a.attrelid "
            "join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = current_schema() and a.attnum > 0 and not a.attisdropped "
            "and c.relkind in ('r', 'v', 'm', 'p', 'f') order by c.relname, a.attnum")
        out: dict[str, list[Column]] = {}
        for table, column, kind, nullable in rows:
            out.setdefault(table, []).append(Column(column, kind, bool(nullable)))
        return out

    # -- reading -----------------------------------------------------------------------
    def _arrow_of(self, sql: str, params: Any = None) -> Any:
        with self._connection().cursor() as cur:
            with in_engine():
                cur.execute(sql, params)
                rows = cur.fetchall()
            description = cur.description or []
            return arrow_io.table_of_rows([c.name for c in description],
                                          [c.type_code for c in description], rows)

    def read_frame(self, relation: str) -> Any:
        return self._arrow_of(f"select * from {quote_relation(relation)}").to_pandas()

    def select_frame(self, sql: str) -> Any:
        return self._arrow_of(sql).to_pandas()

    def is_frame(self, value: Any) -> bool:
        import pandas as pd

        return isinstance(value, pd.DataFrame)

    # -- unit-case inputs ----------------------------------------------------------------
    def inline_rows(self, columns: tuple[str, ...], rows: tuple[Mapping[str, Any], ...]) -> Any:
        from pytest_fft.engines.duckdb import inline_relation

        return inline_relation(columns, rows, mark="%s", quote=quote_ident,
                               type_names={"DOUBLE": "double precision", "VARCHAR": "text"})

    def select_with_inputs(self, sql: str, inputs: Mapping[str, Any],
                           ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The result of ``sql`` with inline ``inputs`` visible to it alone, as common table
        expressions: nothing is created. Frames among the inputs are written to the scratch
        schema first."""
        from pytest_fft.engines.duckdb import InlineRelation

        inline = {name: rel for name, rel in inputs.items() if isinstance(rel, InlineRelation)}
        for name, frame in inputs.items():
            if name not in inline:
                self.write_frame(name, frame, "table")
        ctes = ",\n".join(f"{quote_ident(name)} as ({rel.sql})" for name, rel in inline.items())
        body = sql.replace("%", "%%")  # psycopg reads % as a parameter mark
        query = f"with {ctes}\nselect * from (\n{body}\n) as fft_case" if ctes else body
        params = [value for rel in inline.values() for value in rel.params]
        with self._connection().cursor() as cur:
            cur.execute(query, params or None)
            names = [c.name for c in cur.description or []]
            return names, list(cur.fetchall())

    def frame_of(self, rows: Any) -> Any:
        return self._arrow_of(rows.sql, list(rows.params) or None).to_pandas()

    # -- the audit table -----------------------------------------------------------------
    def record_builds(self, built: list[tuple[str, str, str, float]]) -> None:
        """Upsert ``_ff_meta`` rows in one transaction, on a connection of its own (an
        interrupt meant for a build must not land on them)."""
        con = self._connect()
        try:
            with con.transaction(), con.cursor() as cur:
                cur.execute(
                    f"create table if not exists {AUDIT_TABLE} (node_name text primary key, "
                    "relation text, fingerprint text, engine text, built_at timestamp)")
                if built:
                    cur.execute(
                        f"insert into {AUDIT_TABLE} select n, r, f, %s, "
                        "to_timestamp(t) at time zone 'UTC' from unnest(%s::text[], "
                        "%s::text[], %s::text[], %s::float8[]) as u(n, r, f, t) "
                        "on conflict (node_name) do update set relation = excluded.relation, "
                        "fingerprint = excluded.fingerprint, engine = excluded.engine, "
                        "built_at = excluded.built_at",
                        [self.name, *(list(column) for column in zip(*built, strict=True))])
        except self._psycopg.Error as exc:
            foreign = self._foreign_audit_table(con)
            if foreign is not None:
                raise RuntimeError(foreign) from exc
            raise
        finally:
            con.close()

    def _foreign_audit_table(self, con: Any) -> str | None:
        """Why ``_ff_meta`` cannot take the audit rows (see :func:`foreign_audit_table`)."""
        try:
            columns = [row[0] for row in con.execute(
                AUDIT_COLUMNS_SQL.format(mark="%s"), [AUDIT_TABLE]).fetchall()]
        except self._psycopg.Error:
            return None
        return foreign_audit_table(self.schema, columns)

    # -- stopping ------------------------------------------------------------------------
    def interrupt_thread(self, thread: int) -> None:
        with self._lock:
            con = self._by_thread.get(thread)
        if con is not None:
            _cancel(con)

    def interrupt(self) -> None:
        with self._lock:
            connections = list(self._connections)
        for con in connections:
            _cancel(con)

    def close(self) -> None:
        with self._lock:
            connections = list(self._connections)
            self._connections.clear()
            self._by_thread.clear()
        if self._scratch and self._schema_ready and connections:
            with contextlib.suppress(self._psycopg.Error):
                connections[0].execute(f"drop schema if exists {quote_ident(self.schema)} "
                                       "cascade")
        for con in connections:
            with contextlib.suppress(Exception):  # closed already: nothing to release
                con.close()


def _cancel(con: Any) -> None:
    with contextlib.suppress(Exception):  # nothing running, or closed: nothing to stop
        cancel = getattr(con, "cancel_safe", None) or con.cancel
        cancel()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _PostgresDelta:
    """A psycopg cursor as :class:`~pytest_fft.engines.incremental_sql.DeltaSession`."""

    def __init__(self, cur: Any) -> None:
        self._cur = cur

    def run(self, sql: str) -> int:
        with in_engine():
            self._cur.execute(sql)
        return int(self._cur.rowcount)

    def analyze(self, full_name: str) -> None:
        # Without statistics the planner takes a new staging table for a big one and hashes
        # the target instead (a delete from 1M rows took twice as long).
        with in_engine():
            self._cur.execute(f"analyze {full_name}")

    def scalar(self, sql: str) -> int:
        with in_engine():
            self._cur.execute(sql)
            return int(self._cur.fetchone()[0])

    def columns(self, full_name: str) -> list[tuple[str, str]]:
        with in_engine():
            self._cur.execute(
                "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
                "where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped "
                "order by a.attnum", [full_name])
            found = self._cur.fetchall()
        return [(str(name), str(kind)) for name, kind in found]


def _csv(table: Any) -> bytes:
    """The rows of an Arrow table as COPY's CSV text (nothing for no rows)."""
    return arrow_io.csv_bytes(table) if table.num_rows else b""

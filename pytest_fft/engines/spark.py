"""Apache Spark and Databricks (``databricks_spark``) through PySpark: a local session, or a
cluster over Spark Connect. The session is the process's one (:mod:`.spark_session`).

Relations are managed tables and views of the profile's ``database`` (``default`` when the
profile names none), in its ``table_format`` (``parquet`` unless the profile says ``delta``,
``iceberg``, ...), with its ``table_options``.

Replacing a relation: a table is built under a private name with ``CREATE TABLE ... AS``
and only then swapped in (the old relation dropped, the new one renamed); a view is
``CREATE OR REPLACE VIEW``, which Spark checks before it replaces anything. A failing or
interrupted SELECT therefore leaves the old relation untouched. The swap itself is two
catalog operations, not one transaction: a process killed between them leaves the new
table under its private name and the old one gone, and the next run builds it again (the
build cache dropped the node's claim before the build started).

Frames are PySpark DataFrames (a Python model reads and returns them; a pandas frame it
returns is converted through Arrow). Seeds are read by DuckDB's reader first
(:func:`pytest_fft.engines.duckdb.read_seed`), so a seed has the same columns, types and
errors as on the other engines.

Each thread's statements carry a job tag of their own: :meth:`SparkEngine.interrupt`
cancels this engine's jobs (never another engine's of the same session) and
:meth:`SparkEngine.interrupt_thread` one thread's.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from pytest_fft.engines import spark_sql
from pytest_fft.engines.base import Column
from pytest_fft.engines.capabilities import (
    AUDIT_COLUMNS,
    AUDIT_TABLE,
    AuditTable,
    FrameReader,
    IncrementalTarget,
    InlineInputs,
    PartitionedTables,
    RowReader,
    SelectFrame,
    SnapshotTarget,
    ThreadInterrupt,
    foreign_audit_table,
)
from pytest_fft.engines.registry import engine_spec
from pytest_fft.engines.relations import ExistingRelations
from pytest_fft.engines.seed_files import FILE, SeedFileError, SeedShape
from pytest_fft.engines.spark_record import RelationRecord, record_for
from pytest_fft.engines.spark_session import SessionSettings, active_settings, session

SPEC = engine_spec("databricks_spark")
quote_ident = SPEC.quote
quote_relation = SPEC.quote_relation

_new_names = itertools.count(1)
_engine_ids = itertools.count(1)
_scratch_ids = itertools.count(1)
# "... SQLSTATE: 42703; line 3 pos 2" (the analyser), "== SQL (line 1, position 30) =="
# (the parser), "line 3:2" (older parsers).
_LINE = re.compile(r"\bline (\d+)(?:,? pos(?:ition)? \d+|:\d+)")


class SparkSQLError(Exception):
    """Spark refused or failed a statement: its message without the query plan and JVM
    stack that follow it (the original is the ``__cause__``), and the line it names."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


# A Spark message goes on with the plan it could not analyse ('Project ..., +- ...), the SQL
# it could not parse (== SQL ==) or the JVM's stack: only what comes before is the message.
_DETAIL = re.compile(r"^(?:'|\+-|:?\s*\+-|== |\tat |JVM stacktrace)")


def spark_error(exc: BaseException) -> SparkSQLError:
    """A PySpark error as a :class:`SparkSQLError`."""
    text = str(exc).strip()
    lines = []
    for line in text.splitlines():
        if _DETAIL.match(line):
            break
        lines.append(line)
    message = "\n".join(lines).strip() or type(exc).__name__
    found = _LINE.search(text)
    return SparkSQLError(message.rstrip(";").strip(), int(found.group(1)) if found else None)


F = TypeVar("F", bound=Callable[..., Any])


def _spark_errors(method: F) -> F:
    """Errors of PySpark (and of Spark behind it) raised by ``method`` as SparkSQLError."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            if type(exc).__module__.split(".")[0] not in ("pyspark", "py4j"):
                raise
            raise spark_error(exc) from exc

    return cast(F, wrapper)


class SparkEngine:
    name = SPEC.name
    abbrev = SPEC.abbrev
    spec = SPEC
    capabilities: frozenset[Any] = frozenset({AuditTable, FrameReader, IncrementalTarget,
                                              InlineInputs, PartitionedTables, RowReader,
                                              SelectFrame, SnapshotTarget, ThreadInterrupt})

    def __init__(self, settings: SessionSettings, *, database: str = "default",
                 table_format: str | None = None,
                 table_options: Mapping[str, Any] | None = None, scratch: bool = False,
                 read_only: bool = False) -> None:
        self.settings = settings
        self.schema = database
        self.table_format = table_format or "parquet"
        self.table_options = {str(k): str(v) for k, v in (table_options or {}).items()}
        # A Spark Connect cluster or a Hive metastore keeps the catalog; the in-memory one
        # is gone with the process.
        self.persistent = settings.remote is not None or settings.hive
        self._scratch = scratch
        self._read_only = read_only
        self._id = next(_engine_ids)
        self._lock = threading.Lock()
        self._tags: dict[int, str] = {}  # thread ident -> the job tag of its statements
        self._local = threading.local()
        self._database_ready = False
        self._spark_session: Any = None

    @classmethod
    def from_profile(cls, profile: Any, *, wait: float = 0.0,
                     read_only: bool = False) -> SparkEngine:
        """The engine of a ``databricks_spark`` profile (the session starts on first use)."""
        settings = profile.databricks_spark
        return cls(session_settings(settings), database=settings.database or "default",
                   table_format=settings.table_format, table_options=settings.table_options,
                   read_only=read_only)

    @classmethod
    def scratch(cls, profile: Any = None) -> SparkEngine:
        """A private database for one unit case on the process's session (a local one when
        the process has none, started with the profile's settings when given); ``close()``
        drops it. Its inputs are temporary views: a case creates no table."""
        if profile is not None and getattr(profile, "engine", None) == SPEC.name:
            settings = session_settings(profile.databricks_spark)
        else:
            settings = SessionSettings(master="local[2]", app_name="pytest-fft-utest")
        name = f"fft_utest_{os.getpid()}_{next(_scratch_ids)}_{os.urandom(3).hex()}"
        return cls(settings, database=name, scratch=True)

    @staticmethod
    def warehouse_exists(profile: Any) -> bool:
        settings = profile.databricks_spark
        if getattr(settings, "remote", None):
            return True  # only the cluster can tell
        warehouse = settings.warehouse_dir
        return warehouse is None or Path(warehouse).exists()

    # -- the session -------------------------------------------------------------------
    @property
    def spark(self) -> Any:
        """This engine's session, with this thread's job tag set: a session of its own on
        the process's Spark (its current database, temporary views and settings are the
        engine's alone), started on first use."""
        spark = self._spark_session
        if spark is None:
            with self._lock:
                if self._spark_session is None:
                    own = _own_session(session(self.settings))
                    # Unqualified names (an ephemeral model's SQL a Python model reads) are
                    # the database's from the start, not only once something was written.
                    if own.catalog.databaseExists(self.schema):
                        own.sql(f"use {quote_ident(self.schema)}")
                        self._database_ready = not self._read_only
                    self._spark_session = own
            spark = self._spark_session
        if getattr(self._local, "tag", None) is None:
            tag = f"fft-{os.getpid()}-{self._id}-{threading.get_ident()}"
            spark.addTag(tag)
            self._local.tag = tag
            with self._lock:
                self._tags[threading.get_ident()] = tag
        return spark

    def _writable(self) -> Any:
        spark = self.spark
        if not self._database_ready:
            with self._lock:
                if not self._database_ready:
                    spark.sql(f"create database if not exists {quote_ident(self.schema)}")
                    spark.sql(f"use {quote_ident(self.schema)}")  # unqualified names
                    self._database_ready = True
        return spark

    @_spark_errors
    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._writable().sql(sql).collect()]

    # -- names -------------------------------------------------------------------------
    def quote(self, relation: str) -> str:
        return quote_relation(relation)

    def relation_key(self, relation: str) -> str:
        """``database.name`` folded to lower case (Spark's catalog ignores case); an
        unqualified name is in the engine's database, a catalog qualifier is dropped."""
        parts = relation.split(".")
        if len(parts) == 1:
            parts = [self.schema, *parts]
        return ".".join(SPEC.name_key(part) for part in parts[-2:])

    def _split(self, relation: str) -> tuple[str, str]:
        parts = relation.split(".")
        return (self.schema, parts[0]) if len(parts) == 1 else (parts[-2], parts[-1])

    def _qualified(self, relation: str) -> str:
        database, name = self._split(relation)
        return f"{quote_ident(database)}.{quote_ident(name)}"

    def _refuse_audit_table(self, relation: str) -> None:
        if self.relation_key(relation) == self.relation_key(AUDIT_TABLE):
            raise ValueError(f"{relation} is the audit table pytest-fft keeps in this database; "
                             "no model may build it: rename the model")

    def error_line(self, exc: BaseException) -> int | None:
        """The line Spark's parser or analyser names (``line 3 pos 2``)."""
        return exc.line if isinstance(exc, SparkSQLError) else None

    # -- building ----------------------------------------------------------------------
    @_spark_errors
    def create_relation(self, relation: str, select_sql: str, materialized: str) -> int | None:
        self._refuse_audit_table(relation)
        spark = self._writable()
        target = self._qualified(relation)
        database, name = self._split(relation)
        self._ensure_database(spark, database)
        if materialized == "view":
            old = self._kind(spark, database, name)
            if old != "table":  # Spark checks the SELECT before it replaces the view
                spark.sql(f"create or replace view {target} as {select_sql}")
                self._made(target, "view")
                return None
            new = self._new_name(database)
            spark.sql(f"create view {new} as {select_sql}")
            self._swap(spark, new, target, old, "view")
            return None
        # The SELECT is analysed on its own: the line of an error is the SELECT's.
        return self._write_table(spark, relation, spark.sql(select_sql))

    @_spark_errors
    def create_partitioned(self, relation: str, select_sql: str,
                           partition_by: tuple[str, ...]) -> int | None:
        """Table ``relation`` of ``select_sql``, partitioned by ``partition_by``."""
        self._refuse_audit_table(relation)
        spark = self._writable()
        return self._write_table(spark, relation, spark.sql(select_sql),
                                 partition_by=partition_by)

    def _create_table(self, spark: Any, database: str, select_sql: str,
                      partition_by: tuple[str, ...] = ()) -> str:
        """A new table of ``select_sql`` under a private name in ``database`` (its name);
        nothing is left when the SELECT fails or is interrupted. The SELECT is analysed on
        its own first, so the line of an error is the SELECT's."""
        return self._new_table(spark, database, spark.sql(select_sql), partition_by)

    def _new_table(self, spark: Any, database: str, frame: Any,
                   partition_by: tuple[str, ...] = ()) -> str:
        """A DataFrame as a new table under a private name in ``database``, in the profile's
        format and options, its timestamps without a time zone (:func:`_zoneless`);
        nothing is left when writing fails or is interrupted."""
        new = self._new_name(database)
        try:
            writer = _zoneless(frame).write.format(self.table_format)
            if partition_by:
                writer = writer.partitionBy(*partition_by)
            if self.table_options:
                writer = writer.options(**self.table_options)
            writer.saveAsTable(new)
        except BaseException:
            self._drop_quietly(spark, new)
            raise
        return new

    @_spark_errors
    def write_frame(self, relation: str, frame: Any, materialized: str) -> int | None:
        """A frame as table ``relation`` (also for ``materialized='view'``: a frame has no
        query to keep); a pandas frame is converted through Arrow first."""
        self._refuse_audit_table(relation)
        spark = self._writable()
        frame = self._spark_frame(spark, frame)
        return self._write_table(spark, relation, frame)

    @_spark_errors
    def write_partitioned(self, relation: str, frame: Any,
                          partition_by: tuple[str, ...]) -> int | None:
        """A frame as table ``relation``, partitioned by ``partition_by``."""
        self._refuse_audit_table(relation)
        spark = self._writable()
        return self._write_table(spark, relation, self._spark_frame(spark, frame),
                                 partition_by=partition_by)

    def _write_table(self, spark: Any, relation: str, frame: Any,
                     rows: int | None = None, partition_by: tuple[str, ...] = ()) -> int | None:
        database, name = self._split(relation)
        self._ensure_database(spark, database)
        new = self._new_table(spark, database, frame, partition_by)
        self._swap(spark, new, self._qualified(relation), self._kind(spark, database, name),
                   "table")
        return rows

    @_spark_errors
    def load_seed(self, relation: str, path: str, fmt: str,
                  shape: SeedShape | None = None) -> int | None:
        """A seed as table ``relation``, read and checked by DuckDB's reader, written through
        Arrow; the old table stays on any error."""
        from pytest_fft.engines.duckdb import read_seed

        if self.relation_key(relation) == self.relation_key(AUDIT_TABLE):
            raise SeedFileError(
                f"{relation} is the audit table pytest-fft keeps in this database; no seed may "
                "replace it", hint=f"rename {FILE}: its file name is the name of its table")
        table = read_seed(path, fmt, shape)
        spark = self._writable()
        frame = _arrow_frame(spark, table)
        return self._write_table(spark, relation, frame, int(table.num_rows))

    def _swap(self, spark: Any, new: str, target: str, old: str | None, kind: str) -> None:
        """``new`` takes ``target``'s place: the old relation (kind ``old``) dropped, ``new``
        renamed."""
        if old is not None:
            spark.sql(f"drop {old} if exists {target}")
            self._made(target, None)
        spark.sql(f"alter {kind} {new} rename to {target}")
        self._made(target, kind)

    @property
    def _record(self) -> RelationRecord | None:
        """The record of the relations of the warehouse this engine's tables go to (that of
        the process's session once it runs: the first engine of a process decides it): a
        local warehouse with a metastore keeps one, so that a process that builds nothing
        need not start Spark to know them (:mod:`pytest_fft.engines.spark_record`)."""
        settings = active_settings(self.settings.remote) or self.settings
        if settings.local and settings.hive and settings.warehouse_dir:
            return record_for(settings.warehouse_dir)
        return None

    def _made(self, target: str, kind: str | None) -> None:
        """The record of the warehouse's relations learns that ``target`` (quoted) is now a
        ``kind``, or gone."""
        record = self._record
        if record is not None:  # names never hold a backtick (EngineSpec.valid_name)
            record.made(self.relation_key(target.replace("`", "")), kind)

    def _new_name(self, database: str) -> str:
        return (f"{quote_ident(database)}."
                f"{quote_ident(f'_fft_new_{os.getpid()}_{self._id}_{next(_new_names)}')}")

    def _drop_quietly(self, spark: Any, relation: str) -> None:
        with contextlib.suppress(Exception):  # the build's own error is the one to report
            spark.sql(f"drop table if exists {relation}")

    def _options(self) -> str:
        if not self.table_options:
            return ""
        pairs = ", ".join(f"{_literal(k)} = {_literal(v)}" for k, v in self.table_options.items())
        return f" options ({pairs})"

    def _ensure_database(self, spark: Any, database: str) -> None:
        if database != self.schema:
            spark.sql(f"create database if not exists {quote_ident(database)}")

    def _kind(self, spark: Any, database: str, name: str) -> str | None:
        """``table``, ``view`` or None (missing) for ``database.name``."""
        if not spark.catalog.tableExists(f"{quote_ident(database)}.{quote_ident(name)}"):
            return None
        try:
            table = spark.catalog.getTable(f"{quote_ident(database)}.{quote_ident(name)}")
        except Exception:
            return "table"
        return "view" if str(table.tableType).upper() == "VIEW" else "table"

    # -- incremental models -------------------------------------------------------------
    def relation_exists(self, relation: str) -> bool:
        return self._kind(self.spark, *self._split(relation)) is not None

    @_spark_errors
    def one_per_key(self, select_sql: str, plan: Any) -> str:
        """See :func:`pytest_fft.engines.spark_sql.one_per_key` (the SELECT's columns come
        from Spark's analysis of it: no job runs)."""
        columns = self._writable().sql(select_sql).columns
        return spark_sql.one_per_key(select_sql, columns, plan, quote_ident)

    @_spark_errors
    def apply_delta(self, relation: str, delta_sql: str, plan: Any) -> int | None:
        """Apply the delta as :mod:`pytest_fft.engines.spark_sql` says: an append by
        ``INSERT INTO``, a merge by ``MERGE INTO`` on a format that has it, an overwrite of
        partitions by ``INSERT OVERWRITE`` on a table partitioned by ``partition_by``,
        anything else by building the table again and swapping it in. Rows written are not
        counted (that would be another job)."""
        from pytest_fft.engines.incremental_sql import schema_change

        self._refuse_audit_table(relation)
        spark = self._writable()
        target = self._qualified(relation)
        # Analysis only: a delta that cannot run fails here, before anything changes.
        delta_columns = _columns(spark.sql(delta_sql))
        existing = _columns(spark.table(target))
        names = [name for name, _ in delta_columns]
        missing = plan.missing_columns(names)
        if missing:
            raise ValueError(plan.missing_message(missing, names))
        change = schema_change(existing, delta_columns, plan.on_schema_change)
        unchanged = not change.added and not change.dropped
        if unchanged and plan.strategy == "append":
            spark.sql(spark_sql.insert_into(
                target, delta_sql, [c for c in change.columns if c in names], quote_ident))
            return None
        if unchanged and plan.strategy == "insert_overwrite" and plan.partition_by \
                and self._partitions(spark, target) == list(plan.partition_by):
            spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
            spark.sql(spark_sql.insert_overwrite(
                target, delta_sql, [c for c in change.columns if c in names], quote_ident))
            return None
        if unchanged and plan.strategy == "merge" \
                and self.table_format in spark_sql.MERGE_FORMATS:
            spark.sql(spark_sql.merge_into(target, delta_sql, names, plan, quote_ident))
            return None
        select = spark_sql.rebuilt_table(target, delta_sql, delta_columns, existing, change,
                                         plan, quote_ident)
        new = self._create_table(spark, self._split(relation)[0], select, plan.partition_by)
        self._swap(spark, new, target, "table", "table")
        return None

    # -- snapshots ---------------------------------------------------------------------
    @_spark_errors
    def apply_snapshot(self, relation: str, select_sql: str, plan: Any, run_at: Any, *,
                       keep_last: int | None = None, dry_run: bool = False) -> Any:
        """A snapshot run as :mod:`pytest_fft.engines.spark_snapshot_sql` says: the table
        built again with the changed versions closed and the new ones added (pruned to
        ``keep_last`` versions per key unless ``dry_run``), then swapped in; a run that
        changes nothing writes nothing. Counting the versions is a job of its own."""
        from pytest_fft.engines import spark_snapshot_sql as snap
        from pytest_fft.engines.snapshot_sql import (
            META_COLUMNS,
            SnapshotOutcome,
            require_columns,
        )

        self._refuse_audit_table(relation)
        spark = self._writable()
        database, name = self._split(relation)
        self._ensure_database(spark, database)
        target = self._qualified(relation)
        source = list(spark.sql(select_sql).columns)  # analysis only: fails before any job
        require_columns(plan, source)
        old = self._kind(spark, database, name)
        if old is None:
            versions = snap.first_versions(select_sql, source, plan, run_at, quote_ident)
            columns = [*source, *META_COLUMNS]
            opened, closed = -1, 0
        else:
            table = _columns(spark.table(target))
            columns = [column for column, _ in table]
            pairs = snap.paired(target, select_sql, source, plan, quote_ident)
            opened, closed = (int(n) for n in spark.sql(snap.counts(pairs)).first())
            versions = snap.next_versions(target, table, source, pairs, plan, run_at,
                                          quote_ident)
        pruned = 0
        if keep_last is not None:
            pruned = int(spark.sql(snap.count_pruned(versions, columns, plan, keep_last,
                                                     quote_ident)).first()[0])
            if not dry_run and pruned:
                versions = snap.pruned(versions, columns, plan, keep_last, quote_ident)
        if old is not None and not opened and not closed and (dry_run or not pruned):
            return SnapshotOutcome(0, 0, pruned, dry_run)  # nothing to write
        new = self._create_table(spark, database, versions)
        if opened < 0:
            opened = int(spark.table(new).count())
        self._swap(spark, new, target, old, "table")
        return SnapshotOutcome(opened, closed, pruned, dry_run and keep_last is not None)

    @staticmethod
    def _partitions(spark: Any, target: str) -> list[str]:
        """The partition columns of table ``target``, in order."""
        return [c.name for c in spark.catalog.listColumns(target) if c.isPartition]

    # -- relations ---------------------------------------------------------------------
    def existing_relations(self) -> ExistingRelations:
        """Every table and view of every database of the catalog (one listing per database).

        Before this engine has started Spark, a local warehouse's record answers instead
        (:mod:`pytest_fft.engines.spark_record`): a cached rerun starts no JVM."""
        record = self._record
        if self._spark_session is None and record is not None:
            recorded = record.existing()
            if recorded is not None:
                return ExistingRelations(recorded, self.relation_key)
        spark = self.spark
        kinds: dict[str, str] = {}
        try:
            for database in spark.catalog.listDatabases():
                for table in spark.catalog.listTables(quote_ident(database.name)):
                    if not table.isTemporary:
                        key = f"{SPEC.name_key(database.name)}.{SPEC.name_key(table.name)}"
                        kinds[key] = ("view" if str(table.tableType).upper() == "VIEW"
                                      else "table")
        except Exception as exc:
            if type(exc).__module__.split(".")[0] not in ("pyspark", "py4j"):
                raise
            from pytest_fft.errors import ProfileError

            where = (f"the catalog at {self.settings.remote}" if self.settings.remote
                     else "Spark's catalog")
            raise ProfileError(
                f"could not read {where}: {spark_error(exc)}",
                hint="a local warehouse's metastore (embedded Derby) admits one process at a "
                     "time: wait for the other command on this project, or give this one "
                     "its own warehouse_dir") from exc
        if record is not None:
            record.replace_all(kinds)
        return ExistingRelations(frozenset(kinds), self.relation_key)

    def relation_columns(self) -> dict[str, list[Column]]:
        """The columns of every table and view of the engine's database, one lookup per
        relation: Spark 4.0's session catalog has no ``information_schema``, and ``show
        table extended`` gives the schema only as text. ``nullable`` is Spark's own
        (``StructField.nullable``): a parquet table of the session catalog keeps no NOT NULL,
        so its columns are all nullable."""
        spark = self.spark
        if not spark.catalog.databaseExists(self.schema):
            return {}
        out: dict[str, list[Column]] = {}
        for row in spark.sql(f"show tables in {quote_ident(self.schema)}").collect():
            if row.isTemporary:
                continue
            schema = spark.table(self._qualified(row.tableName)).schema
            out[row.tableName] = [Column(f.name, f.dataType.simpleString(), bool(f.nullable))
                                  for f in schema.fields]
        return out

    # -- frames ------------------------------------------------------------------------
    @_spark_errors
    def read_frame(self, relation: str) -> Any:
        return self.spark.table(self._qualified(relation))

    @_spark_errors
    def read_rows(self, relation: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        frame = self.spark.table(self._qualified(relation))
        return [str(c) for c in frame.columns], [tuple(row) for row in frame.collect()]

    @_spark_errors
    def select_frame(self, sql: str) -> Any:
        return self.spark.sql(sql)

    def is_frame(self, value: Any) -> bool:
        from pyspark.sql import DataFrame

        if isinstance(value, DataFrame):
            return True
        import pandas as pd

        return isinstance(value, pd.DataFrame)

    def _spark_frame(self, spark: Any, frame: Any) -> Any:
        from pyspark.sql import DataFrame

        if isinstance(frame, DataFrame):
            return frame
        import pyarrow as pa

        # A frame from the driver's memory is small: one partition keeps its row order.
        return _arrow_frame(spark, pa.Table.from_pandas(frame, preserve_index=False))

    # -- unit-case inputs ----------------------------------------------------------------
    @_spark_errors
    def inline_rows(self, columns: tuple[str, ...], rows: tuple[Mapping[str, Any], ...]) -> Any:
        """Inline rows as a DataFrame, each column typed from its values; ValueError when a
        column's values have no single SQL type."""
        from pytest_fft.engines.duckdb import arrow_table

        return _arrow_frame(self.spark, arrow_table(columns, rows))

    @_spark_errors
    def select_with_inputs(self, sql: str, inputs: Mapping[str, Any],
                           ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """``sql`` with ``inputs`` as temporary views of this session, dropped afterwards."""
        spark = self.spark
        views = []
        try:
            for name, frame in inputs.items():
                view = name.split(".")[-1]
                self._spark_frame(spark, frame).createOrReplaceTempView(view)
                views.append(view)
            result = spark.sql(sql)
            return list(result.columns), [tuple(row) for row in result.collect()]
        finally:
            for view in views:
                spark.catalog.dropTempView(view)

    def frame_of(self, rows: Any) -> Any:
        return rows

    # -- the audit table -----------------------------------------------------------------
    def record_builds(self, built: list[tuple[str, str, str, float]]) -> None:
        """Upsert ``_ff_meta`` rows: the table is small, so it is written again with the new
        rows in place of the old ones, swapped in as any table is."""
        if not built:
            return
        spark = self._writable()
        target = self._qualified(AUDIT_TABLE)
        kept: list[tuple[Any, ...]] = []
        if self._kind(spark, self.schema, AUDIT_TABLE) is not None:
            columns = [f.name for f in spark.table(target).schema.fields]
            foreign = foreign_audit_table(self.schema, columns)
            if foreign is not None:
                raise RuntimeError(foreign)
            names = {row[0] for row in built}
            kept = [tuple(r) for r in spark.table(target).collect() if r[0] not in names]
        fresh = [(node, relation, fingerprint, self.name,
                  datetime.fromtimestamp(at, UTC).replace(tzinfo=None))
                 for node, relation, fingerprint, at in built]
        schema = ", ".join(f"{c} {'timestamp_ntz' if c == 'built_at' else 'string'}"
                           for c in AUDIT_COLUMNS)
        frame = spark.createDataFrame(kept + fresh, schema=schema)
        self._write_table(spark, AUDIT_TABLE, frame)

    # -- stopping ------------------------------------------------------------------------
    def interrupt_thread(self, thread: int) -> None:
        with self._lock:
            tag = self._tags.get(thread)
        if tag is not None and self._spark_session is not None:
            _interrupt(self._spark_session, tag)

    def interrupt(self) -> None:
        with self._lock:
            tags = list(self._tags.values())
        for tag in tags:
            if self._spark_session is not None:
                _interrupt(self._spark_session, tag)

    def close(self) -> None:
        spark = self._spark_session
        if spark is None:
            return
        if self._scratch and self._database_ready:
            with contextlib.suppress(Exception):  # the session is going away: nothing to clean
                spark.sql(f"drop database if exists {quote_ident(self.schema)} cascade")
        tag = getattr(self._local, "tag", None)
        if tag is not None:
            with contextlib.suppress(Exception):
                spark.removeTag(tag)


def session_settings(settings: Any) -> SessionSettings:
    """The session a ``databricks_spark`` settings block asks for."""
    remote = getattr(settings, "remote", None)
    hive = settings.use_hive_metastore
    if hive is None:  # not said: a local session keeps its catalog next to its warehouse
        hive = remote is None and settings.warehouse_dir is not None
    conf = tuple((str(k), _conf_text(v)) for k, v in (settings.extra_conf or {}).items())
    return SessionSettings(master=settings.master, app_name=settings.app_name, remote=remote,
                           warehouse_dir=settings.warehouse_dir, hive=bool(hive), conf=conf)


def _conf_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _columns(frame: Any) -> list[tuple[str, str]]:
    """``(name, Spark SQL type)`` of a DataFrame's columns."""
    return [(f.name, f.dataType.simpleString()) for f in frame.schema.fields]


def _own_session(spark: Any) -> Any:
    """A session of its own on ``spark``'s Spark; Spark Connect sessions that cannot make
    one share the process's."""
    try:
        own = spark.newSession()
    except Exception:  # Spark Connect clients that cannot
        return spark
    return own if own is not None else spark  # a Spark Connect 4.0 client gives None


def _zoneless(frame: Any) -> Any:
    """``frame`` with its ``timestamp`` (session time zone) columns as ``timestamp_ntz``
    (the session's time zone is UTC, so the values read the same). The session's timestamps
    are those without a time zone, as DuckDB's and PostgreSQL's are; a table with a zoned
    column (``current_timestamp()``, a zoned pandas column) would be kept in the Hive
    metastore as ``timestamp``, read back as ``timestamp_ntz`` and could then not be
    renamed (Spark's own limitation), so no table gets one."""
    from pyspark.sql.types import TimestampType

    fields = frame.schema.fields
    if not any(isinstance(f.dataType, TimestampType) for f in fields):
        return frame
    from pyspark.sql import functions as F

    return frame.select(*[
        F.col(quote_ident(f.name)).cast("timestamp_ntz").alias(f.name)
        if isinstance(f.dataType, TimestampType) else F.col(quote_ident(f.name))
        for f in fields])


def _arrow_frame(spark: Any, table: Any) -> Any:
    """An Arrow table (from the driver's memory, so small) as a DataFrame of one partition,
    with the Arrow table's column types and its row order."""
    return spark.createDataFrame(table).coalesce(1)


def _interrupt(spark: Any, tag: str) -> None:
    with contextlib.suppress(Exception):  # nothing running, or the session is gone
        spark.interruptTag(tag)


def _literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


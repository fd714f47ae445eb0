"""What some engines can do beyond the :class:`~pytest_fft.engines.base.Engine` protocol.

An engine *declares* its capabilities (``capabilities = frozenset({RowLoader, ...})`` on its
class); callers ask through :func:`capability` and take the general path when it answers
None. Nothing outside ``engines/`` probes an engine with ``hasattr``: a declared capability is
a promise the contract suite (``tests/contract``) holds the engine to, a probed attribute is
a guess.

>>> from pytest_fft.engines.fake import FakeEngine
>>> capability(FakeEngine(), AuditTable) is not None
True
>>> capability(FakeEngine(), InlineInputs) is None
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar, cast, runtime_checkable

# The audit table's name (in the registry, which the loader may read): an engine that keeps
# it (AuditTable) refuses to build a seed or model of this relation.
from pytest_fft.engines.registry import AUDIT_TABLE as AUDIT_TABLE

C = TypeVar("C")



@runtime_checkable
class RowLoader(Protocol):
    """Loads inline rows (a unit case's input) as a table faster than through a frame."""

    def load_rows(self, relation: str, columns: tuple[str, ...],
                  rows: tuple[Mapping[str, Any], ...]) -> None:
        """Create table ``relation`` from ``rows``; ValueError when a column cannot be typed
        from its values (mixed kinds): the caller then writes a frame instead."""


@runtime_checkable
class InlineInputs(Protocol):
    """Runs a query over inline inputs without creating anything: a unit case in one query."""

    def inline_rows(self, columns: tuple[str, ...], rows: tuple[Mapping[str, Any], ...]) -> Any:
        """Inline rows as this engine's inline relation (an opaque value for
        :meth:`select_with_inputs` and :meth:`FrameReader.frame_of` of the same engine);
        ValueError when a column has no single SQL type (mixed kinds, only NULLs)."""

    def select_with_inputs(self, sql: str, inputs: Mapping[str, Any],
                           ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """``(column names, rows)`` of ``sql`` with ``inputs`` (inline relations or frames,
        by relation name) visible to it alone."""


@runtime_checkable
class FrameReader(Protocol):
    """Turns an inline relation into the frame a Python model would read from a table."""

    def frame_of(self, rows: Any) -> Any:
        """``rows`` (from :meth:`InlineInputs.inline_rows`) as an engine-native frame."""


@runtime_checkable
class AuditTable(Protocol):
    """Keeps the spec's ``_ff_meta`` audit table (:data:`AUDIT_TABLE`) of what was built.

    The table is the engine's own: ``create_relation``, ``write_frame`` and ``load_seed`` of
    that relation raise, so no node replaces it."""

    def record_builds(self, built: list[tuple[str, str, str, float]]) -> None:
        """Upsert ``(node_name, relation, fingerprint, built_at epoch seconds)`` rows, with
        this engine's name, in one transaction. Raises (the caller warns with
        ``AuditTableWarning``) when the rows cannot be written, saying why when a table of
        that name that is not the audit table is in the way."""


AUDIT_COLUMNS = ("node_name", "relation", "fingerprint", "engine", "built_at")
"""The audit table's columns, in order."""

# Where the audit table's columns are listed, with the engine's parameter mark for the name.
AUDIT_COLUMNS_SQL = ("select column_name from information_schema.columns where table_schema "
                     "= current_schema() and table_name = {mark} order by ordinal_position")


def foreign_audit_table(schema: str, columns: list[str]) -> str | None:
    """Why ``_ff_meta`` in ``schema``, with ``columns``, cannot take the audit rows when it is
    not the audit table (a seed or model built it, or someone else's table has the name);
    None when it is, or when there is no such table."""
    if not columns or columns == list(AUDIT_COLUMNS):
        return None
    return (f"{AUDIT_TABLE} in schema {schema} is not the audit table (its "
            f"columns: {', '.join(columns)}; the audit table's: {', '.join(AUDIT_COLUMNS)})"
            f"; rename the seed or model that builds {AUDIT_TABLE}, then drop the table")


@runtime_checkable
class IncrementalTarget(Protocol):
    """Applies an incremental model's delta to its table: append, or merge on a unique key,
    in one transaction (see :mod:`pytest_fft.engines.incremental_sql`)."""

    def relation_exists(self, relation: str) -> bool:
        """Whether ``relation`` is in the warehouse (the first run builds it in full)."""

    def apply_delta(self, relation: str, delta_sql: str, plan: Any) -> int | None:
        """Apply the rows of ``delta_sql`` to the existing table ``relation`` as ``plan``
        (a :class:`~pytest_fft.engines.incremental_sql.DeltaPlan`) says; rows written. A
        failure leaves the table as it was."""

    def one_per_key(self, select_sql: str, plan: Any) -> str:
        """``select_sql`` with one row per ``plan.unique_key``, the newest ``updated_at``
        winning: a merging model's full build, so that no key is ever in its table twice."""


@runtime_checkable
class PartitionedTables(Protocol):
    """Lays a table out in partitions of some of its columns (Spark's ``PARTITIONED BY``):
    the tables of models with a ``partition_by``. Engines without it build those models'
    tables as any other (PostgreSQL and DuckDB have no such layout)."""

    def create_partitioned(self, relation: str, select_sql: str,
                           partition_by: tuple[str, ...]) -> int | None:
        """``create_relation(relation, select_sql, 'table')``, partitioned."""

    def write_partitioned(self, relation: str, frame: Any,
                          partition_by: tuple[str, ...]) -> int | None:
        """``write_frame(relation, frame, 'table')``, partitioned."""


@runtime_checkable
class SnapshotTarget(Protocol):
    """Keeps snapshot tables (type-2 history, see :mod:`pytest_fft.engines.snapshot_sql`)."""

    def apply_snapshot(self, relation: str, select_sql: str, plan: Any, run_at: Any, *,
                       keep_last: int | None = None, dry_run: bool = False) -> Any:
        """Create the snapshot table, or close changed versions and open new ones, then
        prune to ``keep_last`` versions per key (``dry_run``: count only), all in one
        transaction; a :class:`~pytest_fft.engines.snapshot_sql.SnapshotOutcome`."""


@runtime_checkable
class SelectFrame(Protocol):
    """Gives the rows of a SELECT as an engine-native frame (an ephemeral model's rows for a
    Python model that reads it)."""

    def select_frame(self, sql: str) -> Any:
        """The rows of ``sql`` as a frame, with the types :meth:`read_frame` gives."""


@runtime_checkable
class RowReader(Protocol):
    """Reads a relation as names and rows of Python values, for an engine whose native frame
    is neither pandas nor Arrow (a PySpark DataFrame): what a unit case compares when its
    result is a table (``after_merge``, CSV inputs)."""

    def read_rows(self, relation: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """``(column names, rows)`` of the whole relation, in the relation's column order."""


@runtime_checkable
class ThreadInterrupt(Protocol):
    """Interrupts the statement of one thread (each thread has its own cursor), leaving the
    other threads' statements running: a node whose item was stopped (a timeout)."""

    def interrupt_thread(self, thread: int) -> None:
        """Interrupt what the thread with ident ``thread`` runs, if anything."""


@runtime_checkable
class CostEstimate(Protocol):
    """Estimates what a SELECT would scan without running it (``EXPLAIN``): the cost guards
    of :mod:`pytest_fft.engines.cost` ask it before a model's query runs."""

    def estimate_bytes(self, select_sql: str) -> int | None:
        """Bytes ``select_sql`` would read, best effort; None when the engine cannot tell.
        Never runs the query, never raises for a query it cannot plan (None: the build
        then reports the engine's own error)."""


def capability(engine: Any, protocol: Callable[..., C]) -> C | None:
    """``engine`` as ``protocol`` when it declares that capability, else None.

    ``protocol`` is one of this module's protocols (typed as a callable only because mypy
    does not accept a protocol class where ``type[C]`` is expected).
    """
    return cast(C, engine) if protocol in engine.capabilities else None


ALL_CAPABILITIES: tuple[type, ...] = (RowLoader, InlineInputs, FrameReader, AuditTable,
                                      IncrementalTarget, PartitionedTables, SelectFrame,
                                      SnapshotTarget, RowReader, ThreadInterrupt, CostEstimate)

"""The Engine protocol: what the executor, seeds, checks and Python models need from a warehouse.

Engines are used from several threads at once; each thread gets its own cursor or
connection inside the engine. Frames are engine-native (pandas for DuckDB, Spark and
Snowpark frames later): the core never converts them.

What only some engines can do is a capability protocol the engine declares
(:mod:`pytest_fft.engines.capabilities`); what every engine does its own way (quoting,
relation identity, error locations) is a method here. ``tests/contract`` states the behaviour
every engine must show.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol, runtime_checkable

from pytest_fft.engines.registry import EngineSpec
from pytest_fft.engines.relations import ExistingRelations
from pytest_fft.engines.seed_files import SeedShape


class Column(NamedTuple):
    """One column of a relation as the warehouse describes it (:meth:`Engine.relation_columns`).

    ``dtype`` is the warehouse's own spelling of the type (``INTEGER``, ``character
    varying(20)``, ``bigint``); ``nullable`` is False when the warehouse guarantees no NULL
    (a NOT NULL column), True when it may hold one, None when the engine cannot tell.

    >>> Column("id", "INTEGER", False)
    Column(name='id', dtype='INTEGER', nullable=False)
    """

    name: str
    dtype: str
    nullable: bool | None = None


def as_column(entry: Column | Sequence[Any]) -> Column:
    """An entry of :meth:`Engine.relation_columns` as a :class:`Column`: engines written
    before nullability was part of the contract give ``(name, type)`` pairs, whose
    nullability is unknown.

    >>> as_column(("id", "INTEGER"))
    Column(name='id', dtype='INTEGER', nullable=None)
    """
    if isinstance(entry, Column):
        return entry
    name, dtype, *rest = entry
    nullable = rest[0] if rest else None
    return Column(str(name), "" if dtype is None else str(dtype),
                  nullable if isinstance(nullable, bool) else None)


@runtime_checkable
class Engine(Protocol):
    name: str  # "duckdb", "postgres", ... (the registry's name)
    abbrev: str  # "DUCK", "PG", ... as shown in per-model output
    spec: EngineSpec  # the engine's registry entry
    capabilities: frozenset[Any]  # the capability protocols it implements
    # False when the warehouse lives only as long as this engine (DuckDB's :memory:): what
    # an earlier command loaded is not there, so "load it first" is no fix.
    persistent: bool

    def create_relation(self, relation: str, select_sql: str, materialized: str) -> int | None:
        """Atomically (re)build ``relation`` from a SELECT; returns rows written if known.

        A failing or interrupted SELECT leaves the previous relation untouched (rows and
        columns); a table may become a view and back.
        """

    def write_frame(self, relation: str, frame: Any, materialized: str) -> int | None:
        """Atomically (re)build ``relation`` from an engine-native frame."""

    def read_frame(self, relation: str) -> Any:
        """The whole relation as an engine-native frame."""

    def is_frame(self, value: Any) -> bool:
        """Whether ``value`` is a frame this engine can write."""

    def load_seed(self, relation: str, path: str, fmt: str,
                  shape: SeedShape | None = None) -> int | None:
        """Atomically (re)build table ``relation`` from a seed file (``fmt`` ``csv`` or
        ``parquet``); returns rows written if known.

        Strictly: a CSV is checked by :func:`pytest_fft.engines.seed_files.csv_layout` (its
        first line is the header, every row has the header's width) and read with the
        delimiter found there, column types inferred; the table has exactly the header's
        columns and the file's rows. A file that cannot load as written raises
        :class:`~pytest_fft.engines.seed_files.SeedFileError` (the file's line, what to
        change in it), and the previous table stays untouched.
        """

    def quote(self, relation: str) -> str:
        """``schema.table`` quoted for this engine's SQL (each part)."""

    def relation_key(self, relation: str) -> str:
        """The identity of a relation name as the warehouse resolves it: case folded and
        qualified the way the engine does (two names with one key are one relation)."""

    def existing_relations(self) -> ExistingRelations:
        """Every table and view the engine's unqualified and schema-qualified names reach,
        in one query; ``relation in existing`` compares by :meth:`relation_key`."""

    def relation_columns(self) -> dict[str, list[Column]]:
        """The columns of every table and view in the target schema, by table name, each
        with its type and whether it may be NULL, in one query where the warehouse allows
        (``fft docgen`` shows them)."""

    def error_line(self, exc: BaseException) -> int | None:
        """The line of the statement an engine error points at (1-based), if it says."""

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Run ``sql`` and fetch all rows (checks, tests, tooling)."""

    def interrupt(self) -> None:
        """Stop running statements as soon as possible (Ctrl-C)."""

    def close(self) -> None: ...


class EngineClass(Protocol):
    """What the registry's ``engine_class`` names: the class-level ways to get an engine.

    ``create_engine`` calls :meth:`from_profile`, ``create_unit_engine`` :meth:`scratch`,
    ``fft dag`` :meth:`warehouse_exists` before opening anything read-only.
    """

    def from_profile(self, profile: Any, *, wait: float = 0.0,
                     read_only: bool = False) -> Engine:
        """The engine of a resolved profile of this engine."""

    def scratch(self, profile: Any = None) -> Engine:
        """A private, empty engine for one unit case; ``close()`` removes what it made.
        ``profile``: the resolved profile of an engine whose cases run on a server."""

    def warehouse_exists(self, profile: Any) -> bool:
        """Whether the profile's warehouse exists to be read."""

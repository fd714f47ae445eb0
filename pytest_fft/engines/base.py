"""The Engine protocol: what the executor, seeds and Python models need from a warehouse.

Engines are used from several threads at once; each thread gets its own cursor or
connection inside the engine. Frames are engine-native (pandas for DuckDB, Spark and
Snowpark frames later): the core never converts them.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Engine(Protocol):
    name: str  # "duckdb", "postgres", ...
    abbrev: str  # "DUCK", "PG", ... as shown in per-model output

    def create_relation(self, relation: str, select_sql: str, materialized: str) -> int | None:
        """Atomically (re)build ``relation`` from a SELECT; returns rows written if known.

        A failing SELECT leaves the previous relation untouched.
        """

    def write_frame(self, relation: str, frame: Any, materialized: str) -> int | None:
        """Atomically (re)build ``relation`` from an engine-native frame."""

    def read_frame(self, relation: str) -> Any:
        """The whole relation as an engine-native frame."""

    def is_frame(self, value: Any) -> bool:
        """Whether ``value`` is a frame this engine can write."""

    def load_seed(self, relation: str, path: str, fmt: str) -> int | None:
        """Load a CSV/Parquet file as table ``relation``."""

    def existing_relations(self) -> set[str]:
        """Names of all tables and views in the target schema, in one query."""

    def relation_columns(self) -> dict[str, list[tuple[str, str]]]:
        """The columns (name, type) of every table and view in the target schema, in one
        query (``fft dag`` shows them)."""

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Run ``sql`` and fetch all rows (checks, tests, tooling)."""

    def interrupt(self) -> None:
        """Stop running statements as soon as possible (Ctrl-C)."""

    def close(self) -> None: ...


@runtime_checkable
class ThreadInterrupt(Protocol):
    """An engine that can interrupt the statement of one thread (each thread has its own
    cursor), leaving the other threads' statements running."""

    def interrupt_thread(self, thread: int) -> None:
        """Interrupt what the thread with ident ``thread`` runs, if anything."""


def quote_ident(name: str) -> str:
    """ANSI double-quoted identifier."""
    return '"' + name.replace('"', '""') + '"'


def quote_relation(relation: str) -> str:
    """``schema.table`` -> ``"schema"."table"``."""
    return ".".join(quote_ident(part) for part in relation.split("."))

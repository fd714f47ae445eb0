"""The one seam that talks to a warehouse. Each engine module imports its driver lazily."""

from __future__ import annotations

from typing import Any

from pytest_fft.engines.base import Engine, quote_ident, quote_relation

__all__ = ["Engine", "create_engine", "quote_ident", "quote_relation", "ENGINE_ABBREV"]

ENGINE_ABBREV = {
    "duckdb": "DUCK",
    "postgres": "PG",
    "bigquery": "BQ",
    "databricks_spark": "SPK",
    "snowflake_snowpark": "SF",
}

_EXTRA = {
    "postgres": "postgres",
    "bigquery": "bigquery",
    "databricks_spark": "spark",
    "snowflake_snowpark": "snowflake",
}


def create_engine(profile: Any, *, wait: float = 0.0, read_only: bool = False) -> Engine:
    """An engine for a resolved profile (a member of ``pytest_fft.project.profiles.Profile``).

    ``wait``: seconds to wait for a database another process holds (0: fail at once).
    ``read_only``: for tools that only look (``fft dag``): no lock on writers, nothing created.
    """
    from pytest_fft.errors import EngineNotInstalledError

    if profile.engine == "duckdb":
        from pytest_fft.engines.duckdb import DuckDBEngine

        return DuckDBEngine(profile.duckdb.path, schema=profile.duckdb.db_schema, wait=wait,
                            read_only=read_only)
    extra = _EXTRA.get(profile.engine, profile.engine)
    raise EngineNotInstalledError(
        f"engine {profile.engine!r} is not available in this version of pytest-fft",
        hint=f"use a duckdb profile for now; the {profile.engine} engine will ship with "
             f"pip install 'pytest-fft[{extra}]'",
    )

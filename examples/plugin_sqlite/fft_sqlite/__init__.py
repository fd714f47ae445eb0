"""fft-sqlite: SQLite as a pytest-fft engine.

This module is what the ``pytest_fft.engines`` entry point names: it holds the engine's
:class:`~pytest_fft.sdk.EngineSpec` and the model of its ``sqlite:`` profile block. pytest-fft
imports it whenever it looks the engine up, so it imports neither ``sqlite3`` nor pandas: the
engine class (:mod:`fft_sqlite.engine`) is imported only when a profile opens the engine.

A profile::

    dev:
      engine: sqlite
      sqlite:
        path: .local/dev.sqlite     # relative to the project; FF_SQLITE_PATH overrides it
        timeout: 30                 # seconds to wait for another process's write lock
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from pytest_fft.sdk import CheckSpelling, EngineSettings, EngineSpec

__all__ = ["SPEC", "SQLiteSettings"]
__version__ = "0.1.0"


class SQLiteSettings(EngineSettings):
    """The keys of a profile's ``sqlite:`` block.

    ``path``: the database file (created when missing, its folder too), relative to the
    project directory; ``:memory:`` keeps the database for one run only. ``timeout``: seconds
    a statement waits for another process's write lock before it fails.
    """

    # A relative path is the project's: pytest-fft resolves these keys against the project
    # directory before the engine sees them (``:memory:`` is left as it is).
    path_keys: ClassVar[tuple[str, ...]] = ("path",)

    path: str = Field(default=":memory:", min_length=1)
    timeout: float = Field(default=30.0, ge=0)


SPEC = EngineSpec(
    name="sqlite",
    abbrev="SQLT",
    sqlglot_dialect="sqlite",
    engine_class="fft_sqlite.engine:SQLiteEngine",
    # SQLite matches names without regard to (ASCII) case, quoted or not, and keeps the case
    # written; a name is quoted with double quotes, a double quote inside doubled.
    quoted_keeps_case=False,
    checks=CheckSpelling(
        # X REGEXP Y calls regexp(Y, X): the engine registers that function on its connection
        # (Python's re.search), as SQLite itself ships none.
        regex_template="({expr} regexp {pattern})",
        minutes_template="((julianday('now') - julianday({ts})) * 1440.0)",
        string_type="text",
    ),
    env_overrides=(("FF_SQLITE_PATH", "path"), ("FF_SQLITE_TIMEOUT", "timeout")),
    settings=SQLiteSettings,
)

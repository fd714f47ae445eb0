"""The one seam that talks to a warehouse. Each engine module imports its driver lazily.

* :mod:`.registry`: every engine as data (:class:`EngineSpec`): name, abbreviation, extra,
  sqlglot dialect, name rules, check spellings, ``FF_*`` overrides, engine class;
* :mod:`.base`: the :class:`Engine` protocol and the :class:`Column` it describes;
  :mod:`.capabilities`: what some engines add;
* :mod:`.relations`: relation identity; :mod:`.seed_files`: the seed CSV rules every engine
  loads by; :mod:`.duckdb`: DuckDB; :mod:`.fake`: an in-memory stand-in for tests of the
  executor (not a warehouse).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import Any

from pytest_fft.engines.base import Column, Engine, EngineClass
from pytest_fft.engines.capabilities import (
    AuditTable,
    FrameReader,
    InlineInputs,
    RowLoader,
    capability,
)
from pytest_fft.engines.registry import (
    DEFAULT_ENGINE,
    ENGINES,
    EngineSpec,
    engine_spec,
    find_engine_spec,
)
from pytest_fft.engines.relations import ExistingRelations

__all__ = [
    "ENGINES", "AuditTable", "Column", "Engine", "EngineClass", "EngineSpec", "ExistingRelations",
    "FrameReader", "InlineInputs", "RowLoader", "capability", "create_engine",
    "create_unit_engine", "engine_spec", "find_engine_spec", "warehouse_exists",
]



def create_engine(profile: Any, *, wait: float = 0.0, read_only: bool = False) -> Engine:
    """An engine for a resolved profile (a member of ``pytest_fft.project.profiles.Profile``).

    ``wait``: seconds to wait for a database another process holds (0: fail at once).
    ``read_only``: for tools that only look (``fft dag``): no lock on writers, nothing created.
    The engine class named by the registry is imported here, so a run loads one driver.
    """
    from pytest_fft.errors import EngineNotInstalledError

    spec = engine_spec(profile.engine)
    if spec.engine_class is None:
        raise EngineNotInstalledError(
            f"engine {spec.name!r} is not available in this version of pytest-fft",
            hint=f"use a duckdb profile for now; the {spec.name} engine will ship with "
                 f"{spec.install_hint}",
        )
    with _driver_of(spec):
        engine: Engine = _engine_class(spec).from_profile(profile, wait=wait,
                                                          read_only=read_only)
    return engine


def warehouse_exists(profile: Any) -> bool:
    """Whether the profile's warehouse exists to be read (``fft dag`` shows no columns, and
    creates nothing, when it does not). True where only opening it can tell."""
    spec = engine_spec(profile.engine)
    if spec.engine_class is None:
        return True  # opening it says why it cannot be read
    with _driver_of(spec):
        exists: bool = _engine_class(spec).warehouse_exists(profile)
    return exists


def create_unit_engine(engine: str = DEFAULT_ENGINE, profile: Any = None) -> Engine:
    """A private, empty engine for one unit case (DuckDB: a scratch schema of an in-memory
    database; PostgreSQL: a scratch schema on the server of ``profile``, a resolved profile
    of that engine; ``close()`` drops it). EngineNotInstalledError for an engine that cannot
    run unit cases yet."""
    from pytest_fft.errors import EngineNotInstalledError

    spec = find_engine_spec(engine)
    if spec is None or spec.engine_class is None:
        raise EngineNotInstalledError(
            f"unit tests on {engine!r} are not available yet",
            hint="run them on DuckDB (drop engine:/--engine), the default")
    with _driver_of(spec):
        scratch: Engine = _engine_class(spec).scratch(profile)
    return scratch


def _engine_class(spec: EngineSpec) -> EngineClass:
    assert spec.engine_class is not None
    module_name, _, class_name = spec.engine_class.partition(":")
    engine_class: EngineClass = getattr(import_module(module_name), class_name)
    return engine_class


@contextmanager
def _driver_of(spec: EngineSpec) -> Iterator[None]:
    """A missing driver (the engine module imports it when an engine opens) as one error
    naming the extra to install."""
    from pytest_fft.errors import EngineNotInstalledError

    try:
        yield
    except ModuleNotFoundError as exc:
        raise EngineNotInstalledError(
            f"engine {spec.name!r} needs {exc.name}, which is not installed",
            hint=spec.install_hint,
        ) from exc

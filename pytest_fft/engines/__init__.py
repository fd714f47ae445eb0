"""The one seam that talks to a warehouse. Each engine module imports its driver lazily.

* :mod:`.registry`: every engine as data (:class:`EngineSpec`): name, abbreviation, extra,
  sqlglot dialect, name rules, check spellings, ``FF_*`` overrides, engine class;
* :mod:`.base`: the :class:`Engine` protocol; :mod:`.capabilities`: what some engines add;
* :mod:`.relations`: relation identity; :mod:`.duckdb`: DuckDB; :mod:`.fake`: an in-memory
  stand-in for tests of the executor (not a warehouse).
"""

from __future__ import annotations

from importlib import import_module
from types import MappingProxyType
from typing import Any

from pytest_fft.engines.base import Engine
from pytest_fft.engines.capabilities import (
    AuditTable,
    FrameReader,
    InlineInputs,
    RowLoader,
    capability,
)
from pytest_fft.engines.registry import ENGINES, EngineSpec, engine_spec, find_engine_spec
from pytest_fft.engines.relations import ExistingRelations

__all__ = [
    "ENGINES", "ENGINE_ABBREV", "AuditTable", "Engine", "EngineSpec", "ExistingRelations",
    "FrameReader", "InlineInputs", "RowLoader", "capability", "create_engine", "engine_spec",
    "find_engine_spec",
]

# Kept for BuildRun.engine_abbrev (run/session.py); new code reads engine_spec(name).abbrev.
ENGINE_ABBREV = MappingProxyType({name: spec.abbrev for name, spec in ENGINES.items()})


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
    module_name, _, class_name = spec.engine_class.partition(":")
    try:  # the engine module imports its driver when the engine opens
        engine: Engine = getattr(import_module(module_name), class_name).from_profile(
            profile, wait=wait, read_only=read_only)
    except ModuleNotFoundError as exc:  # the driver of an optional extra is missing
        raise EngineNotInstalledError(
            f"engine {spec.name!r} needs {exc.name}, which is not installed",
            hint=spec.install_hint,
        ) from exc
    return engine

"""The plugin SDK: what a package that extends pytest-fft imports.

Two ways to extend pytest-fft, both documented in ``docs/plugins.md``:

* **Hooks.** A pytest plugin implements any of the ``pytest_fft_*`` hooks of
  :mod:`pytest_fft.plugin.hookspecs` (run started/finished, node started/finished, check
  result, docs context). Their arguments are the records below: :class:`RunInfo`,
  :class:`Node`, :class:`NodeResult`.
* **Engines.** A package adds an engine by naming its :class:`EngineSpec` in the entry point
  group :data:`ENTRY_POINT_GROUP`::

      [project.entry-points."pytest_fft.engines"]
      sqlite = "fft_sqlite:SPEC"

  The spec names the engine class (``engine_class="fft_sqlite.engine:SQLiteEngine"``, imported
  only when a profile uses the engine), its sqlglot dialect, its check spellings and its
  profile block (``settings``, a subclass of :class:`EngineSettings`). The class implements
  the :class:`Engine` protocol and the class-level :class:`EngineClass` ways to get one, and
  declares the :data:`capabilities` it has beyond that. A profile then says
  ``engine: sqlite`` with a ``sqlite:`` block, exactly like a built-in engine's.

The module that holds the spec is imported whenever the engine is looked up: keep the
warehouse driver out of it.
"""

from __future__ import annotations

from pytest_fft.engines.base import Engine, EngineClass
from pytest_fft.engines.capabilities import (
    AuditTable,
    CostEstimate,
    FrameReader,
    IncrementalTarget,
    InlineInputs,
    RowLoader,
    SelectFrame,
    SnapshotTarget,
    ThreadInterrupt,
    capability,
)
from pytest_fft.engines.registry import ENTRY_POINT_GROUP, CheckSpelling, EngineSpec
from pytest_fft.engines.relations import ExistingRelations
from pytest_fft.engines.seed_files import CsvLayout, SeedFileError, SeedShape, csv_layout
from pytest_fft.project.profile_models import EngineSettings
from pytest_fft.project.records import Node, Project
from pytest_fft.run.events import RunInfo
from pytest_fft.run.executor import NodeResult

__all__ = [
    "ENTRY_POINT_GROUP", "AuditTable", "CheckSpelling", "CostEstimate", "CsvLayout", "Engine",
    "EngineClass", "EngineSettings", "EngineSpec", "ExistingRelations", "FrameReader",
    "IncrementalTarget", "InlineInputs", "Node", "NodeResult", "Project", "RowLoader",
    "RunInfo", "SeedFileError", "SeedShape", "SelectFrame", "SnapshotTarget",
    "ThreadInterrupt", "capability", "csv_layout",
]

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

An engine module also finds here what it shares with the built-in engines, so it imports no
private module of pytest-fft:

* relations: :class:`Column`, one entry of :meth:`Engine.relation_columns` (name, the
  warehouse's type, and ``nullable``: True, False, or None when the engine cannot tell);
  :class:`ExistingRelations`, what :meth:`Engine.existing_relations` gives;
* the audit table: its name :data:`AUDIT_TABLE` (``_ff_meta``, which no seed or model may
  build), its columns :data:`AUDIT_COLUMNS` in order, and :func:`foreign_audit_table`, the
  message for a table of that name that is not the audit table;
* seeds: :func:`csv_layout` and :class:`SeedShape`; a :class:`SeedFileError` hint names the
  seed file as :data:`FILE` (``{file}``), which pytest-fft replaces with the file's path;
* errors: :class:`ProfileError` for a profile block the engine cannot use (a database path
  that cannot be created), :class:`EngineNotInstalledError` for a driver that is missing.
"""

from __future__ import annotations

from pytest_fft.engines.base import Column, Engine, EngineClass
from pytest_fft.engines.capabilities import (
    AUDIT_COLUMNS,
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
    foreign_audit_table,
)
from pytest_fft.engines.registry import AUDIT_TABLE, ENTRY_POINT_GROUP, CheckSpelling, EngineSpec
from pytest_fft.engines.relations import ExistingRelations
from pytest_fft.engines.seed_files import FILE, CsvLayout, SeedFileError, SeedShape, csv_layout
from pytest_fft.errors import EngineNotInstalledError, ProfileError
from pytest_fft.project.profile_models import EngineSettings
from pytest_fft.project.records import Node, Project
from pytest_fft.run.events import RunInfo
from pytest_fft.run.executor import NodeResult

__all__ = [
    "AUDIT_COLUMNS", "AUDIT_TABLE", "ENTRY_POINT_GROUP", "FILE", "AuditTable", "CheckSpelling",
    "Column", "CostEstimate", "CsvLayout", "Engine", "EngineClass", "EngineNotInstalledError",
    "EngineSettings", "EngineSpec", "ExistingRelations", "FrameReader", "IncrementalTarget",
    "InlineInputs", "Node", "NodeResult", "ProfileError", "Project", "RowLoader", "RunInfo",
    "SeedFileError", "SeedShape", "SelectFrame", "SnapshotTarget", "ThreadInterrupt",
    "capability", "csv_layout", "foreign_audit_table",
]

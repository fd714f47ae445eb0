"""What an engine or hook package imports from ``pytest_fft.sdk`` is pinned: additions and
removals are deliberate (docs/plugins.md documents them)."""

from __future__ import annotations

import pytest_fft.engines
import pytest_fft.sdk as sdk

EXPECTED_ALL = [
    "AUDIT_COLUMNS", "AUDIT_TABLE", "ENTRY_POINT_GROUP", "FILE", "AuditTable", "CheckSpelling",
    "Column", "CostEstimate", "CsvLayout", "Engine", "EngineClass", "EngineNotInstalledError",
    "EngineSettings", "EngineSpec", "ExistingRelations", "FrameReader", "IncrementalTarget",
    "InlineInputs", "Node", "NodeResult", "ProfileError", "Project", "RowLoader", "RunInfo",
    "SeedFileError", "SeedShape", "SelectFrame", "SnapshotTarget", "ThreadInterrupt",
    "capability", "csv_layout", "foreign_audit_table",
]


def test_all_is_pinned() -> None:
    assert sdk.__all__ == EXPECTED_ALL


def test_every_name_resolves() -> None:
    for name in sdk.__all__:
        assert getattr(sdk, name) is not None, name


def test_column_is_the_record_relation_columns_gives() -> None:
    """An engine package builds the same ``Column`` the built-in engines return; its
    nullability is unknown unless it says."""
    assert sdk.Column is pytest_fft.engines.Column
    assert sdk.Column("id", "INTEGER") == ("id", "INTEGER", None)
    assert sdk.Column("id", "INTEGER", False).nullable is False

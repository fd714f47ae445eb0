"""Whether a column may be NULL, from the warehouse's listing (Engine.relation_columns) to the
docs: the catalog, the node page's Nullable column and the manifest."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pytest_fft.docs.catalog import Column as ListedColumn
from pytest_fft.docs.catalog import as_column as listed_column
from pytest_fft.docs.catalog import build_catalog
from pytest_fft.docs.manifest import manifest
from pytest_fft.docs.site_files import site_files
from pytest_fft.engines.base import Column, as_column
from pytest_fft.engines.fake import FakeEngine, FakeFrame
from pytest_fft.project.descriptions import collect_descriptions
from pytest_fft.project.loader import load_project


def _project(tmp_path: Path) -> Any:
    root = tmp_path / "p"
    (root / "models").mkdir(parents=True)
    (root / "project.yml").write_text("name: p\n")
    (root / "models" / "users.ff.sql").write_text("select 1 as id, 'a@b' as email\n")
    return load_project(root, engine="duckdb")


def _columns(catalog: Any, node: str) -> list[tuple[str, str | None, bool | None]]:
    found = next(n for n in catalog.nodes if n.name == node)
    return [(c.name, c.dtype, c.nullable) for c in found.columns]


def test_the_catalog_carries_the_warehouses_nullability(tmp_path: Path) -> None:
    project = _project(tmp_path)
    schema = {"USERS": [Column("id", "INTEGER", False), Column("email", "VARCHAR", True)]}
    catalog = build_catalog(project, project.dag.order, collect_descriptions(project),
                            schema=schema)
    assert _columns(catalog, "users.ff") == [("id", "INTEGER", False),
                                             ("email", "VARCHAR", True)]
    document = manifest(catalog, datetime(2026, 12, 5, tzinfo=UTC))
    assert [(c["name"], c["nullable"]) for c in document["models"][0]["columns"]] == [
        ("id", False), ("email", True)]


def test_pairs_of_an_older_engine_say_nothing_of_nullability(tmp_path: Path) -> None:
    project = _project(tmp_path)
    catalog = build_catalog(project, project.dag.order, collect_descriptions(project),
                            schema={"users": [("id", "INTEGER"), ("email", "VARCHAR")]})
    assert _columns(catalog, "users.ff") == [("id", "INTEGER", None),
                                             ("email", "VARCHAR", None)]
    for convert in (as_column, listed_column):
        assert convert(("id", "INTEGER")) == ("id", "INTEGER", None)
        assert convert(["id", None, "yes"]) == ("id", "", None)  # not a bool: unknown
        assert convert(Column("id", "INTEGER", False)) == ("id", "INTEGER", False)


def test_the_docs_read_the_engines_column_record_as_it_is() -> None:
    # docs/ imports no engine: its Column mirrors engines.base.Column field for field.
    assert ListedColumn._fields == Column._fields
    assert ListedColumn._field_defaults == Column._field_defaults


def test_the_page_shows_a_nullable_column_only_when_the_warehouse_said(tmp_path: Path) -> None:
    project = _project(tmp_path)
    told = {"users": [Column("id", "INTEGER", False), Column("email", "VARCHAR", True)]}
    files, _ = site_files(project, project.dag.order, dialect="duckdb", schema=told)
    page = files["nodes/users.ff.html"]
    assert "<th>Nullable</th>" in page
    assert "<td>no</td>" in page and "<td>yes</td>" in page
    untold = {"users": [Column("id", "INTEGER"), Column("email", "VARCHAR")]}
    files, _ = site_files(project, project.dag.order, dialect="duckdb", schema=untold)
    assert "Nullable" not in files["nodes/users.ff.html"]


def test_the_fake_engine_says_what_its_frames_show() -> None:
    engine = FakeEngine(frames={"t": FakeFrame(["a", "b"], [(1, None), (2, "x")])})
    assert engine.relation_columns() == {"t": [Column("a", "unknown", None),
                                               Column("b", "unknown", True)]}

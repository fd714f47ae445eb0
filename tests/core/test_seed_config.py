"""seeds/schema.yml, FFT_SEEDS_DIR and the seed metadata columns, as the loader reads them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_fft.errors import ProjectFileError
from pytest_fft.project.seed_config import parse_seed_config, seeds_dir

Load = Callable[..., Any]

USERS = "id,email\n1,a@example.com\n"
MODEL = {"models/m.ff.sql": "select id from {{ ref('seed_users') }}\n"}


def test_targets_resolve_by_seed_id_then_dotted_id_then_stem() -> None:
    cfg = parse_seed_config({"targets": {
        "raw/users": {"schema": "raw", "table": "seed_users",
                      "schema_by_engine": {"Postgres": "staging"}},
        "lake.events": {"schema": "lake"},
        "orders": {"table": "seed_orders"},
    }}, "seeds/schema.yml")
    duck = cfg.placement("raw/users", "users", "duckdb", stem_unique=True)
    assert (duck.schema, duck.table) == ("raw", "seed_users")
    pg = cfg.placement("raw/users", "users", "postgres", stem_unique=True)
    assert (pg.schema, pg.table) == ("staging", "seed_users")
    dotted = cfg.placement("lake/events", "events", "duckdb", stem_unique=True)
    assert (dotted.schema, dotted.table) == ("lake", "events")
    stem = cfg.placement("erp/orders", "orders", "duckdb", stem_unique=True)
    assert (stem.schema, stem.table) == (None, "seed_orders")
    none = cfg.placement("other", "other", "duckdb", stem_unique=True)
    assert (none.schema, none.table) == (None, "other")


def test_a_stem_key_shared_by_two_files_is_an_error_naming_the_path_key() -> None:
    cfg = parse_seed_config({"targets": {"users": {"schema": "raw"}}}, "seeds/schema.yml")
    with pytest.raises(ProjectFileError) as info:
        cfg.placement("a/users", "users", "duckdb", stem_unique=False)
    assert "target 'users' is ambiguous" in info.value.message
    assert "'a/users'" in (info.value.hint or "")


def test_column_types_from_columns_and_dtypes_with_engine_overrides() -> None:
    cfg = parse_seed_config({
        "columns": {"seed_users": {"id": "int", "signup": {"type": "datetime",
                                                            "engines": {"postgres": "timestamptz"}},
                                   "code": "varchar(3)"}},
        "dtypes": {"seed_orders": {"amount": "float64", "id": "Int64"}},
    }, "seeds/schema.yml")
    assert cfg.column_types("seed_users", "duckdb") == {
        "id": "integer", "signup": "timestamp", "code": "varchar(3)"}
    assert cfg.column_types("seed_users", "postgres")["signup"] == "timestamptz"
    assert cfg.column_types("seed_orders", "duckdb") == {"amount": "double", "id": "bigint"}
    assert cfg.column_types("nothing", "duckdb") == {}


@pytest.mark.parametrize(("raw", "message", "hint"), [
    ({"target": {}}, "unknown key 'target' in seeds/schema.yml", "targets, columns, dtypes"),
    ({"targets": {"u": {"schemas": "raw"}}}, "unknown key 'schemas' in target 'u'",
     "schema, table, schema_by_engine"),
    ({"targets": {"u": {"schema": 3}}}, "target 'u' schema must be a name, not 3", "string"),
    ({"targets": ["u"]}, "targets must be a mapping", "docs/project.md"),
    ({"columns": {"t": {"c": {"typ": "int"}}}}, "unknown key 'typ' in columns.t.c",
     "type, engines"),
])
def test_bad_schema_yml_is_an_error_with_key_and_fix(tmp_path: Path, raw: Any, message: str,
                                                     hint: str) -> None:
    import yaml

    from pytest_fft.project.seed_config import load_seed_config

    (tmp_path / "schema.yml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ProjectFileError) as info:
        load_seed_config(tmp_path, "seeds/schema.yml")
    assert message in info.value.message
    assert hint in (info.value.hint or "")
    assert info.value.file == "seeds/schema.yml"


def test_seeds_dir_honours_fft_seeds_dir(tmp_path: Path) -> None:
    assert seeds_dir(tmp_path, {}) == tmp_path / "seeds"
    assert seeds_dir(tmp_path, {"FFT_SEEDS_DIR": ".local/seeds"}) == tmp_path / ".local/seeds"
    assert seeds_dir(tmp_path, {"FFT_SEEDS_DIR": "/data/seeds"}) == Path("/data/seeds")


def test_loader_places_renames_and_types_seeds(load: Load) -> None:
    project = load({
        **MODEL,
        "seeds/raw/users.csv": USERS,
        "seeds/schema.yml": "targets:\n  raw/users: {schema: raw, table: seed_users}\n"
                            "columns:\n  seed_users: {id: bigint}\n",
    })
    seed = project.seeds["seed_users"]
    assert (seed.relation, seed.seed_id, seed.schema) == ("raw.seed_users", "raw/users", "raw")
    assert seed.column_types == (("id", "bigint"),)
    assert seed.metadata is False  # nothing in the project reads _ff_loaded_at
    assert project.models["m.ff"].sql == "select id from raw.seed_users"
    assert project.models["m.ff"].deps == ("seed_users",)


def test_loader_reads_seeds_from_fft_seeds_dir(load: Load, monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "seed_users.csv").write_text(USERS)
    monkeypatch.setenv("FFT_SEEDS_DIR", str(elsewhere))
    project = load({**MODEL, "seeds/ignored.csv": USERS})
    assert sorted(project.seeds) == ["seed_users"]
    assert project.seeds["seed_users"].path == elsewhere / "seed_users.csv"


@pytest.mark.parametrize("where", [
    {"models/fresh.ff.sql": "select max(_ff_loaded_at) as t from {{ ref('seed_users') }}\n"},
    {"sources.yml": "version: 2\nsources:\n  - name: crm\n    tables:\n      - name: users\n"
                    "        identifier: seed_users\n"
                    "        freshness: {loaded_at_field: _ff_loaded_at}\n"},
])
def test_seeds_carry_metadata_columns_when_the_project_reads_them(load: Load,
                                                                  where: dict) -> None:
    project = load({**MODEL, "seeds/seed_users.csv": USERS, **where})
    assert project.seeds["seed_users"].metadata is True

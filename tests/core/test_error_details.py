"""Details that are easy to get wrong: error locations, macros calling ref()/var(),
and unique module names for Python model files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_fft.errors import ProfileError, ProjectError, ProjectFileError
from pytest_fft.project.profiles import resolve_profile
from pytest_fft.project.sources import load_sources

Load = Callable[..., Any]


def read_sources(tmp_path: Path, text: str) -> dict:
    path = tmp_path / "sources.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_sources(path)


@pytest.mark.parametrize(
    ("text", "line"),
    [("crm: {users: seed_users}\n", 1), ("crm:\n  accounts: {}\n  users: seed_users\n", 3)],
)
def test_sources_scalar_table_entry_error_has_the_line(tmp_path: Path, text: str,
                                                       line: int) -> None:
    with pytest.raises(ProjectFileError) as info:
        read_sources(tmp_path, text)
    assert info.value.message == (
        "sources.yml: crm.users must be a mapping like {identifier: seed_users}")
    assert info.value.line == line


def test_sources_list_form_tables_must_be_a_list(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError) as info:
        read_sources(tmp_path, """\
            version: 2
            sources:
              - name: crm
                tables:
                  users: {identifier: seed_users}
            """)
    assert "'tables'" in info.value.message and "must be a list" in info.value.message
    assert (info.value.file, info.value.line) == ("sources.yml", 4)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("dev:\n  engine: duckdb\n  duckdb: {path: x.duckdb, pat: 1}\n",
                     "profile 'dev' in {file} has an unknown key duckdb.pat (did you mean "
                     "duckdb.path?)", id="unknown-setting"),
        pytest.param("dev:\n  engine: postgres\n  postgres: {db_schema: x}\n",
                     "profile 'dev' is invalid at postgres.dsn: Field required",
                     id="missing-dsn"),
        pytest.param("dev:\n  engine: postgres\n",
                     "profile 'dev' is invalid at postgres: Field required", id="missing-block"),
    ],
)
def test_profile_error_location_is_the_key_path_in_profiles_yml(tmp_path: Path, text: str,
                                                                message: str) -> None:
    (tmp_path / "profiles.yml").write_text(text)
    with pytest.raises(ProfileError) as info:
        resolve_profile(tmp_path, "dev", environ={})
    assert info.value.message == message.format(file=tmp_path / "profiles.yml")


def test_profile_error_for_unknown_engine_names_the_engine_key(tmp_path: Path) -> None:
    (tmp_path / "profiles.yml").write_text("dev:\n  engine: sqlite\n")
    with pytest.raises(ProfileError) as info:
        resolve_profile(tmp_path, "dev", environ={})
    assert info.value.message.startswith("profile 'dev' in ")
    assert "names the engine 'sqlite', which is neither built in nor installed" in (
        info.value.message)
    assert info.value.line == 2  # the line of engine:


def test_missing_var_error_has_the_template_line(load: Load) -> None:
    with pytest.raises(ProjectError) as info:
        load({"models/x.ff.sql": "select 1\nwhere d > '{{ var('start_date') }}'\n"})
    assert (info.value.file, info.value.line) == ("models/x.ff.sql", 2)


def test_jinja_macros_can_use_var(load: Load) -> None:
    project = load({
        "project.yml": "name: p\nvars: {since: '2024-01-01'}\n",
        "models/macros/filters.sql":
            "{% macro since_filter(col) %}{{ col }} >= '{{ var('since') }}'{% endmacro %}\n",
        "models/x.ff.sql": "select 1 as d where {{ since_filter('d') }}",
    })
    assert project.models["x.ff"].sql == "select 1 as d where d >= '2024-01-01'"


def test_jinja_macros_can_use_ref(load: Load) -> None:
    project = load({
        "models/users.ff.sql": "select 1 as id",
        "models/macros/from_users.sql":
            "{% macro from_users() %}from {{ ref('users') }}{% endmacro %}\n",
        "models/x.ff.sql": "select id {{ from_users() }}",
    })
    assert project.models["x.ff"].sql == "select id from users"
    assert project.models["x.ff"].deps == ("users.ff",)


def test_python_model_module_names_are_unique(load: Load) -> None:
    import sys

    project = load({
        "models/a-b.ff.py": "from pytest_fft import model\n@model(name='m1')\ndef f():\n"
                            "    return 1\n",
        "models/a_b.ff.py": "from pytest_fft import model\n@model(name='m2')\ndef g():\n"
                            "    return 2\n",
    })
    from pytest_fft.project.python_models import resolve_function

    m1, m2 = (resolve_function(project.models[n].func) for n in ("m1", "m2"))
    assert m1.__module__ != m2.__module__
    assert sys.modules[m1.__module__].__file__ == str(project.root / "models" / "a-b.ff.py")

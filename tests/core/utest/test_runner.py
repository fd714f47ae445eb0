"""run_case: a SQL model's case is one query over its inputs; anything else builds tables."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_fft.engines.duckdb import DuckDBEngine
from pytest_fft.errors import ModelError
from pytest_fft.loader import load_project
from pytest_fft.utest import compare_frames, expected_frame, load_unit_file
from pytest_fft.utest.runner import run_case

FILES = {
    "project.yml": "name: r\n",
    "models/users.ff.sql": "select id, lower(email) as email from {{ source('crm', 'users') }}\n",
    "models/broken.ff.sql": "select no_such_column from {{ source('crm', 'users') }}\n",
    "models/users_py.ff.py": "from pytest_fft import model\n@model(name='users_py', deps=['users.ff'])\n"
                             "def f(df):\n    return df\n",
    "sources.yml": "crm: {users: {identifier: seed_users}}\n",
    "seeds/seed_users.csv": "id,email\n1,a@x.com\n",
}

SPEC = """\
model: {model}
cases:
  - name: c
    inputs:
      {input}:
        rows:
          - {{id: 1, email: A@X.COM}}
          - {{id: 2, email: b@y.com}}
    expect:
      rows:
        - {{id: 1, email: {first}}}
        - {{id: 2, email: b@y.com}}
"""


@pytest.fixture
def case(project_dir: Callable[..., Path]) -> Callable[..., tuple]:
    root = project_dir(FILES)
    project = load_project(root)

    def make(model: str = "users.ff", input: str = "seed_users", first: str = "a@x.com",
             extra: str = "") -> tuple:
        path = root / "tests" / "unit" / f"{model}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(SPEC.format(model=model, input=input, first=first) + textwrap.dedent(extra))
        return project, load_unit_file(project, path)[0]

    return make


def test_a_sql_case_is_one_query_and_creates_nothing(case: Callable[..., tuple]) -> None:
    project, unit = case()
    engine = DuckDBEngine.scratch()
    try:
        assert run_case(project, unit, engine).equal
        assert not engine._schema_created  # no table for the inputs, none for the result
    finally:
        engine.close()


def test_a_failing_sql_case_shows_the_same_diff_as_the_table_path(
        case: Callable[..., tuple]) -> None:
    project, unit = case(first="A@X.COM")
    direct = DuckDBEngine.scratch()
    diff = run_case(project, unit, direct)
    direct.close()
    assert not diff.equal
    assert "email expected 'A@X.COM', got 'a@x.com'" in diff.text
    # The same case through tables: load the inputs, build, read the result back.
    engine = DuckDBEngine.scratch()
    try:
        engine.load_rows("seed_users", ("id", "email"), unit.inputs["seed_users"].rows)
        engine.create_relation("users", project.models["users.ff"].sql, "table")
        frame = engine.read_frame("users")
    finally:
        engine.close()
    assert compare_frames(frame, unit.expect, expected_frame(unit.expect)) == diff


def test_a_sql_error_names_the_model_as_a_build_would(case: Callable[..., tuple]) -> None:
    project, unit = case(model="broken.ff")
    engine = DuckDBEngine.scratch()
    try:
        with pytest.raises(ModelError) as info:
            run_case(project, unit, engine)
    finally:
        engine.close()
    assert info.value.message.startswith("broken.ff failed on duckdb: ")
    assert "no_such_column" in info.value.message
    assert (info.value.file, info.value.node) == ("models/broken.ff.sql", "broken.ff")


def test_python_models_still_build_through_tables(case: Callable[..., tuple]) -> None:
    project, unit = case(model="users_py", input="users", first="A@X.COM")
    engine = DuckDBEngine.scratch()
    try:
        diff = run_case(project, unit, engine)
        assert engine._schema_created
    finally:
        engine.close()
    assert diff.equal, diff.text

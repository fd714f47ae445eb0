"""run_case: a SQL model's case is one query over its inputs; anything else builds tables."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pytest_fft.engines.duckdb import DuckDBEngine, inline_relation
from pytest_fft.errors import ModelError
from pytest_fft.project.loader import load_project
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


def test_a_python_case_with_inline_rows_creates_no_table(case: Callable[..., tuple]) -> None:
    project, unit = case(model="users_py", input="users", first="A@X.COM")
    engine = DuckDBEngine.scratch()
    try:
        diff = run_case(project, unit, engine)
        assert not engine._schema_created
    finally:
        engine.close()
    assert diff.equal, diff.text


def test_a_python_case_reads_its_inputs_as_a_build_would(case: Callable[..., tuple]) -> None:
    """The frame the model gets has the types a table of those rows would give it."""
    project, unit = case(model="users_py", input="users", first="A@X.COM")
    seen = {}
    model = project.models["users_py"]
    project.models["users_py"] = replace(model, func=lambda df: seen.setdefault("df", df))
    engine = DuckDBEngine.scratch()
    try:
        run_case(project, unit, engine)
        engine.load_rows("users", ("id", "email"), unit.inputs["users"].rows)
        through_table = engine.read_frame("users")
    finally:
        engine.close()
    assert seen["df"].dtypes.to_dict() == through_table.dtypes.to_dict()
    assert seen["df"].to_dict("list") == through_table.to_dict("list") == {
        "id": [1, 2], "email": ["A@X.COM", "b@y.com"]}


def test_a_python_case_with_a_csv_input_builds_through_tables(
        case: Callable[..., tuple]) -> None:
    project, unit = case(model="users_py", input="users", first="A@X.COM")
    csv = project.root / "users.csv"
    csv.write_text("id,email\n1,A@X.COM\n2,b@y.com\n")
    unit = replace(unit, inputs={"users": replace(unit.inputs["users"], rows=None, csv=csv)})
    engine = DuckDBEngine.scratch()
    try:
        diff = run_case(project, unit, engine)
        assert engine._schema_created
    finally:
        engine.close()
    assert diff.equal, diff.text


@pytest.mark.parametrize(("values", "sql_type"), [
    ([1, None, 2**40], "BIGINT"),
    ([1, 2.5], "DOUBLE"),
    (["a", None], "VARCHAR"),
    ([True, False], "BOOLEAN"),
    ([date(2024, 1, 31)], "DATE"),
    ([datetime(2024, 1, 31, 8)], "TIMESTAMP"),
    ([datetime(2024, 1, 31, 8, tzinfo=UTC)], "TIMESTAMP WITH TIME ZONE"),
])
def test_inline_rows_get_one_sql_type_per_column(values: list, sql_type: str) -> None:
    rel = inline_relation(("v",), tuple({"v": v} for v in values))
    engine = DuckDBEngine.scratch()
    try:
        names, rows = engine.select_with_inputs("select v, typeof(v) as t from inp",
                                                {"inp": rel})
    finally:
        engine.close()
    assert names == ["v", "t"]
    assert [r[1] for r in rows] == [sql_type] * len(values)
    assert [r[0] for r in rows] == values


@pytest.mark.parametrize(("values", "reason"), [
    ([None, None], "column v has only NULLs"),
    ([1, "a"], "column v holds int, str"),
    ([True, 1], "column v holds bool, int"),
    ([2**63], "column v holds int"),
    ([date(2024, 1, 1), datetime(2024, 1, 1)], "column v holds date, datetime"),
    ([datetime(2024, 1, 1), datetime(2024, 1, 1, tzinfo=UTC)], "column v holds datetime"),
    ([[1, 2]], "column v holds list"),
])
def test_inline_rows_without_one_sql_type_take_the_table_path(values: list, reason: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(reason)}$"):
        inline_relation(("v",), tuple({"v": v} for v in values))


def test_mixed_kinds_in_an_input_column_still_run_through_tables(
        case: Callable[..., tuple]) -> None:
    project, unit = case(first="a@x.com")
    rows = ({"id": 1, "email": "A@X.COM"}, {"id": "2", "email": "b@y.com"})  # int and text
    unit = replace(unit, inputs={"seed_users": replace(unit.inputs["seed_users"], rows=rows)})
    engine = DuckDBEngine.scratch()
    try:
        diff = run_case(project, unit, engine)
        assert engine._schema_created  # the table path
    finally:
        engine.close()
    # pandas' typing rules: a column of mixed kinds is text
    assert diff.text == ("users: 2 expected rows, 2 in the result; 2 differ\n"
                         "  row 1: id expected 1, got '1'\n"
                         "  row 2: id expected 2, got '2'")


def test_a_sql_case_imports_neither_arrow_nor_pandas(case: Callable[..., tuple]) -> None:
    project, _unit = case()
    script = textwrap.dedent(f"""
        import sys
        from pytest_fft.engines.duckdb import DuckDBEngine, inline_relation
        from pytest_fft.project.loader import load_project
        from pytest_fft.utest import load_unit_file
        from pytest_fft.utest.runner import run_case
        project = load_project({str(project.root)!r})
        unit = load_unit_file(project, {str(project.root / 'tests/unit/users.ff.yml')!r})[0]
        engine = DuckDBEngine.scratch()
        assert run_case(project, unit, engine).equal
        print(sorted(m for m in ("pandas", "pyarrow", "numpy") if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"

"""tests/unit/*.yml parsed into UnitCase records: every key of the DSL, defaults, file paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_fft.project.records import Project
from pytest_fft.project.yaml_io import LineDict, load_yaml
from pytest_fft.utest import (
    Expectation,
    InputData,
    UnitCase,
    deep_merge,
    load_unit_file,
    load_unit_specs,
)

MART = """
model: mart_orders_enriched
cases:
  - name: join
    inputs:
      orders:
        rows:
          - {order_id: 10, user_id: 1, amount: 19.9}
      users_enriched:
        rows:
          - {id: 1, email: "x@gmail.com"}
    expect:
      rows:
        - {order_id: 10, email: "x@gmail.com"}
"""


def test_a_minimal_case_becomes_one_record(parse, spec_file, tiny: Project) -> None:
    (case,) = parse(MART)
    path = spec_file(MART)
    assert case == UnitCase(
        name="join",
        spec_path=path.resolve(),
        rel_path="tests/unit/test_a_minimal_case_becomes_one_record.yml",
        model="mart_orders_enriched.ff",
        engine=None,
        inputs={
            "orders": InputData(relation="orders", rows=({"order_id": 10, "user_id": 1,
                                                          "amount": 19.9},),
                                csv=None, columns=("order_id", "user_id", "amount"), line=5),
            "users_enriched": InputData(relation="users_enriched",
                                        rows=({"id": 1, "email": "x@gmail.com"},), csv=None,
                                        columns=("id", "email"), line=8),
        },
        expect=Expectation(relation="mart_orders_enriched",
                           rows=({"order_id": 10, "email": "x@gmail.com"},), csv=None,
                           order_by=(), any_order=False, ignore_columns=(), subset=False,
                           approx=False, line=11),
        line=3,
    )
    assert case.node_id == "tests/unit/test_a_minimal_case_becomes_one_record.yml::join"
    assert list(case.inputs) == ["orders", "users_enriched"]  # the model's deps order
    assert type(case.expect.rows[0]) is dict  # plain records, not YAML line containers


@pytest.mark.parametrize(("written", "node", "inputs"), [
    ("users", "users.ff", ["seed_users"]),  # the SQL file stem without .ff, as ref() finds it
    ("users.ff", "users.ff", ["seed_users"]),
    ("users_enriched", "users_enriched", ["users"]),  # a Python model by its name
    ("users_enriched.ff", "users_enriched", ["users"]),  # ... or its relation
    ("calendar", "calendar.ff", []),  # no inputs at all
])
def test_model_names_resolve_like_ref(parse, written: str, node: str,
                                      inputs: list[str]) -> None:
    rows = "".join(f"      {rel}: {{rows: [{{id: 1}}]}}\n" for rel in inputs)
    text = (f"model: {written}\ncases:\n  - name: c\n"
            + (f"    inputs:\n{rows}" if rows else "")
            + "    expect: {rows: [{id: 1}]}\n")
    (case,) = parse(text)
    assert case.model == node
    assert list(case.inputs) == inputs  # a seed counts as an input like any model


def test_engine_is_kept(parse) -> None:
    (case,) = parse("""
        model: calendar
        engine: postgres
        cases:
          - {name: c, expect: {rows: [{day: 1}]}}
    """)
    assert case.engine == "postgres"


DEFAULTS = """
model: mart_orders_enriched
engine: duckdb
defaults:
  inputs:
    orders:
      rows:
        - {order_id: 10, user_id: 1, amount: 19.9}
    users_enriched:
      rows:
        - {id: 1, email: "x@gmail.com"}
  expect:
    order_by: [order_id]
    ignore_columns: [loaded_at]
    subset: true
    approx: {amount: 0.01, fee: "0.5"}
    rows:
      - {order_id: 10, email: "x@gmail.com"}
cases:
  - name: from_defaults
  - name: overrides
    inputs:
      users_enriched:
        rows:
          - {id: 1, email: "y@gmail.com"}
          - {id: 2, email: "z@gmail.com"}
    expect:
      order_by: [email]
      subset: false
      approx: {fee: 0.25, amount: "0.02"}
      rows:
        - {order_id: 10, email: "y@gmail.com"}
"""


def test_defaults_deep_merge_into_every_case(parse) -> None:
    plain, over = parse(DEFAULTS)
    assert plain.name == "from_defaults" and plain.line == 19
    assert plain.engine == over.engine == "duckdb"
    assert plain.inputs["users_enriched"].rows == ({"id": 1, "email": "x@gmail.com"},)
    assert plain.inputs["users_enriched"].line == 8  # where the input is written: defaults
    assert plain.expect == Expectation(
        relation="mart_orders_enriched", rows=({"order_id": 10, "email": "x@gmail.com"},),
        csv=None, order_by=("order_id",), any_order=False, ignore_columns=("loaded_at",),
        subset=True, approx={"amount": 0.01, "fee": 0.5}, line=11)

    # dicts merge: the case only names users_enriched, orders still comes from defaults
    assert over.inputs["orders"] == plain.inputs["orders"]
    # lists replace: the case's rows replace the defaults' rows, never append
    assert over.inputs["users_enriched"].rows == ({"id": 1, "email": "y@gmail.com"},
                                                  {"id": 2, "email": "z@gmail.com"})
    assert over.inputs["users_enriched"].line == 22
    assert over.expect.rows == ({"order_id": 10, "email": "y@gmail.com"},)
    assert over.expect.order_by == ("email",)
    # scalars replace; keys the case leaves out keep the defaults
    assert over.expect.subset is False
    assert over.expect.ignore_columns == ("loaded_at",)
    # a mapping of tolerances merges column by column (quoted numbers become floats)
    assert over.expect.approx == {"amount": 0.02, "fee": 0.25}
    assert over.expect.line == 26


def test_deep_merge() -> None:
    base = {"a": {"x": 1, "y": [1, 2], "z": {"k": 1}}, "b": "keep"}
    override = {"a": {"y": [3], "z": {"j": 2}}, "c": None}
    assert deep_merge(base, override) == {
        "a": {"x": 1, "y": [3], "z": {"k": 1, "j": 2}}, "b": "keep", "c": None}
    assert base == {"a": {"x": 1, "y": [1, 2], "z": {"k": 1}}, "b": "keep"}  # untouched
    assert override == {"a": {"y": [3], "z": {"j": 2}}, "c": None}
    assert deep_merge({"a": {"x": 1}}, {"a": 5}) == {"a": 5}  # a scalar replaces a mapping
    assert deep_merge({"a": 5}, {"a": {"x": 1}}) == {"a": {"x": 1}}
    assert deep_merge({"a": [1]}, {"a": None}) == {"a": None}
    assert deep_merge([1], [2]) == [2]
    assert deep_merge(1, {"a": 1}) == {"a": 1}


def test_deep_merge_keeps_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "x.yml"
    path.write_text("base:\n  a: 1\n  b: 2\nover:\n  b: 3\n  c: 4\n", encoding="utf-8")
    data = load_yaml(path)
    merged = deep_merge(data["base"], data["over"])
    assert isinstance(merged, LineDict)
    assert merged == {"a": 1, "b": 3, "c": 4}
    assert [merged.line_of(k) for k in "abc"] == [2, 5, 6]


def test_rows_name_columns_in_first_seen_order(parse) -> None:
    (case,) = parse("""
        model: users
        cases:
          - name: c
            inputs:
              seed_users:
                rows:
                  - {id: 1}
                  - {email: "a@x.com", id: 2}
                  - {}
            expect:
              rows: [{id: 1}, {id: 2, email: "a@x.com"}]
    """)
    assert case.inputs["seed_users"].columns == ("id", "email")


# -- csv ------------------------------------------------------------------------------------


def test_csv_relative_to_the_spec_file_then_to_the_project_root(parse, tiny: Project) -> None:
    unit = tiny.root / "tests" / "unit"
    (unit / "data").mkdir(parents=True, exist_ok=True)
    (unit / "data" / "orders.csv").write_text("order_id,user_id,amount\n10,1,1.5\n")
    (tiny.root / "fixtures").mkdir(exist_ok=True)
    (tiny.root / "fixtures" / "users.csv").write_text("\ufeffid,email\n1,a@x.com\n")
    (tiny.root / "fixtures" / "expected.csv").write_text("order_id,email\n")
    (case,) = parse("""
        model: mart_orders_enriched
        cases:
          - name: c
            inputs:
              orders: {csv: data/orders.csv}
              users_enriched: {csv: fixtures/users.csv}
            expect:
              csv: fixtures/expected.csv
              any_order: true
    """)
    assert case.inputs["orders"] == InputData(
        relation="orders", rows=None, csv=(unit / "data" / "orders.csv").resolve(),
        columns=("order_id", "user_id", "amount"), line=5)
    assert case.inputs["users_enriched"].csv == (tiny.root / "fixtures" / "users.csv").resolve()
    assert case.inputs["users_enriched"].columns == ("id", "email")  # a BOM is not a column
    assert case.expect.csv == (tiny.root / "fixtures" / "expected.csv").resolve()
    assert case.expect.rows is None
    assert case.expect.any_order is True


def test_csv_may_be_absolute(parse, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("id,email\n1,a@x.com\n")
    (case,) = parse(f"""
        model: users
        cases:
          - name: c
            inputs: {{seed_users: {{csv: "{outside.as_posix()}"}}}}
            expect: {{rows: [{{id: 1}}]}}
    """)
    assert case.inputs["seed_users"].csv == outside.resolve()


def test_a_case_swaps_rows_for_csv_and_back(parse, tiny: Project) -> None:
    (tiny.root / "fixtures").mkdir(exist_ok=True)
    (tiny.root / "fixtures" / "seed.csv").write_text("id,email\n1,a@x.com\n")
    rows_case, csv_case = parse("""
        model: users
        defaults:
          inputs:
            seed_users: {csv: fixtures/seed.csv}
          expect:
            rows: [{id: 1}]
        cases:
          - name: rows_instead
            inputs:
              seed_users: {rows: [{id: 7}]}
          - name: csv_instead
            expect: {csv: fixtures/seed.csv}
    """)
    assert rows_case.inputs["seed_users"].rows == ({"id": 7},)
    assert rows_case.inputs["seed_users"].csv is None
    assert rows_case.expect.rows == ({"id": 1},)
    assert csv_case.inputs["seed_users"].csv is not None
    assert csv_case.expect.rows is None and csv_case.expect.csv is not None


# -- ordering, columns, tolerance ----------------------------------------------------------------


def test_order_by_and_any_order_merge_like_any_other_key(parse) -> None:
    # FastFlowTransform allows both in one expect; the row order never matters, order_by
    # only pairs rows by key
    by_default, any_order, by_email, both = parse("""
        model: users
        defaults:
          inputs: {seed_users: {rows: [{id: 1}]}}
          expect:
            order_by: [id]
            rows: [{id: 1, email: a}]
        cases:
          - name: by_default
          - name: any_order
            expect: {any_order: true}
          - name: by_email
            expect: {order_by: [email, id]}
          - name: both
            expect: {order_by: [email], any_order: true}
    """)
    assert (by_default.expect.order_by, by_default.expect.any_order) == (("id",), False)
    assert (any_order.expect.order_by, any_order.expect.any_order) == (("id",), True)
    assert (by_email.expect.order_by, by_email.expect.any_order) == (("email", "id"), False)
    assert (both.expect.order_by, both.expect.any_order) == (("email",), True)


def test_options_written_empty_count_as_not_given(parse) -> None:
    (case,) = parse("""
        model: users
        defaults:
          inputs: {seed_users: {rows: [{id: 1}]}}
          expect: {order_by: [id], ignore_columns: [email], approx: {id: 1}}
        cases:
          - name: c
            expect:
              relation:
              order_by:
              ignore_columns:
              approx:
              rows: [{id: 1}]
    """)
    assert case.expect.relation == "users"
    assert (case.expect.order_by, case.expect.ignore_columns, case.expect.approx) == \
        ((), (), False)


def test_an_input_the_model_does_not_read_is_ignored_when_all_are_given(parse) -> None:
    (case,) = parse("""
        model: users
        cases:
          - name: c
            inputs:
              seed_users: {rows: [{id: 1}]}
              leftover: {rows: [{x: 1}]}
            expect: {rows: [{id: 1}]}
    """)
    assert list(case.inputs) == ["seed_users"]


def test_a_file_without_cases_has_none(parse) -> None:
    assert parse("") == ()
    assert parse("model: users\n") == ()
    assert parse("model: users\ncases: []\n") == ()


def test_subset_ignore_columns_and_relation(parse) -> None:
    (case,) = parse("""
        model: users
        cases:
          - name: c
            inputs: {seed_users: {rows: [{id: 1}]}}
            expect:
              relation: main.users
              subset: true
              ignore_columns: [loaded_at, email]
              rows: [{id: 1}]
    """)
    assert case.expect.relation == "main.users"  # a schema prefix is fine
    assert case.expect.subset is True
    assert case.expect.ignore_columns == ("loaded_at", "email")


@pytest.mark.parametrize(("written", "parsed"), [
    ("true", True),
    ("false", False),
    ("{amount: 0.01}", {"amount": 0.01}),  # plain number
    ("{amount: 1}", {"amount": 1.0}),  # whole number -> float
    ("{amount: '1e-9'}", {"amount": 1e-9}),  # quoted
    ("{amount: 1e-9}", {"amount": 1e-9}),  # YAML reads 1e-9 as text; still a number here
    ("{amount: 0}", {"amount": 0.0}),
])
def test_approx(parse, written: str, parsed: object) -> None:
    (case,) = parse(f"""
        model: users
        cases:
          - name: c
            inputs: {{seed_users: {{rows: [{{id: 1}}]}}}}
            expect:
              approx: {written}
              rows: [{{id: 1, amount: 1.5}}]
    """)
    assert case.expect.approx == parsed
    assert type(case.expect.approx) is type(parsed)


def test_expecting_no_rows(parse) -> None:
    (case,) = parse("""
        model: calendar
        cases:
          - {name: empty, expect: {rows: []}}
    """)
    assert case.expect.rows == ()


def test_empty_sections_count_as_not_given(parse) -> None:
    (case,) = parse("""
        model: users
        defaults:
          inputs: {seed_users: {rows: [{id: 1}]}}
          expect: {rows: [{id: 1}]}
        cases:
          - name: c
            inputs:
            expect:
    """)
    assert case.inputs["seed_users"].rows == ({"id": 1},)
    assert case.expect.rows == ({"id": 1},)


# -- discovery ------------------------------------------------------------------------------


def _many(tmp_path: Path) -> Project:
    from pytest_fft.project.loader import load_project

    from .conftest import TINY_FILES, write_tree

    spec = ("model: calendar\ncases:\n  - {{name: {0}_1, expect: {{rows: [{{day: 1}}]}}}}\n"
            "  - {{name: {0}_2, expect: {{rows: [{{day: 1}}]}}}}\n")
    return load_project(write_tree(tmp_path / "many", {
        **TINY_FILES,
        "tests/unit/b.yml": spec.format("b"),
        "tests/unit/a.yml": spec.format("a"),
        "tests/unit/sub/c.yml": spec.format("c"),
        "tests/unit/notes.txt": "not a spec",
    }))


def test_load_unit_specs_reads_every_file_sorted(tmp_path: Path) -> None:
    project = _many(tmp_path)
    cases = load_unit_specs(project)
    assert [c.node_id for c in cases] == [
        "tests/unit/a.yml::a_1", "tests/unit/a.yml::a_2",
        "tests/unit/b.yml::b_1", "tests/unit/b.yml::b_2",
        "tests/unit/sub/c.yml::c_1", "tests/unit/sub/c.yml::c_2",
    ]


def test_load_unit_specs_of_given_files(tmp_path: Path) -> None:
    project = _many(tmp_path)
    absolute = project.root / "tests" / "unit" / "a.yml"
    cases = load_unit_specs(project, [Path("tests/unit/sub/c.yml"), absolute, absolute])
    assert [c.name for c in cases] == ["c_1", "c_2", "a_1", "a_2"]


def test_no_unit_folder_means_no_cases(tmp_path: Path) -> None:
    from pytest_fft.project.loader import load_project

    from .conftest import write_tree

    project = load_project(write_tree(tmp_path / "bare", {"models/a.ff.sql": "select 1 x"}))
    assert load_unit_specs(project) == ()


def test_the_core_imports_neither_pytest_nor_pandas() -> None:
    import subprocess
    import sys

    code = ("import sys, pytest_fft; before = set(sys.modules); import pytest_fft.utest; "
            "new = set(sys.modules) - before; "
            "print(sorted(m for m in ('pytest', 'pandas', 'duckdb') if m in new))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_public_names() -> None:
    from pytest_fft import utest

    assert utest.__all__ == [
        "Cells", "Expectation", "FrameDiff", "InputData", "UnitCase", "compare_frames",
        "deep_merge", "expected_cells", "expected_frame", "input_frame", "load_unit_file",
        "load_unit_specs",
    ]


def test_load_unit_file_takes_a_path_outside_the_unit_folder(tiny: Project,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "outside.yml"
    path.write_text("model: calendar\ncases:\n  - {name: c, expect: {rows: [{day: 1}]}}\n")
    (case,) = load_unit_file(tiny, path)
    assert case.rel_path == path.as_posix()

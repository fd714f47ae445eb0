"""Every mistake in a unit spec is a ProjectFileError naming the file, the line and the fix.

Each entry: the spec, the line the error must point at, the exact message, and a piece of the
hint. The tiny project (see conftest.py): mart_orders_enriched.ff reads orders and
users_enriched; users.ff reads the seed seed_users; calendar.ff reads nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_fft.project.records import Project

OK_INPUTS = """\
    inputs:
      orders: {rows: [{order_id: 1}]}
      users_enriched: {rows: [{id: 1}]}
"""

CASES: dict[str, tuple[str, int | None, str, str]] = {
    # -- unknown keys, at every level ----------------------------------------------------------
    "unknown_top_key": (
        "model: calendar\nmodle: x\ncases: []\n",
        2, "unknown key 'modle' in {file}; did you mean 'model'?",
        "a unit-test spec takes: model, engine, defaults, cases"),
    "unknown_top_key_without_suggestion": (
        "model: calendar\nzzz: 1\n",
        2, "unknown key 'zzz' in {file}", "takes: model, engine, defaults, cases"),
    "unknown_defaults_key": (
        "model: calendar\ndefaults:\n  expects: {}\ncases: []\n",
        3, "unknown key 'expects' in defaults; did you mean 'expect'?",
        "defaults takes: inputs, expect"),
    "unknown_defaults_input_key": (
        "model: users\ndefaults:\n  inputs:\n    seed_users: {row: []}\ncases: []\n",
        4, "unknown key 'row' in input seed_users in defaults; did you mean 'rows'?",
        "an input takes: rows, csv"),
    "unknown_defaults_expect_key": (
        "model: users\ndefaults:\n  expect:\n    order: [id]\ncases: []\n",
        4, "unknown key 'order' in expect in defaults; did you mean 'order_by'?",
        "expect takes: relation, rows, csv, order_by, any_order, ignore_columns, subset, approx"),
    "unknown_case_key": (
        "model: calendar\ncases:\n  - name: c\n    expct: {rows: [{day: 1}]}\n",
        4, "unknown key 'expct' in case c; did you mean 'expect'?",
        "a case takes: name, inputs, expect"),
    "unknown_case_input_key": (
        ("model: users\ncases:\n  - name: c\n    inputs:\n      seed_users:\n"
        "        rows: [{id: 1}]\n        csvs: x.csv\n"),
        7, "unknown key 'csvs' in input seed_users of case c; did you mean 'csv'?",
        "an input takes: rows, csv"),
    "unknown_case_expect_key": (
        ("model: calendar\ncases:\n  - name: c\n    expect:\n      rows: [{day: 1}]\n"
        "      any_ordr: true\n"),
        6, "unknown key 'any_ordr' in expect of case c; did you mean 'any_order'?",
        "expect takes:"),
    # -- the model -----------------------------------------------------------------------------
    "model_missing": (
        "cases:\n  - {name: c}\n",
        1, "{file} does not name its model", "add model: <model name>"),
    "model_unknown": (
        "# a comment\n\nmodel: mart_orders_enrich\ncases: []\n",
        3, ("model mart_orders_enrich does not exist in the project; "
           "did you mean mart_orders_enriched?"), "write the node name"),
    "model_unknown_far_off": (
        "model: zebra\ncases: []\n",
        1, "model zebra does not exist in the project", "write the node name"),
    "model_is_a_seed": (
        "model: seed_users\ncases: []\n",
        1, "seed_users is a seed, not a model; unit tests run one model",
        "name the model that reads it, e.g. model: users.ff"),
    "model_not_text": (
        "model: [a]\ncases: []\n", 1, "'model' must be a model name, got ['a']", "model:"),
    "engine_not_text": (
        "model: calendar\nengine: 3\ncases: []\n",
        2, "'engine' must be an engine name, got 3", "engine: duckdb"),
    # -- inputs --------------------------------------------------------------------------------
    "not_an_input": (
        ("model: mart_orders_enriched\ncases:\n  - name: c\n    inputs:\n"
        "      orderz: {rows: [{order_id: 1}]}\n      users_enriched: {rows: [{id: 1}]}\n"
        "    expect: {rows: [{order_id: 1}]}\n"),
        5, ("case c: orderz is not an input of mart_orders_enriched.ff; "
           "its inputs are orders, users_enriched"), "rename it to orders"),
    "not_an_input_from_defaults": (
        ("model: users\ndefaults:\n  inputs:\n    seed_user: {rows: [{id: 1}]}\ncases:\n"
        "  - {name: c, expect: {rows: [{id: 1}]}}\n"),
        4, "case c: seed_user is not an input of users.ff; its inputs are seed_users",
        "rename it to seed_users"),
    "input_keyed_by_node_name": (
        ("model: users_enriched\ncases:\n  - name: c\n    inputs:\n"
        "      users.ff: {rows: [{id: 1}]}\n    expect: {rows: [{id: 1}]}\n"),
        5, "case c: users.ff is not an input of users_enriched; its inputs are users",
        "inputs are keyed by relation: write users"),
    "missing_input": (
        ("model: mart_orders_enriched\ncases:\n  - name: join_and_flag\n    inputs:\n"
        "      users_enriched: {rows: [{id: 1}]}\n    expect: {rows: [{order_id: 1}]}\n"),
        3, ("case join_and_flag: model mart_orders_enriched.ff reads orders but the case gives "
           "no input `orders`"), "add `orders` under inputs"),
    "missing_csv": (
        ("model: users\ncases:\n  - name: c\n    inputs:\n      seed_users:\n"
        "        csv: data/nope.csv\n    expect: {rows: [{id: 1}]}\n"),
        6, ("case c: input seed_users reads the CSV file data/nope.csv, which does not exist "
           "(tried tests/unit/data/nope.csv and data/nope.csv)"),
        "relative to the spec file, or else to the project root"),
    "missing_expected_csv": (
        "model: calendar\ncases:\n  - name: c\n    expect:\n      csv: want.csv\n",
        5, ("case c: expect reads the CSV file want.csv, which does not exist "
           "(tried tests/unit/want.csv and want.csv)"), "fix the path"),
    "empty_input_rows": (
        ("model: users\ncases:\n  - name: c\n    inputs:\n      seed_users:\n"
        "        rows: []\n    expect: {rows: [{id: 1}]}\n"),
        6, "case c: input seed_users has no rows, so its columns are unknown",
        "use a CSV with a header, or give at least one row"),
    "input_without_data": (
        ("model: users\ncases:\n  - name: c\n    inputs:\n      seed_users:\n"
        "    expect: {rows: [{id: 1}]}\n"),
        5, "input seed_users of case c gives neither rows nor csv", "add rows: [...] or csv:"),
    "input_not_a_mapping": (
        "model: users\ncases:\n  - name: c\n    inputs:\n      seed_users: [{id: 1}]\n",
        5, "input seed_users of case c must be a mapping, got [{'id': 1}]",
        "seed_users: {rows: [...]}"),
    "inputs_not_a_mapping": (
        "model: users\ncases:\n  - name: c\n    inputs: [seed_users]\n",
        4, "inputs of case c must be a mapping, got ['seed_users']", "inputs: {users:"),
    "rows_and_csv": (
        ("model: users\ncases:\n  - name: c\n    inputs:\n      seed_users:\n"
        "        rows: [{id: 1}]\n        csv: x.csv\n"),
        7, "input seed_users of case c gives both rows and csv", "keep one of rows and csv"),
    "rows_not_a_list": (
        ("model: users\ncases:\n  - name: c\n    inputs:\n      seed_users:\n"
        "        rows: {id: 1}\n"),
        6, "rows of input seed_users of case c must be a list of mappings, got {'id': 1}",
        "rows: [{id: 1"),
    "row_not_a_mapping": (
        ("model: calendar\ncases:\n  - name: c\n    expect:\n      rows:\n        - {day: 1}\n"
        "        - 2\n"),
        7, "row 2 of expect of case c must be a mapping of column -> value, got 2",
        "write each row as"),
    "row_column_not_text": (
        "model: calendar\ncases:\n  - name: c\n    expect:\n      rows:\n        - {1: 1}\n",
        6, "row 1 of expect of case c has the column name 1, which is not text", "quote it"),
    # -- cases ---------------------------------------------------------------------------------
    "cases_not_a_list": (
        "model: calendar\ncases: {name: c}\n", 2,
        "cases of {file} must be a list of cases, got {'name': 'c'}", "add cases:"),
    "file_is_a_list": ("- model: calendar\n", 1, ("{file} must be a mapping, got "
                       "[{'model': 'calendar'}]"), "model: users_enriched"),
    "case_not_a_mapping": (
        "model: calendar\ncases:\n  - {name: a, expect: {rows: [{day: 1}]}}\n  - just_a_name\n",
        4, "each case must be a mapping, got 'just_a_name'", "- name: my_case"),
    "case_without_name": (
        ("model: calendar\ncases:\n  - name: a\n    expect: {rows: [{day: 1}]}\n"
        "  - expect: {rows: [{day: 1}]}\n"),
        5, "a case has no name", "add name: <case name>"),
    "case_without_name_but_a_typo": (
        "model: calendar\ncases:\n  - nam: a\n",
        3, "unknown key 'nam' in a case; did you mean 'name'?", "a case takes: name"),
    "case_name_not_text": (
        "model: calendar\ncases:\n  - name: [a]\n",
        3, "a case name must be text, got ['a']", "name: basic_gmail_flag"),
    "case_name_with_colons": (
        "model: calendar\ncases:\n  - name: 'a::b'\n",
        3, "case name 'a::b' cannot contain '::' or a line break", "part of a node id"),
    "duplicate_case_names": (
        ("model: calendar\ncases:\n  - name: same\n    expect: {rows: [{day: 1}]}\n"
        "  - name: other\n    expect: {rows: [{day: 1}]}\n"
        "  - name: same\n    expect: {rows: [{day: 2}]}\n"),
        7, "duplicate case name 'same' (first at line 3)", "its own name"),
    # -- expect --------------------------------------------------------------------------------
    "order_by_not_a_list": (
        ("model: calendar\ncases:\n  - name: c\n    expect:\n      rows: [{day: 1}]\n"
        "      order_by: day\n"),
        6, "order_by of expect of case c must be a list of column names, got 'day'",
        "order_by: [id]"),
    "ignore_columns_not_a_list": (
        "model: calendar\ndefaults:\n  expect:\n    ignore_columns: {a: 1}\ncases: []\n",
        4, "ignore_columns of expect in defaults must be a list of column names, got {'a': 1}",
        "ignore_columns: [id]"),
    "order_by_unknown_column": (
        ("model: calendar\ncases:\n  - name: c\n    expect:\n      rows: [{day: 1}]\n"
        "      order_by: [dya]\n"),
        6, ("case c: expect.order_by names the column dya, which is not an expected column; "
           "did you mean day?"), "sort by expected columns: day"),
    "any_order_not_bool": (
        ("model: calendar\ncases:\n  - name: c\n    expect:\n      rows: [{day: 1}]\n"
        "      any_order: 'yes'\n"),
        6, "any_order of expect of case c must be true or false, got 'yes'", "any_order: true"),
    "subset_not_bool": (
        ("model: calendar\ncases:\n  - name: c\n    expect:\n      rows: [{day: 1}]\n"
        "      subset: 1\n"),
        6, "subset of expect of case c must be true or false, got 1", "subset: true"),
    "approx_text": (
        ("model: calendar\ncases:\n  - name: c\n    expect:\n      rows: [{day: 1}]\n"
        "      approx: loose\n"),
        6, ("approx of expect of case c must be true/false or a mapping of column -> number, "
           "got 'loose'"), "approx: {amount: 0.01}"),
    "approx_list": (
        ("model: calendar\ncases:\n  - name: c\n    expect:\n      rows: [{day: 1}]\n"
        "      approx: [day]\n"),
        6, ("approx of expect of case c must be true/false or a mapping of column -> number, "
           "got ['day']"), "approx: true"),
    "approx_bad_tolerance": (
        ("model: calendar\ncases:\n  - name: c\n    expect:\n      rows: [{day: 1}]\n"
        "      approx:\n        day: 0.1\n        amount: lots\n"),
        8, "approx of expect of case c: the tolerance of 'amount' must be a number, got 'lots'",
        "approx: true"),
    "approx_negative_tolerance": (
        ("model: calendar\ncases:\n  - name: c\n    expect:\n      rows: [{day: 1}]\n"
        "      approx: {day: -1}\n"),
        6, ("approx of expect of case c: the tolerance of 'day' must be a number of 0 or more, "
           "got -1"), "approx:"),
    "approx_bool_tolerance": (
        ("model: calendar\ncases:\n  - name: c\n    expect:\n      rows: [{day: 1}]\n"
        "      approx: {day: true}\n"),
        6, "approx of expect of case c: the tolerance of 'day' must be a number, got True",
        "approx:"),
    "relation_of_another_model": (
        ("model: calendar\ncases:\n  - name: c\n    expect:\n      relation: users\n"
        "      rows: [{day: 1}]\n"),
        5, "case c: expect.relation is users, but calendar.ff builds calendar",
        "write relation: calendar, or remove it"),
    "relation_not_text": (
        ("model: calendar\ncases:\n  - name: c\n    expect:\n      relation: 5\n"
        "      rows: [{day: 1}]\n"),
        5, "relation of expect of case c must be a relation name, got 5", "relation:"),
    "csv_not_text": (
        "model: calendar\ncases:\n  - name: c\n    expect:\n      csv: [a.csv]\n",
        5, "csv of expect of case c must be a file path, got ['a.csv']", "csv: data/users.csv"),
    "expect_not_a_mapping": (
        "model: calendar\ncases:\n  - name: c\n    expect: [1]\n",
        4, "expect of case c must be a mapping, got [1]", "expect: {rows: [...]}"),
    "defaults_not_a_mapping": (
        "model: calendar\ndefaults: [1]\ncases: []\n",
        2, "defaults must be a mapping, got [1]", "defaults: {inputs:"),
    # -- YAML itself ---------------------------------------------------------------------------
    "yaml_syntax": (
        "model: calendar\ncases:\n  - name: [unclosed\n", 4, ("{file} is not valid YAML: "
        "expected ',' or ']', but got '<stream end>'"), "fix the YAML syntax"),
}


@pytest.mark.parametrize("key", CASES)
def test_error(fails, key: str) -> None:
    text, line, message, hint = CASES[key]
    err = fails(text, name=f"{key}.yml")
    file = f"tests/unit/{key}.yml"
    assert err.message == message.replace("{file}", file)
    assert err.line == line
    assert hint in err.hint
    assert file in str(err)  # "at <file>:<line>" unless the message names it


def test_errors_name_the_model_once_it_is_known(fails) -> None:
    err = fails("model: calendar\ncases:\n  - {name: 'a::b'}\n")
    assert err.node == "calendar.ff"


def test_an_empty_csv_has_no_header(fails, tiny: Project) -> None:
    (tiny.root / "tests" / "unit").mkdir(parents=True, exist_ok=True)
    (tiny.root / "tests" / "unit" / "blank.csv").write_text("")
    err = fails("model: users\ncases:\n  - name: c\n    inputs:\n      seed_users:\n"
                "        csv: blank.csv\n    expect: {rows: [{id: 1}]}\n")
    assert err.message == "case c: input seed_users: tests/unit/blank.csv has no header row"
    assert err.line == 6
    assert "first line" in err.hint


def test_a_csv_header_names_each_column_once(fails, tiny: Project) -> None:
    (tiny.root / "twice.csv").write_text("id,id\n1,2\n")
    err = fails("model: users\ncases:\n  - name: c\n    inputs:\n      seed_users:\n"
                "        csv: twice.csv\n    expect: {rows: [{id: 1}]}\n")
    assert err.message == "case c: input seed_users: twice.csv names the column id twice"
    assert err.line == 6


def test_the_missing_input_error_reads_like_the_spec(fails) -> None:
    err = fails(
        "model: mart_orders_enriched\ndefaults:\n  inputs:\n    users_enriched:\n"
        "      rows: [{id: 1}]\ncases:\n  - name: join_and_flag\n"
        "    expect: {rows: [{order_id: 1}]}\n")
    assert str(err) == (
        "case join_and_flag: model mart_orders_enriched.ff reads orders but the case gives no "
        "input `orders`\n"
        "  at tests/unit/test_the_missing_input_error_reads_like_the_spec.yml:7\n"
        "  fix: add `orders` under inputs (of the case or of defaults) with rows: [...] or "
        "csv: <file>")


def test_a_good_spec_next_to_the_errors_parses(parse) -> None:
    (case,) = parse("model: mart_orders_enriched\ncases:\n  - name: c\n" + OK_INPUTS
                    + "    expect: {rows: [{order_id: 1}]}\n")
    assert case.model == "mart_orders_enriched.ff"


def test_unknown_keys_are_checked_before_anything_else(fails) -> None:
    # the unknown key is reported even though the model does not exist either
    err = fails("model: nothing\nmodels: x\n")
    assert err.message.startswith("unknown key 'models'")


def test_csv_error_shows_absolute_paths_outside_the_project(fails, tmp_path: Path) -> None:
    missing = (tmp_path / "gone.csv").as_posix()
    err = fails(f"model: calendar\ncases:\n  - name: c\n    expect: {{csv: '{missing}'}}\n")
    assert err.message == (f"case c: expect reads the CSV file {missing}, which does not "
                           f"exist (tried {missing})")

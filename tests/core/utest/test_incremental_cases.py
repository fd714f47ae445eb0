"""Unit cases of incremental models: ``is_incremental: true`` runs the model as a later run
would, ``this`` is its table before that run, and ``expect`` compares the delta's rows or, with
``after_merge: true``, the table after the delta is applied. On DuckDB and PostgreSQL."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from pytest_fft.engines.duckdb import DuckDBEngine
from pytest_fft.errors import ProjectFileError
from pytest_fft.plugin.unit_items import _case_payload
from pytest_fft.project.loader import load_project
from pytest_fft.project.records import Project
from pytest_fft.utest import UnitCase, load_unit_file
from pytest_fft.utest.runner import needs_frames, run_case

FILES = {
    "project.yml": "name: inc\n",
    "sources.yml": "raw: {events: {identifier: seed_events}}\n",
    "seeds/seed_events.csv": "event_id,updated_at,value\n1,2024-01-01 10:00:00,10\n",
    # dbt's spelling: the delta is the model rendered with is_incremental() true.
    "models/events.ff.sql": (
        "{{ config(materialized='incremental', unique_key='event_id') }}\n"
        "select event_id, updated_at, value from {{ source('raw', 'events') }}\n"
        "{% if is_incremental() %}\n"
        "where updated_at > (select max(updated_at) from {{ this }})\n"
        "{% endif %}\n"),
    # No delta SQL: the default delta (rows newer than the table's newest updated_at).
    "models/events_default.ff.sql": (
        "{{ config(materialized='incremental', unique_key='event_id', "
        "updated_at='updated_at') }}\n"
        "select event_id, updated_at, value from {{ source('raw', 'events') }}\n"),
    # Appends whatever its delta SQL selects; the delta does not read its own table.
    "models/events_log.ff.sql": (
        "{{ config(materialized='incremental', incremental_strategy='append', "
        "delta_sql=\"select event_id, updated_at, value from {{ source('raw', 'events') }} "
        "where value > 0\") }}\n"
        "select event_id, updated_at, value from {{ source('raw', 'events') }}\n"),
    # A Python model's frame is its delta.
    "models/events_py.ff.py": (
        "from fastflowtransform import model\n\n"
        "@model(name='events_py', deps=['seed_events'], meta={'materialized': 'incremental', "
        "'incremental': {'enabled': True, 'strategy': 'merge', 'unique_key': ['event_id'], "
        "'updated_at_column': 'updated_at'}})\n"
        "def build(df):\n"
        "    return df[df['value'] > 0][['event_id', 'updated_at', 'value']]\n"),
    "models/events_table.ff.sql": "select event_id, value from {{ source('raw', 'events') }}\n",
}

# The source after a day: event 2 changed (a newer updated_at), event 4 is new.
SOURCE = """\
    seed_events:
      rows:
        - {event_id: 1, updated_at: 2024-01-01 10:00:00, value: 10}
        - {event_id: 2, updated_at: 2024-01-02 09:00:00, value: 21}
        - {event_id: 4, updated_at: 2024-01-02 10:00:00, value: 40}
"""
# The model's table before the run.
THIS = """\
    this:
      rows:
        - {event_id: 1, updated_at: 2024-01-01 10:00:00, value: 10}
        - {event_id: 2, updated_at: 2024-01-01 10:05:00, value: 20}
"""
DELTA_ROWS = """\
        - {event_id: 2, updated_at: 2024-01-02 09:00:00, value: 21}
        - {event_id: 4, updated_at: 2024-01-02 10:00:00, value: 40}
"""
MERGED_ROWS = """\
        - {event_id: 1, updated_at: 2024-01-01 10:00:00, value: 10}
        - {event_id: 2, updated_at: 2024-01-02 09:00:00, value: 21}
        - {event_id: 4, updated_at: 2024-01-02 10:00:00, value: 40}
"""


def spec(model: str, *, inputs: str = SOURCE + THIS, after_merge: bool = False,
         rows: str = DELTA_ROWS, flag: str = "is_incremental: true") -> str:
    merge = "      after_merge: true\n" if after_merge else ""
    return (f"model: {model}\ncases:\n  - name: c\n    {flag}\n    inputs:\n"
            f"{textwrap.indent(textwrap.dedent(inputs), '      ')}"
            f"    expect:\n{merge}      order_by: [event_id]\n      rows:\n"
            f"{textwrap.indent(textwrap.dedent(rows), '        ')}")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("inc") / "inc"
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return load_project(root)


@pytest.fixture
def parse(project: Project, request: pytest.FixtureRequest) -> Callable[[str], UnitCase]:
    """``parse(yaml)``: the one case of that spec (a file of the test's own)."""

    def run(text: str) -> UnitCase:
        name = "".join(c if c.isalnum() else "_" for c in request.node.name)
        path = Path(project.root) / "tests" / "unit" / f"{name}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        (case,) = load_unit_file(project, path)
        return case

    return run


@pytest.fixture
def fails(parse: Callable[[str], UnitCase]) -> Callable[[str], ProjectFileError]:
    def run(text: str) -> ProjectFileError:
        with pytest.raises(ProjectFileError) as info:
            parse(text)
        assert info.value.file is not None and info.value.file.startswith("tests/unit/")
        return info.value

    return run


@pytest.fixture(params=["duckdb", "postgres"])
def engine(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A unit case's private engine: a scratch schema of DuckDB, or one on the suite's
    PostgreSQL server (what ``--fft-engine postgres`` gives a case)."""
    if request.param == "duckdb":
        scratch: Any = DuckDBEngine.scratch()
    else:
        from pytest_fft.engines.postgres import PostgresEngine

        server = request.getfixturevalue("postgres_server")
        scratch = PostgresEngine.scratch(SimpleNamespace(
            engine="postgres", postgres=SimpleNamespace(dsn=server.dsn)))
    yield scratch
    scratch.close()


# -- parsing -------------------------------------------------------------------------------------


def test_an_incremental_case_reads_this_apart_from_the_models_inputs(
        parse: Callable[[str], UnitCase]) -> None:
    case = parse(spec("events", after_merge=True, rows=MERGED_ROWS))
    assert case.is_incremental
    assert case.expect.after_merge
    assert list(case.inputs) == ["seed_events"]
    assert case.this is not None
    assert (case.this.relation, case.this.columns, case.this.line) == (
        "events", ("event_id", "updated_at", "value"), 11)
    assert [row["event_id"] for row in case.this.rows or ()] == [1, 2]


@pytest.mark.parametrize("flag", [
    "overrides: {macros: {is_incremental: true}}",  # dbt 1.8's spelling
    "is_incremental: true",
])
def test_dbts_override_and_the_plain_key_mean_the_same(parse: Callable[[str], UnitCase],
                                                       flag: str) -> None:
    case = parse(spec("events", flag=flag))
    assert case.is_incremental and case.this is not None and not case.expect.after_merge


def test_this_may_be_given_by_the_models_relation_name(parse: Callable[[str], UnitCase]) -> None:
    case = parse(spec("events", inputs=SOURCE + THIS.replace("this:", "events:")))
    assert case.this is not None and case.this.relation == "events"
    assert list(case.inputs) == ["seed_events"]


def test_defaults_give_this_to_the_incremental_cases_only(
        parse: Callable[[str], UnitCase], project: Project) -> None:
    text = (f"model: events\ndefaults:\n  is_incremental: true\n  inputs:\n"
            f"{textwrap.indent(textwrap.dedent(SOURCE + THIS), '    ')}"
            "cases:\n  - name: delta\n    expect: {rows: [{event_id: 2}]}\n"
            "  - name: full\n    is_incremental: false\n    expect: {rows: [{event_id: 1}]}\n"
            "  - name: relation_in_case\n    inputs:\n      events: {rows: [{event_id: 9}]}\n"
            "    expect: {rows: [{event_id: 2}]}\n")
    path = Path(project.root) / "tests" / "unit" / "defaults_this.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    delta, full, relation_in_case = load_unit_file(project, path)
    assert delta.is_incremental and delta.this is not None
    assert not full.is_incremental and full.this is None
    # The case's `events` replaces the `this` of defaults: they name the same table.
    assert relation_in_case.this is not None
    assert relation_in_case.this.rows == ({"event_id": 9},)


def test_the_cache_key_covers_the_incremental_keys(parse: Callable[[str], UnitCase]) -> None:
    plain = parse(spec("events", flag="is_incremental: false", inputs=SOURCE))
    delta = parse(spec("events"))
    merged = parse(spec("events", after_merge=True))
    other_this = replace(delta, this=replace(delta.this, rows=({"event_id": 9},)))
    payloads = {_case_payload(c) for c in (plain, delta, merged, other_this)}
    assert len(payloads) == 4
    # A case that is not incremental keeps the key it had before these keys existed.
    assert set(json.loads(_case_payload(plain))) == {"inputs", "expect"}
    assert "after_merge" not in json.loads(_case_payload(plain))["expect"]
    assert json.loads(_case_payload(merged))["expect"]["after_merge"] is True


def test_after_merge_and_a_csv_this_go_through_tables(parse: Callable[[str], UnitCase],
                                                      project: Project) -> None:
    assert not needs_frames(project, parse(spec("events")))
    assert needs_frames(project, parse(spec("events", after_merge=True)))


# -- spec errors ---------------------------------------------------------------------------------

ERRORS: dict[str, tuple[str, int, str, str]] = {
    "table_model": (
        spec("events_table", inputs=SOURCE, rows="- {event_id: 1}\n"), 4,
        ("case c: is_incremental is true, but events_table.ff is not an incremental model (it "
        "is materialized as table)"),
        ("make events_table.ff incremental (materialized='incremental', with a unique_key to "
        "merge on), or remove is_incremental from the case")),
    "table_model_dbt_spelling": (
        spec("events_table", inputs=SOURCE, rows="- {event_id: 1}\n",
             flag="overrides:\n      macros:\n        is_incremental: true"), 6,
        ("case c: is_incremental is true, but events_table.ff is not an incremental model (it "
        "is materialized as table)"), "remove is_incremental from the case"),
    "table_model_in_defaults": (
        ("model: events_table\ndefaults:\n  is_incremental: true\ncases:\n  - name: c\n"
        f"    inputs:\n{textwrap.indent(textwrap.dedent(SOURCE), '      ')}"
        "    expect: {rows: [{event_id: 1}]}\n"), 3,
        ("case c: is_incremental is true, but events_table.ff is not an incremental model (it "
        "is materialized as table)"), "remove is_incremental from the case"),
    "after_merge_without_is_incremental": (
        spec("events", inputs=SOURCE, after_merge=True, flag="is_incremental: false"), 12,
        ("case c: expect.after_merge compares events after its delta is applied, but the case "
        "does not have is_incremental: true"),
        "add is_incremental: true to the case (or to defaults), or remove after_merge"),
    "after_merge_without_this": (
        spec("events_log", inputs=SOURCE, after_merge=True), 3,
        ("case c: expect.after_merge compares events_log after the delta is applied to it, but "
        "the case gives no input this (the table before the run)"),
        "add `this` under inputs with the rows events_log holds before the run"),
    "delta_reads_this_without_this": (
        spec("events", inputs=SOURCE), 3,
        ("case c: the delta SQL of events.ff reads {{ this }} (events), but the case gives no "
        "input this"), "add `this` under inputs with the rows events holds before the run"),
    "default_delta_reads_this_without_this": (
        spec("events_default", inputs=SOURCE), 3,
        ("case c: the delta SQL of events_default.ff reads {{ this }} (events_default), but "
        "the case gives no input this"), "rows: [...] or csv: <file>"),
    "this_without_is_incremental": (
        spec("events", flag="is_incremental: false"), 11,
        ("case c: the input this (events, the table events.ff builds) is read only when the "
        "case has is_incremental: true"),
        "add is_incremental: true to the case (or to defaults), or remove the input this"),
    "this_twice": (
        spec("events", inputs=SOURCE + THIS + "    events: {rows: [{event_id: 1}]}\n"), 15,
        ("inputs of case c give both this and events, the same table (the one events.ff "
        "builds)"), "keep one of this and events"),
    "both_spellings": (
        spec("events", flag="is_incremental: true\n    overrides: {macros: {is_incremental: "
                            "true}}"), 5,
        "case c gives both is_incremental and overrides.macros.is_incremental",
        "keep one of them"),
    "not_a_boolean": (
        spec("events", flag="is_incremental: yes please"), 4,
        "is_incremental of case c must be true or false, got 'yes please'",
        "is_incremental: true"),
    "after_merge_not_a_boolean": (
        spec("events").replace("      order_by:", "      after_merge: 1\n      order_by:"), 16,
        "after_merge of expect of case c must be true or false, got 1", "after_merge: true"),
    "overrides_vars": (
        spec("events", flag="overrides: {vars: {day: 1}}"), 4,
        ("overrides.vars of case c is not supported: unit cases render the models with the "
        "project's vars"), "pass values with --vars KEY=VALUE"),
    "overrides_unknown": (
        spec("events", flag="overrides: {macro: {is_incremental: true}}"), 4,
        "unknown key 'macro' in overrides of case c; did you mean 'macros'?",
        "overrides takes: macros"),
    "overrides_other_macro": (
        spec("events", flag="overrides: {macros: {is_incrementl: true}}"), 4,
        ("overrides.macros of case c cannot override 'is_incrementl'; did you mean "
        "'is_incremental'?"), "only is_incremental can be overridden"),
    "unknown_input_lists_this": (
        spec("events", inputs=SOURCE + THIS.replace("this:", "thiss:")), 11,
        "case c: thiss is not an input of events.ff; its inputs are seed_events, this",
        "rename it to this"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_spec_errors_name_the_file_the_line_and_a_fix(fails: Callable[[str], ProjectFileError],
                                                      name: str) -> None:
    text, line, message, hint = ERRORS[name]
    err = fails(text)
    assert (err.message, err.line) == (message, line), text
    assert hint in (err.hint or "")


# -- running ------------------------------------------------------------------------------------


def test_a_delta_case_compares_the_rows_the_delta_produces(
        parse: Callable[[str], UnitCase], project: Project, engine: Any) -> None:
    diff = run_case(project, parse(spec("events")), engine)
    assert diff.equal, diff.text
    if isinstance(engine, DuckDBEngine):
        assert not engine._schema_created  # one query over the inputs and `this`


def test_a_failing_delta_case_shows_the_rows_that_differ(
        parse: Callable[[str], UnitCase], project: Project, engine: Any) -> None:
    # The case expects the delta to hold the whole source, as if is_incremental were false.
    diff = run_case(project, parse(spec("events", rows=MERGED_ROWS)), engine)
    assert not diff.equal
    assert diff.text == (
        "events: 3 expected rows, 2 in the result; 1 missing\n"
        "missing rows (expected, not in the result):\n"
        "  row 1: {event_id: 1, updated_at: 2024-01-01 10:00:00, value: 10}")
    assert diff.csv_text == (
        "--- expected\n+++ actual\nevent_id,updated_at,value\n-1,2024-01-01 10:00:00,10")


def test_after_merge_replaces_an_updated_key_and_adds_a_new_one(
        parse: Callable[[str], UnitCase], project: Project, engine: Any) -> None:
    diff = run_case(project, parse(spec("events", after_merge=True, rows=MERGED_ROWS)), engine)
    assert diff.equal, diff.text
    # Expecting the old row of key 2 shows the merge replaced it.
    stale = MERGED_ROWS.replace("2024-01-02 09:00:00, value: 21", "2024-01-01 10:05:00, value: 20")
    diff = run_case(project, parse(spec("events", after_merge=True, rows=stale)), engine)
    assert diff.text == (
        "events: 3 expected rows, 3 in the result; 1 differs\n"
        "  row 2 (event_id=2): updated_at expected 2024-01-01 10:05:00, got 2024-01-02 "
        "09:00:00; value expected 20, got 21")


def test_after_merge_keeps_the_newest_row_of_a_key_in_the_delta(  # by updated_at
        parse: Callable[[str], UnitCase], project: Project, engine: Any) -> None:
    source = SOURCE + "        - {event_id: 4, updated_at: 2024-01-03 08:00:00, value: 41}\n"
    rows = MERGED_ROWS.replace("2024-01-02 10:00:00, value: 40", "2024-01-03 08:00:00, value: 41")
    diff = run_case(project, parse(spec("events_default", inputs=source + THIS,
                                        after_merge=True, rows=rows)), engine)
    assert diff.equal, diff.text


def test_an_append_model_adds_its_delta_to_this(
        parse: Callable[[str], UnitCase], project: Project, engine: Any) -> None:
    rows = ("- {event_id: 1, updated_at: 2024-01-01 10:00:00, value: 10}\n"
            "- {event_id: 1, updated_at: 2024-01-01 10:00:00, value: 10}\n"
            "- {event_id: 2, updated_at: 2024-01-01 10:05:00, value: 20}\n") + textwrap.dedent(
                DELTA_ROWS)
    text = spec("events_log", after_merge=True, rows=rows).replace(
        "      order_by: [event_id]\n", "      any_order: true\n")
    diff = run_case(project, parse(text), engine)
    assert diff.equal, diff.text


def test_the_default_delta_reads_the_newest_updated_at_of_this(
        parse: Callable[[str], UnitCase], project: Project, engine: Any) -> None:
    diff = run_case(project, parse(spec("events_default")), engine)
    assert diff.equal, diff.text
    diff = run_case(project, parse(spec("events_default", after_merge=True, rows=MERGED_ROWS)),
                    engine)
    assert diff.equal, diff.text


def test_a_python_models_frame_is_its_delta(
        parse: Callable[[str], UnitCase], project: Project, engine: Any) -> None:
    source = SOURCE + "        - {event_id: 5, updated_at: 2024-01-02 11:00:00, value: -1}\n"
    # Its delta is what it returns: every row with a positive value, old ones too.
    diff = run_case(project, parse(spec("events_py", inputs=source + THIS, rows=MERGED_ROWS)),
                    engine)
    assert diff.equal, diff.text
    diff = run_case(project, parse(spec("events_py", inputs=source + THIS, after_merge=True,
                                        rows=MERGED_ROWS)), engine)
    assert diff.equal, diff.text


def test_csv_inputs_take_the_table_path(
        parse: Callable[[str], UnitCase], project: Project, engine: Any) -> None:
    data = Path(project.root) / "tests" / "unit" / "data"
    data.mkdir(parents=True, exist_ok=True)
    # pandas reads the times of both files as text, which compares as the times do.
    (data / "events_this.csv").write_text(
        "event_id,updated_at,value\n1,2024-01-01 10:00:00,10\n2,2024-01-01 10:05:00,20\n")
    (data / "events_source.csv").write_text(
        "event_id,updated_at,value\n1,2024-01-01 10:00:00,10\n2,2024-01-02 09:00:00,21\n"
        "4,2024-01-02 10:00:00,40\n")
    inputs = ("    seed_events: {csv: data/events_source.csv}\n"
              "    this: {csv: data/events_this.csv}\n")
    diff = run_case(project, parse(spec("events", inputs=inputs)), engine)
    assert diff.equal, diff.text
    diff = run_case(project, parse(spec("events", inputs=inputs, after_merge=True,
                                        rows=MERGED_ROWS)), engine)
    assert diff.equal, diff.text


def test_a_case_that_is_not_incremental_runs_the_full_select(
        parse: Callable[[str], UnitCase], project: Project, engine: Any) -> None:
    diff = run_case(project, parse(spec("events", inputs=SOURCE, flag="is_incremental: false",
                                        rows=MERGED_ROWS)), engine)
    assert diff.equal, diff.text

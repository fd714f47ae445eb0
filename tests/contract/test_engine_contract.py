"""What every engine guarantees. Parametrised over the targets of ``conftest.py``."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_fft.engines import ENGINES, AuditTable, FrameReader, InlineInputs, capability
from pytest_fft.engines.base import Column, Engine, as_column
from pytest_fft.engines.capabilities import ALL_CAPABILITIES, AUDIT_TABLE
from pytest_fft.engines.seed_files import SeedFileError

if TYPE_CHECKING:
    from tests.contract.conftest import Target

# Values of every kind a frame carries through a warehouse, with a row of NULLs.
FRAME_COLUMNS: dict[str, list[Any]] = {
    "i": [1, None, -3],
    "f": [1.5, None, -0.25],
    "s": ["a", None, "it's \"x\""],
    "b": [True, None, False],
    "d": [date(2024, 1, 2), None, date(1999, 12, 31)],
    "ts": [datetime(2024, 1, 2, 3, 4, 5), None, datetime(1999, 12, 31, 23, 59, 59)],
}


def columns_of(engine: Engine) -> dict[str, list[Column]]:
    """``engine.relation_columns()``, each entry a Column (an engine written before
    nullability was in the contract gives (name, type) pairs: see ``as_column``)."""
    return {relation: [as_column(c) for c in found]
            for relation, found in engine.relation_columns().items()}


def rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in engine.query(sql)]


def build_old(engine: Engine) -> None:
    engine.create_relation("t", "select 1 as id, 'old' as label union all select 2, 'older'",
                           "table")


def assert_old(engine: Engine) -> None:
    assert rows(engine, f"select id, label from {engine.quote('t')} order by id") == [
        (1, "old"), (2, "older")]
    assert [c.name for c in columns_of(engine)["t"]] == ["id", "label"]


# -- identity ---------------------------------------------------------------------------------------


def test_the_engine_is_its_registry_entry(engine: Engine) -> None:
    assert isinstance(engine, Engine)
    # A built-in engine's spec is the registry's; an installed one's is its package's (the
    # one its entry point names, which a target imported without installing it has not).
    assert engine.spec is ENGINES.get(engine.name, engine.spec)
    assert engine.spec.name == engine.name
    assert engine.abbrev == engine.spec.abbrev


def test_declared_capabilities_are_implemented(engine: Engine) -> None:
    assert engine.capabilities <= set(ALL_CAPABILITIES)
    for protocol in engine.capabilities:
        assert isinstance(engine, protocol), protocol.__name__


# -- atomic replace ---------------------------------------------------------------------------------


def test_a_failing_select_keeps_the_old_relation(engine: Engine) -> None:
    build_old(engine)
    with pytest.raises(Exception):  # noqa: B017 - each engine raises its driver's error
        engine.create_relation("t", "select 1 as other from no_such_relation", "table")
    assert_old(engine)
    with pytest.raises(Exception):  # noqa: B017
        engine.create_relation("t", "select 1 as other from no_such_relation", "view")
    assert_old(engine)


def test_an_interrupted_build_keeps_the_old_relation(engine: Engine, target: Target) -> None:
    build_old(engine)
    failure: list[BaseException] = []

    def build() -> None:
        try:
            engine.create_relation("t", target.slow_select, "table")
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=build, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    # An interrupt only reaches a statement that runs: keep asking until the build stops.
    while thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
        engine.interrupt()
        thread.join(0.1)
    assert not thread.is_alive(), "interrupt() did not stop the running statement"
    assert failure, "the slow build finished instead of being interrupted"
    assert_old(engine)


def test_a_relation_made_after_the_engine_listed_the_relations_is_replaced(
        engine: Engine, target: Target) -> None:
    # A run lists the relations once before it builds; something else (another run, a
    # user) may create one of the missing ones before the run gets to it.
    assert "t" not in engine.existing_relations()
    other = target.open()
    try:
        build_old(other)
        other.create_relation("tv", "select label from t", "view")
    finally:
        other.close()
    engine.create_relation("t", "select 3 as id, 'new' as label", "table")
    assert rows(engine, f"select id, label from {engine.quote('t')}") == [(3, "new")]
    assert rows(engine, f"select label from {engine.quote('tv')}") == [("new",)]
    frame = target.make_frame({"id": [4], "label": ["frame"]})
    other = target.open()
    try:
        other.create_relation("f", "select 1 as id", "table")
    finally:
        other.close()
    engine.write_frame("f", frame, "table")
    assert rows(engine, f"select id, label from {engine.quote('f')}") == [(4, "frame")]


def test_a_failing_build_of_a_missing_relation_leaves_nothing(engine: Engine) -> None:
    assert "t" not in engine.existing_relations()
    for kind in ("table", "view"):
        with pytest.raises(Exception):  # noqa: B017 - each engine raises its driver's error
            engine.create_relation("t", "select 1 as other from no_such_relation", kind)
        assert "t" not in engine.existing_relations()
    engine.create_relation("t", "select 1 as id", "table")  # and it builds once it can
    assert rows(engine, f"select id from {engine.quote('t')}") == [(1,)]


def test_an_interrupted_build_of_a_missing_relation_leaves_nothing(engine: Engine,
                                                                   target: Target) -> None:
    assert "t" not in engine.existing_relations()
    failure: list[BaseException] = []

    def build() -> None:
        try:
            engine.create_relation("t", target.slow_select, "table")
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=build, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
        engine.interrupt()
        thread.join(0.1)
    assert not thread.is_alive(), "interrupt() did not stop the running statement"
    assert failure, "the slow build finished instead of being interrupted"
    assert "t" not in engine.existing_relations()


def test_a_table_becomes_a_view_and_back(engine: Engine, target: Target) -> None:
    build_old(engine)
    assert target.kind_of(engine, "t") == "table"
    engine.create_relation("t", "select 3 as id, 'view' as label", "view")
    assert target.kind_of(engine, "t") == "view"
    assert rows(engine, f"select id, label from {engine.quote('t')}") == [(3, "view")]
    assert engine.create_relation("t", "select 4 as id", "table") in (1, None)
    assert target.kind_of(engine, "t") == "table"
    assert rows(engine, f"select * from {engine.quote('t')}") == [(4,)]


# -- frames -----------------------------------------------------------------------------------------


def _family(sql_type: str) -> str:
    """A column type's family, whatever the engine calls it."""
    t = sql_type.upper()
    for family, words in (("timestamp", ("TIMESTAMP", "DATETIME")), ("date", ("DATE",)),
                          ("bool", ("BOOL",)), ("float", ("DOUBLE", "FLOAT", "REAL")),
                          ("int", ("INT", "LONG", "NUMBER(38,0)")),
                          ("text", ("CHAR", "TEXT", "STRING"))):
        if any(w in t for w in words):
            return family
    return t


def test_frames_round_trip_with_their_types(engine: Engine, target: Target) -> None:
    frame = target.make_frame(FRAME_COLUMNS)
    engine.write_frame("frames", frame, "table")
    columns = columns_of(engine)["frames"]
    assert [(c.name, _family(c.dtype)) for c in columns] == [
        ("i", "int"), ("f", "float"), ("s", "text"), ("b", "bool"), ("d", "date"),
        ("ts", "timestamp")]
    expected = list(zip(*FRAME_COLUMNS.values(), strict=True))
    got = target.frame_rows(engine.read_frame("frames"))
    assert got == expected  # values equal and NULLs NULL (1 == 1.0: see docs/engines.md)
    # In SQL the values are the same, with their SQL types.
    got_sql = rows(engine, "select * from frames order by i desc nulls last")
    assert got_sql == [expected[0], expected[2], expected[1]]
    assert [type(v) for v in got_sql[0]] == [int, float, str, bool, date, datetime]


def test_frames_without_nulls_keep_python_types(engine: Engine, target: Target) -> None:
    values = {name: [v for v in column if v is not None] for name, column in FRAME_COLUMNS.items()}
    engine.write_frame("plain", target.make_frame(values), "table")
    got = target.frame_rows(engine.read_frame("plain"))
    assert got == list(zip(*values.values(), strict=True))
    assert [type(v) for v in got[0]] == [int, float, str, bool, date, datetime]


def test_a_frame_of_bytes_is_stored_as_bytes(engine: Engine, target: Target) -> None:
    """bytes (not UTF-8 text) in a frame's column: a binary column, the same bytes in SQL."""
    engine.write_frame("blobs", target.make_frame({"id": [1, 2, 3],
                                                   "b": [b"\x00\xff", None, b"ab"]}), "table")
    got = [(i, bytes(b) if b is not None else None)
           for i, b in rows(engine, "select id, b from blobs order by id")]
    assert got == [(1, b"\x00\xff"), (2, None), (3, b"ab")]


def test_a_view_of_a_frame_is_stored(engine: Engine, target: Target) -> None:
    engine.write_frame("fv", target.make_frame({"x": [1, 2]}), "view")
    assert target.frame_rows(engine.read_frame("fv")) == [(1,), (2,)]


# -- relations --------------------------------------------------------------------------------------


def test_existing_relations_and_their_columns(engine: Engine, target: Target) -> None:
    assert "t" not in engine.existing_relations()
    build_old(engine)
    engine.create_relation("v", "select label from t", "view")
    existing = engine.existing_relations()
    assert "t" in existing and "v" in existing
    assert {engine.relation_key("t"), engine.relation_key("v")} <= set(existing)
    assert existing.missing(["t", "nope", "v"]) == ["nope"]
    columns = columns_of(engine)
    assert [c.name for c in columns["t"]] == ["id", "label"]
    assert [c.name for c in columns["v"]] == ["label"]
    assert [_family(c.dtype) for c in columns["t"]] == ["int", "text"]


def test_relation_columns_say_whether_a_column_may_be_null(engine: Engine,
                                                          target: Target) -> None:
    engine.query(target.not_null_ddl)
    columns = columns_of(engine)[engine.spec.stored_name("nn")]
    assert [c.name for c in columns] == ["id", "label"]
    assert tuple(c.nullable for c in columns) == target.nullability
    assert all(isinstance(c, Column) for c in engine.relation_columns()["nn"]) or (
        target.nullability == (None, None))  # only an engine that cannot tell gives pairs


def test_relation_identity_follows_the_warehouse(engine: Engine, target: Target) -> None:
    spec = engine.spec
    key = engine.relation_key
    assert key("users") == key(f"{target.schema}.users")  # unqualified: the target schema
    assert key("users") != key("orders")
    folds_case = not spec.quoted_keeps_case or spec.fold_plain_names_when_quoting
    assert (key("Users") == key("users")) is folds_case
    target.create_schema(engine, "fft_other")
    assert key("fft_other.users") != key("users")
    engine.create_relation("fft_other.users", "select 1 as id", "table")
    engine.create_relation("Mixed", "select 1 as id", "table")
    existing = engine.existing_relations()
    assert "fft_other.users" in existing and "users" not in existing
    assert "Mixed" in existing
    assert ("MIXED" in existing) is folds_case
    assert key("Mixed") in set(existing)


def test_error_lines_are_lines_of_the_statement(engine: Engine) -> None:
    with pytest.raises(Exception) as info:
        engine.create_relation("t", "select 1 as a,\n  2 as b,\n  no_such_column as c", "table")
    assert engine.error_line(info.value) in (3, None)
    assert engine.error_line(ValueError("no line here")) is None


# -- quoting ----------------------------------------------------------------------------------------

AWKWARD = ["my table", 'say "hi"', "select", "Group"]


@pytest.mark.parametrize("name", AWKWARD)
def test_awkward_names_are_quoted(engine: Engine, target: Target, name: str) -> None:
    column = engine.spec.quote(name)
    if engine.spec.name_problem(name) is not None:  # the catalog refuses it (Spark)
        with pytest.raises(Exception):  # noqa: B017 - each engine raises its driver's error
            engine.create_relation(name, f"select 1 as {column}", "table")
        assert name not in engine.existing_relations()
        return
    engine.create_relation(name, f"select 1 as {column}, 'x' as plain", "table")
    assert name in engine.existing_relations()
    assert rows(engine, f"select {column}, plain from {engine.quote(name)}") == [(1, "x")]
    assert [c.name for c in columns_of(engine)[engine.spec.stored_name(name)]] == [
        engine.spec.stored_name(name), "plain"]
    assert target.frame_rows(engine.read_frame(name)) == [(1, "x")]


# -- the audit table --------------------------------------------------------------------------------


def test_record_builds_upserts_the_audit_table(engine: Engine) -> None:
    audit = capability(engine, AuditTable)
    if audit is None:
        pytest.skip(f"{engine.name} keeps no audit table")
    audit.record_builds([("a.ff", "a", "fp1", 1_700_000_000.0), ("b", "b", "fp2", 1.5)])
    audit.record_builds([("a.ff", "a", "fp3", 1_700_000_060.0)])  # a rebuild replaces its row
    got = rows(engine, "select node_name, relation, fingerprint, engine, built_at "
                       "from _ff_meta order by node_name")
    assert got == [
        ("a.ff", "a", "fp3", engine.name, datetime(2023, 11, 14, 22, 14, 20)),
        ("b", "b", "fp2", engine.name, datetime(1970, 1, 1, 0, 0, 1, 500000)),
    ]
    audit.record_builds([])  # nothing built: nothing changes, nothing fails
    assert len(rows(engine, "select * from _ff_meta")) == 2


def test_no_node_builds_the_audit_table(engine: Engine, target: Target, tmp_path: Path) -> None:
    if capability(engine, AuditTable) is None:
        pytest.skip(f"{engine.name} keeps no audit table")
    seed = tmp_path / "seed.csv"
    seed.write_text("id\n1\n")
    for name in (AUDIT_TABLE, AUDIT_TABLE.upper()):
        with pytest.raises(ValueError, match="is the audit table"):
            engine.create_relation(name, "select 1 as id", "table")
        with pytest.raises(ValueError, match="is the audit table"):
            engine.write_frame(name, target.make_frame({"id": [1]}), "table")
        with pytest.raises(ValueError, match="is the audit table"):
            engine.load_seed(name, str(seed), "csv")
    assert AUDIT_TABLE not in engine.existing_relations()


def test_an_audit_table_in_the_way_is_named(engine: Engine) -> None:
    audit = capability(engine, AuditTable)
    if audit is None:
        pytest.skip(f"{engine.name} keeps no audit table")
    engine.query(f"create table {AUDIT_TABLE} as select 1 as id, 'x' as email")
    with pytest.raises(Exception, match=r"_ff_meta in schema \w+ is not the audit table \(its "
                                        r"columns: id, email;"):
        audit.record_builds([("a.ff", "a", "fp1", 1.0)])
    assert rows(engine, f"select * from {AUDIT_TABLE}") == [(1, "x")]


# -- seeds ------------------------------------------------------------------------------------------


def seed_columns(engine: Engine, relation: str) -> list[str]:
    return [c.name for c in columns_of(engine)[engine.spec.stored_name(relation)]]


def test_a_seed_loads_as_its_header_and_rows_say(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text('id;email;note\n1;a@x.org;"a;b"\n2;b@x.org;"two\nlines"\n')
    assert engine.load_seed("users", str(path), "csv") == 2
    assert seed_columns(engine, "users") == ["id", "email", "note"]
    assert rows(engine, f"select * from {engine.quote('users')} order by 1") == [
        (1, "a@x.org", "a;b"), (2, "b@x.org", "two\nlines")]
    path.write_text("id,email\n")  # a header alone: an empty table of its columns
    engine.load_seed("users", str(path), "csv")
    assert seed_columns(engine, "users") == ["id", "email"]
    assert rows(engine, f"select count(*) from {engine.quote('users')}") == [(0,)]


@pytest.mark.parametrize(("text", "line"), [
    ("id,label\n1,a,b,c\n2,b\n", 2),  # ragged: a sniffer would take one column, no header
    ("id,label\n" + "".join(f"{i},x\n" for i in range(20)) + "7\n", 22),
    ("", 1),
    ('id,label\n1,"open\n', 2),
    ("id,id\n1,2\n", 1),
], ids=["ragged", "short-row", "empty", "open-quote", "duplicate-name"])
def test_a_malformed_seed_keeps_the_old_table(engine: Engine, tmp_path: Path, text: str,
                                              line: int) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,label\n1,old\n2,older\n")
    engine.load_seed("t", str(path), "csv")
    assert_old(engine)
    path.write_text(text)
    with pytest.raises(SeedFileError) as info:
        engine.load_seed("t", str(path), "csv")
    assert info.value.line == line
    assert_old(engine)


def test_an_unreadable_parquet_seed_keeps_the_old_table(engine: Engine,
                                                        tmp_path: Path) -> None:
    build_old(engine)
    path = tmp_path / "t.parquet"
    path.write_bytes(b"PAR1 but not parquet")
    with pytest.raises(SeedFileError) as info:
        engine.load_seed("t", str(path), "parquet")
    assert "{file} again as Parquet" in info.value.hint
    assert_old(engine)


# -- schemas ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("schema", ["main'; drop table main.t; --", "o'brien", 'say "hi"', "a.b"],
                         ids=["injection", "quote", "double-quote", "dot"])
def test_a_target_schema_is_one_name(engine: Engine, target: Target, schema: str) -> None:
    build_old(engine)
    other = target.open_in(schema)
    if engine.spec.name_problem(schema) is not None:  # the catalog refuses it (Spark)
        try:
            with pytest.raises(Exception):  # noqa: B017 - the driver's error
                other.create_relation("t", "select 'new' as label", "table")
        finally:
            other.close()
        assert_old(engine)
        return
    try:
        other.create_relation("t", "select 'new' as label", "table")
        assert rows(other, f"select label from {other.quote('t')}") == [("new",)]
        assert [c.name for c in columns_of(other)["t"]] == ["label"]
    finally:
        other.close()
    assert_old(engine)


# -- unit-case inputs -------------------------------------------------------------------------------

CASE_COLUMNS = ("id", "email", "amount", "active", "day", "seen")
CASE_ROWS = (
    {"id": 1, "email": "a@gmail.com", "amount": 1.5, "active": True, "day": date(2024, 1, 2),
     "seen": datetime(2024, 1, 2, 3, 4, 5)},
    {"id": 2, "email": "b@x.org", "amount": None, "active": False, "day": None, "seen": None},
)


def test_select_with_inputs_types_inline_rows(engine: Engine) -> None:
    inline = capability(engine, InlineInputs)
    if inline is None:
        pytest.skip(f"{engine.name} runs unit cases on tables")
    users = inline.inline_rows(CASE_COLUMNS, CASE_ROWS)
    names, got = inline.select_with_inputs(
        "select id, email like '%@gmail.com' as is_gmail, amount, day, seen "
        "from users order by id", {"users": users})
    assert names == ["id", "is_gmail", "amount", "day", "seen"]
    assert got == [(1, True, 1.5, date(2024, 1, 2), datetime(2024, 1, 2, 3, 4, 5)),
                   (2, False, None, None, None)]
    assert [type(v) for v in got[0]] == [int, bool, float, date, datetime]
    assert "users" not in engine.existing_relations()  # nothing was created
    with pytest.raises(ValueError):
        inline.inline_rows(("x",), ({"x": 1}, {"x": "one"}))  # no single SQL type


def test_frame_of_inline_rows_is_what_a_python_model_reads(engine: Engine,
                                                          target: Target) -> None:
    inline = capability(engine, InlineInputs)
    reader = capability(engine, FrameReader)
    if inline is None or reader is None:
        pytest.skip(f"{engine.name} reads unit-case inputs from tables")
    frame = reader.frame_of(inline.inline_rows(CASE_COLUMNS, CASE_ROWS[:1]))
    assert engine.is_frame(frame)
    assert target.frame_rows(frame) == [tuple(CASE_ROWS[0].values())]


def test_read_rows_gives_names_and_python_values(engine: Engine) -> None:
    from pytest_fft.engines.capabilities import RowReader

    reader = capability(engine, RowReader)
    if reader is None:
        pytest.skip(f"{engine.name} reads a table as a pandas or Arrow frame, which a unit "
                    "case compares as it is")
    engine.create_relation("people", "select 2 as id, cast(null as varchar(5)) as name, "
                                      "date '2024-01-02' as day union all "
                                      "select 1, 'a', null", "table")
    names, got = reader.read_rows("people")
    assert names == ["id", "name", "day"]
    assert sorted(got) == [(1, "a", None), (2, None, date(2024, 1, 2))]


# -- incremental models -----------------------------------------------------------------------------


def _events(engine: Engine) -> None:
    engine.create_relation("events", "select 1 as id, 10 as v, 1 as updated_at union all "
                                     "select 2, 20, 1 union all select 9, 90, 1", "table")


def _incremental(engine: Engine) -> Any:
    from pytest_fft.engines.capabilities import IncrementalTarget

    target = capability(engine, IncrementalTarget)
    if target is None:
        pytest.skip(f"{engine.name} has no incremental models")
    return target


def test_a_merge_replaces_by_key_keeps_the_newest_and_leaves_the_rest(engine: Engine) -> None:
    from pytest_fft.engines.incremental_sql import DeltaPlan

    target = _incremental(engine)
    _events(engine)
    assert target.relation_exists("events") and not target.relation_exists("nope")
    # id 2 twice in the delta (the newer one wins), id 3 new, id 9 (a marker) not in it.
    delta = ("select 2 as id, 21 as v, 2 as updated_at union all select 2, 22, 3 "
             "union all select 3, 30, 2")
    written = target.apply_delta("events", delta, DeltaPlan("merge", ("id",), ("updated_at",)))
    assert written in (2, -1, None)
    assert rows(engine, "select id, v, updated_at from events order by id") == [
        (1, 10, 1), (2, 22, 3), (3, 30, 2), (9, 90, 1)]
    target.apply_delta("events", "select 1 as id, 10 as v, 1 as updated_at where 1 = 0",
                       DeltaPlan("merge", ("id",), ("updated_at",)))  # an empty delta
    assert len(rows(engine, "select * from events")) == 4


def test_a_merge_on_two_columns_keeps_one_row_per_key_nulls_alike(engine: Engine) -> None:
    from pytest_fft.engines.incremental_sql import DeltaPlan

    target = _incremental(engine)
    engine.create_relation("pairs", "select 9 as id, 'z' as part, 90 as v, 1 as updated_at",
                           "table")
    plan = DeltaPlan("merge", ("id", "part"), ("updated_at",))
    # (1, NULL) twice: one key, the newer row wins; (1, 'a') is another key.
    text = engine.spec.checks.string_type  # varchar, or string where varchar needs a length
    delta = (f"select 1 as id, cast(null as {text}) as part, 1 as v, 1 as updated_at "
             "union all select 1, null, 2, 2 union all select 1, 'a', 3, 1")
    target.apply_delta("pairs", delta, plan)
    assert sorted(rows(engine, "select id, part, v from pairs"), key=repr) == sorted(
        [(1, None, 2), (1, "a", 3), (9, "z", 90)], key=repr)
    target.apply_delta("pairs", "select 9 as id, 'z' as part, 91 as v, 2 as updated_at",
                       plan)  # no key twice: applied as it is
    assert rows(engine, "select v from pairs where id = 9") == [(91,)]
    assert sorted(r for r in engine.existing_relations() if "_fft_" in r) == []


def test_a_merge_replaces_the_row_of_a_null_key(engine: Engine) -> None:
    """A NULL key is one key: the table's row of it is replaced, never kept beside the new."""
    from pytest_fft.engines.incremental_sql import DeltaPlan

    target = _incremental(engine)
    text = engine.spec.checks.string_type
    engine.create_relation("keyed", f"select cast(null as {text}) as k, 1 as v union all "
                                    "select 'a', 2", "table")
    target.apply_delta("keyed", f"select cast(null as {text}) as k, 10 as v",
                       DeltaPlan("merge", ("k",)))
    assert sorted(rows(engine, "select k, v from keyed"), key=repr) == sorted(
        [(None, 10), ("a", 2)], key=repr)


def test_a_column_whose_type_changed_keeps_the_tables_type(engine: Engine) -> None:
    from pytest_fft.engines.incremental_sql import DeltaPlan

    target = _incremental(engine)
    _events(engine)
    text = engine.spec.checks.string_type
    target.apply_delta("events", f"select 4 as id, cast('41' as {text}) as v, 2 as updated_at",
                       DeltaPlan("merge", ("id",), ("updated_at",), "sync_all_columns"))
    assert rows(engine, "select v from events where id = 4") == [(41,)]


def test_an_append_adds_the_delta(engine: Engine) -> None:
    from pytest_fft.engines.incremental_sql import DeltaPlan

    target = _incremental(engine)
    _events(engine)
    target.apply_delta("events", "select 4 as id, 40 as v, 5 as updated_at", DeltaPlan("append"))
    assert rows(engine, "select id from events order by id") == [(1,), (2,), (4,), (9,)]


def test_a_failing_delta_leaves_the_table_as_it_was(engine: Engine) -> None:
    from pytest_fft.engines.incremental_sql import DeltaPlan

    target = _incremental(engine)
    _events(engine)
    with pytest.raises(Exception):  # noqa: B017 - each engine raises its driver's error
        target.apply_delta("events", "select 1 as id, 11 as v, 2 as updated_at union all "
                                     "select 5, 1 / (select count(*) - 3 from events), 2",
                           DeltaPlan("merge", ("id",), ("updated_at",)))
    assert rows(engine, "select id, v from events order by id") == [(1, 10), (2, 20), (9, 90)]
    assert sorted(r for r in engine.existing_relations() if "_fft_" in r) == []


@pytest.mark.parametrize(("policy", "columns", "row"), [
    ("ignore", ["id", "v", "updated_at"], (4, 40, 2)),
    ("append_new_columns", ["id", "v", "updated_at", "extra"], (4, 40, 2, "x")),
    ("sync_all_columns", ["id", "updated_at", "extra"], (4, 2, "x")),
])
def test_schema_changes_follow_the_policy(engine: Engine, policy: str, columns: list[str],
                                          row: tuple[Any, ...]) -> None:
    from pytest_fft.engines.incremental_sql import DeltaPlan

    target = _incremental(engine)
    _events(engine)
    delta = ("select 4 as id, 2 as updated_at, 'x' as extra" if policy == "sync_all_columns"
             else "select 4 as id, 40 as v, 2 as updated_at, 'x' as extra")
    target.apply_delta("events", delta, DeltaPlan("merge", ("id",), ("updated_at",), policy))
    assert [c.name for c in columns_of(engine)["events"]] == columns
    names = ", ".join(engine.spec.quote(c) for c in columns)
    assert rows(engine, f"select {names} from events where id = 4") == [row]


def test_a_schema_change_fails_when_the_policy_says_so(engine: Engine) -> None:
    from pytest_fft.engines.incremental_sql import DeltaPlan, SchemaChangeError

    target = _incremental(engine)
    _events(engine)
    with pytest.raises(SchemaChangeError, match="new in the delta: extra"):
        target.apply_delta("events", "select 4 as id, 40 as v, 2 as updated_at, 'x' as extra",
                           DeltaPlan("merge", ("id",), ("updated_at",), "fail"))
    assert [c.name for c in columns_of(engine)["events"]] == ["id", "v", "updated_at"]
    assert len(rows(engine, "select * from events")) == 3


def _days(engine: Engine, partitioned: bool) -> None:
    """Table ``days``: two rows of day 1, one of day 2, one of no day (NULL); partitioned by
    ``day`` where the engine lays tables out in partitions and ``partitioned`` says so."""
    from pytest_fft.engines.capabilities import PartitionedTables

    text = engine.spec.checks.string_type
    sql = (f"select 1 as id, cast('d1' as {text}) as day union all select 2, 'd1' "
           f"union all select 3, 'd2' union all select 4, cast(null as {text})")
    layout = capability(engine, PartitionedTables)
    if partitioned and layout is not None:
        layout.create_partitioned("days", sql, ("day",))
    else:
        engine.create_relation("days", sql, "table")


@pytest.mark.parametrize("partitioned", [True, False], ids=["partitioned", "plain-table"])
def test_insert_overwrite_replaces_the_partitions_of_the_delta(engine: Engine,
                                                               partitioned: bool) -> None:
    from pytest_fft.engines.incremental_sql import DeltaPlan

    target = _incremental(engine)
    _days(engine, partitioned)
    plan = DeltaPlan("insert_overwrite", partition_by=("day",))
    text = engine.spec.checks.string_type
    # Day 1 gets one row in place of two, day 3 is new; the NULL day is replaced too.
    target.apply_delta("days", f"select 5 as id, cast('d1' as {text}) as day union all "
                               f"select 6, 'd3' union all select 7, cast(null as {text})", plan)
    assert sorted(rows(engine, "select id, day from days"), key=repr) == sorted(
        [(5, "d1"), (3, "d2"), (6, "d3"), (7, None)], key=repr)
    assert sorted(r for r in engine.existing_relations() if "_fft_" in r) == []


def test_insert_overwrite_without_partitions_replaces_the_table(engine: Engine) -> None:
    from pytest_fft.engines.incremental_sql import DeltaPlan

    target = _incremental(engine)
    _events(engine)
    target.apply_delta("events", "select 4 as id, 40 as v, 5 as updated_at",
                       DeltaPlan("insert_overwrite"))
    assert rows(engine, "select id, v from events") == [(4, 40)]


def test_a_failing_overwrite_or_a_missing_partition_column_keeps_the_table(
        engine: Engine) -> None:
    from pytest_fft.engines.incremental_sql import DeltaPlan

    target = _incremental(engine)
    _days(engine, True)
    plan = DeltaPlan("insert_overwrite", partition_by=("day",))
    with pytest.raises(ValueError, match=r"the partition_by column day is not among the "
                                         r"delta's columns \(id\)"):
        target.apply_delta("days", "select 5 as id", plan)
    with pytest.raises(Exception):  # noqa: B017 - each engine raises its driver's error
        target.apply_delta("days", "select 1 / (select count(*) - 4 from days) as id, "
                                   "day from days", plan)
    assert sorted(rows(engine, "select id from days")) == [(1,), (2,), (3,), (4,)]
    assert sorted(r for r in engine.existing_relations() if "_fft_" in r) == []


# -- snapshots --------------------------------------------------------------------------------------


def _snapshots(engine: Engine) -> Any:
    from pytest_fft.engines.capabilities import SnapshotTarget

    target = capability(engine, SnapshotTarget)
    if target is None:
        pytest.skip(f"{engine.name} keeps no snapshots")
    return target


def _at(day: int) -> datetime:
    return datetime(2024, 1, day, 12, 0, 0)


@pytest.mark.parametrize("strategy", ["timestamp", "check"])
def test_a_snapshot_keeps_every_version_of_a_changed_row(engine: Engine, strategy: str) -> None:
    from pytest_fft.engines.snapshot_sql import SnapshotPlan

    snapshots = _snapshots(engine)
    plan = SnapshotPlan(strategy, ("id",), "updated_at" if strategy == "timestamp" else None,
                        ("email",) if strategy == "check" else ())

    def users(*rows: tuple[int, str, int]) -> str:
        return " union all ".join(
            f"select {i} as id, '{e}' as email, cast('2024-01-0{u} 00:00:00' as timestamp) "
            "as updated_at" for i, e, u in rows)

    first = snapshots.apply_snapshot("snap", users((1, "a@x", 1), (2, "b@x", 1)), plan, _at(1))
    assert (first.opened, first.closed) == (2, 0)
    # id 1 changes (newer updated_at, other email); id 2 is as it was; id 3 is new.
    second = snapshots.apply_snapshot(
        "snap", users((1, "a@new", 2), (2, "b@x", 1), (3, "c@x", 2)), plan, _at(2))
    assert (second.opened, second.closed) == (2, 1)
    # id 2 disappears from the source: its last version stays current.
    snapshots.apply_snapshot("snap", users((1, "a@new", 2)), plan, _at(3))
    got = rows(engine, "select id, email, _ff_valid_from, _ff_valid_to, _ff_is_current "
                       "from snap order by id, _ff_valid_from")
    assert got == [(1, "a@x", _at(1), _at(2), False), (1, "a@new", _at(2), None, True),
                   (2, "b@x", _at(1), None, True), (3, "c@x", _at(2), None, True)]


def test_pruning_keeps_the_newest_versions_and_a_dry_run_only_counts(engine: Engine) -> None:
    from pytest_fft.engines.snapshot_sql import SnapshotPlan

    snapshots = _snapshots(engine)
    plan = SnapshotPlan("check", ("id",), None, ("v",))
    for day in range(1, 5):  # four versions of id 1
        snapshots.apply_snapshot("snap", f"select 1 as id, {day} as v", plan, _at(day))
    counted = snapshots.apply_snapshot("snap", "select 1 as id, 4 as v", plan, _at(5),
                                       keep_last=2, dry_run=True)
    assert (counted.pruned, counted.dry_run) == (2, True)
    assert rows(engine, "select count(*) from snap") == [(4,)]
    done = snapshots.apply_snapshot("snap", "select 1 as id, 4 as v", plan, _at(5), keep_last=2)
    assert done.pruned == 2
    assert rows(engine, "select v from snap order by v") == [(3,), (4,)]


def test_a_snapshot_column_the_select_lacks_fails_the_first_run(engine: Engine) -> None:
    from pytest_fft.engines.snapshot_sql import SnapshotPlan

    snapshots = _snapshots(engine)
    with pytest.raises(ValueError, match=r"has no column nope \(its columns: id, a\)"):
        snapshots.apply_snapshot("snap", "select 1 as id, 2 as a",
                                 SnapshotPlan("check", ("id",), None, ("nope",)), _at(1))
    assert "snap" not in engine.existing_relations()

"""engines/duckdb.py (embedded): atomic replace, table<->view, frames, seeds, a full build."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pytest_fft import DuckDBEngine, Executor, load_project
from pytest_fft.engines import create_engine
from pytest_fft.engines.base import Engine
from pytest_fft.errors import EngineNotInstalledError
from pytest_fft.project.profiles import resolve_profile


@pytest.fixture
def engine() -> Iterator[DuckDBEngine]:
    eng = DuckDBEngine(":memory:")
    yield eng
    eng.close()


def kind_of(engine: DuckDBEngine, relation: str) -> str:
    rows = engine.query(
        f"select table_type from information_schema.tables where table_name = '{relation}'")
    return rows[0][0] if rows else "missing"


def test_implements_the_engine_protocol(engine: DuckDBEngine) -> None:
    assert isinstance(engine, Engine)
    assert (engine.name, engine.abbrev) == ("duckdb", "DUCK")


def test_create_table_returns_row_count(engine: DuckDBEngine) -> None:
    assert engine.create_relation("t", "select * from range(3) r(i)", "table") == 3
    assert engine.query("select i from t order by i") == [(0,), (1,), (2,)]
    assert kind_of(engine, "t") == "BASE TABLE"


def test_create_view_returns_none(engine: DuckDBEngine) -> None:
    assert engine.create_relation("v", "select 1 as i", "view") is None
    assert kind_of(engine, "v") == "VIEW"


@pytest.mark.parametrize(
    ("bad_sql", "error"),
    [
        pytest.param("select * from missing_table", "Table with name missing_table does not exist",
                     id="bind-error"),
        pytest.param("select cast(s as integer) as i from (values ('1'), ('x')) v(s)",
                     "Could not convert string 'x' to INT32", id="runtime-error"),
        pytest.param("select from where", "syntax error", id="syntax-error"),
    ],
)
def test_failing_select_leaves_the_previous_table_intact(engine: DuckDBEngine, bad_sql: str,
                                                         error: str) -> None:
    engine.create_relation("t", "select * from range(3) r(i)", "table")
    with pytest.raises(Exception, match=error):
        engine.create_relation("t", bad_sql, "table")
    assert engine.query("select i from t order by i") == [(0,), (1,), (2,)]
    assert kind_of(engine, "t") == "BASE TABLE"


def test_failing_select_leaves_the_previous_view_intact(engine: DuckDBEngine) -> None:
    engine.create_relation("v", "select 42 as i", "view")
    with pytest.raises(Exception, match="Conversion Error"):
        engine.create_relation("v", "select cast('x' as integer) as i", "table")
    assert engine.query("select * from v") == [(42,)]
    assert kind_of(engine, "v") == "VIEW"


def test_table_to_view_and_back(engine: DuckDBEngine) -> None:
    engine.create_relation("r", "select 1 as i", "table")
    assert engine.create_relation("r", "select 2 as i", "view") is None
    assert (kind_of(engine, "r"), engine.query("select * from r")) == ("VIEW", [(2,)])
    assert engine.create_relation("r", "select 3 as i union all select 4", "table") == 2
    assert (kind_of(engine, "r"), engine.query("select * from r order by i")) == (
        "BASE TABLE", [(3,), (4,)])


def test_failed_switch_rolls_back_the_drop(engine: DuckDBEngine) -> None:
    # The new view reads the old table: after the DROP it cannot bind, so all must roll back.
    engine.create_relation("t", "select * from range(3) r(i)", "table")
    with pytest.raises(Exception, match="does not exist"):
        engine.create_relation("t", "select * from t", "view")
    assert (kind_of(engine, "t"), engine.query("select count(*) from t")) == ("BASE TABLE", [(3,)])

    engine.create_relation("v", "select 1 as i", "view")
    with pytest.raises(Exception, match="does not exist"):
        engine.create_relation("v", "select * from v", "table")
    assert (kind_of(engine, "v"), engine.query("select * from v")) == ("VIEW", [(1,)])


def test_write_frame_read_frame_round_trip(engine: DuckDBEngine) -> None:
    frame = pd.DataFrame({"id": [1, 2, 3], "email": ["a@x", None, "c@y"],
                          "amount": [1.5, 0.0, -2.25], "flag": [True, False, True]})
    assert engine.write_frame("f", frame, "table") == 3
    back = engine.read_frame("f")
    assert engine.is_frame(back)
    assert list(back.columns) == ["id", "email", "amount", "flag"]
    assert engine.query("select * from f order by id") == [
        (1, "a@x", 1.5, True), (2, None, 0.0, False), (3, "c@y", -2.25, True)]
    assert back["id"].tolist() == [1, 2, 3]
    assert back["amount"].tolist() == [1.5, 0.0, -2.25]
    assert back["flag"].tolist() == [True, False, True]
    assert back["email"].isna().tolist() == [False, True, False]


def test_write_frame_replaces_and_view_materialization_stores_a_table(
        engine: DuckDBEngine) -> None:
    engine.write_frame("f", pd.DataFrame({"a": [1, 2]}), "table")
    assert engine.write_frame("f", pd.DataFrame({"b": ["x"]}), "view") == 1
    assert kind_of(engine, "f") == "BASE TABLE"  # a view over a transient frame would dangle
    assert engine.query("select * from f") == [("x",)]
    assert engine.query("select count(*) from duckdb_views() where not internal") == [(0,)]


def test_write_frame_replaces_a_view(engine: DuckDBEngine) -> None:
    engine.create_relation("f", "select 1 as a", "view")
    engine.write_frame("f", pd.DataFrame({"a": [5, 6]}), "table")
    assert (kind_of(engine, "f"), engine.query("select * from f order by a")) == (
        "BASE TABLE", [(5,), (6,)])


def test_is_frame(engine: DuckDBEngine) -> None:
    assert engine.is_frame(pd.DataFrame())
    assert not engine.is_frame([{"a": 1}])
    assert not engine.is_frame(None)


def test_load_seed_csv(engine: DuckDBEngine, tmp_path: Path) -> None:
    path = tmp_path / "seed_users.csv"
    path.write_text("id,email\n1,a@example.com\n2,b@gmail.com\n3,c@gmail.com\n")
    assert engine.load_seed("seed_users", str(path), "csv") == 3
    assert engine.query("select * from seed_users order by id") == [
        (1, "a@example.com"), (2, "b@gmail.com"), (3, "c@gmail.com")]
    # a reload replaces
    path.write_text("id,email\n9,z@z\n")
    assert engine.load_seed("seed_users", str(path), "csv") == 1
    assert engine.query("select * from seed_users") == [(9, "z@z")]


def test_load_seed_parquet(engine: DuckDBEngine, tmp_path: Path) -> None:
    path = tmp_path / "o'rders.parquet"  # a quote in the path must not break the SQL
    pd.DataFrame({"order_id": [100, 101], "amount": [19.9, 0.0]}).to_parquet(path)
    assert engine.load_seed("seed_orders", str(path), "parquet") == 2
    assert engine.query("select * from seed_orders order by order_id") == [
        (100, 19.9), (101, 0.0)]


def test_existing_relations(engine: DuckDBEngine) -> None:
    assert set(engine.existing_relations()) == set()
    engine.create_relation("t", "select 1 as i", "table")
    engine.create_relation("v", "select 1 as i", "view")
    assert set(engine.existing_relations()) == {"main.t", "main.v"}
    assert "T" in engine.existing_relations()  # DuckDB matches names without case


def test_schema_setting(tmp_path: Path) -> None:
    eng = DuckDBEngine(str(tmp_path / "db.duckdb"), schema="analytics")
    try:
        eng.create_relation("t", "select 1 as i", "table")
        assert eng.query("select table_schema from information_schema.tables "
                         "where table_name = 't'") == [("analytics",)]
        assert set(eng.existing_relations()) == {"analytics.t"}
        assert "t" in eng.existing_relations() and "analytics.t" in eng.existing_relations()
    finally:
        eng.close()


def test_quoting(engine: DuckDBEngine) -> None:
    assert engine.quote('we"ird') == '"we""ird"'
    assert engine.quote("raw.users") == '"raw"."users"'


def test_create_engine_from_profile(tmp_path: Path) -> None:
    (tmp_path / "profiles.yml").write_text(
        "dev:\n  engine: duckdb\n  duckdb: {path: .local/x.duckdb}\n"
        "bq:\n  engine: bigquery\n  bigquery: {dataset: d}\n")
    eng = create_engine(resolve_profile(tmp_path, "dev", environ={}).profile)
    try:
        assert isinstance(eng, DuckDBEngine)
        assert eng.path == str(tmp_path.resolve() / ".local" / "x.duckdb")
    finally:
        eng.close()
    with pytest.raises(EngineNotInstalledError) as info:
        create_engine(resolve_profile(tmp_path, "bq", environ={}).profile)
    assert "pip install 'pytest-fft[bigquery]'" in info.value.hint


# -- a whole fixture project, built for real --------------------------------------------------


def test_fixture_projects_build_on_duckdb(expected_project: dict[str, Any], copy_project,
                                          engine: DuckDBEngine) -> None:
    project = load_project(copy_project(expected_project["source_dir"]))
    results = Executor(project, engine, project.dag.order, jobs=3).run()
    assert {n: r.status for n, r in results.items()} == dict.fromkeys(expected_project["order"], "success")
    for table, rows in expected_project["tables"].items():
        got = engine.query(f"select * from {engine.quote(table)} order by 1")
        assert [list(r) for r in got] == rows, table

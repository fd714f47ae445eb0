"""The engine seam as the run uses it: capabilities asked through one helper, the audit table,
relation identity in cache decisions, SQL error lines from the engine."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from pytest_fft.engines import AuditTable, InlineInputs, capability
from pytest_fft.engines.base import Engine
from pytest_fft.engines.fake import FakeEngine
from pytest_fft.errors import AuditTableWarning
from pytest_fft.run.building import build_node
from pytest_fft.run.cache_policy import CachePolicy
from pytest_fft.run.executor import Executor, NodeResult
from pytest_fft.run.session import BuildRun, BuildSettings


def _run_with(project, engine) -> BuildRun:
    run = BuildRun(project=project, profile=None, settings=BuildSettings())
    run._engine = engine
    run.fingerprints = {"a.ff": "fp-a"}
    return run


def test_capabilities_are_declared_not_probed() -> None:
    engine = FakeEngine()
    assert isinstance(engine, Engine)
    assert capability(engine, AuditTable) is engine
    assert capability(engine, InlineInputs) is None


def test_record_builds_writes_what_was_built(make_dag_project) -> None:
    project = make_dag_project({"a.ff": (), "b.ff": ("a.ff",)})
    engine = FakeEngine()
    run = _run_with(project, engine)
    run._record_builds({"a.ff": NodeResult("a.ff", "success", started_at=5.0),
                        "b.ff": NodeResult("b.ff", "error")})
    assert engine.audit == [("a.ff", "a", "fp-a", 5.0)]


def test_a_failing_audit_table_is_a_warning_naming_the_engine_error(make_dag_project) -> None:
    project = make_dag_project({"a.ff": ()})
    engine = FakeEngine(audit_error=PermissionError("no privilege to create _ff_meta"))
    run = _run_with(project, engine)
    with pytest.warns(AuditTableWarning) as caught:
        run._record_builds({"a.ff": NodeResult("a.ff", "success", started_at=1.0)})
    message = str(caught[0].message)
    assert "_ff_meta" in message and "fake" in message
    assert "PermissionError: no privilege to create _ff_meta" in message


def test_programming_errors_in_the_audit_path_are_not_swallowed_silently(
        make_dag_project) -> None:
    project = make_dag_project({"a.ff": ()})
    run = _run_with(project, FakeEngine(audit_error=TypeError("bad row")))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run._record_builds({"a.ff": NodeResult("a.ff", "success")})
    assert [type(w.message) for w in caught] == [AuditTableWarning]


def test_cache_decisions_compare_relations_as_the_engine_does(make_dag_project) -> None:
    project = make_dag_project({"Users.ff": ()})
    engine = FakeEngine()
    engine.create_relation("users", "select 1", "table")  # the engine ignores case
    skip = CachePolicy("rw").skippable(project, ["Users.ff"], {"Users.ff": "x"},
                                       {"Users.ff": "x"}, engine.existing_relations())
    assert skip == {"Users.ff"}


def test_missing_upstream_asks_the_engine(make_dag_project) -> None:
    project = make_dag_project({"a.ff": (), "b.ff": ("a.ff",)})
    run = _run_with(project, FakeEngine())
    run.nodes = ["b.ff"]
    assert "select +b" in run._missing_upstream()["b.ff"]
    engine = FakeEngine()
    engine.create_relation("A", "select 1", "table")
    run = _run_with(project, engine)
    run.nodes = ["b.ff"]
    assert run._missing_upstream() == {}


def test_the_fake_engine_runs_a_whole_dag_with_the_executor(make_dag_project) -> None:
    project = make_dag_project({"a.ff": (), "b.ff": ("a.ff",), "c.ff": ("a.ff",)})
    engine = FakeEngine(fail=["c"])
    results = Executor(project, engine, project.dag.order, jobs=2).run()
    assert {n: r.status for n, r in results.items()} == {
        "a.ff": "success", "b.ff": "success", "c.ff": "error"}
    assert engine.statements[0] == "create table a as select * from (select 1)"
    assert "a" in engine.existing_relations() and "c" not in engine.existing_relations()


class _LineEngine(FakeEngine):
    """A fake whose errors point at line 2 of the statement, as a real engine's would."""

    def error_line(self, exc: BaseException) -> int | None:
        return 2


def test_sql_error_line_comes_from_the_engine(tmp_path: Path, load) -> None:
    project = load({"models/a.ff.sql": "select\n  nope\nfrom x\n"})
    model = project.models["a.ff"]
    from pytest_fft.errors import ModelError

    with pytest.raises(ModelError) as info:
        build_node(project, _LineEngine(fail=["a"]), model)
    assert info.value.line == model.sql_line + 1
    assert info.value.hint.endswith("a.ff.sql:2")
    with pytest.raises(ModelError) as info:
        build_node(project, FakeEngine(fail=["a"]), model)  # no line: the model's own line
    assert info.value.line == model.line


def test_unit_engines_come_from_the_registry() -> None:
    from pytest_fft.engines import create_unit_engine
    from pytest_fft.errors import EngineNotInstalledError, ProfileError

    engine = create_unit_engine("duckdb")
    try:
        engine.create_relation("t", "select 1 as i", "table")
        assert "t" in engine.existing_relations()
    finally:
        engine.close()
    with pytest.raises(EngineNotInstalledError, match="unit tests on 'bigquery'"):
        create_unit_engine("bigquery")
    with pytest.raises(ProfileError, match="unit cases on postgres run on a server"):
        create_unit_engine("postgres")  # no profile: no server to run them on


def test_a_missing_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from pytest_fft.engines import ENGINES, create_engine, registry
    from pytest_fft.errors import EngineNotInstalledError

    missing = dataclasses.replace(ENGINES["postgres"], engine_class="no_such_driver_mod:Engine")
    monkeypatch.setattr(registry, "ENGINES", {**ENGINES, "postgres": missing})

    class Profile:
        engine = "postgres"

    with pytest.raises(EngineNotInstalledError) as info:
        create_engine(Profile())
    assert "no_such_driver_mod" in info.value.message
    assert info.value.hint == "pip install 'pytest-fft[postgres]'"


def test_warehouse_exists_asks_the_engine_class(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from pytest_fft.engines import warehouse_exists

    def duckdb_profile(path: str) -> SimpleNamespace:
        return SimpleNamespace(engine="duckdb", duckdb=SimpleNamespace(path=path))

    assert not warehouse_exists(duckdb_profile(":memory:"))
    assert not warehouse_exists(duckdb_profile(str(tmp_path / "none.duckdb")))
    (tmp_path / "db.duckdb").write_bytes(b"")
    assert warehouse_exists(duckdb_profile(str(tmp_path / "db.duckdb")))
    assert warehouse_exists(SimpleNamespace(engine="postgres"))  # opening it will tell

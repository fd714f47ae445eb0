"""executor.py on a fake in-memory engine: dependency-driven, failures, fail_fast, jobs."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pytest_fft import Executor, NodeResult
from pytest_fft.engines.base import Engine
from pytest_fft.run.executor import ResultBoard

WAIT = 5.0  # seconds a hook waits for something that must happen; only reached on a bug


def test_fake_engine_implements_the_engine_protocol(fake_engine) -> None:
    assert isinstance(fake_engine(), Engine)


def test_builds_every_node_in_dag_order_with_one_job(make_dag_project, fake_engine) -> None:
    project = make_dag_project({"seed": (), "a.ff": ("seed",), "b.ff": ("a.ff",), "c.ff": ()},
                               seeds=["seed"])
    engine = fake_engine()
    results = Executor(project, engine, project.dag.order).run()
    assert engine.calls == [("create_relation", "c"), ("load_seed", "seed"),
                            ("create_relation", "a"), ("create_relation", "b")]
    assert {n: r.status for n, r in results.items()} == {
        "seed": "success", "a.ff": "success", "b.ff": "success", "c.ff": "success"}
    assert results["seed"].rows == 1  # the fake seed has one row
    assert all(r.message is None and r.error is None for r in results.values())
    assert all(r.duration >= 0 and r.started_at > 0 for r in results.values())


def test_a_node_starts_only_after_all_its_parents_succeeded(make_dag_project,
                                                            fake_engine) -> None:
    parents = {"a": (), "b": (), "c": ("a", "b"), "d": ("a",), "e": ("c", "d"), "f": ()}
    project = make_dag_project(parents)
    engine = fake_engine(delays={"a": 0.03, "b": 0.01, "d": 0.02})
    results = Executor(project, engine, project.dag.order, jobs=4).run()
    assert {r.status for r in results.values()} == {"success"}
    for node, deps in parents.items():
        for dep in deps:
            assert engine.time_of("end", dep) <= engine.time_of("start", node), (dep, node)


def test_dependency_driven_not_level_barriers(make_dag_project, fake_engine) -> None:
    # level 0: slow, fast; level 1: child (reads fast only). child must not wait for slow.
    project = make_dag_project({"slow": (), "fast": (), "child": ("fast",)})
    engine = fake_engine()
    child_started = engine.started_event("child")
    saw_child = []
    engine.hooks["slow"] = lambda: saw_child.append(child_started.wait(WAIT))
    results = Executor(project, engine, project.dag.order, jobs=2).run()
    assert saw_child == [True], "child did not start while slow was still running"
    assert engine.time_of("start", "child") < engine.time_of("end", "slow")
    assert {r.status for r in results.values()} == {"success"}


def test_failed_node_skips_its_descendants_and_independent_nodes_still_build(
        make_dag_project, fake_engine, tmp_path: Path) -> None:
    project = make_dag_project({
        "a.ff": (), "b.ff": ("a.ff",), "c.ff": ("b.ff",), "d.ff": ("a.ff", "e.ff"),
        "e.ff": (), "f.ff": ("e.ff",),
    })
    engine = fake_engine(fail=["a"])
    seen: list[NodeResult] = []
    results = Executor(project, engine, project.dag.order, on_result=seen.append).run()

    assert sorted(engine.built()) == ["a", "e", "f"]
    assert {n: r.status for n, r in results.items()} == {
        "a.ff": "error", "b.ff": "skipped", "c.ff": "skipped", "d.ff": "skipped",
        "e.ff": "success", "f.ff": "success"}
    failed = results["a.ff"]
    assert failed.message == "a.ff failed on fake: boom in a"
    assert failed.error is not None and failed.error.file == "models/a.ff.sql"
    for name in ("b.ff", "c.ff", "d.ff"):
        assert results[name].message == "upstream failed: a.ff"
        assert results[name].upstream == "a.ff"
    assert sorted(r.name for r in seen) == sorted(results)  # each result reported once
    assert (tmp_path / ".fastflowtransform/target/compiled/models/a.ff.sql").read_text() == (
        "select * from (select 1)")


def test_skip_names_the_node_that_failed_not_an_intermediate(make_dag_project,
                                                             fake_engine) -> None:
    project = make_dag_project({"a": (), "b": (), "c": ("b",), "d": ("a", "c")})
    results = Executor(project, fake_engine(fail=["b"]), project.dag.order, jobs=2).run()
    assert (results["c"].status, results["c"].message) == ("skipped", "upstream failed: b")
    assert (results["d"].status, results["d"].message) == ("skipped", "upstream failed: b")
    assert results["a"].status == "success"


def test_unexpected_exception_types_become_errors(make_dag_project, fake_engine) -> None:
    project = make_dag_project({"a": ()})
    engine = fake_engine()

    def explode() -> None:
        raise KeyError("x")

    engine.hooks["a"] = explode
    results = Executor(project, engine, ["a"]).run()
    assert results["a"].status == "error"
    assert results["a"].message == "a failed on fake: 'x'"


def test_fail_fast_starts_nothing_new(make_dag_project, fake_engine) -> None:
    project = make_dag_project({"a": (), "b": (), "c": (), "d": ("b",)})
    engine = fake_engine(fail=["a"])
    results = Executor(project, engine, project.dag.order, fail_fast=True).run()
    assert engine.built() == ["a"]
    assert {n: (r.status, r.message) for n, r in results.items()} == {
        "a": ("error", "a failed on fake: boom in a"),
        "b": ("skipped", "run stopped after a failed"),
        "c": ("skipped", "run stopped after a failed"),
        "d": ("skipped", "run stopped after a failed"),
    }


def test_fail_fast_lets_running_nodes_finish(make_dag_project, fake_engine) -> None:
    project = make_dag_project({"a": (), "b": (), "c": (), "d": ("b",)})
    engine = fake_engine(fail=["a"])
    a_done = threading.Event()
    engine.hooks["a"] = lambda: engine.started_event("b").wait(WAIT)
    engine.hooks["b"] = lambda: a_done.wait(WAIT)  # b runs until a has failed

    def on_result(result: NodeResult) -> None:
        if result.name == "a":
            a_done.set()

    results = Executor(project, engine, project.dag.order, jobs=2, fail_fast=True,
                       on_result=on_result).run()
    assert sorted(engine.built()) == ["a", "b"]
    assert results["a"].status == "error"
    assert results["b"].status == "success"
    assert results["c"].status == "skipped"
    assert results["d"].status == "skipped"
    assert results["c"].message == results["d"].message == "run stopped after a failed"


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_jobs_runs_up_to_n_at_once(make_dag_project, fake_engine, jobs: int) -> None:
    names = [f"n{i}" for i in range(6)]
    project = make_dag_project(dict.fromkeys(names, ()))
    engine = fake_engine(delay=0.01)
    if jobs > 1:
        # Each build waits until `jobs` builds run together: proves N at once, or times out.
        barrier = threading.Barrier(jobs, timeout=WAIT)
        for n in names:
            engine.hooks[n] = barrier.wait
    results = Executor(project, engine, names, jobs=jobs).run()
    assert {r.status for r in results.values()} == {"success"}, results
    assert engine.max_running == jobs


def test_jobs_below_one_means_one(make_dag_project, fake_engine) -> None:
    project = make_dag_project({"a": (), "b": ()})
    engine = fake_engine(delay=0.01)
    Executor(project, engine, ["a", "b"], jobs=0).run()
    assert engine.max_running == 1


def test_only_selected_nodes_are_built(make_dag_project, fake_engine) -> None:
    project = make_dag_project({"a": (), "b": ("a",), "c": ("b",), "x": ()})
    engine = fake_engine()
    results = Executor(project, engine, ["c", "b"]).run()  # a is taken as already built
    assert engine.built() == ["b", "c"]
    assert sorted(results) == ["b", "c"]


def test_failure_outside_the_selection_does_not_matter(make_dag_project,
                                                       fake_engine) -> None:
    project = make_dag_project({"a": (), "b": ("a",)})
    results = Executor(project, fake_engine(fail=["a"]), ["b"]).run()
    assert results["b"].status == "success"


def test_start_returns_a_board_to_wait_on(make_dag_project, fake_engine) -> None:
    project = make_dag_project({"a": (), "b": ("a",)})
    executor = Executor(project, fake_engine(delay=0.01), project.dag.order)
    board = executor.start()
    result = board.wait("b", timeout=WAIT)
    executor.join(WAIT)
    assert result is not None and result.status == "success"
    assert board.finished
    assert board.wait("not-a-node") is None  # the run ended without it


def test_result_board_wait_times_out() -> None:
    board = ResultBoard()
    assert board.wait("a", timeout=0.01) is None
    board.put(NodeResult("a", "success"))
    assert board.wait("a", timeout=0.01) == NodeResult("a", "success")
    assert board.get("b") is None
    assert board.all() == {"a": NodeResult("a", "success")}


def test_cancel_interrupts_the_engine_and_starts_nothing_new(make_dag_project,
                                                             fake_engine) -> None:
    project = make_dag_project({"a": (), "b": ("a",), "c": ("b",)})
    engine = fake_engine()
    executor = Executor(project, engine, project.dag.order)
    engine.hooks["a"] = executor.cancel
    results = executor.run()
    assert engine.interrupted
    assert engine.built() == ["a"]
    assert {n: r.status for n, r in results.items()} == {
        "a": "success", "b": "skipped", "c": "skipped"}
    assert results["b"].message == results["c"].message == "run interrupted"

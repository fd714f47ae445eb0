"""BuildRun.start_early: the build starts on a thread of its own while pytest collects."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_fft.project.loader import load_project
from pytest_fft.project.profiles import resolve_profile
from pytest_fft.run.session import BuildRun, BuildSettings

FILES = {
    "project.yml": "name: p\ntests:\n  - {type: not_null, table: b, column: v}\n",
    "profiles.yml": "dev:\n  engine: duckdb\n  duckdb: {path: .local/dev.duckdb}\n",
    "models/a.ff.sql": "select 1 as v",
    "models/b.ff.sql": "select v from {{ ref('a') }}",
}


@pytest.fixture
def run(project_dir: Callable[..., Path]) -> BuildRun:
    root = project_dir(FILES)
    return BuildRun(project=load_project(root), profile=resolve_profile(root, "dev"),
                    settings=BuildSettings(jobs=2))


def test_the_nodes_of_the_requested_kinds_build(run: BuildRun) -> None:
    assert run.start_early(seed=True, run=True, test=False, select=(), exclude=())
    assert sorted(run.nodes) == ["a.ff", "b.ff"]
    assert {n: run.result(n).status for n in run.nodes} == {"a.ff": "success", "b.ff": "success"}
    run.finish()


def test_selection_narrows_them_and_a_bad_token_starts_nothing(run: BuildRun) -> None:
    assert run.start_early(seed=False, run=True, test=True, select=("b.ff",), exclude=("a.ff",))
    assert sorted(run.nodes) == ["b.ff", "not_null[b.v]"]
    run.finish()
    other = BuildRun(project=run.project, profile=run.profile, settings=run.settings)
    assert not other.start_early(seed=False, run=True, test=False, select=("state:stale",), exclude=())
    assert other.nodes == [] and not other.started_early


def test_a_start_that_dies_raises_on_pytests_thread_instead_of_hanging(
        run: BuildRun, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: BuildRun) -> set[str]:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(BuildRun, "_cache_decisions", boom)
    monkeypatch.setenv("FFT_TRACE", "1")  # the exception as it is, traceback and all
    assert run.start_early(seed=False, run=True, test=False, select=(), exclude=())
    for name in ("a.ff", "b.ff"):  # each item asks, each gets it (an internal error: exit 99)
        with pytest.raises(RuntimeError, match="disk on fire"):
            run.result(name)
    run.finish()


def test_without_fft_trace_a_start_that_dies_is_one_error_of_the_run(
        run: BuildRun, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: BuildRun) -> set[str]:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(BuildRun, "_cache_decisions", boom)
    monkeypatch.delenv("FFT_TRACE", raising=False)
    assert run.start_early(seed=False, run=True, test=False, select=(), exclude=())
    first, second = run.result("a.ff"), run.result("b.ff")
    assert first is not None and second is not None
    assert (first.status, first.message) == (
        "error", "the run could not start: RuntimeError: disk on fire")
    assert second.status == "skipped" and "reported on a.ff" in (second.message or "")
    run.finish()


def test_only_a_conftest_pytest_would_load_holds_the_early_start(tmp_path: Path) -> None:
    from pytest_fft.plugin.items import _has_conftest

    skip = [".*", "venv", "build"]
    (tmp_path / ".venv/lib/site-packages/pkg").mkdir(parents=True)
    (tmp_path / ".venv/lib/site-packages/pkg/conftest.py").write_text("")
    (tmp_path / "models/marts").mkdir(parents=True)
    assert not _has_conftest(tmp_path, skip)
    (tmp_path / "models/marts/conftest.py").write_text("")
    assert _has_conftest(tmp_path, skip)

"""``--fft-docs DIR``: the docs site of each project of the session (the index with the DAG,
a page per seed and model, ``dag.mmd``), with the statuses of the run that just finished, its
checks' and unit cases' results, written when the session ends. The columns come from lineage
and the descriptions (the session does not list the warehouse's columns for the docs).

It is written where every report arrives, after the run's artifacts: by the single pytest
process, or by pytest-xdist's controller once every worker has finished (the worker that
built wrote ``run_results.json`` and ``test_results.json``; the controller
``utest_results.json``); the results are read from those files. The controller learns the
session's projects from the reports (see :mod:`pytest_fft.plugin.item_facts`) and loads them.
Plugins add to the page through ``pytest_fft_docs_context``. One project is written to
``DIR/index.html``; several, each to ``DIR/<project>/index.html``.
"""

from __future__ import annotations

import warnings
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from pytest_fft.errors import FFTError
from pytest_fft.plugin.state import active_state


class DocsWriter:
    def __init__(self, config: pytest.Config, folder: str) -> None:
        self.config = config
        self.folder = Path(config.invocation_params.dir, folder)
        self.roots: dict[str, None] = {}  # the projects the reports name, in order

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        facts = getattr(report, "fft_item", None)  # from a pytest-xdist worker
        if isinstance(facts, dict) and isinstance(facts.get("root"), str):
            self.roots.setdefault(facts["root"])

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, Any, Any]:
        result = yield  # after the build is finished and its artifacts are written
        for folder, run in self._projects(session):
            try:
                write_docs(self.config, run, folder)
            except OSError as exc:
                from pytest_fft.errors import ArtifactWarning

                warnings.warn(ArtifactWarning(
                    f"--fft-docs: could not write {folder / 'index.html'}: "
                    f"{exc.strerror or exc}"), stacklevel=1)
            except (_HookFailed, FFTError) as failed:  # a hook raised, a description is wrong
                self.config.get_terminal_writer().line(
                    str(failed) if isinstance(failed, _HookFailed) else f"error --fft-docs: "
                    f"{failed}", red=True)
                if session.exitstatus == pytest.ExitCode.OK:
                    session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return result

    def _projects(self, session: pytest.Session) -> list[tuple[Path, Any]]:
        """``(folder, BuildRun)`` of each project of the session: those this process
        loaded, else (pytest-xdist's controller) those the reports name, loaded here."""
        state = active_state(session.config)
        if state is None:
            return []
        runs = state.build_runs()
        if not runs:
            for root in self.roots:
                try:
                    runs.append(state.project_run(Path(root)))
                except FFTError as err:  # the workers reported it already
                    self.config.get_terminal_writer().line(
                        f"error --fft-docs: {err.render()}", red=True)
        many = len(runs) > 1
        return [(self.folder / r.project.config.name if many else self.folder, r)
                for r in runs]


class _HookFailed(Exception):
    """A ``pytest_fft_docs_context`` implementation raised: the page is not written."""


def write_docs(config: pytest.Config, run: Any, folder: Path) -> None:
    """The docs site of ``run``'s project with the results its run artifacts hold, after
    the docs-context hook; its unit cases through the run's parse cache, lineage through
    the lineage cache in pytest's cache folder (as ``fft docgen`` keeps it)."""
    from pytest_fft.docs.last_run import read_last_run
    from pytest_fft.docs.site_files import site_files, write_site
    from pytest_fft.engines.registry import generic_spec
    from pytest_fft.utest.listing import listed_cases

    project = run.project
    last = read_last_run(project.root)
    statuses = {name: facts.status for name, facts in last.runs.items() if facts.status}
    statuses.update({name: outcome[0] for name, outcome in last.checks.items()})
    context: dict[str, Any] = {
        "project_name": project.config.name or project.root.name,
        "statuses": statuses, "sections": []}
    try:
        config.hook.pytest_fft_docs_context(config=config, project=project, context=context)
    except Exception as exc:
        from pytest_fft.plugin.sdk_events import raised_at

        raise _HookFailed(f"error --fft-docs: the plugin hook pytest_fft_docs_context raised "
                          f"{type(exc).__name__}: {exc}{raised_at(exc)}; {folder} was not "
                          "written\n  fix: fix the plugin, or leave it out with "
                          "-p no:<plugin>") from exc
    sections = [(str(s.get("title", "")), str(s.get("text", "")))
                for s in context.get("sections", []) if isinstance(s, dict)]
    cases, problem = listed_cases(project, run.parse_cache, run.parse_key)
    lineage_cache = None
    cache = getattr(config, "cache", None)  # absent with -p no:cacheprovider
    if cache is not None:
        from pytest_fft.docs.lineage_cache import LineageCache

        lineage_cache = LineageCache.in_folder(cache.mkdir("fft-docs"))
    files, _ = site_files(project, project.dag.order,
                          dialect=generic_spec(project.engine).sqlglot_dialect,
                          last=last, index_sections=sections, unit_cases=cases,
                          problems=[problem] if problem else [], lineage_cache=lineage_cache)
    write_site(folder, files)

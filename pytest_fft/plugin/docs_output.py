"""``--fft-docs DIR``: the docs site of each project of the session (the index with the DAG,
a page per seed and model, ``dag.mmd``), with the statuses of the run that just finished and
its checks' results, written when the session ends. The columns come from lineage and the
descriptions (the session does not list the warehouse's columns for the docs).

It is written by the process that built (under pytest-xdist, the worker that won the build):
that process holds the results. Plugins add to the page through ``pytest_fft_docs_context``.
One project is written to ``DIR/index.html``; several, each to ``DIR/<project>/index.html``.
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

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, Any, Any]:
        result = yield  # after the build is finished and its artifacts are written
        state = active_state(session.config)
        runs = [run for run in (state.build_runs() if state is not None else [])
                if run.profile is not None and run.board.all()]
        for run in runs:
            folder = self.folder / run.project.config.name if len(runs) > 1 else self.folder
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


class _HookFailed(Exception):
    """A ``pytest_fft_docs_context`` implementation raised: the page is not written."""


def write_docs(config: pytest.Config, run: Any, folder: Path) -> None:
    """The docs site of ``run``'s project with its results, after the docs-context hook."""
    from pytest_fft.docs.site_files import check_results, run_facts, site_files, write_site
    from pytest_fft.engines.registry import generic_spec

    project = run.project
    results = run.board.all()
    context: dict[str, Any] = {
        "project_name": project.config.name or project.root.name,
        "statuses": {name: r.status for name, r in results.items()}, "sections": []}
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
    files, _ = site_files(project, project.dag.order,
                          dialect=generic_spec(project.engine).sqlglot_dialect,
                          runs=run_facts(results),
                          checks=check_results(project, results), index_sections=sections)
    write_site(folder, files)

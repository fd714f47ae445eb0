"""``--fft-docs DIR``: the DAG page of each project of the session, with the statuses of the
run that just finished, written when the session ends.

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
                write_page(self.config, run, folder / "index.html")
            except OSError as exc:
                from pytest_fft.errors import ArtifactWarning

                warnings.warn(ArtifactWarning(
                    f"--fft-docs: could not write {folder / 'index.html'}: "
                    f"{exc.strerror or exc}"), stacklevel=1)
            except _HookFailed as failed:
                self.config.get_terminal_writer().line(str(failed), red=True)
                if session.exitstatus == pytest.ExitCode.OK:
                    session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return result


class _HookFailed(Exception):
    """A ``pytest_fft_docs_context`` implementation raised: the page is not written."""


def write_page(config: pytest.Config, run: Any, path: Path) -> None:
    """The DAG page of ``run``'s project with its results, after the docs-context hook."""
    from pytest_fft.atomic import write_atomic
    from pytest_fft.docs.dag_site import dag_nodes, page_context, render_page

    project = run.project
    results = run.board.all()
    nodes = dag_nodes(project, project.dag.order)
    context = page_context(project.config.name or project.root.name, nodes, None,
                           statuses={name: r.status for name, r in results.items()})
    try:
        config.hook.pytest_fft_docs_context(config=config, project=project, context=context)
    except Exception as exc:
        from pytest_fft.plugin.sdk_events import raised_at

        raise _HookFailed(f"error --fft-docs: the plugin hook pytest_fft_docs_context raised "
                          f"{type(exc).__name__}: {exc}{raised_at(exc)}; {path} was not "
                          "written\n  fix: fix the plugin, or leave it out with "
                          "-p no:<plugin>") from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, render_page(context))

"""The hooks pytest-fft calls on other plugins: the plugin SDK's ``pytest_fft_*`` events.

A plugin is an ordinary pytest plugin (a ``conftest.py``, ``-p module``, or a package with a
``pytest11`` entry point) that implements any of these; pytest's plugin manager calls it, so
``fft run`` and ``pytest --fft-run`` call it alike. Every argument is optional in an
implementation: take only the ones you need.

>>> import pytest
>>> @pytest.hookimpl
... def pytest_fft_node_finished(node, result):
...     print(node.name, result.status)

When they are called:

* the run hooks in the process that builds (under ``-n``, the pytest-xdist worker that won
  the build), ``pytest_fft_run_started`` before the first node starts and
  ``pytest_fft_run_finished`` after the last node's result and the artifacts are written,
  also when nodes failed;
* the node hooks **on the build's threads**, as each node starts and ends (with
  ``--fft-jobs 4``, four at once): an implementation that keeps state guards it with a lock,
  and one that is slow slows the build;
* ``pytest_fft_check_result`` after ``pytest_fft_node_finished`` of a data-quality check,
  with its verdict;
* ``pytest_fft_docs_context`` when pytest-fft renders a docs page, with the page's context.

A hook that raises does not stop the build: the error is the run's (the session fails,
naming the hook and where it raised), as a failing ``on_run_end`` hook of the project is.
A session with no implementation of these hooks pays nothing for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_fft.project.records import Node, Project
    from pytest_fft.run.events import RunInfo
    from pytest_fft.run.executor import NodeResult


@pytest.hookspec
def pytest_fft_run_started(config: pytest.Config, run: RunInfo) -> None:
    """A build starts: ``run`` has the project, the env, the engine's name and the names of
    the nodes it will build or check, in DAG order."""


@pytest.hookspec
def pytest_fft_node_started(config: pytest.Config, run: RunInfo, node: Node) -> None:
    """``node`` (a seed, a model, a snapshot or a data-quality check) starts, on a build
    thread. Nodes skipped because an upstream failed never start."""


@pytest.hookspec
def pytest_fft_node_finished(config: pytest.Config, run: RunInfo, node: Node,
                             result: NodeResult) -> None:
    """``node`` has its result (``result.status``: success, error, skipped, cached, or for a
    check fail/warn), on a build thread; also for nodes that were skipped."""


@pytest.hookspec
def pytest_fft_check_result(config: pytest.Config, run: RunInfo, check: Node,
                            result: NodeResult) -> None:
    """A data-quality check has its verdict: ``result.status`` ``success``, ``fail`` or
    ``warn`` (``error`` when its query failed), ``result.message`` what it found and
    ``result.metrics`` the numbers behind it."""


@pytest.hookspec
def pytest_fft_run_finished(config: pytest.Config, run: RunInfo,
                            results: Mapping[str, NodeResult], status: str) -> None:
    """The build is over and ``run_results.json`` is written: ``results`` by node name,
    ``status`` ``success`` or ``error`` (a node failed, or a run-level hook did)."""


@pytest.hookspec
def pytest_fft_docs_context(config: pytest.Config, project: Project,
                            context: dict[str, Any]) -> None:
    """A docs page is about to be rendered from ``context`` (a dict the hook may change).

    ``context["sections"]`` is a list an implementation may append ``{"title": ...,
    "text": ...}`` entries to: each becomes a section at the end of the page. Their text is
    escaped, never taken as HTML.
    """

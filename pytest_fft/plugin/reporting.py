"""How node items are reported: their own build time, skips at the node, and the nodes that
finish after pytest stopped early (``-x``, ``--maxfail``, ``--sw``)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from pytest_fft.plugin.state import FFTState

if TYPE_CHECKING:
    from pytest_fft.plugin.items import NodeItem


def node_report(item: NodeItem, report: pytest.TestReport) -> None:
    """Adjust the report pytest made for a node item's phase."""
    result = item.result
    if report.when == "call" and result is not None:
        # --durations and JUnit's time: the node's own build, not how long its item waited.
        report.duration = result.duration
    if report.skipped and isinstance(report.longrepr, tuple):
        # At the node's own file and line (``SKIPPED [1] models/x.ff.sql:1: ...``), as a skip
        # raised in a test function is, not at the line of the plugin that raised it.
        report.longrepr = (os.fspath(item.path), item.line, report.longrepr[2])


def report_after_stop(session: pytest.Session, state: FFTState) -> None:
    """pytest stopped before running every item: start no new node, let the running ones
    finish, and report each node item whose node was built (or failed building) meanwhile,
    so that nothing lands in the warehouse unreported.

    Under ``--sw`` a node that failed after the stop is left out: stepwise resumes at the
    last failure it saw, which must stay the one that stopped the run.
    """
    from pytest_fft.plugin.items import NodeItem

    reason = (f"not started: pytest stopped ({session.shouldfail or session.shouldstop})")
    for run in state.build_runs():
        run.stop_starting(reason)
    stepwise = bool(session.config.getoption("stepwise", False))
    for item in session.items:
        if not isinstance(item, NodeItem) or item.attempts:
            continue
        result = item.build_run.peek(item.node_name)
        if result is None or result.status == "skipped" or (stepwise and result.failed):
            continue
        _report_directly(item)


def _nothing() -> None:
    return None


def _report_directly(item: NodeItem) -> None:
    """Report a node item's phases without pytest's SetupState.

    Why not ``runtestprotocol``: the loop stopped mid-way and pytest's SetupState still holds
    the collectors of the item it ran last, so another item's setup would be refused. Node
    items have no fixtures and nothing to set up; their reports are made by the usual hook.
    """
    ihook = item.ihook
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    reraise = (pytest.exit.Exception, KeyboardInterrupt)
    for when, func in (("setup", _nothing), ("call", item.runtest), ("teardown", _nothing)):
        call = pytest.CallInfo.from_call(func, when=when, reraise=reraise)  # type: ignore[arg-type]
        report = ihook.pytest_runtest_makereport(item=item, call=call)
        ihook.pytest_runtest_logreport(report=report)
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)

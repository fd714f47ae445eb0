"""How node items are reported: their own build time, skips at the node, and the nodes that
finish after pytest stopped early (``-x``, ``--maxfail``, ``--sw``) or was interrupted."""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_fft.plugin.options import live_logging
from pytest_fft.plugin.state import FFTState
from pytest_fft.run import gc_policy

if TYPE_CHECKING:
    from pytest_fft.plugin.items import NodeItem


class NodeItemReports:
    """The hooks of a session that has node items (registered after collection)."""

    def __init__(self, state: FFTState) -> None:
        self.state = state

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, object, object]:
        """Start every project's executor as the test loop begins (builds overlap with
        pytest's own per-item work); when the loop stops early (``-x``, ``--maxfail``,
        ``--sw``), start no new node, let running ones finish and report what was built."""
        if session.config.option.collectonly:
            return (yield)
        config = session.config
        live = live_logging(config)
        if live:
            _show_node_logs_in_items(config)
        if not (config.option.maxfail or config.getoption("stepwise", False) or live):
            # With -x/--maxfail/--sw the first failure may end the loop before any node
            # item: then nothing may be built, so the build starts with the first node item.
            # So it does with live logs: pytest's handler exists only inside the loop.
            for run in self.state.build_runs():
                if run.nodes:
                    run.ensure_started()
        try:
            return (yield)
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (see signals.py)
            report_after_interrupt(session, self.state)
            raise
        finally:
            if session.shouldfail or session.shouldstop:
                report_after_stop(session, self.state)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> None:
        """A test that is not a node item runs with the garbage collector as it found it."""
        from pytest_fft.plugin.items import NodeItem

        if gc_policy.is_frozen() and not self.state.owned_by_fft \
                and not isinstance(item, NodeItem):
            gc_policy.thaw()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item,
                                  call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
        report = yield
        from pytest_fft.plugin.items import NodeItem

        if isinstance(item, NodeItem):
            node_report(item, report)
        return report


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
    reason = f"not started: pytest stopped ({session.shouldfail or session.shouldstop})"
    for run in state.build_runs():
        run.stop_starting(reason)
    stepwise = bool(session.config.getoption("stepwise", False))
    _report_finished(session, leave_out_failed=stepwise)


def report_after_interrupt(session: pytest.Session, state: FFTState) -> None:
    """The run was interrupted: stop the builds (running statements are interrupted and
    roll back) and report each node item whose node finished, failed or was stopped, so
    that what was built before the interrupt is shown and counted, not "no tests ran"."""
    for run in state.build_runs():
        run.cancel()
        run.stop_starting("run interrupted")
    _report_finished(session)


def _report_finished(session: pytest.Session, *, leave_out_failed: bool = False) -> None:
    """Report every node item without a result of its own whose node has one (built,
    failed, or stopped: the item that was waiting when an interrupt came); nodes skipped
    because the run stopped are not reported."""
    from pytest_fft.plugin.items import NodeItem

    for item in session.items:
        if not isinstance(item, NodeItem) or item.result is not None:
            continue
        result = item.build_run.peek(item.node_name)
        if result is None or result.status == "skipped" or (leave_out_failed
                                                            and result.failed):
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


def _show_node_logs_in_items(config: pytest.Config) -> None:
    """Live logs: each node item shows its node's records on pytest's thread (see
    :mod:`pytest_fft.run.node_logs`), and pytest's handler ignores them on the build's."""
    from pytest_fft.run import node_logs

    node_logs.keep_records_for_items()
    config.add_cleanup(node_logs.stop_keeping_records)
    plugin = config.pluginmanager.get_plugin("logging-plugin")
    handler = getattr(plugin, "log_cli_handler", None)
    if handler is not None and node_logs.not_from_a_node_build not in handler.filters:
        handler.addFilter(node_logs.not_from_a_node_build)

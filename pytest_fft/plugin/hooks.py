"""The pytest hooks of pytest-fft (the module pytest loads through the ``pytest11`` entry point).

A folder is claimed only when it is a FastFlowTransform project (``models/`` with
``*.ff.sql``/``*.ff.py`` files, or named by ``fft_project``): anywhere else every hook here
returns without doing anything, so an ordinary test suite or a dbt repository runs exactly as
with ``-p no:fft``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest

from pytest_fft.plugin.fixtures import (  # noqa: F401 - pytest finds fixtures on the plugin
    fft_engine,
    fft_project,
    fft_relation,
    fft_unit_engine,
)
from pytest_fft.plugin.options import add_options, read_options
from pytest_fft.plugin.state import STATE_KEY, FFTState, active_state

MARKERS = {
    "fft_model": "a FastFlowTransform model built by pytest-fft",
    "fft_seed": "a FastFlowTransform seed loaded by pytest-fft",
    "fft_check": "a data-quality check from project.yml run by pytest-fft",
    "fft_utest": "a model unit-test case from tests/unit/*.yml",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """The plugin SDK: the ``pytest_fft_*`` hooks other plugins may implement."""
    from pytest_fft.plugin import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    from pytest_fft.run.gc_policy import thaw

    # First, so that this clean-up runs last: after pytest's own (see run/gc_policy.py).
    config.add_cleanup(thaw)
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    options = read_options(config)
    config.stash[STATE_KEY] = FFTState(options, config)
    if options.utest and options.utest_cache == "rw":
        from pytest_fft.plugin.unit_items import UnitCacheRecorder

        config.pluginmanager.register(UnitCacheRecorder(config), "fft-utest-cache")
    if options.utest and not hasattr(config, "workerinput"):
        from pytest_fft.plugin.unit_results import UnitResults

        config.pluginmanager.register(UnitResults(), "fft-unit-results")
    if options.active and config.option.fft_docs and not hasattr(config, "workerinput"):
        from pytest_fft.plugin.docs_output import DocsWriter

        config.pluginmanager.register(DocsWriter(config, config.option.fft_docs),
                                      "fft-docs-writer")
    if options.active and hasattr(config, "workerinput"):
        from pytest_fft.plugin.item_facts import WorkerItemFacts

        # The controller's reporter (fft's) learns about the items from their reports.
        config.pluginmanager.register(WorkerItemFacts(), "fft-item-facts")
    if (options.builds and getattr(config.option, "numprocesses", None)
            and not hasattr(config, "workerinput")):
        from pytest_fft.plugin.xdist import XdistController

        config.pluginmanager.register(XdistController(config), "fft-xdist-controller")
    if options.active and (getattr(config.option, "verbose", 0) >= 2
                           or os.environ.get("FFT_SQL_DEBUG") == "1"):
        from pytest_fft.redact import RedactingFilter

        sql_log = logging.getLogger("pytest_fft.sql")
        sql_log.setLevel(logging.DEBUG)
        if not any(isinstance(f, RedactingFilter) for f in sql_log.filters):
            sql_log.addFilter(RedactingFilter())


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    state = active_state(parent.config)
    if state is None or not state.is_project(path):
        return None
    from pytest_fft.plugin.items import ProjectDir

    return ProjectDir.from_parent(parent, path=path)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    state = active_state(parent.config)
    if state is None:
        return None
    from pytest_fft.plugin.collect import project_file_collector

    return project_file_collector(state, file_path, parent)


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> Any:
    """A Python model named on the command line (``models/x.ff.py::x``, as IDEs send it) is
    never imported as a test module: pytest's own collector of it collects nothing, ours
    (from ``pytest_collect_file``) yields the model's items."""
    state = active_state(parent.config)
    if state is None or not module_path.name.endswith(".ff.py"):
        return None
    from pytest_fft.plugin.collect import NotATestModule, in_project_models

    if in_project_models(parent):
        return NotATestModule.from_parent(parent, path=module_path)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Narrow by ``--fft-select``/unit-case options and put node items in DAG order.

    First, so that what other plugins do by position (``--sw`` resumes at the item after
    the last that passed, ``--ff`` moves failures first) sees the order the items run in.
    """
    state = active_state(config)
    if state is None:
        return
    from pytest_fft.plugin.ordering import order_items

    order_items(config, state, items)


def pytest_collection_finish(session: pytest.Session) -> None:
    state = active_state(session.config)
    if state is None:
        return
    from pytest_fft.plugin.ide import register_ide_names
    from pytest_fft.plugin.ordering import hand_nodes_to_runs
    from pytest_fft.plugin.reporting import NodeItemReports

    if hand_nodes_to_runs(session):
        from pytest_fft.plugin.signals import handle_sigterm

        # Only a session with seeds, models or checks pays for the hooks that report them.
        session.config.pluginmanager.register(NodeItemReports(state), "fft-node-reports")
        register_ide_names(session)
        handle_sigterm(session.config)
    elif not state.owned_by_fft:
        from pytest_fft.run.gc_policy import thaw

        thaw()  # only others' tests (and unit cases) run: nothing of ours stays frozen


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    """A cached node passes with its own status: "N passed, M cached", CACHED with -v."""
    if report.when == "call" and report.passed and (
            ("fft_status", "cached") in report.user_properties):
        return "cached", "c", "CACHED"
    return None


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int,
                            config: pytest.Config) -> None:
    """The run-level hooks that failed, each with its file and line; the run budgets of
    budgets.yml the build exceeded."""
    if active_state(config) is None:
        return
    from pytest_fft.plugin.state import run_budget_findings, run_hook_errors

    errors = run_hook_errors(config)
    if errors:
        terminalreporter.section("fft hooks", sep="=", red=True, bold=True)
        for text in errors:
            terminalreporter.line(text, red=True)
    findings = run_budget_findings(config)
    if findings:
        failed = any(level == "error" for level, _ in findings)
        terminalreporter.section("fft budgets", sep="=", red=failed, yellow=not failed,
                                 bold=True)
        for level, text in findings:
            terminalreporter.line(text, red=level == "error", yellow=level != "error")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = active_state(session.config)
    if state is None:
        return
    cancel = exitstatus == pytest.ExitCode.INTERRUPTED
    # Also reached after Ctrl-C: finish() cancels a build that is still running.
    for run in state.build_runs():
        run.finish(cancel=cancel)
    from pytest_fft.plugin.state import run_budget_findings, run_hook_errors

    # A run-level hook that failed (on_run_start, on_run_end), or an error budget of
    # budgets.yml the run exceeded, is an error of the session.
    if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED) and (
            run_hook_errors(session.config)
            or any(level == "error" for level, _ in run_budget_findings(session.config))):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if state.runs and not state.owned_by_fft:  # fft stays frozen until the clean-up
        from pytest_fft.run.gc_policy import freeze_for_cleanup

        freeze_for_cleanup()

"""What ``fft`` prints: one line per node and a summary, instead of pytest's dots."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
from rich.console import Console
from rich.markup import escape

_ICONS = {"passed": "[green]✓[/]", "failed": "[red]✗[/]", "skipped": "[yellow]↷[/]"}


class CliReporter:
    """A pytest plugin instance that ``fft`` passes to ``pytest.main``."""

    def __init__(self, command: str, quiet: bool = False, verbose: int = 0) -> None:
        self.command = command
        self.quiet = quiet
        self.verbose = verbose
        self.console = Console(highlight=False, soft_wrap=True)
        self.err_console = Console(stderr=True, highlight=False, soft_wrap=True)
        self.collect_errors: list[str] = []
        self.counts = {"passed": 0, "failed": 0, "skipped": 0}
        self.failures: list[tuple[str, str]] = []
        self.started = time.perf_counter()
        self.internal_error = False
        self.abbrev = ""
        if os.environ.get("FFT_SQL_DEBUG") == "1":
            self._show_sql_log()

    def _show_sql_log(self) -> None:
        """Print the SQL debug channel (rendered SQL, Python model inputs) to stderr."""
        import logging

        from rich.logging import RichHandler

        handler = RichHandler(console=self.err_console, show_time=False, show_path=False,
                              markup=False)
        logger = logging.getLogger("pytest_fft.sql")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)

    # -- pytest hooks ------------------------------------------------------------------
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(report.longreprtext)
            self.err_console.print(f"[red]error[/] {escape(report.longreprtext)}")

    def pytest_warning_recorded(self, warning_message: Any, when: str, nodeid: str,
                                location: Any) -> None:
        from .items import FFTWarning

        if isinstance(warning_message.message, FFTWarning) and not self.quiet:
            self.err_console.print(f"[yellow]warning[/] {escape(str(warning_message.message))}")

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        from .items import NodeItem

        items = [i for i in session.items if isinstance(i, NodeItem)]
        if items:
            self.abbrev = items[0].build_run.engine_abbrev
            if not self.quiet:
                run = items[0].build_run
                self.console.print(
                    f"[bold]{self.command}[/] {escape(run.project.name)} · env "
                    f"{escape(run.profile.env_name)} · {self.abbrev} · {len(items)} node"
                    f"{'s' if len(items) != 1 else ''} · jobs {run.settings.jobs}"
                )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" and not (report.when == "setup" and not report.passed):
            return
        outcome = report.outcome
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        name = report.nodeid.rsplit("::", 1)[-1]
        props = dict(report.user_properties)
        duration = props.get("fft_duration", report.duration)
        if outcome == "failed":
            self.failures.append((name, report.longreprtext))
        if self.quiet and outcome != "failed":
            return
        detail = ""
        if outcome == "skipped" and isinstance(report.longrepr, tuple):
            detail = f"  [yellow]skipped: {escape(report.longrepr[2].removeprefix('Skipped: '))}[/]"
        elif outcome == "failed":
            detail = "  [red]error[/]"
        rows = props.get("fft_rows")
        rows_text = (f"  {rows} row{'' if rows == 1 else 's'}"
                     if rows is not None and outcome == "passed" else "")
        self.console.print(
            f"{_ICONS.get(outcome, outcome)} {escape(name):<40} [dim]{self.abbrev:>4}[/] "
            f"{duration:7.2f}s{rows_text}{detail}"
        )

    def pytest_internalerror(self, excrepr: Any, excinfo: Any) -> bool:
        self.internal_error = True
        if os.environ.get("FFT_TRACE") == "1":
            self.err_console.print(escape(str(excrepr)))
        else:
            self.err_console.print(
                f"[red]unexpected error[/]: {escape(excinfo.typename)}: "
                f"{escape(str(excinfo.value))}\nset FFT_TRACE=1 to see the traceback"
            )
        return True

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        for name, text in self.failures:
            self.err_console.print(f"\n[red bold]✗ {escape(name)}[/]\n{escape(text)}")
        elapsed = time.perf_counter() - self.started
        c = self.counts
        if self.collect_errors:
            self.console.print(f"[red]Project error[/]: {len(self.collect_errors)} "
                               f"error{'s' if len(self.collect_errors) > 1 else ''} while loading")
            return
        total = c["passed"] + c["failed"] + c["skipped"]
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            self.console.print(f"[yellow]Interrupted[/] after {elapsed:.2f}s")
            return
        if exitstatus == pytest.ExitCode.USAGE_ERROR:
            return
        if total == 0:
            self.console.print("Nothing to do: no node matched.")
            return
        parts = [f"[green]{c['passed']} ok[/]"]
        if c["failed"]:
            parts.append(f"[red]{c['failed']} failed[/]")
        if c["skipped"]:
            parts.append(f"[yellow]{c['skipped']} skipped[/]")
        self.console.print(f"Done: {', '.join(parts)} in {elapsed:.2f}s")

    # -- exit code ---------------------------------------------------------------------
    def exit_code(self, pytest_code: int) -> int:
        from .cli import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNEXPECTED

        if self.internal_error or pytest_code == pytest.ExitCode.INTERNAL_ERROR:
            return EXIT_UNEXPECTED
        if self.collect_errors or self.counts["failed"]:
            return EXIT_ERROR
        if pytest_code == pytest.ExitCode.INTERRUPTED:
            return EXIT_INTERRUPTED
        if pytest_code == pytest.ExitCode.USAGE_ERROR:
            return EXIT_ERROR
        return EXIT_OK

"""What ``fft`` prints: one line per node and a summary, instead of pytest's dots.

``fft test`` prints the spec's "Data Quality Summary" and "Totals"; ``fft build`` prints the
per-node lines and then that summary for the checks it ran.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.markup import escape as escape_markup

from pytest_fft.cli.spelling import fft_spelling
from pytest_fft.errors import FFTError
from pytest_fft.redact import redact

_ICONS = {"passed": ("green", "✓"), "failed": ("red", "✗"), "skipped": ("yellow", "↷"),
          "warn": ("yellow", "!")}
_DQ_ICONS = {"success": "✅", "fail": "❌", "error": "❌", "warn": "❕", "skipped": "↷"}


# Control characters but tab and newline, as their escapes.
_SHOWN = {code: f"\\x{code:02x}" for code in [*range(0x20), 0x7F] if code not in (0x09, 0x0A)}


def _shown(text: str) -> str:
    """An error or warning as fft shows it: secrets masked, options in fft's spelling."""
    return fft_spelling(redact(text))


def escape(text: str) -> str:
    """``text`` from a project (a name, a path, an error) safe to print: rich markup
    escaped, and control characters shown as ``\\x1b`` instead of reaching the terminal (an
    escape sequence in a file name must not clear the screen or recolour what follows)."""
    return escape_markup(text.translate(_SHOWN))


@dataclass
class CheckLine:
    """One row of the Data Quality Summary."""

    type: str
    scope: str
    status: str  # success | fail | warn | error | skipped
    seconds: float
    message: str


_LINE_BATCH_SECONDS = 0.1  # per-node lines are printed together at most this often
Styled = tuple[str, str]  # (rich style or "", plain text)


def _markup(parts: Iterable[Styled]) -> str:
    """``parts`` as rich markup, every text escaped."""
    return "".join(f"[{style}]{escape(text)}[/]" if style else escape(text)
                   for style, text in parts)


def _plain_text(parts: Iterable[Styled]) -> str:
    """``parts`` as the plain text rich prints for :func:`_markup` without styles."""
    return "".join(text for _, text in parts)


class _PipeSafeConsole(Console):
    """A console whose reader may go away (``fft run | head``): the output stops there, the
    run goes on and exits with its own code (rich would exit at once, mid-build)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, (self.file or sys.stdout).fileno())


class CliReporter:
    """A pytest plugin instance that ``fft`` passes to ``pytest.main``."""

    def __init__(self, command: str, quiet: bool = False, verbose: int = 0,
                 console: Console | None = None, progress: bool | None = None) -> None:
        self.command = command
        self.quiet = quiet
        self.verbose = verbose
        self.console = console or _PipeSafeConsole(highlight=False, soft_wrap=True)
        # A progress bar under the node lines on a terminal (never in logs or CI output).
        self.show_progress = self.console.is_terminal if progress is None else progress
        self._progress: Any = None
        self._task: Any = None
        self.err_console = _PipeSafeConsole(stderr=True, highlight=False, soft_wrap=True)
        self.collect_errors: list[str] = []
        self.counts = {"passed": 0, "failed": 0, "skipped": 0}
        self.statuses: dict[str, int] = {}  # fft_status -> count
        self.failures: list[tuple[str, str, str]] = []  # (nodeid, name, text)
        self.checks: dict[str, tuple[str, str]] = {}  # nodeid -> (type, scope)
        self.levels: dict[str, int] = {}  # nodeid -> DAG level, for -v's per-level summary
        self.level_results: dict[int, list[tuple[str, float, float]]] = {}  # (status, t0, t1)
        self.check_lines: list[CheckLine] = []
        self._facts: dict[str, dict[str, Any]] = {}  # nodeid -> what its item is
        self.started = time.perf_counter()
        self._node_lines: list[str] = []  # per-node lines not printed yet
        self._lines_lock = threading.RLock()  # node lines also come from build threads
        self._live: set[str] = set()  # nodes whose line came from the build as it finished
        self._flush_timer: threading.Timer | None = None
        # No terminal and no colour: node lines are written as plain text, as rich would.
        self._plain = (not self.console.is_terminal and self.console.color_system is None
                       and not self.show_progress)
        self._flushed_at = self.started
        self.internal_error = False
        self.hook_errors: list[str] = []  # run-level hooks that failed: exit 1
        self.budget_errors = 0  # error budgets of budgets.yml the run exceeded: exit 1
        self.abbrev = ""
        self._run_of: dict[str, Any] = {}  # nodeid -> the BuildRun of its node
        self._collected = False  # collection went through (a usage error stops it before)
        self._header_printed = False
        self._expected: int | None = None  # items a pytest-xdist worker collected
        # (project, env) -> (the error, its items' names): warehouses that could not be
        # opened, told once at the end instead of a line per node
        self._not_started: dict[tuple[str, str], tuple[str, list[str]]] = {}
        if os.environ.get("FFT_SQL_DEBUG") == "1":
            self._show_sql_log()

    def _show_sql_log(self) -> None:
        """Print the SQL debug channel (rendered SQL, Python model inputs) to stderr: on a
        terminal through rich; elsewhere (CI logs, a pipe) as plain text, never wrapped or
        padded, so the SQL can be copied as it ran."""
        import logging

        handler: logging.Handler
        if self.err_console.is_terminal:
            from rich.logging import RichHandler

            handler = RichHandler(console=self.err_console, show_time=False, show_path=False,
                                  markup=False)
        else:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(message)s"))
        logger = logging.getLogger("pytest_fft.sql")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)

    @property
    def per_node_lines(self) -> bool:
        return self.command != "test" and not self.quiet

    # -- pytest hooks ------------------------------------------------------------------
    def pytest_addoption(self, parser: pytest.Parser) -> None:
        """pytest's terminal does not run under fft, but its report options given after
        ``--`` (``--tb=short``, ``--showlocals``) are accepted: the failure texts fft prints
        follow them; the others have nothing to change. (``-v``/``-q`` become fft's own,
        and ``-r``/``-l`` are taken out by the command, see cli.main.)"""
        group = parser.getgroup("terminal reporting")
        group.addoption("--tb", dest="tbstyle", default="auto", metavar="style",
                        choices=["auto", "long", "short", "no", "line", "native"])
        group.addoption("--showlocals", dest="showlocals", action="store_true")
        group.addoption("--full-trace", dest="fulltrace", action="store_true")
        group.addoption("--disable-warnings", "--disable-pytest-warnings",
                        dest="disable_warnings", action="store_true")
        group.addoption("--no-header", dest="no_header", action="store_true")
        group.addoption("--no-summary", dest="no_summary", action="store_true")

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        from pytest_fft.plugin.state import OWNED_BY_FFT

        config.stash[OWNED_BY_FFT] = True  # one session, then the process exits
        import warnings

        self._python_showwarning = warnings.showwarning
        warnings.showwarning = self._show_uncaptured  # one session, then the process exits

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            text = _shown(report.longreprtext)
            self.collect_errors.append(text)
            self.err_console.print(f"[red]error[/] {escape(text)}")

    def pytest_warning_recorded(self, warning_message: Any, when: str, nodeid: str,
                                location: Any) -> None:
        self._warn(warning_message.message)

    def _warn(self, message: Any) -> bool:
        """Print one of pytest-fft's warnings as fft's ``warning`` line; False for others."""
        from pytest_fft.errors import (
            ArtifactWarning,
            AuditTableWarning,
            CacheWarning,
            FFTWarning,
        )

        if not isinstance(message, (FFTWarning, AuditTableWarning, CacheWarning,
                                    ArtifactWarning)):
            return False
        if not self.quiet:
            self.err_console.print(f"[yellow]warning[/] {escape(_shown(str(message)))}")
        return True

    def _show_uncaptured(self, message: Any, category: Any, filename: str, lineno: int,
                         file: Any = None, line: Any = None) -> None:
        """Warnings raised where pytest does not record them (the build that starts on a
        thread of its own before the items exist): ours as fft's ``warning`` line, never
        Python's ``file:line: Category`` form; others as Python shows them."""
        if not self._warn(message):
            self._python_showwarning(message, category, filename, lineno, file, line)

    @pytest.hookimpl(wrapper=True)
    def pytest_collection_modifyitems(self) -> Any:
        """A selection that is a usage error (``--model nosuch``) is told as fft's own
        option errors are, before any header; pytest would print ``ERROR: …`` and a blank
        line in its own spelling of the options."""
        try:
            result = yield
        except pytest.UsageError as exc:
            self.err_console.print(f"fft: error: {escape(_shown(str(exc)))}")
            pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)
        self._collected = True
        return result

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if not self._collected:
            return  # pytest calls this hook after a usage error too: no header then
        from pytest_fft.plugin.item_facts import item_facts

        items = [i for i in session.items if hasattr(i, "build_run")]
        self._run_of = {item.nodeid: item.build_run for item in items}
        for item in items:
            self._learn(item.nodeid, item_facts(item))
        if items and self.show_progress and not self.quiet:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self._progress = Progress("[bold]{task.description}", BarColumn(),
                                      MofNCompleteColumn(), TimeElapsedColumn(),
                                      console=self.console, transient=True)
            self._task = self._progress.add_task(self.command, total=len(items))
            self._progress.start()
        if items:
            self._print_header(self._facts[items[0].nodeid], len(items))
            if self.per_node_lines and self.command != "utest":
                # One line per node as it finishes, not in the order of the items.
                for run in {id(i.build_run): i.build_run for i in items}.values():
                    run.subscribe(self._on_node_result)

    def _learn(self, nodeid: str, facts: dict[str, Any]) -> None:
        """What the reporter needs of an item (see :mod:`pytest_fft.plugin.item_facts`)."""
        self._facts[nodeid] = facts
        self.abbrev = self.abbrev or facts["engine"]
        if "check" in facts:
            self.checks[nodeid] = tuple(facts["check"])
        elif "level" in facts:
            self.levels[nodeid] = facts["level"]

    def _print_header(self, facts: dict[str, Any], count: int | None) -> None:
        """The first line: command, project, env, engine, what runs, jobs."""
        self._header_printed = True
        if self.quiet:
            return
        what = "" if count is None else f" · {self._counted(count)}"
        if self.command == "utest":
            where = ("private in-memory schemas" if facts["engine"] in (None, "DUCK")
                     else f"private schemas on {facts['engine']}")
            self.console.print(f"[bold]utest[/] {escape(facts['project'])} · {where}{what}")
            return
        self.console.print(f"[bold]{self.command}[/] {escape(facts['project'])} · env "
                           f"{escape(facts['env'] or '-')} · {facts['engine']}{what}"
                           f" · jobs {facts['jobs']}")

    def _counted(self, count: int) -> str:
        """``3 checks``, ``1 node``, ``4 cases``: items as this command names them."""
        noun = {"utest": "case", "test": "check"}.get(self.command, "node")
        return f"{count} {noun}{'s' if count != 1 else ''}"

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """pytest-xdist: what a worker collected (every worker collects the same)."""
        if self._expected is None:
            self._expected = len(ids)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        worker_facts = getattr(report, "fft_item", None)  # from a pytest-xdist worker
        if worker_facts is not None:  # each phase's: the call's may know more than setup's
            self._learn(report.nodeid, worker_facts)
            if not self._header_printed:
                self._print_header(worker_facts, self._expected)
        if report.when != "call" and not (report.when == "setup" and not report.passed):
            return
        outcome = report.outcome
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        name = report.nodeid.rsplit("::", 1)[-1]
        props: dict[str, Any] = dict(report.user_properties)  # what our items recorded
        status = props.get("fft_status", "error" if outcome == "failed" else outcome)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        duration = props.get("fft_duration", report.duration)
        if self._progress is not None and name not in self._live:
            self._progress.advance(self._task)
        startup_error = self._startup_error_of(report.nodeid)
        if startup_error is not None:
            # Nothing of this run ran: one error at the end, not a line per node.
            facts = self._facts[report.nodeid]
            key = (facts["project"], facts["env"] or "?")
            self._not_started.setdefault(key, (startup_error, []))[1].append(name)
            return
        skip_reason = ""
        if outcome == "skipped" and isinstance(report.longrepr, tuple):
            skip_reason = report.longrepr[2].removeprefix("Skipped: ")
        if report.nodeid in self.checks:
            check_type, scope = self.checks[report.nodeid]
            self.check_lines.append(CheckLine(
                check_type, scope, "skipped" if outcome == "skipped" else status, duration,
                skip_reason or props.get("fft_message", "")))
        if report.nodeid in self.levels:
            started = props.get("fft_started") or 0.0
            self.level_results.setdefault(self.levels[report.nodeid], []).append(
                (status if outcome != "skipped" else "skipped", started, started + duration))
        if outcome == "failed":
            text = report.longreprtext
            if self.command == "utest" and "fft_diff" in props:
                text = f"{report.longreprtext.splitlines()[0]}\n{props['fft_diff']}"
            self.failures.append((report.nodeid, name, text))
        if not self.per_node_lines or name in self._live:
            return  # its line was printed when the node finished (see _on_node_result)
        self._add_line(name, outcome, status, duration, props.get("fft_rows"), skip_reason,
                       props.get("fft_message", ""), props.get("fft_note"))

    def _startup_error_of(self, nodeid: str) -> str | None:
        """The error that kept the warehouse of ``nodeid``'s project from opening: from its
        run in this process, or from a pytest-xdist worker's report."""
        run = self._run_of.get(nodeid)
        if run is None:
            return self._facts.get(nodeid, {}).get("startup_error")
        return run.startup_error.render() if run.startup_error is not None else None

    def _on_node_result(self, result: Any) -> None:
        """A node's line as soon as it finishes (called on the build's threads), so a slow
        node does not hold back the lines of the nodes that finished meanwhile."""
        with self._lines_lock:
            if result.name in self._live:
                return
            self._live.add(result.name)
            outcome = {"success": "passed", "cached": "passed", "warn": "passed",
                       "skipped": "skipped"}.get(result.status, "failed")
            skip = (result.message or "skipped") if outcome == "skipped" else ""
            if self._progress is not None:
                self._progress.advance(self._task)
            self._add_line(result.name, outcome, result.status, result.duration, result.rows,
                           skip, result.message or "", result.note)

    def _add_line(self, name: str, outcome: str, status: str, duration: float,
                  rows: Any, skip_reason: str, message: str, note: str | None = None) -> None:
        detail: list[Styled] = []
        if note and outcome == "passed":  # e.g. a snapshot's versions opened and closed
            detail = [("", "  "), ("dim", note)]
            rows = None
        if skip_reason:
            detail = [("", "  "), ("yellow", f"skipped: {skip_reason}")]
        elif status == "warn":
            detail = [("", "  "), ("yellow", f"warn: {message}")]
        elif outcome == "failed":
            detail = [("", "  "), ("red", "failed" if status == "fail" else "error")]
        elif status == "cached":
            detail = [("", "  "), ("cyan", "cached")]
        rows_text = (f"  {rows} row{'' if rows == 1 else 's'}"
                     if rows is not None and outcome == "passed" else "")
        icon = _ICONS["warn"] if status == "warn" else _ICONS.get(outcome, ("", outcome))
        line = [icon, ("", f" {name:<40} "), ("dim", f"{self.abbrev:>4}"),
                ("", f" {duration:7.2f}s{rows_text}"), *detail]
        with self._lines_lock:
            # Without a terminal, what rich would print anyway (no styles, no wrapping).
            self._node_lines.append(_plain_text(line) if self._plain else _markup(line))
            if time.perf_counter() - self._flushed_at >= _LINE_BATCH_SECONDS:
                self._flush_node_lines()
            elif self._flush_timer is None:  # the next line may be a while: print this one
                self._flush_timer = threading.Timer(_LINE_BATCH_SECONDS, self._flush_later)
                self._flush_timer.daemon = True
                self._flush_timer.start()

    def _flush_later(self) -> None:
        with self._lines_lock:
            self._flush_timer = None
            self._flush_node_lines()

    def _flush_node_lines(self) -> None:
        """Print the node lines gathered so far, in one call: lines still appear as nodes
        finish (a tenth of a second apart at most), and a cached run of 500 nodes does not
        pay 500 prints (about 50 ms)."""
        with self._lines_lock:
            self._print_lines()

    def _print_lines(self) -> None:
        if self._node_lines:
            text = "\n".join(self._node_lines)
            self._node_lines.clear()
            if self._plain:  # rich's rendering is most of the cost of 500 lines
                try:
                    self.console.file.write(text + "\n")
                    self.console.file.flush()
                except BrokenPipeError:
                    self.console.on_broken_pipe()
            else:
                self.console.print(text)
        self._flushed_at = time.perf_counter()

    def pytest_internalerror(self, excrepr: Any, excinfo: Any) -> bool:
        self._flush_node_lines()
        self.internal_error = True
        if os.environ.get("FFT_TRACE") == "1":
            self.err_console.print(escape(_shown(str(excrepr))))
        else:
            self.err_console.print(
                f"[red]unexpected error[/]: {escape(excinfo.typename)}: "
                f"{escape(_shown(str(excinfo.value)))}\nset FFT_TRACE=1 to see the traceback"
            )
        return True

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._flush_node_lines()
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        for nodeid, name, text in self.failures:
            if self.command == "test" and nodeid in self.checks:
                continue  # the summary below says it in one line
            self.err_console.print(f"\n[red bold]✗ {escape(name)}[/]\n{escape(_shown(text))}")
        self._print_not_started()
        from pytest_fft.plugin.state import run_hook_errors

        self.hook_errors = run_hook_errors(session.config)  # on_run_start, on_run_end
        for text in self.hook_errors:
            self.err_console.print(f"\n[red bold]✗ a hook of the run failed[/]\n"
                                   f"{escape(_shown(text))}")
        self._print_budgets(session)
        elapsed = time.perf_counter() - self.started
        if self.collect_errors:
            self.console.print(f"[red]Project error[/]: {len(self.collect_errors)} "
                               f"error{'s' if len(self.collect_errors) > 1 else ''} while loading")
            return
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            from pytest_fft.plugin.signals import terminated

            what = "Terminated (SIGTERM)" if terminated() else "Interrupted"
            self.console.print(f"[yellow]{what}[/] after {elapsed:.2f}s")
            return
        if exitstatus in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
            return  # said already (pytest_internalerror); no summary of a run that broke off
        if self.check_lines:
            self._print_data_quality_summary()
        c = self.counts
        total = c["passed"] + c["failed"] + c["skipped"]
        if total == 0:
            self._print_nothing_to_do(session)
            return
        not_run = sum(len(names) for _, names in self._not_started.values())
        if not_run == total:
            self.console.print(f"Done: [red]nothing ran[/], {self._counted(total)} not run "
                               f"in {elapsed:.2f}s")
            return
        if self.command == "test":
            self.console.print(f"Done: {self._counted(total)} in {elapsed:.2f}s")
            return
        if self.verbose and self.level_results:
            self._print_level_summary()
        cached = self.statuses.get("cached", 0)
        parts = [f"[green]{c['passed'] - cached} ok[/]"]
        if cached:
            parts.append(f"[cyan]{cached} cached[/]")
        if c["failed"]:
            parts.append(f"[red]{c['failed']} failed[/]")
        if c["skipped"]:
            parts.append(f"[yellow]{c['skipped']} skipped[/]")
        self.console.print(f"Done: {', '.join(parts)} in {elapsed:.2f}s")
        if self.budget_errors:
            self.console.print(f"[red]Over budget[/]: the run exceeded {self.budget_errors} "
                               f"error budget{'s' if self.budget_errors > 1 else ''} of "
                               "budgets.yml (see above)")
        self._print_next_step()

    def _print_budgets(self, session: pytest.Session) -> None:
        """The run budgets of budgets.yml the build exceeded: a warning each (the exit code
        stays), or an error (exit 1)."""
        from pytest_fft.plugin.state import run_budget_findings

        findings = run_budget_findings(session.config)
        self.budget_errors = sum(1 for level, _ in findings if level == "error")
        for level, text in findings:
            if level == "error":
                self.err_console.print(f"\n[red bold]✗ over budget[/]\n{escape(text)}")
            else:
                self.err_console.print(f"\n[yellow bold]! over budget[/]\n{escape(text)}")

    def _print_next_step(self) -> None:
        """After a run with failures: which failed, and what to do."""
        failed = [name for _, name, _ in self.failures]
        if not failed or self.command == "utest":
            return
        shown = ", ".join(failed[:5]) + (f" and {len(failed) - 5} more" if len(failed) > 5
                                         else "")
        cached = any(run.settings.cache.reads for run in self._run_of.values())
        again = ("run the same command again: what did not change stays cached" if cached
                 else "run the same command again")
        self.console.print(f"[red]Failed[/]: {escape(shown)} (see above); fix "
                           f"{'them' if len(failed) > 1 else 'it'}, then {again}")

    def _print_not_started(self) -> None:
        """Each run that could not start (its warehouse could not be opened, mostly): its
        error once, with its fix."""
        from pytest_fft.run.session import not_started

        for (_, env), (error, _) in self._not_started.items():
            self.err_console.print(f"\n[red bold]✗ {escape(not_started(error, env))}[/]\n"
                                   f"{escape(_shown(error))}")

    def _print_level_summary(self) -> None:
        """``-v``: one line per DAG level: its nodes by outcome and its wall-clock span."""
        words = {"success": "ok", "cached": "cached", "error": "failed", "skipped": "skipped"}
        lines = ["", "Levels"]
        for level in sorted(self.level_results):
            results = self.level_results[level]
            tally: dict[str, int] = {}
            for status, _, _ in results:
                word = words.get(status, status)
                tally[word] = tally.get(word, 0) + 1
            ran = [(t0, t1) for status, t0, t1 in results if t0 and status != "skipped"]
            span = (max(t1 for _, t1 in ran) - min(t0 for t0, _ in ran)) if ran else 0.0
            counts = ", ".join(f"{n} {word}" for word, n in tally.items())
            lines.append(f"  level {level}: {len(results)} node{'s' if len(results) != 1 else ''}"
                         f" · {counts} · {span:.2f}s")
        self.console.print("\n".join(lines))

    def _print_data_quality_summary(self) -> None:
        """The spec's summary: a line per check, then the totals. ``-q``: only the checks
        that did not pass (none: only the totals)."""
        lines = []
        for line in self.check_lines:
            if self.quiet and line.status == "success":
                continue
            icon = _DQ_ICONS.get(line.status, "?")
            lines.append(f"{icon} {escape(f'{line.type:<22}')} {escape(f'{line.scope:<40}')} "
                         f"({line.seconds * 1000:.0f}ms)")
            if line.status != "success" and line.message:
                message = line.message.strip().replace("\n", "\n     ")
                lines.append(f"   ↳ {escape(message)}")
        if lines:
            lines = [("" if self.quiet else "\n") + "Data Quality Summary",
                     "────────────────────", *lines, ""]
        tally = {s: sum(1 for x in self.check_lines if x.status == s)
                 for s in ("success", "fail", "warn", "error", "skipped")}
        lines += ["Totals", "──────", f"✓ passed: {tally['success']}",
                  f"✗ failed: {tally['fail'] + tally['error']}"]
        if tally["warn"]:
            lines.append(f"! warnings: {tally['warn']}")
        if tally["skipped"]:
            lines.append(f"↷ skipped: {tally['skipped']}")
        self.console.print("\n".join(lines))  # one print: a thousand checks in ~10 ms

    # -- exit code ---------------------------------------------------------------------
    def _print_nothing_to_do(self, session: pytest.Session) -> None:
        """Why nothing ran: the selectors that match no node of the project, or else that the
        selection holds nothing of what this command runs (no checks for ``fft test``)."""
        from pytest_fft.project.selectors import split_tokens

        option = session.config.option
        unmatched = [f"--{flag} {token}" for flag, tokens in (("select", option.fft_select),
                                                               ("exclude", option.fft_exclude))
                     for token in split_tokens(tokens) if not _matches_a_node(session, token)]
        changed_since = getattr(option, "fft_changed_since", None)
        if unmatched:
            self.console.print(f"Nothing to do: {' '.join(unmatched)} matched no node.")
            if any(":" in u and u.split(" ", 1)[1].lstrip("+").startswith("result:")
                   for u in unmatched) and not _has_run_results(session):
                self.console.print("  result: reads the last run's .fastflowtransform/target/"
                                   "run_results.json, which this project does not have yet")
            self.console.print("  selectors: a node name (users, users.ff), name:, model:, "
                               "tag:, path:, kind:, type:, state:modified, "
                               "result:ok|warn|error, with + for ancestors or descendants; "
                               "see docs/running.md#selection")
        elif changed_since:
            self.console.print(f"Nothing to do: no model changed since {changed_since}"
                               f"{' among the selection' if option.fft_select else ''}.")
        elif option.fft_select or option.fft_exclude:
            self.console.print(f"Nothing to do: the selection has nothing that `fft "
                               f"{self.command}` runs.")
        else:
            self.console.print("Nothing to do: no node matched.")

    def exit_code(self, pytest_code: int) -> int:
        """0 ok; 1 project, build or can't-run errors; 2 data-quality failures; 99 unexpected."""
        from pytest_fft.cli.exit_codes import (
            EXIT_DATA_QUALITY,
            EXIT_ERROR,
            EXIT_INTERRUPTED,
            EXIT_OK,
            EXIT_TERMINATED,
            EXIT_UNEXPECTED,
        )

        if self.internal_error or pytest_code == pytest.ExitCode.INTERNAL_ERROR:
            return EXIT_UNEXPECTED
        if self.collect_errors:
            return EXIT_ERROR
        if pytest_code == pytest.ExitCode.INTERRUPTED:
            from pytest_fft.plugin.signals import terminated

            return EXIT_TERMINATED if terminated() else EXIT_INTERRUPTED
        if self.statuses.get("error") or self.hook_errors or self.budget_errors:
            return EXIT_ERROR
        if pytest_code == pytest.ExitCode.USAGE_ERROR:
            return EXIT_ERROR
        if self.statuses.get("fail"):
            return EXIT_DATA_QUALITY
        return EXIT_OK


def _has_run_results(session: pytest.Session) -> bool:
    """Whether a project of the session has a run_results.json to read result: from."""
    from pytest_fft.plugin.state import STATE_KEY
    from pytest_fft.project.selection import RUN_RESULTS

    state = session.config.stash.get(STATE_KEY, None)
    return any(Path(root).joinpath(*RUN_RESULTS).is_file()
               for root in (state.runs if state else ()))


def _matches_a_node(session: pytest.Session, token: str) -> bool:
    """Whether ``token`` selects any node of a loaded project (``state:`` tokens, which need
    the build cache, and unloaded projects count as matching: nothing to say about them)."""
    from pytest_fft.plugin.state import STATE_KEY
    from pytest_fft.project.selection import match_token

    state = session.config.stash.get(STATE_KEY, None)
    projects = [run.project for run in (state.runs.values() if state else ())
                if hasattr(run, "project")]
    if "state:" in token or not projects:
        return True
    try:
        return any(match_token(project, token) for project in projects)
    except FFTError:
        return True  # a bad token was reported as such

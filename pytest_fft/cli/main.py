"""The ``fft`` command: the spec's CLI as a thin alias over a pytest run.

``fft run examples/simple_duckdb --env dev --jobs 4`` becomes
``pytest examples/simple_duckdb --rootdir examples/simple_duckdb --fft-run --fft-env dev
--fft-jobs 4`` with a concise reporter instead of pytest's dots. Exit codes as the spec:
0 ok, 1 model or project errors, 99 unexpected (``FFT_TRACE=1`` shows the traceback).

This module imports neither pytest nor pandas nor DuckDB at start-up: ``fft --version``
is instant.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from pytest_fft._version import __version__
from pytest_fft.cli.exit_codes import (  # noqa: F401 - also the names main has always had
    EXIT_DATA_QUALITY,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNEXPECTED,
)

COMMANDS = {
    "seed": ("load the seeds of a project", ["--fft-seed"]),
    "run": ("build the models of a project", ["--fft-run"]),
    "test": ("run the data-quality checks of project.yml", ["--fft-test"]),
    "build": ("seed, build and check, each model's checks right after it (snapshots too)",
              ["--fft-seed", "--fft-run", "--fft-test", "--fft-snapshot"]),
    "utest": ("run the model unit tests of tests/unit/*.yml (no warehouse needed)",
              ["--fft-utest"]),
    "snapshot": (("fft snapshot run: take the snapshots (materialized='snapshot'), which "
                 "run leaves alone"), ["--fft-snapshot"]),
}
SELECTING = ("seed", "run", "test", "build", "snapshot")
BUILDING = ("run", "build")


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad command line exits 1 (the spec reserves 2 for data quality)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


_COMMAND_PARSERS: dict[str, argparse.ArgumentParser] = {}  # filled by _parser()


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fft",
        description="FastFlowTransform on pytest: build, seed and test data projects.",
        epilog="Every command but dag, docgen, ci-check, deps, source freshness and "
               "sync-db-comments is a pytest run; add pytest options after `--`.\n\n"
               "  fft seed . --env dev && fft run . --env dev && fft test . --env dev\n"
               "  fft build . --env dev            the same in one run\n"
               "  fft utest .                      the model unit tests\n"
               "  fft run . --select +mart_users   a model and what it depends on\n\n"
               "fft COMMAND --help for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"fft (pytest-fft) {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, _) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        _COMMAND_PARSERS[name] = cmd
        if name == "snapshot":
            cmd.add_argument("action", choices=("run",), help="run: take the snapshots")
        _add_project_options(cmd)
        cmd.add_argument("-q", "--quiet", action="count", default=0,
                         help="only failures and the summary")
        cmd.add_argument("-v", "--verbose", action="count", default=0,
                         help=VERBOSE_HELP.get(name, VERBOSE_HELP["run"]))
        if name in SELECTING:
            cmd.add_argument("--jobs", metavar="N|auto",
                             help="nodes run at once (default auto: two per CPU core, 4 to 32)")
            _add_selection_options(cmd, SELECT_HELP[name])
            cmd.add_argument("--changed-since", metavar="GITREF",
                             help="only the models whose files changed since this git revision, "
                                  "with what they depend on and what depends on them (with "
                                  "--select/--exclude: what those keep and is affected)")
        if name == "utest":
            cmd.add_argument("--model", action="append", default=[],
                             help="only the cases of this model (repeatable)")
            cmd.add_argument("--case", action="append", default=[],
                             help="only the cases of this name (repeatable)")
            cmd.add_argument("--path", action="append", default=[],
                             help="only this spec file, relative to the project (repeatable)")
            cmd.add_argument("--cache", choices=("off", "ro", "rw"), default="off",
                             help="skip cases unchanged since they passed (default off)")
            cmd.add_argument("--reuse-meta", action="store_true",
                             help="reserved; accepted and ignored")
            cmd.add_argument("--jobs", metavar="N|auto",
                             help="run the cases in N processes (pytest-xdist; auto: one per "
                                  "CPU core); default 1, one process")
        if name in SELECTING:
            cmd.add_argument("--wait", metavar="SECONDS", type=float, nargs="?", const=600.0,
                             help="wait for a database another fft is building into")
        if name in BUILDING:
            cmd.add_argument("--cache", choices=("off", "ro", "rw", "wo"), default=None,
                             help="build cache (default rw: skip unchanged nodes)")
            cmd.add_argument("--no-cache", dest="cache", action="store_const", const="off",
                             help="the same as --cache=off")
            cmd.add_argument("--rebuild", action="append", default=[], metavar="GLOB",
                             nargs="?", const="*",
                             help="ignore the cache for nodes matching GLOB (repeatable); "
                                  "without GLOB for every selected node")
            cmd.add_argument("-R", "--rebuild-only", action="append", default=[],
                             metavar="NODE",
                             help="build NODE even if cached (its parents only if changed)")
            cmd.add_argument("--keep-going", action="store_true",
                             help="keep building independent models after a failure (default)")
            cmd.add_argument("--fail-fast", action="store_true",
                             help="start no new model after the first failure")
            cmd.add_argument("--full-refresh", action="store_true",
                             help="build incremental models in full instead of applying "
                                  "their delta")
            cmd.add_argument("--offline", action="store_true",
                             help="Python models' HTTP calls answer from the response cache "
                                  "only (FF_HTTP_OFFLINE=1)")
            cmd.add_argument("--http-cache", choices=("rw", "ro", "off"), default=None,
                             help="the HTTP response cache of Python models: rw (default), "
                                  "ro, off (FF_HTTP_CACHE_MODE)")
        if name == "snapshot":
            cmd.add_argument("--keep-going", action="store_true",
                             help="keep taking independent snapshots after a failure "
                                  "(default)")
            cmd.add_argument("--fail-fast", action="store_true",
                             help="start no new snapshot after the first failure")
            cmd.add_argument("--prune", action="store_true",
                             help="then drop old versions, keeping --keep-last N per key")
            cmd.add_argument("--keep-last", metavar="N", type=int,
                             help="with --prune: the versions kept per key")
            cmd.add_argument("--dry-run", action="store_true",
                             help="with --prune: count the versions it would drop, drop none")
    dag = sub.add_parser("dag", help=DAG_HELP, description=DAG_HELP)
    _COMMAND_PARSERS["dag"] = dag
    _add_project_options(dag)
    _add_selection_options(dag, "show these nodes and what they depend on")
    dag.add_argument("--html", action="store_true",
                     help="write the HTML page (index.html) beside dag.mmd")
    dag.add_argument("--out", metavar="DIR", default=None,
                     help="the folder dag.mmd and index.html go to (default: project.yml's "
                          "docs.dag_dir, else <project>/docs)")
    dag.add_argument("--with-schema", dest="with_schema", action="store_true", default=True,
                     help="with --html: list each relation's columns from the warehouse "
                          "(default)")
    dag.add_argument("--no-schema", dest="with_schema", action="store_false",
                     help="with --html: never open the warehouse")
    dag.add_argument("-q", "--quiet", action="count", default=0, help=argparse.SUPPRESS)
    dag.add_argument("-v", "--verbose", action="count", default=0, help=argparse.SUPPRESS)
    from pytest_fft.cli import docgen as docgen_command

    docgen = docgen_command.add_parser(sub)
    _COMMAND_PARSERS["docgen"] = docgen
    _add_project_options(docgen)
    _add_selection_options(docgen, "document these nodes and what they depend on")
    docgen.add_argument("-q", "--quiet", action="count", default=0, help=argparse.SUPPRESS)
    docgen.add_argument("-v", "--verbose", action="count", default=0, help=argparse.SUPPRESS)
    from pytest_fft.cli import ci_check, freshness, sync_comments
    from pytest_fft.cli import deps as deps_command

    fetch = sub.add_parser("deps", help=deps_command.HELP, description=deps_command.HELP)
    _COMMAND_PARSERS["deps"] = fetch
    deps_command.add_options(fetch)

    check = sub.add_parser("ci-check", help=ci_check.HELP, description=ci_check.HELP)
    _COMMAND_PARSERS["ci-check"] = check
    _add_project_options(check)
    ci_check.add_options(check)

    source = sub.add_parser("source", help="fft source freshness: " + freshness.HELP,
                            description=freshness.HELP)
    _COMMAND_PARSERS["source"] = source
    source.add_argument("action", choices=("freshness",),
                        help="freshness: " + freshness.HELP)
    _add_project_options(source)
    freshness.add_options(source)
    spelled = sub.add_parser("source-freshness", help=freshness.HELP,
                             description=freshness.HELP)
    _COMMAND_PARSERS["source-freshness"] = spelled
    _add_project_options(spelled)
    freshness.add_options(spelled)

    sync = sub.add_parser("sync-db-comments", help=sync_comments.HELP,
                          description=sync_comments.HELP)
    _COMMAND_PARSERS["sync-db-comments"] = sync
    _add_project_options(sync)
    sync_comments.add_options(sync)
    return parser


def _add_project_options(cmd: argparse.ArgumentParser) -> None:
    """The project folder and what picks its profile and vars: every command has them."""
    cmd.add_argument("project", nargs="?", default=".", help="project folder (default: .)")
    cmd.add_argument("--env", help="profile from profiles.yml (default: dev, or FFT_ACTIVE_ENV)")
    cmd.add_argument("--engine", help="override the profile's engine")
    cmd.add_argument("--vars", action="append", default=[], metavar="KEY=VALUE",
                     help="override project vars (repeatable)")


def _add_selection_options(cmd: argparse.ArgumentParser, select_help: str) -> None:
    cmd.add_argument("--select", action="append", default=[], metavar="SELECTOR",
                     help=f"{select_help}; repeatable")
    cmd.add_argument("--exclude", action="append", default=[], metavar="SELECTOR",
                     help="leave these nodes out (repeatable)")


SELECT_HELP = {
    "seed": "load these seeds",
    "run": "build these models and the models they depend on",
    "test": "run the checks of these nodes (checks read what is built; nothing is built)",
    "build": "seed, build and check these nodes; what they depend on is seeded and built "
             "too, not checked",
    "snapshot": "take these snapshots",
}

VERBOSE_HELP = {
    "run": "-v also the pytest command and a summary per DAG level; -vv also each model's "
           "rendered SQL and Python model inputs",
    "test": "-v also the pytest command; -vv also the checks' SQL (one scan per table)",
    "utest": "-v also the pytest command; -vv also each case's SQL (SQL models) or input "
             "columns (Python models)",
}
VERBOSE_HELP["seed"] = "-v also the pytest command and a summary per DAG level"
VERBOSE_HELP["build"] = VERBOSE_HELP["run"]
VERBOSE_HELP["snapshot"] = "-v also the pytest command; -vv also each snapshot's SQL"

DAG_HELP = ("show the DAG of a project (seeds and models by level) and write it as a Mermaid "
            "graph (dag.mmd), with --html as an HTML page too")


def pytest_args_for(ns: argparse.Namespace) -> list[str]:
    """The pytest command line an ``fft`` invocation stands for."""
    from pytest_fft.cli.plugin_set import plugin_args
    from pytest_fft.cli.spelling import passed_on

    project = str(Path(ns.project))
    targets = [str(Path(project, p)) for p in getattr(ns, "path", [])] or [project]
    args = [*targets, "--rootdir", project, *COMMANDS[ns.command][1]]
    args += passed_on(ns)
    for item in getattr(ns, "rebuild_only", []):  # the node, and nothing cached about it
        args += [f"--fft-select={item}", f"--fft-rebuild={item}"]
    spread = ns.command == "utest" and ns.jobs not in (None, "1")
    if spread:
        args += ["-n", ns.jobs]  # unit cases are independent: one per worker process
    extra = list(getattr(ns, "pytest_args", []))
    args += plugin_args(Path(project), extra, xdist=spread)  # installed plugins: not needed
    if not extra and ns.command != "utest":
        # Nothing but fft's own options: the nodes are known once the project is loaded.
        args.append("--fft-start-early")
    # fft owns the terminal: no pytest reporter, no output capture (so the SQL debug channel
    # and a model's own prints reach the screen as they happen).
    # no:unraisableexception: its clean-up runs gc.collect() five times at the end of the
    # session (~0.3 s with pandas loaded); fft has no use for __del__ warnings.
    # python_files empty: the project's own pytest tests (tests/test_*.py) are pytest's to run,
    # not fft's; a test file named after `--` still runs.
    return [*args, "-p", "no:terminal", "-p", "no:pytester", "-p", "no:unraisableexception",
            "--capture=no", "-o", "python_files=", *extra]


_VAR = re.compile(r"[A-Za-z_][\w.-]*=")


def _spread_vars(argv: list[str]) -> list[str]:
    """``--vars a=1 b=2`` (FastFlowTransform's docs write several after one option) as
    ``--vars a=1 --vars b=2``: the ``KEY=VALUE`` words right after a ``--vars`` value."""
    out: list[str] = []
    after_vars = False  # the last word was a value of --vars
    expect_value = False
    for word in argv:
        if expect_value:
            out.append(word)
            expect_value, after_vars = False, True
            continue
        if after_vars and not word.startswith("-") and _VAR.match(word):
            out += ["--vars", word]
            continue
        out.append(word)
        expect_value = word == "--vars"
        after_vars = word.startswith("--vars=")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:  # everything after `--` goes to pytest untouched
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    parser = _parser()
    ns, unknown = parser.parse_known_args(_spread_vars(argv))
    if unknown:  # told with the command's own usage, not the top-level one
        command = _COMMAND_PARSERS.get(ns.command or "", parser)
        command.error(f"unrecognized arguments: {' '.join(unknown)}")
    ns.pytest_args = _take_verbosity(ns, extra)
    if ns.command is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        return _run(ns)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader left (fft dag | head): the output stops there
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("FFT_TRACE") == "1":
            raise
        from pytest_fft.redact import redact

        print(f"fft: unexpected error: {type(exc).__name__}: {redact(str(exc))}\n"
              "     set FFT_TRACE=1 to see the traceback", file=sys.stderr)
        return EXIT_UNEXPECTED


def _run(ns: argparse.Namespace) -> int:
    from pytest_fft.project.layout import PROJECT_FILES, is_project_dir

    project = Path(ns.project)
    if not project.is_dir():
        what = "is a file, not a folder" if project.exists() else "does not exist"
        print(f"fft: {project} {what}\n"
              "     pass the folder that contains models/ and project.yml", file=sys.stderr)
        return EXIT_ERROR
    if not is_project_dir(project):
        if not (project / "models").is_dir():
            missing = "models/ folder"
        elif not any((project / name).is_file() for name in PROJECT_FILES):
            missing = "project.yml (or sources.yml / profiles.yml)"
        else:
            missing = "model: no *.ff.sql or *.ff.py file under models/"
        print(f"fft: {project} is not a FastFlowTransform project: it has no {missing}\n"
              f"     pass the folder that contains models/ and one of {', '.join(PROJECT_FILES)}",
              file=sys.stderr)
        return EXIT_ERROR
    if ns.command == "deps":
        from pytest_fft.cli.deps import run_deps

        return run_deps(ns)
    problem = _option_problem(ns)
    if problem is not None:
        print(f"fft: error: {problem}", file=sys.stderr)
        return EXIT_ERROR
    if ns.command == "dag":
        from pytest_fft.cli.dag import run_dag

        return run_dag(ns)
    if ns.command == "docgen":
        from pytest_fft.cli.docgen import run_docgen

        return run_docgen(ns)
    if ns.command == "ci-check":
        from pytest_fft.cli.ci_check import run_ci_check

        return run_ci_check(ns)
    if ns.command == "sync-db-comments":
        from pytest_fft.cli.sync_comments import run_sync_comments

        return run_sync_comments(ns)
    if ns.command in ("source", "source-freshness"):
        from pytest_fft.cli.freshness import run_source_freshness

        return run_source_freshness(ns)
    if ns.verbose >= 2:
        os.environ["FFT_SQL_DEBUG"] = "1"  # the spec: -vv turns on the SQL debug channel
    import pytest

    from pytest_fft.cli.report import CliReporter

    reporter = CliReporter(command=ns.command, quiet=ns.quiet > 0, verbose=ns.verbose)
    args = pytest_args_for(ns)
    if ns.verbose:
        reporter.console.print(f"[dim]pytest {' '.join(args)}[/]")
    code = pytest.main(args, plugins=[reporter])
    return reporter.exit_code(int(code))


_VERBOSITY = {"-v": ("verbose", 1), "--verbose": ("verbose", 1), "-vv": ("verbose", 2),
              "-vvv": ("verbose", 3), "-q": ("quiet", 1), "--quiet": ("quiet", 1),
              "-qq": ("quiet", 2)}


def _take_verbosity(ns: argparse.Namespace, extra: list[str]) -> list[str]:
    """pytest's ``-v``/``-q`` after ``--`` mean fft's own (pytest's terminal, which defines
    them, does not run under fft); the other pytest arguments are kept."""
    kept = []
    for arg in extra:
        if arg in _VERBOSITY and hasattr(ns, "verbose"):
            attr, count = _VERBOSITY[arg]
            setattr(ns, attr, getattr(ns, attr) + count)
        elif arg == "-l":
            kept.append("--showlocals")
        elif not (arg.startswith("-r") and len(arg) > 2):  # -rA: pytest's summary, not fft's
            kept.append(arg)
    return kept


def _option_problem(ns: argparse.Namespace) -> str | None:
    """What is wrong with fft's own options, in fft's words, before anything starts (pytest
    would say it in its own words, after a header)."""
    import pytest

    from pytest_fft.cli.spelling import fft_spelling
    from pytest_fft.plugin.options import parse_jobs, parse_vars, prune_keep_last
    from pytest_fft.project.selectors import is_empty_token, selector_problem

    try:
        if getattr(ns, "jobs", None) is not None:
            parse_jobs(ns.jobs)
        parse_vars(ns.vars)
        if ns.command == "snapshot":
            prune_keep_last(prune=ns.prune, keep_last=ns.keep_last, dry_run=ns.dry_run,
                            snapshot=True)
    except pytest.UsageError as exc:
        return fft_spelling(str(exc))
    for flag in ("select", "exclude"):
        for token in getattr(ns, flag, []):
            if is_empty_token(token):
                return (f"--{flag} {token!r} is an empty selector\n"
                        f"     e.g. --{flag} +mart_users (a node and what it depends on)")
        if ns.command in ("source", "source-freshness"):
            continue  # source:... is what `fft source freshness` selects by
        problem = selector_problem(getattr(ns, flag, []))
        if problem is not None:
            return fft_spelling(str(problem))
    return None


def console_main() -> None:
    """Entry point of the ``fft`` script: run, flush, and leave without interpreter teardown.

    Tearing down a process that imported pandas and DuckDB takes ~0.2 s and does nothing a
    command needs: the database is closed and pytest's cache written before ``main`` returns.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):  # the reader left (| head)
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    console_main()

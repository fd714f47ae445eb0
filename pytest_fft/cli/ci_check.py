"""``fft ci-check``: the project checked without a database, for a CI job's first step.

It runs no pytest session and opens no engine: the project is loaded as a run loads it
(:func:`pytest_fft.project.ci_checks.run_ci_checks`), the loader's errors and warnings are
listed with their file, line and fix, the selection is previewed, and ``--sarif PATH``
writes the findings for code scanning. Exit 0 without errors (warnings do not count), 1
with any; an unexpected failure is 99, as for every command.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the module is read at every start of fft: its imports wait for the run
    from pytest_fft.project.ci_checks import CiIssue, CiSummary

HELP = ("check the project without a database: parse it, build the DAG, report missing "
        "refs, cycles and the loader's warnings, preview a selection (exit 1 on errors)")


def add_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--select", action="append", default=[], metavar="SELECTOR",
                     help="preview the models fft run --select would build; repeatable")
    cmd.add_argument("--exclude", action="append", default=[], metavar="SELECTOR",
                     help="leave these nodes out of the preview (repeatable)")
    cmd.add_argument("--changed-since", metavar="GITREF",
                     help="preview only the models changed since this git revision, with "
                          "what they depend on and what depends on them")
    cmd.add_argument("--sarif", metavar="PATH",
                     help="also write the findings as SARIF 2.1.0 (for code scanning)")
    cmd.add_argument("-q", "--quiet", action="count", default=0,
                     help="only the issues and the totals")
    cmd.add_argument("-v", "--verbose", action="count", default=0,
                     help="also list every selected model")


def run_ci_check(ns: argparse.Namespace) -> int:
    from pytest_fft.cli.dag import project_vars, stored_modified
    from pytest_fft.project.ci_checks import run_ci_checks

    summary = run_ci_checks(
        ns.project, ns.env, ns.engine, select=ns.select, exclude=ns.exclude,
        changed_since=ns.changed_since, vars=project_vars(ns.vars) if ns.vars else None,
        modified=stored_modified)
    from pytest_fft.redact import redact  # a message may quote a setting

    print(redact(render_summary(summary, quiet=ns.quiet > 0, verbose=ns.verbose > 0,
                                ascii_only=not _can_print("✓✖•─"))))
    if ns.sarif:
        from pytest_fft._version import __version__
        from pytest_fft.project.sarif import write_sarif

        try:
            out = write_sarif(summary, ns.sarif, tool_name="FastFlowTransform CI (pytest-fft)",
                              tool_version=__version__, uri_prefix=_prefix(Path(ns.project)))
        except OSError as exc:
            print(f"error cannot write {ns.sarif}: {exc.strerror or exc}\n"
                  f"  fix: pass --sarif a path in a folder you can write to", file=sys.stderr)
            return 1
        print(f"wrote {out} ({len(summary.issues)} results)")
    return summary.exit_code


def _prefix(project: Path) -> str:
    """The project folder relative to the working folder (SARIF URIs are read relative to
    the repository's root, where a CI job runs); empty when it is the working folder or
    outside it."""
    try:
        rel = project.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return ""
    return "" if str(rel) == "." else rel.as_posix()


def _can_print(text: str) -> bool:
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return os.environ.get("FFT_ASCII") != "1"


def render_summary(summary: CiSummary, *, quiet: bool = False, verbose: bool = False,
                   ascii_only: bool = False) -> str:
    """The summary as FastFlowTransform 0.6 prints it (``CI Summary``, the issues, ``Totals``),
    each issue with its place and its fix."""
    ok, bad, warn, dot, rule = ("✓", "✖", "!", "•", "─") if not ascii_only else \
        ("+", "x", "!", "*", "-")
    lines: list[str] = []
    if not quiet:
        lines += ["CI Summary", rule * 10]
        if summary.models_parsed is None:
            lines += [f"{bad} {'models parsed:':<24} failed", f"{bad} {'graph built:':<24} no"]
        else:
            lines += [f"{ok} {'models parsed:':<24} {summary.models_parsed}",
                      f"{ok} {'graph built:':<24} ok"]
            chosen, total = len(summary.selected_nodes), len(summary.all_nodes)
            asked = f" ({' '.join(summary.selection)})" if summary.selection else ""
            mark = ok if chosen or not summary.selection else warn
            lines.append(f"{mark} {'selected:':<24} {chosen} of {total} models{asked}")
            if summary.selection and chosen and (verbose or chosen <= 20):
                from pytest_fft.project.ci_checks import model_list

                lines.append(f"    {model_list(summary.selected_nodes, 10**6 if verbose else 20)}")
    if summary.issues:
        lines.append(f"{bad if summary.errors else warn} issues ({len(summary.issues)})")
        lines += [_issue_lines(issue, dot) for issue in summary.issues]
    elif not quiet:
        lines.append(f"{ok} {'issues:':<24} none")
    lines += ["", "Totals", rule * 6,
              f"{ok} ok:      {len(summary.ok_nodes)}",
              f"{warn} warn:    {len(summary.warnings)}",
              f"{bad} error:   {len(summary.errors)}"]
    return "\n".join(lines)


def _issue_lines(issue: CiIssue, dot: str) -> str:
    level = "Error" if issue.level == "error" else "Warning"
    head = f"[{issue.code}] {level}:"
    message = issue.message.strip().replace("\n", "\n" + " " * 28)
    out = [f"  {dot} {head:<25} {message}"]
    if issue.location and issue.location not in issue.message:
        out.append(f"      at {issue.location}")
    if issue.obj_name and issue.obj_name not in issue.message:
        out.append(f"      node: {issue.obj_name}")
    if issue.hint:
        out.append(f"      fix: {issue.hint}")
    return "\n".join(out)

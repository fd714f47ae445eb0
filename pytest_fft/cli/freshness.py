"""``fft source freshness`` (also ``fft source-freshness``): how old each source table's
newest row is, against the ``freshness:`` rules of ``sources.yml``.

Like ``fft sync-db-comments`` it runs no pytest session (``pytest --fft-source-freshness``
makes each rule a pytest item instead): it reads ``sources.yml`` (nothing else of the project
has to load), opens the warehouse of ``--env``'s profile read-only, runs one
``max(loaded_at_field)`` query per rule and prints the Source Freshness Summary.

Exit codes: 0 every table fresh or only late (``warn``); 2 a table older than its error
threshold or without any value; 1 a rule that could not run (a missing table or column),
or a project or profile error.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_fft.cli.exit_codes import EXIT_DATA_QUALITY, EXIT_ERROR, EXIT_OK
from pytest_fft.errors import FFTError

if TYPE_CHECKING:
    from pytest_fft.checks.freshness import FreshnessOutcome
    from pytest_fft.project.resolved_profile import ResolvedProfile
    from pytest_fft.project.sources import Source

HELP = "check how old the source tables are, against the freshness: rules of sources.yml"

_MARK = {"ok": "✓", "warn": "!", "error": "✗"}


def add_options(cmd: argparse.ArgumentParser) -> None:
    """The options of ``fft source freshness`` besides the project's."""
    cmd.add_argument("--select", action="append", default=[], metavar="SELECTOR",
                     help="only these source tables: source:crm, source:crm.orders, "
                          "tag:critical_source, crm.orders (repeatable)")
    cmd.add_argument("--exclude", action="append", default=[], metavar="SELECTOR",
                     help="leave these source tables out (repeatable)")
    cmd.add_argument("--wait", metavar="SECONDS", type=float, nargs="?", const=600.0,
                     default=0.0, help="wait for a database another fft is building into")
    cmd.add_argument("-q", "--quiet", action="count", default=0,
                     help="only the tables that are late or stale, and the totals")
    cmd.add_argument("-v", "--verbose", action="count", default=0,
                     help="-v also each rule's SQL")


def run_source_freshness(ns: argparse.Namespace) -> int:
    from pytest_fft.checks.freshness import rules
    from pytest_fft.cli.spelling import fft_spelling
    from pytest_fft.project.profiles import resolve_profile
    from pytest_fft.project.sources import load_sources

    root = Path(ns.project)
    started = time.perf_counter()
    try:
        sources = load_sources(root / "sources.yml")
        chosen = rules(sources, ns.select, ns.exclude)
        if not chosen:
            narrowed = " matching --select/--exclude" if ns.select or ns.exclude else ""
            print(f"No freshness rules found{narrowed}: no table of sources.yml has a "
                  "freshness: block" if not narrowed else
                  f"No freshness rules found{narrowed}.")
            return EXIT_OK
        resolved = resolve_profile(root, ns.env, engine=ns.engine)
        # again with the engine's overrides: the schema a rule reads may differ per engine
        chosen = rules(load_sources(root / "sources.yml", engine=resolved.engine),
                       ns.select, ns.exclude)
        outcomes = _check(resolved, chosen, ns)
    except FFTError as err:
        if os.environ.get("FFT_TRACE") == "1":
            import traceback

            traceback.print_exc()
        print(f"error {fft_spelling(str(err))}", file=sys.stderr)
        return EXIT_ERROR
    _print_summary(root, resolved, outcomes, quiet=ns.quiet > 0,
                   seconds=time.perf_counter() - started)
    if any(not o.ran for o in outcomes):
        return EXIT_ERROR
    if any(o.status == "error" for o in outcomes):
        return EXIT_DATA_QUALITY
    return EXIT_OK


def _check(resolved: ResolvedProfile, chosen: list[Source],
           ns: argparse.Namespace) -> list[FreshnessOutcome]:
    from pytest_fft.checks.freshness import check_freshness, freshness_sql
    from pytest_fft.engines import create_engine, warehouse_exists

    profile, env = resolved.profile, resolved.env_name
    if not warehouse_exists(profile):
        raise FFTError(f"the warehouse of env {env!r} does not exist yet: there is no source "
                       "table to check",
                       hint=f"load the sources first (fft seed . --env {env}, or your ingestion "
                            "job); a database in memory keeps nothing between commands")
    engine = create_engine(profile, wait=ns.wait, read_only=True)
    try:
        outcomes = []
        for source in chosen:
            if ns.verbose and source.freshness is not None and not source.freshness.problem:
                print(f"-- {source.source_name}.{source.table_name}\n"
                      f"{freshness_sql(source, engine)};")
            outcomes.append(check_freshness(engine, source))
        return outcomes
    finally:
        engine.close()


def _print_summary(root: Path, resolved: ResolvedProfile, outcomes: list[FreshnessOutcome], *,
                   quiet: bool, seconds: float) -> None:
    from pytest_fft.checks.freshness import fmt_minutes, fmt_threshold
    from pytest_fft.engines import engine_spec

    engine, env = resolved.engine, resolved.env_name
    n = len(outcomes)
    lines = [(f"source freshness {root.resolve().name} · env {env} · "
             f"{engine_spec(engine).abbrev} · {n} rule{'' if n == 1 else 's'}"), "",
             "Source Freshness Summary", "────────────────────────",
             (f"  {'source.table':<30} {'status':<6} {'age_min':>9} {'warn_min':>9} "
             f"{'error_min':>9}  max(loaded_at)")]
    for o in outcomes:
        if quiet and o.status == "ok":
            continue
        rule = o.source.freshness
        assert rule is not None
        lines.append(
            f"{_MARK[o.status]} {o.name:<30} {o.status:<6} {fmt_minutes(o.minutes):>9} "
            f"{fmt_threshold(rule.warn_after_minutes):>9} "
            f"{fmt_threshold(rule.error_after_minutes):>9}  "
            f"{'-' if o.loaded_at is None else o.loaded_at}")
        if o.status != "ok":
            from pytest_fft.redact import redact

            lines.append(f"    ↳ {redact(o.message)}")
    tally = {s: sum(1 for o in outcomes if o.status == s) for s in ("ok", "warn", "error")}
    lines += ["", "Totals", "──────", f"✓ ok: {tally['ok']}", f"! warn: {tally['warn']}",
              f"✗ error: {tally['error']}", (f"Done: {n} rule{'' if n == 1 else 's'} in "
                                             f"{seconds:.2f}s")]
    print("\n".join(lines))

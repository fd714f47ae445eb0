"""``fft sync-db-comments``: the project's descriptions written to the warehouse as comments.

Like ``fft dag`` it runs no pytest session: it resolves the profile, loads the project,
collects the descriptions (:mod:`pytest_fft.project.descriptions`), reads the warehouse's
catalog on a read-only engine (so nothing is created, not even a missing schema or database
file) and plans the statements (:mod:`pytest_fft.cli.db_comments`). ``--dry-run`` prints
them; otherwise a writing engine runs them all in one transaction.

Output: the statements (``--dry-run``) or a one-line summary on stdout; a ``warning`` line
on stderr for each description whose relation or column the warehouse does not have.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_fft.cli.exit_codes import EXIT_ERROR, EXIT_OK
from pytest_fft.errors import FFTError

if TYPE_CHECKING:
    from pytest_fft.cli.db_comments import CommentPlan
    from pytest_fft.project.descriptions import Descriptions
    from pytest_fft.project.resolved_profile import ResolvedProfile


HELP = "write the descriptions of project.yml and docs/*.md to the warehouse as comments"


def run_sync_comments(ns: argparse.Namespace) -> int:
    from pytest_fft.cli.dag import project_vars
    from pytest_fft.cli.spelling import fft_spelling
    from pytest_fft.project.descriptions import collect_descriptions
    from pytest_fft.project.loader import load_project
    from pytest_fft.project.profiles import resolve_profile
    from pytest_fft.redact import redact

    root = Path(ns.project)
    try:
        resolved = resolve_profile(root, ns.env, engine=ns.engine)
        env = resolved.env_name
        _require_comment_engine(resolved.engine, env)
        project = load_project(root, engine=resolved.engine, vars=project_vars(ns.vars, resolved))
        descriptions = collect_descriptions(project)
        if not descriptions:
            print("Nothing to sync: no description in project.yml (docs: models:), "
                  "docs/models/*.md or docs/columns/<relation>/*.md.")
            return EXIT_OK
        plan = _plan(resolved, descriptions, ns.wait)
        for warning in plan.warnings:
            print(f"warning {redact(warning)}", file=sys.stderr)
        if not plan.statements:
            print(f"Nothing to sync on env {env!r}: none of the described relations and "
                  "columns is in the warehouse.")
            return EXIT_OK
        if ns.dry_run:
            for statement in plan.statements:
                print(redact(statement) + ";")
            sys.stdout.flush()  # the statements before the line on stderr, also in a log
            print(f"dry run: {_counts(plan)} on env {env!r}; nothing was changed",
                  file=sys.stderr)
            return EXIT_OK
        _apply(resolved, plan.statements, ns.wait)
    except FFTError as err:
        if os.environ.get("FFT_TRACE") == "1":
            import traceback

            traceback.print_exc()
        print(f"error {fft_spelling(str(err))}", file=sys.stderr)
        return EXIT_ERROR
    print(f"synced comments: {_counts(plan)} on env {env!r}")
    return EXIT_OK


def _require_comment_engine(engine: str, env: str) -> None:
    from pytest_fft.engines import engine_spec
    from pytest_fft.engines.registry import ENGINES

    name = engine_spec(engine).name
    supported = [spec.name for spec in ENGINES.values() if spec.comments]
    if name not in supported:
        raise FFTError(
            f"fft sync-db-comments supports the engines {' and '.join(supported)}; "
            f"env {env!r} uses {name}",
            hint=f"pass --env of a {' or '.join(supported)} profile (snowflake_snowpark "
                 "follows when its engine ships)")


def _plan(resolved: ResolvedProfile, descriptions: Descriptions, wait: float) -> CommentPlan:
    """The statements, planned against the catalog of the warehouse opened read-only."""
    from pytest_fft.cli.db_comments import catalog_from_rows, catalog_sql, plan_comments
    from pytest_fft.engines import create_engine, warehouse_exists

    env = resolved.env_name
    if not warehouse_exists(resolved.profile):
        raise FFTError(f"the warehouse of env {env!r} does not exist yet: nothing to comment",
                       hint=f"build it first (fft seed, fft run --env {env}); a database "
                            "in memory keeps nothing between commands")
    engine = create_engine(resolved.profile, wait=wait, read_only=True)
    try:
        try:
            rows = engine.query(catalog_sql(descriptions.described(), engine.spec))
        except Exception as exc:  # the driver's own error: no permission, a lost server
            raise FFTError(f"cannot read the catalog of env {env!r}: {_first_line(exc)}",
                           hint="check that the profile's user may read "
                                "information_schema") from exc
        return plan_comments(descriptions, catalog_from_rows(rows, engine), engine)
    finally:
        engine.close()


def _apply(resolved: ResolvedProfile, statements: tuple[str, ...], wait: float) -> None:
    """Run ``statements`` in one transaction: on any error none of them stays."""
    from pytest_fft.cli.db_comments import transaction_sql
    from pytest_fft.engines import create_engine

    engine = create_engine(resolved.profile, wait=wait)
    try:
        try:
            engine.query(transaction_sql(statements))
        except Exception as exc:  # the driver's own error
            with contextlib.suppress(Exception):  # nothing open: rolled back already
                engine.query("rollback")
            raise FFTError(
                f"cannot write the comments on env {resolved.env_name!r}: "
                f"{_first_line(exc)}; nothing was changed",
                hint="see the statements with --dry-run; if a relation was rebuilt "
                     "meanwhile, run the command again") from exc
    finally:
        engine.close()


def _counts(plan: CommentPlan) -> str:
    def n(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    return f"{n(plan.relations, 'relation')}, {n(plan.columns, 'column')}"


def _first_line(exc: BaseException) -> str:
    from pytest_fft.redact import redact

    text = str(exc).strip()
    return redact(text.splitlines()[0] if text else type(exc).__name__)


def add_options(cmd: argparse.ArgumentParser) -> None:
    """The options of ``fft sync-db-comments`` besides the project's."""
    cmd.add_argument("--dry-run", action="store_true",
                     help="print the COMMENT statements instead of running them")
    cmd.add_argument("--wait", metavar="SECONDS", type=float, nargs="?", const=600.0,
                     default=0.0, help="wait for a database another fft is building into")
    cmd.add_argument("-q", "--quiet", action="count", default=0, help=argparse.SUPPRESS)
    cmd.add_argument("-v", "--verbose", action="count", default=0, help=argparse.SUPPRESS)

"""``fft dag``: the project's DAG printed by level, or written as one HTML page.

It runs nothing, so it needs no pytest session: it loads the project, selects, and renders
(:mod:`pytest_fft.dag_site`). With ``--html`` and ``--with-schema`` (the default) it also
asks the warehouse of the profile for the columns of the relations that exist, when it can.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import FFTError


def run_dag(ns: argparse.Namespace) -> int:
    from .dag_site import dag_nodes, render_html, render_text
    from .loader import load_project
    from .selection import select_nodes

    root = Path(ns.project)
    try:
        project = load_project(root, engine=ns.engine or "duckdb", vars=_vars(ns.vars))
        nodes = dag_nodes(project, select_nodes(project, ns.select, ns.exclude))
    except FFTError as err:
        print(f"error {err}", file=sys.stderr)
        return 1
    if not ns.html:
        print(render_text(nodes) if nodes else "Nothing to show: no node matched.")
        return 0
    columns, note = _columns(root, ns) if ns.with_schema else (None, None)
    out = root / "docs" / "index.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(project.config.name or root.resolve().name, nodes, columns, note),
                   encoding="utf-8")
    print(f"wrote {out} ({len(nodes)} nodes)")
    return 0


def _vars(items: list[str]) -> dict | None:
    if not items:
        return None
    import pytest

    from .options import parse_vars

    try:
        return parse_vars(items)
    except pytest.UsageError as exc:
        raise SystemExit(f"fft: error: {exc}") from None


def _columns(root: Path, ns: argparse.Namespace) -> tuple[dict | None, str | None]:
    """The relations' columns from the profile's warehouse; ``(None, why not)`` when it has
    no database yet or cannot be opened (the page is written without them)."""
    from .engines import create_engine
    from .profiles import resolve_profile

    try:
        resolved = resolve_profile(root, ns.env, engine=ns.engine)
        path = getattr(getattr(resolved.profile, "duckdb", None), "path", None)
        if resolved.engine == "duckdb" and (path is None or path == ":memory:"
                                            or not Path(path).exists()):
            return None, "No columns: the database of this env does not exist yet (run fft run)."
        engine = create_engine(resolved.profile)
        try:
            return engine.relation_columns(), None
        finally:
            engine.close()
    except FFTError as err:
        return None, f"No columns: {err.message}"

"""``fft docgen``: the docs of a project in one command: the DAG page and the Mermaid graph
(as ``fft dag --html`` writes them), and with ``--emit-json`` the manifest of every selected
seed and model with its description, columns and column lineage
(:mod:`pytest_fft.docs.manifest`).

It runs nothing, like ``fft dag``: the warehouse is only read (``--with-schema``, the
default) for the columns of the relations that exist, and never created.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from pytest_fft.errors import FFTError

HELP = ("write the docs of a project: the DAG page (index.html), the Mermaid graph (dag.mmd) "
        "and, with --emit-json, a manifest of models, columns, descriptions and lineage")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    cmd: argparse.ArgumentParser = sub.add_parser("docgen", help=HELP, description=HELP)
    cmd.add_argument("--out", metavar="DIR", default=None,
                     help="the folder the site goes to (default: project.yml's docs.dag_dir, "
                          "else <project>/docs)")
    cmd.add_argument("--emit-json", dest="emit_json", metavar="FILE", default=None,
                     help="also write the docs manifest (JSON) to FILE")
    cmd.add_argument("--open-source", dest="open_source", action="store_true",
                     help="open index.html in the default browser afterwards")
    cmd.add_argument("--with-schema", dest="with_schema", action="store_true", default=True,
                     help="read each relation's columns from the warehouse (default)")
    cmd.add_argument("--no-schema", dest="with_schema", action="store_false",
                     help="never open the warehouse")
    return cmd


def run_docgen(ns: argparse.Namespace) -> int:
    from pytest_fft.cli.dag import docs_dir, loaded, warehouse_columns, write
    from pytest_fft.docs.catalog import build_catalog
    from pytest_fft.docs.dag_site import dag_nodes, render_html
    from pytest_fft.docs.manifest import manifest
    from pytest_fft.docs.mermaid import mermaid
    from pytest_fft.engines.registry import generic_spec
    from pytest_fft.project.descriptions import collect_descriptions

    found = loaded(ns)
    if found is None:
        return 1
    resolved, project, names = found
    root = Path(ns.project)
    try:
        descriptions = collect_descriptions(project)
    except FFTError as err:
        print(f"error {err}", file=sys.stderr)
        return 1
    columns, note = warehouse_columns(resolved) if ns.with_schema else (None, None)
    catalog = build_catalog(project, names, descriptions, schema=columns,
                            dialect=generic_spec(project.engine).sqlglot_dialect)
    for problem in catalog.problems:
        print(f"warning {problem}", file=sys.stderr)
    nodes = dag_nodes(project, names)
    out_dir = docs_dir(root, project.config.docs, ns.out)
    title = project.config.name or root.resolve().name
    written = [write(out_dir / "dag.mmd", mermaid(nodes)),
               write(out_dir / "index.html", render_html(title, nodes, columns, note))]
    if ns.emit_json:
        document = manifest(catalog, datetime.now(UTC))
        written.append(write(Path(ns.emit_json), json.dumps(document, indent=2) + "\n"))
    if any(path is None for path in written):
        return 1
    print(f"wrote {' and '.join(str(p) for p in written)} ({len(catalog.nodes)} nodes)")
    if ns.open_source:
        _open(out_dir / "index.html")
    return 0


def _open(page: Path) -> None:
    """``page`` in the default browser; nothing when there is none (a CI machine)."""
    import webbrowser

    try:
        opened = webbrowser.open(page.resolve().as_uri())
    except Exception:  # no browser, no display: the files are written all the same
        opened = False
    if not opened:
        print(f"no browser to open {page}: open it yourself", file=sys.stderr)

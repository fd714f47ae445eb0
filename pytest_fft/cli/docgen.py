"""``fft docgen``: the docs site of a project in one command, as ``fft dag --html`` writes it
(an index with the DAG, a page per seed and model, ``dag.mmd``), and with ``--emit-json``
the manifest of every selected seed and model with its description, columns and column
lineage (:mod:`pytest_fft.docs.manifest`).

It runs nothing, like ``fft dag``: the warehouse is only read (``--with-schema``, the
default) for the columns of the relations that exist, and never created.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = ("write the docs site of a project (index.html with the DAG, a page per model, "
        "dag.mmd) and, with --emit-json, a manifest of models, columns, descriptions and "
        "lineage")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    cmd: argparse.ArgumentParser = sub.add_parser("docgen", help=HELP, description=HELP)
    cmd.add_argument("--out", metavar="DIR", default=None,
                     help="the folder the site goes to (default: <project>/site/docs)")
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
    from pytest_fft.cli.dag import loaded, write_docs

    found = loaded(ns)
    if found is None:
        return 1
    resolved, project, names, parse_cache = found
    # FastFlowTransform's default for docgen; `fft dag --html` writes to docs.dag_dir.
    out_dir = Path(ns.out) if ns.out else Path(ns.project) / "site" / "docs"
    code = write_docs(ns, resolved, project, names, out_dir, parse_cache=parse_cache)
    if code == 0 and ns.open_source:
        _open(out_dir / "index.html")
    return code


def _open(page: Path) -> None:
    """``page`` in the default browser; nothing when there is none (a CI machine)."""
    import webbrowser

    try:
        opened = webbrowser.open(page.resolve().as_uri())
    except Exception:  # no browser, no display: the files are written all the same
        opened = False
    if not opened:
        print(f"no browser to open {page}: open it yourself", file=sys.stderr)

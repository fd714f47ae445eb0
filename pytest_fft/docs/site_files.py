"""The docs site of a project, from the project to the files: the catalog (descriptions,
the warehouse's columns, lineage), the DAG, the Mermaid text and the pages
(:func:`pytest_fft.docs.site.render_site`); and writing them to a folder.

``fft dag --html``, ``fft docgen`` and ``pytest --fft-docs`` all build the site here: the
commands without a run, the pytest session with the statuses of the run that just finished.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_fft.docs.catalog import Catalog, Schema, build_catalog
from pytest_fft.docs.site import CheckResult, RunFacts
from pytest_fft.project.records import Project

if TYPE_CHECKING:
    from pytest_fft.docs.lineage_cache import LineageCache


def site_files(project: Project, names: Iterable[str], *, dialect: str,
               schema: Schema | None = None,
               runs: Mapping[str, RunFacts] | None = None,
               checks: Mapping[str, Sequence[CheckResult]] | None = None,
               index_sections: Sequence[tuple[str, str]] = (),
               lineage_cache: LineageCache | None = None,
               ) -> tuple[dict[str, str], Catalog]:
    """``({relative path: text}, catalog)`` of the site of ``names`` (seeds and models; the
    checks among them are shown on the pages of what they check). ``dialect``: sqlglot's
    name of the engine's SQL, for lineage; ``lineage_cache``: the SQL models' lineage of
    earlier builds (saved here when it gained entries)."""
    from pytest_fft.docs.dag_site import dag_nodes
    from pytest_fft.docs.mermaid import mermaid
    from pytest_fft.docs.site import render_site
    from pytest_fft.project.descriptions import collect_descriptions

    names = list(names)
    catalog = build_catalog(project, names, collect_descriptions(project), schema=schema,
                            dialect=dialect, lineage_cache=lineage_cache)
    if lineage_cache is not None:
        lineage_cache.save()
    nodes = dag_nodes(project, names)
    sources = {name: _source(model.path) for name, model in project.models.items()
               if model.kind == "python" and name in set(names)}
    files = render_site(catalog, nodes, mermaid_text=mermaid(nodes),
                        sources={k: v for k, v in sources.items() if v is not None},
                        runs=runs, checks=checks, index_sections=index_sections,
                        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    files["dag.mmd"] = mermaid(nodes)
    return files, catalog


def _source(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def run_facts(results: Mapping[str, Any]) -> dict[str, RunFacts]:
    """What the site shows of a run: each node's status, duration, rows and message."""
    return {name: RunFacts(r.status, getattr(r, "duration", None), getattr(r, "rows", None),
                           getattr(r, "message", None)) for name, r in results.items()}


def check_results(project: Project, results: Mapping[str, Any]
                  ) -> dict[str, list[CheckResult]]:
    """The checks of each relation's node with their status in ``results`` (``""``: not
    run), for the pages of the nodes they check."""
    out: dict[str, list[CheckResult]] = {}
    for name in project.checks:
        result = results.get(name)
        status = result.status if result is not None else ""
        message = getattr(result, "message", None) if result is not None else None
        for parent in project.dag.parents.get(name, ()):
            if parent in project.models or parent in project.seeds:
                out.setdefault(parent, []).append((name, status, message))
    return out


def write_site(folder: Path, files: Mapping[str, str]) -> list[Path]:
    """Write ``files`` under ``folder``, each in one piece (a browser reloading a page never
    sees half of it), and remove the pages of nodes that are gone from ``nodes/``.

    Without an fsync per file: the site is made again by the next build, so a page that a
    crash of the machine leaves empty costs nothing, and 1,000 fsyncs cost seconds on a busy
    disk."""
    from pytest_fft.atomic import write_atomic

    written = []
    made: set[Path] = set()
    for relative, text in files.items():
        path = folder / relative
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        write_atomic(path, text, durable=False)
        written.append(path)
    pages = folder / "nodes"
    if pages.is_dir():
        keep = {folder / relative for relative in files}
        for stale in pages.glob("*.html"):
            if stale not in keep:
                stale.unlink(missing_ok=True)
    return written

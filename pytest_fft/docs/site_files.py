"""The docs site of a project, from the project to the files: the catalog (descriptions,
the warehouse's columns, lineage), the DAG, the Mermaid text and the pages
(:func:`pytest_fft.docs.site.render_site`); and writing them to a folder.

``fft dag --html``, ``fft docgen`` and ``pytest --fft-docs`` all build the site here, with
the last results the project's run artifacts hold (:mod:`pytest_fft.docs.last_run`): for the
commands, those of the last runs; for the pytest session, those of the run that just
finished.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_fft.docs.catalog import Catalog, Schema, build_catalog
from pytest_fft.docs.last_run import LastRun
from pytest_fft.project.records import Project

if TYPE_CHECKING:
    from pytest_fft.docs.lineage_cache import LineageCache


def site_files(project: Project, names: Iterable[str], *, dialect: str,
               schema: Schema | None = None,
               last: LastRun | None = None,
               index_sections: Sequence[tuple[str, str]] = (),
               lineage_cache: LineageCache | None = None,
               unit_cases: Sequence[Any] = (),
               problems: Sequence[str] = (),
               ) -> tuple[dict[str, str], Catalog]:
    """``({relative path: text}, catalog)`` of the site of ``names`` (seeds and models; the
    checks among them are shown on the pages of what they check, with the project's unit
    cases). ``dialect``: sqlglot's name of the engine's SQL, for lineage; ``last``: the last
    results to show (default: read from the project's run artifacts); ``lineage_cache``:
    the SQL models' lineage of earlier builds (saved here when it gained entries);
    ``unit_cases``: the project's unit cases (:mod:`pytest_fft.utest.listing`) for the
    pages of the models they test; ``problems``: warnings of the caller's to list with the
    catalog's."""
    from pytest_fft.docs.coverage import covering, model_hooks_by_node, run_hooks
    from pytest_fft.docs.dag_site import dag_nodes
    from pytest_fft.docs.last_run import read_last_run
    from pytest_fft.docs.mermaid import mermaid
    from pytest_fft.docs.site import render_site
    from pytest_fft.project.descriptions import collect_descriptions

    names = list(names)
    catalog = build_catalog(project, names, collect_descriptions(project), schema=schema,
                            dialect=dialect, lineage_cache=lineage_cache)
    if lineage_cache is not None:
        lineage_cache.save()
    if problems:
        catalog = replace(catalog, problems=(*catalog.problems, *problems))
    last = last if last is not None else read_last_run(project.root)
    nodes = dag_nodes(project, names)
    sources = {name: _source(model.path) for name, model in project.models.items()
               if model.kind == "python" and name in set(names)}
    files = render_site(catalog, nodes, mermaid_text=mermaid(nodes),
                        sources={k: v for k, v in sources.items() if v is not None},
                        runs=last.runs, covered=covering(project, last, unit_cases),
                        hooks=model_hooks_by_node(project), run_hooks=run_hooks(project),
                        engine=project.engine, run_note=_run_note(last),
                        index_sections=index_sections,
                        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    files["dag.mmd"] = mermaid(nodes)
    return files, catalog


def _run_note(last: LastRun) -> str:
    """``env dev · duckdb · 2026-12-05 21:26 UTC``: of the last build, what is known."""
    at = last.at.replace("T", " ")[:16] + " UTC" if last.at and "T" in last.at else last.at
    return " · ".join(part for part in (f"env {last.env}" if last.env else None,
                                        last.engine, at) if part)


def _source(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


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

"""The docs site (``fft docgen``): an ``index.html`` with the DAG, a searchable table of every
node and the Mermaid text, and one page per seed and model with its description, columns and
their lineage, code, checks and last run. Static HTML: every page opens from ``file://``
with its CSS and JavaScript inline, and loads nothing from anywhere.

Everything the project wrote (names, descriptions, SQL, messages) is untrusted: templates
autoescape, Markdown goes through :mod:`pytest_fft.docs.markdown_text`, and each page carries
a Content-Security-Policy that allows only its own scripts (by hash) and no network at all,
so even a mistake in escaping could not run a script or load anything.

Pure: the catalog and what the caller knows of the last run in, ``{relative path: text}``
out; nothing is read or written here (the caller passes Python models' source).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from pytest_fft.docs.catalog import Catalog, ColumnDoc, NodeDoc
from pytest_fft.docs.coverage import Covered, HookDoc
from pytest_fft.docs.dag_site import DagNode
from pytest_fft.docs.last_run import RunFacts
from pytest_fft.docs.markdown_text import defang, render_inline, render_markdown
from pytest_fft.docs.site_layout import BOX_H, BOX_W, layout
from pytest_fft.docs.site_paths import column_anchors, page_paths

_TEMPLATES = Path(__file__).parent / "templates"
_KIND_LABELS = {"seed": "seed", "sql": "SQL model", "python": "Python model",
                "snapshot": "snapshot", "ephemeral": "ephemeral"}
_SHORT_KINDS = {"sql": "SQL", "python": "Python"}  # the table's narrow Kind column
_MAX_USED_BY = 12  # downstream columns listed under one column before "and N more"



def render_site(catalog: Catalog, nodes: Sequence[DagNode], *, mermaid_text: str,
                sources: Mapping[str, str] | None = None,
                runs: Mapping[str, RunFacts] | None = None,
                covered: Mapping[str, Sequence[Covered]] | None = None,
                hooks: Mapping[str, Sequence[HookDoc]] | None = None,
                run_hooks: Sequence[HookDoc] = (),
                engine: str | None = None,
                run_note: str = "",
                generated_at: str | None = None,
                extra_sections: Mapping[str, Sequence[tuple[str, str]]] | None = None,
                index_sections: Sequence[tuple[str, str]] = (),
                ) -> dict[str, str]:
    """Every file of the site: ``{"index.html": ..., "nodes/users.ff.html": ...}``.

    ``nodes`` are the DAG as :func:`pytest_fft.docs.dag_site.dag_nodes` places them (the
    index draws them by level; their x and y are not used). ``sources`` gives the source of
    Python models (node -> text); ``runs`` the last run of each node; ``covered`` the checks
    and unit cases that cover a node with their last status and message (a status of ``""``
    when they have not run); ``hooks`` the hooks run around a model's build, ``run_hooks``
    those around every run; ``engine`` the engine the project is loaded for, ``run_note``
    what to say of the last run beside its statuses (env, engine, time); ``extra_sections``
    plain-text sections plugins add to a node's page, ``index_sections`` those they add to
    the index (``pytest_fft_docs_context``). Names the catalog does not know are ignored.
    """
    paths = page_paths(n.name for n in catalog.nodes)
    site = _Site(catalog, paths, runs or {}, covered or {}, hooks or {}, generated_at)
    files = {"index.html": site.index(nodes, mermaid_text, index_sections, run_hooks,
                                      engine=engine, run_note=run_note)}
    for node in catalog.nodes:
        files[paths[node.name]] = site.node_page(
            node, (sources or {}).get(node.name), (extra_sections or {}).get(node.name, ()))
    return files


# --- values as the pages show them ---------------------------------------------------------

_STATUS_CLASSES = {
    "success": "ok", "succeeded": "ok", "ok": "ok", "pass": "ok", "passed": "ok",
    "error": "err", "errored": "err", "fail": "err", "failed": "err",
    "warn": "warn", "warning": "warn", "cached": "cache", "skipped": "skip", "skip": "skip",
}


def status_class(status: str | None) -> str:
    """The colour of a status: ``ok``, ``err``, ``warn``, ``cache``, ``skip``, else
    ``other``."""
    word = (status or "").strip().lower()
    if word.startswith("upstream"):
        return "skip"
    return _STATUS_CLASSES.get(word, "other" if word else "none")


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def format_rows(rows: int | None) -> str:
    return "" if rows is None else f"{rows:,}"


# --- the site ------------------------------------------------------------------------------

class _Verbatim(Markup):
    """The site's own CSS and JavaScript: written out as they are."""


def _finalize(value: Any) -> Any:
    """What every ``{{ }}`` writes: untrusted text escaped and defanged (markdown_text).

    Jinja escapes what this returns (autoescape), so text that defanging would not change
    (no ``:``, no ``=``: most names, types and links) and numbers go back as they are, to be
    escaped once there: a 1,000-model site writes 150,000 values."""
    kind = type(value)
    if kind is int or kind is float or (kind is str and ":" not in value and "=" not in value):
        return value
    if isinstance(value, _Verbatim):
        return value
    return defang(escape("" if value is None else value))


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """Jinja's environment, with ``record.key`` of the pages' dictionaries looked up
    directly: Jinja tries the attribute first, and the AttributeError of each of 200,000
    look-ups of a 1,000-model site costs a tenth of its rendering. The same answers: a key
    that names a dict attribute (``items``) still gives the attribute."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@functools.cache
def _environment() -> jinja2.Environment:
    return _Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True, finalize=_finalize,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@functools.cache
def _assets() -> dict[str, Any]:
    """The inline CSS and scripts, and the policy that lets exactly these scripts run."""
    css = _minified(_TEMPLATES / "site.css")
    scripts = {name: (_TEMPLATES / f"{name}.js").read_text(encoding="utf-8").strip()
               for name in ("theme", "site", "index")}
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"
        for text in scripts.values())
    csp = (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    return {"css": _Verbatim(css), "csp": csp,
            **{f"{name}_js": _Verbatim(text) for name, text in scripts.items()}}


_DARK = re.compile(r':root\[data-theme="dark"\]\{([^}]*)\}')


def _minified(path: Path) -> str:
    """The stylesheet without comments and spaces, its dark palette also applied when the
    system is dark and the reader has not chosen light."""
    css = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    css = re.sub(r"\s*([{};,>])\s*", r"\1", re.sub(r"\s+", " ", css)).strip()
    css = re.sub(r"(?<=[{;])([\w-]+): ", r"\1:", css)  # "color: red" -> "color:red"
    dark = _DARK.search(css)
    if dark:
        css += ('@media (prefers-color-scheme: dark){:root:not([data-theme="light"]){'
                + dark.group(1) + "}}")
    return css


class _Site:
    """What the pages share: the catalog's links between nodes and columns, and the run."""

    def __init__(self, catalog: Catalog, paths: Mapping[str, str],
                 runs: Mapping[str, RunFacts], covered: Mapping[str, Sequence[Covered]],
                 hooks: Mapping[str, Sequence[HookDoc]], generated_at: str | None) -> None:
        self.catalog = catalog
        self.paths = paths
        self.runs = runs
        self.covered = covered
        self.hooks = hooks
        self.generated_at = generated_at
        self.by_name = {node.name: node for node in catalog.nodes}
        self.anchors = {node.name: column_anchors(node) for node in catalog.nodes}
        self._by_relation = _relation_index(catalog.nodes)
        self.descriptions = {node.name: render_markdown(node.description)
                             for node in catalog.nodes}
        self.used_by = self._downstream_columns()

    def common(self, root: str) -> dict[str, Any]:
        return {**_assets(), "project": self.catalog.project, "root": root,
                "generated_at": self.generated_at}

    def resolve(self, relation: str) -> NodeDoc | None:
        """The node a lineage source's relation names (``users``, ``analytics.users``)."""
        key = relation.lower()
        found = self._by_relation.get(key) or self._by_relation.get(key.rsplit(".", 1)[-1])
        return found or self.by_name.get(relation)

    def page_link(self, node: NodeDoc) -> str:
        """The address of ``node``'s page from another node's page (both in ``nodes/``)."""
        return self.paths[node.name].removeprefix("nodes/")

    def column_link(self, node: NodeDoc, column: str) -> str:
        """:meth:`page_link` at ``column``'s row when the page lists it (lineage may name a
        column the warehouse was not asked about)."""
        anchor = self.anchors[node.name].get(column.lower())
        return f"{self.page_link(node)}#{anchor}" if anchor else self.page_link(node)

    def _downstream_columns(self) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
        """(node, column in lower case) -> the (node, column, link) of the columns that
        read it directly, from every column's lineage."""
        out: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
        for node in self.catalog.nodes:
            for column in node.columns:
                lineage = column.lineage
                for source in lineage.sources if lineage is not None else ():
                    parent = self.resolve(source.relation)
                    if parent is not None:
                        out[(parent.name, source.column.lower())].append(
                            (node.name, column.name, self.column_link(node, column.name)))
        return out

    # --- index ---

    def index(self, nodes: Sequence[DagNode], mermaid_text: str,
              sections: Sequence[tuple[str, str]] = (),
              run_hooks: Sequence[HookDoc] = (), *, engine: str | None = None,
              run_note: str = "") -> str:
        graph = layout(nodes)
        runs = self.runs
        boxes = [{"x": b.x, "y": b.y, "name": b.name, "label": b.label, "style": b.style,
                  "url": self.paths.get(b.name), "kind": _KIND_LABELS.get(b.style, b.style),
                  "status": status_class(runs[b.name].status) if b.name in runs else ""}
                 for b in graph.boxes]
        graph_index = {b.name: b.index for b in graph.boxes}
        rows = [self._row(node, graph_index.get(node.name, -1)) for node in self.catalog.nodes]
        kinds = Counter(box.style for box in graph.boxes)
        known = list(_KIND_LABELS)
        legend = [(style, _KIND_LABELS.get(style, style), kinds[style]) for style in
                  sorted(kinds, key=lambda s: (known.index(s) if s in known else len(known), s))]
        statuses = Counter(status_class(runs[n.name].status) for n in self.catalog.nodes
                           if n.name in runs)
        context = {
            **self.common(""), "rows": rows, "boxes": boxes, "box_w": BOX_W, "box_h": BOX_H,
            "paths": [edge.path for edge in graph.edges], "width": graph.width,
            "height": graph.height, "graph_height": max(180, min(graph.height + 2, 640)),
            "graph_data": {"w": graph.width, "h": graph.height,
                           "e": [[e.source, e.target] for e in graph.edges],
                           "l": [n.level for n in nodes]},
            "legend": legend, "mermaid": mermaid_text, "problems": self.catalog.problems,
            "show_runs": any(n.name in runs for n in self.catalog.nodes),
            "show_checks": any(c.status for n in self.catalog.nodes
                               for c in self.covered.get(n.name, ())),
            "counts": Counter("seed" if n.kind == "seed" else "model"
                              for n in self.catalog.nodes),
            "statuses": [(css, count) for css in ("ok", "cache", "skip", "warn", "err", "other")
                         if (count := statuses.get(css))],
            "edge_count": len(graph.edges), "sections": list(sections),
            "run_hooks": [_hook(h) for h in run_hooks], "engine": engine,
            "macros": [{"call": f"{m.name}({', '.join(m.arguments)})", "kind": m.kind,
                        "where": f"{m.path}:{m.line}" if m.line else m.path}
                       for m in self.catalog.macros],
            "run_note": run_note,
        }
        return _environment().get_template("index.html").render(context)

    def _row(self, node: NodeDoc, graph_index: int) -> dict[str, Any]:
        run = self.runs.get(node.name)
        results = [c for c in self.covered.get(node.name, ()) if c.status]
        outcome = Counter(status_class(c.status) for c in results)
        return {
            "i": graph_index, "name": node.name, "url": self.paths[node.name],
            "style": _style(node), "kind": _SHORT_KINDS.get(node.kind, node.kind),
            "materialized": node.materialized if node.kind != "seed" else "",
            "tags": node.tags, "relation": node.relation,
            "summary": self.descriptions[node.name].first_line,
            "columns": " ".join(c.name for c in node.columns)[:2000],
            "status": run.status if run else None,
            "status_class": status_class(run.status) if run else "",
            "duration": format_duration(run.duration_s) if run else "",
            "duration_v": run.duration_s if run and run.duration_s is not None else "",
            "rows": format_rows(run.rows) if run else "",
            "rows_v": run.rows if run and run.rows is not None else "",
            "checks_ok": outcome.get("ok", 0) + outcome.get("cache", 0),
            "checks_bad": outcome.get("err", 0) + outcome.get("warn", 0),
            "checks_total": len(results),
        }

    # --- a node's page ---

    def node_page(self, node: NodeDoc, source: str | None,
                  sections: Sequence[tuple[str, str]]) -> str:
        from pytest_fft.redact import redact

        run = self.runs.get(node.name)
        code = None
        # The rendered SQL holds what env() and var() gave it, a password among them maybe:
        # shown masked, as in compiled/*.sql and every message.
        if node.kind == "sql" and node.sql:
            code = {"lang": "sql", "title": "Rendered SQL", "text": redact(node.sql)}
        elif source:
            code = {"lang": "python" if node.kind == "python" else "text",
                    "title": "Python source" if node.kind == "python" else "Source",
                    "text": redact(source)}
        checks = [{"name": c.name, "kind": "unit case" if c.kind == "unit" else c.kind,
                   "where": c.where, "status": c.status or "not run",
                   "status_class": status_class(c.status), "message": c.message}
                  for c in self.covered.get(node.name, ())]
        context = {
            **self.common("../"), "node": node, "style": _style(node),
            "kind": _KIND_LABELS.get(node.kind, node.kind),
            "description": self.descriptions[node.name].html,
            "focus_url": "../index.html#focus=" + quote(node.name, safe=""),
            # A long path breaks after a folder's slash, not inside a name.
            "path_html": Markup("/<wbr>").join(escape(part) for part in node.path.split("/")),
            "run": run, "run_class": status_class(run.status) if run else "",
            "duration": format_duration(run.duration_s) if run else "",
            "rows": format_rows(run.rows) if run else "",
            "parents": [self._neighbour(name) for name in node.depends_on],
            "children": [self._neighbour(name) for name in node.used_by],
            "columns": [self._column(node, column, i) for i, column in enumerate(node.columns)],
            "code": code, "checks": checks, "sections": list(sections),
            "hooks": [_hook(h) for h in self.hooks.get(node.name, ())],
            "has_types": any(c.dtype for c in node.columns),
            "has_nullable": any(c.nullable is not None for c in node.columns),
            "has_used_by": any((node.name, c.name.lower()) in self.used_by
                               for c in node.columns),
        }
        return _environment().get_template("node.html").render(context)

    def _neighbour(self, name: str) -> dict[str, Any]:
        node = self.by_name.get(name)
        run = self.runs.get(name)
        return {"name": name, "url": self.page_link(node) if node else None,
                "style": _style(node) if node else "sql",
                "status_class": status_class(run.status) if run else ""}

    def _column(self, node: NodeDoc, column: ColumnDoc, position: int) -> dict[str, Any]:
        readers = self.used_by.get((node.name, column.name.lower()), [])
        return {
            "name": column.name, "anchor": self.anchors[node.name].get(column.name.lower()),
            "position": position, "dtype": column.dtype,
            "nullable": {True: "yes", False: "no", None: ""}[column.nullable],
            "description": render_inline(column.description),
            "lineage": self._lineage(node, column),
            "used_by": [{"label": f"{n}.{c}", "url": url} for n, c, url in
                        readers[:_MAX_USED_BY]],
            "used_by_more": max(0, len(readers) - _MAX_USED_BY),
        }

    def _lineage(self, node: NodeDoc, column: ColumnDoc) -> dict[str, Any]:
        """``state``: ``source`` (a seed's column: where data enters), ``unknown``,
        ``constant`` (known, read from nothing) or ``traced`` with its sources."""
        lineage = column.lineage
        if lineage is None:
            return {"state": "source" if node.kind == "seed" else "unknown"}
        if not lineage.known:
            return {"state": "unknown"}
        if not lineage.sources:
            return {"state": "constant"}
        sources = []
        for source in lineage.sources:
            parent = self.resolve(source.relation)
            sources.append({
                "label": f"{parent.name if parent else source.relation}.{source.column}",
                "url": self.column_link(parent, source.column) if parent else None})
        return {"state": "traced", "sources": sources, "transformed": lineage.transformed}


_WHEN = {"before_model": "before the build", "after_model": "after the build",
         "on_run_start": "at the start of a run", "on_run_end": "at the end of a run"}


def _hook(hook: HookDoc) -> dict[str, str]:
    return {"when": _WHEN.get(hook.when, hook.when), "label": hook.label, "where": hook.where,
            "limits": hook.limits}


def _style(node: NodeDoc) -> str:
    if node.materialized in ("snapshot", "ephemeral"):
        return node.materialized
    return node.kind


def _relation_index(nodes: Sequence[NodeDoc]) -> dict[str, NodeDoc]:
    """Nodes by relation in lower case, and by the relation's last part where that is
    unambiguous (a lineage source may name ``analytics.users`` or ``users``)."""
    out = {node.relation.lower(): node for node in reversed(nodes)}
    tails: dict[str, list[NodeDoc]] = defaultdict(list)
    for node in nodes:
        tails[node.relation.lower().rsplit(".", 1)[-1]].append(node)
    for tail, found in tails.items():
        if len(found) == 1:
            out.setdefault(tail, found[0])
    return out


__all__ = ["RunFacts", "column_anchors", "format_duration", "format_rows",
           "page_paths", "render_site", "status_class"]

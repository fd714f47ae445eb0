"""The project's DAG for people: as text (``fft dag``) and as one self-contained HTML page
(``fft dag --html``: ``<project>/docs/index.html``).

Pure: a loaded project and the names to show in, text out. The page needs no network and no
JavaScript: the graph is an SVG laid out by level (parents to the left), and every node has
an entry below it with its file, relation, dependencies, tags, columns (when the warehouse was
asked) and SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import jinja2

from pytest_fft.project.records import Project

Columns = Mapping[str, list[tuple[str, str]]]  # relation -> [(column, type)]

_BOX_W, _BOX_H, _COL_W, _ROW_H, _PAD = 190, 28, 240, 40, 20


@dataclass(frozen=True)
class DagNode:
    name: str
    kind: str  # seed, sql, python
    level: int
    relation: str
    file: str
    parents: tuple[str, ...]
    materialized: str = ""
    tags: tuple[str, ...] = ()
    sql: str | None = None
    x: int = 0
    y: int = 0

    index: int = 0  # position in the page: keeps anchors unique (a-b.ff and a_b.ff)

    @property
    def anchor(self) -> str:
        return f"node-{self.index}-" + "".join(c if c.isalnum() else "-" for c in self.name)

    @property
    def label(self) -> str:  # fits the box in a 12 px sans-serif font, capitals included
        return self.name if len(self.name) <= 22 else self.name[:21] + "…"


def dag_nodes(project: Project, names: Iterable[str]) -> list[DagNode]:
    """The seeds and models among ``names`` (checks are not drawn), in DAG order, placed."""
    wanted = set(names)
    shown = [n for n in project.dag.order
             if n in wanted and (n in project.models or n in project.seeds)]
    levels: dict[int, int] = {}
    placed: list[DagNode] = []
    for name in shown:
        level = project.dag.level_of(name)
        row = levels.get(level, 0)
        levels[level] = row + 1
        parents = tuple(p for p in project.dag.parents[name] if p in wanted)
        if name in project.seeds:
            seed = project.seeds[name]
            node = DagNode(name, "seed", level, seed.relation, seed.rel_path, parents)
        else:
            model = project.models[name]
            node = DagNode(name, model.kind, level, model.relation, model.rel_path, parents,
                           model.materialized, model.tags, model.sql)
        placed.append(replace(node, x=_PAD + level * _COL_W, y=_PAD + row * _ROW_H,
                              index=len(placed)))
    return placed


def render_text(nodes: list[DagNode]) -> str:
    """``level 0`` then one line per node: ``  users.ff (sql, table) <- seed_users``."""
    lines: list[str] = []
    level = -1
    for node in nodes:
        if node.level != level:
            level = node.level
            lines.append(f"level {level}")
        kind = node.kind + (f", {node.materialized}" if node.materialized else "")
        reads = f" <- {', '.join(node.parents)}" if node.parents else ""
        lines.append(f"  {node.name} ({kind}){reads}")
    return "\n".join(lines)


def mermaid(nodes: list[DagNode]) -> str:
    """The graph in Mermaid syntax (``flowchart LR``), with stable ids."""
    ids = {node.name: f"n{i}" for i, node in enumerate(nodes)}
    lines = ["flowchart LR"]
    lines += [f'  {ids[n.name]}["{_mermaid_text(n.name)}"]' for n in nodes]
    lines += [f"  {ids[p]} --> {ids[n.name]}" for n in nodes for p in n.parents if p in ids]
    return "\n".join(lines)


def _mermaid_text(text: str) -> str:
    """A label Mermaid accepts inside ``["..."]``: quotes as its entity code."""
    return text.replace('"', "#quot;")


def render_html(project_name: str, nodes: list[DagNode], columns: Columns | None,
                note: str | None = None) -> str:
    """The page of ``nodes``: :func:`page_context` rendered by :func:`render_page`."""
    return render_page(page_context(project_name, nodes, columns, note))


def page_context(project_name: str, nodes: list[DagNode], columns: Columns | None,
                 note: str | None = None, statuses: Mapping[str, str] | None = None
                 ) -> dict[str, Any]:
    """What the page is rendered from. Plugins see it in ``pytest_fft_docs_context``:
    ``statuses`` (node -> its status in the run that just finished) and ``sections`` (a list
    of ``{"title", "text"}`` shown at the end of the page, escaped) are theirs to add to."""
    by_name = {node.name: node for node in nodes}
    edges = [(by_name[p], node) for node in nodes for p in node.parents if p in by_name]
    width = max((n.x for n in nodes), default=0) + _BOX_W + 2 * _PAD
    height = max((n.y for n in nodes), default=0) + _BOX_H + 2 * _PAD
    return {
        "project": project_name, "nodes": nodes, "edges": edges, "width": width,
        "height": height, "box_w": _BOX_W, "box_h": _BOX_H, "columns": columns or {},
        "note": note, "paths": [_edge_path(parent, child) for parent, child in edges],
        "mermaid": mermaid(nodes), "anchor": {n.name: n.anchor for n in nodes},
        "children": {n.name: [c.name for p, c in edges if p is n] for n in nodes},
        "statuses": dict(statuses or {}), "sections": [],
    }


def render_page(context: Mapping[str, Any]) -> str:
    """The HTML of a :func:`page_context` (every value escaped)."""
    return _TEMPLATE.render(**context)


def _edge_path(parent: DagNode, child: DagNode) -> str:
    """An SVG path from the parent's right side to the child's left side. An edge that skips
    levels runs along the gap above the rows, so it never crosses the boxes in between."""
    px, py = parent.x + _BOX_W, parent.y + _BOX_H // 2
    cx, cy = child.x, child.y + _BOX_H // 2
    if child.level - parent.level <= 1:
        return f"M{px},{py} C{px + 25},{py} {cx - 25},{cy} {cx},{cy}"
    lane = min(parent.y, child.y) - (_ROW_H - _BOX_H) // 2
    return (f"M{px},{py} C{px + 20},{py} {px + 10},{lane} {px + 30},{lane} "
            f"L{cx - 30},{lane} C{cx - 10},{lane} {cx - 20},{cy} {cx},{cy}")


_TEMPLATE = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ project }} · DAG</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #1d2330; background: #fff; }
@media (prefers-color-scheme: dark) { body { color: #e3e6ee; background: #161a22; }
  .node text { fill: #161a22; } a { color: #8ab4ff; } pre { background: #222836 !important; } }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.graph { overflow: auto; border: 1px solid #8884; border-radius: 6px; }
.node rect { rx: 5; stroke: #0003; }
.seed rect { fill: #b9e4c9; } .sql rect { fill: #b8d4f5; } .python rect { fill: #f7d2a6; }
.node text { font-size: 12px; fill: #1d2330; dominant-baseline: middle; }
.edge { fill: none; stroke: #7a8499; stroke-width: 1.2; }
.legend span { display: inline-block; padding: 0 .5rem; margin-right: .5rem; border-radius: 4px; color: #1d2330; }
table { border-collapse: collapse; } td, th { padding: .15rem .6rem; text-align: left; vertical-align: top; }
pre { background: #f3f5f9; padding: .6rem; border-radius: 6px; overflow: auto; }
.entry { border-top: 1px solid #8884; padding-top: .4rem; }
</style></head><body>
<h1>{{ project }}: {{ nodes|length }} nodes</h1>
<p class="legend"><span style="background:#b9e4c9">seed</span><span style="background:#b8d4f5">SQL model</span><span style="background:#f7d2a6">Python model</span> Parents are to the left; click a node for its entry.</p>
{% if note %}<p><em>{{ note }}</em></p>{% endif %}
<div class="graph"><svg xmlns="http://www.w3.org/2000/svg" width="{{ width }}" height="{{ height }}">
{% for path in paths %}
<path class="edge" d="{{ path }}"/>
{% endfor %}
{% for node in nodes %}
<a href="#{{ node.anchor }}"><g class="node {{ node.kind }}"><title>{{ node.name }} ({{ node.kind }})</title>
<rect x="{{ node.x }}" y="{{ node.y }}" width="{{ box_w }}" height="{{ box_h }}"/>
<text x="{{ node.x + 8 }}" y="{{ node.y + box_h // 2 }}">{{ node.label }}</text></g></a>
{% endfor %}
</svg></div>
<h2>Nodes</h2>
{% for node in nodes %}
<div class="entry" id="{{ node.anchor }}">
<h3>{{ node.name }}</h3>
<table>
<tr><th>kind</th><td>{{ node.kind }}{% if node.materialized %} ({{ node.materialized }}){% endif %}</td></tr>
<tr><th>relation</th><td><code>{{ node.relation }}</code></td></tr>
<tr><th>file</th><td><code>{{ node.file }}</code></td></tr>
<tr><th>level</th><td>{{ node.level }}</td></tr>
{% if statuses.get(node.name) %}<tr><th>last run</th><td>{{ statuses[node.name] }}</td></tr>{% endif %}
<tr><th>reads</th><td>{% for p in node.parents %}<a href="#{{ anchor[p] }}">{{ p }}</a>{% if not loop.last %}, {% endif %}{% else %}—{% endfor %}</td></tr>
<tr><th>read by</th><td>{% for c in children[node.name] %}<a href="#{{ anchor[c] }}">{{ c }}</a>{% if not loop.last %}, {% endif %}{% else %}—{% endfor %}</td></tr>
{% if node.tags %}<tr><th>tags</th><td>{{ node.tags|join(', ') }}</td></tr>{% endif %}
{% if columns.get(node.relation) %}<tr><th>columns</th><td>{% for name, type in columns[node.relation] %}<code>{{ name }}</code> {{ type }}{% if not loop.last %}<br>{% endif %}{% endfor %}</td></tr>{% endif %}
</table>
{% if node.sql %}<details><summary>SQL</summary><pre>{{ node.sql }}</pre></details>{% endif %}
</div>
{% endfor %}
{% for section in sections %}
<h2>{{ section["title"] }}</h2>
<pre>{{ section["text"] }}</pre>
{% endfor %}
<h2>Mermaid</h2>
<details><summary>The graph in Mermaid syntax</summary><pre>{{ mermaid }}</pre></details>
</body></html>
""")

"""The project's DAG as the docs draw it: the seeds and models to show, each with its level
and parents (:func:`dag_nodes`), and as text by level (``fft dag``). The site
(:mod:`pytest_fft.docs.site`) and the Mermaid graph (:mod:`pytest_fft.docs.mermaid`) are
drawn from these nodes.

Pure: a loaded project and the names to show in, nodes and text out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pytest_fft.project.records import Project


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


def dag_nodes(project: Project, names: Iterable[str]) -> list[DagNode]:
    """The seeds and models among ``names`` (checks are not drawn), in DAG order."""
    wanted = set(names)
    shown = [n for n in project.dag.order
             if n in wanted and (n in project.models or n in project.seeds)]
    placed: list[DagNode] = []
    for name in shown:
        level = project.dag.level_of(name)
        parents = tuple(p for p in project.dag.parents[name] if p in wanted)
        if name in project.seeds:
            seed = project.seeds[name]
            node = DagNode(name, "seed", level, seed.relation, seed.rel_path, parents)
        else:
            model = project.models[name]
            node = DagNode(name, model.kind, level, model.relation, model.rel_path, parents,
                           model.materialized, model.tags, model.sql)
        placed.append(node)
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

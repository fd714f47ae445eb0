"""The DAG as a Mermaid flowchart (``dag.mmd``), for Markdown, wikis and the docs site's copy
button.

Stable ids: a node's id is derived from its name alone (letters, digits and ``_``; a short
hash of the name when two names would give the same id), so that the text of an unchanged
graph is the same from run to run and a diff shows what changed. Nodes are styled by kind
(seed, SQL, Python, snapshot, ephemeral) with ``classDef``; edges run from parent to child.

Pure: DAG nodes in, text out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from pytest_fft.docs.dag_site import DagNode

# Fill and stroke by kind: the same colours as the HTML page's legend.
STYLES = {
    "seed": "fill:#e8f5e9,stroke:#2e7d32,color:#1b5e20",
    "sql": "fill:#e3f2fd,stroke:#1565c0,color:#0d47a1",
    "python": "fill:#fff8e1,stroke:#f9a825,color:#6d4c00",
    "snapshot": "fill:#f3e5f5,stroke:#6a1b9a,color:#4a148c",
    "ephemeral": "fill:#fafafa,stroke:#757575,color:#424242,stroke-dasharray:4 3",
}


def style_of(node: DagNode) -> str:
    """The class a node is drawn with: its materialization where that says more than its
    kind (a snapshot, an ephemeral model), else its kind."""
    if node.materialized in ("snapshot", "ephemeral"):
        return node.materialized
    return node.kind


def node_ids(names: Sequence[str]) -> dict[str, str]:
    """A Mermaid id per name: the name with every other character as ``_``, prefixed so it
    never starts with a digit or spells a keyword (``end``); a hash suffix where two names
    would share one."""
    plain = {name: "n_" + re.sub(r"[^A-Za-z0-9_]", "_", name) for name in names}
    counts: dict[str, int] = {}
    for value in plain.values():
        counts[value] = counts.get(value, 0) + 1
    return {name: value if counts[value] == 1
            else f"{value}_{hashlib.sha1(name.encode()).hexdigest()[:6]}"
            for name, value in plain.items()}


def _label(text: str) -> str:
    """A node label in quotes, with what Mermaid would read as markup written as entities."""
    return '"' + text.replace("&", "#amp;").replace('"', "#quot;").replace(
        "<", "#lt;").replace(">", "#gt;") + '"'


def mermaid(nodes: Sequence[DagNode]) -> str:
    """``flowchart LR`` of ``nodes`` (in DAG order) and the edges between them."""
    ids = node_ids([n.name for n in nodes])
    lines = ["flowchart LR"]
    for node in nodes:
        shape = ("[(", ")]") if node.kind == "seed" else ("[", "]")
        lines.append(f"  {ids[node.name]}{shape[0]}{_label(node.name)}{shape[1]}")
    for node in nodes:
        for parent in node.parents:
            if parent in ids:
                lines.append(f"  {ids[parent]} --> {ids[node.name]}")
    used = sorted({style_of(n) for n in nodes})
    for kind in used:
        lines.append(f"  classDef {kind} {STYLES.get(kind, STYLES['sql'])}")
    for kind in used:
        members = ",".join(ids[n.name] for n in nodes if style_of(n) == kind)
        lines.append(f"  class {members} {kind}")
    return "\n".join(lines) + "\n"

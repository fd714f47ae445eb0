"""Where the docs site's index draws each node of the DAG: columns by DAG level (parents to
the left), nodes in a level ordered to keep edges short, tall levels wrapped.

The order within a level is the barycenter heuristic (a node sits near the mean position of
its parents, then of its children; two sweeps each way), which untangles most of the crossings
that DAG order leaves. A level with more nodes than a column holds is wrapped into several
sub-columns side by side; nodes of one level never read each other, so no edge runs inside a
level and the picture still reads left to right. The column height grows with the square root
of the node count, so 1,000 models make a wide, scrollable picture about 1,600 px high
instead of a 20,000 px tower.

Pure: DAG nodes in, coordinates and SVG path data out.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from pytest_fft.docs.dag_site import DagNode
from pytest_fft.docs.mermaid import style_of

BOX_W, BOX_H = 180, 26
ROW_H = 36  # box plus the gap below it
LEVEL_GAP, WRAP_GAP, PAD = 72, 28, 16
MIN_ROWS = 20  # a level of up to this many nodes is one column, whatever the graph's size
LABEL_CHARS = 24  # what fits a box in a 12 px system font


@dataclass(frozen=True)
class Box:
    """One node as drawn: ``index`` is its position in the nodes given (DAG order)."""

    index: int
    name: str
    style: str  # seed | sql | python | snapshot | ephemeral: the CSS class of its colour
    x: int
    y: int

    @property
    def label(self) -> str:
        """The name, shortened in the middle when it would overflow the box."""
        if len(self.name) <= LABEL_CHARS:
            return self.name
        head = (LABEL_CHARS - 1) // 2 + 1
        return self.name[:head] + "…" + self.name[-(LABEL_CHARS - 1 - head):]


@dataclass(frozen=True)
class Edge:
    source: int  # the parent's index
    target: int
    path: str  # SVG path data, from the parent's right side to the child's left side


@dataclass(frozen=True)
class GraphLayout:
    boxes: tuple[Box, ...]  # in the order of the nodes given
    edges: tuple[Edge, ...]
    width: int
    height: int


def layout(nodes: Sequence[DagNode]) -> GraphLayout:
    """The picture of ``nodes`` (in DAG order) and of the edges between them."""
    if not nodes:
        return GraphLayout((), (), 2 * PAD, 2 * PAD)
    index = {node.name: i for i, node in enumerate(nodes)}
    parents = [[index[p] for p in node.parents if p in index] for node in nodes]
    children: list[list[int]] = [[] for _ in nodes]
    for child, found in enumerate(parents):
        for parent in found:
            children[parent].append(child)
    columns = _ordered_levels(nodes, parents, children)
    rows = max(MIN_ROWS, math.ceil(math.sqrt(len(nodes)) * 1.3))
    tallest = min(rows, max(len(column) for column in columns))
    place: dict[int, tuple[int, int]] = {}
    x = PAD
    for column in columns:
        for start in range(0, len(column), rows):
            chunk = column[start:start + rows]
            top = PAD + (tallest - len(chunk)) * ROW_H // 2  # centred in the picture
            for row, i in enumerate(chunk):
                place[i] = (x, top + row * ROW_H)
            x += BOX_W + WRAP_GAP
        x += LEVEL_GAP - WRAP_GAP
    boxes = tuple(Box(i, node.name, style_of(node), *place[i]) for i, node in enumerate(nodes))
    edges = tuple(Edge(p, c, _path(boxes[p], boxes[c]))
                  for c, found in enumerate(parents) for p in found)
    width = x - LEVEL_GAP + PAD
    return GraphLayout(boxes, edges, width, 2 * PAD + tallest * ROW_H - (ROW_H - BOX_H))


def _ordered_levels(nodes: Sequence[DagNode], parents: list[list[int]],
                    children: list[list[int]]) -> list[list[int]]:
    """The node indices of each level (lowest level first), in barycenter order."""
    by_level: dict[int, list[int]] = defaultdict(list)
    for i, node in enumerate(nodes):
        by_level[node.level].append(i)
    levels = [by_level[level] for level in sorted(by_level)]
    position = [0.0] * len(nodes)

    def settle(level: list[int]) -> None:
        for row, i in enumerate(level):
            position[i] = row / len(level)

    for level in levels:
        settle(level)
    for _ in range(2):
        for neighbours, order in ((parents, levels[1:]), (children, levels[-2::-1])):
            for level in order:
                means = {i: _mean(position, neighbours[i], position[i]) for i in level}
                level.sort(key=means.__getitem__)
                settle(level)
    return levels


def _mean(position: list[float], near: list[int], default: float) -> float:
    return sum(position[j] for j in near) / len(near) if near else default


def _path(parent: Box, child: Box) -> str:
    """A cubic curve from the parent's right middle to the child's left middle."""
    px, py = parent.x + BOX_W, parent.y + BOX_H // 2
    cx, cy = child.x, child.y + BOX_H // 2
    bend = max(24, min(120, (cx - px) // 2))
    return f"M{px} {py}C{px + bend} {py} {cx - bend} {cy} {cx} {cy}"

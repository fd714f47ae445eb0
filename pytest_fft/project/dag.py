"""The dependency graph: deterministic topological order, levels, and graph walks.

>>> dag = Dag({"users.ff": (), "users_enriched": ("users.ff",),
...            "mart_users.ff": ("users_enriched",)})
>>> dag.order
('users.ff', 'users_enriched', 'mart_users.ff')
>>> dag.levels
(('users.ff',), ('users_enriched',), ('mart_users.ff',))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property

from pytest_fft.errors import ModelCycleError


class Dag:
    """An immutable DAG over node names; ``parents[name]`` are the nodes ``name`` reads."""

    def __init__(self, parents: Mapping[str, Iterable[str]]) -> None:
        self.parents: dict[str, tuple[str, ...]] = {
            name: tuple(sorted(set(deps))) for name, deps in sorted(parents.items())
        }
        children: dict[str, list[str]] = {name: [] for name in self.parents}
        for name, deps in self.parents.items():
            for dep in deps:
                children[dep].append(name)
        self.children: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in children.items()}
        self._level: dict[str, int] = self._compute_levels()

    def __contains__(self, name: object) -> bool:
        return name in self.parents

    def __len__(self) -> int:
        return len(self.parents)

    def _compute_levels(self) -> dict[str, int]:
        # Kahn's algorithm, level by level; what is left over sits on a cycle. (graphlib's
        # TopologicalSorter gives the same levels batch by batch, but twice as slowly: its
        # prepare() walks the whole graph for a cycle first.)
        indegree = {name: len(deps) for name, deps in self.parents.items()}
        level: dict[str, int] = {}
        frontier = sorted(name for name, deg in indegree.items() if deg == 0)
        depth = 0
        while frontier:
            nxt: list[str] = []
            for name in frontier:
                level[name] = depth
                for child in self.children[name]:
                    indegree[child] -= 1
                    if indegree[child] == 0:
                        nxt.append(child)
            frontier = sorted(nxt)
            depth += 1
        if len(level) != len(self.parents):
            raise self._cycle_error(set(self.parents) - set(level))
        return level

    def _cycle_error(self, remaining: set[str]) -> ModelCycleError:
        # Walk parents from the smallest remaining name until a node repeats: that is a cycle.
        start = min(remaining)
        path: list[str] = []
        seen: dict[str, int] = {}
        node = start
        while node not in seen:
            seen[node] = len(path)
            path.append(node)
            node = min(dep for dep in self.parents[node] if dep in remaining)
        cycle = [*path[seen[node]:], node]
        cycle.reverse()  # show it in reading order: a -> b means b reads a
        return ModelCycleError(
            "Cycle detected among nodes: " + " -> ".join(cycle),
            cycle=tuple(cycle[:-1]), node=cycle[0],
            hint="remove one of these ref()/deps so the models no longer read each other",
        )

    def level_of(self, name: str) -> int:
        return self._level[name]

    @cached_property
    def order(self) -> tuple[str, ...]:
        """All nodes sorted by (level, name): parents always come first."""
        return tuple(sorted(self.parents, key=lambda n: (self._level[n], n)))

    @cached_property
    def levels(self) -> tuple[tuple[str, ...], ...]:
        out: list[list[str]] = []
        for name in self.order:
            lvl = self._level[name]
            while len(out) <= lvl:
                out.append([])
            out[lvl].append(name)
        return tuple(tuple(names) for names in out)

    def ancestors(self, name: str) -> set[str]:
        return self._walk(name, self.parents)

    def descendants(self, name: str) -> set[str]:
        return self._walk(name, self.children)

    @staticmethod
    def _walk(start: str, edges: Mapping[str, tuple[str, ...]]) -> set[str]:
        seen: set[str] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(edges[node])
        return seen


def topo_sort(parents: Mapping[str, Iterable[str]]) -> list[str]:
    """Deterministic topological order of ``parents`` (name -> names it depends on)."""
    return list(Dag(parents).order)

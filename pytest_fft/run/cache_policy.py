"""The cache policy of the spec: which nodes a run may skip, and what it remembers after.

Modes: ``off`` always build; ``rw`` (default) skip when the fingerprint matches and the
relation exists (never an incremental model or a snapshot, nor what reads one: each run
applies what is new; never a seed with the metadata columns, whose _ff_loaded_at is the time
of its load), remember what was built; ``ro`` skip on a match, remember nothing;
``wo`` always build and remember. ``--fft-rebuild GLOB`` ignores the cache for matching
nodes.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass

from pytest_fft.project.names import relation_for
from pytest_fft.project.records import Project
from pytest_fft.run.executor import NodeResult


@dataclass(frozen=True)
class CachePolicy:
    mode: str  # off | ro | rw | wo
    rebuild: tuple[str, ...] = ()

    @property
    def reads(self) -> bool:
        return self.mode in ("ro", "rw")

    @property
    def writes(self) -> bool:
        return self.mode in ("rw", "wo")

    def forced(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, g) or fnmatch.fnmatchcase(relation_for(name), g)
                   for g in self.rebuild)

    def skippable(
        self,
        project: Project,
        names: Iterable[str],
        current: Mapping[str, str],
        stored: Mapping[str, str],
        existing_relations: Container[str],
    ) -> set[str]:
        """Nodes whose fingerprint matches the last build and whose relation still exists
        (``existing_relations``: the engine's
        :class:`~pytest_fft.engines.relations.ExistingRelations`, which compares names as
        the warehouse does)."""
        if not self.reads:
            return set()
        changing = rows_change_each_run(project)
        skip = set()
        for name in names:
            node = project.node(name)
            if node.kind == "check" or self.forced(name):  # by kind: see plan.built_by
                continue
            # An incremental model or a snapshot runs every time (what is new upstream is
            # its work, and a fingerprint cannot see new rows), and so does what reads it:
            # its rows may have changed while its fingerprint did not.
            if name in changing:
                continue
            # A seed with FastFlowTransform's metadata columns holds the time it was loaded
            # (_ff_loaded_at, which source freshness reads): seeding loads it again, as
            # FastFlowTransform's fft seed always does, or the time would lie.
            if node.kind == "seed" and getattr(node, "metadata", False):
                continue
            fp = current.get(name)
            if fp is not None and stored.get(name) == fp and node.relation in existing_relations:
                skip.add(name)
        return skip

    def remembered(self, stored: Mapping[str, str], current: Mapping[str, str],
                   results: Iterable[NodeResult]) -> dict[str, str]:
        """What the store holds after the run: built nodes in, failed nodes out (in modes
        that do not write, built nodes out too)."""
        out = dict(stored)
        if not self.writes:
            # Built but not remembered (off/ro): forget what the table was built from before,
            # or a later run would take the old entry for what is in the table now.
            for result in results:
                if result.status in ("success", "error"):
                    out.pop(result.name, None)
            return out
        for result in results:
            if result.status == "success" and result.name in current:
                out[result.name] = current[result.name]
            elif result.status == "error":
                out.pop(result.name, None)
        return out


def rows_change_each_run(project: Project) -> set[str]:
    """The incremental models and snapshots, and every node downstream of one: nodes whose
    input rows may change from run to run with every fingerprint unchanged."""
    roots = [name for name, model in project.models.items()
             if getattr(model, "materialized", None) in ("incremental", "snapshot")]
    changing = set(roots)
    for name in roots:
        changing |= project.dag.descendants(name)
    return changing

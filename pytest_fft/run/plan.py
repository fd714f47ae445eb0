"""What a run will do, decided before anything is built: pure functions of the project, the
selected nodes, the stored and current fingerprints and the relations the warehouse has.

Nothing here opens an engine, starts a thread or imports pytest; the session
(:mod:`pytest_fft.run.session`) gathers the inputs and hands the plan to the executor.
``existing`` is the engine's :class:`~pytest_fft.engines.relations.ExistingRelations`, which
compares relation names as the warehouse does.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping

from pytest_fft.project.names import relation_for
from pytest_fft.project.records import Model, Project, Seed
from pytest_fft.run.cache_policy import CachePolicy


def built_by(project: Project, name: str) -> Model | Seed | None:
    """The model or seed called ``name`` that builds a relation; None for a check and for
    an ephemeral model (inlined into its dependents, never in the warehouse)."""
    node = project.node(name)
    # By kind, not by class: a project unpickled from the parse cache in a pytest run in
    # the same process (pytester) may hold records of a re-imported module.
    if node.kind == "check" or getattr(node, "materialized", None) == "ephemeral":
        return None
    return node


def is_cold(policy: CachePolicy, nodes: Iterable[str], stored: Mapping[str, str]) -> bool:
    """Whether nothing of this run can be skipped without fingerprinting first: the cache is
    not read, or none of the nodes was built before (a first build)."""
    return not (policy.reads and any(n in stored for n in nodes))


def cached_nodes(project: Project, nodes: Iterable[str], policy: CachePolicy,
                 current: Mapping[str, str], stored: Mapping[str, str],
                 existing: Container[str]) -> frozenset[str]:
    """The nodes whose fingerprint matches their last build and whose relation exists."""
    wanted = [n for n in nodes if stored.get(n) == current.get(n)]
    if not policy.reads or not wanted:
        return frozenset()
    return frozenset(policy.skippable(project, wanted, current, stored, existing))


def changed(name: str, current: Mapping[str, str], stored: Mapping[str, str], relation: str,
            existing: Container[str] | None) -> bool:
    """``state:modified`` for one node: its fingerprint differs from its last build in this
    env, or its relation is missing (``existing`` None: the warehouse is not asked, as by
    the commands that open none)."""
    return stored.get(name) != current.get(name) or (
        existing is not None and relation not in existing)


def modified_nodes(project: Project, current: Mapping[str, str], stored: Mapping[str, str],
                   existing: Container[str] | None) -> set[str]:
    """``state:modified``: the models and seeds :func:`changed` holds for."""
    out = set()
    for name in current:
        node = built_by(project, name)
        if node is not None and changed(name, current, stored, node.relation, existing):
            out.add(name)
    return out


def missing_parents(project: Project, nodes: Iterable[str],
                    existing: Container[str], *, persistent: bool = True,
                    left_alone: Container[str] = ()) -> dict[str, str]:
    """The selected nodes that cannot build: a parent outside the selection, or one this run
    leaves alone (a snapshot under ``fft run``), has no relation. Each gets the reason, with
    the fix (load the seed, take the snapshot, or build or select the parents too)."""
    selected = list(nodes)
    chosen = {n for n in selected if n not in left_alone}
    dag = project.dag
    outside = {p for n in selected if n not in project.checks
               for p in dag.parents[n] if p not in chosen}
    relations = {p: node.relation for p in outside
                 if (node := built_by(project, p)) is not None}
    missing = {p for p, relation in relations.items() if relation not in existing}
    blocked = {}
    for name in selected:
        if name in project.checks:
            continue
        parent = next((p for p in dag.parents[name] if p in missing), None)
        if parent is None:
            continue
        relation = relations[parent]
        if parent in project.seeds and not persistent:
            blocked[name] = (f"seed {parent} is not loaded (relation {relation} is missing), "
                             "and the database is in memory: it holds only what this run "
                             "loads; use `fft build` (seeds and models in one run), or add "
                             "--fft-seed to pytest")
        elif parent in project.seeds:  # seeds load with --fft-seed only
            blocked[name] = (f"seed {parent} is not loaded (relation {relation} is missing); "
                             "run `fft seed` first, or add --fft-seed to pytest (and do not "
                             "--exclude it)")
        elif _is_snapshot(project, parent):
            blocked[name] = (f"snapshot {parent} has never been taken (relation {relation} is "
                             "missing), and fft run leaves snapshots alone; take it with "
                             "`fft snapshot run` first, or run `fft build` (models and "
                             "snapshots in DAG order)")
        elif _is_snapshot(project, name):
            blocked[name] = (f"upstream {parent} is not built (relation {relation} is missing), "
                             "and fft snapshot run takes snapshots only; build it first with "
                             f"`fft run --select +{relation_for(parent)}`, or run `fft build` "
                             "(models and snapshots in DAG order)")
        else:
            blocked[name] = (f"upstream {parent} is not selected and its relation {relation} "
                             f"is missing; select +{relation_for(name)}")
    return blocked


def _is_snapshot(project: Project, name: str) -> bool:
    model = project.models.get(name)
    return model is not None and model.materialized == "snapshot"

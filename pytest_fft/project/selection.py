"""Which nodes a run builds: ``--fft-select`` / ``--fft-exclude`` tokens (pure).

Tokens, combined by union; ``--fft-exclude`` removes what its tokens match:

- ``users`` / ``users.ff`` / ``stg_*``    node names and globs, with or without ``.ff``
- ``tag:finance``                       nodes tagged ``finance``
- ``path:models/marts``                 nodes whose file is under (or globs to) a path
- ``kind:sql`` / ``kind:python`` / ``kind:seed``
- ``type:table`` / ``type:view``          materialization
- ``state:modified``                    nodes whose fingerprint differs from the last build,
                                        or whose relation is missing
- ``+name`` ancestors too, ``name+`` descendants too, ``+name+`` both

Checks from ``project.yml`` are matched by their id, their tags (so the spec's bare legacy
tokens ``batch``, ``streaming`` and ``reconcile`` work as tags), their type (``unique``) and
the tables they read (``users``).

A run builds the selection plus everything it depends on (the spec's
"run only model_b and whatever it depends on"), and the checks of the selected models.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from pytest_fft.errors import SelectionError
from pytest_fft.project.names import relation_for
from pytest_fft.project.records import Project

_METHODS = ("tag", "path", "kind", "type", "state")


def is_empty_token(token: str) -> bool:
    """A selector with nothing but graph operators (``+``, ``++``): it names no node."""
    return not token.strip().strip("+")


def match_token(project: Project, token: str, modified: set[str] | None = None) -> set[str]:
    """Node names matched by one selector token (graph operators applied)."""
    token = token.strip()
    up = token.startswith("+")
    down = token.endswith("+") and len(token) > 1
    core = token.strip("+")
    if is_empty_token(token):
        raise SelectionError(f"empty selector {token!r}", hint="e.g. --fft-select +mart_users")
    base = _match_core(project, core, modified)
    out = set(base)
    for name in base:
        if up:
            out |= project.dag.ancestors(name)
        if down:
            out |= project.dag.descendants(name)
    return out


def _match_core(project: Project, core: str, modified: set[str] | None) -> set[str]:
    method, _, value = core.partition(":")
    nodes = project.nodes
    if value and method in _METHODS:
        if method == "state":
            if value != "modified":
                raise SelectionError(f"unknown state {value!r}", hint="use state:modified")
            if modified is None:
                raise SelectionError("state:modified needs a build (--fft-run) to compare with",
                                     hint="use it with fft run / fft build")
            return set(modified)
        if method == "tag":
            return {n for n, node in nodes.items() if value in node.tags}
        if method == "kind":
            return {n for n, node in nodes.items() if node.kind == value}
        if method == "type":
            return {n for n, node in nodes.items()
                    if getattr(node, "materialized", None) == value}
        prefix = value.rstrip("/")
        return {
            n for n, node in nodes.items()
            if fnmatch.fnmatch(node.rel_path, value) or node.rel_path.startswith(prefix + "/")
            or node.rel_path == prefix
        }
    matched = {
        n for n in nodes
        if n == core or fnmatch.fnmatchcase(n, core) or fnmatch.fnmatchcase(relation_for(n), core)
        or fnmatch.fnmatchcase(n, core + ".ff")
    }
    for name, check in project.checks.items():
        spec = check.spec
        if (core in spec.tags or fnmatch.fnmatchcase(spec.type, core)
                or any(fnmatch.fnmatchcase(t.split(".")[-1], core) for t in spec.tables)):
            matched.add(name)
    return matched


def select_nodes(
    project: Project, select: Iterable[str] = (), exclude: Iterable[str] = (),
    modified: set[str] | None = None,
) -> set[str]:
    """The nodes to run: the selection (all when empty) with the checks of what it matched,
    plus everything that depends on, minus exclusions."""
    select = [t for t in select if t.strip()]
    if select:
        chosen: set[str] = set()
        for token in select:
            chosen |= match_token(project, token, modified)
        # The checks of what was matched come along (``fft build --select X`` tests X too);
        # the ancestors added below are built, not tested.
        for name, check in project.checks.items():
            if check.deps and all(dep in chosen for dep in check.deps):
                chosen.add(name)
        for name in list(chosen):
            chosen |= project.dag.ancestors(name)
    else:
        chosen = set(project.nodes)
    for token in exclude:
        if token.strip():
            chosen -= match_token(project, token, modified)
    return chosen

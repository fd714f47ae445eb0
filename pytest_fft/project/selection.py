"""Which nodes a run builds: ``--fft-select`` / ``--fft-exclude`` tokens (pure).

Tokens, combined by union; ``--fft-exclude`` removes what its tokens match:

- ``users`` / ``users.ff`` / ``stg_*``    node names and globs, with or without ``.ff``
- ``name:users``                        the same, spelled as FastFlowTransform's docs do
- ``model:users``                       models only, by name or glob (as hooks select them)
- ``tag:finance``                       nodes tagged ``finance``
- ``path:models/marts``                 nodes whose file is under (or globs to) a path
- ``kind:sql`` / ``kind:python`` / ``kind:seed``
- ``type:table`` / ``type:view``          materialization
- ``state:modified``                    nodes whose fingerprint differs from the last build,
                                        or whose relation is missing (``state:modified+``:
                                        and their descendants)
- ``result:ok|warn|fail|error|skipped``  nodes by their status in the last run's
                                        ``run_results.json`` (none when there is no such file)
- ``+name`` ancestors too, ``name+`` descendants too, ``+name+`` both
- ``@name``                             dbt's at operator: the node, its descendants and
                                        every ancestor of those
- ``tag:a,tag:b``                        a comma intersects: nodes matching every part

One ``--fft-select`` value may hold several tokens separated by spaces (FastFlowTransform
0.6's ``--select "tag:a tag:b"``); tokens and repeated options are combined by union.
``--fft-changed-since REF`` arrives as the token ``changed-since:REF`` (see
:func:`select_nodes`).

Checks from ``project.yml`` are matched by their id, their tags (so the spec's bare legacy
tokens ``batch``, ``streaming`` and ``reconcile`` work as tags), their type (``unique``) and
the tables they read (``users``).

A run builds the selection plus everything it depends on (the spec's
"run only model_b and whatever it depends on"), and the checks of the selected models.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping
from typing import Any

from pytest_fft.errors import SelectionError
from pytest_fft.project.names import relation_for
from pytest_fft.project.records import Project
from pytest_fft.project.selectors import (
    CHANGED_SINCE,
    RESULT_STATUSES,
    is_empty_token,
    method_problem,
    split_tokens,
)

RUN_RESULTS = (".fastflowtransform", "target", "run_results.json")


def last_run_statuses(project: Project) -> dict[str, str]:
    """Node name -> its status in the last ``run_results.json`` of the project (``success``,
    ``cached``, ``error``, ``skipped``, or ``warn`` for a success with warnings); empty
    when there is no such file, as in FastFlowTransform 0.6 (``result:error`` then selects
    nothing). A file that is not JSON of that shape is an error naming it."""
    path = project.root.joinpath(*RUN_RESULTS)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise SelectionError(
            f"{'/'.join(RUN_RESULTS)} cannot be read for result: selectors: {exc}",
            file="/".join(RUN_RESULTS),
            hint="delete the file (the next fft run writes it again)") from None
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise SelectionError(
            f"{'/'.join(RUN_RESULTS)} has no list of results", file="/".join(RUN_RESULTS),
            hint="delete the file (the next fft run writes it again)")
    out: dict[str, str] = {}
    for entry in results:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        status = str(entry.get("status") or "").lower()
        warnings = entry.get("warnings")
        if status == "success" and isinstance(warnings, int) and warnings > 0:
            status = "warn"
        out[entry["name"]] = status
    return out


def match_token(project: Project, token: str, modified: set[str] | None = None,
                results: Mapping[str, str] | None = None) -> set[str]:
    """Node names matched by one selector token (graph operators applied); ``a,b`` matches
    what both ``a`` and ``b`` match."""
    token = token.strip()
    if "," in token and token not in project.nodes:
        parts = list(token.split(","))
        if any(is_empty_token(part) for part in parts):
            raise SelectionError(f"empty selector in {token!r}",
                                 hint="e.g. --fft-select tag:finance,tag:daily")
        found = match_token(project, parts[0], modified, results)
        for part in parts[1:]:
            found &= match_token(project, part, modified, results)
        return found
    if is_empty_token(token):
        raise SelectionError(f"empty selector {token!r}", hint="e.g. --fft-select +mart_users")
    if token.startswith("@"):  # dbt's at operator: descendants, and what each of them reads
        base = match_token(project, token[1:] + "+", modified, results)
        out = set(base)
        for name in base:
            out |= project.dag.ancestors(name)
        return out
    up = token.startswith("+")
    down = token.endswith("+") and len(token) > 1
    core = token.strip("+")
    base = _match_core(project, core, modified, results)
    out = set(base)
    for name in base:
        if up:
            out |= project.dag.ancestors(name)
        if down:
            out |= project.dag.descendants(name)
    return out


def _match_core(project: Project, core: str, modified: set[str] | None,
                results: Mapping[str, str] | None) -> set[str]:
    method, _, value = core.partition(":")
    nodes = project.nodes
    if ":" in core and core not in nodes:
        problem = method_problem(method, value, core)
        if problem is not None:
            raise problem
        if method == "name":
            return _by_name(nodes, value)
        if method == "model":
            return _by_name(project.models, value)
        if method == "result":
            wanted = RESULT_STATUSES[value.lower()]
            statuses = last_run_statuses(project) if results is None else results
            return {n for n, status in statuses.items() if status in wanted and n in nodes}
        if method == "state":
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
    matched = _by_name(nodes, core)
    for name, check in project.checks.items():
        spec = check.spec
        if (core in spec.tags or fnmatch.fnmatchcase(spec.type, core)
                or any(fnmatch.fnmatchcase(t.split(".")[-1], core) for t in spec.tables)):
            matched.add(name)
    return matched


def _by_name(nodes: Iterable[str], pattern: str) -> set[str]:
    """The names of ``nodes`` that ``pattern`` names or globs, with or without ``.ff``, or
    whose relation it names."""
    return {
        n for n in nodes
        if n == pattern or fnmatch.fnmatchcase(n, pattern)
        or fnmatch.fnmatchcase(relation_for(n), pattern)
        or fnmatch.fnmatchcase(n, pattern + ".ff")
    }


def select_nodes(
    project: Project, select: Iterable[str] = (), exclude: Iterable[str] = (),
    modified: set[str] | None = None, *, results: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> set[str]:
    """The nodes to run: the selection (all when empty) with the checks of what it matched,
    plus everything that depends on, minus exclusions.

    ``changed-since:REF`` tokens (``--fft-changed-since``) narrow it as FastFlowTransform
    0.6's ``--changed-since`` does: the models changed since ``REF`` with everything they
    depend on and everything that depends on them are *affected*; without other
    ``--select``/``--exclude`` tokens the affected nodes are the selection, with them the
    selection is what those tokens keep **and** is affected.
    """
    tokens = split_tokens(select)
    refs = [t[len(CHANGED_SINCE):] for t in tokens if t.startswith(CHANGED_SINCE)]
    tokens = [t for t in tokens if not t.startswith(CHANGED_SINCE)]
    excluded = split_tokens(exclude)
    if tokens:
        chosen: set[str] = set()
        for token in tokens:
            chosen |= match_token(project, token, modified, results)
        _add_checks(project, chosen)
        for name in list(chosen):
            chosen |= project.dag.ancestors(name)
    else:
        chosen = set(project.nodes)
    for token in excluded:
        chosen -= match_token(project, token, modified, results)
    if refs:
        from pytest_fft.project.changes import affected_nodes

        affected: set[str] = set()
        for ref in refs:
            affected |= affected_nodes(project, ref, environ)
        _add_checks(project, affected)
        chosen = chosen & affected if tokens or excluded else affected
    return chosen


def _add_checks(project: Project, chosen: set[str]) -> None:
    """The checks of what was matched come along (``fft build --select X`` tests X too); the
    ancestors added after this are built, not tested."""
    for name, check in project.checks.items():
        if check.deps and all(dep in chosen for dep in check.deps):
            chosen.add(name)


def hook_models(project: Project, spec: Any) -> set[str]:
    """The models a ``before_model``/``after_model`` hook (a
    :class:`pytest_fft.project.hooks.HookSpec`) runs for: those its ``select`` takes, every
    model without one. A selector that cannot be read is an FFTError."""
    everything = set(project.models)
    if not spec.select:
        return everything
    matched: set[str] = set()
    for token in split_tokens([spec.select]):
        matched |= match_token(project, token)
    return matched & everything

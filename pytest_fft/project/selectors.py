"""The syntax of selectors (pure, no project): the methods a ``--select`` token may name
and what is wrong with a token whatever the project holds. :mod:`~pytest_fft.project.selection`
matches tokens against a project; ``project.yml``'s hooks and the command line check their
selectors here before any project loads."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from pytest_fft.errors import SelectionError
from pytest_fft.project.kinds import MATERIALIZATIONS, NODE_KINDS

METHODS = ("tag", "path", "kind", "type", "state", "result", "source", "name", "model")

_EXAMPLES = {"tag": "tag:finance", "path": "path:models/marts", "kind": "kind:python",
             "type": "type:view", "state": "state:modified", "result": "result:error",
             "source": "source:crm", "name": "name:users", "model": "model:users"}

#: The token ``--fft-changed-since REF`` becomes (one per option), read by select_nodes.
CHANGED_SINCE = "changed-since:"

#: ``result:<word>`` -> the ``run_results.json`` statuses it selects. FastFlowTransform 0.6:
#: ``ok`` is a success without warnings, ``fail`` another word for ``error``; a cached node
#: is a success that was not rebuilt.
RESULT_STATUSES: Mapping[str, frozenset[str]] = {
    "ok": frozenset({"success", "cached"}),
    "warn": frozenset({"warn"}),
    "error": frozenset({"error"}),
    "fail": frozenset({"error"}),
    "skipped": frozenset({"skipped"}),
}


def split_tokens(values: Iterable[str]) -> list[str]:
    """The tokens of ``--fft-select`` values: each value may hold several, separated by
    spaces (``--select "tag:a tag:b"``), as FastFlowTransform 0.6 reads them."""
    return [token for value in values for token in str(value).split()]


def is_empty_token(token: str) -> bool:
    """A selector with nothing but graph operators (``+``, ``++``): it names no node."""
    return not token.strip().lstrip("@").strip("+")


def selector_problem(values: Iterable[str]) -> SelectionError | None:
    """What is wrong with a selector of ``values`` (``--select`` values) whatever the project
    holds (an unknown method, an unknown ``result:`` word or ``state:``, a ``source:``
    selector), so that it is said before any project loads (under pytest-xdist: once, by the
    controller); ``None`` otherwise."""
    for token in split_tokens(values):
        for part in token.split(","):
            core = part.strip().lstrip("@").strip("+")
            method, _, value = core.partition(":")
            problem = method_problem(method, value, core) if value or ":" in core else None
            if problem is not None:
                return problem
    return None


def method_problem(method: str, value: str, core: str) -> SelectionError | None:
    """What is wrong with ``core`` (``method:value``, graph operators stripped), else None."""
    if method not in METHODS and method + ":" != CHANGED_SINCE:
        close = difflib.get_close_matches(method, METHODS, n=1)
        return SelectionError(
            f"unknown selector method {method!r} in {core!r}",
            hint=(f"did you mean {close[0]}:{value}? " if close else "")
            + "selectors are names and globs (users, stg_*), "
            + ", ".join(f"{m}:" for m in METHODS) + " and the graph operators + and ,")
    if not value:
        return SelectionError(f"selector {core!r} has no value",
                              hint=f"write {method}:<value>, e.g. " + _EXAMPLES.get(
                                  method, "tag:finance"))
    if method == "kind" and value not in NODE_KINDS:
        return SelectionError(f"unknown kind {value!r}",
                              hint="use " + ", ".join(f"kind:{k}" for k in NODE_KINDS))
    if method == "type" and value not in MATERIALIZATIONS:
        return SelectionError(f"unknown materialization {value!r}",
                              hint="use " + ", ".join(f"type:{t}" for t in MATERIALIZATIONS))
    if method == "result" and value.lower() not in RESULT_STATUSES:
        return SelectionError(f"unknown result {value!r}",
                              hint="use result:ok, result:warn, result:fail, result:error "
                                   "or result:skipped")
    if method == "source":
        return SelectionError(
            f"{core!r} selects source tables, which only fft source freshness checks",
            hint="fft source freshness . --select source:crm; to build what reads a source, "
                 "select those models by name, tag: or path:")
    if method == "state" and value != "modified":
        return SelectionError(f"unknown state {value!r}", hint="use state:modified")
    return None

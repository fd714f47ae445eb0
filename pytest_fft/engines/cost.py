"""Cost guards: what a model's query would scan, asked of the engine before the query runs.

An engine that can estimate the bytes a SELECT reads declares
:class:`~pytest_fft.engines.capabilities.CostEstimate` (DuckDB
and PostgreSQL: their ``EXPLAIN (FORMAT JSON)``). A guard is a byte limit per engine, set by
the registry's variable of the engine (``FF_DUCKDB_MAX_BYTES``, ``FF_PG_MAX_BYTES``, ...) or by
``budgets.yml``'s ``query_limits`` (:mod:`pytest_fft.project.budgets`); the build path asks
for an estimate only when a guard is set (no ``EXPLAIN`` otherwise), and a model whose
estimate exceeds the limit is stopped before its query is sent (:func:`guard_message`).

Values as FastFlowTransform 0.6 reads them (:func:`parse_max_bytes`): a plain integer, or a
number with a unit (``K``/``KB``, ``M``/``MB``, ``G``/``GB``, ``T``/``TB``; powers of 1024;
case, ``_`` and ``,`` ignored). Unset or ``<= 0`` is no guard.

>>> parse_max_bytes("2GB"), parse_max_bytes("1_000"), parse_max_bytes("0")
(2147483648, 1000, None)
>>> format_bytes(123456789)
'117.7 MB'
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pytest_fft.engines.capabilities import CostEstimate as CostEstimate

_UNITS = {"": 1, "B": 1, "K": 1024, "KB": 1024, "M": 1024**2, "MB": 1024**2,
          "G": 1024**3, "GB": 1024**3, "T": 1024**4, "TB": 1024**4}
_VALUE = re.compile(r"(-?\d+(?:\.\d+)?)\s*([A-Z]*)\Z")


@dataclass(frozen=True)
class QueryLimit:
    """A guard: at most ``max_bytes`` per model query; ``source`` is where it was set (the
    variable, or ``budgets.yml query_limits.<engine>.max_bytes``), named in the error."""

    max_bytes: int
    source: str
    variable: str | None = None  # the engine's FF_*_MAX_BYTES, which raises or unsets it


def parse_max_bytes(value: Any, *, what: str = "value") -> int | None:
    """``value`` in bytes; None for unset, empty, ``0`` or negative. ValueError naming
    ``what`` for anything else that is no size."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = int(value)
        return number if number > 0 else None
    text = str(value).strip().upper().replace("_", "").replace(",", "")
    if not text:
        return None
    found = _VALUE.match(text)
    if found is None or found.group(2) not in _UNITS:
        raise ValueError(f"{what} {value!r} is no size: write bytes (5000000000) or a number "
                         "with KB, MB, GB or TB (10GB, 750MB)")
    number = int(float(found.group(1)) * _UNITS[found.group(2)])
    return number if number > 0 else None


def format_bytes(count: int) -> str:
    """``count`` bytes for people: ``117.7 MB`` (powers of 1024, as the limits are read)."""
    size = float(count)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def env_limit(variable: str | None, environ: Mapping[str, str]) -> QueryLimit | None:
    """The guard an engine's ``FF_*_MAX_BYTES`` sets in ``environ`` (None when unset or
    ``<= 0``)."""
    if not variable:
        return None
    raw = environ.get(variable)
    if raw is None:
        return None
    limit = parse_max_bytes(raw, what=variable)
    return QueryLimit(limit, f"{variable}={raw.strip()}", variable) if limit else None


def guard_message(engine_label: str, estimate: int, limit: QueryLimit) -> str:
    """FastFlowTransform 0.6's words for a stopped query."""
    raise_it = limit.variable or "FF_<ENGINE>_MAX_BYTES"
    return (f"Aborting {engine_label} query: estimated scanned bytes {estimate} "
            f"({format_bytes(estimate)}) exceed {limit.source} ({format_bytes(limit.max_bytes)}). "
            f"Increase {raise_it} or unset it to allow this query.")


def plan_nodes(plan: Any) -> Iterator[dict[str, Any]]:
    """Every mapping of a JSON query plan, however the engine nests them (lists of nodes,
    children under any key)."""
    stack = [plan]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            yield node
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))


def plan_bytes(plan: Any, rows_key: str, width_key: str) -> int | None:
    """The largest rows times row width of any node of a JSON query plan (its scans and its
    result); None when no node says both."""
    sizes = [int(node[rows_key] * node[width_key]) for node in plan_nodes(plan)
             if isinstance(node.get(rows_key), (int, float))
             and isinstance(node.get(width_key), (int, float))]
    return max(sizes, default=None)

"""The docs manifest (``fft docgen --emit-json``): FastFlowTransform's JSON shape, for doc
portals and CI checks that read it::

    {"project": "shop", "generated_at": "2026-12-05T10:00:00+00:00",
     "models": [{"name": "users.ff", "relation": "users", "materialized": "table",
                 "kind": "sql", "path": "models/users.ff.sql", "tags": [],
                 "description": "...",
                 "columns": [{"name": "id", "dtype": "INTEGER", "nullable": null,
                              "description": "...", "lineage": {...} or null}],
                 "depends_on": ["seed_users"], "used_by": ["mart_users.ff"]}],
     "macros": [{"name": "cents", "kind": "sql", "path": "models/macros/money.sql",
                 "line": 1, "arguments": ["column"]}]}

Seeds are listed with the models (``materialized`` ``seed``): a lineage that names a seed's
column then leads somewhere. A column's ``lineage`` is
:func:`pytest_fft.docs.lineage.to_manifest`'s, ``null`` when it was not traced.

Pure: a :class:`~pytest_fft.docs.catalog.Catalog` in, a dictionary out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pytest_fft.docs.catalog import Catalog, ColumnDoc, NodeDoc


def manifest(catalog: Catalog, generated_at: datetime) -> dict[str, Any]:
    return {"project": catalog.project, "generated_at": generated_at.isoformat(),
            "models": [_node(node) for node in catalog.nodes],
            "macros": [{"name": m.name, "kind": m.kind, "path": m.path, "line": m.line,
                        "arguments": list(m.arguments)} for m in catalog.macros]}


def _node(node: NodeDoc) -> dict[str, Any]:
    return {"name": node.name, "relation": node.relation, "materialized": node.materialized,
            "kind": node.kind, "path": node.path, "tags": list(node.tags),
            "description": node.description,
            "columns": [_column(column) for column in node.columns],
            "depends_on": list(node.depends_on), "used_by": list(node.used_by)}


def _column(column: ColumnDoc) -> dict[str, Any]:
    from pytest_fft.docs.lineage import to_manifest

    return {"name": column.name, "dtype": column.dtype, "nullable": column.nullable,
            "description": column.description,
            "lineage": to_manifest(column.lineage) if column.lineage is not None else None}

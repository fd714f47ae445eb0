"""Node names and relation names, the one place that knows the ``.ff`` convention.

A SQL model ``models/users.ff.sql`` is the node ``users.ff`` and builds the relation
``users``; a Python model is named by ``@model(name=...)`` and builds the relation of
the same name (minus a trailing ``.ff``, if someone wrote one).

>>> relation_for("users.ff")
'users'
>>> relation_for("users_enriched")
'users_enriched'
"""

from __future__ import annotations

from pathlib import Path

SQL_SUFFIX = ".ff.sql"
SEED_SUFFIXES = (".csv", ".parquet")  # files under seeds/ that load as tables
PY_SUFFIX = ".ff.py"


def relation_for(node_name: str) -> str:
    """The physical relation a node builds: its name without a trailing ``.ff``."""
    return node_name[:-3] if node_name.endswith(".ff") else node_name


def sql_node_name(path: Path) -> str:
    """``models/users.ff.sql`` -> ``users.ff``."""
    return path.name[: -len(".sql")]


def is_model_file(path: Path) -> bool:
    return path.name.endswith(SQL_SUFFIX) or path.name.endswith(PY_SUFFIX)

"""names.py: the one place that knows the ``.ff`` convention."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_fft.project.names import is_model_file, relation_for, sql_node_name


@pytest.mark.parametrize(
    ("node", "relation"),
    [
        ("users.ff", "users"),
        ("users_enriched", "users_enriched"),
        ("mart_users.ff", "mart_users"),
        ("seed_users", "seed_users"),
        ("ff", "ff"),  # no dot: not the suffix
        ("stuff", "stuff"),  # ends with "ff" but not ".ff"
        ("a.ff.ff", "a.ff"),  # only one trailing .ff is removed
        ("x.ffx", "x.ffx"),
    ],
)
def test_relation_for(node: str, relation: str) -> None:
    assert relation_for(node) == relation


@pytest.mark.parametrize(
    ("path", "node"),
    [
        ("models/users.ff.sql", "users.ff"),
        ("models/marts/customer_revenue.ff.sql", "customer_revenue.ff"),
        ("/abs/models/x.ff.sql", "x.ff"),
    ],
)
def test_sql_node_name(path: str, node: str) -> None:
    assert sql_node_name(Path(path)) == node


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("users.ff.sql", True),
        ("users.ff.py", True),
        ("users.sql", False),
        ("users.py", False),
        ("users.ff.sql.bak", False),
    ],
)
def test_is_model_file(name: str, expected: bool) -> None:
    assert is_model_file(Path("models") / name) is expected

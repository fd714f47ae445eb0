"""dag_site.py: the nodes the docs draw, and the DAG as text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytest_fft import load_project
from pytest_fft.docs.dag_site import dag_nodes, render_text
from pytest_fft.docs.mermaid import mermaid
from pytest_fft.project.selection import select_nodes


def test_text_lists_levels_and_what_each_node_reads(simple_project: Path) -> None:
    project = load_project(simple_project)
    assert render_text(dag_nodes(project, project.dag.order)) == "\n".join([
        "level 0",
        "  seed_orders (seed)",
        "  seed_users (seed)",
        "level 1",
        "  orders.ff (sql, table) <- seed_orders",
        "  users.ff (sql, table) <- seed_users",
        "level 2",
        "  users_enriched (python, table) <- users.ff",
        "level 3",
        "  mart_orders_enriched (python, table) <- orders.ff, users_enriched",
        "  mart_users.ff (sql, table) <- users_enriched",
    ])


def test_a_selection_shows_the_node_and_its_ancestors_only(simple_project: Path) -> None:
    project = load_project(simple_project)
    nodes = dag_nodes(project, select_nodes(project, ["mart_users"]))
    assert [n.name for n in nodes] == ["seed_users", "users.ff", "users_enriched",
                                       "mart_users.ff"]


def test_a_quote_in_a_name_is_escaped_for_mermaid(project_dir: Callable[..., Path]) -> None:
    root = project_dir({"project.yml": "name: p\n",
                        "models/p.ff.py": "from pytest_fft import model\n"
                                          "@model(name='say \"hi\"')\ndef f():\n    return None\n"})
    project = load_project(root)
    assert mermaid(dag_nodes(project, project.dag.order)).splitlines()[1] == (
        '  n_say__hi_["say #quot;hi#quot;"]')

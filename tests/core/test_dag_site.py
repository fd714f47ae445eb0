"""dag_site.py: the DAG as text, Mermaid and one HTML page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pytest_fft import load_project
from pytest_fft.docs.dag_site import dag_nodes, mermaid, render_html, render_text
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


def test_mermaid_has_every_node_and_edge(simple_project: Path) -> None:
    project = load_project(simple_project)
    text = mermaid(dag_nodes(project, select_nodes(project, ["users_enriched"])))
    assert text == "\n".join([
        "flowchart LR",
        '  n0["seed_users"]',
        '  n1["users.ff"]',
        '  n2["users_enriched"]',
        "  n0 --> n1",
        "  n1 --> n2",
    ])


def test_the_page_draws_each_node_once_and_links_it_to_its_entry(simple_project: Path) -> None:
    project = load_project(simple_project)
    nodes = dag_nodes(project, project.dag.order)
    page = render_html("demo", nodes, {"users": [("id", "INTEGER"), ("email", "VARCHAR")]})
    assert page.count("<rect ") == 7
    assert page.count('class="edge"') == 6  # every dependency between the 7 nodes
    anchors = re.findall(r'<div class="entry" id="([^"]+)">', page)
    assert len(set(anchors)) == 7
    assert all(f'href="#{a}"' in page for a in anchors)
    assert "<code>email</code> VARCHAR" in page  # the columns of users, from the warehouse
    assert "<script" not in page  # works offline, no JavaScript


def test_anchors_stay_unique_when_names_differ_only_in_punctuation(
        project_dir: Callable[..., Path]) -> None:
    root = project_dir({"project.yml": "name: p\n", "models/a-b.ff.sql": "select 1 as x\n",
                        "models/a_b.ff.sql": "select 2 as x\n"})
    project = load_project(root)
    page = render_html("p", dag_nodes(project, project.dag.order), None)
    anchors = re.findall(r'<div class="entry" id="([^"]+)">', page)
    assert len(anchors) == 2 and len(set(anchors)) == 2


def test_a_quote_in_a_name_is_escaped_for_mermaid(project_dir: Callable[..., Path]) -> None:
    root = project_dir({"project.yml": "name: p\n",
                        "models/p.ff.py": "from pytest_fft import model\n"
                                          "@model(name='say \"hi\"')\ndef f():\n    return None\n"})
    project = load_project(root)
    assert mermaid(dag_nodes(project, project.dag.order)).splitlines()[1] == (
        '  n0["say #quot;hi#quot;"]')

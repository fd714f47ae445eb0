"""The DAG as Mermaid text: stable ids, edges from parents, styled by kind, labels that
cannot break out of their quotes."""

from __future__ import annotations

from pytest_fft.docs.dag_site import DagNode
from pytest_fft.docs.mermaid import mermaid, node_ids


def node(name: str, kind: str = "sql", parents: tuple[str, ...] = (),
         materialized: str = "table") -> DagNode:
    return DagNode(name, kind, 0, name, f"models/{name}", parents, materialized)


def test_ids_are_the_names_made_safe_and_distinct() -> None:
    ids = node_ids(["users.ff", "users_ff", "end", "1st"])
    assert ids["end"] == "n_end" and ids["1st"] == "n_1st"
    # users.ff and users_ff would share n_users_ff: each gets a hash of its own name.
    assert ids["users.ff"] != ids["users_ff"]
    assert ids["users.ff"].startswith("n_users_ff_") and len(ids["users.ff"]) == 17
    assert node_ids(["users.ff", "users_ff"]) == {k: ids[k] for k in ("users.ff", "users_ff")}


def test_a_graph_with_every_kind() -> None:
    text = mermaid([
        node("seed_users", "seed", materialized=""),
        node("stg.ff", materialized="ephemeral", parents=("seed_users",)),
        node("users", "python", parents=("stg.ff",)),
        node("users_snap", materialized="snapshot", parents=("users",)),
        node('odd "<b>"', parents=("users",)),
    ])
    assert text.splitlines() == [
        "flowchart LR",
        '  n_seed_users[("seed_users")]',
        '  n_stg_ff["stg.ff"]',
        '  n_users["users"]',
        '  n_users_snap["users_snap"]',
        '  n_odd___b__["odd #quot;#lt;b#gt;#quot;"]',
        "  n_seed_users --> n_stg_ff",
        "  n_stg_ff --> n_users",
        "  n_users --> n_users_snap",
        "  n_users --> n_odd___b__",
        "  classDef ephemeral fill:#fafafa,stroke:#757575,color:#424242,stroke-dasharray:4 3",
        "  classDef python fill:#fff8e1,stroke:#f9a825,color:#6d4c00",
        "  classDef seed fill:#e8f5e9,stroke:#2e7d32,color:#1b5e20",
        "  classDef snapshot fill:#f3e5f5,stroke:#6a1b9a,color:#4a148c",
        "  classDef sql fill:#e3f2fd,stroke:#1565c0,color:#0d47a1",
        "  class n_stg_ff ephemeral",
        "  class n_users python",
        "  class n_seed_users seed",
        "  class n_users_snap snapshot",
        "  class n_odd___b__ sql",
    ]


def test_a_parent_outside_the_selection_draws_no_edge() -> None:
    assert "-->" not in mermaid([node("b", parents=("a",))])

"""dag.py: deterministic order and levels, graph walks, cycle errors."""

from __future__ import annotations

import itertools
import random

import pytest

from pytest_fft import Dag, topo_sort
from pytest_fft.errors import ModelCycleError

# The simple_duckdb graph plus an isolated node.
PARENTS = {
    "seed_users": (),
    "seed_orders": (),
    "users.ff": ("seed_users",),
    "orders.ff": ("seed_orders",),
    "users_enriched": ("users.ff",),
    "mart_users.ff": ("users_enriched",),
    "mart_orders_enriched": ("orders.ff", "users_enriched"),
    "lonely.ff": (),
}


def test_order_and_levels() -> None:
    dag = Dag(PARENTS)
    assert dag.order == ("lonely.ff", "seed_orders", "seed_users", "orders.ff", "users.ff",
                         "users_enriched", "mart_orders_enriched", "mart_users.ff")
    assert dag.levels == (
        ("lonely.ff", "seed_orders", "seed_users"),
        ("orders.ff", "users.ff"),
        ("users_enriched",),
        ("mart_orders_enriched", "mart_users.ff"),
    )
    assert [dag.level_of(n) for n in ("seed_users", "users.ff", "mart_orders_enriched")] == [
        0, 1, 3]
    assert topo_sort(PARENTS) == list(dag.order)


def test_level_is_the_longest_path_from_a_root() -> None:
    dag = Dag({"a": (), "b": ("a",), "c": ("b",), "d": ("a", "c")})
    assert dag.levels == (("a",), ("b",), ("c",), ("d",))


def test_parents_come_before_children() -> None:
    dag = Dag(PARENTS)
    position = {name: i for i, name in enumerate(dag.order)}
    for name, deps in PARENTS.items():
        assert all(position[d] < position[name] for d in deps)


def test_parents_and_children_are_sorted_tuples() -> None:
    dag = Dag({"c": ("b", "a", "a"), "b": (), "a": ()})
    assert dag.parents == {"a": (), "b": (), "c": ("a", "b")}
    assert dag.children == {"a": ("c",), "b": ("c",), "c": ()}
    assert list(dag.parents) == ["a", "b", "c"]


def test_ancestors_and_descendants() -> None:
    dag = Dag(PARENTS)
    assert dag.ancestors("mart_orders_enriched") == {
        "orders.ff", "seed_orders", "users_enriched", "users.ff", "seed_users"}
    assert dag.ancestors("seed_users") == set()
    assert dag.descendants("seed_users") == {
        "users.ff", "users_enriched", "mart_users.ff", "mart_orders_enriched"}
    assert dag.descendants("mart_users.ff") == set()
    assert dag.ancestors("lonely.ff") == dag.descendants("lonely.ff") == set()


def test_diamond_walks_visit_once() -> None:
    dag = Dag({"a": (), "b": ("a",), "c": ("a",), "d": ("b", "c")})
    assert dag.descendants("a") == {"b", "c", "d"}
    assert dag.ancestors("d") == {"a", "b", "c"}


def test_container_protocol() -> None:
    dag = Dag(PARENTS)
    assert len(dag) == 8
    assert "users.ff" in dag
    assert "users" not in dag


def test_empty() -> None:
    dag = Dag({})
    assert (dag.order, dag.levels, len(dag)) == ((), (), 0)


@pytest.mark.parametrize("seed", range(5))
def test_same_result_for_any_insertion_order(seed: int) -> None:
    reference = Dag(PARENTS)
    items = list(PARENTS.items())
    random.Random(seed).shuffle(items)
    shuffled = Dag({name: tuple(reversed(deps)) for name, deps in items})
    assert shuffled.order == reference.order
    assert shuffled.levels == reference.levels
    assert shuffled.parents == reference.parents
    assert list(shuffled.parents) == list(reference.parents)
    assert shuffled.children == reference.children


def test_every_permutation_of_a_small_graph_agrees() -> None:
    parents = {"b": ("a",), "a": (), "c": ("a",), "d": ("c", "b")}
    results = {
        (Dag(dict(perm)).order, Dag(dict(perm)).levels)
        for perm in itertools.permutations(parents.items())
    }
    assert results == {(("a", "b", "c", "d"), (("a",), ("b", "c"), ("d",)))}


@pytest.mark.parametrize(
    ("parents", "message", "node"),
    [
        ({"a.ff": ("b",), "b": ("a.ff",)}, "Cycle detected among nodes: a.ff -> b -> a.ff",
         "a.ff"),
        ({"a": ("c",), "b": ("a",), "c": ("b",), "root": ()},
         "Cycle detected among nodes: a -> b -> c -> a", "a"),
        ({"x": ("x",)}, "Cycle detected among nodes: x -> x", "x"),
        ({"a": (), "m": ("a", "n"), "n": ("m",), "z": ("n",)},
         "Cycle detected among nodes: m -> n -> m", "m"),
    ],
)
def test_cycles(parents: dict, message: str, node: str) -> None:
    with pytest.raises(ModelCycleError) as info:
        Dag(parents)
    assert info.value.message == message
    assert info.value.node == node
    assert info.value.hint == (
        "remove one of these ref()/deps so the models no longer read each other")


def test_cycle_message_is_deterministic() -> None:
    parents = {"a": ("c",), "b": ("a",), "c": ("b",)}
    messages = set()
    for perm in itertools.permutations(parents.items()):
        with pytest.raises(ModelCycleError) as info:
            Dag(dict(perm))
        messages.add(info.value.message)
    assert messages == {"Cycle detected among nodes: a -> b -> c -> a"}

"""The build plan: pure decisions from fingerprints and the relations that exist."""

from __future__ import annotations

from pytest_fft.engines.relations import ExistingRelations
from pytest_fft.project.loader import load_project
from pytest_fft.run import plan
from pytest_fft.run.cache_policy import CachePolicy


def _project(make_project):
    return load_project(make_project({
        "seeds/seed_users.csv": "id,email\n1,a@x\n",
        "models/users.ff.sql": "select id, email from {{ source('raw', 'users') }}\n",
        "models/mart.ff.sql": "select count(*) as n from {{ ref('users.ff') }}\n",
        "sources.yml": "version: 2\nsources:\n  - name: raw\n    tables:\n"
                       "      - name: users\n        identifier: seed_users\n",
        "project.yml": "name: p\nversion: 1\ntests:\n  - type: not_null\n    table: users\n"
                       "    column: id\n",
    }))


def _existing(*names: str) -> ExistingRelations:
    return ExistingRelations(frozenset(n.lower() for n in names), str.lower)


def test_a_parent_outside_the_selection_without_a_relation_blocks_its_child(make_project):
    project = _project(make_project)
    assert plan.missing_parents(project, ["mart.ff"], _existing("seed_users")) == {
        "mart.ff": "upstream users.ff is not selected and its relation users is missing; "
                   "select +mart"}
    assert plan.missing_parents(project, ["mart.ff"], _existing("USERS")) == {}
    assert plan.missing_parents(project, ["users.ff", "mart.ff"], _existing()) == {
        "users.ff": "seed seed_users is not loaded (relation seed_users is missing); run "
                    "`fft seed` first, or add --fft-seed to pytest (and do not --exclude it)"}


def test_modified_nodes_are_changed_fingerprints_and_missing_relations(make_project):
    project = _project(make_project)
    current = {"seed_users": "s1", "users.ff": "u2", "mart.ff": "m1"}
    stored = {"seed_users": "s1", "users.ff": "u1", "mart.ff": "m1"}
    existing = _existing("seed_users", "users")
    assert plan.modified_nodes(project, current, stored, existing) == {"users.ff", "mart.ff"}


def test_only_unchanged_nodes_with_a_relation_are_cached(make_project):
    project = _project(make_project)
    current = {"seed_users": "s1", "users.ff": "u1", "mart.ff": "m2"}
    stored = {"seed_users": "s1", "users.ff": "u1", "mart.ff": "m1"}
    nodes = ["seed_users", "users.ff", "mart.ff"]
    existing = _existing("seed_users", "mart")
    assert plan.cached_nodes(project, nodes, CachePolicy("rw"), current, stored,
                             existing) == {"seed_users"}
    assert plan.cached_nodes(project, nodes, CachePolicy("wo"), current, stored,
                             existing) == frozenset()
    assert plan.is_cold(CachePolicy("rw"), nodes, {}) is True
    assert plan.is_cold(CachePolicy("rw"), nodes, stored) is False
    assert plan.is_cold(CachePolicy("off"), nodes, stored) is True

"""sources.yml: the v0.4 flat form and the list form (version 1 and 2)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_fft.errors import ProjectFileError
from pytest_fft.project.sources import Source, load_sources


def read(tmp_path: Path, text: str) -> dict:
    path = tmp_path / "sources.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_sources(path)


def relations(sources: dict) -> dict[tuple[str, str], str]:
    return {key: src.relation for key, src in sources.items()}


FLAT = """\
crm:
  users:
    identifier: seed_users
  accounts: {}
erp:
  orders: {identifier: seed_orders, schema: raw}
  items:
"""

LIST_V2 = """\
version: 2
sources:
  - name: crm
    tables:
      - name: users
        identifier: seed_users
      - name: accounts
  - name: erp
    schema: raw
    description: the ERP export
    tables:
      - name: orders
        identifier: seed_orders
      - name: items
        schema: staging
      - events
"""


def test_flat_form(tmp_path: Path) -> None:
    sources = read(tmp_path, FLAT)
    assert list(sources) == [("crm", "users"), ("crm", "accounts"), ("erp", "orders"),
                             ("erp", "items")]
    assert sources[("crm", "users")] == Source("crm", "users", "seed_users", None, line=2)
    assert sources[("crm", "accounts")] == Source("crm", "accounts", "accounts", None, line=4)
    assert sources[("erp", "orders")] == Source("erp", "orders", "seed_orders", "raw", line=6)
    assert sources[("erp", "items")] == Source("erp", "items", "items", None, line=7)
    assert relations(sources) == {
        ("crm", "users"): "seed_users",
        ("crm", "accounts"): "accounts",
        ("erp", "orders"): "raw.seed_orders",
        ("erp", "items"): "items",
    }


@pytest.mark.parametrize("version", ["version: 2\n", "version: 1\n", ""])
def test_list_form(tmp_path: Path, version: str) -> None:
    text = LIST_V2.replace("version: 2\n", version)
    shift = 0 if version else -1
    sources = read(tmp_path, text)
    assert relations(sources) == {
        ("crm", "users"): "seed_users",
        ("crm", "accounts"): "accounts",
        ("erp", "orders"): "raw.seed_orders",  # the source's schema applies to its tables
        ("erp", "items"): "staging.items",  # a table's own schema wins
        ("erp", "events"): "raw.events",  # a bare string is a table name
    }
    assert sources[("crm", "users")].line == 5 + shift
    assert sources[("erp", "orders")].line == 12 + shift
    assert sources[("erp", "orders")].schema == "raw"
    assert sources[("erp", "orders")].identifier == "seed_orders"


def test_flat_and_list_forms_mean_the_same(tmp_path: Path) -> None:
    flat = read(tmp_path, "crm:\n  users: {identifier: seed_users}\n")
    listed = read(tmp_path, "version: 2\nsources:\n  - name: crm\n    tables:\n"
                            "      - {name: users, identifier: seed_users}\n")
    assert relations(flat) == relations(listed) == {("crm", "users"): "seed_users"}


@pytest.mark.parametrize(
    "text",
    ["", "# only a comment\n", "version: 2\n", "version: 2\nsources: []\n",
     "version: 2\nsources:\n  - name: crm\n"],
)
def test_empty_files_mean_no_sources(tmp_path: Path, text: str) -> None:
    assert read(tmp_path, text) == {}


def test_missing_file_means_no_sources(tmp_path: Path) -> None:
    assert load_sources(tmp_path / "sources.yml") == {}


def test_descriptive_keys_are_accepted(tmp_path: Path) -> None:
    sources = read(tmp_path, """\
        crm:
          users:
            identifier: seed_users
            description: people
            columns: {id: primary key}
            tags: [pii]
            freshness: {warn_after: {count: 1, period: day}}
        """)
    assert relations(sources) == {("crm", "users"): "seed_users"}


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        pytest.param(
            "- crm\n",
            "sources.yml must be a mapping of sources", 1, id="top-level-list"),
        pytest.param(
            "crm: [users]\n",
            "sources.yml: source 'crm' must map table names to settings", 1, id="flat-list"),
        pytest.param(
            "crm:\n  users: {}\nerp: 3\n",
            "sources.yml: source 'erp' must map table names to settings", 3, id="flat-scalar"),
        pytest.param(
            "crm:\n  users:\n    identifer: seed_users\n",
            "sources.yml: unknown key 'identifer' in source crm.users", 3, id="flat-typo"),
        pytest.param(
            "version: 3\nsources: []\n",
            "sources.yml: version 3 is not supported", 1, id="bad-version"),
        pytest.param(
            "version: 2\nsources: {crm: {}}\n",
            "sources.yml: 'sources' must be a list", 2, id="sources-not-list"),
        pytest.param(
            "version: 2\nsources:\n  - name: crm\n    tables: []\n  - tables: []\n",
            "sources.yml: each source needs a 'name'", 5, id="source-without-name"),
        pytest.param(
            "version: 2\nsources:\n  - crm\n",
            "sources.yml: each source needs a 'name'", 3, id="source-is-string"),
        pytest.param(
            "version: 2\nsources:\n  - name: crm\n    tables:\n      - name: a\n"
            "      - identifier: x\n",
            "sources.yml: each table of source 'crm' needs a 'name'", 6, id="table-without-name"),
        pytest.param(
            "version: 2\nsources:\n  - name: crm\n    tables:\n"
            "      - {name: users, identifer: x}\n",
            "sources.yml: unknown key 'identifer' in source crm.users", 5, id="list-typo"),
        pytest.param(
            "crm:\n  users: {identifier: seed_users\n",
            "sources.yml is not valid YAML: expected ',' or '}', but got '<stream end>'", 3,
            id="bad-yaml"),
    ],
)
def test_bad_input(tmp_path: Path, text: str, message: str, line: int) -> None:
    with pytest.raises(ProjectFileError) as info:
        read(tmp_path, text)
    err = info.value
    assert err.message == message
    assert err.file == "sources.yml"
    assert err.line == line
    assert f"sources.yml:{line}" in str(err)


OVERRIDES = """\
version: 2
sources:
  - name: raw
    schema: staging
    overrides:
      postgres: {schema: raw_main}
    tables:
      - name: users
        identifier: seed_users
        overrides:
          duckdb: {schema: main}
          databricks_spark: {format: delta, location: /mnt/delta/raw/seed_users}
      - name: orders
        schema: sales
      - name: events
        overrides:
          Postgres: {schema: pg_events, identifier: events_v2}
"""


@pytest.mark.parametrize(("engine", "expected"), [
    (None, {"users": "staging.seed_users", "orders": "sales.orders", "events": "staging.events"}),
    ("duckdb", {"users": "main.seed_users", "orders": "sales.orders",
                "events": "staging.events"}),
    ("postgres", {"users": "raw_main.seed_users", "orders": "sales.orders",
                  "events": "pg_events.events_v2"}),
])
def test_engine_overrides_apply_weakest_first(tmp_path: Path, engine: str | None,
                                              expected: dict[str, str]) -> None:
    path = tmp_path / "sources.yml"
    path.write_text(OVERRIDES)
    sources = load_sources(path, engine=engine)
    assert {t: sources[("raw", t)].relation for t in expected} == expected


def test_an_unknown_override_key_is_an_error_with_the_allowed_keys(tmp_path: Path) -> None:
    path = tmp_path / "sources.yml"
    path.write_text("version: 2\nsources:\n  - name: raw\n    tables:\n      - name: users\n"
                    "        overrides:\n          postgres: {schemaa: raw}\n")
    with pytest.raises(ProjectFileError) as info:
        load_sources(path, engine="duckdb")
    assert info.value.message == ("sources.yml: unknown key 'schemaa' in overrides.postgres of "
                                  "source raw.users")
    assert info.value.line == 7
    assert "schema, identifier" in (info.value.hint or "")

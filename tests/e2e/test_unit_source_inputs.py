"""Unit cases of models that read a source no seed fills (a table some loader writes): the
case gives the source's rows as an input, keyed by the relation the SQL names, by
``<source>.<table>`` or by the table, on DuckDB and PostgreSQL, inline or from a CSV file,
with the model's column qualifiers kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import Warehouse

pytestmark = pytest.mark.warehouses("duckdb", "postgres", "spark")

FILES = {
    "sources.yml": "version: 2\nsources:\n  - name: raw\n    schema: landing\n"
                   "    tables:\n      - name: events\n  - name: crm\n"
                   "    tables:\n      - name: accounts\n",
    "seeds/seed_kinds.csv": "kind,label\nA,alpha\nB,beta\n",
    "models/clean_events.ff.sql":
        "select events.id, upper(events.kind) as kind\n"
        "from {{ source('raw', 'events') }}\nwhere events.id > 0\n",
    "models/labelled.ff.sql":
        "select e.id, k.label, a.owner\n"
        "from {{ ref('clean_events.ff') }} e\n"
        "join {{ ref('seed_kinds') }} k on k.kind = e.kind\n"
        "join {{ source('crm', 'accounts') }} a on a.id = e.id\n",
    "tests/unit/events.csv": "id,kind\n1,a\n-1,b\n",
    "tests/unit/clean_events.yml": """
        model: clean_events.ff
        cases:
          - name: by_source_and_table
            inputs:
              raw.events:
                rows:
                  - {id: 1, kind: "a"}
                  - {id: 0, kind: "b"}
            expect:
              rows:
                - {id: 1, kind: "A"}
          - name: by_relation_from_csv
            inputs:
              landing.events: {csv: events.csv}
            expect:
              rows:
                - {id: 1, kind: "A"}
          - name: wrong_on_purpose
            inputs:
              events:
                rows:
                  - {id: 2, kind: "b"}
            expect:
              rows:
                - {id: 2, kind: "C"}
        """,
    "tests/unit/labelled.yml": """
        model: labelled.ff
        cases:
          - name: ref_seed_and_source
            inputs:
              clean_events:
                rows:
                  - {id: 1, kind: "A"}
                  - {id: 2, kind: "B"}
              seed_kinds:
                rows:
                  - {kind: "A", label: "alpha"}
                  - {kind: "B", label: "beta"}
              accounts:
                rows:
                  - {id: 2, owner: "ops"}
            expect:
              rows:
                - {id: 2, label: "beta", owner: "ops"}
        """,
}


def test_a_case_gives_the_rows_of_a_source(make_project: Callable[..., Path],
                                          warehouse: Warehouse, run_fft) -> None:
    root = make_project({**FILES, "profiles.yml": warehouse.profile}, name="srcs")
    result = run_fft("utest", str(root), "--env", "dev")
    assert result.returncode == 2, result.output  # a failed case, as a failed check
    engine = {"postgres": "PG", "spark": "SPK"}.get(warehouse.engine, "DUCK")
    for case in ("by_source_and_table", "by_relation_from_csv", "ref_seed_and_source"):
        assert f"✓ {case}" in result.stdout, result.output
        assert f" {engine} " in result.stdout
    assert "✗ wrong_on_purpose" in result.stdout
    assert "-2,C\n+2,B" in result.output
    assert "Done: 3 ok, 1 failed" in result.stdout
    # Nothing was built in the warehouse (DuckDB's file is not even made).
    if warehouse.engine == "duckdb":
        assert not (root / ".local" / "dev.duckdb").exists()
    else:
        assert not {"clean_events", "labelled", "events", "accounts"} & \
            warehouse.relation_names(root)


def test_a_case_without_the_sources_rows_names_the_input(make_project: Callable[..., Path],
                                                          warehouse: Warehouse,
                                                          run_fft) -> None:
    files = {**FILES, "profiles.yml": warehouse.profile,
             "tests/unit/clean_events.yml": "model: clean_events.ff\ncases:\n"
                                            "  - name: none\n    inputs: {}\n"
                                            "    expect: {rows: []}\n"}
    files.pop("tests/unit/labelled.yml")
    root = make_project(files, name="srcs")
    result = run_fft("utest", str(root), "--env", "dev")
    assert result.returncode == 1
    assert ("case none: model clean_events.ff reads landing.events but the case gives no "
            "input `landing.events`") in result.output
    assert "tests/unit/clean_events.yml:3" in result.output


def test_a_source_a_seed_fills_may_be_named_as_the_source(simple_project: Path,
                                                         run_fft) -> None:
    (simple_project / "tests" / "unit" / "users.yml").write_text(
        "model: users.ff\ncases:\n"
        "  - name: by_source\n    inputs:\n      crm.users:\n        rows:\n"
        "          - {id: 1, email: a@x.org}\n"
        "    expect:\n      rows:\n        - {id: 1, email: a@x.org}\n"
        "  - name: by_seed\n    inputs:\n      seed_users:\n        rows:\n"
        "          - {id: 2, email: b@x.org}\n"
        "    expect:\n      rows:\n        - {id: 2, email: b@x.org}\n")
    result = run_fft("utest", str(simple_project), "--model", "users")
    assert result.returncode == 0, result.output
    assert "✓ by_source" in result.stdout and "✓ by_seed" in result.stdout
    assert "Done: 2 ok" in result.stdout

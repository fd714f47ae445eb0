"""``freshness:`` in sources.yml (pure): both spellings, a source's block for its tables,
what cannot be checked, and which rules --select/--exclude keep."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_fft.checks.freshness import rules
from pytest_fft.errors import ProjectFileError, SelectionError
from pytest_fft.project.sources import FreshnessRule, Source, load_sources

SOURCES = """\
    version: 2
    sources:
      - name: crm
        schema: raw
        tags: [critical_source]
        freshness:
          loaded_at_field: _ff_loaded_at
          warn_after: {count: 1, period: hour}
        tables:
          - name: orders
            identifier: seed_orders
            freshness:
              error_after: {count: 2, period: day}
          - name: customers
            freshness:
              warn_after_minutes: 30
              max_delay_minutes: 90
          - name: notes
            freshness: null
      - name: web
        tables:
          - name: events
            tags: [experimental]
            freshness:
              loaded_at_field: ts
              warn_after_minutes: 5
              error_after_minutes: 10
          - name: pages
"""


def load(tmp_path: Path, text: str) -> dict[tuple[str, str], Source]:
    path = tmp_path / "sources.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_sources(path)


def test_both_spellings_and_a_sources_block(tmp_path: Path) -> None:
    sources = load(tmp_path, SOURCES)
    assert sources["crm", "orders"].freshness == FreshnessRule("_ff_loaded_at", 60.0, 2880.0,
                                                               line=12)
    # max_delay_minutes is the error threshold; the table's warn_after_minutes wins.
    assert sources["crm", "customers"].freshness == FreshnessRule("_ff_loaded_at", 30.0, 90.0,
                                                                  line=15)
    assert sources["crm", "notes"].freshness is None  # freshness: null turns it off
    assert sources["web", "events"].freshness == FreshnessRule("ts", 5.0, 10.0, line=24)
    assert sources["web", "pages"].freshness is None
    assert sources["crm", "orders"].tags == ("critical_source",)
    assert sources["crm", "orders"].relation == "raw.seed_orders"


def test_selectors_of_fft_source_freshness(tmp_path: Path) -> None:
    sources = load(tmp_path, SOURCES)

    def names(select: list[str], exclude: list[str] = []) -> list[str]:  # noqa: B006
        return [f"{s.source_name}.{s.table_name}" for s in rules(sources, select, exclude)]

    assert names([]) == ["crm.customers", "crm.orders", "web.events"]
    assert names(["source:crm"]) == ["crm.customers", "crm.orders"]
    assert names(["source:crm.orders"]) == ["crm.orders"]
    assert names(["tag:critical_source"]) == ["crm.customers", "crm.orders"]
    assert names(["source:crm source:web"], ["tag:experimental"]) == [
        "crm.customers", "crm.orders"]
    assert names(["events", "crm.cust*"]) == ["crm.customers", "web.events"]
    assert names(["source:crm,tag:critical_source"], ["orders"]) == ["crm.customers"]
    with pytest.raises(SelectionError, match="'kind:sql' selects models, not source tables"):
        names(["kind:sql"])


def test_a_rule_that_cannot_be_checked_does_not_stop_the_project(tmp_path: Path) -> None:
    sources = load(tmp_path, """\
        crm:
          users:
            freshness: {warn_after: {count: 1, period: day}}
          orders:
            freshness: {loaded_at_field: ts}
        """)
    users, orders = sources["crm", "users"].freshness, sources["crm", "orders"].freshness
    assert users is not None and users.problem is not None
    assert users.problem.startswith("the freshness of source crm.users has no loaded_at_field")
    assert orders is not None and orders.problem is not None
    assert orders.problem.startswith("the freshness of source crm.orders has no threshold")


@pytest.mark.parametrize(("block", "message", "line"), [
    ("freshness: {loaded_at_field: ts, warn_after: {count: 2, period: week}}",
     ("sources.yml: warn_after.period of the freshness of source crm.users must be minute, "
     "hour or day, got 'week'"), 3),
    ("freshness: {loaded_at_field: ts, error_after_minutes: soon}",
     ("sources.yml: error_after_minutes of the freshness of source crm.users must be a number "
     "of minutes (0 or more), got 'soon'"), 3),
    ("freshness: {loaded_at_field: ts, max_age: 5}",
     "sources.yml: unknown key 'max_age' in the freshness of source crm.users", 3),
    ("freshness: [ts]", "sources.yml: freshness of source crm.users must be a mapping", 3),
])
def test_bad_freshness_names_file_line_and_fix(tmp_path: Path, block: str, message: str,
                                               line: int) -> None:
    with pytest.raises(ProjectFileError) as err:
        load(tmp_path, f"crm:\n  users:\n    {block}\n")
    assert str(err.value).startswith(message)
    assert err.value.line == line
    assert "fix:" in str(err.value) or "allowed keys" in str(err.value)

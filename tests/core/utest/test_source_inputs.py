"""The rewrite that runs a unit case's model on its own table for a schema-qualified source."""

from __future__ import annotations

from pytest_fft.utest.source_inputs import _rewritten, local_names


class _Model:
    source_reads = (("raw", "events", "landing.events"), ("crm", "accounts", "accounts"))


def test_only_qualified_sources_that_the_case_gives_are_renamed() -> None:
    assert local_names(_Model(), {"landing.events": 1, "accounts": 2}) == {  # type: ignore[arg-type]
        "landing.events": "fft_source_raw_events"}
    assert local_names(_Model(), {"accounts": 2}) == {}  # type: ignore[arg-type]


def test_each_reference_becomes_the_cases_table_with_its_name_as_alias() -> None:
    sql = ('select e.id, events.kind from "landing"."events" as e\n'
           "join landing.events using (id) where events.id > 0")
    out = _rewritten(sql, {"landing.events": "fft_source_raw_events"}, "postgres")
    assert out == ("SELECT e.id, events.kind FROM fft_source_raw_events AS e "
                   "JOIN fft_source_raw_events AS events USING (id) WHERE events.id > 0")


def test_other_tables_and_empty_sql_are_left_alone() -> None:
    sql = "select * from other.events join landing.accounts using (id)"
    assert _rewritten(sql, {"landing.events": "t"}, "duckdb") == \
        "SELECT * FROM other.events JOIN landing.accounts USING (id)"
    assert _rewritten(None, {"landing.events": "t"}, "duckdb") is None

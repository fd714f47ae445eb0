"""engines/registry.py: one spec per engine, and every former per-engine table reads it."""

from __future__ import annotations

import pytest

from pytest_fft.checks.dialect import DIALECTS, dialect_for
from pytest_fft.engines import ENGINES, engine_spec, find_engine_spec
from pytest_fft.engines.registry import generic_spec
from pytest_fft.project import profiles
from pytest_fft.run.fingerprint import normalize_sql

AWKWARD = ["users", "Users", "my table", 'say "hi"', "select", "back`tick", "dollar$", "ü"]


def test_every_engine_has_one_spec_with_its_names() -> None:
    assert list(ENGINES) == ["duckdb", "postgres", "bigquery", "databricks_spark",
                             "snowflake_snowpark"]
    assert {n: s.abbrev for n, s in ENGINES.items()} == {
        "duckdb": "DUCK", "postgres": "PG", "bigquery": "BQ", "databricks_spark": "SPK",
        "snowflake_snowpark": "SF"}
    assert ENGINES["duckdb"].extra is None  # a dependency of pytest-fft itself
    assert engine_spec("postgres").install_hint == "pip install 'pytest-fft[postgres]'"
    assert dict(ENGINES["bigquery"].setting_extras) == {"use_bigframes": "bigframes"}


@pytest.mark.parametrize(("alias", "name"), [
    ("postgresql", "postgres"), ("spark", "databricks_spark"),
    ("databricks", "databricks_spark"), ("snowflake", "snowflake_snowpark"),
    ("bigquery_bigframes", "bigquery"), ("duckdb", "duckdb")])
def test_aliases(alias: str, name: str) -> None:
    assert engine_spec(alias).name == name
    assert dialect_for(alias) is DIALECTS[name]


def test_an_unknown_engine() -> None:
    assert find_engine_spec("sqlite") is None
    with pytest.raises(KeyError, match="known: duckdb, postgres"):
        engine_spec("sqlite")
    assert generic_spec("sqlite").quote("t") == '"t"'


def test_profiles_read_the_registry() -> None:
    assert tuple(ENGINES) == profiles.ENGINES
    assert set(profiles._MEMBERS) == set(ENGINES)  # a profile class per engine
    for spec in ENGINES.values():
        member = profiles._MEMBERS[spec.name]
        settings = member.model_fields[spec.name].annotation
        for var, key in spec.env_overrides:
            assert var.startswith("FF_")
            assert profiles._ENV_OVERRIDES[var] == (spec.name, key)
            fields = {name: f.alias or name for name, f in settings.model_fields.items()}
            assert key in fields or key in fields.values(), (var, key)


@pytest.mark.parametrize("spec", list(ENGINES.values()), ids=list(ENGINES))
def test_quoting_agrees_with_sqlglot(spec) -> None:
    """The declared quoting rule is sqlglot's, so quoting needs no sqlglot import at run time."""
    from sqlglot import exp

    for name in AWKWARD:
        stored = spec.stored_name(name)
        assert spec.quote(name) == exp.to_identifier(stored, quoted=True).sql(
            dialect=spec.sqlglot_dialect), name
    assert spec.quote_relation("raw.my table") == ".".join(
        exp.to_identifier(p, quoted=True).sql(dialect=spec.sqlglot_dialect)
        for p in (spec.stored_name("raw"), spec.stored_name("my table")))


@pytest.mark.parametrize(("engine", "same", "different"), [
    ("duckdb", [("Users", "users")], []),
    ("postgres", [], [("Users", "users")]),
    ("snowflake_snowpark", [("Users", "users"), ("users", "USERS")], [("my t", "MY T")]),
    ("bigquery", [], [("Users", "users")]),
    ("databricks_spark", [("Users", "users")], []),
])
def test_name_keys(engine: str, same: list[tuple[str, str]],
                   different: list[tuple[str, str]]) -> None:
    spec = engine_spec(engine)
    for a, b in same:
        assert spec.name_key(a) == spec.name_key(b)
    for a, b in different:
        assert spec.name_key(a) != spec.name_key(b)


def test_fingerprints_parse_in_the_registry_dialect() -> None:
    # Databricks' backticks only parse in its own dialect; fingerprints used to map this by hand.
    assert normalize_sql("select `a b` from t", "databricks_spark") == "SELECT `a b` FROM t"
    assert normalize_sql("select 1", "fake") == "select 1"  # unknown: the text itself

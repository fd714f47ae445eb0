"""FastFlowTransform 0.6's Jinja context: the engine-aware stdlib (golden SQL per engine),
``engine()``, ``env()``, ``sql_literal``, ``this.*``, ``var()`` without a default, Python macros
inside Jinja macros and ``config(engines=...)``; the static renderer gives what Jinja gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_fft import load_project
from pytest_fft.errors import ProjectError, ProjectFileError, RenderError
from pytest_fft.project import stdlib
from pytest_fft.project.rendering import _static_render, build_environment, render_sql

ENGINES = ("duckdb", "postgres", "bigquery", "snowflake_snowpark", "databricks_spark")

# (template, {engine: rendered}); "generic" is an engine the stdlib does not know.
GOLDEN: list[tuple[str, dict[str, str]]] = [
    ("{{ ff_date_trunc('order_ts', 'day') }}", {
        "duckdb": "date_trunc('day', CAST(order_ts AS TIMESTAMP))",
        "postgres": "date_trunc('day', CAST(order_ts AS TIMESTAMP))",
        "bigquery": "DATE_TRUNC(CAST(order_ts AS TIMESTAMP), DAY)",
        "snowflake_snowpark": "date_trunc('day', CAST(order_ts AS TIMESTAMP))",
        "databricks_spark": "date_trunc('day', CAST(order_ts AS TIMESTAMP))",
        "generic": "date_trunc('day', CAST(order_ts AS TIMESTAMP))",
    }),
    ("{{ ff_date_trunc('CAST(order_ts AS TIMESTAMP)', 'Month') }}", {
        "duckdb": "date_trunc('month', CAST(CAST(order_ts AS TIMESTAMP) AS TIMESTAMP))",
        "bigquery": "DATE_TRUNC(CAST(CAST(order_ts AS TIMESTAMP) AS TIMESTAMP), MONTH)",
    }),
    ("{{ ff_date_add('order_ts', 'day', 1) }}", {
        "duckdb": "CAST(order_ts AS TIMESTAMP) + INTERVAL '1 day'",
        "postgres": "CAST(order_ts AS TIMESTAMP) + INTERVAL '1 day'",
        "bigquery": "DATE_ADD(CAST(order_ts AS TIMESTAMP), INTERVAL 1 DAY)",
        "snowflake_snowpark": "DATEADD(DAY, 1, TO_TIMESTAMP(order_ts))",
        "databricks_spark": "date_add(order_ts, 1)",
        "generic": "CAST(order_ts AS TIMESTAMP) + INTERVAL '1 day'",
    }),
    ("{{ ff_date_add('order_date', 'month', -3) }}", {
        "databricks_spark": "order_date + INTERVAL -3 MONTH",
        "postgres": "CAST(order_date AS TIMESTAMP) + INTERVAL '-3 month'",
    }),
    # An expression that already casts is not cast again.
    ("{{ ff_date_add('cast(d as date)', 'day', 7) }}", {
        "duckdb": "cast(d as date) + INTERVAL '7 day'",
        "bigquery": "DATE_ADD(cast(d as date), INTERVAL 7 DAY)",
    }),
    ("{{ ff_date_add('SAFE_CAST(s AS TIMESTAMP)', 'day', 1) }}", {
        "bigquery": "DATE_ADD(SAFE_CAST(s AS TIMESTAMP), INTERVAL 1 DAY)",
    }),
    ("{{ ff_date_add('d::date', 'day', 2) }}", {"postgres": "d::date + INTERVAL '2 day'"}),
    # Only a cast of the whole expression counts.
    ("{{ ff_date_add('cast(a as date) - cast(b as date)', 'day', 1) }}", {
        "duckdb": "CAST(cast(a as date) - cast(b as date) AS TIMESTAMP) + INTERVAL '1 day'",
    }),
    ('{{ ff_safe_cast("amount", "numeric", default="0") }}', {
        "duckdb": "COALESCE(try_cast(amount AS NUMERIC), 0)",
        "postgres": "COALESCE(CAST(amount AS NUMERIC), 0)",
        "bigquery": "COALESCE(SAFE_CAST(amount AS NUMERIC), 0)",
        "snowflake_snowpark": "COALESCE(CAST(amount AS NUMBER(38,10)), 0)",
        "databricks_spark": "COALESCE(TRY_CAST(amount AS DECIMAL(38,10)), 0)",
        "generic": "COALESCE(CAST(amount AS NUMERIC), 0)",
    }),
    ("{{ ff_safe_cast('col', 'INT64') }}", {
        "bigquery": "SAFE_CAST(col AS INT64)", "duckdb": "try_cast(col AS INT64)"}),
    ("{{ ff_safe_cast('col', 'double', default='') }}", {"postgres": "CAST(col AS double)"}),
    ("{{ ff_partition_filter('o.order_ts', '2025-10-01', '2025-10-31') }}", dict.fromkeys((*ENGINES, "generic"), "o.order_ts BETWEEN '2025-10-01' AND '2025-10-31'")),
    ("{{ ff_partition_filter('ds', start='2025-10-01') }}", {"duckdb": "ds >= '2025-10-01'"}),
    ("{{ ff_partition_filter('ds', end=20251031) }}", {"duckdb": "ds <= 20251031"}),
    ("{{ ff_partition_filter('ds') }}", {"duckdb": "1=1"}),
    ("{{ ff_partition_in('ds', ['2025-10-01', '2025-10-02']) }}", {
        "duckdb": "ds IN ('2025-10-01', '2025-10-02')",
        "bigquery": "ds IN ('2025-10-01', '2025-10-02')"}),
    ("{{ ff_partition_in('ds', []) }}", {"postgres": "1=0"}),
    ("{{ ff_partition_in('region', 'EU') }}", {"postgres": "region IN ('EU')"}),
    # Literals are escaped as the dialect wants them.
    ("{{ ff_partition_in('name', [\"O'Brien\", 3, true, none]) }}", {
        "duckdb": "name IN ('O''Brien', 3, TRUE, NULL)",
        "postgres": "name IN ('O''Brien', 3, TRUE, NULL)",
        "bigquery": "name IN ('O\\'Brien', 3, TRUE, NULL)",
        "databricks_spark": "name IN ('O\\'Brien', 3, TRUE, NULL)"}),
    ("{{ ff_engine() }}|{{ ff_engine_family() }}|{{ ff_is_engine('postgresql', 'bigquery') }}", {
        "duckdb": "duckdb|duckdb|False", "postgres": "postgres|postgres|True",
        "bigquery": "bigquery|bigquery|True", "snowflake_snowpark": "snowflake|snowflake|False",
        "databricks_spark": "spark|spark|False", "generic": "generic|generic|False"}),
    ("{{ ff_engine('duckdb') }}", {"generic": "duckdb", "postgres": "postgres"}),
    ("{{ engine() }}|{{ engine('x') }}", {
        "duckdb": "duckdb|duckdb", "databricks_spark": "databricks_spark|databricks_spark",
        "snowflake_snowpark": "snowflake_snowpark|snowflake_snowpark", "generic": "None|x"}),
    ("{{ 'x' if engine() in ['duckdb', 'postgres'] else 'y' }}", {
        "postgres": "x", "bigquery": "y"}),
    ("{{ \"it's\" | sql_literal }} {{ none | sql_literal }} {{ 1.5 | sql_literal }}", {
        "duckdb": "'it''s' NULL 1.5", "bigquery": "'it\\'s' NULL 1.5"}),
    ("{% if ff_is_engine('bigquery') %}SAFE{% else %}plain{% endif %}", {
        "bigquery": "SAFE", "duckdb": "plain"}),
    # The helpers take engine= to render for another engine.
    ("{{ ff_date_trunc('ts', 'day', engine='bigquery') }}", {
        "duckdb": "DATE_TRUNC(CAST(ts AS TIMESTAMP), DAY)"}),
]
CASES = [(text, engine, sql) for text, per_engine in GOLDEN for engine, sql in per_engine.items()]


def render(text: str, engine: str | None = "duckdb", *, vars_: dict[str, Any] | None = None,
           allow_static: bool = True, root: Path = Path("/nonexistent-project")) -> str:
    env = build_environment(root, engine or None)
    sql, _ = render_sql(env, text, display="models/m.ff.sql", node="m.ff", this="m",
                        resolve_ref=lambda n: n.removesuffix(".ff"),
                        resolve_source=lambda s, t: f"{s}_{t}", vars_=vars_ or {},
                        allow_static=allow_static)
    return sql


@pytest.mark.parametrize(("text", "engine", "expected"), CASES)
def test_golden_sql_per_engine(text: str, engine: str, expected: str) -> None:
    # "generic": no engine known (FastFlowTransform's generic SQL)
    assert render(text, "" if engine == "generic" else engine) == expected


@pytest.mark.parametrize(("text", "engine", "expected"), CASES)
def test_static_path_gives_what_jinja_gives(text: str, engine: str, expected: str) -> None:
    engine = "" if engine == "generic" else engine
    assert render(text, engine, allow_static=False) == expected


def test_stdlib_calls_with_literal_arguments_take_the_fast_path() -> None:
    from pytest_fft.project.rendering import _RenderScope

    env = build_environment(Path("/nonexistent-project"), "postgres")
    scope = _RenderScope("m.ff", "models/m.ff.sql", "m", lambda n: n, lambda s, t: t,
                         {"days": ["2025-01-01"]})
    text = ("select {{ ff_date_trunc('ts', 'day') }}, {{ engine() }}, {{ this.relation }}\n"
            "where {{ ff_partition_in('ds', var('days')) }}")
    assert _static_render(env, text, scope) == (
        "select date_trunc('day', CAST(ts AS TIMESTAMP)), postgres, m\n"
        "where ds IN ('2025-01-01')")
    # A project macro named like a helper replaces it, and Jinja renders.
    env.globals["ff_date_trunc"] = lambda *a: "mine"
    assert _static_render(env, text, scope) is None


def test_sql_literal_values() -> None:
    assert stdlib.sql_literal(dt.date(2024, 1, 31)) == "'2024-01-31'"
    assert stdlib.sql_literal(dt.datetime(2024, 1, 31, 12, 5)) == "'2024-01-31 12:05:00'"
    assert stdlib.sql_literal(False) == "FALSE"
    assert stdlib.sql_literal({"b": 1, "a": "x"}) == """'{"a":"x","b":1}'"""
    assert stdlib.sql_literal("a\\b", "bigquery") == "'a\\\\b'"
    assert stdlib.sql_literal("a\\b", "postgres") == "'a\\b'"
    assert stdlib.partition_in("ds", [dt.date(2024, 1, 1), dt.date(2024, 1, 2)]) == (
        "ds IN ('2024-01-01', '2024-01-02')")


@pytest.mark.parametrize(("text", "message", "line"), [
    ("select 1,\n{{ ff_date_trunc('ts', 'da y') }}",
     ("m.ff: ff_date_trunc(): the date part must be a word such as 'day' or 'month', "
     "not 'da y'"), 2),
    ("select\n\n{{ ff_date_add('ts', 'day', 'one') }}",
     "m.ff: ff_date_add(): the amount must be a whole number, not 'one'", 3),
    ("{% set c = 1 %}{{ ff_safe_cast(c, 'int') }}",
     "m.ff: ff_safe_cast(): the expression must be SQL text such as 'order_ts', not 1", 1),
])
def test_bad_helper_arguments_are_errors_with_file_and_line(text: str, message: str,
                                                            line: int) -> None:
    with pytest.raises(RenderError) as info:
        render(text)
    assert info.value.message == message
    assert (info.value.file, info.value.line, info.value.node) == ("models/m.ff.sql", line, "m.ff")


# -- env() and var() ----------------------------------------------------------------------


def test_env_reads_the_environment_with_a_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FFT_TEST_REGION", "eu")
    monkeypatch.delenv("FFT_TEST_UNSET", raising=False)
    text = "select '{{ env('FFT_TEST_REGION') }}', '{{ env('FFT_TEST_UNSET', 'dflt') }}'"
    assert render(text) == "select 'eu', 'dflt'"
    assert render(text, allow_static=False) == "select 'eu', 'dflt'"


def test_env_ff_engine_is_the_active_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FF_ENGINE", raising=False)
    assert render("{{ env('FF_ENGINE') }}", "postgres") == "postgres"


@pytest.mark.parametrize("allow_static", [True, False])
def test_unset_env_without_default_written_into_sql_is_an_error(
        monkeypatch: pytest.MonkeyPatch, allow_static: bool) -> None:
    monkeypatch.delenv("FFT_TEST_UNSET", raising=False)
    with pytest.raises(ProjectError) as info:
        render("select 1\nfrom {{ env('FFT_TEST_UNSET') }}", allow_static=allow_static)
    assert info.value.message == "m.ff: env('FFT_TEST_UNSET') is not set"
    assert (info.value.file, info.value.line) == ("models/m.ff.sql", 2)
    assert info.value.hint == ("export FFT_TEST_UNSET=... (or put it in .env), or give a "
                               "default: env('FFT_TEST_UNSET', 'default')")


@pytest.mark.parametrize("allow_static", [True, False])
def test_var_without_default_written_into_sql_is_an_error(allow_static: bool) -> None:
    with pytest.raises(ProjectError) as info:
        render("select 1\nwhere d > '{{ var('start_date') }}'", allow_static=allow_static)
    assert info.value.message == "m.ff: var('start_date') is not defined"
    assert (info.value.file, info.value.line, info.value.node) == ("models/m.ff.sql", 2, "m.ff")
    assert info.value.hint == ("add 'start_date' under vars: in project.yml, pass --vars "
                               "start_date=..., or give a default: var('start_date', 'default')")


def test_unset_var_is_false_in_a_test_as_in_fastflowtransform(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # FastFlowTransform's var() answers None: `var('engine') or env('FF_ENGINE')` works.
    monkeypatch.setenv("FFT_TEST_FALLBACK", "duckdb")
    text = ("{{ (var('engine') or env('FFT_TEST_FALLBACK') or '').lower() }}|"
            "{{ var('engine') | default('none') }}|{{ 'yes' if not var('engine') else 'no' }}")
    assert render(text) == "duckdb|none|yes"
    assert render(text, vars_={"engine": "PG"}) == "pg|PG|no"


# -- this ---------------------------------------------------------------------------------


@pytest.mark.parametrize("allow_static", [True, False])
def test_this_exposes_its_attributes(allow_static: bool) -> None:
    text = ("{{ config(materialized='view', schema='mart') }}{{ this }}|{{ this.name }}|"
            "{{ this.relation }}|{{ this.materialized }}|{{ this.schema }}|{{ this.database }}")
    assert render(text, allow_static=allow_static) == "m|m|m|view|mart|None"
    assert render("{{ this.materialized }}", allow_static=allow_static) == "table"


# -- macros -------------------------------------------------------------------------------


def test_python_macros_work_inside_jinja_macros(make_project: Callable[..., Path]) -> None:
    root = make_project({
        "models/macros_py/text.py": "def slugify(value):\n"
                                    "    return value.strip().lower().replace(' ', '-')\n",
        # a.sql calls a macro of z.sql, loaded after it, and the Python macro.
        "models/macros/a.sql": "{% macro label(x) %}'{{ slugify(x) }}-{{ suffix() }}'"
                               "{% endmacro %}",
        "models/macros/z.sql": "{% macro suffix() %}{{ ff_engine() }}{% endmacro %}",
        "models/m.ff.sql": "select {{ label(' Big Deal ') }} as l, "
                           "'{{ ' A B ' | slugify }}' as f\n",
    })
    project = load_project(root, engine="postgres")
    assert project.models["m.ff"].sql == "select 'big-deal-postgres' as l, 'a-b' as f"


# -- config(engines=...) ------------------------------------------------------------------

ENGINE_FILES = {
    "models/engines/duckdb/probe.ff.sql":
        "{{ config(engines=['DuckDB'], tags=['probe']) }}\nselect 'duck' as e\n",
    "models/engines/postgres/probe.ff.sql":
        "{{ config(engines='postgres') }}\nselect 'pg' as e\n",
    "models/all.ff.sql": "select e from {{ ref('probe.ff') }}\n",
}


@pytest.mark.parametrize(("engine", "sql"), [("duckdb", "select 'duck' as e"),
                                             ("postgres", "select 'pg' as e")])
def test_config_engines_keeps_the_model_of_the_active_engine(
        make_project: Callable[..., Path], engine: str, sql: str) -> None:
    project = load_project(make_project(ENGINE_FILES), engine=engine)
    assert project.models["probe.ff"].sql == sql
    assert project.models["all.ff"].deps == ("probe.ff",)


def test_config_engines_that_is_not_written_out_is_an_error(
        make_project: Callable[..., Path]) -> None:
    root = make_project({"models/m.ff.sql": "select 1\n{{ config(engines=var('e')) }}\n"})
    with pytest.raises(RenderError) as info:
        load_project(root)
    assert info.value.message == ("m.ff: config(engines=...) must be an engine name or a list "
                                  "of them written out")
    assert (info.value.file, info.value.line) == ("models/m.ff.sql", 2)


def test_config_engines_set_by_a_macro_is_an_error(make_project: Callable[..., Path]) -> None:
    root = make_project({
        "models/macros/only.sql": "{% macro only_pg() %}{{ config(engines=['postgres']) }}"
                                  "{% endmacro %}",
        "models/m.ff.sql": "{{ only_pg() }}select 1\n"})
    with pytest.raises(ProjectFileError) as info:
        load_project(root)
    assert info.value.message == ("m.ff: config(engines=...) must be written in the model's "
                                  "own {{ config(...) }}")

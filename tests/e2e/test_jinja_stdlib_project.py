"""A FastFlowTransform 0.6 style project through ``fft`` and ``pytest``, on DuckDB and
PostgreSQL: stdlib helpers, ``engine()``, ``this.relation``, a Jinja macro calling a Python
macro, ``var()`` lists made literals, ``config(engines=...)`` and ``@engine_model`` per engine
(``only=`` and ``env_match=``), and a Python model without deps called with None."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import Warehouse

pytestmark = pytest.mark.warehouses("duckdb", "postgres", "spark")

FILES = {
    "seeds/seed_orders.csv": "order_id,amount,order_ts,ds\n"
                             "1,10.5,2025-10-01 10:00:00,2025-10-01\n"
                             "2,3,2025-10-02 23:30:00,2025-10-02\n"
                             "3,7,2025-10-03 08:00:00,2025-10-03\n",
    "sources.yml": "shop: {orders: {identifier: seed_orders}}\n",
    "models/macros_py/text.py": "def slugify(value):\n"
                                "    return '-'.join(value.lower().split())\n",
    "models/macros/labels.sql": "{% macro label(text) -%}\n'{{ slugify(text) }}'\n{%- endmacro %}\n",
    "models/stg_orders.ff.sql": """\
        {{ config(materialized='table', tags=['stdlib']) }}
        select
          order_id,
          {{ ff_safe_cast("amount", "numeric", default="0") }} as amount_safe,
          {{ ff_date_trunc("order_ts", "month") }} as order_month,
          {{ ff_date_add("order_ts", "day", 1) }} as next_day,
          '{{ engine() }}' as engine_name,
          '{{ ff_engine() }}' as engine_key,
          {{ label('Stdlib  Demo') }} as label,
          '{{ this.relation }}' as rel
        from {{ source('shop', 'orders') }}
        where {{ ff_partition_in("cast(ds as " ~ ("string" if engine() == "databricks_spark" else "varchar") ~ ")", var("days", ["2025-10-01", "2025-10-02"])) }}
          and {{ ff_partition_filter("order_id", 1, var("max_id", 100)) }}
        """,
    "models/engines/duckdb/flavor.ff.sql": "{{ config(engines=['duckdb']) }}\n"
                                           "select 'duck' as flavor\n",
    "models/engines/postgres/flavor.ff.sql": "{{ config(engines=['Postgres']) }}\n"
                                             "select 'pg' as flavor\n",
    "models/engines/spark/flavor.ff.sql": "{{ config(engines=['databricks_spark']) }}\n"
                                          "select 'spark' as flavor\n",
    "models/engines/spark/probe.ff.py": (
        "from fastflowtransform import engine_model\n\n"
        "@engine_model(only='databricks_spark', name='probe', deps=['stg_orders.ff'])\n"
        "def build(df):  # a PySpark DataFrame in, one out\n"
        "    return df.sparkSession.createDataFrame([('databricks_spark', df.count())],\n"
        "                                           'who string, n long')\n"),
    "models/engines/duckdb/probe.ff.py": (
        "import pandas as pd\nfrom fastflowtransform import engine_model\n\n"
        "@engine_model(only='duckdb', name='probe', deps=['stg_orders.ff'])\n"
        "def build(df: pd.DataFrame) -> pd.DataFrame:\n"
        "    return pd.DataFrame({'who': ['duckdb'], 'n': [len(df)]})\n"),
    "models/engines/postgres/probe.ff.py": (
        "import pandas as pd\nfrom fastflowtransform import engine_model\n\n"
        "@engine_model(only=('postgres',), name='probe', deps=['stg_orders.ff'])\n"
        "def build(df: pd.DataFrame) -> pd.DataFrame:\n"
        "    return pd.DataFrame({'who': ['postgres'], 'n': [len(df)]})\n"),
    "models/engines/bigquery/pandas/probe.ff.py": (
        "import bigframes_is_not_installed  # read from its syntax tree, never imported\n"
        "from fastflowtransform import engine_model\n\n"
        "@engine_model(env_match={'FF_ENGINE': 'bigquery', 'FF_ENGINE_VARIANT': 'pandas'},\n"
        "              name='probe', deps=['stg_orders.ff'])\n"
        "def build(df):\n    return df\n"),
    "models/constants.ff.py": (
        "import pandas as pd\nfrom fastflowtransform import model\n\n"
        "@model(name='constants.ff', kind='python')\n"
        "def build(_: pd.DataFrame | None) -> pd.DataFrame:\n"
        "    return pd.DataFrame({'got_none': [_ is None]})\n"),
}


def _expected(engine: str) -> list[tuple[Any, ...]]:
    key = {"databricks_spark": "spark"}.get(engine, engine)
    if engine == "databricks_spark":  # date_add gives a date there, as FastFlowTransform says
        next_days: tuple[Any, ...] = (dt.date(2025, 10, 2), dt.date(2025, 10, 3))
    else:
        next_days = (dt.datetime(2025, 10, 2, 10), dt.datetime(2025, 10, 3, 23, 30))
    return [
        (1, 10.5, dt.datetime(2025, 10, 1), next_days[0], engine, key, "stdlib-demo",
         "stg_orders"),
        (2, 3.0, dt.datetime(2025, 10, 1), next_days[1], engine, key, "stdlib-demo",
         "stg_orders"),
    ]


def _rows(warehouse: Warehouse, root: Path) -> list[tuple[Any, ...]]:
    return [(r[0], float(r[1]), *r[2:]) for r in warehouse.rows(
        root, "select order_id, amount_safe, order_month, next_day, engine_name, engine_key, "
              "label, rel from stg_orders order by order_id")]


def test_stdlib_project_through_fft(make_project: Callable[..., Path], warehouse: Warehouse,
                                    run_fft: Any) -> None:
    root = make_project({**FILES, "profiles.yml": warehouse.profile}, name="stdlib")
    engine = {"spark": "databricks_spark"}.get(warehouse.engine, warehouse.engine)
    assert run_fft("seed", str(root)).returncode == 0
    built = run_fft("run", str(root))
    assert built.returncode == 0, built.output
    assert "Done: 4 ok" in built.stdout, built.output
    assert _rows(warehouse, root) == _expected(engine)
    assert warehouse.rows(root, "select flavor from flavor") == [
        ({"duckdb": "duck", "postgres": "pg"}.get(engine, "spark"),)]
    assert warehouse.rows(root, "select who, n from probe") == [(engine, 2)]
    assert warehouse.rows(root, "select got_none from constants") == [(True,)]
    # var() values from the command line become literals of the engine's dialect.
    again = run_fft("run", str(root), "--vars", 'days=["2025-10-03"]', "max_id=3",  # one --vars
                    "--select", "stg_orders.ff")
    assert again.returncode == 0, again.output
    assert [r[0] for r in _rows(warehouse, root)] == [3]


@pytest.mark.warehouses("duckdb", "postgres")  # pytest in a subprocess: a JVM of its own
def test_stdlib_project_through_pytest(make_project: Callable[..., Path],
                                       warehouse: Warehouse) -> None:
    root = make_project({**FILES, "profiles.yml": warehouse.profile}, name="stdlib_pytest")
    engine = "duckdb" if "duckdb" in warehouse.profile else "postgres"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FF_", "FFT_"))}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(root), "--rootdir", str(root), "--fft-seed",
         "--fft-run", "-p", "no:randomly", "-p", "no:cacheprovider", "-q"],
        capture_output=True, text=True, env=env, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout, result.stdout  # 1 seed, 4 models
    assert _rows(warehouse, root) == _expected(engine)


def test_an_unset_var_written_into_sql_fails_with_file_line_and_fix(
        make_project: Callable[..., Path], run_fft: Any) -> None:
    root = make_project({"models/m.ff.sql": "select 1 as x\nwhere '{{ var('since') }}' < 'z'\n"},
                        name="unset_var")
    result = run_fft("run", str(root))
    assert result.returncode == 1
    assert "m.ff: var('since') is not defined" in result.output
    assert "at models/m.ff.sql:2" in result.output
    assert ("fix: add 'since' under vars: in project.yml, pass --vars since=..., or give a "
            "default: var('since', 'default')") in result.output
    assert "Traceback" not in result.output

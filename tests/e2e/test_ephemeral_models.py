"""Ephemeral models through ``fft run``, on DuckDB, PostgreSQL and Spark: inlined into the SQL of
their dependents (also ephemerals of ephemerals, and a dependent with its own WITH), given to
Python models as frames, and never created in the warehouse."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import Warehouse

pytestmark = pytest.mark.warehouses("duckdb", "postgres", "spark")

FILES = {
    "seeds/seed_users.csv": "id,email\n1,A@x.org\n2,b@gmail.com\n",
    "sources.yml": "crm: {users: {identifier: seed_users}}\n",
    "models/stg_users.ff.sql": "{{ config(materialized='ephemeral') }}\n"
                               "select id, lower(email) as email from {{ source('crm', 'users') }}\n",
    "models/stg_gmail.ff.sql": "{{ config(materialized='ephemeral') }}\n"
                               "select id, email like '%@gmail.com' as is_gmail "
                               "from {{ ref('stg_users.ff') }}\n",
    "models/users.ff.sql": "with u as (select * from {{ ref('stg_users.ff') }})\n"
                           "select u.id, u.email, g.is_gmail from u "
                           "join {{ ref('stg_gmail.ff') }} g on g.id = u.id\n",
    "models/py_users.ff.py": "from fastflowtransform import model\n\n"
                             "@model(name='py_users', deps=['stg_users.ff'])\n"
                             "def build(df):\n"
                             "    # Spark gives a PySpark DataFrame; a pandas frame is "
                             "written back too\n"
                             "    df = df.toPandas() if hasattr(df, 'toPandas') else df\n"
                             "    return df.assign(n=len(df))\n",
}


def test_ephemeral_models_are_inlined_and_never_built(make_project: Callable[..., Path],
                                                      warehouse: Warehouse,
                                                      run_fft: Any) -> None:
    root = make_project({**FILES, "profiles.yml": warehouse.profile}, name="eph")
    assert run_fft("seed", str(root)).returncode == 0
    built = run_fft("run", str(root))
    assert built.returncode == 0, built.output
    assert warehouse.rows(root, "select id, email, is_gmail from users order by id") == [
        (1, "a@x.org", False), (2, "b@gmail.com", True)]
    assert warehouse.rows(root, "select id, email, n from py_users order by id") == [
        (1, "a@x.org", 2), (2, "b@gmail.com", 2)]
    names = warehouse.relation_names(root)
    assert {"users", "py_users"} <= names and not names & {"stg_users", "stg_gmail"}
    # A change to an ephemeral model rebuilds what reads it.
    (root / "models" / "stg_users.ff.sql").write_text(
        "{{ config(materialized='ephemeral') }}\n"
        "select id, upper(email) as email from {{ source('crm', 'users') }}\n")
    again = run_fft("run", str(root))
    assert again.returncode == 0, again.output
    assert warehouse.rows(root, "select email from users order by id") == [
        ("A@X.ORG",), ("B@GMAIL.COM",)]

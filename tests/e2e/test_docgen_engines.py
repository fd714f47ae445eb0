"""``fft docgen`` on DuckDB, PostgreSQL and Spark: the warehouse's column types in the
manifest, lineage traced in the engine's SQL dialect through a CTE, a join, a window function
and a Python model, and the last run's statuses on the pages."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import Warehouse

pytestmark = pytest.mark.warehouses("duckdb", "postgres", "spark")

FILES = {
    "seeds/seed_users.csv": "id,email\n1,a@x.org\n2,b@gmail.com\n",
    "seeds/seed_orders.csv": "order_id,user_id,amount\n10,1,5.5\n11,2,7.25\n12,2,1.0\n",
    "models/users.ff.sql": "select id, lower(email) as email from {{ ref('seed_users') }}\n",
    "models/orders.ff.sql": (
        "with o as (select order_id, user_id, amount from {{ ref('seed_orders') }})\n"
        "select o.order_id, u.email, o.amount,\n"
        "       sum(o.amount) over (partition by o.user_id order by o.order_id) as running\n"
        "from o join {{ ref('users.ff') }} u on u.id = o.user_id\n"),
    "models/py_users.ff.py": (
        "from fastflowtransform import model\n\n"
        "@model(name='py_users', deps=['users.ff'])\n"
        "def build(df):\n"
        "    df = df.toPandas() if hasattr(df, 'toPandas') else df\n"
        "    out = df.rename(columns={'email': 'mail'})\n"
        "    out['domain'] = out['mail'].str.split('@').str[1]\n"
        "    return out\n"),
}


def _lineage(column: dict[str, Any]) -> tuple[list[str], bool] | None:
    lineage = column["lineage"]
    if lineage is None or lineage.get("unknown"):
        return None
    return ([f"{s['table']}.{s['column']}" for s in lineage["from"]],
            bool(lineage["transformed"]))


def test_docgen_reads_the_warehouse_and_traces_lineage(make_project: Callable[..., Path],
                                                       warehouse: Warehouse,
                                                       run_fft: Any) -> None:
    root = make_project({**FILES, "profiles.yml": warehouse.profile}, name="docs_e2e")
    assert run_fft("seed", str(root)).returncode == 0
    built = run_fft("run", str(root))
    assert built.returncode == 0, built.output
    out = root / "site"
    result = run_fft("docgen", str(root), "--out", str(out), "--emit-json",
                     str(out / "manifest.json"))
    assert result.returncode == 0, result.output
    models = {m["name"]: m for m in json.loads((out / "manifest.json").read_text())["models"]}
    columns = {name: {c["name"]: c for c in m["columns"]} for name, m in models.items()}

    orders = columns["orders.ff"]
    assert list(orders) == ["order_id", "email", "amount", "running"]
    # Every column as the warehouse lists it: a type, and whether it may be NULL (tables
    # made by create table ... as select declare no NOT NULL).
    assert {name: (bool(c["dtype"]), c["nullable"]) for name, c in orders.items()} == {
        "order_id": (True, True), "email": (True, True), "amount": (True, True),
        "running": (True, True)}
    assert _lineage(orders["order_id"]) == (["seed_orders.order_id"], False)
    assert _lineage(orders["email"]) == (["users.email"], False)
    assert _lineage(orders["running"]) == (
        ["seed_orders.amount", "seed_orders.user_id", "seed_orders.order_id"], True)
    assert _lineage(columns["users.ff"]["email"]) == (["seed_users.email"], True)
    py_users = columns["py_users"]
    assert list(py_users) == ["id", "mail", "domain"]
    assert _lineage(py_users["mail"]) == (["users.email"], False)
    assert _lineage(py_users["domain"]) == (["users.email"], True)
    assert models["orders.ff"]["depends_on"] == ["seed_orders", "users.ff"]

    page = (out / "nodes" / "orders.ff.html").read_text()
    assert 'class="status st-ok">success' in page  # the last run, from run_results.json
    assert 'href="users.ff.html#col-email"' in page

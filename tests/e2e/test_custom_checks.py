"""FastFlowTransform 0.6 checks through ``fft test`` and ``pytest --fft-test``, on DuckDB and
PostgreSQL: a custom SQL check (``tests/dq/*.ff.sql``), custom Python checks (``@dq_test`` in
``tests/dq/*.ff.py``, with and without a params model), ``relationships`` to ``ref('...')``
and the dbt-style tests of a schema file (``models/staging/schema.yml``)."""

from __future__ import annotations

import json
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
    "seeds/seed_customers.csv": "customer_id,name,status\n1,Ann,active\n2,Bob,inactive\n"
                                "3,Cy,blocked\n",
    "seeds/seed_orders.csv": "order_id,customer_id,amount,order_day\n10,1,20.0,2024-01-01\n"
                             "11,2,0,2024-01-02\n12,9,-3.5,2099-01-01\n13,1,7.5,2024-01-03\n",
    "sources.yml": "shop:\n  customers: {identifier: seed_customers}\n"
                   "  orders: {identifier: seed_orders}\n",
    "models/staging/customers.ff.sql":
        "select customer_id, name, status from {{ source('shop', 'customers') }}\n",
    "models/staging/orders.ff.sql":
        "select order_id, customer_id, cast(amount as decimal(10, 2)) as amount,\n"
        "       cast(order_day as date) as order_day\nfrom {{ source('shop', 'orders') }}\n",
    "models/staging/schema.yml": """\
        version: 2
        models:
          - name: customers
            description: One row per customer.
            columns:
              - name: customer_id
                tests: [not_null, unique]
              - name: status
                tests:
                  - accepted_values: {values: [active, inactive], severity: warn}
          - name: orders.ff
            tests:
              - row_count_between: {min_rows: 1, max_rows: 10}
            columns:
              - name: customer_id
                tests:
                  - relationships:
                      to: ref('customers')
                      field: customer_id
                      to_field: customer_id
        """,
    "tests/dq/no_future_orders.ff.sql": """\
        {{ config(type="no_future_orders", params=["where", "today"]) }}
        -- the orders dated after today
        select count(*) as failures
        from {{ table }}
        where {{ column }} > cast('{{ today }}' as date)
          {%- if where %} and ({{ where }}){%- endif %}
        """,
    "tests/dq/shares.ff.py": """\
        from pydantic import BaseModel, ConfigDict

        from fastflowtransform.decorators import dq_test
        from fastflowtransform.testing import base as testing


        @dq_test("min_positive_share")
        def min_positive_share(con, table, column, params):
            wanted = params["params"]["min_share"]
            sql = f"select count(*) from {table} where {column} > 0"
            positive = testing._scalar(con, sql)
            total = testing._scalar(con, f"select count(*) from {table}")
            share = positive / total
            if share < wanted:
                return (False, f"{table}.{column}: {positive} of {total} rows > 0 "
                               f"({share:.2f} < {wanted})", sql)
            return True, None, sql


        class MaxRows(BaseModel):
            model_config = ConfigDict(extra="forbid")
            max_rows: int


        @dq_test("max_rows_per_key", params_model=MaxRows)
        def max_rows_per_key(con, table, column, params):
            most = con.execute(f"select max(n) from (select count(*) as n from {table} "
                               f"group by {column}) as per_key").fetchone()[0]
            return (most <= params["max_rows"],
                    f"{table}: at most {most} rows per {column} (max_rows {params['max_rows']})",
                    None)
        """,
    "project.yml": """\
        name: shopdq
        tests:
          - type: no_future_orders
            table: orders
            column: order_day
            params: {today: "2025-01-01"}
            tags: [custom]
          - type: no_future_orders
            name: no_future_paid_orders
            table: orders
            column: order_day
            today: "2025-01-01"
            where: "amount > 0"
            severity: warn
          - type: min_positive_share
            table: orders
            column: amount
            params: {min_share: 0.75}
            tags: [custom]
          - type: max_rows_per_key
            table: orders
            column: customer_id
            params: {max_rows: 2}
          - type: relationships
            table: orders
            column: customer_id
            to: "ref('customers.ff')"
            to_field: customer_id
            severity: warn
        """,
}

EXPECTED = {  # name -> (file, status, message)
    "no_future_orders[orders.order_day]": (
        "project.yml", "fail", "orders.order_day: 1 row violates no_future_orders"),
    "no_future_paid_orders": (
        "project.yml", "pass", "orders.order_day: no row violates no_future_orders"),
    "min_positive_share[orders.amount]": (
        "project.yml", "fail", "orders.amount: 2 of 4 rows > 0 (0.50 < 0.75)"),
    "max_rows_per_key[orders.customer_id]": (
        "project.yml", "pass", "orders: at most 2 rows per customer_id (max_rows 2)"),
    "relationships[orders.customer_id]": (
        "project.yml", "warn",
        "orders.customer_id has 1 row without a match in customers.customer_id"),
    "not_null[customers.customer_id]": (
        "models/staging/schema.yml", "pass", "customers.customer_id has no null values"),
    "unique[customers.customer_id]": (
        "models/staging/schema.yml", "pass", "customers.customer_id is unique"),
    "accepted_values[customers.status]": (
        "models/staging/schema.yml", "warn",
        "customers.status has 1 row outside ['active', 'inactive']: 'blocked' (1)"),
    "row_count_between[orders]": (
        "models/staging/schema.yml", "pass", "orders has 4 rows (expected between 1 and 10)"),
    "relationships[orders.customer_id]#2": (
        "models/staging/schema.yml", "fail",
        "orders.customer_id has 1 row without a match in customers.customer_id"),
}


def _project(make_project: Callable[..., Path], warehouse: Warehouse) -> Path:
    return make_project({**FILES, "profiles.yml": warehouse.profile}, name="shopdq")


def _build(run_fft: Any, root: Path) -> None:
    for command in ("seed", "run"):
        done = run_fft(command, str(root))
        assert done.returncode == 0, done.output


def test_fft_test_runs_custom_and_schema_checks(make_project: Callable[..., Path],
                                                warehouse: Warehouse, run_fft: Any) -> None:
    root = _project(make_project, warehouse)
    _build(run_fft, root)
    result = run_fft("test", str(root))
    assert result.returncode == 2, result.output
    out = result.stdout
    assert "10 checks" in out
    for line in (
        "❌ no_future_orders       orders.order_day",
        "   ↳ orders.order_day: 1 row violates no_future_orders",
        "✅ no_future_orders       orders.order_day",
        "❌ min_positive_share     orders.amount",
        "   ↳ orders.amount: 2 of 4 rows > 0 (0.50 < 0.75)",
        "✅ max_rows_per_key       orders.customer_id",
        "❕ relationships          orders.customer_id → customers.customer_id",
        "❕ accepted_values        customers.status",
        "❌ relationships          orders.customer_id → customers.customer_id",
        "✓ passed: 5", "✗ failed: 3", "! warnings: 2",
    ):
        assert line in out, (line, out)
    assert "Traceback" not in result.output
    data = json.loads((root / ".fastflowtransform/target/test_results.json").read_text())
    got = {r["name"]: (r["status"], r["message"]) for r in data["results"]}
    assert got == {name: (status, message) for name, (_, status, message) in EXPECTED.items()}
    by_name = {r["name"]: r for r in data["results"]}
    assert by_name["no_future_orders[orders.order_day]"]["metrics"] == {"failing_rows": 1}
    assert by_name["min_positive_share[orders.amount]"]["metrics"] == {
        "example_sql": "select count(*) from orders where amount > 0"}
    assert by_name["relationships[orders.customer_id]#2"]["tables"] == ["orders", "customers"]
    assert data["totals"] == {"pass": 5, "fail": 3, "warn": 2, "error": 0, "skipped": 0}

    tagged = run_fft("test", str(root), "--select", "custom")  # a bare word: checks' tag
    assert tagged.returncode == 2, tagged.output
    assert "2 checks" in tagged.stdout
    assert "✗ failed: 2" in tagged.stdout
    green = run_fft("test", str(root), "--select", "no_future_paid_orders",
                    "--select", "max_rows_per_key")
    assert green.returncode == 0, green.output
    assert "✓ passed: 2" in green.stdout


def _pytest(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FF_", "FFT_", "CI"))}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                           "-p", "no:randomly", "--rootdir", str(root), str(root), *args],
                          cwd=root, capture_output=True, text=True, timeout=300, check=False,
                          env={**env, "COLUMNS": "250"})


@pytest.mark.warehouses("duckdb", "postgres")  # pytest in a subprocess: a JVM of its own
def test_pytest_fft_test_gives_each_check_its_node_id(make_project: Callable[..., Path],
                                                      warehouse: Warehouse,
                                                      run_fft: Any) -> None:
    root = _project(make_project, warehouse)
    _build(run_fft, root)
    listed = _pytest(root, "--fft-test", "--collect-only", "-q")
    ids = sorted(line for line in listed.stdout.splitlines() if "::" in line)
    assert ids == sorted(f"{file}::{name}" for name, (file, _, _) in EXPECTED.items())
    ran = _pytest(root, "--fft-test", "-q", "-rf")
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "3 failed, 7 passed" in ran.stdout
    assert ("FAILED models/staging/schema.yml::relationships[orders.customer_id]#2 - "
            "orders.customer_id has 1 row without a match in customers.customer_id"
            in ran.stdout)
    assert "at models/staging/schema.yml:17" in ran.stdout
    assert ("FAILED project.yml::min_positive_share[orders.amount] - orders.amount: 2 of 4 "
            "rows > 0 (0.50 < 0.75)" in ran.stdout)


def test_a_build_runs_the_ref_relationship_after_its_parent(make_project: Callable[..., Path],
                                                            warehouse: Warehouse,
                                                            run_fft: Any) -> None:
    root = _project(make_project, warehouse)
    built = run_fft("build", str(root), "--select", "relationships*")
    assert built.returncode == 2, built.output
    lines = [line.split()[1] for line in built.stdout.splitlines()
             if line[:2] in ("✓ ", "✗ ", "! ")]
    assert lines.index("customers.ff") < lines.index("relationships[orders.customer_id]")
    assert lines.index("orders.ff") < lines.index("relationships[orders.customer_id]#2")


BROKEN = {
    "tests/dq/broken.ff.py": """\
        from pydantic import BaseModel

        from fastflowtransform.decorators import dq_test


        class Share(BaseModel):
            min_share: float


        @dq_test("raises")
        def raises(con, table, column, params):
            return 1 / 0


        @dq_test("returns_nothing")
        def returns_nothing(con, table, column, params):
            return None


        @dq_test("wants_share", params_model=Share)
        def wants_share(con, table, column, params):
            return True, None, None
        """,
    "project.yml": """\
        name: shopdq
        tests:
          - {type: raises, table: orders}
          - {type: returns_nothing, table: orders}
          - {type: wants_share, table: orders, params: {min_share: lots}}
          - {type: raises, table: nowhere}
        """,
}


def test_a_python_check_that_cannot_run_is_an_error_with_its_place(
        make_project: Callable[..., Path], run_fft: Any) -> None:
    root = make_project({**FILES, **BROKEN}, name="shopdq")
    _build(run_fft, root)
    result = run_fft("test", str(root))
    assert result.returncode == 1, result.output
    data = json.loads((root / ".fastflowtransform/target/test_results.json").read_text())
    got = {r["name"]: (r["status"], r["message"]) for r in data["results"]
           if r["line"] and r["name"].startswith(("raises", "returns", "wants"))}
    assert got == {
        "raises[orders]": ("error", ("raises[orders]: raises() raised ZeroDivisionError: "
                                    "division by zero")),
        "returns_nothing[orders]": ("error", ("returns_nothing[orders]: returns_nothing() "
                                             "returned None, not (ok, message, example_sql)")),
        "wants_share[orders]": ("error", ("wants_share[orders]: params do not fit Share of "
                                         "wants_share: min_share: Input should be a valid "
                                         "number, unable to parse string as a number")),
        "raises[nowhere]": ("error", ("table nowhere does not exist in dev; build it with "
                                     "fft run")),
    }
    assert "Traceback" not in result.output
    ran = _pytest(root, "--fft-test", "-q", "-k", "raises or returns or wants")
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert ("raises[orders]: raises() raised ZeroDivisionError: division by zero\n"
            "  at tests/dq/broken.ff.py:12\n") in ran.stdout
    assert ("  at project.yml:5\n  fix: fix params: of the check (see tests/dq/broken.ff.py:21)"
            in ran.stdout)
    assert "Traceback" not in ran.stdout

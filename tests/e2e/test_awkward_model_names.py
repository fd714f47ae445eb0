"""Models whose relation is a reserved word (``order``) or has capitals (``Mixed``): what
``ref()`` and ``{{ this }}`` write finds the relation pytest-fft created, on every engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import Warehouse

pytestmark = pytest.mark.warehouses("duckdb", "postgres", "spark")

MODELS = {
    "models/order.ff.sql": "select 1 as id, 10 as amount union all select 2, 20\n",
    "models/Mixed.ff.sql": "select id, amount * 2 as doubled from {{ ref('order.ff') }}\n",
    "models/reads_both.ff.sql": (
        "{{ config(materialized='view') }}\n"
        "select m.id, m.doubled, o.amount from {{ ref('Mixed') }} m\n"
        "join {{ ref('order') }} o on o.id = m.id\n"),
    "models/user.ff.sql": (
        "{{ config(materialized='incremental', unique_key='id') }}\n"
        "select id, doubled from {{ ref('Mixed.ff') }}\n"
        "{% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}\n"),
}


def test_reserved_and_mixed_case_relations_are_found_by_ref_and_this(
        make_project: Callable[..., Path], warehouse: Warehouse, run_fft: Any) -> None:
    root = make_project({**MODELS, "profiles.yml": warehouse.profile}, name="awkward")
    first = run_fft("run", str(root))
    assert first.returncode == 0, first.output
    assert "Done: 4 ok" in first.stdout, first.output
    again = run_fft("run", str(root))  # the incremental model applies its (empty) delta
    assert again.returncode == 0, again.output
    quote = "`" if warehouse.engine == "spark" else '"'
    rows = warehouse.rows(root, "select id, doubled, amount from reads_both order by id")
    assert rows == [(1, 20, 10), (2, 40, 20)]
    assert warehouse.rows(root, f"select count(*) from {quote}user{quote}") == [(2,)]

"""Unit specs written for FastFlowTransform 0.6 pass unchanged, through ``fft utest`` and
``pytest --fft-utest``, and a real difference fails with an exact diff and exit code.

0.6 compares only the expected columns and ignores the result's row order; ``subset`` also
allows more result rows; ``approx`` is a tolerance per column. The 0.4 spellings
(``any_order: true``, ``approx: true``) keep working next to them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

MODELS = {
    # rows come back in the opposite order of the expectations below, with more columns
    "models/orders_enriched.ff.sql": """
        select order_id, amount * 1.0 as amount, cast(ordered_at as timestamp) as ordered_at,
               'shop' as channel, now() as loaded_at
        from {{ ref('orders') }}
        order by order_id desc
    """,
    "models/orders.ff.sql": "select 1 as order_id, 1.5 as amount, '2024-01-05' as ordered_at\n",
    "models/big_orders.ff.sql": "select order_id from {{ ref('orders') }} where amount > 100\n",
}

INPUTS = """
defaults:
  inputs:
    orders:
      rows:
        - {order_id: 1, amount: 19.9, ordered_at: "2024-01-05 13:30:00"}
        - {order_id: 2, amount: 5, ordered_at: "2024-01-06 08:00:00"}
        - {order_id: 3, amount: 0.30000000000000004, ordered_at: "2024-01-07 00:00:00"}
"""

SPEC = "model: orders_enriched\n" + INPUTS + """
cases:
  - name: extra_result_columns_and_any_row_order
    expect:
      rows:
        - {order_id: 1, amount: 19.9}
        - {order_id: 2, amount: 5}
        - {order_id: 3, amount: 0.30000000000000004}

  - name: order_by_pairs_by_key
    expect:
      order_by: [order_id]
      any_order: true
      rows:
        - {order_id: 3, amount: 0.30000000000000004}
        - {order_id: 1, amount: 19.9}
        - {order_id: 2, amount: 5.0}

  - name: subset_allows_more_rows
    expect:
      subset: true
      rows:
        - {order_id: 2, amount: 5}

  - name: approx_per_column
    expect:
      approx: {amount: "0.01"}
      rows:
        - {order_id: 1, amount: 19.905}
        - {order_id: 2, amount: 5}
        - {order_id: 3, amount: 0.3}

  - name: approx_true_is_the_0_4_spelling
    expect:
      approx: true
      ignore_columns: [loaded_at, channel, ordered_at]
      rows:
        - {order_id: 1, amount: 19.9}
        - {order_id: 2, amount: 5}
        - {order_id: 3, amount: 0.3}

  - name: dates_match_timestamps_of_that_day
    expect:
      rows:
        - {order_id: 1, ordered_at: "2024-01-05"}
        - {order_id: 2, ordered_at: 2024-01-06}
        - {order_id: 3, ordered_at: "2024-01-07 00:00:00"}
"""

# An expectation without rows: the model returns none (as FastFlowTransform reads it).
NO_ROWS_SPEC = "model: big_orders\n" + INPUTS + """
cases:
  - name: no_rows_given_means_no_rows
    expect:
      order_by: [order_id]
"""

FAILING = "model: orders_enriched\n" + INPUTS + """
cases:
  - name: wrong
    expect:
      order_by: [order_id]
      rows:
        - {order_id: 1, amount: 19.9, channel: web}
        - {order_id: 2, amount: 5, channel: shop}
        - {order_id: 4, amount: 1, channel: shop}
"""

PASSING = [
    "extra_result_columns_and_any_row_order",
    "order_by_pairs_by_key",
    "subset_allows_more_rows",
    "approx_per_column",
    "approx_true_is_the_0_4_spelling",
    "dates_match_timestamps_of_that_day",
    "no_rows_given_means_no_rows",
]

DIFF_TEXT = """\
orders_enriched: 3 expected rows, 3 in the result; 1 differs, 1 missing, 1 unexpected
  row 1 (order_id=1): channel expected 'web', got 'shop'
missing rows (expected, not in the result):
  row 3: {order_id: 4, amount: 1, channel: 'shop'}
unexpected rows (in the result, not expected):
  {order_id: 3, amount: 0.30000000000000004, channel: 'shop'}"""

CSV_DIFF = """\
--- expected
+++ actual
order_id,amount,channel
-1,19.9,web
+1,19.9,shop
-4,1,shop
+3,0.30000000000000004,shop"""


@pytest.fixture
def project(make_project: Callable[..., Path]) -> Path:
    return make_project({**MODELS, "tests/unit/orders_enriched.yml": SPEC,
                         "tests/unit/big_orders.yml": NO_ROWS_SPEC})


def test_fft_utest_passes_every_0_6_case(project: Path, run_fft) -> None:
    result = run_fft("utest", str(project))
    assert result.returncode == 0, result.output
    for name in PASSING:
        assert f"✓ {name}" in result.stdout
    assert f"Done: {len(PASSING)} ok" in result.stdout


def test_pytest_fft_utest_passes_every_0_6_case(project: Path,
                                                pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(str(project), "--rootdir", str(project), "--fft-utest", "-v",
                                "-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(PASSING))
    assert result.ret == 0


def test_a_real_difference_fails_with_the_exact_diff(project: Path, run_fft,
                                                     pytester: pytest.Pytester) -> None:
    (project / "tests/unit/orders_enriched.yml").write_text(FAILING)
    result = run_fft("utest", str(project))
    assert result.returncode == 2, result.output
    assert CSV_DIFF in result.output
    assert "Traceback" not in result.output

    plain = pytester.runpytest(str(project), "--rootdir", str(project), "--fft-utest",
                               "-p", "no:cacheprovider")
    plain.assert_outcomes(failed=1, passed=1)  # big_orders' case still passes
    assert plain.ret == 1
    assert DIFF_TEXT in plain.stdout.str()

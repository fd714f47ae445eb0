"""evaluate() on hand-made rows: engine value types, edge cases and the row contract."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pytest_fft.checks import evaluate

EQUAL = """\
type: reconcile_equal
left:  {{ table: a, expr: "sum(x)" }}
right: {{ table: b, expr: "sum(x)" }}
{extra}
"""


def test_numbers_from_any_engine_type(one) -> None:
    spec = one(EQUAL.format(extra="abs_tolerance: 0.001"))
    out = evaluate(spec, (Decimal("10.0006"), 10.0))
    assert out.passed
    assert out.message == ("reconcile_equal a ⇔ b: left=10.001 right=10.000 diff=0.001 "
                           "within tolerance")
    assert out.metrics["diff"] == 0.0006
    out = evaluate(spec, (10.00104, 10))
    assert out.message == ("reconcile_equal a ⇔ b: left=10.00104 right=10.00000 "
                           "diff=0.00104 > abs_tolerance 0.001")
    out = evaluate(spec, (10, Decimal("10.01")))
    assert not out.passed
    assert out.message == ("reconcile_equal a ⇔ b: left=10.000 right=10.010 diff=0.010 "
                           "> abs_tolerance 0.001")
    assert out.metrics == {"left": 10, "right": 10.01, "diff": 0.01,
                           "rel_diff_pct": pytest.approx(0.0999, rel=1e-3)}


def test_float_noise_does_not_leak_into_metrics(one) -> None:
    out = evaluate(one(EQUAL.format(extra="abs_tolerance: 0.01")), (244.4, 241.9))
    assert out.metrics["diff"] == 2.5


def test_exact_equality_without_tolerance(one) -> None:
    spec = one(EQUAL.format(extra="name: exact"))
    assert evaluate(spec, (0.1 + 0.2, 0.3)).passed  # float noise below 1e-12 is equal
    assert evaluate(spec, (0.3 + 1e-9, 0.3)).passed is False
    assert evaluate(spec, (Decimal("1.50"), 1.5)).passed
    out = evaluate(spec, (3, 4))
    assert out.message == ("reconcile_equal a ⇔ b: left=3 right=4 diff=1, expected equal "
                           "(no tolerance set)")


def test_relative_tolerance_guards_zero(one) -> None:
    spec = one(EQUAL.format(extra="rel_tolerance_pct: 5"))
    assert evaluate(spec, (0, 0)).passed
    out = evaluate(spec, (1, 0))
    assert not out.passed
    assert out.metrics["rel_diff_pct"] == pytest.approx(1e14)


def test_bad_sides(one) -> None:
    spec = one(EQUAL.format(extra="abs_tolerance: 1"))
    out = evaluate(spec, (None, 3))
    assert (out.passed, out.message) == (
        False, "reconcile_equal a ⇔ b: left is NULL (sum(x) on a returned no value)")
    out = evaluate(spec, (3, "abc"))
    assert (out.passed, out.message) == (
        False, "reconcile_equal a ⇔ b: right is 'abc', not a number")
    out = evaluate(spec, (float("nan"), 3))
    assert not out.passed


def test_row_width_is_checked(one) -> None:
    spec = one("{type: not_null, table: t, column: c}")
    with pytest.raises(ValueError, match=r"not_null\[t.c\]: expected a row of 1 values"):
        evaluate(spec, (1, 2))


def test_accepted_values_row(one) -> None:
    spec = one("{type: accepted_values, table: t, column: c, values: [1, 2.5]}")
    row = (4, 2, Decimal("7.0"), 3, 9, 1) + (None, None) * 3
    out = evaluate(spec, row)
    assert out.message == "t.c has 4 rows outside [1, 2.5]: 7 (3), 9 (1)"
    assert out.metrics["top_values"] == [[7.0, 3], [9, 1]]


def test_severity_does_not_change_the_verdict(one) -> None:
    warn = one("{type: not_null, table: t, column: c, severity: warn}")
    error = one("{type: not_null, table: t, column: c}")
    assert (warn.severity, error.severity) == ("warn", "error")
    assert evaluate(warn, (2,)) == evaluate(error, (2,))
    assert evaluate(warn, (2,)).passed is False

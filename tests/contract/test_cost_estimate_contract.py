"""What every engine that declares CostEstimate guarantees (the cost guards rely on it)."""

from __future__ import annotations

import pytest

from pytest_fft.engines import Engine, capability
from pytest_fft.engines.capabilities import CostEstimate


def test_estimate_grows_with_the_rows_and_runs_nothing(engine: Engine) -> None:
    estimator = capability(engine, CostEstimate)
    if estimator is None:
        pytest.skip(f"{engine.name} cannot estimate query costs")
    seed = "select 1 as id, 'some text' as s"
    engine.create_relation("small_t", seed, "table")
    engine.create_relation("ten", " union all ".join([seed] * 10), "table")
    ten = engine.quote("ten")
    engine.create_relation("big_t", f"select a.id, a.s from {ten} a, {ten} b, {ten} c, {ten} d",
                           "table")
    small = estimator.estimate_bytes(f"select * from {engine.quote('small_t')}")
    big = estimator.estimate_bytes(f"select * from {engine.quote('big_t')}")
    assert small is not None and big is not None
    assert 0 < small < big
    # Planning is not running: a statement that would fail at run time is only estimated,
    # and one the engine cannot plan is None (never an exception).
    assert estimator.estimate_bytes(f"select * from {engine.quote('no_such_table')}") is None
    engine.create_relation("after", "select 1 as id", "table")  # the engine still works
    assert engine.query(f"select count(*) from {engine.quote('big_t')}") == [(10000,)]

"""validation.py: required columns of Python models, for one input frame or a dict of them."""

from __future__ import annotations

import pandas as pd
import pytest

from pytest_fft import RequiredColumnsError, validate_required_columns
from pytest_fft.errors import ModelError


def frame(*columns: str) -> pd.DataFrame:
    return pd.DataFrame({c: [1] for c in columns})


def test_single_frame_with_all_columns() -> None:
    validate_required_columns("users_enriched", frame("id", "email", "x"),
                              {"users": ("email", "id")})


def test_single_frame_missing_a_column() -> None:
    with pytest.raises(RequiredColumnsError) as info:
        validate_required_columns("users_enriched", frame("id", "name"),
                                  {"users.ff": ("email", "id")}, file="models/ue.ff.py")
    err = info.value
    assert err.message == "users_enriched: input users lacks required column email (has: id, name)"
    assert (err.file, err.node) == ("models/ue.ff.py", "users_enriched")
    assert err.hint == "add email to users, or drop it from requires="


def test_several_missing_columns_keep_the_requires_order() -> None:
    with pytest.raises(RequiredColumnsError) as info:
        validate_required_columns("m", frame("z"), {"users": ("id", "email", "a")})
    assert info.value.message == "m: input users lacks required columns id, email, a (has: z)"


def test_dict_of_frames() -> None:
    inputs = {"orders": frame("order_id", "amount"), "users_enriched": frame("id", "email")}
    validate_required_columns("mart", inputs, {"orders.ff": ("amount",),
                                               "users_enriched": ("email", "id")})


def test_dict_of_frames_missing_a_column_names_model_relation_and_column() -> None:
    inputs = {"orders": frame("order_id", "amount"), "users_enriched": frame("id")}
    with pytest.raises(RequiredColumnsError) as info:
        validate_required_columns("mart_orders_enriched", inputs,
                                  {"orders": ("amount",), "users_enriched": ("email", "id")})
    assert info.value.message == (
        "mart_orders_enriched: input users_enriched lacks required column email (has: id)")


def test_requires_key_that_is_not_an_input() -> None:
    inputs = {"orders": frame("a"), "users": frame("b")}
    with pytest.raises(RequiredColumnsError) as info:
        validate_required_columns("mart", inputs, {"customers": ("id",)})
    assert info.value.message == (
        "mart: requires names 'customers', which is not one of its inputs (orders, users)")
    assert info.value.hint == "list it in deps= or fix the requires key"


def test_no_requires_means_no_check() -> None:
    validate_required_columns("m", object(), {})


def test_error_types() -> None:
    assert issubclass(RequiredColumnsError, ModelError)
    assert issubclass(RequiredColumnsError, ValueError)  # as FastFlowTransform's

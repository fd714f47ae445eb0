"""The unit specs shipped in examples/simple_duckdb parse into the cases the spec describes,
and the example's Python models pass them (run in-process on the input frames, no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_fft.project.loader import load_project
from pytest_fft.project.records import Project
from pytest_fft.utest import (
    UnitCase,
    compare_frames,
    expected_frame,
    input_frame,
    load_unit_specs,
)


@pytest.fixture
def cases(simple_project: Path) -> tuple[Project, dict[str, UnitCase]]:
    project = load_project(simple_project)
    return project, {c.node_id: c for c in load_unit_specs(project)}


def test_the_three_example_files(cases: tuple[Project, dict[str, UnitCase]]) -> None:
    project, by_id = cases
    assert list(by_id) == [
        "tests/unit/mart_orders_enriched.yml::join_and_flag",
        "tests/unit/mart_users.yml::passthrough_columns",
        "tests/unit/users_enriched.yml::basic_gmail_flag",
        "tests/unit/users_enriched.yml::override_inputs",
    ]
    summary = {
        node_id: (c.model, c.engine, c.line, {r: d.rows for r, d in c.inputs.items()},
                  c.expect.relation, c.expect.order_by, c.expect.any_order, c.expect.rows)
        for node_id, c in by_id.items()
    }
    users = ({"id": 1, "email": "a@example.com"}, {"id": 2, "email": "b@gmail.com"})
    enriched = ({"id": 1, "email": "a@example.com", "is_gmail": False},
                {"id": 2, "email": "b@gmail.com", "is_gmail": True})
    assert summary == {
        "tests/unit/mart_orders_enriched.yml::join_and_flag": (
            "mart_orders_enriched", None, 12,
            {"orders": ({"order_id": 10, "user_id": 1, "amount": 19.9},
                        {"order_id": 11, "user_id": 1, "amount": -1.0}),
             "users_enriched": ({"id": 1, "email": "x@gmail.com", "is_gmail": True},)},
            "mart_orders_enriched", (), True,
            ({"order_id": 10, "user_id": 1, "email": "x@gmail.com", "is_gmail": True,
              "amount": 19.9, "valid_amt": True},
             {"order_id": 11, "user_id": 1, "email": "x@gmail.com", "is_gmail": True,
              "amount": -1.0, "valid_amt": False})),
        "tests/unit/mart_users.yml::passthrough_columns": (
            "mart_users.ff", None, 14, {"users_enriched": enriched},
            "mart_users", ("id",), False, enriched),
        "tests/unit/users_enriched.yml::basic_gmail_flag": (
            "users_enriched", None, 14, {"users": users},
            "users_enriched", ("id",), False, enriched),
        "tests/unit/users_enriched.yml::override_inputs": (
            "users_enriched", None, 20,
            {"users": ({"id": 3, "email": "c@hotmail.com"}, {"id": 4, "email": "d@gmail.com"})},
            "users_enriched", ("id",), False,
            ({"id": 3, "email": "c@hotmail.com", "is_gmail": False},
             {"id": 4, "email": "d@gmail.com", "is_gmail": True})),
    }
    for case in by_id.values():
        assert case.rel_path == case.spec_path.relative_to(project.root).as_posix()
        assert case.spec_path.is_file()
        assert case.expect.subset is False and case.expect.approx is False


def test_the_python_models_pass_their_cases(cases: tuple[Project, dict[str, UnitCase]]) -> None:
    project, by_id = cases
    ran = 0
    for case in by_id.values():
        model = project.models[case.model]
        if model.kind != "python":
            continue
        frames = {rel: input_frame(data) for rel, data in case.inputs.items()}
        result = model.func(*frames.values()) if len(frames) == 1 else model.func(frames)
        diff = compare_frames(result, case.expect, expected_frame(case.expect))
        assert diff.equal, diff.text
        ran += 1
    assert ran == 3


def test_a_broken_model_is_reported(cases: tuple[Project, dict[str, UnitCase]]) -> None:
    _, by_id = cases
    case = by_id["tests/unit/users_enriched.yml::basic_gmail_flag"]
    result = input_frame(case.inputs["users"]).assign(is_gmail=False)
    diff = compare_frames(result, case.expect, expected_frame(case.expect))
    assert diff.text == ("users_enriched: 2 expected rows, 2 in the result; 1 differs\n"
                         "  row 2 (id=2): is_gmail expected True, got False")
    assert diff.csv_text == ("--- expected\n+++ actual\nid,email,is_gmail\n"
                             "-2,b@gmail.com,True\n+2,b@gmail.com,False")

"""compare_frames: harmless type differences pass, real ones are reported, texts read well."""

from __future__ import annotations

import time as _time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pytest_fft.utest import (
    Expectation,
    FrameDiff,
    InputData,
    compare_frames,
    expected_frame,
    input_frame,
)


def expect(rows: Sequence[Mapping[str, Any]] | None = (), *, csv: Path | None = None,
           relation: str = "t", **options: Any) -> Expectation:
    return Expectation(relation=relation, rows=None if csv else tuple(rows or ()), csv=csv,
                       **options)


def compare(actual: Mapping[str, Sequence[Any]] | pd.DataFrame,
            rows: Sequence[Mapping[str, Any]] = (), **options: Any) -> FrameDiff:
    spec = expect(rows, **options)
    frame = actual if isinstance(actual, pd.DataFrame) else pd.DataFrame(actual)
    return compare_frames(frame, spec, expected_frame(spec))


EQUAL = FrameDiff(True, "", "")


# -- harmless differences ------------------------------------------------------------------


@pytest.mark.parametrize(("actual", "expected"), [
    pytest.param(pd.Series([1, 2]), [1.0, 2.0], id="int-vs-float"),
    pytest.param(pd.Series([1.0, 2.5]), [1, 2.5], id="float-vs-int"),
    pytest.param(pd.Series([1, 2], dtype="int32"), [1, 2], id="numpy-int32"),
    pytest.param(pd.Series([True, False]), [True, False], id="numpy-bool"),
    pytest.param(pd.Series([True, None], dtype="boolean"), [True, None], id="nullable-bool"),
    pytest.param(pd.Series([1, None], dtype="Int64"), [1, None], id="pd.NA-is-NULL"),
    pytest.param(pd.Series([1.0, np.nan]), [1, None], id="NaN-is-NULL"),
    pytest.param(pd.Series([None, None], dtype=object), [float("nan"), None], id="NaN-vs-None"),
    pytest.param(pd.Series(pd.to_datetime(["2024-01-01", None])), [date(2024, 1, 1), None],
                 id="NaT-is-NULL"),
    pytest.param(pd.Series(pd.to_datetime(["2024-01-01"])), ["2024-01-01"],
                 id="timestamp-vs-iso-date-text"),
    pytest.param(pd.Series(pd.to_datetime(["2024-01-01 10:30:00"])), ["2024-01-01T10:30:00"],
                 id="timestamp-vs-iso-timestamp-text"),
    pytest.param(pd.Series([date(2024, 1, 1)], dtype=object), ["2024-01-01"],
                 id="date-vs-text"),
    pytest.param(pd.Series(["2024-01-01"]), [date(2024, 1, 1)], id="text-vs-date"),
    pytest.param(pd.Series(pd.to_datetime(["2024-01-01"])), [date(2024, 1, 1)],
                 id="midnight-timestamp-vs-date"),
    pytest.param(pd.Series(pd.to_datetime(["2024-01-01 10:00:00+00:00"])),
                 [datetime(2024, 1, 1, 10)], id="aware-vs-naive-utc"),
    pytest.param(pd.Series(pd.to_datetime(["2024-01-01 12:00:00+02:00"])),
                 ["2024-01-01 10:00:00+00:00"], id="aware-vs-aware-text"),
    pytest.param(pd.Series([time(10, 0)], dtype=object), ["10:00:00"], id="time-vs-text"),
    pytest.param(pd.Series([Decimal("19.90")], dtype=object), [19.9], id="decimal-vs-float"),
    pytest.param(pd.Series([19.9]), [Decimal("19.9")], id="float-vs-decimal"),
    pytest.param(pd.Series([Decimal(2)], dtype=object), [2], id="decimal-vs-int"),
    pytest.param(pd.Series([uuid.UUID(int=1)], dtype=object),
                 ["00000000-0000-0000-0000-000000000001"], id="uuid-vs-text"),
    pytest.param(pd.Series([np.array([1, 2])], dtype=object), [[1, 2]], id="array-vs-list"),
    pytest.param(pd.Series([{"a": np.int64(1)}], dtype=object), [{"a": 1}], id="struct"),
    pytest.param(pd.Series([timedelta(days=1)]), [timedelta(days=1)], id="interval"),
    pytest.param(pd.Series(["a", "b"], dtype="string"), ["a", "b"], id="string-dtype"),
])
def test_harmless_differences_are_equal(actual: pd.Series, expected: list[Any]) -> None:
    assert compare({"v": actual}, [{"v": v} for v in expected]) == EQUAL


# -- real differences ----------------------------------------------------------------------


def test_real_differences_are_reported() -> None:
    diff = compare(
        {"id": [1, 2, 3, 4, 5, 6], "v": ["1", None, None, 1.0, 1, "2024-01-02"]},
        [{"id": 1, "v": 1}, {"id": 2, "v": 0}, {"id": 3, "v": ""}, {"id": 4, "v": 1.1},
         {"id": 5, "v": True}, {"id": 6, "v": date(2024, 1, 1)}],
    )
    assert not diff.equal
    assert diff.text == """\
t: 6 expected rows, 6 in the result; 6 differ
  row 1 (id=1): v expected 1, got '1'
  row 2 (id=2): v expected 0, got NULL
  row 3 (id=3): v expected '', got NULL
  row 4 (id=4): v expected 1.1, got 1.0
  row 5 (id=5): v expected True, got 1
  row 6 (id=6): v expected 2024-01-01, got 2024-01-02"""
    assert diff.csv_text == """\
--- expected
+++ actual
id,v
-1,1
+1,"1"
-2,0
+2,
-3,""
+3,
-4,1.1
+4,1.0
-5,True
+5,1
-6,2024-01-01
+6,2024-01-02"""


@pytest.mark.parametrize(("actual", "expected"), [
    ("1", 1), (1, "1"), (None, 0), (0, None), (None, ""), ("", None), (1.0, 1.1),
    (True, 1), (1, True), (False, 0), ("a", "A"), ("a ", "a"), (date(2024, 1, 1), "2024-01-02"),
    (datetime(2024, 1, 1, 0, 0, 1), datetime(2024, 1, 1)), ("x", date(2024, 1, 1)),
    (datetime(2024, 1, 2, 10), date(2024, 1, 1)),
    (Decimal("1.01"), 1.0), ([1, 2], [2, 1]), ({"a": 1}, {"a": 2}), ("true", True),
])
def test_each_real_difference_is_one(actual: Any, expected: Any) -> None:
    diff = compare(pd.DataFrame({"v": pd.Series([actual], dtype=object)}), [{"v": expected}])
    assert not diff.equal
    assert diff.text.startswith("t: 1 expected row, 1 in the result; 1 differs\n  row 1: v expected ")


# -- approx --------------------------------------------------------------------------------


def test_approx_true_forgives_float_noise_only() -> None:
    actual = {"id": [1, 2], "x": [0.1 + 0.2, 1.0]}
    assert not compare(actual, [{"id": 1, "x": 0.3}, {"id": 2, "x": 1.0}]).equal
    assert compare(actual, [{"id": 1, "x": 0.3}, {"id": 2, "x": 1.0}], approx=True) == EQUAL
    diff = compare(actual, [{"id": 1, "x": 0.3}, {"id": 2, "x": 1.001}], approx=True)
    assert diff.text == ("t: 2 expected rows, 2 in the result; 1 differs\n"
                         "  row 2 (id=2): x expected 1.001, got 1.0")
    # whole numbers stay exact, even with approx
    assert not compare({"n": [1]}, [{"n": 2}], approx=True).equal
    assert compare({"x": [Decimal("0.3")]}, [{"x": 0.1 + 0.2}], approx=True) == EQUAL


def test_approx_per_column_is_an_absolute_tolerance() -> None:
    actual = {"amount": [19.905, 5.0], "fee": [1.0, 1.0]}
    rows = [{"amount": 19.9, "fee": 1.0}, {"amount": 5.0, "fee": 1.0}]
    assert compare(actual, rows, approx={"amount": 0.01}) == EQUAL
    assert not compare(actual, rows, approx={"amount": 0.001}).equal
    assert not compare(actual, rows, approx={"fee": 0.01}).equal  # amount stays exact
    # whole numbers and Decimals are compared within the tolerance too
    assert compare({"n": [10]}, [{"n": 12}], approx={"n": 2.0}) == EQUAL
    assert compare({"n": [Decimal("1.5")]}, [{"n": 1}], approx={"n": 0.5}) == EQUAL
    assert not compare({"n": [True]}, [{"n": 1}], approx={"n": 5.0}).equal


# -- columns -------------------------------------------------------------------------------


def test_missing_columns_come_first_and_name_what_the_result_has() -> None:
    diff = compare({"id": [1, 2], "email": ["a", "x"], "flag": [1, 1]},
                   [{"id": 1, "email": "a", "is_gmail": True, "score": 1},
                    {"id": 2, "email": "b", "is_gmail": False, "score": 2}])
    assert diff.text == """\
t: 2 expected rows, 2 in the result; 2 missing columns, 1 differs
  missing columns (expected, not in the result): is_gmail, score; the result has id, email, flag
  row 2 (id=2): email expected 'b', got 'x'"""
    assert diff.csv_text == """\
--- expected
+++ actual
-id,email,is_gmail,score
+id,email,flag
id,email
-2,b
+2,x"""


def test_result_columns_the_case_does_not_name_are_not_compared() -> None:
    # FastFlowTransform compares the expected columns only; so do we, with or without subset
    assert compare({"id": [1], "extra": [0]}, [{"id": 1}]) == EQUAL
    actual = {"id": [1], "email": ["a"], "loaded_at": [datetime.now()]}
    assert compare(actual, [{"id": 1, "email": "a"}]) == EQUAL
    assert compare(actual, [{"id": 1, "email": "a"}], subset=True) == EQUAL
    # an expected column the result lacks is still a difference
    diff = compare(actual, [{"id": 1, "nickname": "z"}], subset=True)
    assert diff.text == (
        "t: 1 expected row, 1 in the result (subset); 1 missing column\n"
        "  missing column (expected, not in the result): nickname; the result has id, email, "
        "loaded_at")


def test_ignore_columns_drops_them_from_both_sides() -> None:
    actual = {"id": [1], "loaded_at": [datetime.now()], "email": ["a"]}
    assert compare(actual, [{"id": 1, "loaded_at": "whenever", "email": "a"}],
                   ignore_columns=("loaded_at",)) == EQUAL
    assert compare(actual, [{"id": 1, "email": "a"}], ignore_columns=("loaded_at",)) == EQUAL
    assert not compare(actual, [{"id": 1, "email": "b"}], ignore_columns=("loaded_at",)).equal
    assert compare({"ID": [1], "LOADED_AT": [0]}, [{"id": 1}], ignore_columns=("loaded_at",)) \
        == EQUAL
    # an ignored expected column is not missing from the result
    assert compare({"id": [1]}, [{"id": 1, "note": "x"}], ignore_columns=("note",)) == EQUAL


def test_column_names_match_case_insensitively_when_not_exactly() -> None:
    assert compare({"ID": [1], "EMAIL": ["a"]}, [{"id": 1, "email": "a"}]) == EQUAL
    assert compare({"id": [1]}, [{"Id": 1}]) == EQUAL


def test_duplicate_result_columns_do_not_break_the_comparison() -> None:
    frame = pd.DataFrame([[1, 2]], columns=["id", "id"])
    assert compare(frame, [{"id": 1}]) == EQUAL
    diff = compare(frame, [{"id": 2}])
    assert diff.text == "t: 1 expected row, 1 in the result; 1 differs\n  row 1: id expected 2, got 1"


# -- ordering ------------------------------------------------------------------------------


ROWS = [{"id": 1, "email": "a@x.com", "is_gmail": False},
        {"id": 2, "email": "b@gmail.com", "is_gmail": True},
        {"id": 3, "email": "c@gmail.com", "is_gmail": True}]
RESULT = {"id": [4, 2, 1], "email": ["d@x.com", "b@gmail.com", "a@x.com"],
          "is_gmail": [False, False, False]}

REPORT = """\
mart_users: 3 expected rows, 3 in the result; 1 differs, 1 missing, 1 unexpected
  row 2 (id=2): is_gmail expected True, got False
missing rows (expected, not in the result):
  row 3: {id: 3, email: 'c@gmail.com', is_gmail: True}
unexpected rows (in the result, not expected):
  {id: 4, email: 'd@x.com', is_gmail: False}"""

CSV_REPORT = """\
--- expected
+++ actual
id,email,is_gmail
-2,b@gmail.com,True
+2,b@gmail.com,False
-3,c@gmail.com,True
+4,d@x.com,False"""


@pytest.mark.parametrize("options", [{"order_by": ("id",)}, {"any_order": True}, {}],
                         ids=["order_by", "any_order", "neither"])
def test_the_report(options: dict[str, Any]) -> None:
    diff = compare(RESULT, ROWS, relation="mart_users", **options)
    assert diff == FrameDiff(False, REPORT, CSV_REPORT)


@pytest.mark.parametrize("options", [{"order_by": ("id",)}, {"any_order": True}, {},
                                     {"order_by": ("id",), "any_order": True}],
                         ids=["order_by", "any_order", "neither", "both"])
def test_the_result_row_order_never_matters(options: dict[str, Any]) -> None:
    actual = {"id": [3, 1, 2], "v": ["c", "a", "b"]}
    rows = [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}, {"id": 3, "v": "c"}]
    assert compare(actual, rows, **options) == EQUAL
    assert compare(actual, list(reversed(rows)), **options) == EQUAL


def test_order_by_several_columns_names_rows_by_their_key() -> None:
    actual = {"day": ["2024-01-02", "2024-01-01"], "shop": ["b", "a"], "n": [5, 1]}
    rows = [{"day": date(2024, 1, 1), "shop": "a", "n": 1},
            {"day": date(2024, 1, 2), "shop": "b", "n": 6}]
    diff = compare(actual, rows, order_by=("day", "shop"))
    assert diff.text == ("t: 2 expected rows, 2 in the result; 1 differs\n"
                         "  row 2 (day=2024-01-02, shop='b'): n expected 6, got 5")


def test_order_by_with_nulls_and_mixed_types() -> None:
    actual = pd.DataFrame({"k": pd.Series([None, "b", 2, True, 1.5], dtype=object),
                           "v": [1, 2, 3, 4, 5]})
    rows = [{"k": True, "v": 4}, {"k": 1.5, "v": 5}, {"k": 2, "v": 3}, {"k": "b", "v": 2},
            {"k": None, "v": 1}]
    assert compare(actual, rows, order_by=("k",)) == EQUAL
    assert compare(actual, list(reversed(rows)), any_order=True) == EQUAL


def test_order_by_with_repeated_keys_pairs_equal_rows_first() -> None:
    # FastFlowTransform sorts by every column in the end, so rows of one key may come in any
    # order; a key that is not unique must not turn equal rows into differing ones
    actual = {"k": [1, 1, 2], "v": ["b", "a", "c"]}
    rows = [{"k": 1, "v": "a"}, {"k": 1, "v": "b"}, {"k": 2, "v": "c"}]
    assert compare(actual, rows, order_by=("k",)) == EQUAL
    diff = compare({"k": [1, 1], "v": ["b", "z"]}, [{"k": 1, "v": "a"}, {"k": 1, "v": "b"}],
                   order_by=("k",))
    assert diff.text == ("t: 2 expected rows, 2 in the result; 1 differs\n"
                         "  row 1 (k=1): v expected 'a', got 'z'")


def test_order_by_missing_and_unexpected_rows_when_counts_differ() -> None:
    diff = compare({"id": [1, 2, 5]}, [{"id": 1}, {"id": 3}, {"id": 4}, {"id": 2}],
                   order_by=("id",))
    assert diff.text == """\
t: 4 expected rows, 3 in the result; 2 missing, 1 unexpected
missing rows (expected, not in the result):
  row 2: {id: 3}
  row 3: {id: 4}
unexpected rows (in the result, not expected):
  {id: 5}"""
    assert diff.csv_text == "--- expected\n+++ actual\nid\n-3\n-4\n+5"


def test_rows_are_a_multiset_duplicates_count() -> None:
    assert compare({"v": [2, 1, 2]}, [{"v": 2}, {"v": 2}, {"v": 1}]) == EQUAL
    diff = compare({"v": [1, 2, 2]}, [{"v": 1}, {"v": 1}, {"v": 2}], any_order=True)
    assert diff.text == ("t: 3 expected rows, 3 in the result; 1 differs\n"
                         "  row 2: v expected 1, got 2")
    diff = compare({"id": [1, 1, 2], "v": ["a", "a", "b"]}, [{"id": 1, "v": "a"},
                                                             {"id": 2, "v": "b"}])
    assert diff.text == ("t: 2 expected rows, 3 in the result; 1 unexpected\n"
                         "unexpected rows (in the result, not expected):\n  {id: 1, v: 'a'}")


def test_any_order_with_float_noise_and_approx() -> None:
    actual = {"k": ["a", "b"], "x": [0.1 + 0.2, 1.0]}
    rows = [{"k": "b", "x": 1.0}, {"k": "a", "x": 0.3}]
    assert compare(actual, rows, any_order=True, approx=True) == EQUAL
    assert compare(actual, rows, approx={"x": 1e-9}) == EQUAL


def test_without_order_by_left_over_rows_pair_when_they_mostly_agree() -> None:
    diff = compare({"id": [2, 1], "v": ["b", "x"]}, [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])
    assert diff.text == ("t: 2 expected rows, 2 in the result; 1 differs\n"
                         "  row 1 (id=1): v expected 'a', got 'x'")
    diff = compare({"id": [1, 2], "v": ["a", "b"]}, [{"id": 1, "v": "a"}])
    assert diff.text == ("t: 1 expected row, 2 in the result; 1 unexpected\n"
                         "unexpected rows (in the result, not expected):\n  {id: 2, v: 'b'}")
    diff = compare({"id": [1]}, [{"id": 1}, {"id": 2}])
    assert diff.text == ("t: 2 expected rows, 1 in the result; 1 missing\n"
                         "missing rows (expected, not in the result):\n  row 2: {id: 2}")
    # rows that agree on less than half of their cells stay one missing, one unexpected
    diff = compare({"a": [1, 5], "b": [1, 6], "c": [1, 7]},
                   [{"a": 1, "b": 1, "c": 1}, {"a": 2, "b": 3, "c": 4}, {"a": 5, "b": 0, "c": 0}])
    assert diff.text == """\
t: 3 expected rows, 2 in the result; 2 missing, 1 unexpected
missing rows (expected, not in the result):
  row 2: {a: 2, b: 3, c: 4}
  row 3: {a: 5, b: 0, c: 0}
unexpected rows (in the result, not expected):
  {a: 5, b: 6, c: 7}"""


# -- subset --------------------------------------------------------------------------------


def test_subset_allows_more_result_rows() -> None:
    actual = {"id": [3, 1, 2], "v": ["c", "a", "b"], "extra": [0, 0, 0]}
    assert compare(actual, [{"id": 2, "v": "b"}], subset=True) == EQUAL
    assert compare(actual, [{"id": 2, "v": "b"}], subset=True, order_by=("id",)) == EQUAL
    assert not compare(actual, [{"id": 2, "v": "b"}]).equal
    # as in FastFlowTransform, each expected row must be there; equal ones may meet one row
    assert compare(actual, [{"id": 1, "v": "a"}, {"id": 1, "v": "a"}], subset=True) == EQUAL


@pytest.mark.parametrize("options", [{"order_by": ("id",)}, {}], ids=["order_by", "neither"])
def test_subset_reports_the_rows_it_did_not_find(options: dict[str, Any]) -> None:
    actual = {"id": [1, 2, 3], "v": ["a", "x", "c"]}
    diff = compare(actual, [{"id": 2, "v": "b"}, {"id": 4, "v": "d"}, {"id": 1, "v": "a"}],
                   subset=True, **options)
    assert diff.text == """\
t: 3 expected rows, 3 in the result (subset); 1 differs, 1 missing
  row 1 (id=2): v expected 'b', got 'x'
missing rows (expected, not in the result):
  row 2: {id: 4, v: 'd'}"""
    assert diff.csv_text == "--- expected\n+++ actual\nid,v\n-2,b\n+2,x\n-4,d"


def test_several_cells_of_one_row() -> None:
    diff = compare({"id": [1], "a": ["x"], "b": [None]}, [{"id": 1, "a": "y", "b": 0}],
                   order_by=("id",))
    assert diff.text == ("t: 1 expected row, 1 in the result; 1 differs\n"
                         "  row 1 (id=1): a expected 'y', got 'x'; b expected 0, got NULL")


def test_long_lists_are_cut() -> None:
    diff = compare({"id": list(range(30))}, [])  # expect rows: [] -> only the count is checked
    lines = diff.text.splitlines()
    assert lines[0] == "t: 0 expected rows, 30 in the result; 30 unexpected"
    assert lines[-1] == "  ... and 10 more"
    assert len(lines) == 2 + 20 + 1


def test_expecting_no_rows() -> None:
    assert compare(pd.DataFrame({"id": pd.Series([], dtype="int64")}), []) == EQUAL
    diff = compare({"id": [7], "name": ["x"]}, [])
    assert diff == FrameDiff(
        False,
        "t: 0 expected rows, 1 in the result; 1 unexpected\n"
        "unexpected rows (in the result, not expected):\n"
        "  {id: 7, name: 'x'}",
        "--- expected\n+++ actual\nid,name\n+7,x")


def test_csv_quotes_only_what_would_be_ambiguous() -> None:
    values = ["plain", "a,b", 'say "hi"', "", "12", "true", "2024-01-01"]
    diff = compare({"id": list(range(7)), "v": values}, [{"id": i, "v": "x"} for i in range(7)],
                   order_by=("id",))
    assert [line.split(",", 1)[1] for line in diff.csv_text.splitlines()[4::2]] == [
        "plain", '"a,b"', '"say ""hi"""', '""', '"12"', '"true"', '"2024-01-01"']


# -- expected rows from a CSV file ------------------------------------------------------------


def test_expected_csv_cells_take_the_result_types(tmp_path: Path) -> None:
    path = tmp_path / "expected.csv"
    path.write_text("id,amount,ok,day,name,note\n"
                    "1,19.9,true,2024-01-01,007,\n"
                    "2,-1,False,2024-01-02,x,\n", encoding="utf-8")
    actual = pd.DataFrame({
        "id": [1, 2], "amount": [19.9, -1.0], "ok": [True, False],
        "day": pd.to_datetime(["2024-01-01", "2024-01-02"]), "name": ["007", "x"],
        "note": [None, None]})
    spec = expect(csv=path, order_by=("id",))
    assert compare_frames(actual, spec, expected_frame(spec)) == EQUAL
    # text that does not read as the result's type is reported as written
    path.write_text("id,amount,ok,day,name,note\n1,lots,yes,soon,7,\n2,-1,false,2024-01-02,x,"
                    "\n", encoding="utf-8")
    diff = compare_frames(actual, spec, expected_frame(spec))
    assert diff.text == ("t: 2 expected rows, 2 in the result; 1 differs\n"
                         "  row 1 (id=1): amount expected 'lots', got 19.9; ok expected 'yes', "
                         "got True; day expected 'soon', got 2024-01-01 00:00:00; "
                         "name expected '7', got '007'")


# -- frames from specs ------------------------------------------------------------------------


def test_expected_frame_keeps_python_values() -> None:
    frame = expected_frame(expect([{"id": 1, "d": date(2024, 1, 1)}, {"id": None, "x": "a"}]))
    assert list(frame.columns) == ["id", "d", "x"]
    assert frame["id"].tolist() == [1, None]
    assert frame["d"].tolist() == [date(2024, 1, 1), None]


def test_input_frame_types() -> None:
    rows = ({"i": 1, "n": 1, "b": True, "nb": None, "f": 1, "s": "a", "d": date(2024, 1, 1),
             "z": None},
            {"i": 2, "n": None, "b": False, "nb": True, "f": 2.5, "s": None,
             "d": date(2024, 1, 2), "z": None})
    frame = input_frame(InputData(relation="r", rows=rows, csv=None,
                                  columns=("i", "n", "b", "nb", "f", "s", "d", "z"), line=1))
    assert {c: str(t) for c, t in frame.dtypes.items()} | {"s": "text"} == {
        "i": "int64", "n": "Int64", "b": "bool", "nb": "boolean", "f": "float64",
        "s": "text", "d": "object", "z": "object"}
    assert frame["n"].tolist()[0] == 1 and frame["n"].isna().tolist() == [False, True]
    assert frame["s"].tolist()[0] == "a"


def test_input_frame_from_csv(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,email\n1,a@x.com\n2,\n")
    frame = input_frame(InputData(relation="r", rows=None, csv=path, columns=("id", "email"),
                                  line=1))
    assert frame["id"].tolist() == [1, 2]
    assert frame["email"].isna().tolist() == [False, True]


def test_small_comparisons_are_fast() -> None:
    rows = [{"id": i, "email": f"{i}@x.com", "amount": i * 1.5, "ok": i % 2 == 0,
             "day": date(2024, 1, 1 + i)} for i in range(5)]
    actual = pd.DataFrame(rows)[::-1]
    spec = expect(rows, any_order=True, approx={"amount": 0.01})
    compare_frames(actual, spec, expected_frame(spec))  # warm up imports
    start = _time.perf_counter()
    for _ in range(20):
        assert compare_frames(actual, spec, expected_frame(spec)).equal
    assert (_time.perf_counter() - start) / 20 < 0.010


def test_timezones_in_sort_keys_do_not_clash() -> None:
    actual = pd.DataFrame({"t": pd.Series([datetime(2024, 1, 1, tzinfo=UTC),
                                           datetime(2024, 1, 2)], dtype=object)})
    assert compare(actual, [{"t": "2024-01-02"}, {"t": "2024-01-01T00:00:00Z"}],
                   any_order=True) == EQUAL


# -- the comparison matrix: what passes in FastFlowTransform 0.6 passes here -------------------

AMOUNTS = pd.DataFrame({"id": [2, 1, 3], "amount": [Decimal("5.00"), Decimal("19.90"), None],
                        "day": pd.to_datetime(["2024-01-06 08:00", "2024-01-05 13:30", None]),
                        "note": ["b", "a", None]})

MATRIX: list[tuple[str, list[dict[str, Any]], dict[str, Any], bool]] = [
    ("fewer columns, other order", [{"id": 1}, {"id": 2}, {"id": 3}], {}, True),
    ("decimal vs float and int", [{"id": 1, "amount": 19.9}, {"id": 2, "amount": 5},
                                  {"id": 3, "amount": None}], {}, True),
    ("date text vs timestamp", [{"id": 1, "day": "2024-01-05"}, {"id": 2, "day": "2024-01-06"},
                                {"id": 3, "day": None}], {"order_by": ("id",)}, True),
    ("timestamp text vs timestamp", [{"id": 1, "day": "2024-01-05 13:30:00"},
                                     {"id": 2, "day": "2024-01-06 08:00:00"},
                                     {"id": 3, "day": None}], {}, True),
    ("another time of the day", [{"id": 1, "day": "2024-01-05 13:31:00"},
                                 {"id": 2, "day": "2024-01-06 08:00:00"},
                                 {"id": 3, "day": None}], {}, False),
    ("NULL is not empty text", [{"id": 1, "note": "a"}, {"id": 2, "note": "b"},
                                {"id": 3, "note": ""}], {}, False),
    ("NULL key under order_by", [{"note": None, "id": 3}, {"note": "a", "id": 1},
                                 {"note": "b", "id": 2}], {"order_by": ("note",)}, True),
    ("a duplicate row is one row too many", [{"id": 1}, {"id": 1}, {"id": 2}, {"id": 3}], {},
     False),
    ("a missing row", [{"id": 1}, {"id": 2}], {}, False),
    ("subset: a missing row is fine", [{"id": 1}, {"id": 2}], {"subset": True}, True),
    ("subset: a wrong row is not", [{"id": 1, "note": "z"}], {"subset": True}, False),
    ("approx on a decimal", [{"id": 1, "amount": 19.899}, {"id": 2, "amount": 5.001},
                             {"id": 3, "amount": None}], {"approx": {"amount": 0.01}}, True),
    ("approx does not forgive NULL", [{"id": 1, "amount": 19.9}, {"id": 2, "amount": 5},
                                      {"id": 3, "amount": 0}], {"approx": {"amount": 1.0}},
     False),
    ("ignore a column both sides", [{"id": 1, "note": "x"}, {"id": 2, "note": "y"},
                                    {"id": 3, "note": "z"}], {"ignore_columns": ("note",)}, True),
    ("an expected column the result lacks", [{"id": 1, "zzz": 1}], {"subset": True}, False),
]


@pytest.mark.parametrize(("rows", "options", "equal"), [m[1:] for m in MATRIX],
                         ids=[m[0] for m in MATRIX])
def test_the_comparison_matrix(rows: list[dict[str, Any]], options: dict[str, Any],
                               equal: bool) -> None:
    diff = compare(AMOUNTS, rows, **options)
    assert diff.equal is equal, diff.text
    assert (diff.text == "") is equal

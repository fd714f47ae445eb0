"""Comparing a model's result with a case's expected rows, and saying how they differ.

:func:`compare_frames` returns a :class:`FrameDiff`: ``text`` is a readable report for pytest,
``csv_text`` the compact CSV-style diff ``fft utest`` prints::

    mart_users: 3 expected rows, 3 in the result; 1 differs, 1 missing, 1 unexpected
      row 2 (id=2): is_gmail expected True, got False
    missing rows (expected, not in the result):
      row 3: {id: 3, email: 'c@gmail.com', is_gmail: True}
    unexpected rows (in the result, not expected):
      {id: 4, email: 'd@x.com', is_gmail: False}

Unit-test frames are small, so cells are compared in plain Python over column lists (a few
microseconds per cell) instead of per-cell pandas operations.

Cells are normalised so that harmless type differences pass and real ones do not:

* NULL is ``None``, ``NaN``, ``pd.NA`` and ``NaT`` alike; NULL never equals ``0`` or ``""``;
* numbers compare by value (``1 == 1.0``, ``Decimal("19.90") == 19.9``), numpy scalars as
  Python ones; a bool only equals a bool (``True`` is not ``1``);
* text compares exactly, and text never equals a number (``"1"`` is not ``1``);
* in a column holding dates or timestamps, ISO text is parsed (``'2024-01-01'`` equals
  ``date(2024, 1, 1)``), and a naive timestamp is taken as UTC when the other side has a
  time zone;
* UUIDs compare as their text, arrays as lists.

Decisions where the spec leaves room:

* Expected rows from a CSV file are untyped text: each cell is read as the type of the result's
  column (``1`` as a number if the result holds numbers, ``true`` as a bool, ISO text as a
  date), an empty cell is NULL; text that does not parse stays text and is reported.
* Columns match by exact name first, then case-insensitively (Postgres folds names to lower
  case, Snowflake to upper case); ``ignore_columns`` ignores a column in any case.

As FastFlowTransform 0.6 compares (``Unit_Tests.md``; the 0.4 spec's spellings keep working):

* Only the expected columns are compared: result columns the case does not name are fine; an
  expected column the result lacks is a difference.
* The result's row order never matters. ``order_by`` pairs rows by those columns (a sorted
  merge; rows of one key pair equal rows first), so a row whose key is absent on one side is
  reported as missing/unexpected rather than as a row whose every cell differs. Without it
  rows match as a multiset (``any_order: true``, the 0.4 spelling, says so explicitly);
  left-over rows that agree on at least half of the columns are reported as one differing
  row.
* ``subset: true``: the result may hold more rows too; every expected row must be found in it
  (two equal expected rows may be found as one result row, as FastFlowTransform checks them).
* ``approx: {col: tol}`` is an absolute tolerance per column; ``approx: true`` (0.4) a
  relative one on every float column.
* A date (or date-only ISO text) equals any timestamp of that day, as FastFlowTransform
  compares timestamps by their date; two timestamps compare exactly.
* Rows are numbered as the spec writes them; expected rows without columns (``rows: []``)
  only check that the result is empty.
* Each list in the report is cut after 20 entries ("... and 5 more").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pytest_fft.utest.spec import Expectation, InputData

if TYPE_CHECKING:
    import pandas as pd

#: ``approx: true`` tolerances (relative, absolute) on float columns.
APPROX_REL = 1e-9
APPROX_ABS = 1e-12
#: How many entries each list of the report shows.
MAX_LISTED = 20


@dataclass(frozen=True)
class FrameDiff:
    """The outcome of a comparison; ``text``/``csv_text`` are empty when ``equal``."""

    equal: bool
    text: str
    csv_text: str


# ---------------------------------------------------------------------------------------------
# frames from a spec
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cells:
    """Named columns of plain values: expected rows without building a pandas frame."""

    names: tuple[str, ...]
    columns: tuple[tuple[Any, ...], ...]
    rows: int

    @classmethod
    def of_rows(cls, names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> Cells:
        """Columns of ``rows`` (tuples in the order of ``names``)."""
        columns = tuple(zip(*rows, strict=True)) if rows else tuple(() for _ in names)
        return cls(tuple(names), columns, len(rows))


def expected_cells(expect: Expectation) -> Cells | pd.DataFrame:
    """:func:`expected_frame`, as :class:`Cells` for inline rows (a tenth of the cost)."""
    if expect.csv is not None:
        return expected_frame(expect)
    rows = expect.rows or ()
    names = tuple(dict.fromkeys(key for row in rows for key in row))
    return Cells(names, tuple(tuple(row.get(c) for row in rows) for c in names), len(rows))


def expected_frame(expect: Expectation) -> pd.DataFrame:
    """The expected rows as a frame: inline rows keep their Python values (object columns);
    a CSV is read as text (empty cells are NULL), to be typed by :func:`compare_frames`."""
    import pandas as pd

    if expect.csv is not None:
        return pd.read_csv(expect.csv, dtype=object, keep_default_na=False, na_values=[""],
                           encoding="utf-8-sig")
    rows = expect.rows or ()
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return pd.DataFrame({c: [row.get(c) for row in rows] for c in columns}, columns=columns,
                        dtype=object)


def input_frame(data: InputData) -> pd.DataFrame:
    """An input relation as a frame to load into the engine.

    Inline rows get column types from their values: whole numbers become ``Int64`` and
    booleans ``boolean`` when a NULL is among them (so ``1`` does not turn into ``1.0``),
    mixed numbers ``float64``, anything else stays as written. A CSV is read by pandas.
    """
    import pandas as pd

    if data.csv is not None:
        return pd.read_csv(data.csv, encoding="utf-8-sig")
    rows = data.rows or ()
    columns = list(data.columns)
    return pd.DataFrame({c: _series([row.get(c) for row in rows]) for c in columns},
                        columns=columns, index=range(len(rows)))


def _series(values: list[Any]) -> Any:
    import pandas as pd

    present = [v for v in values if v is not None]
    has_null = len(present) < len(values)
    if present and all(isinstance(v, bool) for v in present):
        return pd.Series(values, dtype="boolean" if has_null else bool)
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        try:
            return pd.Series(values, dtype="Int64" if has_null else "int64")
        except (OverflowError, TypeError, ValueError):
            return pd.Series(values, dtype=object)
    if present and all(isinstance(v, str) for v in present):
        return pd.Series(values)
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                       for v in present):
        return pd.Series([math.nan if v is None else float(v) for v in values], dtype="float64")
    return pd.Series(values, dtype=object)


# ---------------------------------------------------------------------------------------------
# cell normalisation
# ---------------------------------------------------------------------------------------------

_NUMBER = (int, float, Decimal)


def _canon(value: Any) -> Any:
    """A plain Python value: NULLs become ``None``, numpy/pandas scalars Python ones."""
    if value is None:
        return None
    kind = type(value)
    if kind is str or kind is bool or kind is int:
        return value
    if kind is float:
        return None if math.isnan(value) else value
    module = kind.__module__
    if module.startswith(("pandas", "numpy")):
        return _canon_pandas(value)
    if isinstance(value, Decimal):
        return None if value.is_nan() else value
    if isinstance(value, float):  # a subclass
        return None if math.isnan(value) else float(value)
    if isinstance(value, int):
        return value if isinstance(value, bool) else int(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_canon(v) for v in value]
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items()}
    return value


def _canon_pandas(value: Any) -> Any:
    import numpy as np
    import pandas as pd

    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.ndarray):
        return [_canon(v) for v in value.tolist()]
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value)
    if isinstance(value, np.timedelta64):
        return None if np.isnat(value) else pd.Timedelta(value)
    if isinstance(value, np.generic):
        return _canon(value.item())
    return value  # pd.Timestamp / pd.Timedelta are datetime / timedelta already


def _is_number(value: Any) -> bool:
    return isinstance(value, _NUMBER) and not isinstance(value, bool)


def _is_temporal(value: Any) -> bool:
    return isinstance(value, (date, time))  # datetime is a date


def _parse_iso(text: str) -> Any:
    """ISO text as a date, timestamp or time; the text itself if it is none of them."""
    stripped = text.strip()
    try:
        if len(stripped) == 10:
            return date.fromisoformat(stripped)
        return datetime.fromisoformat(stripped)
    except ValueError:
        pass
    try:
        return time.fromisoformat(stripped)
    except ValueError:
        return text


def _parse_as(text: str, like: Any) -> Any:
    """CSV text read as the type of ``like`` (a value of the result's column)."""
    if isinstance(like, bool):
        lowered = text.strip().lower()
        return {"true": True, "false": False}.get(lowered, text)
    if _is_number(like):
        stripped = text.strip()
        try:
            return int(stripped)
        except ValueError:
            pass
        try:
            return Decimal(stripped) if isinstance(like, Decimal) else float(stripped)
        except (ValueError, InvalidOperation):
            return text
    if _is_temporal(like):
        return _parse_iso(text)
    return text


def _naive_utc(value: date) -> datetime:
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _numbers_equal(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) != isinstance(b, Decimal) and (
        isinstance(a, float) or isinstance(b, float)
    ):
        return float(a) == float(b)
    return bool(a == b)


Tolerance = float | str | None  # an absolute tolerance, "approx" (rel+abs on floats) or None


def _equal(expected: Any, actual: Any, tolerance: Tolerance = None) -> bool:
    """Whether two normalised cells are the same value."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if _is_number(expected) and _is_number(actual):
        if tolerance == "approx":
            if isinstance(expected, int) and isinstance(actual, int):
                return expected == actual
            return math.isclose(float(expected), float(actual), rel_tol=APPROX_REL,
                                abs_tol=APPROX_ABS)
        if tolerance is not None:
            if isinstance(expected, int) and isinstance(actual, int):
                return abs(expected - actual) <= float(tolerance)
            return abs(float(expected) - float(actual)) <= float(tolerance)
        return _numbers_equal(expected, actual)
    if isinstance(expected, str) or isinstance(actual, str):
        return isinstance(expected, str) and isinstance(actual, str) and expected == actual
    if isinstance(expected, date) and isinstance(actual, date):
        if isinstance(expected, datetime) != isinstance(actual, datetime):
            # a date against a timestamp: the day (FastFlowTransform compares timestamps by
            # their date; its 0.6 projects write `2024-01-05` for a timestamp column)
            return _day(expected) == _day(actual)
        return _naive_utc(expected) == _naive_utc(actual)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(
            _equal(e, a, tolerance) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            _equal(expected[k], actual[k], tolerance) for k in expected)
    try:
        return bool(expected == actual)
    except Exception:
        return False


def _sort_key(value: Any) -> tuple[Any, ...]:
    """Orders any mix of cells: booleans, numbers, timestamps, times, text, ..., NULL last."""
    if value is None:
        return (9, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if _is_number(value):
        return (2, value)
    if isinstance(value, date):
        return (3, _naive_utc(value))
    if isinstance(value, time):
        return (4, value.replace(tzinfo=None))
    if isinstance(value, str):
        return (5, value)
    if isinstance(value, timedelta):
        return (6, value)
    return (8, repr(value))


def _row_key(row: Sequence[Any], positions: Sequence[int]) -> tuple[Any, ...]:
    return tuple(_sort_key(row[i]) for i in positions)


# ---------------------------------------------------------------------------------------------
# showing values
# ---------------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    """A cell for the text report: text quoted, NULL as NULL, everything else as itself."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    return str(value)


def _looks_typed(text: str) -> bool:
    """Text that would read as something else unquoted in a CSV line."""
    if text == "" or text.strip() != text or text.lower() in ("true", "false", "null", "nan"):
        return True
    try:
        float(text)
    except ValueError:
        return _parse_iso(text) is not text
    return True


def _csv_cell(value: Any) -> str:
    """A cell for the CSV diff: NULL is empty; text is quoted when it contains a comma, a
    quote or a line break, or would read as something else (``"1"``, ``""``, ``"true"``)."""
    if value is None:
        return ""
    if isinstance(value, str):
        quote = _looks_typed(value) or any(ch in value for ch in ',"\n\r')
        return '"' + value.replace('"', '""') + '"' if quote else value
    shown = repr(value) if isinstance(value, float) else _show(value)
    return '"' + shown.replace('"', '""') + '"' if any(ch in shown for ch in ',"\n') else shown


def _csv_line(cells: Sequence[Any]) -> str:
    return ",".join(_csv_cell(c) for c in cells)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _capped(lines: list[str], indent: str = "  ", limit: int = MAX_LISTED) -> list[str]:
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], f"{indent}... and {len(lines) - limit} more"]


# ---------------------------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------------------------


def _columns(frame: Any) -> tuple[list[str], list[list[Any]], int]:
    """Column names, per column its normalised cells (position-based: duplicates stay), and
    the number of rows, of a pandas frame, an Arrow table or :class:`Cells`."""
    if isinstance(frame, Cells):
        return (list(frame.names), [[_canon(v) for v in col] for col in frame.columns],
                frame.rows)
    if hasattr(frame, "column_names"):  # an Arrow table: its values are Python values
        return ([str(c) for c in frame.column_names],
                [[_canon(v) for v in col.to_pylist()] for col in frame.columns], frame.num_rows)
    names = [str(c) for c in frame.columns]
    cells = [[_canon(v) for v in frame.iloc[:, i].tolist()] for i in range(len(names))]
    return names, cells, len(frame.index)


def _match_columns(expected: Sequence[str], actual: Sequence[str]) -> dict[str, int]:
    """Expected column -> position in ``actual``: exact names first, then case-insensitive."""
    position: dict[str, int] = {}
    for i, name in enumerate(actual):
        position.setdefault(name, i)
    folded: dict[str, list[int]] = {}
    for i, name in enumerate(actual):
        folded.setdefault(name.lower(), []).append(i)
    taken = {position[c] for c in expected if c in position}
    out: dict[str, int] = {}
    for column in expected:
        if column in position:
            out[column] = position[column]
            continue
        free = [i for i in folded.get(column.lower(), []) if i not in taken]
        if len(free) == 1:
            out[column] = free[0]
            taken.add(free[0])
    return out


def _align_types(expected: list[Any], actual: list[Any], text_mode: bool) -> list[Any]:
    """Expected cells typed like the result's column (CSV text), ISO text parsed in temporal
    columns (both sides, in place for ``actual``). Returns the expected cells."""
    like = next((v for v in actual if v is not None), None)
    if text_mode and like is not None:
        expected = [_parse_as(v, like) if isinstance(v, str) else v for v in expected]
    if any(_is_temporal(v) for v in expected) or _is_temporal(like):
        expected = [_parse_iso(v) if isinstance(v, str) else v for v in expected]
        for i, v in enumerate(actual):
            if isinstance(v, str):
                actual[i] = _parse_iso(v)
    return expected


def _tolerances(columns: Sequence[str], approx: bool | Mapping[str, float]) -> list[Tolerance]:
    if approx is True:
        return ["approx"] * len(columns)
    if isinstance(approx, Mapping):
        return [float(approx[c]) if c in approx else None for c in columns]
    return [None] * len(columns)


@dataclass
class _Pairing:
    """How expected rows (indices into the expected rows as written) met the result's rows."""

    pairs: list[tuple[int, int]]  # (expected, actual) rows paired, equal or differing
    missing: list[int]  # expected rows not in the result
    unexpected: list[int]  # result rows not expected


def compare_frames(actual: Any, expect: Expectation, expected: Any) -> FrameDiff:
    """Compare ``actual`` (the model's result) with ``expected`` as ``expect`` says.

    Either may be a pandas frame, an Arrow table or :class:`Cells`.

    >>> import pandas as pd                                     # doctest: +SKIP
    >>> compare_frames(result, case.expect, expected_frame(case.expect)).equal  # doctest: +SKIP
    True
    """
    ignore = {c.lower() for c in expect.ignore_columns}  # as loose as column matching
    a_names, a_cells, n_actual = _columns(actual)
    e_names, e_cells, n_expected = _columns(expected)
    a_keep = [i for i, n in enumerate(a_names) if n.lower() not in ignore]
    e_keep = [i for i, n in enumerate(e_names) if n.lower() not in ignore]
    e_cols = [e_names[i] for i in e_keep]
    e_by_name = {e_names[i]: i for i in e_keep}
    matched = _match_columns(e_cols, [a_names[i] for i in a_keep])
    matched = {c: a_keep[p] for c, p in matched.items()}

    # Only the expected columns are compared: result columns the case does not name are
    # fine (as in FastFlowTransform); an expected column the result lacks is a difference.
    missing_cols = [c for c in e_cols if c not in matched]
    columns = [c for c in e_cols if c in matched]  # compared columns, in expected order

    text_mode = expect.csv is not None
    e_columns: list[list[Any]] = []
    a_columns: list[list[Any]] = []
    for column in columns:
        a_values = list(a_cells[matched[column]])
        e_columns.append(_align_types(e_cells[e_by_name[column]], a_values, text_mode))
        a_columns.append(a_values)
    if columns:
        e_rows = [list(r) for r in zip(*e_columns, strict=True)]
        a_rows = [list(r) for r in zip(*a_columns, strict=True)]
    else:
        e_rows = [[] for _ in range(n_expected)]
        a_rows = [[] for _ in range(n_actual)]
    tolerances = _tolerances(columns, expect.approx)

    order = [columns.index(c) for c in expect.order_by if c in columns]
    pairing = _pair(e_rows, a_rows, order, tolerances, subset=expect.subset)

    differing: list[tuple[int, int, list[int]]] = []
    for e_index, a_index in pairing.pairs:
        cells = [k for k in range(len(columns))
                 if not _equal(e_rows[e_index][k], a_rows[a_index][k], tolerances[k])]
        if cells:
            differing.append((e_index, a_index, cells))

    if not (missing_cols or differing or pairing.missing or pairing.unexpected):
        return FrameDiff(True, "", "")

    shown_actual = columns
    actual_rows_shown = [a_rows[i] for i in pairing.unexpected]
    if not columns:  # nothing expected: show the unexpected rows with their own columns
        shown_actual = [a_names[i] for i in a_keep]
        actual_rows_shown = [[a_cells[c][i] for c in a_keep] for i in pairing.unexpected]

    report = _Report(expect.relation, columns, order)
    text = report.text(
        missing_cols=missing_cols, result_cols=[a_names[i] for i in a_keep],
        differing=[(e, e_rows[e], a_rows[a], cells) for e, a, cells in differing],
        missing=[(i, e_rows[i]) for i in pairing.missing], unexpected=actual_rows_shown,
        shown_actual=shown_actual, counts=(n_expected, n_actual), subset=expect.subset,
    )
    csv_text = report.csv(
        expected_header=e_cols,
        actual_header=[a_names[i] for i in a_keep] if missing_cols else None,
        differing=[(e_rows[e], a_rows[a]) for e, a, _ in differing],
        missing=[e_rows[i] for i in pairing.missing], unexpected=actual_rows_shown,
        shown_actual=shown_actual,
    )
    return FrameDiff(False, text, csv_text)


def _rows_equal(e: Sequence[Any], a: Sequence[Any], positions: Sequence[int],
                tolerances: Sequence[Tolerance]) -> bool:
    return all(_equal(e[k], a[k], tolerances[k]) for k in positions)


def _pair(e_rows: list[list[Any]], a_rows: list[list[Any]], order: Sequence[int],
          tolerances: Sequence[Tolerance], *, subset: bool) -> _Pairing:
    """Which expected row meets which result row; the result's row order never matters.

    With ``order`` (the ``order_by`` columns) rows pair by their key: within one key, equal
    rows first, then the rest in sorted order. Without it rows match as a multiset, and
    left-over rows that agree on at least half of the columns are paired to show their
    differing cells. With ``subset`` the result may hold more rows, and an expected row is
    found when any result row equals it (so two equal expected rows may meet one result
    row, as FastFlowTransform checks them)."""
    width = len(e_rows[0]) if e_rows else (len(a_rows[0]) if a_rows else 0)
    every = list(range(width))
    pairing = _pair_by_key(e_rows, a_rows, order or every, every, tolerances)
    if not order:
        _pair_similar(pairing, e_rows, a_rows, tolerances, width)
    if subset:
        def found(e_index: int) -> bool:
            return any(_rows_equal(e_rows[e_index], row, every, tolerances) for row in a_rows)

        paired = [(e, a) for e, a in pairing.pairs
                  if _rows_equal(e_rows[e], a_rows[a], every, tolerances) or not found(e)]
        pairing = _Pairing(paired, [e for e in pairing.missing if not found(e)], [])
    return pairing


def _pair_by_key(e_rows: list[list[Any]], a_rows: list[list[Any]], key: Sequence[int],
                 every: Sequence[int], tolerances: Sequence[Tolerance]) -> _Pairing:
    """Sort both sides by ``key`` (then by every column) and walk them together."""
    def sort_key(row: list[Any]) -> tuple[Any, ...]:
        return (_row_key(row, key), _row_key(row, every))

    e_order = sorted(range(len(e_rows)), key=lambda i: sort_key(e_rows[i]))
    a_order = sorted(range(len(a_rows)), key=lambda i: sort_key(a_rows[i]))
    out = _Pairing([], [], [])
    i = j = 0
    while i < len(e_order) and j < len(a_order):
        first = e_rows[e_order[i]]
        if _rows_equal(first, a_rows[a_order[j]], key, tolerances):
            i_end, j_end = i + 1, j + 1
            while i_end < len(e_order) and _rows_equal(first, e_rows[e_order[i_end]], key,
                                                       tolerances):
                i_end += 1
            while j_end < len(a_order) and _rows_equal(first, a_rows[a_order[j_end]], key,
                                                       tolerances):
                j_end += 1
            _match_group(out, e_order[i:i_end], a_order[j:j_end], e_rows, a_rows, every,
                         tolerances)
            i, j = i_end, j_end
        elif _row_key(first, key) < _row_key(a_rows[a_order[j]], key):
            out.missing.append(e_order[i])
            i += 1
        else:
            out.unexpected.append(a_order[j])
            j += 1
    out.missing.extend(e_order[i:])
    out.unexpected.extend(a_order[j:])
    out.missing.sort()
    out.pairs.sort()
    return out


def _match_group(out: _Pairing, e_group: list[int], a_group: list[int],
                 e_rows: list[list[Any]], a_rows: list[list[Any]], every: Sequence[int],
                 tolerances: Sequence[Tolerance]) -> None:
    """Rows of one key: equal rows meet first, the others pair in their sorted order."""
    free = list(a_group)
    left: list[int] = []
    for e in e_group:
        hit = next((a for a in free if _rows_equal(e_rows[e], a_rows[a], every, tolerances)),
                   None)
        if hit is None:
            left.append(e)
        else:
            out.pairs.append((e, hit))
            free.remove(hit)
    count = min(len(left), len(free))
    out.pairs.extend(zip(left[:count], free[:count], strict=True))
    out.missing.extend(left[count:])
    out.unexpected.extend(free[count:])


def _pair_similar(pairing: _Pairing, e_rows: list[list[Any]], a_rows: list[list[Any]],
                  tolerances: Sequence[Tolerance], width: int) -> None:
    """Pair left-over rows that agree on at least half of the columns (a differing row
    reads better than one missing and one unexpected row); the best match wins. One row
    left on each side is one differing row."""
    missing, unexpected = pairing.missing, pairing.unexpected
    if len(missing) == 1 and len(unexpected) == 1:  # the one row that differs
        pairing.pairs.append((missing[0], unexpected[0]))
        pairing.pairs.sort()
        pairing.missing, pairing.unexpected = [], []
        return
    if not (missing and unexpected and width > 1
            and len(missing) * len(unexpected) <= 10_000):
        return
    free = list(unexpected)
    still_missing: list[int] = []
    for i in missing:
        best, best_score = None, (width - 1) // 2  # a score above it is half or more
        for j in free:
            score = sum(_equal(e_rows[i][k], a_rows[j][k], tolerances[k]) for k in range(width))
            if score > best_score:
                best, best_score = j, score
        if best is None:
            still_missing.append(i)
        else:
            pairing.pairs.append((i, best))
            free.remove(best)
    pairing.pairs.sort()
    pairing.missing, pairing.unexpected = still_missing, free


class _Report:
    """Renders the two texts of a :class:`FrameDiff`."""

    def __init__(self, relation: str, columns: Sequence[str], order: Sequence[int]) -> None:
        self.relation = relation
        self.columns = list(columns)
        label = list(order) if order else ([0] if columns else [])
        self.label = label

    def mapping(self, names: Sequence[str], row: Sequence[Any]) -> str:
        return "{" + ", ".join(f"{n}: {_show(v)}" for n, v in zip(names, row, strict=True)) + "}"

    def text(self, *, missing_cols: list[str], result_cols: list[str],
             differing: list[tuple[int, list[Any], list[Any], list[int]]],
             missing: list[tuple[int, list[Any]]], unexpected: list[list[Any]],
             shown_actual: Sequence[str], counts: tuple[int, int], subset: bool) -> str:
        n_expected, n_actual = counts
        found: list[str] = []
        if missing_cols:
            found.append(_plural(len(missing_cols), "missing column"))
        if differing:
            found.append(f"{len(differing)} {'differs' if len(differing) == 1 else 'differ'}")
        if missing:
            found.append(f"{len(missing)} missing")
        if unexpected:
            found.append(f"{len(unexpected)} unexpected")
        scope = " (subset)" if subset else ""
        head = f"{_plural(n_expected, 'expected row')}, {n_actual} in the result{scope}"
        lines = [f"{self.relation}: {head}; {', '.join(found)}"]
        if missing_cols:
            has = ", ".join(result_cols) if result_cols else "no columns"
            lines.append(f"  missing {'column' if len(missing_cols) == 1 else 'columns'} "
                         f"(expected, not in the result): {', '.join(missing_cols)}; "
                         f"the result has {has}")
        row_lines = []
        for index, e_row, a_row, cells in differing:
            # name the row by its key (or first column), unless that is what differs
            label = ", ".join(f"{self.columns[k]}={_show(e_row[k])}" for k in self.label
                              if k not in cells)
            where = f"row {index + 1}" + (f" ({label})" if label else "")
            what = "; ".join(f"{self.columns[k]} expected {_show(e_row[k])}, got {_show(a_row[k])}"
                             for k in cells)
            row_lines.append(f"  {where}: {what}")
        lines += _capped(row_lines)
        if missing:
            lines.append("missing rows (expected, not in the result):")
            lines += _capped([f"  row {i + 1}: {self.mapping(self.columns, r)}"
                              for i, r in missing])
        if unexpected:
            lines.append("unexpected rows (in the result, not expected):")
            lines += _capped([f"  {self.mapping(shown_actual, r)}" for r in unexpected])
        return "\n".join(lines)

    def csv(self, *, expected_header: Sequence[str], actual_header: Sequence[str] | None,
            differing: list[tuple[list[Any], list[Any]]], missing: list[list[Any]],
            unexpected: list[list[Any]], shown_actual: Sequence[str]) -> str:
        lines = ["--- expected", "+++ actual"]
        if actual_header is not None:
            lines += ["-" + ",".join(expected_header), "+" + ",".join(actual_header)]
            if self.columns and (differing or missing or unexpected):
                lines.append(",".join(self.columns))
        elif self.columns or not shown_actual:
            lines.append(",".join(self.columns))
        else:
            lines.append(",".join(shown_actual))
        body: list[str] = []
        for e_row, a_row in differing:
            body += ["-" + _csv_line(e_row), "+" + _csv_line(a_row)]
        body += ["-" + _csv_line(r) for r in missing]
        body += ["+" + _csv_line(r) for r in unexpected]
        lines += _capped(body, indent="", limit=2 * MAX_LISTED)
        return "\n".join(lines)

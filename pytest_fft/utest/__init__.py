"""Model unit tests (``fft utest``), the pure part: specs and frame comparison.

* :mod:`.spec` parses ``tests/unit/*.yml`` into :class:`UnitCase` records (strict, with line
  numbers; inputs checked against the model's dependencies);
* :mod:`.compare` builds input/expected frames and compares a result with the expectation
  (:func:`compare_frames` -> :class:`FrameDiff`, with a readable and a CSV-style diff).

Nothing here imports pytest or a database driver; pandas is imported only when a frame is built
or compared.
"""

from __future__ import annotations

from pytest_fft.utest.compare import (
    Cells,
    FrameDiff,
    compare_frames,
    expected_cells,
    expected_frame,
    input_frame,
)
from pytest_fft.utest.spec import (
    Expectation,
    InputData,
    UnitCase,
    deep_merge,
    load_unit_file,
    load_unit_specs,
)

__all__ = [
    "Cells",
    "Expectation",
    "FrameDiff",
    "InputData",
    "UnitCase",
    "compare_frames",
    "deep_merge",
    "expected_cells",
    "expected_frame",
    "input_frame",
    "load_unit_file",
    "load_unit_specs",
]

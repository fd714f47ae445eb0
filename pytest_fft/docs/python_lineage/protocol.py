"""What the method tables (:mod:`.pandas_methods`, :mod:`.spark_methods`, :mod:`.grouping`)
need of :class:`.evaluator.Evaluator`: the values of a call's arguments."""

from __future__ import annotations

import ast
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from pytest_fft.docs.python_lineage.frames import Frame
from pytest_fft.docs.python_lineage.series import Series
from pytest_fft.docs.python_lineage.values import Value


class Evaluator(Protocol):
    def value(self, node: ast.expr) -> Value: ...

    def series(self, value: Value) -> Series: ...

    def name_of(self, node: ast.expr | None) -> str | None: ...

    def names_of(self, node: ast.expr | None) -> list[str] | None: ...

    def mapping_of(self, node: ast.expr | None) -> dict[str, str] | None: ...

    def in_lambda(self, node: ast.Lambda, frame: Frame) -> Value: ...

    def within(self, frame: Frame) -> AbstractContextManager[None]:
        """Spark column expressions (``F.col("a")``, ``F.sum("a")``) read ``frame``."""
        ...


# A method of a frame: the evaluator, the frame and the call in, the call's value out.
Method = Callable[[Evaluator, Frame, ast.Call], Value]

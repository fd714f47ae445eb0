"""Frames made of frames: a merge or join (matched rows side by side, clashing names
suffixed) and ``concat``/``union`` (rows stacked). Pure: values in, a frame out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pytest_fft.docs.python_lineage.frames import Frame
from pytest_fft.docs.python_lineage.series import UNKNOWN, Series, combine

# Joins that return the left side's rows and columns only (Spark).
_LEFT_ONLY = frozenset({"semi", "left_semi", "leftsemi", "anti", "left_anti", "leftanti"})
_OUTER = frozenset({"outer", "full", "fullouter", "full_outer"})


def merged(left: Frame, right: Frame, keys: Sequence[tuple[str, str]] | None = None,
           how: str = "inner", suffixes: tuple[str, str] = ("", "")) -> Frame:
    """``left`` joined with ``right`` on ``keys`` (pairs of a left and a right column; None
    when not known). A key of the same name on both sides is one column: the left side's,
    the right side's for a right join, both (coalesced, so transformed) for an outer one.
    Other names both sides have take ``suffixes``; a name left twice is unknown."""
    if how in _LEFT_ONLY:
        return left
    if keys is None:
        return left.derived("join", right)
    shared = {name for name, other in keys if name == other}
    key_values = {name: _key(left.get(name), right.get(name), how) for name in shared}
    left_names, right_names = left.names(), right.names()
    if left_names is None or right_names is None:
        return Frame(key_values, parts=(left, right), spark=left.spark)
    clash = (set(left_names) & set(right_names)) - shared
    pairs = [(name, key_values[name]) if name in shared
             else (name + suffixes[0] if name in clash else name, left.get(name))
             for name in left_names]
    pairs += [(name + suffixes[1] if name in clash else name, right.get(name))
              for name in right_names if name not in shared]
    counts = Counter(name for name, _ in pairs)
    return left.made({name: value if counts[name] == 1 else UNKNOWN for name, value in pairs})


def _key(left: Series, right: Series, how: str) -> Series:
    if how == "right":
        return right
    return combine([left, right]) if how in _OUTER else left


def stacked(frames: Sequence[Frame]) -> Frame:
    """The rows of ``frames`` one after the other: each column from all that have it."""
    return frames[0].derived("stack", *frames[1:])


def side_by_side(frames: Sequence[Frame]) -> Frame:
    """``concat(axis=1)``: each column from the one frame that has it."""
    return frames[0].derived("join", *frames[1:])

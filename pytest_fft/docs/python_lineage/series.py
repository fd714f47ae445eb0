"""The abstract value of a column expression: the source columns it reads and whether it is
transformed. Pure records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pytest_fft.docs.lineage import ColumnSource, merge_reads


@dataclass(frozen=True)
class Series:
    """Values computed from ``sources``; unknown when ``known`` is False.

    ``name`` is the column name it carries, when known (a Spark ``F.col("a")`` or
    ``.alias("a")``, a pandas group aggregate); ``index`` are the index levels it carries
    (the keys of ``df.groupby("k")["a"].sum()``), which ``reset_index()`` makes columns.
    """

    sources: tuple[ColumnSource, ...] = ()
    transformed: bool = True
    known: bool = True
    name: str | None = None
    index: Mapping[str, Series] = field(default_factory=dict)


UNKNOWN = Series((), False, known=False)
CONSTANT = Series((), True)  # ``out["x"] = 0``, ``np.nan``


def combine(parts: Iterable[Series], transformed: bool = True) -> Series:
    """What an expression of ``parts`` reads: transformed unless ``transformed`` is False
    and every part is a plain column (the rows of frames stacked); unknown if any part is."""
    merged = merge_reads(parts, transformed)
    return UNKNOWN if merged is None else Series(*merged)

"""The abstract value of a data frame: which columns it is known to have, and from where.
Pure records; nothing here reads syntax."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain
from typing import Literal

from pytest_fft.docs.lineage import ColumnLineage, ColumnSource, unknown
from pytest_fft.docs.python_lineage.series import UNKNOWN, Series, combine

# How the columns of ``parts`` make a frame's: side by side (a merge, ``concat(axis=1)``:
# a column from the one part that has it), stacked rows (``concat``, ``union``: from every
# part that has it), or each transformed (an aggregate, ``fillna``: from the one part).
Rule = Literal["join", "stack", "transform"]


@dataclass(frozen=True)
class Frame:
    """A data frame: ``columns`` set by the function; the other columns are those of the
    relation ``input`` (all of ``input_columns`` when known, less ``hidden``: renamed or
    dropped) or those of ``parts`` by ``rule``; when ``order`` is known the frame has exactly
    those columns. ``index`` are index levels ``reset_index()`` makes columns (group keys),
    ``spark`` tells a Spark DataFrame (its methods differ)."""

    columns: Mapping[str, Series] = field(default_factory=dict)
    input: str | None = None
    input_columns: tuple[str, ...] | None = None
    hidden: frozenset[str] = frozenset()
    order: tuple[str, ...] | None = None
    parts: tuple[Frame, ...] = ()
    rule: Rule = "join"
    index: Mapping[str, Series] = field(default_factory=dict)
    spark: bool = False

    def base(self) -> tuple[str, ...] | None:
        """The columns it has besides ``columns``, when known."""
        if self.order is not None:
            return tuple(c for c in self.order if c not in self.columns)
        if self.parts:
            lists = [p.names() for p in self.parts]
            if any(names is None for names in lists):
                return None
            everything = dict.fromkeys(chain.from_iterable(n for n in lists if n is not None))
            return tuple(c for c in everything if c not in self.hidden)
        if self.input_columns is not None:
            return tuple(c for c in self.input_columns if c not in self.hidden)
        return None

    def names(self) -> tuple[str, ...] | None:
        """All its columns, in order, when known."""
        if self.order is not None:
            return self.order
        base = self.base()
        return None if base is None else tuple(dict.fromkeys((*base, *self.columns)))

    def may_have(self, name: str) -> bool:
        if name in self.columns:
            return True
        if name in self.hidden:
            return False
        if self.order is None and self.parts:
            return any(p.may_have(name) for p in self.parts)
        base = self.base()
        return base is None or name in base

    def get(self, name: str) -> Series:
        """Column ``name``, read as is (not transformed)."""
        if name in self.columns:
            return self.columns[name]
        if not self.may_have(name):
            return UNKNOWN
        if self.parts:
            sides = [p.get(name) for p in self.parts if p.may_have(name)]
            if self.rule == "join":
                return sides[0] if len(sides) == 1 else UNKNOWN
            return combine(sides, transformed=self.rule == "transform")
        if self.input is not None and self.order is None:
            return Series((ColumnSource(self.input, name),), False)
        return UNKNOWN

    def with_column(self, name: str, value: Series) -> Frame:
        """The frame with column ``name`` set to ``value`` (its own name and index go)."""
        order = self.order
        if order is not None and name not in order:
            order = (*order, name)
        if value.name is not None or value.index:
            value = replace(value, name=None, index={})
        return replace(self, columns={**self.columns, name: value}, order=order)

    def with_unknown(self, names: Iterable[str]) -> Frame:
        """The frame after columns ``names`` were set in a way not followed."""
        frame = self
        for name in names:
            frame = frame.with_column(name, UNKNOWN)
        return frame

    def transformed(self, names: Iterable[str]) -> Frame:
        """The frame after the values of columns ``names`` changed (``fillna({"a": 0})``)."""
        frame = self
        for name in names:
            if self.may_have(name):
                frame = frame.with_column(name, combine([self.get(name)]))
        return frame

    def without(self, names: Iterable[str]) -> Frame:
        gone = set(names)
        order = None if self.order is None else tuple(c for c in self.order if c not in gone)
        return replace(self, columns={k: v for k, v in self.columns.items() if k not in gone},
                       hidden=self.hidden | gone, order=order)

    def renamed(self, mapping: Mapping[str, str]) -> Frame:
        present = {old: new for old, new in mapping.items() if self.may_have(old)}
        values = {new: self.get(old) for old, new in present.items()}
        names = self.names()
        if names is not None:  # in place, as pandas and Spark keep it
            return replace(self.made({present.get(c, c): self.get(c) for c in names}),
                           index=self.index)
        kept = self.without(present)
        return replace(kept, columns={**kept.columns, **values})

    def selected(self, names: Sequence[str]) -> Frame:
        return self.made({n: self.get(n) for n in names})

    def made(self, columns: Mapping[str, Series], index: Mapping[str, Series] | None = None,
             ) -> Frame:
        """A frame of exactly ``columns``, of the same kind (pandas or Spark)."""
        return Frame(dict(columns), order=tuple(columns), index=index or {}, spark=self.spark)

    def derived(self, rule: Rule, *others: Frame) -> Frame:
        """A frame whose columns come from this one's (and ``others``) by ``rule``."""
        return Frame(parts=(self, *others), rule=rule, spark=self.spark)

    def opaque(self) -> Frame:
        """A frame whose columns are not known at all (``df.apply(...)``)."""
        return Frame(spark=self.spark)

    def lineage(self) -> tuple[ColumnLineage, ...]:
        """Its columns' lineage: all of them when they are known, else those the function
        was seen to make, in order."""
        result = []
        for name in self.names() or tuple(self.columns):
            value = self.get(name)
            result.append(ColumnLineage(name, value.sources, value.transformed) if value.known
                          else unknown(name))
        return tuple(result)

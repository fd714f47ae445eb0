"""The abstract values of a Python model's variables: a frame (which columns it is known to
have, and from where), the dict of input frames, a series (the source columns it reads and
whether it is transformed), or opaque. Pure records; nothing here reads syntax."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from pytest_fft.docs.lineage import ColumnLineage, ColumnSource, unknown


@dataclass(frozen=True)
class Series:
    """Values computed from ``sources``; unknown when ``known`` is False."""

    sources: tuple[ColumnSource, ...] = ()
    transformed: bool = True
    known: bool = True


UNKNOWN = Series((), False, known=False)
CONSTANT = Series((), True)  # ``out["x"] = 0``, ``np.nan``


def combine(parts: Iterable[Series]) -> Series:
    """A series computed from all of ``parts``: transformed, unknown if any part is."""
    sources: dict[ColumnSource, None] = {}
    for part in parts:
        if not part.known:
            return UNKNOWN
        sources.update(dict.fromkeys(part.sources))
    return Series(tuple(sources), True)


@dataclass(frozen=True)
class Frame:
    """A data frame: ``columns`` set by the function; the other columns are those of the
    relation ``input`` (all of ``input_columns`` when known, less ``hidden``: renamed or
    dropped) or those of ``parts`` (a merge); when ``order`` is known the frame has exactly
    those columns."""

    columns: Mapping[str, Series] = field(default_factory=dict)
    input: str | None = None
    input_columns: tuple[str, ...] | None = None
    hidden: frozenset[str] = frozenset()
    order: tuple[str, ...] | None = None
    parts: tuple[Frame, ...] = ()

    def base(self) -> tuple[str, ...] | None:
        """The columns it has besides ``columns``, when known."""
        if self.order is not None:
            return tuple(c for c in self.order if c not in self.columns)
        if self.input_columns is not None:
            return tuple(c for c in self.input_columns if c not in self.hidden)
        return None

    def may_have(self, name: str) -> bool:
        if name in self.columns:
            return True
        if self.parts:
            return any(p.may_have(name) for p in self.parts)
        base = self.base()
        return name not in self.hidden if base is None else name in base

    def get(self, name: str) -> Series:
        """Column ``name``, read as is (not transformed)."""
        if name in self.columns:
            return self.columns[name]
        if not self.may_have(name):
            return UNKNOWN
        if self.parts:
            sides = [p for p in self.parts if p.may_have(name)]
            return sides[0].get(name) if len(sides) == 1 else UNKNOWN
        if self.input is not None and self.order is None:
            return Series((ColumnSource(self.input, name),), False)
        return UNKNOWN

    def with_column(self, name: str, value: Series) -> Frame:
        order = self.order
        if order is not None and name not in order:
            order = (*order, name)
        return replace(self, columns={**self.columns, name: value}, order=order)

    def with_unknown(self, names: Iterable[str]) -> Frame:
        """The frame after columns ``names`` were set in a way not followed."""
        frame = self
        for name in names:
            frame = frame.with_column(name, UNKNOWN)
        return frame

    def without(self, names: Iterable[str]) -> Frame:
        gone = set(names)
        order = None if self.order is None else tuple(c for c in self.order if c not in gone)
        return replace(self, columns={k: v for k, v in self.columns.items() if k not in gone},
                       hidden=self.hidden | gone, order=order)

    def renamed(self, mapping: Mapping[str, str]) -> Frame:
        present = {old: new for old, new in mapping.items() if self.may_have(old)}
        values = {new: self.get(old) for old, new in present.items()}
        kept = self.without(present)
        order = None if self.order is None else tuple(present.get(c, c) for c in self.order)
        return replace(kept, columns={**kept.columns, **values}, order=order)

    def selected(self, names: Sequence[str]) -> Frame:
        return Frame({n: self.get(n) for n in names}, order=tuple(names))

    def opaque(self) -> Frame:
        """A frame whose columns are not known at all (``df.apply(...)``, ``groupby``)."""
        return Frame()

    def lineage(self) -> tuple[ColumnLineage, ...]:
        """Its columns' lineage: all of them when they are known, else those the function
        was seen to make, in order."""
        base = self.base()
        names = list(self.columns) if base is None else list(
            self.order if self.order is not None else (*base, *self.columns))
        result = []
        for name in dict.fromkeys(names):
            value = self.get(name)
            result.append(ColumnLineage(name, value.sources, value.transformed) if value.known
                          else unknown(name))
        return tuple(result)


def merged(left: Frame, right: Frame) -> Frame:
    """A merge or join: each column from the one side that may have it."""
    return Frame(parts=(left, right))


@dataclass(frozen=True)
class Frames:
    """The dict of input frames a multi-input model takes: key -> relation."""

    relations: Mapping[str, str]

    def frame(self, key: str | None, frame_of: Callable[[str], Frame]) -> Value:
        """``dfs[key]``: the runner keys the dict by relation, which callers may also
        have given as the keys' values."""
        if key is not None and key in self.relations:
            return frame_of(self.relations[key])
        return frame_of(key) if key is not None and key in self.relations.values() else OPAQUE


class Opaque:
    """A value the analysis cannot see (a local assigned from something unrecognised)."""


OPAQUE = Opaque()
Value = Frame | Frames | Series | Opaque | None  # None: a constant, module or global

"""The abstract values of a Python model's variables: a frame (:mod:`.frames`), a series
(:mod:`.series`), the dict of input frames, a frame grouped by keys, a literal of the source
(a column name, a list of names, a mapping of names), or opaque. Pure records."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pytest_fft.docs.python_lineage.frames import Frame
from pytest_fft.docs.python_lineage.series import Series


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


@dataclass(frozen=True)
class Grouped:
    """``frame.groupby(keys)``: the keys become the index (``as_index``) or columns of what
    an aggregation returns; ``selection`` are the columns chosen (``grouped["a"]``), one
    column as a series when ``single``."""

    frame: Frame
    keys: tuple[str, ...]
    as_index: bool = True
    selection: tuple[str, ...] | None = None
    single: bool = False


@dataclass(frozen=True)
class Literal:
    """A constant of the source: a number, a string, a list or dict of them."""

    value: object

    def name(self) -> str | None:
        return self.value if isinstance(self.value, str) else None

    def names(self) -> list[str] | None:
        """``"a"``, ``["a", "b"]`` or ``("a", "b")`` as names; None for anything else."""
        if isinstance(self.value, str):
            return [self.value]
        if isinstance(self.value, (list, tuple)) and all(isinstance(v, str) for v in self.value):
            return list(self.value)
        return None

    def mapping(self) -> dict[str, str] | None:
        """``{"old": "new"}`` with strings only; None for anything else."""
        if isinstance(self.value, dict) and all(
                isinstance(k, str) and isinstance(v, str) for k, v in self.value.items()):
            return dict(self.value)
        return None


class Opaque:
    """A value the analysis cannot see (a local assigned from something unrecognised)."""


OPAQUE = Opaque()
# None: a module or a global the source does not define as a literal.
Value = Frame | Frames | Grouped | Series | Literal | Opaque | None

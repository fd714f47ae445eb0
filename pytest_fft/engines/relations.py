"""Which relations exist, by the engine's identity of a name.

A relation name as the project writes it (``users``, ``raw.users``) is not what a warehouse
compares: DuckDB ignores case, Snowflake upper-cases plain names, BigQuery and Spark qualify
with a project or catalog. :meth:`Engine.relation_key <pytest_fft.engines.base.Engine>` gives
the normalised identity; :class:`ExistingRelations` answers ``name in existing`` with it, so
no caller compares raw names (``split(".")[-1] in names`` could never match on Snowflake).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class ExistingRelations:
    """The relations an engine reported, by key; ``relation in existing`` keys ``relation``.

    >>> existing = ExistingRelations(frozenset({"main.users"}), lambda r: "main." + r.lower())
    >>> "Users" in existing, "orders" in existing
    (True, False)
    >>> existing.missing(["users", "orders"])
    ['orders']
    """

    keys: frozenset[str]
    key_of: Callable[[str], str]

    def __contains__(self, relation: object) -> bool:
        return isinstance(relation, str) and self.key_of(relation) in self.keys

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.keys))

    def __len__(self) -> int:
        return len(self.keys)

    def missing(self, relations: Iterable[str]) -> list[str]:
        """The names of ``relations`` that do not exist, in the order given."""
        return [r for r in relations if r not in self]

"""Expected lineage, written short: ``plain("email", "users.email")`` for a column copied
(maybe renamed) from its source, ``changed(...)`` for one an expression computes."""

from __future__ import annotations

from pytest_fft.docs.lineage import ColumnLineage, ColumnSource


def _sources(*names: str) -> tuple[ColumnSource, ...]:
    return tuple(ColumnSource(*name.rsplit(".", 1)) for name in names)


def plain(column: str, *sources: str) -> ColumnLineage:
    """A column copied (maybe renamed) from its source."""
    return ColumnLineage(column, _sources(*sources), transformed=False)


def changed(column: str, *sources: str) -> ColumnLineage:
    """A column an expression computes from its sources."""
    return ColumnLineage(column, _sources(*sources), transformed=True)

"""Required-column checks for Python models (one input frame or a dict of them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pytest_fft.errors import RequiredColumnsError
from pytest_fft.project.names import relation_for


def columns_of(frame: Any) -> list[str]:
    """Column names of a pandas, Spark or Snowpark frame."""
    return [str(c) for c in frame.columns]


def validate_required_columns(
    node_name: str,
    inputs: Any,
    requires: Mapping[str, Iterable[str]],
    *,
    file: str | None = None,
    line: int | None = None,
) -> None:
    """Raise :class:`RequiredColumnsError` naming model, relation and column when one is missing.

    ``inputs`` is one frame (single dependency) or a dict of frames keyed by relation.
    Keys of ``requires`` may be node names (``orders.ff``) or relations (``orders``).
    """
    if not requires:
        return
    frames = inputs if isinstance(inputs, Mapping) else None
    for key, wanted in requires.items():
        relation = relation_for(key)
        if frames is None:
            frame = inputs
        elif relation in frames:
            frame = frames[relation]
        else:
            raise RequiredColumnsError(
                f"{node_name}: requires names {key!r}, which is not one of its inputs "
                f"({', '.join(frames) or 'none'})",
                file=file, line=line, node=node_name,
                hint="list it in deps= or fix the requires key",
            )
        have = set(columns_of(frame))
        absent = [c for c in wanted if c not in have]
        if absent:
            cols = ", ".join(absent)
            raise RequiredColumnsError(
                f"{node_name}: input {relation} lacks required column"
                f"{'s' if len(absent) > 1 else ''} {cols} (has: {', '.join(sorted(have))})",
                file=file, line=line, node=node_name,
                hint=f"add {cols} to {relation}, or drop it from requires=",
            )

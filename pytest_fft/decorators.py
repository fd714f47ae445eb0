"""``@model`` and ``@engine_model``: how a Python function becomes a model.

The decorators only attach a :class:`ModelSpec` to the function; the project loader
finds decorated functions in the modules it imports. Nothing here imports pandas.

>>> @model(name="users_enriched", deps=["users.ff"], requires={"users": {"id", "email"}})
... def enrich(df):
...     return df
>>> enrich.__fft_model__.name
'users_enriched'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

SPEC_ATTR = "__fft_model__"


@dataclass(frozen=True)
class ModelSpec:
    """What a decorator said about a Python model."""

    name: str
    deps: tuple[str, ...]
    requires: Mapping[str, tuple[str, ...]]
    tags: tuple[str, ...]
    materialized: str
    meta: Mapping[str, Any]
    only: tuple[str, ...] | None = None  # engines the model exists for (``@engine_model``)
    func: Callable[..., Any] | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)  # of the decorator, when known


def _as_tuple(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _normalise_requires(requires: Mapping[str, Iterable[str]] | None) -> dict[str, tuple[str, ...]]:
    if not requires:
        return {}
    # Sets are sorted so the spec (and so the fingerprint) never depends on hash order.
    return {
        str(key): tuple(sorted(cols)) if isinstance(cols, (set, frozenset)) else _as_tuple(cols)
        for key, cols in requires.items()
    }


def model(
    name: str | None = None,
    deps: Iterable[str] | str | None = None,
    requires: Mapping[str, Iterable[str]] | None = None,
    tags: Iterable[str] | str | None = None,
    materialized: str = "table",
    meta: Mapping[str, Any] | None = None,
    *,
    require: Mapping[str, Iterable[str]] | None = None,
    only: Iterable[str] | str | None = None,
) -> Callable[[F], F]:
    """Declare a Python model.

    ``deps`` are node names (``"users.ff"``, ``"users_enriched"``). ``requires`` maps an
    input (node name or physical relation) to the columns the function needs;
    ``require=`` is accepted as a synonym.
    """
    if requires is not None and require is not None:
        raise TypeError("@model: give either requires= or require=, not both")
    required = requires if requires is not None else require

    def decorate(func: F) -> F:
        spec = ModelSpec(
            name=name or func.__name__,
            deps=_as_tuple(deps),
            requires=_normalise_requires(required),
            tags=_as_tuple(tags),
            materialized=materialized,
            meta=dict(meta or {}),
            only=_as_tuple(only) if only is not None else None,
            func=func,
        )
        setattr(func, SPEC_ATTR, spec)
        return func

    return decorate


def engine_model(
    only: Iterable[str] | str,
    name: str | None = None,
    deps: Iterable[str] | str | None = None,
    requires: Mapping[str, Iterable[str]] | None = None,
    tags: Iterable[str] | str | None = None,
    materialized: str = "table",
    meta: Mapping[str, Any] | None = None,
    *,
    require: Mapping[str, Iterable[str]] | None = None,
) -> Callable[[F], F]:
    """Like :func:`model`, but the model exists only when the active engine is in ``only``."""
    return model(
        name=name,
        deps=deps,
        requires=requires,
        tags=tags,
        materialized=materialized,
        meta=meta,
        require=require,
        only=only,
    )

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

import os
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
    # Environment variables that must hold these values for the model to exist
    # (``@engine_model(env_match={"FF_ENGINE": "bigquery", "FF_ENGINE_VARIANT": "pandas"})``).
    env_match: Mapping[str, str] | None = None
    kind: str = "python"  # FastFlowTransform's logical kind label (``@model(kind=...)``)

    def exists_for(self, engine: str, environ: Mapping[str, str] | None = None,
                   read: Callable[[str], str | None] | None = None) -> bool:
        """Whether the model is part of a project on ``engine`` (the active profile's engine)
        with the environment ``environ``: ``only`` names it (any case) and every
        ``env_match`` variable has its value. ``FF_ENGINE`` in ``env_match`` is the active
        engine, as FastFlowTransform exports the profile's engine under that name. ``read``
        (default: ``environ.get``) reads a variable, so a caller can note what was read.

        >>> spec = ModelSpec("m", (), {}, (), "table", {}, env_match={"FF_ENGINE": "bigquery"})
        >>> spec.exists_for("duckdb"), spec.exists_for("BigQuery")
        (False, True)
        """
        if self.only is not None and engine.lower() not in {e.lower() for e in self.only}:
            return False
        if not self.env_match:
            return True
        if read is None:
            env = os.environ if environ is None else environ
            read = env.get
        for key, expected in self.env_match.items():
            if key == "FF_ENGINE":
                if engine.lower() != str(expected).strip().lower():
                    return False
            elif read(key) != str(expected):
                return False
        return True


def _as_tuple(value: str | Iterable[str] | None, what: str = "names") -> tuple[str, ...]:
    """``value`` (a name, names, or None) as a tuple; TypeError naming ``what`` (the
    argument, e.g. ``@model: tags=``) for anything else."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple, set, frozenset)) and all(
            isinstance(v, str) for v in value):
        return tuple(sorted(value)) if isinstance(value, (set, frozenset)) else tuple(value)
    raise TypeError(f"{what} must be a name or a list of names, not {value!r}")


def _normalise_requires(requires: Mapping[str, Iterable[str]] | None,
                        what: str = "requires=") -> dict[str, tuple[str, ...]]:
    if not requires:
        return {}
    if not isinstance(requires, Mapping):
        raise TypeError(f"{what} must map each input to its columns, e.g. "
                        f"{{'users.ff': ['id', 'email']}}, not {requires!r}")
    # Sets are sorted so the spec (and so the fingerprint) never depends on hash order.
    return {str(key): _as_tuple(cols, f"{what} {key!r}") for key, cols in requires.items()}


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
    env_match: Mapping[str, str] | None = None,
    kind: str = "python",
) -> Callable[[F], F]:
    """Declare a Python model.

    ``deps`` are node names (``"users.ff"``, ``"users_enriched"``). ``requires`` maps an
    input (node name or physical relation) to the columns the function needs;
    ``require=`` is accepted as a synonym. ``only`` and ``env_match`` limit the model to
    engines and environments (see :func:`engine_model`). ``kind`` is FastFlowTransform's
    label of the model's kind (``"python"``, the default); it is kept on the model.
    """
    if requires is not None and require is not None:
        raise TypeError("@model: give either requires= or require=, not both")
    if not isinstance(kind, str) or not kind:
        raise TypeError(f"@model: kind= must be a non-empty string, not {kind!r}")
    if env_match is not None and not isinstance(env_match, Mapping):
        raise TypeError("@model: env_match= must be a mapping of environment variable names "
                        f"to values, e.g. {{'FF_ENGINE': 'bigquery'}}, not {env_match!r}")
    required = requires if requires is not None else require
    if name is not None and (not isinstance(name, str) or not name):
        raise TypeError(f"@model: name= must be a non-empty string, not {name!r}")
    if not isinstance(materialized, str):
        raise TypeError(f"@model: materialized= must be a string such as 'table', "
                        f"not {materialized!r}")
    if meta is not None and not isinstance(meta, Mapping):
        raise TypeError(f"@model: meta= must be a mapping, e.g. {{'owner': 'data'}}, "
                        f"not {meta!r}")
    spec_deps = _as_tuple(deps, "@model: deps=")
    spec_requires = _normalise_requires(
        required, "@model: requires=" if requires is not None else "@model: require=")
    spec_tags = _as_tuple(tags, "@model: tags=")
    spec_only = _as_tuple(only, "@model: only=") if only is not None else None

    def decorate(func: F) -> F:
        spec = ModelSpec(
            name=name or func.__name__,
            deps=spec_deps,
            requires=spec_requires,
            tags=spec_tags,
            materialized=materialized,
            meta=dict(meta or {}),
            only=spec_only,
            func=func,
            env_match={str(k): str(v) for k, v in env_match.items()} if env_match else None,
            kind=kind,
        )
        setattr(func, SPEC_ATTR, spec)
        return func

    return decorate


def engine_model(
    only: Iterable[str] | str | None = None,
    name: str | None = None,
    deps: Iterable[str] | str | None = None,
    requires: Mapping[str, Iterable[str]] | None = None,
    tags: Iterable[str] | str | None = None,
    materialized: str = "table",
    meta: Mapping[str, Any] | None = None,
    *,
    require: Mapping[str, Iterable[str]] | None = None,
    env_match: Mapping[str, str] | None = None,
    kind: str = "python",
) -> Callable[[F], F]:
    """Like :func:`model`, but the model exists only when the active engine is in ``only``
    (any case) and every variable of ``env_match`` has its value, as in FastFlowTransform 0.6:

    >>> @engine_model(env_match={"FF_ENGINE": "bigquery", "FF_ENGINE_VARIANT": "pandas"},
    ...               name="mart")
    ... def build(df):
    ...     return df

    A model for another engine or variant is simply not part of the project (its file still
    imports). ``FF_ENGINE`` is compared with the active profile's engine."""
    return model(
        name=name,
        deps=deps,
        requires=requires,
        tags=tags,
        materialized=materialized,
        meta=meta,
        require=require,
        only=only,
        env_match=env_match,
        kind=kind,
    )

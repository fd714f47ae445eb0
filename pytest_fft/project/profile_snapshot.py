"""A validated profile kept between runs, read back without pydantic.

Validating ``profiles.yml`` takes pydantic, and importing pydantic and building the profile
classes is a tenth of a second that every command paid. A run only reads the profile's
values, so the validated profile is kept in the parse cache as plain data, keyed by everything
:func:`~pytest_fft.project.profiles.resolve_profile` reads: the content of ``profiles.yml``, the env
name, ``FFT_ACTIVE_ENV``, every ``FF_*`` variable, the engine override and the project folder.
Any change validates again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_fft._version import __version__
from pytest_fft.project.resolved_profile import ResolvedProfile

__all__ = ["ProfileView", "ResolvedProfile", "resolve_profile_cached"]


class ProfileView:
    """A validated profile's values as read-only attributes (``view.duckdb.path``)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        for key, value in data.items():
            object.__setattr__(self, key,
                               ProfileView(value) if isinstance(value, Mapping) else value)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("a profile is read-only")

    def __getattr__(self, key: str) -> Any:  # only for keys the profile does not have
        raise AttributeError(f"the profile has no {key!r}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProfileView) and vars(self) == vars(other)

    # Equal by value, and values may be lists: not hashable. (typeshed types object.__hash__
    # as a method, so setting it to None, as the data model says, needs the ignore.)
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ProfileView({vars(self)!r})"


def _key(project_dir: Path, env_name: str | None, environ: Mapping[str, str],
         engine: str | None) -> str:
    try:
        text = (project_dir / "profiles.yml").read_bytes()
    except OSError:
        text = b"\0absent"
    inputs = {"version": __version__, "dir": str(project_dir.resolve()), "env": env_name,
              "engine": engine,
              "environ": {k: v for k, v in sorted(environ.items())
                          if k.startswith("FF_") or k == "FFT_ACTIVE_ENV"}}
    digest = hashlib.blake2b(json.dumps(inputs, sort_keys=True).encode(), digest_size=20)
    digest.update(text)
    return digest.hexdigest()


def resolve_profile_cached(project_dir: Path, env_name: str | None, *, engine: str | None,
                           cache: Any, environ: Mapping[str, str] | None = None
                           ) -> ResolvedProfile:
    """:func:`~pytest_fft.project.profiles.resolve_profile`, with its result as a
    :class:`ProfileView` from ``cache`` (a ParseCache, or None) while nothing it depends on
    changed. Errors are never kept: an invalid profile is validated, and reported, every time."""
    environ = os.environ if environ is None else environ
    key = _key(project_dir, env_name, environ, engine)
    entry = f"profile:{project_dir.resolve()}"
    found = cache.load_entry(entry, key) if cache is not None else None
    if found is None:
        from pytest_fft.project.profiles import resolve_profile

        resolved = resolve_profile(project_dir, env_name, environ=environ, engine=engine)
        found = (resolved.env_name, resolved.profile.model_dump())
        if cache is not None:
            cache.save_entry(entry, key, found)
    env, data = found
    view = ProfileView(data)
    if view.engine == "duckdb":  # resolve_profile creates the database's folder; so do we
        path = view.duckdb.path
        if path != ":memory:" and not path.startswith("md:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    return ResolvedProfile(env, view)

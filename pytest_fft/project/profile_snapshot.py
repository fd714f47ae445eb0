"""A validated profile kept between runs, read back without pydantic.

Validating ``profiles.yml`` takes pydantic, and importing pydantic and building the profile
classes is a tenth of a second that every command paid. A run only reads the profile's
values, so the validated profile is kept in the parse cache as plain data, keyed by everything
:func:`~pytest_fft.project.profiles.resolve_profile` reads: the content of ``profiles.yml``,
the env name, the engine override, the project folder, and from the *effective* environment
(the process environment over the ``.env`` files, :mod:`~pytest_fft.project.dotenv`) every
``FF_*`` variable, ``FFT_ACTIVE_ENV`` and each variable an ``env()`` call of ``profiles.yml``
names. When a call names its variable with anything but a string literal, the render may
read any variable, and the key covers the whole effective environment. Editing a ``.env``
file changes the effective environment, so it validates again; any change does.

Secrets are never written. A setting that is one, or holds one (a ``password``, a ``token``,
a DSN with a password, ``md:db?motherduck_token=...``; see :mod:`pytest_fft.redact`), is
kept as where it came from (the variable that gave it, ``FF_*`` or one an ``env()`` call
read, or its place in ``profiles.yml``) and a keyed hash of its value; a run reads it from
there again and checks the hash. Whatever does not check out validates the profile again.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_fft._version import __version__
from pytest_fft.engines.registry import ENGINES
from pytest_fft.errors import ProfileError
from pytest_fft.project.dotenv import EffectiveEnvironment, effective_environment
from pytest_fft.project.resolved_profile import ResolvedProfile
from pytest_fft.redact import MASK, is_secret_key, redact, remember_in, secret_parts

__all__ = ["ProfileView", "ResolvedProfile", "resolve_profile_cached"]


SNAPSHOT_FORMAT = "2"  # bump when what a snapshot holds changes (2: catalog, vars, .env)


class ProfileView:
    """A validated profile's values as read-only attributes (``view.duckdb.path``).

    The engine's settings block is a view too; mappings inside it (``extra_conf``) and the
    ``vars`` block stay mappings, as on the validated profile."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        for key, value in data.items():
            # The engine's settings block (an installed engine's is named by "engine").
            block = isinstance(value, Mapping) and (key in ENGINES or key == data.get("engine"))
            object.__setattr__(self, key, ProfileView(value) if block else value)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("a profile is read-only")

    def __getattr__(self, key: str) -> Any:  # only for keys the profile does not have
        raise AttributeError(f"the profile has no {key!r}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProfileView) and vars(self) == vars(other)

    # Equal by value, and values may be lists: not hashable. (typeshed types object.__hash__
    # as a method, so setting it to None, as the data model says, needs the ignore.)
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:  # secrets masked: a repr ends up in messages and logs
        shown = {key: (MASK if is_secret_key(key) and value not in (None, "")
                       else redact(value) if isinstance(value, str) else value)
                 for key, value in vars(self).items()}
        return f"ProfileView({shown!r})"


def _key(project_dir: Path, layered: EffectiveEnvironment, engine: str | None) -> str:
    try:
        text = (project_dir / "profiles.yml").read_bytes()
    except OSError:
        text = b"\0absent"
    environ = layered.values
    names = _variables_read(text)
    inputs = {"version": __version__, "format": SNAPSHOT_FORMAT,
              "dir": str(project_dir.resolve()), "env": layered.env_name,
              "env_source": layered.env_source, "engine": engine,
              "environ": {k: v for k, v in sorted(environ.items())
                          if names is None or k.startswith("FF_") or k == "FFT_ACTIVE_ENV"
                          or k in names}}
    digest = hashlib.blake2b(json.dumps(inputs, sort_keys=True).encode(), digest_size=20)
    digest.update(text)
    return digest.hexdigest()  # the cache keeps only a keyed hash of it (ParseCache.load_entry)


def _variables_read(text: bytes) -> frozenset[str] | None:
    """The variables the render of ``profiles.yml`` reads (see profile_template); an empty
    set when the file has no Jinja, without importing anything."""
    if b"{{" not in text and b"{%" not in text and b"{#" not in text:
        return frozenset()
    from pytest_fft.project.profile_template import variables_read

    return variables_read(text.decode("utf-8", "replace"))


KeyPath = tuple[str, ...]  # keys from the profile's top down to one setting
Source = tuple[str, ...]  # ("env", "FF_SF_PASSWORD") or ("yml",)


def resolve_profile_cached(project_dir: Path, env_name: str | None, *, engine: str | None,
                           cache: Any, environ: Mapping[str, str] | None = None,
                           layered: EffectiveEnvironment | None = None) -> ResolvedProfile:
    """:func:`~pytest_fft.project.profiles.resolve_profile`, with its result as a
    :class:`ProfileView` from ``cache`` (a ParseCache, or None) while nothing it depends on
    changed. Errors are never kept: an invalid profile is validated, and reported, every time.

    ``environ`` is the process environment (default: ``os.environ`` without what pytest-fft
    loaded into it); ``layered``, when the caller worked it out already, the effective
    environment (``env_name`` and ``environ`` are then not read)."""
    if layered is None:
        layered = effective_environment(project_dir, env_name, environ)
    key = _key(project_dir, layered, engine)
    entry = f"profile:{project_dir.resolve()}"
    found = cache.load_entry(entry, key, _is_snapshot) if cache is not None else None
    resolved = (_from_snapshot(found, project_dir, layered, cache)
                if found is not None else None)
    if resolved is None:
        from pytest_fft.project.profiles import resolve_layered

        full = resolve_layered(project_dir, layered, engine=engine)
        env, data = full.env_name, full.profile.model_dump()
        if cache is not None:
            cache.save_entry(entry, key, _snapshot(env, data, project_dir, layered, cache))
        resolved = env, data
    env, data = resolved
    remember_in(data)
    # The engine creates the database's folder when it opens it for writing (and says so
    # clearly when a file is in the way).
    return ResolvedProfile(env, ProfileView(data))


def _secret_paths(data: Mapping[str, Any], prefix: KeyPath = ()) -> list[KeyPath]:
    """The settings of ``data`` that are, or hold, a secret."""
    found: list[KeyPath] = []
    for key, value in data.items():
        path = (*prefix, str(key))
        if isinstance(value, Mapping):
            found += _secret_paths(value, path)
        elif isinstance(value, str) and (is_secret_key(key) or secret_parts(value)):
            found.append(path)
    return found


def _snapshot(env: str, data: dict[str, Any], project_dir: Path, layered: EffectiveEnvironment,
              cache: Any) -> tuple[str, dict[str, Any], tuple[tuple[KeyPath, Source, str], ...]]:
    """What is kept of a validated profile: its data with every secret left out (None), and
    for each secret where it came from and a keyed hash of it."""
    from pytest_fft.project.profiles import env_override_var

    environ = layered.values
    try:
        read = _variables_read((project_dir / "profiles.yml").read_bytes()) or frozenset()
    except OSError:
        read = frozenset()
    blanked = copy.deepcopy(data)
    refs = []
    for path in _secret_paths(data):
        value = _at(data, path)
        override = env_override_var(path) if len(path) == 2 else None
        # The variable that gave the value: its FF_* override, else one env() read.
        candidates = [override] if override is not None else []
        candidates += sorted(read)
        var = next((name for name in candidates if environ.get(name) == value), None)
        source: Source = ("env", var) if var is not None else ("yml",)
        refs.append((path, source, cache.digest(value)))
        _at(blanked, path[:-1])[path[-1]] = None
    return env, blanked, tuple(refs)


def _from_snapshot(found: Any, project_dir: Path, layered: EffectiveEnvironment, cache: Any
                   ) -> tuple[str, dict[str, Any]] | None:
    """The profile's data again, with each secret read from where it came from; None when
    one cannot be read or is not the one the snapshot was made with."""
    env, blanked, refs = found
    environ = layered.values
    data = copy.deepcopy(blanked)
    raw: Any = None
    for path, source, digest in refs:
        if source[0] == "env":
            value = environ.get(source[1])
        else:
            raw = _read_profiles(project_dir, environ) if raw is None else raw
            value = _get(raw, (env, *path))
        if not isinstance(value, str) or cache.digest(value) != digest:
            return None
        _at(data, path[:-1])[path[-1]] = value
    return env, data


def _read_profiles(project_dir: Path, environ: Mapping[str, str]) -> Any:
    """``profiles.yml`` parsed (rendered first when it holds Jinja); {} when unreadable."""
    import yaml

    try:
        text = (project_dir / "profiles.yml").read_text(encoding="utf-8")
        if _variables_read(text.encode()) != frozenset():
            from pytest_fft.project.profile_template import render_profiles

            text = render_profiles(text, path=project_dir / "profiles.yml",
                                   project_dir=project_dir, environ=environ).text
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ProfileError):
        return {}  # validated again, which reports what is wrong


def _get(data: Any, path: KeyPath) -> Any:
    for key in path:
        if not isinstance(data, Mapping) or key not in data:
            return None
        data = data[key]
    return data


def _at(data: Any, path: KeyPath) -> Any:
    for key in path:
        data = data[key]
    return data


def _is_snapshot(found: Any) -> bool:
    """Whether ``found`` has the shape :func:`_snapshot` gives."""
    return (isinstance(found, tuple) and len(found) == 3 and isinstance(found[0], str)
            and isinstance(found[1], dict) and isinstance(found[2], tuple)
            and all(_is_ref(ref, found[1]) for ref in found[2]))


def _is_ref(ref: Any, data: dict[str, Any]) -> bool:
    if not (isinstance(ref, tuple) and len(ref) == 3 and isinstance(ref[2], str)):
        return False
    path, source = ref[0], ref[1]
    return (isinstance(path, tuple) and bool(path) and all(isinstance(k, str) for k in path)
            and isinstance(_get(data, path[:-1]), dict)
            and (source == ("yml",) or (isinstance(source, tuple) and len(source) == 2
                                        and source[0] == "env" and isinstance(source[1], str))))

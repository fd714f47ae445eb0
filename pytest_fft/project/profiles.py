"""Engine profiles: ``profiles.yml``, ``.env`` files, ``FF_*`` variables and flags, resolved.

Priority, lowest to highest: ``profiles.yml`` (rendered with Jinja first,
:mod:`~pytest_fft.project.profile_template`) < ``.env`` files < the process environment's
``FF_*`` variables < flags (``--fft-engine``). The ``.env`` layers and the process
environment together are the *effective environment* (:mod:`~pytest_fft.project.dotenv`):
``env()`` in ``profiles.yml`` and the ``FF_*`` overrides both read it.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     resolve_profile(folder, "ci", environ={"FF_DUCKDB_PATH": ":memory:"}).profile.duckdb.path
':memory:'

An env name that ``profiles.yml`` does not define is an error listing the ones it does;
there is no silent fallback. The keys of each engine are in
:mod:`~pytest_fft.project.profile_models`; an unknown one is an error naming the file, the
profile, the key and its line, with the closest known key.

A profile's secrets (passwords, tokens, a DSN's password), wherever they came from, are
remembered by :mod:`pytest_fft.redact`, so no message shows them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from pytest_fft.engines.registry import ENGINES as ENGINE_SPECS
from pytest_fft.engines.registry import engine_names, find_engine_spec
from pytest_fft.errors import ProfileError
from pytest_fft.project.dotenv import DEFAULT_ENV, EffectiveEnvironment, effective_environment
from pytest_fft.project.profile_models import (
    MEMBERS,
    Profile,
    keys_of,
    member_of,
    settings_class,
)
from pytest_fft.project.profile_template import render_profiles
from pytest_fft.project.resolved_profile import ResolvedProfile
from pytest_fft.project.yaml_io import line_of, load_yaml_text
from pytest_fft.redact import redact, remember_in

__all__ = ["DEFAULT_ENV", "ENGINES", "Profile", "read_profiles", "resolve_layered",
           "resolve_profile", "validate_profile"]

ENGINES = tuple(ENGINE_SPECS)  # the registry's engine names
_MEMBERS = MEMBERS  # the name the registry's test reads

# FF_* variable -> (engine block, key) it overrides, from the registry.
_ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    var: (spec.name, key) for spec in ENGINE_SPECS.values() for var, key in spec.env_overrides
}
_DOCS_HINT = "see docs/profiles.md for the keys of each engine"


def validate_profile(data: Mapping[str, Any]) -> Any:
    """``data`` as a member of :data:`Profile`: the member its ``engine`` names, validated
    alone; anything else through the whole union, for pydantic's message about the tag."""
    engine = data.get("engine")
    member = member_of(engine) if isinstance(engine, str) else None
    if member is not None:
        return member.model_validate(data)
    return TypeAdapter(Profile).validate_python(data)


def _env_overrides(block: Any) -> dict[str, tuple[str, str]]:
    """The ``FF_*`` overrides of the engine block ``block`` (an installed engine's too)."""
    spec = find_engine_spec(block) if isinstance(block, str) and block not in MEMBERS else None
    if spec is not None and spec.name == block:
        return {var: (block, key) for var, key in spec.env_overrides}
    return {var: where for var, where in _ENV_OVERRIDES.items() if where[0] == block}


def env_override_var(setting: tuple[str, ...]) -> str | None:
    """The ``FF_*`` variable that overrides ``(engine block, key)``, e.g. ``FF_PG_DSN``."""
    return next((var for var, where in _ENV_OVERRIDES.items() if where == setting), None)


def read_profiles(project_dir: Path, environ: Mapping[str, str] | None = None
                  ) -> Mapping[str, Any]:
    """``profiles.yml`` of ``project_dir``, rendered (``env()`` reads ``environ``, by
    default the effective environment of the default env) and parsed; ``{}`` without one."""
    if environ is None:
        environ = effective_environment(Path(project_dir)).values
    return _read(Path(project_dir), environ)[0]


def _read(project_dir: Path, environ: Mapping[str, str]
          ) -> tuple[Mapping[str, Any], Mapping[str, int]]:
    """The parsed profiles, and the variables ``env()`` found unset (name -> line)."""
    path = project_dir / "profiles.yml"
    if not path.exists():
        return {}, {}
    from pytest_fft.errors import read_project_text

    rendered = render_profiles(read_project_text(path, str(path)), path=path,
                               project_dir=project_dir, environ=environ)
    data = load_yaml_text(rendered.text, display=str(path))
    if data is None:
        return {}, rendered.unset
    if not isinstance(data, Mapping):
        raise ProfileError(f"{path} must map env names to profiles", file=path, line=line_of(data))
    return data, rendered.unset


#: The profile an env that profiles.yml does not define falls back to, as in FastFlowTransform
#: (the profiles.yml of its docs defines default, stg and bq; their commands say --env dev).
FALLBACK_PROFILE = "default"


def resolve_profile(
    project_dir: str | Path,
    env_name: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    engine: str | None = None,
) -> ResolvedProfile:
    """Pick the profile ``env_name`` of ``project_dir`` and apply overrides.

    ``environ`` is the process environment (default ``os.environ``); the project's ``.env``
    files are layered under it. Without ``env_name``: ``FFT_ACTIVE_ENV``, else ``dev``.
    Without a ``profiles.yml`` the profile is DuckDB at ``.local/<env>.duckdb``; an env
    that ``profiles.yml`` does not define uses its ``default`` profile, if it has one.
    """
    project_dir = Path(project_dir)
    return resolve_layered(project_dir, effective_environment(project_dir, env_name, environ),
                           engine=engine)


def resolve_layered(project_dir: Path, layered: EffectiveEnvironment, *,
                    engine: str | None = None) -> ResolvedProfile:
    """:func:`resolve_profile` in an effective environment already worked out."""
    environ = layered.values
    env_name = layered.env_name
    profiles, unset = _read(project_dir, environ)
    path = project_dir / "profiles.yml"
    raw: Any = None
    key = env_name  # the profile read: env_name's, else FastFlowTransform's fallback
    if profiles:
        if env_name not in profiles:
            if FALLBACK_PROFILE not in profiles:
                raise _unknown_env(env_name, profiles, path, layered.env_source)
            key = FALLBACK_PROFILE
        raw = profiles[key]
        if not isinstance(raw, Mapping):
            raise ProfileError(f"profile {key!r} in {path} must be a mapping", file=path,
                               line=line_of(profiles, key))
        data: dict[str, Any] = {k: (dict(v) if isinstance(v, Mapping) else v)
                                for k, v in raw.items()}
    else:
        data = {"engine": "duckdb", "duckdb": {"path": f".local/{env_name}.duckdb"}}

    problem = _Problem(key, path if profiles else None, raw, profiles, unset, layered)
    wanted = engine or environ.get("FF_ENGINE") or None
    if wanted and wanted != data.get("engine"):
        problem.switched = f"--engine {engine}" if engine else f"FF_ENGINE={wanted}"
        if member_of(wanted) is None:
            raise ProfileError(f"Unknown engine {wanted!r}",
                               hint=f"use one of: {', '.join(engine_names())}")
        kept = {key: data[key] for key in ("vars",) if key in data}
        data = {"engine": wanted, wanted: dict(data.get(wanted) or {}), **kept}
    block = data.get("engine")
    if isinstance(block, str) and block and member_of(block) is None:
        raise problem.unknown_engine(block)
    if isinstance(block, str) and isinstance(data.get(block), dict):
        data[block] = problem.canonical(block, data[block])
    for var, (owner, key) in _env_overrides(block).items():
        if environ.get(var):  # an empty variable counts as unset
            settings = settings_class(owner)
            key = settings.aliases.get(key, key) if settings is not None else key
            data.setdefault(owner, {})[key] = environ[var]
            problem.overridden[(owner, key)] = var

    remember_in(data)  # before validating: an error may quote a value
    try:
        profile = validate_profile(data)
    except ValidationError as exc:
        raise problem.error(exc, data) from None  # not chained: pydantic quotes the input
    return ResolvedProfile(env_name=env_name, profile=_resolve_paths(profile, project_dir))


def _unknown_env(env_name: str, profiles: Mapping[str, Any], path: Path,
                 source: str | None) -> ProfileError:
    existing = ", ".join(str(k) for k in profiles) or "none"
    if source is None:
        hint = (f"pass --env with one of: {existing}, or add '{env_name}:' (or a "
                f"'{FALLBACK_PROFILE}:' profile, which any other env uses) to profiles.yml")
    elif source == "FFT_ACTIVE_ENV":
        hint = f"unset FFT_ACTIVE_ENV or set it to one of: {existing}"
    else:
        hint = (f"set FFT_ACTIVE_ENV in {source.split(' in ', 1)[1]} to one of: {existing}, "
                "or pass --env")
    shown = f" (from {source})" if source else ""
    return ProfileError(f"Unknown env {env_name!r}{shown}: {path} defines {existing}",
                        file=path, hint=hint)


class _Problem:
    """What an error about the profile being resolved needs: where its keys are, which
    ``FF_*`` variable set which key, which ``env()`` calls found nothing."""

    def __init__(self, env_name: str, path: Path | None, raw: Any,
                 profiles: Mapping[str, Any], unset: Mapping[str, int],
                 layered: EffectiveEnvironment) -> None:
        self.env_name, self.path, self.raw, self.profiles = env_name, path, raw, profiles
        self.unset, self.layered = unset, layered
        self.switched: str | None = None  # what changed the profile's engine
        self.overridden: dict[tuple[str, str], str] = {}  # (block, key) -> FF_* variable

    def line(self, *keys: str) -> int | None:
        """The line of the deepest of ``keys`` (inside the profile) that profiles.yml has."""
        if self.path is None:
            return None
        best = line_of(self.profiles, self.env_name)
        container = self.raw
        for key in keys:
            if not isinstance(container, Mapping) or key not in container:
                break
            best = line_of(container, key) or best
            container = container[key]
        return best

    def canonical(self, block: str, settings: dict[str, Any]) -> dict[str, Any]:
        """``settings`` with other spellings of keys (``schema``) under their own names."""
        model = settings_class(block)
        for alias, name in (model.aliases.items() if model is not None else ()):
            if alias in settings:
                if name in settings:
                    raise ProfileError(
                        f"profile {self.env_name!r} sets both {block}.{alias} and "
                        f"{block}.{name}, which are one key", file=self.path,
                        line=self.line(block, alias), hint=f"keep only {block}.{name}")
                settings[name] = settings.pop(alias)
        return settings

    def unknown_engine(self, name: str) -> ProfileError:
        """``engine: <name>`` names no engine, built in or installed: the known ones, and the
        one meant when ``name`` is close to a built-in engine's name or another spelling."""
        installed = [engine for engine in engine_names() if engine not in ENGINE_SPECS]
        known = ", ".join(ENGINE_SPECS) + (
            f" (built in); {', '.join(installed)} (installed)" if installed else "")
        meant = _meant_engine(name)
        guess = f" (did you mean {meant}?)" if meant else ""
        where = f" in {self.path}" if self.path is not None else ""
        return ProfileError(
            f"profile {self.env_name!r}{where} names the engine {name!r}, which is neither "
            f"built in nor installed{guess}", file=self.path, line=self.line("engine"),
            hint=f"install the package that adds it, or use one of: {known}")

    def error(self, exc: ValidationError, data: Mapping[str, Any]) -> ProfileError:
        first = exc.errors()[0]
        loc = [str(p) for p in first["loc"]]
        engine = data.get("engine")
        if loc and loc[0] == engine and member_of(str(engine)) is None:
            loc = loc[1:]  # drop pydantic's union tag: it is not a key of profiles.yml
        if first["type"] == "extra_forbidden" and loc:
            return self._unknown_key(loc, data)
        where = ".".join(loc) or "engine"
        message = "is empty" if first["type"] == "string_too_short" else first["msg"]
        hints = [self._source_hint(loc), _DOCS_HINT]
        if self.switched:
            hints[-1] = (f"{self.switched} makes this profile a {engine} profile, which needs "
                         f"its own keys (FF_* variables or a '{engine}:' block); {_DOCS_HINT}")
        return ProfileError(
            redact(f"profile {self.env_name!r} is invalid at {where}: {message}"),
            file=self.path, line=self.line(*(loc or ["engine"])),
            hint="; ".join(h for h in hints if h))

    def _source_hint(self, loc: list[str]) -> str | None:
        """Where the offending value came from, when not written in profiles.yml: an
        ``FF_*`` variable, or an ``env()`` call that found its variable unset."""
        var = self.overridden.get((loc[0], loc[1])) if len(loc) == 2 else None
        if var is not None:
            return f"{var} (set in {self.layered.origin_of(var)}) gives this value"
        line = self.line(*loc)
        names = [name for name, at in self.unset.items() if at == line] or list(self.unset)
        if not names:
            return None
        listed = ", ".join(names)
        return (f"profiles.yml reads {listed} with env() and no default, and "
                f"{'it is' if len(names) == 1 else 'they are'} not set: set "
                f"{'it' if len(names) == 1 else 'them'} in the environment or a .env file, "
                "or give env() a default")

    def _unknown_key(self, loc: list[str], data: Mapping[str, Any]) -> ProfileError:
        key = loc[-1]
        engine = str(data.get("engine"))
        if len(loc) == 1:
            known = ["engine", engine, "vars"]
            owner = f"a {engine} profile"
        else:
            model = settings_class(loc[0])
            known = keys_of(model) if model is not None else []
            owner = loc[0]
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        where = ".".join(loc)
        guess = f" (did you mean {'.'.join([*loc[:-1], close[0]])}?)" if close else ""
        return ProfileError(
            f"profile {self.env_name!r} in {self.path} has an unknown key {where}{guess}",
            file=self.path, line=self.line(*loc),
            hint=f"the keys of {owner} are: {', '.join(known)}; {_DOCS_HINT}")


def _meant_engine(name: str) -> str | None:
    """The built-in engine ``name`` misspells or spells otherwise, if any: ``postgre`` and
    ``postgresql`` are ``postgres``, ``Spark`` is ``databricks_spark``."""
    spellings = {alias: spec.name for spec in ENGINE_SPECS.values() for alias in spec.aliases}
    spellings.update({engine: engine for engine in ENGINE_SPECS})
    folded = name.casefold()
    close = [folded] if folded in spellings else difflib.get_close_matches(
        folded, list(spellings), n=1, cutoff=0.75)
    return spellings[close[0]] if close else None


# Not a file path: ``:memory:``, or a scheme such as ``md:`` (a drive letter, one character
# before the colon, is a path).
_NOT_A_PATH = re.compile(r":|[A-Za-z][A-Za-z0-9+.-]+:")


def _resolve_paths(profile: Any, project_dir: Path) -> Any:
    """The profile with the path keys of its engine block (``path_keys`` of the block's
    model: DuckDB's ``path``, an installed engine's own) absolute, resolved against
    ``project_dir``."""
    settings = getattr(profile, str(profile.engine), None)
    keys = getattr(settings, "path_keys", ())
    update: dict[str, str] = {}
    for key in keys:
        raw = getattr(settings, key, None)
        if not isinstance(raw, str) or not raw or _NOT_A_PATH.match(raw):
            continue
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = project_dir / path
        update[key] = str(path.resolve())
    if not update or settings is None:
        return profile
    return profile.model_copy(update={profile.engine: settings.model_copy(update=update)})

"""Engine profiles: ``profiles.yml`` plus ``FF_*`` overrides plus command-line flags.

A profile is one member of a pydantic discriminated union keyed by ``engine``::

    dev:
      engine: duckdb
      duckdb: {path: .local/demo.duckdb}

Priority, lowest to highest: ``profiles.yml`` < ``FF_*`` environment variables < flags
(``--fft-engine``). An env name that ``profiles.yml`` does not define is an error listing
the ones it does; there is no silent fallback.

A profile's secrets (passwords, tokens, a DSN's password) are remembered by
:mod:`pytest_fft.redact`, so no message shows them, and a profile's ``repr`` masks them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from pytest_fft.engines.registry import ENGINES as ENGINE_SPECS
from pytest_fft.errors import ProfileError
from pytest_fft.project.resolved_profile import ResolvedProfile
from pytest_fft.project.yaml_io import line_of, load_yaml
from pytest_fft.redact import MASK, is_secret_key, redact, remember_in

DEFAULT_ENV = "dev"


class _Strict(BaseModel):
    # defer_build: a profile class gets its validator when first used, so a run pays for
    # its own engine's only (building all of them was a third of this module's import).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    def __repr_args__(self) -> Any:  # secrets masked: a repr ends up in messages and logs
        for name, value in super().__repr_args__():
            if name is not None and is_secret_key(name) and value not in (None, ""):
                yield name, MASK
            else:
                yield name, redact(value) if isinstance(value, str) else value


class DuckDBSettings(_Strict):
    path: str = ":memory:"
    db_schema: str | None = None


class PostgresSettings(_Strict):
    dsn: str
    db_schema: str = "public"


class BigQuerySettings(_Strict):
    project: str | None = None
    dataset: str
    location: str | None = None
    use_bigframes: bool = False


class DatabricksSparkSettings(_Strict):
    master: str = "local[*]"
    app_name: str = "pytest-fft"
    database: str | None = None
    warehouse_dir: str | None = None
    table_format: str | None = None
    extra_conf: dict[str, str] | None = None


class SnowflakeSnowparkSettings(_Strict):
    account: str
    user: str
    password: str | None = None
    warehouse: str | None = None
    database: str
    db_schema: str = Field(alias="schema", default="PUBLIC")
    role: str | None = None


class DuckDBProfile(_Strict):
    engine: Literal["duckdb"]
    duckdb: DuckDBSettings = DuckDBSettings()


class PostgresProfile(_Strict):
    engine: Literal["postgres"]
    postgres: PostgresSettings


class BigQueryProfile(_Strict):
    engine: Literal["bigquery"]
    bigquery: BigQuerySettings


class DatabricksSparkProfile(_Strict):
    engine: Literal["databricks_spark"]
    databricks_spark: DatabricksSparkSettings = DatabricksSparkSettings()


class SnowflakeSnowparkProfile(_Strict):
    engine: Literal["snowflake_snowpark"]
    snowflake_snowpark: SnowflakeSnowparkSettings


Profile = Annotated[
    DuckDBProfile | PostgresProfile | BigQueryProfile | DatabricksSparkProfile
    | SnowflakeSnowparkProfile,
    Field(discriminator="engine"),
]
ENGINES = tuple(ENGINE_SPECS)  # the registry's engine names
# The profile class of each engine; a test holds it to the registry.
_MEMBERS: dict[str, type[_Strict]] = {
    "duckdb": DuckDBProfile, "postgres": PostgresProfile, "bigquery": BigQueryProfile,
    "databricks_spark": DatabricksSparkProfile, "snowflake_snowpark": SnowflakeSnowparkProfile,
}


def validate_profile(data: Mapping[str, Any]) -> Any:
    """``data`` as a member of :data:`Profile`: the member its ``engine`` names, validated
    alone; anything else through the whole union, for pydantic's message about the tag."""
    engine = data.get("engine")
    member = _MEMBERS.get(engine) if isinstance(engine, str) else None
    if member is not None:
        return member.model_validate(data)
    return TypeAdapter(Profile).validate_python(data)

# FF_* variable -> (engine block, key) it overrides, from the registry.
_ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    var: (spec.name, key) for spec in ENGINE_SPECS.values() for var, key in spec.env_overrides
}


def env_override_var(setting: tuple[str, ...]) -> str | None:
    """The ``FF_*`` variable that overrides ``(engine block, key)``, e.g. ``FF_PG_DSN``."""
    return next((var for var, where in _ENV_OVERRIDES.items() if where == setting), None)


def read_profiles(project_dir: Path) -> Mapping[str, Any]:
    path = project_dir / "profiles.yml"
    if not path.exists():
        return {}
    data = load_yaml(path, display=str(path))
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ProfileError(f"{path} must map env names to profiles", file=path, line=line_of(data))
    return data


def resolve_profile(
    project_dir: str | Path,
    env_name: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    engine: str | None = None,
) -> ResolvedProfile:
    """Pick the profile ``env_name`` of ``project_dir`` and apply overrides.

    Without a ``profiles.yml`` the profile is DuckDB at ``.local/<env>.duckdb``.
    """
    project_dir = Path(project_dir)
    environ = os.environ if environ is None else environ
    from_variable = not env_name and bool(environ.get("FFT_ACTIVE_ENV"))
    env_name = env_name or environ.get("FFT_ACTIVE_ENV") or DEFAULT_ENV
    profiles = read_profiles(project_dir)
    path = project_dir / "profiles.yml"
    if profiles:
        if env_name not in profiles:
            existing = ", ".join(str(k) for k in profiles) or "none"
            source = " (from FFT_ACTIVE_ENV)" if from_variable else ""
            raise ProfileError(
                f"Unknown env {env_name!r}{source}: {path} defines {existing}",
                file=path,
                hint=(f"unset FFT_ACTIVE_ENV or set it to one of: {existing}" if from_variable
                      else f"pass --env with one of: {existing}, or add '{env_name}:' to "
                           "profiles.yml"),
            )
        raw = profiles[env_name]
        if not isinstance(raw, Mapping):
            raise ProfileError(f"profile {env_name!r} in {path} must be a mapping", file=path,
                               line=line_of(profiles, env_name))
        data: dict[str, Any] = {k: (dict(v) if isinstance(v, Mapping) else v)
                                for k, v in raw.items()}
    else:
        data = {"engine": "duckdb", "duckdb": {"path": f".local/{env_name}.duckdb"}}

    wanted = engine or environ.get("FF_ENGINE")
    switched = None  # what changed the profile's engine, for the error below
    if wanted and wanted != data.get("engine"):
        switched = (f"--engine {engine}" if engine else f"FF_ENGINE={wanted}")
        if wanted not in ENGINES:
            raise ProfileError(f"Unknown engine {wanted!r}",
                               hint=f"use one of: {', '.join(ENGINES)}")
        data = {"engine": wanted, wanted: dict(data.get(wanted) or {})}
    for var, (block, key) in _ENV_OVERRIDES.items():
        if var in environ and block == data.get("engine"):
            data.setdefault(block, {})[key] = environ[var]

    remember_in(data)  # before validating: an error may quote a value
    try:
        profile = validate_profile(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = list(first["loc"])
        if loc and loc[0] == data.get("engine") and data.get("engine") not in _MEMBERS:
            loc = loc[1:]  # drop pydantic's union tag: it is not a key of profiles.yml
        where = ".".join(str(p) for p in loc) or "engine"
        hint = "see docs/profiles.md for the keys of each engine"
        if switched:
            hint = (f"{switched} makes this profile a {data['engine']} profile, which needs "
                    f"its own keys (FF_* variables or a '{data['engine']}:' block); {hint}")
        # Not chained: pydantic's own message quotes the input, secrets and all.
        raise ProfileError(
            redact(f"profile {env_name!r} is invalid at {where}: {first['msg']}"),
            file=path if profiles else None,
            line=line_of(profiles, env_name) if profiles else None,
            hint=hint,
        ) from None
    return ResolvedProfile(env_name=env_name, profile=_resolve_paths(profile, project_dir))


def _resolve_paths(profile: Any, project_dir: Path) -> Any:
    if profile.engine != "duckdb":
        return profile
    raw = profile.duckdb.path
    if raw == ":memory:" or raw.startswith("md:"):
        return profile
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = project_dir / path
    settings = profile.duckdb.model_copy(update={"path": str(path.resolve())})
    return profile.model_copy(update={"duckdb": settings})

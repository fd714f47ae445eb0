"""The keys a profile of each engine may have: one pydantic model per engine.

A profile is one member of a discriminated union keyed by ``engine``; each member has its
engine's settings block and an optional ``vars:`` block (values for ``var()`` in models)::

    dev:
      engine: duckdb
      duckdb: {path: .local/dev.duckdb, db_schema: analytics}
      vars: {start_date: "2024-01-01"}

The keys are those FastFlowTransform reads (0.4 and 0.6 spellings: ``schema`` is also
accepted for ``db_schema``, see :attr:`_Strict.aliases`). An unknown key is an error, an
empty value of an optional key means "not set" (``role: "{{ env('FF_SF_ROLE', '') }}"``),
and an empty value of a required key is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from pytest_fft.redact import MASK, is_secret_key, redact

# A value that must not be empty (a required key, or one whose default is not "unset").
Text = Annotated[str, StringConstraints(min_length=1)]
# A Spark configuration or table option: YAML gives booleans and numbers as they are written.
ConfValue = bool | int | float | str


class _Strict(BaseModel):
    # defer_build: a profile class gets its validator when first used, so a run pays for
    # its own engine's only (building all of them was a third of this module's import).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    aliases: ClassVar[Mapping[str, str]] = {}
    """Other spellings of keys, accepted in ``profiles.yml``: ``{"schema": "db_schema"}``."""

    path_keys: ClassVar[tuple[str, ...]] = ()
    """Keys whose value is a file path: a relative one is resolved against the project
    directory when the profile is resolved (``~`` expanded); a value like ``:memory:`` or
    ``md:db`` (a colon after two or more characters, or first) is not a path and stays."""

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, data: Any) -> Any:
        """An empty string for a key that is optional (default None) leaves it unset."""
        if not isinstance(data, Mapping):
            return data
        return {key: value for key, value in data.items()
                if not (value == "" and key in cls.model_fields
                        and not cls.model_fields[key].is_required()
                        and cls.model_fields[key].default is None)}

    def __repr_args__(self) -> Any:  # secrets masked: a repr ends up in messages and logs
        for name, value in super().__repr_args__():
            if name is not None and is_secret_key(name) and value not in (None, ""):
                yield name, MASK
            else:
                yield name, redact(value) if isinstance(value, str) else value


class DuckDBSettings(_Strict):
    aliases: ClassVar[Mapping[str, str]] = {"schema": "db_schema"}
    path_keys: ClassVar[tuple[str, ...]] = ("path",)
    path: Text = ":memory:"
    db_schema: str | None = None
    catalog: str | None = None


class PostgresSettings(_Strict):
    aliases: ClassVar[Mapping[str, str]] = {"schema": "db_schema"}
    dsn: Text
    db_schema: Text = "public"


class BigQuerySettings(_Strict):
    project: str | None = None
    dataset: Text
    location: str | None = None
    use_bigframes: bool = False
    allow_create_dataset: bool = False


class DatabricksSparkSettings(_Strict):
    path_keys: ClassVar[tuple[str, ...]] = ("warehouse_dir",)
    master: Text = "local[*]"
    app_name: Text = "pytest-fft"
    # Spark Connect: the cluster at sc://host:port runs everything (master is not used).
    remote: str | None = None
    extra_conf: dict[str, ConfValue] | None = None
    # Where a local session keeps its managed tables (relative: to the project).
    warehouse_dir: str | None = ".local/spark_warehouse"
    # None: a local session keeps its catalog in a Hive metastore next to its warehouse,
    # so a later process finds what an earlier one built; false: Spark's in-memory catalog.
    use_hive_metastore: bool | None = None
    catalog: str | None = None
    database: str | None = None
    table_format: str | None = None
    table_options: dict[str, ConfValue] | None = None


class SnowflakeSnowparkSettings(_Strict):
    aliases: ClassVar[Mapping[str, str]] = {"schema": "db_schema"}
    account: Text
    user: Text
    password: str | None = None
    warehouse: str | None = None
    database: Text
    db_schema: Text = "PUBLIC"
    role: str | None = None
    allow_create_schema: bool = False


class _Profile(_Strict):
    vars: dict[str, Any] | None = None


class DuckDBProfile(_Profile):
    engine: Literal["duckdb"]
    duckdb: DuckDBSettings = DuckDBSettings()


class PostgresProfile(_Profile):
    engine: Literal["postgres"]
    postgres: PostgresSettings


class BigQueryProfile(_Profile):
    engine: Literal["bigquery"]
    bigquery: BigQuerySettings


class DatabricksSparkProfile(_Profile):
    engine: Literal["databricks_spark"]
    databricks_spark: DatabricksSparkSettings = DatabricksSparkSettings()


class SnowflakeSnowparkProfile(_Profile):
    engine: Literal["snowflake_snowpark"]
    snowflake_snowpark: SnowflakeSnowparkSettings


Profile = Annotated[
    DuckDBProfile | PostgresProfile | BigQueryProfile | DatabricksSparkProfile
    | SnowflakeSnowparkProfile,
    Field(discriminator="engine"),
]

# The profile class of each engine; a test holds it to the registry.
MEMBERS: dict[str, type[_Profile]] = {
    "duckdb": DuckDBProfile, "postgres": PostgresProfile, "bigquery": BigQueryProfile,
    "databricks_spark": DatabricksSparkProfile, "snowflake_snowpark": SnowflakeSnowparkProfile,
}


EngineSettings = _Strict
"""The base of an engine's settings block (``pytest_fft.sdk.EngineSettings``): unknown keys
are errors, an empty optional value is unset, secrets are masked in its repr."""


def member_of(engine: str) -> type[_Profile] | None:
    """The profile class of ``engine``: a built-in one of :data:`MEMBERS`, or one made for an
    installed engine from its spec's ``settings`` model; None for a name no engine has."""
    member = MEMBERS.get(engine)
    if member is not None:
        return member
    from pytest_fft.engines.registry import installed_engines

    spec = installed_engines().get(engine)
    return _installed_member(spec) if spec is not None else None


_INSTALLED: dict[str, type[_Profile]] = {}


def _installed_member(spec: Any) -> type[_Profile]:
    member = _INSTALLED.get(spec.name)
    if member is None:
        from pydantic import create_model

        settings = spec.settings or create_model(f"{spec.name}_settings", __base__=_Strict)
        if not (isinstance(settings, type) and issubclass(settings, _Strict)):
            from pytest_fft.errors import EngineNotInstalledError

            raise EngineNotInstalledError(
                f"the settings of engine {spec.name!r} are a {settings!r}, not a subclass of "
                "pytest_fft.sdk.EngineSettings",
                hint="derive the engine's settings model from pytest_fft.sdk.EngineSettings")
        required = any(f.is_required() for f in settings.model_fields.values())
        fields: dict[str, Any] = {
            "engine": (Literal[spec.name], ...),
            spec.name: (settings, ... if required else settings()),
        }
        member = create_model(f"{spec.name}_profile", __base__=_Profile, **fields)
        _INSTALLED[spec.name] = member
    return member


def settings_class(engine: str) -> type[_Strict] | None:
    """The settings block model of ``engine`` (``DuckDBSettings`` for ``duckdb``)."""
    member = member_of(engine)
    if member is None:
        return None
    annotation = member.model_fields[engine].annotation
    return annotation if isinstance(annotation, type) and issubclass(annotation, _Strict) else None


def keys_of(model: type[_Strict]) -> list[str]:
    """The keys ``model`` accepts, with their other spellings, in declaration order."""
    return [*model.model_fields, *model.aliases]

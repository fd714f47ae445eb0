"""The one registry of engines: everything about an engine that is data, not code.

Every per-engine table of the package reads from here: the profile's engine names and ``FF_*``
overrides (:mod:`pytest_fft.project.profiles`), the case rule of the loader's duplicate check,
the sqlglot dialect of fingerprints, the check SQL spellings (:mod:`pytest_fft.checks.dialect`),
the abbreviation in per-model output, the pip extra and the engine class. What an engine *does*
differently is a method of its class (see :mod:`pytest_fft.engines.base`).

This module imports no driver and nothing else of the package, so the pure core may read it.

>>> engine_spec("postgresql").name
'postgres'
>>> engine_spec("snowflake").name_key("users") == engine_spec("snowflake").name_key("Users")
True
>>> engine_spec("postgres").name_key("users") == engine_spec("postgres").name_key("Users")
False
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any, Literal

# A name the warehouse would accept unquoted: only such a name is folded as an unquoted one.
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")

#: Words SQL reserves (PostgreSQL's reserved key words, which DuckDB's grammar shares): a
#: relation of that name is written quoted wherever pytest-fft writes it into SQL.
RESERVED_WORDS = frozenset({
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
    "authorization", "binary", "both", "case", "cast", "check", "collate", "collation",
    "column", "concurrently", "constraint", "create", "cross", "current_catalog",
    "current_date", "current_role", "current_schema", "current_time", "current_timestamp",
    "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end",
    "except", "false", "fetch", "for", "foreign", "freeze", "from", "full", "grant",
    "group", "having", "ilike", "in", "initially", "inner", "intersect", "into", "is",
    "isnull", "join", "lateral", "leading", "left", "like", "limit", "localtime",
    "localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or",
    "order", "outer", "overlaps", "placing", "primary", "references", "returning", "right",
    "select", "session_user", "similar", "some", "symmetric", "system_user", "table",
    "tablesample", "then", "to", "trailing", "true", "union", "unique", "user", "using",
    "variadic", "verbose", "when", "where", "window", "with",
})


@dataclass(frozen=True)
class CheckSpelling:
    """The SQL spellings data-quality checks need that differ between engines.

    ``regex_template`` (placeholders ``{expr}``, ``{pattern}``; None: no regex) and
    ``minutes_template`` (``{ts}``) are ``str.format`` templates; ``string_type`` is the type
    ``cast(x as ...)`` uses for text; ``backslash_strings``: a backslash escapes in literals.
    """

    regex_template: str | None = None
    minutes_template: str = "extract(epoch from (current_timestamp - {ts})) / 60.0"
    string_type: str = "varchar"
    backslash_strings: bool = False


@dataclass(frozen=True)
class EngineSpec:
    """One engine as data.

    Names: pytest-fft always quotes the relations it creates, so the name a relation gets is
    ``stored_name(name)``: verbatim, except on engines that fold ``plain`` names (Snowflake)
    where a plain name is folded first so that unquoted SQL (``from users``) still finds it.
    Two names are one relation when their :meth:`name_key` is equal: ``quoted_keeps_case``
    False means the warehouse matches names without regard to case even when quoted
    (DuckDB, Spark).
    """

    name: str
    abbrev: str  # shown in per-model output: "DUCK", "PG", ...
    sqlglot_dialect: str
    engine_class: str | None  # "module:Class", imported when an engine is opened; None: not shipped
    extra: str | None = None  # pip extra with the driver; None: a dependency of pytest-fft
    aliases: tuple[str, ...] = ()
    quote_char: str = '"'
    quote_escape: str = '""'
    plain_names_fold: Literal["lower", "upper"] | None = None  # what unquoted names become
    fold_plain_names_when_quoting: bool = False
    quoted_keeps_case: bool = True
    checks: CheckSpelling = field(default_factory=CheckSpelling)
    # FF_* variable -> key of the profile's settings block it overrides.
    env_overrides: tuple[tuple[str, str], ...] = ()
    # Profile setting -> the further pip extra it needs (BigQuery's bigframes mode).
    setting_extras: tuple[tuple[str, str], ...] = ()
    # The variable of the engine's cost guard (FastFlowTransform 0.6's FF_<ENGINE>_MAX_BYTES):
    # a model query estimated to scan more bytes is stopped before it runs.
    max_bytes_env: str | None = None
    # Whether `fft sync-db-comments` writes comments here: COMMENT ON statements, the catalog
    # in the standard information_schema, and an engine that ships.
    comments: bool = False
    # A third-party engine's profile block: a pydantic model (a subclass of
    # pytest_fft.sdk.EngineSettings) of the keys under ``<name>:`` in profiles.yml. None: the
    # block has no keys. The built-in engines' models are in project/profile_models.py.
    settings: Any = None
    # The names a table, view or schema may have, when the warehouse restricts them (Spark's
    # catalogs: letters, digits and _), as (regular expression, how to say it); None: any.
    valid_name: tuple[str, str] | None = None

    @property
    def install_hint(self) -> str:
        """How to get the driver: ``pip install 'pytest-fft[postgres]'``."""
        return f"pip install 'pytest-fft[{self.extra}]'" if self.extra else "pip install pytest-fft"

    def stored_name(self, name: str) -> str:
        """One name part as the warehouse stores it once pytest-fft quoted it."""
        if self.fold_plain_names_when_quoting and _PLAIN_NAME.match(name):
            return name.upper() if self.plain_names_fold == "upper" else name.lower()
        return name

    def name_key(self, name: str) -> str:
        """The identity of a name (each dot-separated part): equal keys, same relation.

        Qualification (which schema an unqualified name is in) is the engine's business:
        see ``Engine.relation_key``.
        """
        parts = (self.stored_name(part) for part in name.split("."))
        key = ".".join(parts)
        return key if self.quoted_keeps_case else key.casefold()

    def name_problem(self, name: str) -> str | None:
        """Why ``name`` (one name part) cannot name a relation or schema here; None: it can."""
        if self.valid_name is None or re.fullmatch(self.valid_name[0], name):
            return None
        return f"{self.name} names {self.valid_name[1]}"

    def quote(self, name: str) -> str:
        """One name part quoted as this engine's SQL spells it (a double quote inside a
        name doubled on DuckDB; backticks on BigQuery and Spark).

        The single quoting rule of the package. It is declared per engine instead of asking
        sqlglot at run time because importing sqlglot costs a quarter of a second that a
        cached run or a unit case would otherwise pay; ``tests/contract`` pins it to sqlglot's
        ``exp.to_identifier(name, quoted=True).sql(dialect)`` for every engine.
        """
        stored = self.stored_name(name)
        quote = self.quote_char
        return quote + stored.replace(quote, self.quote_escape) + quote

    def quote_relation(self, relation: str) -> str:
        """``schema.table`` -> each dot-separated part quoted."""
        return ".".join(self.quote(part) for part in relation.split("."))

    def sql_name(self, relation: str) -> str:
        """``relation`` as ``ref()`` and ``{{ this }}`` write it into a model's SQL: each part
        as it is where the warehouse finds it so (``users``), quoted where it would not (a
        reserved word such as ``order``; on PostgreSQL a name with capitals, which pytest-fft
        created quoted)."""
        return ".".join(self.quote(part) if self._needs_quotes(part) else part
                        for part in relation.split("."))

    def _needs_quotes(self, part: str) -> bool:
        if not _PLAIN_NAME.match(part) or part.lower() in RESERVED_WORDS:
            return True
        if not self.quoted_keeps_case or self.fold_plain_names_when_quoting:
            return False  # unquoted, it finds the relation whatever its case
        folded = {"lower": part.lower(), "upper": part.upper()}.get(
            self.plain_names_fold or "", part)
        return folded != part


_DUCKDB = EngineSpec(
    name="duckdb", abbrev="DUCK", sqlglot_dialect="duckdb",
    engine_class="pytest_fft.engines.duckdb:DuckDBEngine",
    # DuckDB matches names without regard to case, quoted or not, and keeps the case written.
    quoted_keeps_case=False,
    checks=CheckSpelling(
        regex_template="regexp_matches({expr}, {pattern})",
        minutes_template="(epoch(current_timestamp) - epoch(cast({ts} as timestamptz))) / 60.0",
    ),
    comments=True,
    env_overrides=(("FF_DUCKDB_PATH", "path"), ("FF_DUCKDB_SCHEMA", "db_schema"),
                   ("FF_DUCKDB_CATALOG", "catalog")),
    max_bytes_env="FF_DUCKDB_MAX_BYTES",
)

_POSTGRES = EngineSpec(
    name="postgres", abbrev="PG", sqlglot_dialect="postgres",
    engine_class="pytest_fft.engines.postgres:PostgresEngine",
    extra="postgres", aliases=("postgresql", "pg"),
    plain_names_fold="lower",
    checks=CheckSpelling(
        regex_template="({expr} ~ {pattern})",
        minutes_template=("extract(epoch from (current_timestamp - cast({ts} as timestamptz)))"
                          " / 60.0"),
    ),
    comments=True,
    env_overrides=(("FF_PG_DSN", "dsn"), ("FF_PG_SCHEMA", "db_schema")),
    max_bytes_env="FF_PG_MAX_BYTES",
)

_BIGQUERY = EngineSpec(
    name="bigquery", abbrev="BQ", sqlglot_dialect="bigquery", engine_class=None,
    extra="bigquery", aliases=("bq", "bigquery_bigframes"),
    quote_char="`", quote_escape="\\`",
    checks=CheckSpelling(
        regex_template="regexp_contains({expr}, {pattern})",
        minutes_template=(
            "timestamp_diff(current_timestamp(), cast({ts} as timestamp), millisecond) / 60000.0"
        ),
        string_type="string", backslash_strings=True,
    ),
    env_overrides=(("FF_BQ_PROJECT", "project"), ("FF_BQ_DATASET", "dataset"),
                   ("FF_BQ_LOCATION", "location"), ("FF_BQ_USE_BIGFRAMES", "use_bigframes"),
                   ("FF_BQ_ALLOW_CREATE_DATASET", "allow_create_dataset")),
    setting_extras=(("use_bigframes", "bigframes"),),
    max_bytes_env="FF_BQ_MAX_BYTES",
)

_SPARK = EngineSpec(
    name="databricks_spark", abbrev="SPK", sqlglot_dialect="databricks",
    engine_class="pytest_fft.engines.spark:SparkEngine",
    extra="spark", aliases=("spark", "databricks"),
    quote_char="`", quote_escape="``",
    # Spark's catalogs compare names without case (spark.sql.caseSensitive is off) and keep
    # them in lower case; they take only letters, digits and _.
    plain_names_fold="lower", fold_plain_names_when_quoting=True, quoted_keeps_case=False,
    valid_name=(r"[A-Za-z0-9_]+", "tables, views and schemas with letters, digits and _ only"),
    checks=CheckSpelling(
        regex_template="({expr} rlike {pattern})",
        # timestamp_ltz: a timestamp without a time zone (the session's kind, see
        # engines/spark_session.py) is read in the session's time zone; unix_millis takes
        # zoned timestamps only.
        minutes_template=(
            "(unix_millis(current_timestamp()) - unix_millis(cast({ts} as timestamp_ltz)))"
            " / 60000.0"
        ),
        string_type="string", backslash_strings=True,
    ),
    # FF_DBR_MASTER / FF_DBR_APPNAME are older spellings: listed first, so FF_SPARK_* wins.
    env_overrides=(("FF_DBR_MASTER", "master"), ("FF_SPARK_MASTER", "master"),
                   ("FF_DBR_APPNAME", "app_name"), ("FF_SPARK_APP_NAME", "app_name"),
                   ("FF_DBR_WAREHOUSE_DIR", "warehouse_dir"),
                   ("FF_DBR_ENABLE_HIVE", "use_hive_metastore"),
                   ("FF_DBR_DATABASE", "database"), ("FF_DBR_TABLE_FORMAT", "table_format"),
                   ("FF_DBR_CATALOG", "catalog"), ("FF_SPARK_REMOTE", "remote")),
    max_bytes_env="FF_SPK_MAX_BYTES",
)

_SNOWFLAKE = EngineSpec(
    name="snowflake_snowpark", abbrev="SF", sqlglot_dialect="snowflake", engine_class=None,
    extra="snowflake", aliases=("snowflake", "snowpark"),
    # Snowflake folds unquoted names to upper case: a plain name is upper-cased before quoting
    # so ``users`` is USERS exactly as the unquoted name would be; other names stay verbatim.
    plain_names_fold="upper", fold_plain_names_when_quoting=True,
    checks=CheckSpelling(
        # regexp_like is anchored to the whole string on Snowflake; regexp_instr searches.
        regex_template="(regexp_instr({expr}, {pattern}) > 0)",
        minutes_template="datediff('millisecond', {ts}, current_timestamp()) / 60000.0",
        backslash_strings=True,
    ),
    env_overrides=(("FF_SF_ACCOUNT", "account"), ("FF_SF_USER", "user"),
                   ("FF_SF_PASSWORD", "password"), ("FF_SF_WAREHOUSE", "warehouse"),
                   ("FF_SF_DATABASE", "database"), ("FF_SF_SCHEMA", "db_schema"),
                   ("FF_SF_ROLE", "role"), ("FF_SF_ALLOW_CREATE_SCHEMA", "allow_create_schema")),
    max_bytes_env="FF_SF_MAX_BYTES",
)

#: Every engine by its profile name, in the order profiles.yml documents them.
ENGINES: Mapping[str, EngineSpec] = MappingProxyType(
    {spec.name: spec for spec in (_DUCKDB, _POSTGRES, _BIGQUERY, _SPARK, _SNOWFLAKE)})

_BY_ALIAS: Mapping[str, str] = MappingProxyType(
    {alias: spec.name for spec in ENGINES.values() for alias in spec.aliases})


ENTRY_POINT_GROUP = "pytest_fft.engines"
"""The entry point group through which an installed package adds an engine: each entry point
is named like the engine and names its :class:`EngineSpec` (``fft_sqlite:SPEC``)."""


def engine_names() -> tuple[str, ...]:
    """The engine names a profile may use: the built-in ones, then the installed ones."""
    return (*ENGINES, *installed_engines())


@cache
def installed_engines() -> Mapping[str, EngineSpec]:
    """The engines that installed packages add through :data:`ENTRY_POINT_GROUP`, by name.

    Read once per process, and only when a name is not a built-in engine's: a run on DuckDB
    or PostgreSQL never scans the installed packages. A package whose entry point does not
    load, names no EngineSpec, or claims a built-in engine's name is an
    :class:`~pytest_fft.errors.EngineNotInstalledError` naming the package and the fix.
    """
    from importlib.metadata import entry_points

    found: dict[str, EngineSpec] = {}
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        package = point.dist.name if point.dist is not None else "an installed package"
        try:
            spec = point.load()
        except Exception as exc:
            raise _plugin_error(f"the engine {point.name!r} of {package} does not load "
                                f"({point.value}): {type(exc).__name__}: {exc}",
                                f"reinstall {package}, or uninstall it") from exc
        if not isinstance(spec, EngineSpec):
            raise _plugin_error(
                f"the entry point {point.name!r} of {package} in group {ENTRY_POINT_GROUP!r} "
                f"names a {type(spec).__name__}, not an EngineSpec",
                f"point it at a pytest_fft.sdk.EngineSpec ({point.value} is not one)")
        if spec.name != point.name or spec.name in ENGINES or spec.name in _BY_ALIAS:
            taken = spec.name in ENGINES or spec.name in _BY_ALIAS
            raise _plugin_error(
                f"the engine {spec.name!r} of {package} "
                + ("has the name of a built-in engine" if taken
                   else f"is registered under the entry point name {point.name!r}"),
                "give the engine a name of its own, the same in its EngineSpec and in "
                "its entry point")
        found[spec.name] = spec
    return MappingProxyType(found)


def _plugin_error(message: str, hint: str) -> Exception:
    from pytest_fft.errors import EngineNotInstalledError  # this module imports no package

    return EngineNotInstalledError(message, hint=hint)


DEFAULT_ENGINE = "duckdb"
"""The engine of a run that names none (embedded: nothing to install or start)."""

AUDIT_TABLE = "_ff_meta"
"""The audit table's name, in the engine's target schema: no seed or model may build it."""


def find_engine_spec(name: str) -> EngineSpec | None:
    """The spec of an engine name or alias, built-in or installed (:func:`installed_engines`);
    None for a name no engine has (a test's fake)."""
    spec = ENGINES.get(_BY_ALIAS.get(name, name))
    if spec is not None:
        return spec
    installed = installed_engines()
    return installed.get(name) or next(
        (spec for spec in installed.values() if name in spec.aliases), None)


def engine_spec(name: str) -> EngineSpec:
    """The spec of an engine name or alias; KeyError naming the known ones otherwise."""
    spec = find_engine_spec(name)
    if spec is None:
        raise KeyError(f"unknown engine {name!r}; known: {', '.join(engine_names())}")
    return spec


def generic_spec(name: str) -> EngineSpec:
    """A spec for an engine the registry does not know (a fake, a third-party engine under
    test): ANSI quoting, names compared without case, no regex in checks."""
    return find_engine_spec(name) or EngineSpec(
        name=name, abbrev=name.upper(), sqlglot_dialect="", engine_class=None,
        quoted_keeps_case=False)

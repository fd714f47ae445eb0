"""``seeds/schema.yml``: where each seed lands and which types its columns get (pure).

FastFlowTransform 0.6 reads an optional ``schema.yml`` next to the seed files::

    targets:
      raw/users:                 # the seed id: its path under seeds/, no suffix
        schema: raw              # the schema the table is created in
        table: seed_users        # an optional new name for the table
        schema_by_engine:        # a schema per engine, before ``schema``
          duckdb: main
          postgres: staging
    columns:
      seed_users:                # the table's (final) name
        id: integer
        signup_ts:
          type: timestamp
          engines: {postgres: timestamptz}
    dtypes:                      # pandas spellings, the older form of ``columns``
      seed_users: {id: int64}

A target is looked up by the seed id (``raw/users``), then by the id written with dots
(``raw.users``), then by the file's stem, which must then be unique under ``seeds/``.
``columns`` and ``dtypes`` are keyed by the table's final name. Types are the logical names
below (``string``, ``integer``, ``bigint``, ``double``, ``numeric``, ``boolean``, ``timestamp``,
``timestamptz``, ``date``, with their usual aliases); any other word is passed to the engine
as its own SQL type. A column the file does not have is an error naming both.

>>> cfg = parse_seed_config({"targets": {"raw/users": {"schema": "raw", "table": "u"}},
...                          "columns": {"u": {"id": "int"}}}, "seeds/schema.yml")
>>> placement = cfg.placement("raw/users", "users", "duckdb", stem_unique=True)
>>> placement.schema, placement.table, cfg.column_types("u", "duckdb")
('raw', 'u', {'id': 'integer'})
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_fft.errors import ProjectFileError
from pytest_fft.project.yaml_io import line_of, load_yaml

SEEDS_DIR_ENV = "FFT_SEEDS_DIR"
CONFIG_FILE = "schema.yml"

_TYPE_ALIASES = {
    "varchar": "string", "text": "string", "str": "string", "string": "string",
    "object": "string", "category": "string",
    "int": "integer", "int4": "integer", "int32": "integer", "integer": "integer",
    "bigint": "bigint", "int8": "bigint", "int64": "bigint", "long": "bigint",
    "double": "double", "float": "double", "float64": "double", "float8": "double",
    "numeric": "numeric", "decimal": "numeric",
    "boolean": "boolean", "bool": "boolean",
    "timestamp": "timestamp", "datetime": "timestamp", "datetime64[ns]": "timestamp",
    "timestamptz": "timestamptz", "datetime64[ns, utc]": "timestamptz",
    "date": "date",
}
LOGICAL_TYPES = frozenset(_TYPE_ALIASES.values())
_TOP_KEYS = ("targets", "columns", "dtypes")
_TARGET_KEYS = ("schema", "table", "schema_by_engine")
_COLUMN_KEYS = ("type", "engines")


def logical_type(spelled: str) -> str:
    """A type as written in ``schema.yml`` -> its logical name, or the word itself (lower case
    for a known alias; as written for an engine's own type such as ``varchar(20)``)."""
    word = spelled.strip()
    return _TYPE_ALIASES.get(word.lower(), word)


@dataclass(frozen=True)
class SeedPlacement:
    """Where one seed's table is created: ``schema`` (``None``: the profile's) and ``table``."""

    schema: str | None
    table: str


@dataclass(frozen=True)
class _Target:
    schema: str | None
    table: str | None
    schema_by_engine: Mapping[str, str]


@dataclass(frozen=True)
class _Column:
    type: str | None
    engines: Mapping[str, str]


@dataclass(frozen=True)
class SeedConfig:
    """The parsed ``seeds/schema.yml``; empty when the file does not exist."""

    display: str = "seeds/schema.yml"
    targets: Mapping[str, _Target] = field(default_factory=dict)
    columns: Mapping[str, Mapping[str, _Column]] = field(default_factory=dict)

    def placement(self, seed_id: str, stem: str, engine: str, *, stem_unique: bool
                  ) -> SeedPlacement:
        target = self.targets.get(seed_id) or self.targets.get(seed_id.replace("/", "."))
        if target is None and stem in self.targets:
            if not stem_unique:
                raise ProjectFileError(
                    f"{self.display}: target {stem!r} is ambiguous: several seed files are "
                    f"named {stem}", file=self.display,
                    hint=f"key the target by the seed's path under seeds/, e.g. {seed_id!r}")
            target = self.targets[stem]
        if target is None:
            return SeedPlacement(None, stem)
        schema = target.schema_by_engine.get(engine) or target.schema
        return SeedPlacement(schema, target.table or stem)

    def column_types(self, table: str, engine: str) -> dict[str, str]:
        """``{column: type}`` for the table's declared columns, logical or the engine's own."""
        out = {}
        for name, column in self.columns.get(table, {}).items():
            spelled = column.engines.get(engine) or column.type
            if spelled:
                out[name] = logical_type(spelled)
        return out


def seeds_dir(project_root: Path, environ: Mapping[str, str] = os.environ) -> Path:
    """The folder seeds are read from: ``FFT_SEEDS_DIR`` (relative to the project) or
    ``<project>/seeds``."""
    override = environ.get(SEEDS_DIR_ENV, "").strip()
    if not override:
        return project_root / "seeds"
    path = Path(override).expanduser()
    return path if path.is_absolute() else project_root / path


def load_seed_config(folder: Path, display: str) -> SeedConfig:
    """``<folder>/schema.yml`` parsed, or an empty config when there is none."""
    path = folder / CONFIG_FILE
    if not path.is_file():
        return SeedConfig(display=display)
    return parse_seed_config(load_yaml(path, display=display), display)


def parse_seed_config(raw: Any, display: str) -> SeedConfig:
    if raw is None:
        return SeedConfig(display=display)
    data = _mapping(raw, display, "the file", None)
    _known(data, _TOP_KEYS, display, "seeds/schema.yml")
    targets = {
        str(key): _target(_mapping(value, display, f"target {key!r}", line_of(data, key)),
                          display, str(key))
        for key, value in _mapping(data.get("targets") or {}, display, "targets",
                                   line_of(data, "targets")).items()
    }
    columns: dict[str, dict[str, _Column]] = {}
    for section in ("dtypes", "columns"):
        block = _mapping(data.get(section) or {}, display, section, line_of(data, section))
        for table, cols in block.items():
            for name, spec in _mapping(cols or {}, display, f"{section}.{table}",
                                       line_of(block, table)).items():
                columns.setdefault(str(table), {})[str(name)] = _column(
                    spec, display, f"{section}.{table}.{name}", line_of(cols, name))
    return SeedConfig(display=display, targets=targets, columns=columns)


def _target(data: Mapping[str, Any], display: str, key: str) -> _Target:
    _known(data, _TARGET_KEYS, display, f"target {key!r}")
    by_engine = _mapping(data.get("schema_by_engine") or {}, display,
                         f"target {key!r} schema_by_engine", line_of(data, "schema_by_engine"))
    return _Target(
        schema=_name(data.get("schema"), display, f"target {key!r} schema",
                     line_of(data, "schema")),
        table=_name(data.get("table"), display, f"target {key!r} table", line_of(data, "table")),
        schema_by_engine={str(e).lower(): s for e, v in by_engine.items()
                          if (s := _name(v, display, f"schema_by_engine.{e}",
                                         line_of(by_engine, e)))},
    )


def _column(spec: Any, display: str, where: str, line: int | None) -> _Column:
    if isinstance(spec, str):
        return _Column(type=_name(spec, display, where, line), engines={})
    data = _mapping(spec, display, where, line)
    _known(data, _COLUMN_KEYS, display, where)
    engines = _mapping(data.get("engines") or {}, display, f"{where}.engines",
                       line_of(data, "engines"))
    return _Column(
        type=_name(data.get("type"), display, f"{where}.type", line_of(data, "type")),
        engines={str(e).lower(): t for e, v in engines.items()
                 if (t := _name(v, display, f"{where}.engines.{e}", line_of(engines, e)))},
    )


def _mapping(value: Any, display: str, where: str, line: int | None) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ProjectFileError(f"{display}: {where} must be a mapping, not "
                               f"{type(value).__name__}", file=display, line=line,
                               hint="see the layout in docs/project.md#seeds")
    return value


def _name(value: Any, display: str, where: str, line: int | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProjectFileError(f"{display}: {where} must be a name, not {value!r}",
                               file=display, line=line, hint="write it as a string")
    return value.strip() or None


def _known(data: Mapping[str, Any], allowed: tuple[str, ...], display: str, where: str) -> None:
    for key in data:
        if key not in allowed:
            raise ProjectFileError(
                f"{display}: unknown key {key!r} in {where}", file=display,
                line=line_of(data, key), hint=f"allowed keys: {', '.join(allowed)}")

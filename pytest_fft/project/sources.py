"""``sources.yml``: external tables a model reads with ``{{ source('crm', 'users') }}``.

Two spellings are accepted and mean the same:

The v0.4 flat form::

    crm:
      users: {identifier: seed_users}

The list form of FastFlowTransform 0.6 (``version: 1`` or ``2``)::

    version: 2
    sources:
      - name: crm
        schema: raw            # optional, for every table of the source
        tables:
          - name: users
            identifier: seed_users
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_fft.errors import ProjectFileError
from pytest_fft.project.yaml_io import line_of, load_yaml

# Keys of a source or table entry that describe it for people; accepted and ignored here.
_DESCRIPTIVE_KEYS = frozenset(
    {"description", "columns", "meta", "tags", "freshness", "loaded_at_field", "quoting", "tests",
     "database", "project", "catalog", "overrides", "docs", "loader", "config"}
)


@dataclass(frozen=True)
class Source:
    """One external table: ``source(source_name, table_name)`` resolves to :attr:`relation`."""

    source_name: str
    table_name: str
    identifier: str
    schema: str | None = None
    line: int | None = None

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.identifier}" if self.schema else self.identifier


def load_sources(path: Path, display: str = "sources.yml") -> dict[tuple[str, str], Source]:
    """Read ``sources.yml``; a missing file means no sources."""
    if not path.exists():
        return {}
    data = load_yaml(path, display=display)
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ProjectFileError(
            f"{display} must be a mapping of sources", file=display, line=line_of(data),
            hint="see docs/project.md#sources for the two accepted forms",
        )
    if "sources" in data or "version" in data:
        return _load_list_form(data, display)
    return _load_flat_form(data, display)


def _table_fields(entry: Any, display: str, where: str, line: int | None) -> Mapping[str, Any]:
    if entry is None:
        return {}
    if not isinstance(entry, Mapping):
        raise ProjectFileError(
            f"{display}: {where} must be a mapping like {{identifier: seed_users}}",
            file=display, line=line_of(entry) or line,
        )
    return entry


def _make(source_name: str, table: str, fields: Mapping[str, Any], schema: str | None,
          display: str, line: int | None) -> Source:
    unknown = sorted(set(fields) - {"identifier", "schema", "name"} - _DESCRIPTIVE_KEYS)
    if unknown:
        raise ProjectFileError(
            f"{display}: unknown key {unknown[0]!r} in source {source_name}.{table}",
            file=display, line=line_of(fields, unknown[0]) or line,
            hint="allowed keys: identifier, schema (plus descriptive keys such as description)",
        )
    where = f"source {source_name}.{table}"
    identifier = _one_name(fields.get("identifier"), "identifier", where, fields, display, line)
    own_schema = _one_name(fields.get("schema"), "schema", where, fields, display, line)
    return Source(
        source_name=str(source_name),
        table_name=str(table),
        identifier=identifier or str(table),
        schema=own_schema or schema,
        line=line,
    )


def _one_name(value: Any, key: str, where: str, within: Any, display: str,
              line: int | None) -> str | None:
    """A relation name part as written (None when absent): one string, not a list or
    mapping that would be pasted into the SQL as its Python spelling."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ProjectFileError(
            f"{display}: {key} of {where} must be one name, got {value!r}",
            file=display, line=line_of(within, key) or line,
            hint=f"write {key}: seed_users (a single name; one source table per entry)",
        )
    return str(value)


def _load_flat_form(data: Mapping[str, Any], display: str) -> dict[tuple[str, str], Source]:
    out: dict[tuple[str, str], Source] = {}
    for source_name, tables in data.items():
        if not isinstance(tables, Mapping):
            raise ProjectFileError(
                f"{display}: source {source_name!r} must map table names to settings",
                file=display, line=line_of(data, source_name),
            )
        for table, entry in tables.items():
            fields = _table_fields(entry, display, f"{source_name}.{table}",
                                   line_of(tables, table))
            out[(str(source_name), str(table))] = _make(
                source_name, table, fields, None, display, line_of(tables, table)
            )
    return out


def _load_list_form(data: Mapping[str, Any], display: str) -> dict[tuple[str, str], Source]:
    version = data.get("version", 2)
    if version not in (1, 2):
        raise ProjectFileError(
            f"{display}: version {version!r} is not supported", file=display,
            line=line_of(data, "version"), hint="use version: 2",
        )
    sources = data.get("sources") or []
    if not isinstance(sources, list):
        raise ProjectFileError(f"{display}: 'sources' must be a list", file=display,
                               line=line_of(data, "sources"))
    out: dict[tuple[str, str], Source] = {}
    for index, src in enumerate(sources):
        src_line = line_of(sources, index)
        if not isinstance(src, Mapping) or "name" not in src:
            raise ProjectFileError(f"{display}: each source needs a 'name'", file=display,
                                   line=src_line, hint="- name: crm\n    tables: [...]")
        tables = src.get("tables") or []
        if not isinstance(tables, list):
            raise ProjectFileError(
                f"{display}: 'tables' of source {src['name']!r} must be a list",
                file=display, line=line_of(src, "tables"),
                hint="tables:\n      - name: users\n        identifier: seed_users",
            )
        for t_index, table in enumerate(tables):
            if isinstance(table, str):
                table = {"name": table}
            if not isinstance(table, Mapping) or "name" not in table:
                raise ProjectFileError(
                    f"{display}: each table of source {src['name']!r} needs a 'name'",
                    file=display, line=line_of(tables, t_index),
                )
            key = (str(src["name"]), str(table["name"]))
            schema = _one_name(src.get("schema"), "schema", f"source {src['name']}", src,
                               display, src_line)
            out[key] = _make(src["name"], table["name"], table, schema, display,
                             line_of(tables, t_index))
    return out

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

A table (or a whole source, for each of its tables) may carry a ``freshness:`` rule, which
``fft source freshness`` checks; see :func:`freshness_rule` for its spellings.

Settings per engine (FastFlowTransform 0.6): ``overrides: {postgres: {schema: raw}}`` on a
source or a table. For the active engine the schema and identifier are, from weakest to
strongest: the source's, the source's ``overrides[engine]``, the table's, the table's
``overrides[engine]``. Keys other engines read (``format``, ``location``, ``dataset``, ...)
are accepted and left to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_fft.errors import ProjectFileError
from pytest_fft.project.yaml_io import line_of, load_yaml

# Keys of a source or table entry that describe it for people; accepted and ignored here
# (``freshness``, ``loaded_at_field`` and ``tags`` are read by freshness_rule and _make).
_DESCRIPTIVE_KEYS = frozenset(
    {"description", "columns", "meta", "tags", "freshness", "loaded_at_field", "quoting", "tests",
     "database", "project", "catalog", "overrides", "docs", "loader", "config"}
)

#: Keys an ``overrides[engine]`` block may hold; only ``schema`` and ``identifier`` change what
#: DuckDB and PostgreSQL read, the others belong to engines with path or project sources.
_OVERRIDE_KEYS = ("schema", "identifier", "database", "catalog", "project", "dataset",
                  "format", "location", "options")

#: Minutes in one ``period`` of dbt's ``warn_after: {count: 12, period: hour}`` spelling.
PERIOD_MINUTES = {"minute": 1, "hour": 60, "day": 1440}
_FRESHNESS_KEYS = ("loaded_at_field", "max_delay_minutes", "warn_after_minutes",
                   "error_after_minutes", "warn_after", "error_after")


@dataclass(frozen=True)
class FreshnessRule:
    """How old the newest row of a source table may be: ``max(loaded_at_field)`` older than
    ``warn_after_minutes`` warns, older than ``error_after_minutes`` is an error."""

    loaded_at_field: str
    warn_after_minutes: float | None = None
    error_after_minutes: float | None = None
    line: int | None = None  # of the ``freshness:`` block in sources.yml
    #: Why the rule cannot be checked (no threshold, no loaded_at_field), with the fix: the
    #: project still loads (FastFlowTransform skips such a block), ``fft source freshness``
    #: reports it as an error of that table.
    problem: str | None = None


@dataclass(frozen=True)
class Source:
    """One external table: ``source(source_name, table_name)`` resolves to :attr:`relation`."""

    source_name: str
    table_name: str
    identifier: str
    schema: str | None = None
    line: int | None = None
    freshness: FreshnessRule | None = None
    tags: tuple[str, ...] = ()  # the table's tags, then its source's

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.identifier}" if self.schema else self.identifier


def load_sources(path: Path, display: str = "sources.yml",
                 engine: str | None = None) -> dict[tuple[str, str], Source]:
    """Read ``sources.yml``; a missing file means no sources. ``engine`` picks the
    ``overrides:`` that apply (none when it is not given)."""
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
        return _load_list_form(data, display, engine)
    return _load_flat_form(data, display, engine)


def _table_fields(entry: Any, display: str, where: str, line: int | None) -> Mapping[str, Any]:
    if entry is None:
        return {}
    if not isinstance(entry, Mapping):
        raise ProjectFileError(
            f"{display}: {where} must be a mapping like {{identifier: seed_users}}",
            file=display, line=line_of(entry) or line,
        )
    return entry


def _override(entry: Mapping[str, Any], engine: str | None, where: str, display: str,
              line: int | None) -> Mapping[str, Any]:
    """``entry``'s ``overrides[engine]`` block (empty when there is none), its keys checked."""
    overrides = entry.get("overrides")
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping):
        raise ProjectFileError(
            f"{display}: overrides of {where} must map engine names to settings",
            file=display, line=line_of(entry, "overrides") or line,
            hint="overrides: {postgres: {schema: raw}}")
    found: Mapping[str, Any] = {}
    for name, block in overrides.items():
        at = line_of(overrides, name) or line
        if not isinstance(block, Mapping):
            raise ProjectFileError(
                f"{display}: overrides.{name} of {where} must be a mapping of settings",
                file=display, line=at, hint=f"overrides: {{{name}: {{schema: raw}}}}")
        _known_keys(block, _OVERRIDE_KEYS, f"overrides.{name} of {where}", display, at)
        if engine is not None and str(name).lower() == engine.lower():
            found = block
    return found


def _known_keys(block: Mapping[str, Any], allowed: tuple[str, ...], where: str, display: str,
                line: int | None) -> None:
    """A ProjectFileError naming the first key of ``block`` that is not ``allowed``."""
    unknown = sorted(str(k) for k in block if k not in allowed)
    if unknown:
        raise ProjectFileError(
            f"{display}: unknown key {unknown[0]!r} in {where}", file=display,
            line=line_of(block, unknown[0]) or line, hint=f"allowed keys: {', '.join(allowed)}")


def _make(source_name: str, table: str, fields: Mapping[str, Any], schema: str | None,
          display: str, line: int | None, source: Mapping[str, Any] | None = None,
          engine: str | None = None) -> Source:
    unknown = sorted(set(fields) - {"identifier", "schema", "name"} - _DESCRIPTIVE_KEYS)
    if unknown:
        raise ProjectFileError(
            f"{display}: unknown key {unknown[0]!r} in source {source_name}.{table}",
            file=display, line=line_of(fields, unknown[0]) or line,
            hint="allowed keys: identifier, schema (plus descriptive keys such as description)",
        )
    where = f"source {source_name}.{table}"
    identifier: str | None = None
    # weakest first: the source's schema, its overrides, the table's, the table's overrides
    from_source = _override(source or {}, engine, f"source {source_name}", display, line)
    from_table = _override(fields, engine, where, display, line)
    for values, named in ((from_source, f"the overrides of source {source_name}"),
                          (fields, where), (from_table, f"the overrides of {where}")):
        schema = _one_name(values.get("schema"), "schema", named, values, display,
                           line) or schema
        identifier = _one_name(values.get("identifier"), "identifier", named, values,
                               display, line) or identifier
    return Source(
        source_name=str(source_name),
        table_name=str(table),
        identifier=identifier or str(table),
        schema=schema,
        line=line,
        freshness=freshness_rule(fields, source or {}, where, display, line),
        tags=(*_tags(fields, where, display, line),
              *_tags(source or {}, f"source {source_name}", display, line)),
    )


def _tags(entry: Mapping[str, Any], where: str, display: str,
          line: int | None) -> tuple[str, ...]:
    tags = entry.get("tags")
    if tags is None:
        return ()
    if isinstance(tags, str):
        return (tags,)
    if not isinstance(tags, list) or not all(isinstance(t, (str, int)) for t in tags):
        raise ProjectFileError(f"{display}: tags of {where} must be a list of names",
                               file=display, line=line_of(entry, "tags") or line,
                               hint="tags: [critical_source, finance]")
    return tuple(str(t) for t in tags)


def freshness_rule(table: Mapping[str, Any], source: Mapping[str, Any], where: str,
                   display: str = "sources.yml", line: int | None = None) -> FreshnessRule | None:
    """The ``freshness:`` rule of a source table: the table's block over its source's (key by
    key; ``freshness: null`` on the table turns its source's off). Spellings::

        freshness:                       # FastFlowTransform 0.6's documentation
          loaded_at_field: _ff_loaded_at
          warn_after_minutes: 720        # optional
          error_after_minutes: 1440      # optional
          max_delay_minutes: 1440        # an error threshold when error_after_minutes is absent

        freshness:                       # FastFlowTransform 0.6's code, and dbt's
          loaded_at_field: _ff_loaded_at
          warn_after: {count: 12, period: hour}    # minute, hour or day
          error_after: {count: 1, period: day}

    ``loaded_at_field`` may also stand next to ``freshness:`` on the table or the source.
    """
    if "freshness" in table and table["freshness"] is None:
        return None
    merged: dict[str, Any] = {}
    block_line = line
    for entry in (source, table):
        block = entry.get("freshness")
        if block is None:
            continue
        if not isinstance(block, Mapping):
            raise ProjectFileError(
                f"{display}: freshness of {where} must be a mapping",
                file=display, line=line_of(entry, "freshness") or line,
                hint="freshness: {loaded_at_field: _ff_loaded_at, error_after_minutes: 1440}")
        _known_keys(block, _FRESHNESS_KEYS, f"the freshness of {where}", display, line)
        block_line = line_of(entry, "freshness") or block_line
        merged.update({k: (v, block) for k, v in block.items()})
    if not merged:
        return None
    loaded_at = merged.get("loaded_at_field", (None, None))[0] or table.get(
        "loaded_at_field") or source.get("loaded_at_field")

    def minutes(key: str) -> float | None:
        if key not in merged:
            return None
        value, block = merged[key]
        at = line_of(block, key) or block_line
        if key in ("warn_after", "error_after"):
            return _window(value, key, where, display, at)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ProjectFileError(
                f"{display}: {key} of the freshness of {where} must be a number of minutes "
                f"(0 or more), got {value!r}", file=display, line=at,
                hint=f"{key}: 1440")
        return float(value)

    warn = minutes("warn_after_minutes")
    if warn is None:
        warn = minutes("warn_after")
    error = minutes("error_after_minutes")
    if error is None:
        error = minutes("error_after")
    if error is None:
        error = minutes("max_delay_minutes")
    problem = None
    if warn is None and error is None:
        problem = (f"the freshness of {where} has no threshold; add error_after_minutes: N "
                   "(or warn_after_minutes, max_delay_minutes, or warn_after/error_after: "
                   "{count: N, period: hour})")
    elif not isinstance(loaded_at, str) or not loaded_at.strip():
        problem = (f"the freshness of {where} has no loaded_at_field; name the timestamp "
                   "column whose newest value says how old the table is (loaded_at_field: "
                   "_ff_loaded_at, the time fft seed loaded a seed)")
    return FreshnessRule(loaded_at_field=str(loaded_at or "").strip(), warn_after_minutes=warn,
                         error_after_minutes=error, line=block_line, problem=problem)


def _window(value: Any, key: str, where: str, display: str, line: int | None) -> float:
    """``{count: 12, period: hour}`` -> 720.0 minutes."""
    example = f"{key}: {{count: 12, period: hour}}"
    if not isinstance(value, Mapping) or set(value) - {"count", "period"}:
        raise ProjectFileError(
            f"{display}: {key} of the freshness of {where} must be a mapping of count and "
            f"period, got {value!r}", file=display, line=line, hint=example)
    count, period = value.get("count"), str(value.get("period", "")).lower().rstrip("s")
    if isinstance(count, bool) or not isinstance(count, (int, float)) or count <= 0:
        raise ProjectFileError(
            f"{display}: {key}.count of the freshness of {where} must be a positive number, "
            f"got {count!r}", file=display, line=line, hint=example)
    if period not in PERIOD_MINUTES:
        raise ProjectFileError(
            f"{display}: {key}.period of the freshness of {where} must be minute, hour or "
            f"day, got {value.get('period')!r}", file=display, line=line, hint=example)
    return float(count * PERIOD_MINUTES[period])


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


def _load_flat_form(data: Mapping[str, Any], display: str,
                    engine: str | None) -> dict[tuple[str, str], Source]:
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
                source_name, table, fields, None, display, line_of(tables, table),
                engine=engine)
    return out


def _load_list_form(data: Mapping[str, Any], display: str,
                    engine: str | None) -> dict[tuple[str, str], Source]:
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
                             line_of(tables, t_index), source=src, engine=engine)
    return out

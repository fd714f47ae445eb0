"""What the docs say of each node: one :class:`NodeDoc` per seed and model, with its
description, its columns (type from the warehouse, description, lineage), what it reads and
what reads it. The site, the JSON manifest and plugins read this one model.

Where each part comes from:

* the project: kind, materialization, relation, file, tags, SQL, parents and children;
* the descriptions (:mod:`pytest_fft.project.descriptions`): project.yml's ``docs:`` and the
  Markdown pages, Markdown first;
* the warehouse's columns (``schema``: relation -> its columns' names, types and whether
  they may be NULL: :class:`~pytest_fft.engines.base.Column`), when it was asked;
  without them a model's columns are those its lineage or its descriptions name;
* lineage (:mod:`pytest_fft.docs.lineage`, :mod:`pytest_fft.docs.python_lineage`), with the
  ``lineage:`` overrides of project.yml's ``docs: models: <model>:`` on top. Lineage never
  fails the docs: what cannot be traced is unknown, a malformed override a warning.

Pure: no database, no output; the caller passes what it read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from pytest_fft.docs.lineage import ColumnLineage
from pytest_fft.project.descriptions import Descriptions
from pytest_fft.project.names import relation_for
from pytest_fft.project.records import Macro, Model, Project

if TYPE_CHECKING:
    from pytest_fft.docs.lineage_cache import LineageCache

# relation -> its columns as the engine listed them (Engine.relation_columns): Column records
# (name, type, nullable), or the (name, type) pairs of an engine that cannot tell nullability.
Schema = Mapping[str, Sequence[Sequence[Any]]]


class Column(NamedTuple):
    """A column as the warehouse listed it (engines.base.Column, read here without importing
    the engines: docs depend on the project only)."""

    name: str
    dtype: str
    nullable: bool | None = None


def as_column(entry: Sequence[Any]) -> Column:
    """``(name, type[, nullable])`` as a :class:`Column`; nullability unknown unless a bool."""
    name, dtype, *rest = entry
    nullable = rest[0] if rest else None
    return Column(str(name), "" if dtype is None else str(dtype),
                  nullable if isinstance(nullable, bool) else None)


Columns = Mapping[str, list[Column]]


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    dtype: str | None = None  # None: the warehouse was not asked, or has no such table
    nullable: bool | None = None  # None: not asked, or the engine cannot tell
    description: str | None = None
    lineage: ColumnLineage | None = None  # None: not traced (a seed, an unknown column)


@dataclass(frozen=True)
class NodeDoc:
    name: str
    kind: str  # seed | sql | python
    relation: str
    path: str  # the file, relative to the project
    materialized: str = ""
    tags: tuple[str, ...] = ()
    description: str | None = None
    columns: tuple[ColumnDoc, ...] = ()
    depends_on: tuple[str, ...] = ()
    used_by: tuple[str, ...] = ()
    sql: str | None = None  # a SQL model's rendered SELECT
    level: int = 0
    package: str | None = None


@dataclass(frozen=True)
class Catalog:
    project: str
    nodes: tuple[NodeDoc, ...]
    #: Lineage overrides that could not be used, as ``project.yml: ...`` texts to warn of.
    problems: tuple[str, ...] = field(default_factory=tuple)
    #: The macros models can call, by name.
    macros: tuple[Macro, ...] = ()


def build_catalog(project: Project, names: Iterable[str], descriptions: Descriptions, *,
                  schema: Schema | None = None, dialect: str = "duckdb",
                  lineage: bool = True, lineage_cache: LineageCache | None = None) -> Catalog:
    """The docs of the seeds and models among ``names``, in DAG order. ``lineage_cache``
    answers for SQL models traced before (the caller saves it)."""
    wanted = set(names)
    shown = [n for n in project.dag.order
             if n in wanted and (n in project.models or n in project.seeds)]
    columns_by_relation = _columns_by_relation(schema)
    if lineage and lineage_cache is not None:  # what the cache lacks, on every core at once
        lineage_cache.prefetch(
            (model.sql, dialect, _sql_schema(model.sql, columns_by_relation))
            for model in (project.models[n] for n in shown if n in project.models)
            if model.kind == "sql" and model.sql)
    problems: list[str] = []
    nodes: list[NodeDoc] = []
    for name in shown:
        parents = tuple(p for p in project.dag.parents[name] if p in wanted)
        children = tuple(c for c in project.dag.children.get(name, ())
                         if c in wanted and c not in project.checks)
        level = project.dag.level_of(name)
        if name in project.seeds:
            seed = project.seeds[name]
            described = descriptions.relations.get(seed.relation)
            nodes.append(NodeDoc(
                name, "seed", seed.relation, seed.rel_path, "seed", seed.tags,
                described.text if described else None,
                _columns(seed.relation, columns_by_relation, descriptions, ()),
                parents, children, level=level))
            continue
        model = project.models[name]
        traced: tuple[ColumnLineage, ...] = ()
        if lineage:
            traced, found = _lineage(project, model, columns_by_relation, dialect,
                                     lineage_cache)
            problems.extend(found)
        described = descriptions.relations.get(model.relation)
        nodes.append(NodeDoc(
            name, model.kind, model.relation, model.rel_path, model.materialized, model.tags,
            described.text if described else None,
            _columns(model.relation, columns_by_relation, descriptions, traced),
            parents, children, model.sql if model.kind == "sql" else None, level,
            model.package))
    return Catalog(project.config.name or project.root.resolve().name, tuple(nodes),
                   tuple(problems), project.macros)


def _columns_by_relation(schema: Schema | None) -> dict[str, list[Column]]:
    """The warehouse's columns by relation name, folded to lower case (the warehouse's
    spelling of a name and the project's may differ in case)."""
    if not schema:
        return {}
    return _Relations({relation.lower(): [as_column(c) for c in columns]
                       for relation, columns in schema.items()})


def _columns(relation: str, schema: Columns,
             descriptions: Descriptions, traced: Sequence[ColumnLineage]
             ) -> tuple[ColumnDoc, ...]:
    """A relation's columns: the warehouse's, in its order; else the traced ones; then any
    column only a description names. Each with its description and lineage."""
    described = descriptions.columns_of(relation)
    by_name = {entry.column.lower(): entry for entry in traced}
    listed = schema.get(relation.lower())
    if listed is None:
        listed = [Column(entry.column, "") for entry in traced]
    out: list[ColumnDoc] = []
    seen: set[str] = set()
    texts = {column.lower(): text.text for column, text in described.items()}
    for column in listed:
        key = column.name.lower()
        seen.add(key)
        out.append(ColumnDoc(column.name, column.dtype or None, column.nullable,
                             texts.get(key), by_name.get(key)))
    for name, text in described.items():
        if name.lower() not in seen:
            out.append(ColumnDoc(name, None, None, text.text, by_name.get(name.lower())))
    return tuple(out)


def _lineage(project: Project, model: Model, schema: Columns,
             dialect: str, cache: LineageCache | None = None,
             ) -> tuple[tuple[ColumnLineage, ...], list[str]]:
    """The model's column lineage, computed and then overridden by project.yml; never
    raises (lineage is best effort)."""
    from pytest_fft.docs.lineage import merge_overrides

    computed: tuple[ColumnLineage, ...] = ()
    try:
        computed = _computed_lineage(project, model, schema, dialect, cache)
    except Exception:  # a tracer's bug must not fail the docs
        computed = ()
    overrides = _overrides_of(project, model)
    if overrides is None:
        return computed, []
    merged, problems = merge_overrides(computed, overrides, model=model.name)
    return merged, [f"project.yml {p}" for p in problems]


def _computed_lineage(project: Project, model: Model, schema: Columns,
                      dialect: str, cache: LineageCache | None = None,
                      ) -> tuple[ColumnLineage, ...]:
    if model.kind == "sql" and model.sql:
        from pytest_fft.docs.lineage import sql_lineage

        names = _sql_schema(model.sql, schema)
        if cache is not None:
            return cache.lineage(model.sql, dialect=dialect, schema=names) or ()
        return sql_lineage(model.sql, dialect=dialect, schema=names) or ()
    if model.kind == "python" and model.func is not None:
        from pytest_fft.docs.python_lineage import python_lineage

        function = getattr(model.func, "__name__", None)
        if not function:
            return ()
        source = model.path.read_text(encoding="utf-8")
        # By dependency, in order: the runner gives the frames in this order (one frame, one
        # per parameter, or a dict by relation).
        inputs = {relation_for(dep): relation_for(dep) for dep in model.deps}
        names = {relation: [column.name for column in schema[relation.lower()]]
                 for relation in inputs if relation.lower() in schema}
        if cache is not None:
            return cache.python(source, function, inputs, schema=names or None)
        return python_lineage(source, function, inputs, schema=names or None)
    return ()


def _sql_schema(sql: str, schema: Columns) -> dict[str, list[str]] | None:
    """The columns of the relations ``sql`` may name, as sqlglot is given them (only those:
    sqlglot builds its schema of what it is given for every model, and a warehouse has
    hundreds of tables)."""
    names = {relation: [column.name for column in schema[relation]]
             for relation in _named_in(sql, schema)}
    return names or None


_WORD = re.compile(r"\w+")


class _Relations(dict[str, list[Column]]):
    """The warehouse's columns by relation (lower case), indexed by the relation's table
    name, so that finding the relations one SQL text may name costs a lookup per word of
    it, not a search of it per relation."""

    def __init__(self, columns: Columns) -> None:
        super().__init__(columns)
        self.position = {relation: i for i, relation in enumerate(self)}
        self.by_word: dict[str, list[str]] = {}
        self.others: list[tuple[str, str]] = []  # (table, relation): a name of several words
        for relation in self:
            table = relation.rpartition(".")[2]
            if _WORD.fullmatch(table):
                self.by_word.setdefault(table, []).append(relation)
            else:
                self.others.append((table, relation))


def _named_in(sql: str, schema: Columns) -> list[str]:
    """The relations of ``schema`` whose table name occurs in ``sql`` (in any case; a name
    of one word as a word), in the schema's order: a superset of those it reads."""
    if not schema:
        return []
    relations = schema if isinstance(schema, _Relations) else _Relations(schema)
    text = sql.lower()
    found = {relation for word in set(_WORD.findall(text))
             for relation in relations.by_word.get(word, ())}
    found.update(relation for table, relation in relations.others if table in text)
    return sorted(found, key=relations.position.__getitem__)


def _overrides_of(project: Project, model: Model) -> Mapping[str, Any] | None:
    """``docs: models: <model or relation>: lineage:`` of project.yml, if any."""
    docs = project.config.raw.get("docs")
    models = docs.get("models") if isinstance(docs, Mapping) else None
    if not isinstance(models, Mapping):
        return None
    entry = models.get(model.name, models.get(model.relation))
    if not isinstance(entry, Mapping) or "lineage" not in entry:
        return None
    return entry["lineage"]  # merge_overrides checks its shape

"""Descriptions as database comments: ``COMMENT ON TABLE|VIEW|COLUMN ... IS '...'``.

Pure: the warehouse's catalog comes in as rows of :data:`CATALOG_SQL` (the standard
``information_schema``, which both DuckDB and PostgreSQL have); what comes out is a
:class:`CommentPlan`, the statements and a warning for each description whose relation or
column the warehouse does not have. Whether a relation is a table or a view is the
warehouse's word, not the model's materialization, which may have changed since the build.

Names are quoted by the engine's rule (:meth:`EngineSpec.quote_relation`), texts are string
literals with single quotes doubled (and backslashes, where the engine reads them as escapes):

>>> from pytest_fft.engines.registry import engine_spec
>>> comment_statement("TABLE", "analytics.users", "It's", engine_spec("postgres"))
'COMMENT ON TABLE "analytics"."users" IS \\'It\\'\\'s\\''
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pytest_fft.checks.dialect import Dialect
from pytest_fft.engines.registry import EngineSpec
from pytest_fft.project.descriptions import Description, Descriptions

Kind = Literal["TABLE", "VIEW"]

# Every table and view of the target schema (and of the schemas named in ``{schemas}``),
# with its columns in their order. ``schema_is_catalog``: a database of the same name exists,
# so ``schema.name`` would be ambiguous (DuckDB) and the name needs its catalog.
CATALOG_SQL = """\
select t.table_catalog, t.table_schema, t.table_name, t.table_type, c.column_name,
       exists (select 1 from information_schema.schemata s
               where lower(s.catalog_name) = lower(t.table_schema)) as schema_is_catalog
from information_schema.tables t
left join information_schema.columns c
  on c.table_catalog = t.table_catalog and c.table_schema = t.table_schema
 and c.table_name = t.table_name
where t.table_schema = current_schema(){schemas}
order by t.table_catalog, t.table_schema, t.table_name, c.ordinal_position"""

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")


class Naming(Protocol):
    """What the plan needs of an engine: its registry entry and how it identifies a
    relation (an :class:`~pytest_fft.engines.base.Engine` is one)."""

    spec: EngineSpec

    def relation_key(self, relation: str) -> str: ...


@dataclass(frozen=True)
class WarehouseRelation:
    """A table or view as the warehouse's catalog lists it."""

    name: str  # ``schema.name``, or ``catalog.schema.name`` where the short one is ambiguous
    kind: Kind
    columns: tuple[str, ...]


@dataclass(frozen=True)
class CommentPlan:
    """The statements that write the descriptions, and what had to be left out."""

    statements: tuple[str, ...] = ()
    relations: int = 0  # COMMENT ON TABLE/VIEW statements
    columns: int = 0  # COMMENT ON COLUMN statements
    warnings: tuple[str, ...] = ()


def catalog_sql(relations: Iterable[str], spec: EngineSpec) -> str:
    """:data:`CATALOG_SQL` for ``relations``: the target schema, plus the schema of each
    schema-qualified relation (compared in lower case; the keys sort out the rest)."""
    schemas = sorted({r.split(".")[-2].lower() for r in relations if "." in r})
    literal = Dialect(spec.name, spec).string_literal
    extra = (f"\n   or lower(t.table_schema) in ({', '.join(literal(s) for s in schemas)})"
             if schemas else "")
    return CATALOG_SQL.format(schemas=extra)


def catalog_from_rows(rows: Iterable[Sequence[Any]], naming: Naming,
                      ) -> dict[str, WarehouseRelation]:
    """The rows of :func:`catalog_sql` as relations, by the engine's key of their name."""
    found: dict[str, tuple[str, Kind, list[str]]] = {}
    for catalog, schema, name, table_type, column, schema_is_catalog in rows:
        key = naming.relation_key(f"{catalog}.{schema}.{name}")
        if key not in found:
            shown = f"{catalog}.{schema}.{name}" if schema_is_catalog else f"{schema}.{name}"
            kind: Kind = "VIEW" if "VIEW" in str(table_type).upper() else "TABLE"
            found[key] = (shown, kind, [])
        if column is not None:
            found[key][2].append(str(column))
    return {key: WarehouseRelation(shown, kind, tuple(columns))
            for key, (shown, kind, columns) in found.items()}


def plan_comments(descriptions: Descriptions, catalog: dict[str, WarehouseRelation],
                  naming: Naming) -> CommentPlan:
    """The statements for every described relation the warehouse has, relation by relation
    (sorted by name): its own comment first, then its columns in the warehouse's order."""
    spec = naming.spec
    statements: list[str] = []
    warnings: list[str] = []
    relations = columns = 0
    for relation in descriptions.described():
        own = descriptions.relations.get(relation)
        described_columns = descriptions.columns_of(relation)
        found = catalog.get(naming.relation_key(relation))
        if found is None:
            warnings.append(f"{relation} is not in the warehouse: "
                            f"{_its_descriptions(own, described_columns)} not synced; build "
                            "it (fft run), then sync again")
            continue
        if own is not None:
            statements.append(comment_statement(found.kind, found.name, own.text, spec))
            relations += 1
        by_column: dict[str, str] = {}
        for column, description in described_columns.items():
            actual = match_column(column, found.columns, spec)
            if actual is None:
                warnings.append(f"{relation} has no column {column}: its description "
                                f"({description.origin}) is not synced")
            else:
                by_column[actual] = description.text
        for column in found.columns:  # the table's own order
            if column in by_column:
                statements.append(comment_statement("COLUMN", found.name, by_column[column],
                                                    spec, column=column))
                columns += 1
    return CommentPlan(tuple(statements), relations, columns, tuple(warnings))


def _its_descriptions(own: Description | None, columns: dict[str, Description]) -> str:
    """``its description (project.yml:7) is`` / ``its 3 descriptions (...) are``."""
    given = [*([own] if own is not None else []), *columns.values()]
    origins = ", ".join(dict.fromkeys(d.origin for d in given))
    if len(given) == 1:
        return f"its description ({origins}) is"
    return f"its {len(given)} descriptions ({origins}) are"


def match_column(name: str, columns: Sequence[str], spec: EngineSpec) -> str | None:
    """The warehouse's column that ``name`` (as the docs write it) stands for: the same
    name; else one the engine takes for the same (DuckDB ignores case); else the name as an
    unquoted identifier becomes (PostgreSQL folds ``Email`` to ``email``)."""
    if name in columns:
        return name
    key = spec.name_key(name)
    same = [column for column in columns if spec.name_key(column) == key]
    if len(same) == 1:
        return same[0]
    if spec.plain_names_fold and _PLAIN.match(name):
        folded = name.lower() if spec.plain_names_fold == "lower" else name.upper()
        if folded in columns:
            return folded
    return None


def comment_statement(kind: Kind | Literal["COLUMN"], relation: str, text: str,
                      spec: EngineSpec, *, column: str | None = None) -> str:
    """``COMMENT ON <kind> <relation>[.<column>] IS '<text>'``, the relation
    (``schema.table``) quoted part by part, the column as one name."""
    target = spec.quote_relation(relation)
    if column is not None:
        target += "." + spec.quote(column)
    literal = Dialect(spec.name, spec).string_literal(text)
    return f"COMMENT ON {kind} {target} IS {literal}"


def transaction_sql(statements: Sequence[str]) -> str:
    """``statements`` as one script that runs them in one transaction."""
    return "begin transaction;\n" + "".join(f"{s};\n" for s in statements) + "commit"

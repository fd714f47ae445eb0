"""A unit case's rows for the sources a model reads that no seed fills.

A case keys them by the relation the model's SQL names (``raw.events``), by
``<source>.<table>`` or by the table alone (:mod:`pytest_fft.utest.spec`). Its inputs live in
the case's private schema, where a schema-qualified name finds nothing, so the model's SQL
(and its delta SQL) is run with each such name replaced by a table of the case's own,
aliased as the original table so that the model's column qualifiers still resolve. The
rewrite is sqlglot's, in the project's dialect; an unqualified source is used as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pytest_fft.engines.registry import generic_spec

if TYPE_CHECKING:
    from pytest_fft.project.records import Model, Project
    from pytest_fft.utest.spec import InputData


def localized(project: Project, model: Model, inputs: Mapping[str, InputData],
              ) -> tuple[Model, dict[str, InputData]]:
    """``model`` and ``inputs`` with every qualified source input renamed to a table of the
    case's schema (unchanged when there is none)."""
    renames = local_names(model, inputs)
    if not renames:
        return model, dict(inputs)
    dialect = generic_spec(project.engine).sqlglot_dialect or None
    model = replace(model, sql=_rewritten(model.sql, renames, dialect),
                    delta_sql=_rewritten(model.delta_sql, renames, dialect))
    return model, {renames.get(name, name): replace(data, relation=renames.get(name, name))
                   for name, data in inputs.items()}


def local_names(model: Model, inputs: Mapping[str, Any]) -> dict[str, str]:
    """Each schema-qualified source relation the case gives rows for -> its table in the
    case's schema: ``fft_source_<source>_<table>``."""
    renames: dict[str, str] = {}
    for source, table, relation in model.source_reads:
        if relation in inputs and "." in relation:  # a seed's relation never is
            renames[relation] = re.sub(r"\W", "_", f"fft_source_{source}_{table}")
    return renames


def _rewritten(sql: str | None, renames: Mapping[str, str], dialect: str | None) -> str | None:
    if not sql:
        return sql
    import sqlglot
    from sqlglot import exp

    def key(table: exp.Table) -> tuple[str, ...]:
        return tuple(part.casefold() for part in (table.catalog, table.db, table.name) if part)

    wanted = {key(exp.to_table(relation, dialect=dialect)): local
              for relation, local in renames.items()}

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and key(node) in wanted:
            local = exp.to_table(wanted[key(node)], dialect=dialect)
            alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(node.name))
            local.set("alias", alias)
            return local
        return node

    return sqlglot.parse_one(sql, read=dialect).transform(swap).sql(dialect=dialect)

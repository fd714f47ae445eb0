"""Ephemeral models: never created in the warehouse, inlined into the SQL of their dependents.

A SQL model that reads an ephemeral model gets it as a common table expression named like
the ephemeral's relation, in front of its own SELECT (merged into its own ``WITH`` list when
it has one), so ``from {{ ref('stg_users') }}`` reads the CTE. An ephemeral model that reads
another ephemeral carries that one inside its own CTE. A Python model receives the
ephemeral's rows as a frame (the executor runs the SELECT for it).

>>> inline("select * from stg", [("stg", "select 1 as id")], quote=lambda n: n)
'with stg as (\\nselect 1 as id\\n)\\nselect * from stg'
>>> inline("with a as (select 1) select * from a, stg", [("stg", "select 2")],
...        quote=lambda n: n)
'with stg as (\\nselect 2\\n),\\n a as (select 1) select * from a, stg'
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping

from pytest_fft.project.records import Model
from pytest_fft.project.rendering import _LEADING_COMMENTS

_WITH = re.compile(r"with(\s+recursive)?\b", re.I)


def inline(sql: str, ctes: list[tuple[str, str]], *, quote: Callable[[str], str]) -> str:
    """``sql`` with each ``(relation, select)`` of ``ctes`` as a common table expression."""
    if not ctes:
        return sql
    defined = ",\n".join(f"{quote(relation)} as (\n{select}\n)" for relation, select in ctes)
    start = _LEADING_COMMENTS.match(sql).end()  # type: ignore[union-attr]
    found = _WITH.match(sql, start)
    if found is None:
        return f"{sql[:start]}with {defined}\n{sql[start:]}"
    keyword = sql[start:found.end()]
    return f"{sql[:start]}{keyword} {defined},\n{sql[found.end():]}"


def inline_ephemerals(models: Mapping[str, Model], order: list[str],
                      quote: Callable[[str], str]) -> dict[str, Model]:
    """``models`` with every ephemeral parent of a SQL model inlined into its SQL (and its
    delta SQL), in DAG ``order`` so an ephemeral's own ephemeral parents come first."""
    expanded: dict[str, str] = {}  # ephemeral model -> its SELECT with its parents inlined
    out = dict(models)
    for name in order:
        model = out.get(name)
        if model is None or model.kind != "sql":
            continue
        ctes = [(out[dep].relation, expanded[dep]) for dep in model.deps if dep in expanded]
        if model.materialized == "ephemeral":
            assert model.sql is not None
            expanded[name] = inline(model.sql, ctes, quote=quote)
            continue
        if ctes:
            assert model.sql is not None
            out[name] = dataclasses.replace(
                model, sql=inline(model.sql, ctes, quote=quote), sql_line=0,
                delta_sql=(inline(model.delta_sql, ctes, quote=quote)
                           if model.delta_sql else None))
    return out


def ephemeral_select(models: Mapping[str, Model], name: str,
                     quote: Callable[[str], str]) -> str:
    """The SELECT of ephemeral model ``name`` with its own ephemeral parents inlined (what a
    Python model that reads it receives as a frame)."""
    model = models[name]
    assert model.sql is not None
    ctes = [(models[dep].relation, ephemeral_select(models, dep, quote)) for dep in model.deps
            if models.get(dep) is not None and models[dep].materialized == "ephemeral"]
    return inline(model.sql, ctes, quote=quote)

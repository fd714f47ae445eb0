"""The few SQL spellings that differ between engines, as far as the checks need them.

Everything here comes from the engine registry (:mod:`pytest_fft.engines.registry`): the
quoting rule and the :class:`~pytest_fft.engines.registry.CheckSpelling` of each engine.
Identifiers that come from YAML (tables, columns, keys) always go through
:meth:`Dialect.quote` / :meth:`Dialect.relation`; SQL snippets (``expr``, ``where``) are trusted
and used as written.

>>> dialect_for("bigquery").relation("analytics.users")
'`analytics`.`users`'
>>> dialect_for("duckdb").string_literal("it's")
"'it''s'"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from pytest_fft.engines.registry import ENGINES, EngineSpec, find_engine_spec, generic_spec


@dataclass(frozen=True)
class Dialect:
    """How one engine quotes names and strings, matches a regex and measures staleness."""

    name: str
    spec: EngineSpec

    @property
    def string_type(self) -> str:
        """The type name ``cast(x as ...)`` uses for text."""
        return self.spec.checks.string_type

    def quote(self, identifier: str) -> str:
        """``users`` -> ``"users"`` (`` `users` `` on BigQuery and Spark, ``"USERS"`` on
        Snowflake, which folds plain names to upper case)."""
        return self.spec.quote(identifier)

    def relation(self, relation: str) -> str:
        """``schema.table`` -> each dot-separated part quoted."""
        return self.spec.quote_relation(relation)

    def regex_match(self, expr: str, pattern_literal: str) -> str | None:
        """A boolean SQL expression: does ``expr`` contain a match of the pattern (search,
        not full match; anchor with ``^``/``$``)? ``None`` when the engine has no regex."""
        template = self.spec.checks.regex_template
        return None if template is None else template.format(expr=expr, pattern=pattern_literal)

    def string_literal(self, text: str) -> str:
        """``it's`` -> ``'it''s'`` (``'it\\'s'`` where backslash escapes are on)."""
        if self.spec.checks.backslash_strings:
            return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return "'" + text.replace("'", "''") + "'"

    def minutes_since(self, ts_expr: str) -> str:
        """SQL for the minutes (fractional) between ``ts_expr`` and now; NULL stays NULL."""
        return self.spec.checks.minutes_template.format(ts=ts_expr)


DIALECTS: Mapping[str, Dialect] = MappingProxyType(
    {name: Dialect(name, spec) for name, spec in ENGINES.items()})


def dialect_for(engine: str) -> Dialect:
    """The dialect of an engine name or alias (built-in, or an installed package's); an
    unknown engine gets plain ANSI SQL without regex."""
    spec = find_engine_spec(engine)
    if spec is None:
        return Dialect(engine, generic_spec(engine))
    return DIALECTS.get(spec.name) or Dialect(spec.name, spec)

"""The few SQL spellings that differ between engines, as far as the checks need them.

Identifiers that come from YAML (tables, columns, keys) always go through :meth:`Dialect.quote`
/ :meth:`Dialect.relation`; SQL snippets (``expr``, ``where``) are trusted and used as written.

>>> dialect_for("bigquery").relation("analytics.users")
'`analytics`.`users`'
>>> dialect_for("duckdb").string_literal("it's")
"'it''s'"
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_SIMPLE_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")


@dataclass(frozen=True)
class Dialect:
    """How one engine quotes names and strings, matches a regex and measures staleness.

    ``regex_template`` and ``minutes_template`` are ``str.format`` templates with the
    placeholders ``{expr}``/``{pattern}`` and ``{ts}``; ``string_type`` is the type name
    ``cast(x as ...)`` uses for text.
    """

    name: str
    quote_char: str = '"'
    quote_escape: str = '""'
    backslash_strings: bool = False
    regex_template: str | None = None
    minutes_template: str = "extract(epoch from (current_timestamp - {ts})) / 60.0"
    # Snowflake folds unquoted names to upper case: a plain name is upper-cased before quoting
    # so ``users`` finds USERS exactly as the unquoted name would; other names stay verbatim.
    fold_upper: bool = False
    string_type: str = "varchar"

    def quote(self, identifier: str) -> str:
        """``users`` -> ``"users"`` (`` `users` `` on BigQuery and Spark)."""
        if self.fold_upper and _SIMPLE_IDENT.match(identifier):
            identifier = identifier.upper()
        q = self.quote_char
        return q + identifier.replace(q, self.quote_escape) + q

    def relation(self, relation: str) -> str:
        """``schema.table`` -> each dot-separated part quoted."""
        return ".".join(self.quote(part) for part in relation.split("."))

    def regex_match(self, expr: str, pattern_literal: str) -> str | None:
        """A boolean SQL expression: does ``expr`` contain a match of the pattern (search,
        not full match; anchor with ``^``/``$``)? ``None`` when the engine has no regex."""
        if self.regex_template is None:
            return None
        return self.regex_template.format(expr=expr, pattern=pattern_literal)

    def string_literal(self, text: str) -> str:
        """``it's`` -> ``'it''s'`` (``'it\\'s'`` where backslash escapes are on)."""
        if self.backslash_strings:
            return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return "'" + text.replace("'", "''") + "'"

    def minutes_since(self, ts_expr: str) -> str:
        """SQL for the minutes (fractional) between ``ts_expr`` and now; NULL stays NULL."""
        return self.minutes_template.format(ts=ts_expr)


DIALECTS: Mapping[str, Dialect] = {
    "duckdb": Dialect(
        name="duckdb",
        regex_template="regexp_matches({expr}, {pattern})",
        minutes_template="(epoch(current_timestamp) - epoch(cast({ts} as timestamptz))) / 60.0",
    ),
    "postgres": Dialect(
        name="postgres",
        regex_template="({expr} ~ {pattern})",
        minutes_template=(
            "extract(epoch from (current_timestamp - cast({ts} as timestamptz))) / 60.0"
        ),
    ),
    "bigquery": Dialect(
        name="bigquery",
        quote_char="`",
        quote_escape="\\`",
        backslash_strings=True,
        string_type="string",
        regex_template="regexp_contains({expr}, {pattern})",
        minutes_template=(
            "timestamp_diff(current_timestamp(), cast({ts} as timestamp), millisecond) / 60000.0"
        ),
    ),
    "databricks_spark": Dialect(
        name="databricks_spark",
        quote_char="`",
        quote_escape="``",
        backslash_strings=True,
        string_type="string",
        regex_template="({expr} rlike {pattern})",
        minutes_template=(
            "(unix_millis(current_timestamp()) - unix_millis(cast({ts} as timestamp))) / 60000.0"
        ),
    ),
    "snowflake_snowpark": Dialect(
        name="snowflake_snowpark",
        backslash_strings=True,
        # regexp_like is anchored to the whole string on Snowflake; regexp_instr searches.
        regex_template="(regexp_instr({expr}, {pattern}) > 0)",
        minutes_template="datediff('millisecond', {ts}, current_timestamp()) / 60000.0",
        fold_upper=True,
    ),
}

_ALIASES = {"spark": "databricks_spark", "databricks": "databricks_spark",
            "snowflake": "snowflake_snowpark", "postgresql": "postgres",
            "bigquery_bigframes": "bigquery"}


def dialect_for(engine: str) -> Dialect:
    """The dialect of an engine name; an unknown engine gets plain ANSI SQL without regex."""
    key = _ALIASES.get(engine, engine)
    return DIALECTS.get(key) or Dialect(name=engine)

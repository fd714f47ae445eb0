"""cli/db_comments.py: the COMMENT statements of descriptions, planned against a catalog."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pytest_fft.cli.db_comments import (
    catalog_from_rows,
    catalog_sql,
    comment_statement,
    match_column,
    plan_comments,
    transaction_sql,
)
from pytest_fft.engines.registry import EngineSpec, engine_spec
from pytest_fft.project.descriptions import Description, Descriptions

POSTGRES = engine_spec("postgres")
DUCKDB = engine_spec("duckdb")


@dataclass
class Naming:
    """An engine's naming as the plan sees it: unqualified names are in schema ``an``."""

    spec: EngineSpec
    database: str = "db"

    def relation_key(self, relation: str) -> str:
        parts = relation.split(".")
        if len(parts) == 1:
            parts = ["an", *parts]
        elif len(parts) == 3 and parts[0] == self.database:
            parts = parts[1:]
        return ".".join(self.spec.name_key(p) for p in parts)


def row(name: str, kind: str, column: str | None, schema: str = "an",
        ambiguous: bool = False) -> tuple[object, ...]:
    return ("db", schema, name, kind, column, ambiguous)


CATALOG_ROWS = [
    row("users", "BASE TABLE", "id"), row("users", "BASE TABLE", "email"),
    row("users", "BASE TABLE", "is_gmail"),
    row("orders_v", "VIEW", "order_id"), row("orders_v", "VIEW", "amount"),
    row("empty", "BASE TABLE", None),
]


def described(relations: dict[str, str] | None = None,
              columns: dict[tuple[str, str], str] | None = None) -> Descriptions:
    return Descriptions(
        {r: Description(t, f"project.yml:{i + 1}") for i, (r, t) in enumerate((relations or {}).items())},
        {k: Description(t, f"docs/columns/{k[0]}/{k[1]}.md") for k, t in (columns or {}).items()})


def plan(descriptions: Descriptions, spec: EngineSpec = POSTGRES, rows=CATALOG_ROWS):
    naming = Naming(spec)
    return plan_comments(descriptions, catalog_from_rows(rows, naming), naming)


def test_tables_views_and_columns_in_the_warehouses_order() -> None:
    result = plan(described(
        {"users": "People.", "orders_v": "Orders, as a view."},
        {("users", "is_gmail"): "Gmail?", ("users", "id"): "Key.", ("orders_v", "amount"): "EUR"}))
    assert result.statements == (
        """COMMENT ON VIEW "an"."orders_v" IS 'Orders, as a view.'""",
        """COMMENT ON COLUMN "an"."orders_v"."amount" IS 'EUR'""",
        """COMMENT ON TABLE "an"."users" IS 'People.'""",
        """COMMENT ON COLUMN "an"."users"."id" IS 'Key.'""",
        """COMMENT ON COLUMN "an"."users"."is_gmail" IS 'Gmail?'""",
    )
    assert (result.relations, result.columns, result.warnings) == (2, 3, ())


def test_texts_are_escaped_literals_and_names_quoted_identifiers() -> None:
    text = "It's \"quoted\"; -- not a comment\n' or 1=1; drop table users; --\\n 100%"
    assert comment_statement("TABLE", 'an.we"ird', text, POSTGRES) == (
        'COMMENT ON TABLE "an"."we""ird" IS '
        "'It''s \"quoted\"; -- not a comment\n'' or 1=1; drop table users; --\\n 100%'")
    assert comment_statement("COLUMN", "an.users", "x", POSTGRES, column="a.b") == (
        """COMMENT ON COLUMN "an"."users"."a.b" IS 'x'""")
    # Where a backslash escapes in literals (Snowflake), it is doubled too.
    assert comment_statement("TABLE", "an.t", "a\\'b", engine_spec("snowflake")) == (
        """COMMENT ON TABLE "AN"."T" IS 'a\\\\\\'b'""")


def test_missing_relations_and_columns_are_warnings_and_the_rest_is_synced() -> None:
    result = plan(described(
        {"users": "People.", "gone": "Not built."},
        {("users", "nickname"): "Nope", ("users", "email"): "Address", ("gone", "id"): "Key"}))
    assert result.statements == (
        """COMMENT ON TABLE "an"."users" IS 'People.'""",
        """COMMENT ON COLUMN "an"."users"."email" IS 'Address'""",
    )
    assert result.warnings == (
        ("gone is not in the warehouse: its 2 descriptions (project.yml:2, "
         "docs/columns/gone/id.md) are not synced; build it (fft run), then sync again"),
        ("users has no column nickname: its description (docs/columns/users/nickname.md) is "
         "not synced"),
    )
    assert (result.relations, result.columns) == (1, 1)


def test_nothing_in_the_warehouse_plans_nothing() -> None:
    result = plan(described({"users": "People."}), rows=[])
    assert result.statements == ()
    assert result.warnings == (("users is not in the warehouse: its description "
                                "(project.yml:1) is not synced; build it (fft run), then sync "
                                "again"),)


def test_a_schema_named_like_a_database_keeps_its_catalog() -> None:
    rows = [row("users", "BASE TABLE", "id", schema="analytics", ambiguous=True)]
    naming = Naming(DUCKDB)
    catalog = catalog_from_rows(rows, naming)
    assert [(r.name, r.kind, r.columns) for r in catalog.values()] == [
        ("db.analytics.users", "TABLE", ("id",))]
    descriptions = described({"analytics.users": "People."})
    assert plan_comments(descriptions, catalog, naming).statements == (
        """COMMENT ON TABLE "db"."analytics"."users" IS 'People.'""",)


@pytest.mark.parametrize(("spec", "name", "columns", "expected"), [
    (POSTGRES, "email", ("id", "email"), "email"),
    (POSTGRES, "Email", ("id", "email"), "email"),  # unquoted Email is email on PostgreSQL
    (POSTGRES, "Email", ("Email", "email"), "Email"),  # the exact name first
    (POSTGRES, "EMAIL", ("Email",), None),  # quoted names keep their case
    (POSTGRES, "e-mail", ("E-mail",), None),
    (DUCKDB, "EMAIL", ("Email",), "Email"),  # DuckDB ignores case
    (DUCKDB, "nickname", ("id",), None),
])
def test_columns_match_as_the_engine_compares_names(spec: EngineSpec, name: str,
                                                    columns: tuple[str, ...],
                                                    expected: str | None) -> None:
    assert match_column(name, columns, spec) == expected


def test_relations_match_as_the_engine_compares_names() -> None:
    result = plan(described({"USERS": "People."}), spec=DUCKDB)
    assert result.statements == ("""COMMENT ON TABLE "an"."users" IS 'People.'""",)
    assert plan(described({"USERS": "People."})).statements == ()  # PostgreSQL keeps case


def test_catalog_sql_reads_the_target_schema_and_the_schemas_named() -> None:
    assert "where t.table_schema = current_schema()\norder by" in catalog_sql(["users"], POSTGRES)
    sql = catalog_sql(["users", "Raw.events", "o'hara.x"], POSTGRES)
    assert "or lower(t.table_schema) in ('o''hara', 'raw')" in sql


def test_the_statements_run_as_one_transaction() -> None:
    assert transaction_sql(["COMMENT ON TABLE a IS 'x'", "COMMENT ON TABLE b IS 'y'"]) == (
        "begin transaction;\nCOMMENT ON TABLE a IS 'x';\nCOMMENT ON TABLE b IS 'y';\ncommit")

"""Column lineage of PySpark models (a module that imports pyspark): ``select``,
``withColumn``, ``withColumnRenamed``, ``drop``, ``join``, ``groupBy().agg()``, ``union``,
with the column functions of ``pyspark.sql.functions`` read against their frame."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_fft.docs.lineage import ColumnLineage
from pytest_fft.docs.lineage import unknown as U
from pytest_fft.docs.python_lineage import python_lineage
from tests.core.docs.lineage_builders import changed, plain
from tests.core.docs.python_lineage_source import lineage

EXAMPLES = Path(__file__).parents[3] / "examples"
SPARK = "from pyspark.sql import functions as F\nfrom pyspark.sql.functions import col\n\n"
USERS = {"users": ["id", "email", "name"]}
ORDERS = {"orders": ["order_id", "user_id", "amount"]}
TWO = {"users": "users", "orders": "orders"}


def spark(body: str, inputs: dict[str, str], schema: dict[str, list[str]] | None = None,
          ) -> list[ColumnLineage]:
    return lineage(body, inputs, schema, header=SPARK)


def test_the_example_model() -> None:
    source = (EXAMPLES / "spark/models/users_enriched.ff.py").read_text()
    assert python_lineage(source, "enrich", {"users": "users"}) == (
        changed("is_gmail", "users.email"),)
    assert python_lineage(source, "enrich", {"users": "users"}, schema=USERS) == (
        plain("id", "users.id"), plain("email", "users.email"), plain("name", "users.name"),
        changed("is_gmail", "users.email"))


def test_with_column_and_renamed() -> None:
    assert spark('''
        def build(df):
            out = df.withColumn("email_upper", F.upper(F.col("email")))
            out = out.withColumn("id2", col("id")).withColumn("one", F.lit(1))
            out = out.withColumnRenamed("name", "full_name").drop("email")
            return out.filter(F.col("id") > 0).withColumns({"twice": df.id * 2})
    ''', {"df": "users"}, USERS) == [
        plain("id", "users.id"), plain("full_name", "users.name"),
        changed("email_upper", "users.email"), plain("id2", "users.id"), changed("one"),
        changed("twice", "users.id")]


def test_select() -> None:
    assert spark('''
        def build(df):
            return df.select("id", F.col("email").alias("mail"), df.name,
                             F.concat_ws("-", "email", "name").alias("label"))
    ''', {"df": "users"}) == [
        plain("id", "users.id"), plain("mail", "users.email"), plain("name", "users.name"),
        changed("label", "users.email", "users.name")]


def test_select_star_and_unnamed_expressions() -> None:
    assert spark('''
        def build(df):
            return df.select("*", F.length("email").alias("n"))
    ''', {"df": "users"}, USERS) == [
        plain("id", "users.id"), plain("email", "users.email"), plain("name", "users.name"),
        changed("n", "users.email")]
    # Spark names an expression without alias itself: the others are still listed.
    assert spark('''
        def build(df):
            return df.select("id", F.upper("email"))
    ''', {"df": "users"}, USERS) == [plain("id", "users.id")]


@pytest.mark.parametrize("how, key", [
    ("inner", plain("id", "users.id")), ("right", plain("id", "orders.id")),
    ("full_outer", changed("id", "users.id", "orders.id")),
])
def test_join_on_a_key(how: str, key: object) -> None:
    assert spark(f'''
        def build(users, orders):
            return users.join(orders, on="id", how="{how}")
    ''', TWO, {"users": ["id", "name"], "orders": ["id", "amount", "name"]}) == [
        key, U("name"), plain("amount", "orders.amount")]  # Spark: name twice


def test_join_on_a_condition_keeps_both_sides() -> None:
    assert spark('''
        def build(users, orders):
            return orders.join(users, orders.user_id == users.id, "left").select(
                "order_id", "email", "amount")
    ''', TWO, {**USERS, **ORDERS}) == [
        plain("order_id", "orders.order_id"), plain("email", "users.email"),
        plain("amount", "orders.amount")]


def test_left_semi_join_keeps_the_left_side() -> None:
    assert spark('''
        def build(users, orders):
            return users.join(orders, users.id == orders.user_id, "left_semi")
    ''', TWO, USERS) == [plain("id", "users.id"), plain("email", "users.email"),
                         plain("name", "users.name")]


def test_group_by_and_agg() -> None:
    assert spark('''
        def build(df):
            return df.groupBy("user_id").agg(F.sum("amount").alias("total"),
                                             F.countDistinct("order_id").alias("orders"))
    ''', {"df": "orders"}) == [plain("user_id", "orders.user_id"),
                               changed("total", "orders.amount"),
                               changed("orders", "orders.order_id")]
    assert spark('''
        def build(df):
            return df.groupBy(F.col("user_id")).count()
    ''', {"df": "orders"}) == [plain("user_id", "orders.user_id"), changed("count")]
    assert spark('''
        def build(df):
            return df.groupBy("user_id").agg({"amount": "max"})
    ''', {"df": "orders"}) == [plain("user_id", "orders.user_id"),
                               changed("max(amount)", "orders.amount")]


def test_union_by_name() -> None:
    assert spark('''
        def build(users, orders):
            return users.select("id").unionByName(orders.select(F.col("user_id").alias("id")))
    ''', TWO) == [plain("id", "users.id", "orders.user_id")]


def test_to_pandas_makes_a_pandas_frame() -> None:
    assert spark('''
        def build(df):
            out = df.toPandas()
            return out.drop(columns=["name"]).filter(items=["id"])
    ''', {"df": "users"}, USERS) == [plain("id", "users.id")]


@pytest.mark.parametrize("expression, expected", [
    ('df.selectExpr("id", "upper(email) as e")', []),
    ('df.withColumn("x", F.expr("id + 1")).select("x", "id")', [U("x"), plain("id", "users.id")]),
    ("df.withColumn(name, F.lit(1))", []),
    ("df.transform(helper)", []),
])
def test_what_spark_does_unseen_is_unknown(expression: str, expected: list[object]) -> None:
    assert spark(f'''
        def build(df, name):
            return {expression}
    ''', {"df": "users"}, USERS) == expected


def test_a_model_written_for_spark_and_pandas_alike() -> None:
    """``df.toPandas() if ... else df``: both branches are the same frame."""
    assert lineage('''
        def build(df):
            df = df.toPandas() if hasattr(df, "toPandas") else df
            out = df.rename(columns={"email": "mail"})
            out["domain"] = out["mail"].str.split("@").str[1]
            return out
    ''', {"users": "users"}, {"users": ["id", "email"]}) == [
        plain("id", "users.id"), plain("mail", "users.email"),
        changed("domain", "users.email")]


def test_branches_that_differ_are_unknown() -> None:
    assert lineage('''
        def build(df):
            df = df[["id"]] if LIMIT else df
            return df
    ''', {"users": "users"}, {"users": ["id", "email"]}) == []

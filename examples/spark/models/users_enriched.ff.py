"""A PySpark model: it reads and returns Spark DataFrames."""

from fastflowtransform import model


@model(name="users_enriched", deps=["users.ff"], requires={"users": {"id", "email"}})
def enrich(users):
    from pyspark.sql import functions as F

    return users.withColumn("is_gmail", F.lower(F.col("email")).endswith("@gmail.com"))

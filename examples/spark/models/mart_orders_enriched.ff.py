"""A model that works in pandas: its inputs are Spark DataFrames, so it converts them (small
data only), and the pandas frame it returns is written back through Arrow."""

import pandas as pd

from fastflowtransform import model


@model(
    name="mart_orders_enriched",
    deps=["orders.ff", "users_enriched"],
    requires={
        "orders": {"order_id", "user_id", "amount"},
        "users_enriched": {"id", "email", "is_gmail"},
    },
)
def orders_enrich(dfs) -> pd.DataFrame:
    orders = dfs["orders"].toPandas()
    users = dfs["users_enriched"].toPandas()
    out = orders.merge(users, left_on="user_id", right_on="id", how="left")
    out["valid_amt"] = out["amount"] >= 0
    return out[["order_id", "user_id", "email", "is_gmail", "amount", "valid_amt"]]

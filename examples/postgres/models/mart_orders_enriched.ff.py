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
def orders_enrich(dfs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    orders = dfs["orders"]
    users = dfs["users_enriched"]
    out = orders.merge(users, left_on="user_id", right_on="id", how="left")
    out["valid_amt"] = out["amount"] >= 0
    return out[["order_id", "user_id", "email", "is_gmail", "amount", "valid_amt"]]

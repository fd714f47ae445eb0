import pandas as pd

from fastflowtransform import model


@model(
    name="customer_segments",
    deps=["customer_orders.ff"],
    requires={"customer_orders": {"customer_id", "order_count", "total_amount"}},
)
def segments(df: pd.DataFrame) -> pd.DataFrame:
    out = df[["customer_id", "order_count", "total_amount"]].copy()
    out["segment"] = "new"
    out.loc[out["order_count"] >= 1, "segment"] = "regular"
    out.loc[out["order_count"] >= 3, "segment"] = "loyal"
    return out

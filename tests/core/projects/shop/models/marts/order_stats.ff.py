from pytest_fft import engine_model, model


@model(deps=["orders", "users_enriched"])
def order_stats(orders, users_enriched):
    merged = orders.merge(users_enriched, left_on="user_id", right_on="id")
    return merged.groupby("email", as_index=False)["amount"].sum()


@engine_model(only="postgres", name="pg_only_stats", deps=["orders.ff"])
def pg_only(df):
    return df

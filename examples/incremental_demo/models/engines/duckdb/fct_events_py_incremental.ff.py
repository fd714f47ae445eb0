"""fct_events_py_incremental on DuckDB; models/engines/postgres/ has the same model for
PostgreSQL. Only the model whose ``only=`` names the profile's engine is part of the project."""

import pandas as pd

from fastflowtransform import engine_model


@engine_model(
    only="duckdb",
    name="fct_events_py_incremental",
    deps=["events_base.ff"],
    tags=[
        "example:incremental_demo",
        "scope:engine",
        "engine:duckdb",
    ],
    meta={
        "incremental": True,
        "unique_key": ["event_id"],
        "updated_at": "updated_at",
    },
)
def build(df_events: pd.DataFrame) -> pd.DataFrame:
    # The first run (and --full-refresh) writes this frame as the table; a later run takes it
    # as the delta and merges it on event_id: changed events replaced, new ones added.
    out = df_events[["event_id", "updated_at", "value"]].copy()
    out["built_on"] = "duckdb"
    return out

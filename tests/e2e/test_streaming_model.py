"""A Python model that turns an events seed into sessions with fastflowtransform.streaming's
sessionize(), built through `fft build` on DuckDB."""

from __future__ import annotations

EVENTS = """\
user_id,session_id,source,event_type,event_timestamp,amount
u1,s1,ads,page_view,2026-12-01 09:00:00,
u1,s1,ads,purchase,2026-12-01 09:05:00,19.9
u2,,organic,page_view,2026-12-01 09:00:00,
u2,,organic,page_view,2026-12-01 09:50:00,
"""

MODEL = """
import pandas as pd
from fastflowtransform import model
from fastflowtransform.streaming import sessionize


@model(name="fct_sessions_streaming", deps=["seed_events"])
def sessions(events: pd.DataFrame) -> pd.DataFrame:
    return sessionize(events, gap_minutes=30)
"""


def test_a_python_model_sessionizes_an_events_seed(make_project, run_fft, query) -> None:
    root = make_project({"seeds/seed_events.csv": EVENTS,
                         "models/fct_sessions_streaming.ff.py": MODEL})
    built = run_fft("build", str(root))
    assert built.returncode == 0, built.output
    rows = query(root / ".local/dev.duckdb",
                 "select session_id, user_id, pageviews, revenue from fct_sessions_streaming "
                 "order by session_id")
    assert rows == [("s1", "u1", 1, 19.9), ("u2@2026-12-01T09:00:00+00:00", "u2", 1, 0.0),
                    ("u2@2026-12-01T09:50:00+00:00", "u2", 1, 0.0)]

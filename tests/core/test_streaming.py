"""Streaming: JSONL tailed in batches, batches folded into fct_sessions_streaming (sessions
spanning batches merged, sessions derived by inactivity gap), and the pure sessionize() a
Python model can call."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from pytest_fft.streaming import FileTailSource, StreamSessionizer, sessionize

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _event(user: str, minutes: float, kind: str = "page_view", session: str | None = "s1",
           amount: float | None = None, source: str = "ads") -> dict[str, Any]:
    event: dict[str, Any] = {"user_id": user, "source": source, "event_type": kind,
                             "event_timestamp": (T0 + timedelta(minutes=minutes)).isoformat(),
                             "amount": amount}
    if session is not None:
        event["session_id"] = session
    return event


def _table(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute("select session_id, user_id, source, pageviews, revenue, "
                       "epoch(session_end - session_start) / 60 from fct_sessions_streaming "
                       "order by session_id").fetchall()


def test_stream_sessionizer_produces_sessions() -> None:
    con = duckdb.connect(":memory:")
    sessionizer = StreamSessionizer(con)
    touched = sessionizer.process_batch(pd.DataFrame([
        _event("u1", 0, session="s1"),
        _event("u1", 0.5, "purchase", session="s1", amount=19.9),
        _event("u2", 1, session="s2", source="organic"),
    ]))
    assert touched == 2
    assert _table(con) == [("s1", "u1", "ads", 1, 19.9, 0.5),
                           ("s2", "u2", "organic", 1, 0.0, 0.0)]
    # A later batch continues s1: one row, its end, views and revenue grow.
    sessionizer.process_batch(pd.DataFrame([_event("u1", 10, session="s1"),
                                            _event("u1", 11, "purchase", "s1", amount=5.1)]))
    assert _table(con) == [("s1", "u1", "ads", 2, 25.0, 11.0),
                           ("s2", "u2", "organic", 1, 0.0, 0.0)]


def test_sessions_without_ids_split_on_the_inactivity_gap_across_batches() -> None:
    con = duckdb.connect(":memory:")
    sessionizer = StreamSessionizer(con, gap_minutes=30)
    sessionizer.process_batch(pd.DataFrame([_event("u1", 0, session=None),
                                            _event("u1", 20, session=None)]))
    sessionizer.process_batch(pd.DataFrame([_event("u1", 45, session=None),  # 25 min gap
                                            _event("u1", 120, session=None)]))  # 75 min gap
    rows = _table(con)
    assert [(r[0], r[3], r[5]) for r in rows] == [
        ("u1@2026-12-01T09:00:00+00:00", 3, 45.0), ("u1@2026-12-01T11:00:00+00:00", 1, 0.0)]


def test_a_failed_batch_leaves_the_table_as_it_was() -> None:
    con = duckdb.connect(":memory:")
    sessionizer = StreamSessionizer(con)
    sessionizer.process_batch(pd.DataFrame([_event("u1", 0)]))
    before = _table(con)
    with pytest.raises(ValueError, match=r"events need the column\(s\) event_type"):
        sessionizer.process_batch(pd.DataFrame([{"user_id": "u1", "ts": T0}]))
    assert _table(con) == before


def test_sessionize_is_pure_for_python_models() -> None:
    sessions = sessionize([_event("u1", 0), _event("u1", 5, "purchase", amount=3.0),
                           _event("u2", 1, session="s9")])
    assert list(sessions.columns) == ["session_id", "user_id", "source", "session_start",
                                      "session_end", "pageviews", "revenue"]
    assert sessions[["session_id", "pageviews", "revenue"]].values.tolist() == [
        ["s1", 1, 3.0], ["s9", 1, 0.0]]
    assert sessionize(pd.DataFrame(columns=["user_id", "event_type", "ts"])).empty


def test_file_tail_source_hands_on_appended_lines_in_batches(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(_event("old", 0)) + "\n")  # before consume: not read
    source = FileTailSource(path)
    batches: list[list[str]] = []

    def on_batch(frame: pd.DataFrame) -> None:
        batches.append(frame["user_id"].tolist())
        if sum(map(len, batches)) >= 5:
            source.stop()

    reader = threading.Thread(target=source.consume, args=(on_batch,),
                              kwargs={"batch_size": 2, "poll_sec": 0.02, "flush_after": 0.2})
    reader.start()
    time.sleep(0.2)
    with path.open("a") as handle:
        for user in ("a", "b", "c"):
            handle.write(json.dumps(_event(user, 1)) + "\n")
        handle.write("not json\n")
        handle.write(json.dumps(_event("d", 2))[:10])  # a line still being written
        handle.flush()
        time.sleep(0.3)
        handle.write(json.dumps(_event("d", 2))[10:] + "\n" + json.dumps(_event("e", 3)) + "\n")
    reader.join(timeout=10)
    assert not reader.is_alive()
    assert [u for batch in batches for u in batch] == ["a", "b", "c", "d", "e"]
    assert batches[0] == ["a", "b"] and source.skipped == 1


def test_fastflowtransform_streaming_resolves() -> None:
    import importlib

    from pytest_fft.project.modules import install_fastflowtransform_alias

    install_fastflowtransform_alias()
    module = importlib.import_module("fastflowtransform.streaming")
    assert module.StreamSessionizer is StreamSessionizer
    assert module.FileTailSource is FileTailSource

"""Events folded into sessions: one row per session with its start, end, page views and
revenue (the table ``fct_sessions_streaming`` of FastFlowTransform's streaming demo).

An event has ``user_id``, ``event_type``, a timestamp (``event_timestamp``, ``event_ts``,
``timestamp`` or ``ts``) and may have ``session_id``, ``source`` and ``amount``. A
``page_view`` counts as a page view, the ``amount`` of a ``purchase`` as revenue. An event
without a ``session_id`` belongs to its user's session that ended at most ``gap_minutes``
before it, or starts one (its id is ``<user>@<start as ISO 8601>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SESSION_COLUMNS = ("session_id", "user_id", "source", "session_start", "session_end",
                   "pageviews", "revenue")
TIMESTAMP_COLUMNS = ("event_timestamp", "event_ts", "timestamp", "ts")
_TABLE_SQL = ("create table if not exists {table} (session_id varchar, user_id varchar, "
              "source varchar, session_start timestamptz, session_end timestamptz, "
              "pageviews bigint, revenue double)")


def sessionize(events: Any, gap_minutes: float = 30,
               open_sessions: Mapping[str, tuple[str, Any]] | None = None) -> Any:
    """The sessions of ``events`` (a pandas DataFrame) as a DataFrame of
    :data:`SESSION_COLUMNS`. ``open_sessions`` (``{user: (session_id, session_end)}``) lets
    events without a session id continue a session of an earlier batch."""
    import pandas as pd

    frame = _normalized(events)
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=_DTYPES[c]) for c in SESSION_COLUMNS})
    frame = _assign_sessions(frame, pd.Timedelta(minutes=gap_minutes), open_sessions or {})
    events = pd.DataFrame({
        "session_id": frame["session_id"], "user_id": frame["user_id"],
        "source": frame["source"], "session_start": frame["event_ts"],
        "session_end": frame["event_ts"],
        "pageviews": (frame["event_type"] == "page_view").astype("int64"),
        "revenue": frame["amount"].where(frame["event_type"] == "purchase", 0.0).fillna(0.0),
    }).sort_values("session_start")
    return _per_session(events)


def combine(older: Any, newer: Any) -> Any:
    """Sessions of two batches merged: one row per session id (earliest start, latest end,
    page views and revenue added up, the first user and source known)."""
    import pandas as pd

    both = pd.concat([older, newer], ignore_index=True)
    return newer if both.empty else _per_session(both)


def _per_session(rows: Any) -> Any:
    """Rows of :data:`SESSION_COLUMNS` (events, or sessions of several batches) folded into
    one row per session id."""
    import pandas as pd

    grouped = rows.groupby("session_id", sort=True)
    out = pd.DataFrame({
        "user_id": grouped["user_id"].first(),
        "source": grouped["source"].first(),
        "session_start": grouped["session_start"].min(),
        "session_end": grouped["session_end"].max(),
        "pageviews": grouped["pageviews"].sum().astype("int64"),
        "revenue": grouped["revenue"].sum().astype("float64"),
    }).reset_index()
    return out[list(SESSION_COLUMNS)]


class StreamSessionizer:
    """Folds batches of events into ``table`` on a DuckDB connection: each batch's sessions
    are merged with the rows of the same sessions already there, in one transaction (a
    failed batch leaves the table as it was)."""

    def __init__(self, con: Any, gap_minutes: float = 30,
                 table: str = "fct_sessions_streaming") -> None:
        self.con = con
        self.gap_minutes = gap_minutes
        self.table = table
        self.con.execute(_TABLE_SQL.format(table=table))

    def process_batch(self, events: Any) -> int:
        """Merge one batch; returns how many sessions it touched."""
        import pandas as pd

        frame = _normalized(events)
        if frame.empty:
            return 0
        users = sorted(set(frame.loc[frame["session_id"].isna(), "user_id"].dropna()))
        cur = self.con.cursor()
        try:
            cur.execute("begin transaction")
            open_sessions = self._open_sessions(cur, users)
            batch = sessionize(frame, self.gap_minutes, open_sessions)
            ids = batch["session_id"].tolist()
            marks = ", ".join("?" for _ in ids)
            older = cur.execute(f"select {', '.join(SESSION_COLUMNS)} from {self.table} "
                                f"where session_id in ({marks})", ids).df()
            merged = combine(older, batch) if len(older) else batch
            cur.execute(f"delete from {self.table} where session_id in ({marks})", ids)
            cur.register("_fft_sessions_batch", merged)
            cur.execute(f"insert into {self.table} ({', '.join(SESSION_COLUMNS)}) "
                        f"select {', '.join(SESSION_COLUMNS)} from _fft_sessions_batch")
            cur.unregister("_fft_sessions_batch")
            cur.execute("commit")
        except BaseException:
            cur.execute("rollback")
            raise
        finally:
            cur.close()
        return len(pd.unique(merged["session_id"]))

    def _open_sessions(self, cur: Any, users: list[str]) -> dict[str, tuple[str, Any]]:
        """Each user's latest session: events without a session id may continue it."""
        if not users:
            return {}
        marks = ", ".join("?" for _ in users)
        rows = cur.execute(
            f"select user_id, arg_max(session_id, session_end), max(session_end) "
            f"from {self.table} where user_id in ({marks}) group by user_id", users).fetchall()
        return {str(user): (str(session), end) for user, session, end in rows}


_DTYPES = {"session_id": "object", "user_id": "object", "source": "object",
           "session_start": "datetime64[ns, UTC]", "session_end": "datetime64[ns, UTC]",
           "pageviews": "int64", "revenue": "float64"}


def _normalized(events: Any) -> Any:
    """The events with the columns the aggregation reads, typed; a ValueError naming what
    is missing."""
    import pandas as pd

    frame = pd.DataFrame(events).copy()
    stamp = next((c for c in TIMESTAMP_COLUMNS if c in frame.columns), None)
    missing = [c for c in ("user_id", "event_type") if c not in frame.columns]
    if stamp is None or missing:
        wanted = missing + ([] if stamp is not None else [" or ".join(TIMESTAMP_COLUMNS)])
        raise ValueError(f"events need the column(s) {', '.join(wanted)}; they have "
                         f"{', '.join(map(str, frame.columns)) or 'none'}")
    out = pd.DataFrame({
        "user_id": frame["user_id"].astype("string").astype(object),
        "session_id": (frame["session_id"].astype("string").astype(object)
                       if "session_id" in frame.columns else None),
        "source": (frame["source"].astype("string").astype(object)
                   if "source" in frame.columns else None),
        "event_type": frame["event_type"].astype("string").astype(object),
        "event_ts": pd.to_datetime(frame[stamp], utc=True),
        "amount": (pd.to_numeric(frame["amount"], errors="coerce")
                   if "amount" in frame.columns else float("nan")),
    })
    out["session_id"] = out["session_id"].where(out["session_id"].notna(), None)
    out["source"] = out["source"].where(out["source"].notna(), None)
    return out


def _assign_sessions(frame: Any, gap: Any, open_sessions: Mapping[str, tuple[str, Any]]) -> Any:
    """Session ids for the events that have none: a user's events closer than ``gap`` to the
    one before them (or to the end of their open session) share its session."""
    import pandas as pd

    frame = frame.sort_values(["user_id", "event_ts"], kind="stable").copy()
    blank = frame["session_id"].isna()
    if not blank.any():
        return frame
    ids = frame["session_id"].tolist()
    current: dict[str, tuple[str, Any]] = {
        user: (session, pd.Timestamp(end).tz_convert("UTC") if pd.Timestamp(end).tzinfo
               else pd.Timestamp(end).tz_localize("UTC"))
        for user, (session, end) in open_sessions.items()}
    for position, (is_blank, user, ts) in enumerate(
            zip(blank, frame["user_id"], frame["event_ts"], strict=True)):
        if not is_blank:
            continue
        known = current.get(user)
        if known is not None and ts - known[1] <= gap:
            ids[position] = known[0]
        else:
            ids[position] = f"{user}@{ts.isoformat()}"
        current[user] = (ids[position], max(ts, known[1]) if known is not None
                         and ids[position] == known[0] else ts)
    frame["session_id"] = ids
    return frame

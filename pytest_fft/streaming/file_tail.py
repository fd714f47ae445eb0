"""A growing JSONL file read as batches of new events (``tail -f`` for one file)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class FileTailSource:
    """Calls ``on_batch(frame)`` with the JSON objects appended to ``path`` after
    :meth:`consume` starts, ``batch_size`` at a time (fewer when the file stays quiet for
    ``flush_after`` seconds, and the rest when :meth:`stop` is called). A line that is not a
    JSON object is skipped and counted in :attr:`skipped`; a line still being written (no
    line break yet) waits for its end.

    ``from_start=True`` reads the lines already in the file too.
    """

    def __init__(self, path: str | Path, *, from_start: bool = False) -> None:
        self.path = Path(path)
        self.from_start = from_start
        self.skipped = 0  # lines that were not JSON objects
        self._stop = threading.Event()

    def stop(self) -> None:
        """End :meth:`consume` (from another thread, or from ``on_batch``) after handing on
        what it has read."""
        self._stop.set()

    def consume(self, on_batch: Callable[[Any], None], batch_size: int = 100,
                poll_sec: float = 1.0, flush_after: float | None = None) -> None:
        """Read until :meth:`stop`; ``on_batch`` gets a pandas DataFrame of each batch."""
        import pandas as pd

        if batch_size < 1:
            raise ValueError("batch_size must be 1 or more")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch(exist_ok=True)
        flush_after = poll_sec if flush_after is None else flush_after
        events: list[dict[str, Any]] = []
        quiet_since = time.monotonic()
        pending = ""  # the start of a line whose end is not written yet
        with self.path.open("r", encoding="utf-8") as handle:
            if not self.from_start:
                handle.seek(0, 2)
            while True:
                chunk = handle.readline()
                if chunk:
                    pending += chunk
                    if not pending.endswith("\n"):
                        continue
                    self._take(pending, events)
                    pending = ""
                    quiet_since = time.monotonic()
                    if len(events) >= batch_size:
                        on_batch(pd.DataFrame(events[:batch_size]))
                        del events[:batch_size]
                    continue
                if events and time.monotonic() - quiet_since >= flush_after:
                    on_batch(pd.DataFrame(events))
                    events.clear()
                if self._stop.is_set():
                    break
                self._stop.wait(poll_sec)
        if events:
            on_batch(pd.DataFrame(events))

    def _take(self, line: str, events: list[dict[str, Any]]) -> None:
        text = line.strip()
        if not text:
            return
        try:
            event = json.loads(text)
        except ValueError:
            self.skipped += 1
            return
        if isinstance(event, dict):
            events.append(event)
        else:
            self.skipped += 1

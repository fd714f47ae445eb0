"""Log records of a node, whichever thread built it.

Models build on executor threads while pytest reports items on the main thread, so a record
would otherwise land under whatever item happens to run. The executor opens a capture around
each build; records from that thread (our SQL channel, a model's own logging) are kept with
the node's result and shown in its item's report.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_local = threading.local()


class _ThreadCapture(logging.Handler):
    """One handler on the root logger; it keeps records of threads that are capturing."""

    def emit(self, record: logging.LogRecord) -> None:
        lines = getattr(_local, "lines", None)
        if lines is None:
            # Not a node's thread. If we are the root's only handler, do what logging does
            # without handlers (print warnings to stderr), so installing us changes nothing.
            last_resort = logging.lastResort
            if (logging.getLogger().handlers == [self] and last_resort is not None
                    and record.levelno >= last_resort.level):
                last_resort.handle(record)
            return
        try:
            lines.append(f"{record.levelname:<8} {record.name}: {record.getMessage()}")
        except Exception:
            self.handleError(record)


_HANDLER = _ThreadCapture(level=logging.DEBUG)
_install_lock = threading.Lock()
_installed = False


@contextmanager
def capture_node_logs() -> Iterator[list[str]]:
    """Collect the log lines this thread emits inside the block."""
    global _installed
    if not _installed:  # once per process; this runs for every node on the hot path
        with _install_lock:
            if not _installed:
                logging.getLogger().addHandler(_HANDLER)
                _installed = True
    lines: list[str] = []
    _local.lines = lines
    try:
        yield lines
    finally:
        _local.lines = None

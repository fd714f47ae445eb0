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
            return
        records = getattr(_local, "records", None)
        if records is not None:
            records.append(record)


_HANDLER = _ThreadCapture(level=logging.DEBUG)
_install_lock = threading.Lock()
_installed = False


# pytest's live logs (``--log-cli-level``, ``log_cli``): records of a node are shown again by
# its item, on pytest's thread; from the build's threads they would race pytest's output
# capture and be lost now and then. (node key) -> its records, until its item takes them.
_kept: dict[tuple[str, str], list[logging.LogRecord]] = {}
_keep = False


def keep_records_for_items() -> None:
    """From now on, keep each node's records for :func:`take_records` (live logs are on)."""
    global _keep
    _keep = True


def stop_keeping_records() -> None:
    """The session is over: keep no more records, and drop those no item took."""
    global _keep
    _keep = False
    _kept.clear()


def take_records(project: str, node: str) -> list[logging.LogRecord]:
    """The records kept of ``node`` of ``project`` (once)."""
    return _kept.pop((project, node), [])


def not_from_a_node_build(record: logging.LogRecord) -> bool:
    """A filter for pytest's live-log handler: records of a node's build are left to its
    item (see :func:`take_records`)."""
    return getattr(_local, "lines", None) is None


@contextmanager
def capture_node_logs(key: tuple[str, str] | None = None) -> Iterator[list[str]]:
    """Collect the log lines this thread emits inside the block (and, when live logs are
    on, the records under ``key``: (project, node))."""
    global _installed
    if not _installed:  # once per process; this runs for every node on the hot path
        with _install_lock:
            if not _installed:
                logging.getLogger().addHandler(_HANDLER)
                _installed = True
    lines: list[str] = []
    _local.lines = lines
    if _keep and key is not None:
        _local.records = _kept.setdefault(key, [])
    try:
        yield lines
    finally:
        _local.lines = None
        _local.records = None

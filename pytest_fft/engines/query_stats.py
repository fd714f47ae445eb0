"""Query statistics of one node's build: the time its SQL spent inside the engine, and the
bytes the engine says it scanned.

The executor opens a :func:`collecting` window around each node it builds, on the thread
that builds it; an engine wraps each statement it sends in :func:`in_engine`, and the build
path adds the bytes an estimate found (:meth:`QueryStats.add_bytes`). Outside a window (unit
cases, users' tests, ``fft_engine``) :func:`in_engine` is a shared no-op: one context-variable
read per statement.

>>> with collecting() as stats:
...     with in_engine():
...         pass
>>> stats.query_duration_ms
0
>>> stats.bytes_scanned is None
True

Nested :func:`in_engine` blocks count once (the outermost), so an engine may wrap both a
whole replace and the statements inside it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from types import TracebackType


@dataclass
class QueryStats:
    """What one node's statements cost. ``want_bytes``: the run needs ``bytes_scanned`` (a
    ``budgets.yml`` budget of it), so the build asks the engine for an estimate even without
    a query guard."""

    want_bytes: bool = False
    nanos: int = 0  # inside the engine
    timed: bool = False  # a statement ran inside the window
    bytes_scanned: int | None = None
    _depth: int = 0

    @property
    def query_duration_ms(self) -> int | None:
        """Milliseconds inside the engine (rounded); None when no statement ran."""
        return round(self.nanos / 1_000_000) if self.timed else None

    def add_bytes(self, count: int | None) -> None:
        """Bytes an estimate (or the engine) reported for one of the node's queries."""
        if count is not None and count >= 0:
            self.bytes_scanned = (self.bytes_scanned or 0) + int(count)


_CURRENT: ContextVar[QueryStats | None] = ContextVar("fft_query_stats", default=None)
_NOTHING: AbstractContextManager[None] = nullcontext()


def current() -> QueryStats | None:
    """The statistics of the node this thread builds, if any."""
    return _CURRENT.get()


@contextmanager
def collecting(*, want_bytes: bool = False) -> Iterator[QueryStats]:
    """A window in which this thread's engine statements count for one node."""
    stats = QueryStats(want_bytes=want_bytes)
    token = _CURRENT.set(stats)
    try:
        yield stats
    finally:
        _CURRENT.reset(token)


class _Timing:
    __slots__ = ("_stats", "_t0")

    def __init__(self, stats: QueryStats) -> None:
        self._stats = stats
        self._t0 = 0

    def __enter__(self) -> None:
        stats = self._stats
        if stats._depth == 0:
            self._t0 = time.perf_counter_ns()
        stats._depth += 1

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        stats = self._stats
        stats._depth -= 1
        if stats._depth == 0:
            stats.nanos += time.perf_counter_ns() - self._t0
            stats.timed = True


def in_engine() -> AbstractContextManager[None]:
    """Time the block as engine time of the node being built (nothing outside a window)."""
    stats = _CURRENT.get()
    return _NOTHING if stats is None else _Timing(stats)

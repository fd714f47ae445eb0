"""Pure-Python work of the docs on every core: tracing the lineage of many SQL models (a cold
``fft docgen``). It is CPU-bound Python (sqlglot), so threads would take turns; forked
worker processes start in milliseconds with everything already imported and built, and
this process does a share of the work meanwhile. (Rendering the pages this way was
measured too, on a busy machine, and lost: 1,000 pages come back through pipes.)

Only where forking is safe: on Linux, from a process that runs one thread (a forked child of
a process with other threads, a database driver's or a JVM gateway's, may inherit a lock
that is held forever). Elsewhere, or when a worker cannot start or dies,
:func:`forked_map` says so (None) and the caller does the work itself, as it would anyway:
the answer never depends on how it was computed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 8

_shared: Any = None  # what the workers read, set while a map runs (inherited by fork)


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def may_fork() -> bool:
    """Whether worker processes can be forked safely now (see the module's docstring)."""
    import multiprocessing

    if not sys.platform.startswith("linux") or "fork" not in (
            multiprocessing.get_all_start_methods()):
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def forked_map(func: Callable[[Any, Sequence[T]], list[R]], shared: Any, items: Sequence[T],
               *, workers: int | None = None) -> list[R] | None:
    """``func(shared, chunk)`` over ``items`` in interleaved chunks, one in this process and
    the others in forked workers (one per other core), concatenated back in the order of
    ``items``; None when there is one core, forking is not safe, or a worker failed.

    ``func`` must be a module-level function (the workers get it by name); ``shared`` is
    not pickled: the workers inherit it. What ``func`` returns is pickled back.
    """
    global _shared
    count = min(workers or cores(), MAX_WORKERS, len(items))
    if count < 2 or not may_fork():
        return None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    chunks = [list(items[i::count]) for i in range(count)]
    _shared = shared
    try:
        with ProcessPoolExecutor(count - 1,
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(_call, func, chunk) for chunk in chunks[1:]]
            answers = [func(shared, chunks[0]), *(f.result() for f in futures)]
    except Exception:  # a worker that could not start or died: the caller does it all
        return None
    finally:
        _shared = None
    results: list[Any] = [None] * len(items)
    for i, answer in enumerate(answers):
        if len(answer) != len(chunks[i]):
            return None
        results[i::count] = answer
    return results


def _call(func: Callable[[Any, Sequence[T]], list[R]], chunk: Sequence[T]) -> list[R]:
    return func(_shared, chunk)

"""SIGTERM (a cancelled CI job, ``docker stop``, ``kill``) ends a build as Ctrl-C does.

Python's default for SIGTERM ends the process on the spot: no line for the nodes that
finished, no ``run_results.json``, no cache written. While a session builds, SIGTERM raises
``KeyboardInterrupt`` on the main thread instead, so pytest's interrupted path runs: the
build is cancelled (running statements are interrupted and roll back), finished nodes are
reported, artifacts and the build cache are written. A second SIGTERM gets the handler that
was there before (by default: end at once). The handler is restored when pytest ends.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

import pytest

_terminated = threading.Event()


def terminated() -> bool:
    """Whether this process was asked to end by SIGTERM (the exit code says so: 143)."""
    return _terminated.is_set()


def handle_sigterm(config: pytest.Config) -> None:
    """From now until the end of ``config``'s session, SIGTERM interrupts like Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        return  # signals reach the main thread only; there is nothing to install from here
    previous = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum: int, frame: Any) -> None:
        _terminated.set()
        signal.signal(signal.SIGTERM, previous)  # a second one is not caught again
        raise KeyboardInterrupt("terminated by SIGTERM")

    signal.signal(signal.SIGTERM, on_sigterm)

    def restore() -> None:
        if signal.getsignal(signal.SIGTERM) is on_sigterm:
            signal.signal(signal.SIGTERM, previous)

    config.add_cleanup(restore)

"""When the garbage collector looks at what: long-lived objects are kept out of its way.

A run holds a loaded project, pytest's collection tree and, once a Python model ran, pandas:
hundreds of thousands of objects that live until the end. Every full collection walks them all
(tens of milliseconds each, several per run), and finds nothing. ``gc.freeze()`` moves the
objects alive at that moment out of the collector's sight; they are still freed by reference
counting, only cycles among them wait. Every freeze is undone when the session ends (or at the
latest at exit), so a process that runs several sessions (pytester) does not keep them.
"""

from __future__ import annotations

import atexit
import gc

_state = {"frozen": False, "at_exit": False}


def freeze_long_lived() -> None:
    """After the project is loaded: what exists now lives for the whole session."""
    gc.freeze()
    _state["frozen"] = True


def thaw() -> None:
    if _state["frozen"]:
        gc.unfreeze()
        _state["frozen"] = False


def end_of_session(collect_after: bool) -> None:
    """The session is over. ``collect_after``: something still collects garbage several times
    (pytest's unraisable-exception check runs five full passes): one pass here, while its hook
    still reports what it finds, then freeze, so those passes walk almost nothing; thawed at
    exit, so that finalisation destroys the objects as usual (DuckDB's bindings report objects
    still alive at exit as leaks)."""
    thaw()
    if not collect_after:
        return
    gc.collect()
    gc.freeze()
    _state["frozen"] = True
    if not _state["at_exit"]:
        atexit.register(thaw)
        _state["at_exit"] = True

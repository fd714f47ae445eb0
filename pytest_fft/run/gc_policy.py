"""When the garbage collector looks at what, in a run of the ``fft`` command.

A run holds a loaded project, pytest's collection tree and, once a Python model ran, pandas:
hundreds of thousands of objects that live until the end. Every full collection walks them all
(tens of milliseconds each, several per run), and finds nothing. ``gc.freeze()`` moves the
objects alive at that moment out of the collector's sight; they are still freed by reference
counting, only cycles among them wait.

Only the ``fft`` command does this: its process runs one session and exits. Under plain
``pytest`` the plugin leaves the collector alone (the process may go on with other tests, or
run further sessions, as pytester does).
"""

from __future__ import annotations

import gc

_state = {"frozen": False}


def freeze_long_lived() -> None:
    """After the project is loaded: what exists now lives for the whole session."""
    gc.freeze()
    _state["frozen"] = True


def end_of_session() -> None:
    """The session is over: every object is the collector's again."""
    if _state["frozen"]:
        gc.unfreeze()
        _state["frozen"] = False

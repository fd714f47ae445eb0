"""When the garbage collector looks at what.

A run holds a loaded project, pytest's collection tree and, once a Python model ran, pandas:
hundreds of thousands of objects that live until the end. Every full collection walks them all
(tens of milliseconds each, several per run), and finds nothing. ``gc.freeze()`` moves the
objects alive at that moment out of the collector's sight; they are still freed by reference
counting, only cycles among them wait until they are thawed.

The plugin freezes only in a session that loaded a project, and never while a test that is not
its own runs:

- once the project is loaded (:func:`freeze`), for the collection and pytest-fft's own items;
- thawed before the first other test runs (or, with no node items, when collection is done);
  the ``fft`` command, whose every item is pytest-fft's, stays frozen;
- once every test is done, frozen again for pytest's own clean-up (its unraisable-exception
  check runs five full collections: :func:`freeze_for_cleanup`);
- thawed in the last step of that clean-up: when ``pytest.main`` returns, nothing is frozen.
"""

from __future__ import annotations

import gc

_state = {"frozen": False}


def freeze() -> None:
    """What is alive now is out of the collector's sight until :func:`thaw`."""
    gc.freeze()
    _state["frozen"] = True


def is_frozen() -> bool:
    return _state["frozen"]


def thaw() -> None:
    """Every object is the collector's again."""
    if _state["frozen"]:
        gc.unfreeze()
        _state["frozen"] = False


def freeze_for_cleanup() -> None:
    """The tests are over: one collection (so that what is garbage now is found while the
    unraisable-exception check still reports it), then freeze what is left."""
    thaw()
    gc.collect()
    freeze()

"""The environment variables that loading a project read, so the parse cache can key by them.

``env('X')`` in a template and ``@engine_model(env_match={...})`` make what a project holds
depend on environment variables, not only on its files. Loading reads them through
:func:`getenv`; :func:`recording` collects the names read meanwhile, and the parse cache
keys its entry by their values (:func:`environ_digest`).

>>> with recording() as names:
...     _ = getenv("FFT_DOCTEST_UNSET_VARIABLE")
>>> sorted(names)
['FFT_DOCTEST_UNSET_VARIABLE']
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

_recorders: list[set[str]] = []


def getenv(name: str) -> str | None:
    """``os.environ.get(name)``, noted by every :func:`recording` in progress."""
    for names in _recorders:
        names.add(name)
    return os.environ.get(name)


@contextmanager
def recording() -> Iterator[set[str]]:
    """The names :func:`getenv` reads inside the ``with`` block."""
    names: set[str] = set()
    _recorders.append(names)
    try:
        yield names
    finally:
        _recorders.remove(names)


def environ_digest(names: Iterable[str]) -> str:
    """A hash of the current values of ``names`` (unset and empty told apart)."""
    digest = hashlib.blake2b(digest_size=20)
    for name in sorted(set(names)):
        value = os.environ.get(name)
        digest.update(name.encode() + (b"\0unset" if value is None else b"\1" + value.encode()))
        digest.update(b"\0")
    return digest.hexdigest()

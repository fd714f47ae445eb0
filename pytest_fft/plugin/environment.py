"""The values of a project's ``.env`` files in ``os.environ`` for one pytest session.

FastFlowTransform loads ``.env`` files into the process environment, where Python models,
macros and hooks read them (``os.environ["FF_RUN_DATE"]``). pytest-fft does the same while a
session runs a project, without disturbing the rest of the test suite: a variable is set only
when the process environment does not have it already (the shell always wins), and every
variable set is removed again when the session ends (``config.add_cleanup``), so the tests
that run after it, in this process, see the environment they started with.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import pytest

from pytest_fft.project.dotenv import forget_exported, note_exported

_CLEANUP_KEY: pytest.StashKey[dict[str, str]] = pytest.StashKey()


def export_dotenv(config: pytest.Config | None, values: Mapping[str, str]) -> None:
    """Set each of ``values`` (a project's ``.env`` values that the process environment does
    not set) in ``os.environ`` until ``config``'s session ends."""
    added = {name: value for name, value in values.items() if name not in os.environ}
    if not added:
        return
    os.environ.update(added)
    note_exported(added)
    if config is None:  # no session to end (a test's own state): nothing restores it
        return
    exported = config.stash.get(_CLEANUP_KEY, None)
    if exported is None:
        exported = config.stash[_CLEANUP_KEY] = {}
        config.add_cleanup(lambda: _restore(config))
    exported.update(added)


def _restore(config: pytest.Config) -> None:
    """Remove what :func:`export_dotenv` set (a value a test changed since is the test's)."""
    exported = config.stash.get(_CLEANUP_KEY, {})
    for name, value in exported.items():
        if os.environ.get(name) == value:
            del os.environ[name]
    forget_exported(list(exported))
    exported.clear()


def set_for_session(config: pytest.Config | None, values: Mapping[str, str]) -> None:
    """Set ``values`` in ``os.environ`` over what is there (options on the command line win
    over the shell: ``--fft-offline`` is ``FF_HTTP_OFFLINE=1``), and put the old values back
    when ``config``'s session ends."""
    if not values:
        return
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)

    def restore() -> None:
        for name, old in before.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old

    if config is not None:  # no session to end (a test's own state): nothing restores it
        config.add_cleanup(restore)

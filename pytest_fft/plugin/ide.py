"""What IDEs read from a run, where their adapters need help with our node names.

PyCharm runs pytest with teamcity-messages (``--teamcity``), which sends each test's name to
the IDE as ``metainfo``: the text after the last dot of the test's location. Test functions
have no dots in their names; our nodes do (``users.ff``, ``not_null[users.email]``), so the
IDE would get ``ff`` or ``email]``. Before teamcity-messages reports a node item's start, this
reports it with the item's own name; the adapter then sees the start as done.
"""

from __future__ import annotations

from typing import Any

import pytest


class TeamcityNames:
    """Registered when teamcity-messages reports the run (see :func:`teamcity_reporter`)."""

    def __init__(self, reporter: Any, node_ids: set[str]) -> None:
        self.reporter = reporter
        self.node_ids = node_ids

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        if nodeid in self.node_ids:
            test_id = self.reporter.format_test_id(nodeid, location)
            self.reporter.ensure_test_start_reported(test_id, nodeid.rsplit("::", 1)[-1])


def teamcity_reporter(config: pytest.Config) -> Any:
    """teamcity-messages' reporter of this run, if it reports one (it keeps it on the config,
    under a name of its own: there is no public way to ask for it)."""
    reporter = getattr(config, "_teamcityReporting", None)
    if reporter is None or not callable(getattr(reporter, "ensure_test_start_reported", None)):
        return None
    return reporter


def register_ide_names(session: pytest.Session) -> None:
    """After collection: help the IDE adapters of this run with our items' names."""
    from pytest_fft.plugin.items import NodeItem

    reporter = teamcity_reporter(session.config)
    if reporter is None:
        return
    ids = {item.nodeid for item in session.items if isinstance(item, NodeItem)}
    if ids:
        session.config.pluginmanager.register(TeamcityNames(reporter, ids), "fft-teamcity-names")

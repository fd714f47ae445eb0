"""What a build tells whoever listens as it happens: the seam of the plugin SDK's hooks.

The run layer knows nothing of pytest: a :class:`BuildRun <pytest_fft.run.session.BuildRun>`
calls a :class:`RunEvents` when the build starts, as each node starts and ends, and when the
run is over; the plugin layer's implementation passes them on to the ``pytest_fft_*`` hooks
(:mod:`pytest_fft.plugin.hookspecs`). A run without listeners has no RunEvents at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pytest_fft.project.records import Project
    from pytest_fft.run.executor import NodeResult


@dataclass(frozen=True)
class RunInfo:
    """One build, as the hooks see it."""

    project: Project
    env_name: str
    engine: str  # the registry's name: "duckdb", "postgres", or an installed engine's
    nodes: tuple[str, ...]  # what the run builds or checks, in DAG order
    jobs: int


class RunEvents(Protocol):
    """Who hears of a build. Node events come on the build's threads."""

    def run_started(self, run: RunInfo) -> None: ...

    def node_started(self, run: RunInfo, name: str) -> None: ...

    def node_finished(self, run: RunInfo, result: NodeResult) -> None: ...

    def run_finished(self, run: RunInfo, results: Mapping[str, NodeResult],
                     status: str) -> None: ...


def run_status(results: Mapping[str, NodeResult], *, run_errors: int = 0) -> str:
    """``error`` when a node failed (an error, or a check of severity error that found
    problems) or a run-level hook did, else ``success``."""
    if run_errors or any(r.status in ("error", "fail") for r in results.values()):
        return "error"
    return "success"

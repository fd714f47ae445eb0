"""A build's events passed on to the plugin SDK's ``pytest_fft_*`` hooks (see hookspecs).

Which hooks have implementations is asked once, when the build starts (after collection,
so a ``conftest.py`` inside the project counts): with none, every event is a return.
A hook that raises becomes an error of the run, naming the hook and the line it raised at;
the build goes on.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pytest

from pytest_fft.errors import HookError

if TYPE_CHECKING:
    from pytest_fft.run.events import RunInfo
    from pytest_fft.run.executor import NodeResult

_HOOKS = ("pytest_fft_run_started", "pytest_fft_node_started", "pytest_fft_node_finished",
          "pytest_fft_check_result", "pytest_fft_run_finished")


class PluginEvents:
    """:class:`~pytest_fft.run.events.RunEvents` through ``config.hook``."""

    def __init__(self, config: pytest.Config, errors: list[Any]) -> None:
        self.config = config
        self.errors = errors  # the BuildRun's hook_errors: what fails the session
        self._listening: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def run_started(self, run: RunInfo) -> None:
        hook = self.config.hook
        self._listening = frozenset(
            name for name in _HOOKS if getattr(hook, name).get_hookimpls())
        self._call("pytest_fft_run_started", run=run)

    def node_started(self, run: RunInfo, name: str) -> None:
        if "pytest_fft_node_started" in self._listening:
            self._call("pytest_fft_node_started", run=run, node=run.project.node(name))

    def node_finished(self, run: RunInfo, result: NodeResult) -> None:
        if not self._listening:
            return
        node = run.project.node(result.name)
        self._call("pytest_fft_node_finished", run=run, node=node, result=result)
        if node.kind == "check":
            self._call("pytest_fft_check_result", run=run, check=node, result=result)

    def run_finished(self, run: RunInfo, results: Mapping[str, NodeResult],
                     status: str) -> None:
        self._call("pytest_fft_run_finished", run=run, results=results, status=status)

    def _call(self, name: str, **kwargs: Any) -> None:
        if name not in self._listening:
            return
        try:
            getattr(self.config.hook, name)(config=self.config, **kwargs)
        except Exception as exc:
            node = kwargs.get("node") or kwargs.get("check")
            error = HookError(f"the plugin hook {name} raised {type(exc).__name__}: {exc}"
                              f"{raised_at(exc)}", node=node.name if node is not None else None,
                              hint="fix the plugin, or leave it out with -p no:<plugin>")
            error.__cause__ = exc
            with self._lock:
                self.errors.append(error)


def raised_at(exc: BaseException) -> str:
    """`` at file:line`` of the innermost frame of the traceback outside pluggy."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "/pluggy/" not in f.filename.replace("\\", "/")]
    return f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""

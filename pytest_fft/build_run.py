"""One project's build within a pytest session: profile, engine, executor, results.

Created on the main thread at collection; the executor starts when the first node item
runs, and items wait for their own node's result.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .engines import ENGINE_ABBREV, create_engine
from .errors import FFTError
from .executor import Executor, NodeResult, ResultBoard
from .profiles import ResolvedProfile
from .project import Node, Project


@dataclass
class BuildSettings:
    jobs: int = 1
    fail_fast: bool = False


@dataclass
class BuildRun:
    project: Project
    profile: ResolvedProfile | None  # None when only unit cases run
    settings: BuildSettings
    nodes: list[str] = field(default_factory=list)  # what the collected items ask for
    board: ResultBoard = field(default_factory=ResultBoard)
    startup_error: FFTError | None = None
    _startup_reported: bool = False
    _executor: Executor | None = None
    _engine: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def root(self) -> Path:
        return self.project.root

    @cached_property
    def nodes_by_path(self) -> dict[Path, list[Node]]:
        """Seeds and models by defining file (one .ff.py may define several models)."""
        out: dict[Path, list[Node]] = {}
        for name in sorted(self.project.nodes):
            node = self.project.node(name)
            out.setdefault(node.path, []).append(node)
        return out

    @property
    def engine_abbrev(self) -> str:
        engine = self.profile.engine if self.profile else self.project.engine
        return ENGINE_ABBREV.get(engine, engine.upper())

    def ensure_started(self) -> None:
        with self._lock:
            if self._executor is not None or self.startup_error is not None:
                return
            assert self.profile is not None, "builds resolve the profile when collecting"
            try:
                self._engine = create_engine(self.profile.profile)
            except FFTError as exc:
                self.startup_error = exc
                self.board.close()
                return
            self._executor = Executor(
                self.project, self._engine, self.nodes, jobs=self.settings.jobs,
                fail_fast=self.settings.fail_fast, board=self.board,
                env_name=self.profile.env_name,
            )
            self._executor.start()

    def result(self, name: str) -> NodeResult | None:
        self.ensure_started()
        if self.startup_error is not None:
            # The first item shows the error; the others point at it instead of repeating it.
            with self._lock:
                first, self._startup_reported = not self._startup_reported, True
            if first:
                return NodeResult(name, "error", message=self.startup_error.message,
                                  error=self.startup_error)
            return NodeResult(name, "skipped",
                              message="not built: the engine could not start (see the first error)")
        return self.board.wait(name)

    def cancel(self) -> None:
        if self._executor is not None:
            self._executor.cancel()

    def finish(self) -> None:
        """Stop (if still running), release the engine and write the artifacts; called at
        session end by the process that ran the build."""
        if self._executor is not None:
            if not self.board.finished:
                self._executor.cancel()
            self._executor.join()
        if self._engine is not None:
            self._engine.close()
            self._engine = None
        self._write_artifacts()

    def _write_artifacts(self) -> None:
        results = self.board.all()
        checks = [results[n] for n in self.nodes if n in self.project.checks and n in results]
        if checks and self.profile is not None:
            from .artifacts import write_test_results

            write_test_results(self.project, checks, self.profile.env_name, self.profile.engine)

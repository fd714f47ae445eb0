"""The pytest collectors and items of a FastFlowTransform project.

``ProjectDir`` loads the project once; ``ModelFile``/``SeedFile`` yield one ``NodeItem``
per model or seed, with node ids such as ``models/users.ff.sql::users.ff``. Items are
reporters: the first one to run starts the project's executor, each waits for its node.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_fft.errors import FFTError
from pytest_fft.plugin.options import error_text

if TYPE_CHECKING:
    from pytest_fft.run.session import BuildRun
    from pytest_fft.plugin.hooks import FFTState


class NodeFailed(Exception):
    """Raised by a node item whose node failed; carries the FFTError to render."""

    def __init__(self, error: FFTError | None, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


def _state(node: pytest.Item | pytest.Collector) -> FFTState:
    from pytest_fft.plugin.hooks import STATE_KEY

    return node.config.stash[STATE_KEY]


class ProjectDir(pytest.Dir):
    """A folder that is a FastFlowTransform project."""

    build_run: BuildRun | None = None

    def collect(self) -> Any:
        state = _state(self)
        self.build_run = state.project_run(self.path)
        for warning in self.build_run.project.warnings:
            self.warn(FFTWarning(warning))
        options = state.options
        if options.start_early and (options.seed or options.run or options.test) \
                and selection_is_final(self.config, self.path):
            self.build_run.start_early(seed=options.seed, run=options.run, test=options.test,
                                       select=options.select, exclude=options.exclude)
        yield from super().collect()

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        if isinstance(excinfo.value, FFTError):
            return error_text(excinfo.value, _state(self).options.traceback)
        return super().repr_failure(excinfo)


#: Where the implementations of pytest_collection_modifyitems that cannot drop an item of
#: the project come from: pytest itself (its options that deselect are checked beforehand),
#: pytest-fft and pytest-xdist.
_KNOWN_HOOK_MODULES = ("_pytest.", "pytest_fft.", "xdist.")


def selection_is_final(config: pytest.Config, root: Path) -> bool:
    """Whether the project's nodes of the requested kinds will all be items: no conftest.py in
    the project, and no other plugin or conftest.py that implements
    ``pytest_collection_modifyitems`` (which could deselect some)."""
    import types

    for impl in config.pluginmanager.hook.pytest_collection_modifyitems.get_hookimpls():
        plugin = impl.plugin
        module = (plugin.__name__ if isinstance(plugin, types.ModuleType)
                  else type(plugin).__module__)
        if not module.startswith(_KNOWN_HOOK_MODULES):
            return False
    return not _has_conftest(root, config.getini("norecursedirs"))


def _has_conftest(root: Path, skip: list[str]) -> bool:
    """Whether pytest would load a conftest.py while collecting ``root``: it does not look
    inside folders matching ``norecursedirs`` (``.*``, ``venv``, ... by default), and
    neither does this walk (a virtualenv in the project costs nothing)."""
    import fnmatch

    for folder, dirs, files in os.walk(root):
        if "conftest.py" in files:
            return True
        dirs[:] = [d for d in dirs if not any(fnmatch.fnmatch(d, p) for p in skip)]
    return False


class FFTWarning(UserWarning):
    """A project file has something we ignore (e.g. an unknown key)."""


class FFTCheckWarning(UserWarning):
    """A data-quality check with ``severity: warn`` found problems."""


class CheckFailed(FFTError):
    """An error-severity data-quality check found problems (the item's failure)."""


class _ProjectFile(pytest.File):
    @property
    def build_run(self) -> BuildRun:
        project_dir = self.getparent(ProjectDir)
        assert project_dir is not None and project_dir.build_run is not None
        return project_dir.build_run


class ModelFile(_ProjectFile):
    def collect(self) -> Any:
        for model in self.build_run.nodes_by_path.get(self.path, ()):
            yield NodeItem.from_parent(self, name=model.name, node_name=model.name,
                                       kind=model.kind, line=model.line, tags=model.tags)


class SeedFile(ModelFile):
    pass


class ChecksFile(ModelFile):
    """``project.yml``: one item per data-quality check under ``tests:``."""


class NodeItem(pytest.Item):
    """One seed or model; passes, fails with the engine's message, or skips upstream."""

    def __init__(self, *, node_name: str, kind: str, line: int, tags: tuple[str, ...],
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.node_name = node_name
        self.kind = kind
        self.line = line
        self.add_marker({"seed": "fft_seed", "check": "fft_check"}.get(kind, "fft_model"))
        self.extra_keyword_matches.update(tags)
        self.extra_keyword_matches.add(kind)

    @property
    def build_run(self) -> BuildRun:
        return self.parent.build_run  # type: ignore[union-attr]

    def runtest(self) -> None:
        result = self.build_run.result(self.node_name)
        if result is None:
            raise NodeFailed(None, f"{self.node_name}: the run ended without building it")
        self.user_properties.append(("fft_status", result.status))
        self.user_properties.append(("fft_duration", round(result.duration, 6)))
        self.user_properties.append(("fft_started", round(result.started_at, 6)))
        if result.rows is not None:
            self.user_properties.append(("fft_rows", result.rows))
        if result.logs:  # records from the executor thread that built this node
            self.add_report_section("call", "fft log", "\n".join(result.logs))
        if self.kind == "check" and result.message:
            self.user_properties.append(("fft_message", result.message))
        if result.status == "error":
            raise NodeFailed(result.error, result.message or "failed")
        if result.status == "fail":
            raise NodeFailed(CheckFailed(result.message or "check failed", file="project.yml",
                                         line=self.line, node=self.node_name),
                             result.message or "check failed")
        if result.status == "warn":
            # Attributed to the check's line in project.yml, not to this module.
            warnings.warn_explicit(FFTCheckWarning(f"{self.node_name}: {result.message}"),
                                   FFTCheckWarning, str(self.path), self.line)
        if result.status == "skipped":
            pytest.skip(result.message or "skipped")  # located at the node: see report_node_item

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        err = excinfo.value
        traceback = _state(self).options.traceback
        if isinstance(err, NodeFailed):
            if err.error is None:
                return err.message
            if not traceback:
                return str(err.error)
            # The Python traceback of what went wrong inside the model, then our summary.
            return error_text(err.error.__cause__ or err.error, True) + "\n" + str(err.error)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, self.line - 1, f"{self.kind} {self.node_name}"


def _nothing() -> None:
    return None


def report_node_item(item: NodeItem) -> bool:
    """Run a node item's protocol without pytest's per-phase machinery.

    A node item's result comes from the executor; it has no fixtures and prints nothing, so
    the setup and teardown hooks, with their capture and logging wrappers, only cost time
    (about a fifth of a millisecond per item: 0.2 s for a thousand checks). The reports are
    pytest's own and go through the usual hooks, so ``-x``, ``--lf``, ``--junitxml``, the
    terminal and xdist see them; the warnings plugin still wraps the whole protocol. The
    reports are built directly: ``pytest_runtest_makereport`` is not called for these items.
    """
    ihook = item.ihook
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    reraise = (pytest.exit.Exception, KeyboardInterrupt)
    for when, func in (("setup", _nothing), ("call", item.runtest), ("teardown", _nothing)):
        call = pytest.CallInfo.from_call(func, when=when, reraise=reraise)  # type: ignore[arg-type]
        report = pytest.TestReport.from_item_and_call(item, call)
        if report.skipped and isinstance(report.longrepr, tuple):
            # At the node's own file and line (``SKIPPED [1] models/x.ff.sql:1: ...``), as a
            # skip raised in a test function is, not at the line of this module that raised it.
            report.longrepr = (os.fspath(item.path), item.line, report.longrepr[2])
        ihook.pytest_runtest_logreport(report=report)
        if report.failed:  # --pdb, and plugins that inspect failures
            ihook.pytest_exception_interact(node=item, call=_at_origin(call), report=report)
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def _at_origin(call: pytest.CallInfo[None]) -> pytest.CallInfo[None]:
    """The failure as it happened on the executor thread: the exception a model raised (or
    the engine's), with its own traceback, so that ``--pdb`` opens in the model's frame."""
    err = call.excinfo.value if call.excinfo is not None else None
    cause = getattr(getattr(err, "error", None), "__cause__", None)
    if not isinstance(err, NodeFailed) or cause is None or cause.__traceback__ is None:
        return call

    def raise_cause() -> None:
        raise cause

    return pytest.CallInfo.from_call(raise_cause, when=call.when)

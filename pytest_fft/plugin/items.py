"""The pytest collectors and items of a FastFlowTransform project.

``ProjectDir`` loads the project once; ``ModelFile``/``SeedFile``/``ChecksFile`` yield one
``NodeItem`` per model, seed or check, with node ids such as ``models/users.ff.sql::users.ff``.
Node items run through pytest's normal protocol: the first one to run starts the project's
executor, and each one's call phase waits for its own node's result. Their reports carry the
node's own build time (see :func:`pytest_fft.plugin.reporting.node_report`).
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_fft.errors import FFTError, FFTWarning
from pytest_fft.plugin.options import error_text
from pytest_fft.plugin.state import FFTState, state_of

if TYPE_CHECKING:
    from pytest_fft.run.executor import NodeResult
    from pytest_fft.run.session import BuildRun


class NodeFailed(Exception):
    """Raised by a node item whose node failed; carries the FFTError to render."""

    def __init__(self, error: FFTError | None, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


def _state(node: pytest.Item | pytest.Collector) -> FFTState:
    return state_of(node.config)


_ROOTDIR_FOLDERS = pytest.StashKey[dict[str, str]]()


def rootdir_relative(session: pytest.Session, path: str | os.PathLike[str]) -> str:
    """``path`` relative to the rootdir (``..`` where it is outside; absolute where it
    cannot be relative, another drive), its folder's part looked up once a session."""
    folders = session.stash.setdefault(_ROOTDIR_FOLDERS, {})
    folder, name = os.path.split(os.path.abspath(path))
    relative = folders.get(folder)
    if relative is None:
        try:
            relative = os.path.relpath(folder, session.config.rootpath)
        except ValueError:
            relative = folder
        folders[folder] = relative
    return name if relative == os.curdir else os.path.join(relative, name)


class ProjectDir(pytest.Directory):
    """A folder that is a FastFlowTransform project: loads it, then collects its entries as
    pytest's own ``Dir`` does (``Dir`` is final, so this is a ``Directory`` of its own)."""

    build_run: BuildRun | None = None

    def collect(self) -> Any:
        state = _state(self)
        try:
            self.build_run = state.project_run(self.path)
        except FFTError as exc:
            if state.options.requested:
                raise  # asked for by an --fft-* option: a collection error, as any other
            # Plain pytest: the project's problem is one failed item, the other tests run.
            yield _load_failure(self, exc)
            yield from self._entries()
            return
        for warning in self.build_run.project.warnings:
            self.warn(FFTWarning(warning))
        options = state.options
        if options.start_early and (options.seed or options.run or options.test
                                    or options.snapshot) \
                and selection_is_final(self.config, self.path):
            self.build_run.start_early(seed=options.seed, run=options.run, test=options.test,
                                       snapshot=options.snapshot,
                                       select=options.select, exclude=options.exclude)
        yield from self._entries()
        if options.seed:
            yield from self._seeds_elsewhere()
        if options.run or options.snapshot:
            yield from self._package_models()

    def _seeds_elsewhere(self) -> Iterator[pytest.Collector]:
        """The seed files of a seed folder other than ``seeds/`` (``FFT_SEEDS_DIR``), which
        the walk of the project's folders does not collect (it may be a hidden folder, or
        outside the project)."""
        assert self.build_run is not None
        default = self.path / "seeds"
        for path in sorted({seed.path for seed in self.build_run.project.seeds.values()
                            if not seed.path.is_relative_to(default)}):
            yield SeedFile.from_parent(self, path=path)

    def _package_models(self) -> Iterator[pytest.Collector]:
        """The model files of the project's packages (packages.yml), which live outside its
        folders: node ids ``packages/<package>/<path in the package>::<model>``."""
        assert self.build_run is not None
        files = {model.path: model.rel_path for model in self.build_run.project.models.values()
                 if model.package is not None}
        for path in sorted(files):
            yield ModelFile.from_parent(self, path=path, nodeid=f"{self.nodeid}/{files[path]}"
                                        if self.nodeid not in ("", ".") else files[path])

    def _entries(self) -> Iterator[pytest.Item | pytest.Collector]:
        """The folder's files and sub-folders, through the usual collection hooks."""
        ihook, session = self.ihook, self.session
        for entry in sorted(os.scandir(self.path), key=lambda e: e.name):
            path = Path(entry.path)
            if entry.is_dir():
                if not session.isinitpath(path, with_parents=True) and ihook.pytest_ignore_collect(
                        collection_path=path, config=self.config):
                    continue
                collector = ihook.pytest_collect_directory(path=path, parent=self)
                if collector is not None:
                    yield collector
            elif entry.is_file():
                if not session.isinitpath(path) and ihook.pytest_ignore_collect(
                        collection_path=path, config=self.config):
                    continue
                yield from ihook.pytest_collect_file(file_path=path, parent=self)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        if isinstance(excinfo.value, FFTError):
            return error_text(excinfo.value, _state(self).options.traceback)
        return super().repr_failure(excinfo)


def _load_failure(project_dir: ProjectDir, error: FFTError) -> pytest.Item | pytest.Collector:
    """The failed item of a project that does not load, in the file the error names when
    that file is the project's (``shop/project.yml::load``), else in the folder."""
    if error.file is not None:
        file = (project_dir.path / error.file).resolve()
        if project_dir.path.resolve() in file.parents and file.is_file():
            return BrokenProjectFile.from_parent(project_dir, path=file, error=error)
    return ProjectLoadFailure.from_parent(project_dir, name="load", error=error)


class BrokenProjectFile(pytest.File):
    """The project file a load error names: it holds the one failed item."""

    def __init__(self, *, error: FFTError, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def collect(self) -> Any:
        yield ProjectLoadFailure.from_parent(self, name="load", error=self.error)


class ProjectLoadFailure(pytest.Item):
    """A project that does not load, as one failed item (under plain ``pytest`` only)."""

    def __init__(self, *, error: FFTError, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        raise self.error

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, FFTError):
            return error_text(excinfo.value, _state(self).options.traceback)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.error.line - 1 if self.error.line and self.path.is_file() else None
        return self.path, line, "project"


#: Where the implementations of pytest_collection_modifyitems that cannot drop an item of
#: the project come from: pytest itself (its options that deselect are checked beforehand),
#: pytest-fft, pytest-xdist, and Hypothesis's plugin (it only marks the tests that use
#: ``@given``; common where data teams test their own code).
_KNOWN_HOOK_MODULES = ("_pytest.", "pytest_fft.", "xdist.", "_hypothesis_pytestplugin")


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

    for _, dirs, files in os.walk(root):
        if "conftest.py" in files:
            return True
        dirs[:] = [d for d in dirs if not any(fnmatch.fnmatch(d, p) for p in skip)]
    return False


class FFTCheckWarning(UserWarning):
    """A data-quality check with ``severity: warn`` found problems."""


class CheckFailed(FFTError):
    """An error-severity data-quality check found problems (the item's failure)."""


class _ProjectFile(pytest.File):
    """A file of a project that loaded (its collectors are not created otherwise)."""

    _build_run: BuildRun | None = None

    @property
    def build_run(self) -> BuildRun:
        # Asked several times by each item of the file (ten a model at N=500): looked up once.
        if self._build_run is None:
            project_dir = self.getparent(ProjectDir)
            assert project_dir is not None and project_dir.build_run is not None
            self._build_run = project_dir.build_run
        return self._build_run


class ModelFile(_ProjectFile):
    def collect(self) -> Any:
        options = _state(self).options
        # fft snapshot run (--fft-snapshot without --fft-run): the snapshots alone.
        only_snapshots = options.snapshot and not options.run and not options.seed
        for model in self.build_run.nodes_by_path.get(self.path, ()):
            if only_snapshots and getattr(model, "materialized", None) != "snapshot":
                continue
            yield NodeItem.from_parent(self, name=model.name, node_name=model.name,
                                       kind=model.kind, line=model.line, tags=model.tags)


class SeedFile(ModelFile):
    pass


class ChecksFile(ModelFile):
    """``project.yml``: one item per data-quality check under ``tests:``."""


class NodeItem(pytest.Item):
    """One seed, model or check: passes, fails with the engine's message, or skips upstream.

    Its call phase waits for the node's result from the executor. Run a second time (by
    pytest-rerunfailures, say) after a failure, it builds the node again.
    """

    def __init__(self, *, node_name: str, kind: str, line: int, tags: tuple[str, ...],
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.node_name = node_name
        self.kind = kind
        self.line = line
        self.result: NodeResult | None = None
        self.attempts = 0
        self.add_marker({"seed": "fft_seed", "check": "fft_check"}.get(kind, "fft_model"))
        self.extra_keyword_matches.update(tags)
        self.extra_keyword_matches.add(kind)

    @property
    def build_run(self) -> BuildRun:
        return self.parent.build_run  # type: ignore[union-attr]

    @property
    def ihook(self) -> Any:
        """pytest's hook proxy for the item's file, looked up once: pytest asks for it about
        ten times an item (each a stat of the file and a conftest lookup), and the conftest
        files of a project's folders are all loaded by the time its items exist."""
        hook = self.__dict__.get("_fft_ihook")
        if hook is None:
            hook = self.__dict__["_fft_ihook"] = self.session.gethookproxy(self.path)
        return hook

    @property
    def location(self) -> tuple[str, int | None, str]:
        """``(path relative to the rootdir, 0-based line, name)``, as pytest's own says it.
        pytest works out the relative path of every file anew (two ``Path`` objects and a
        common prefix), and a model is a file of its own; here each folder's is worked out
        once."""
        found = self.__dict__.get("_fft_location")
        if found is None:
            path, line, name = self.reportinfo()
            found = self.__dict__["_fft_location"] = (
                rootdir_relative(self.session, path), line, name)
        return found

    def runtest(self) -> None:
        self.attempts += 1
        run = self.build_run
        rerun = self.attempts > 1 and self.result is not None and self.result.failed
        try:
            result = run.rebuild(self.node_name) if rerun else run.result(self.node_name)
        except BaseException as exc:
            # Stopped while waiting (pytest-timeout, a signal, Ctrl-C): the node is an error
            # of this run, whatever its build does next, and its statement is interrupted.
            run.abandon(self.node_name, f"{self.node_name}: stopped while building "
                                        f"({type(exc).__name__}: {exc})".strip())
            raise
        if result is None:
            raise NodeFailed(None, f"{self.node_name}: the run ended without building it")
        self.result = result
        run.reported(self.node_name)
        self.user_properties.append(("fft_status", result.status))
        self.user_properties.append(("fft_duration", round(result.duration, 6)))
        self.user_properties.append(("fft_started", round(result.started_at, 6)))
        if result.rows is not None:
            self.user_properties.append(("fft_rows", result.rows))
        if result.note:
            self.user_properties.append(("fft_note", result.note))
        if result.logs:  # records from the executor thread that built this node
            self.add_report_section("call", "fft log", "\n".join(result.logs))
            self._show_live(run)
        if self.kind == "check" and result.message:
            self.user_properties.append(("fft_message", result.message))
        if result.status == "error":
            raise _at_origin(NodeFailed(result.error, result.message or "failed"))
        if result.status == "fail":
            where = Path(self.path).relative_to(self.build_run.root).as_posix()
            raise NodeFailed(CheckFailed(result.message or "check failed", file=where,
                                         line=self.line, node=self.node_name),
                             result.message or "check failed")
        if result.status == "warn":
            # Attributed to the check's line in project.yml, not to this module.
            warnings.warn_explicit(FFTCheckWarning(f"{self.node_name}: {result.message}"),
                                   FFTCheckWarning, str(self.path), self.line)
        if result.status == "skipped":
            pytest.skip(result.message or "skipped")  # located at the node: see reporting

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

    def _show_live(self, run: Any) -> None:
        """With live logs on: the node's records, as if it had been built in this item."""
        from pytest_fft.plugin.options import live_logging

        if live_logging(self.config):
            from pytest_fft.run.node_logs import take_records

            for record in take_records(str(run.project.root), self.node_name):
                logging.getLogger(record.name).handle(record)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        # Not the bare name: pytest's -v line turns the dots of a location's name that ends
        # the node id into "::" (`orders.ff` would read `orders::ff`). IDE names: see ide.py.
        return self.path, self.line - 1, f"{self.kind} {self.node_name}"


def _at_origin(failure: NodeFailed) -> NodeFailed:
    """The failure with the traceback of what a model (or the engine) raised on the executor
    thread, so that ``--pdb`` opens in the model's own frame."""
    cause = getattr(failure.error, "__cause__", None)
    if cause is not None and cause.__traceback__ is not None:
        return failure.with_traceback(cause.__traceback__)
    return failure

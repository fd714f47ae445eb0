"""The pytest seam: options, collection of FastFlowTransform projects, ordering, teardown.

Inert unless a ``--fft-*`` option or an ``fft_*`` ini key is given.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pytest_fft.errors import FFTError
from pytest_fft.plugin.options import FFTOptions, add_options, read_options

STATE_KEY: pytest.StashKey[FFTState] = pytest.StashKey()

MARKERS = {
    "fft_model": "a FastFlowTransform model built by pytest-fft",
    "fft_seed": "a FastFlowTransform seed loaded by pytest-fft",
    "fft_check": "a data-quality check from project.yml run by pytest-fft",
    "fft_utest": "a model unit-test case from tests/unit/*.yml",
}


@dataclass
class FFTState:
    options: FFTOptions
    config: pytest.Config | None = None
    runs: dict[Path, Any] = field(default_factory=dict)  # root -> BuildRun | FFTError

    def is_project(self, path: Path) -> bool:
        from pytest_fft.project.layout import is_project_dir

        if self.options.projects:
            return any(Path(p).resolve() == path.resolve() for p in self.options.projects)
        return is_project_dir(path)

    def project_run(self, root: Path) -> Any:
        """The project's BuildRun, loaded once per session; a load error is raised each time."""
        root = root.resolve()
        if root not in self.runs:
            try:
                self.runs[root] = self._load(root)
            except FFTError as exc:
                self.runs[root] = exc
        found = self.runs[root]
        if isinstance(found, FFTError):
            raise found
        return found

    def _load(self, root: Path) -> Any:
        from pytest_fft.run.cache_policy import CachePolicy
        from pytest_fft.run.session import BuildRun, BuildSettings
        from pytest_fft.run.cache_store import PytestCacheStore
        from pytest_fft.project.parse_cache import ParseCache, load_project_cached
        from pytest_fft.project.profile_snapshot import resolve_profile_cached

        # Unit cases run on private in-memory engines: a run of only those needs no profile
        # (so plain `pytest` works before profiles.yml has the env).
        profile = None
        engine = self.options.engine or "duckdb"
        cache = getattr(self.config, "cache", None)  # absent with -p no:cacheprovider
        parse_cache = ParseCache(cache.mkdir("fft-parse")) if cache is not None else None
        if self.options.needs_warehouse:
            profile = resolve_profile_cached(root, self.options.env, engine=self.options.engine,
                                             cache=parse_cache)
            engine = profile.engine
        project, parse_key = load_project_cached(root, parse_cache, _load_project,
                                                 engine=engine, vars=self.options.vars)
        from pytest_fft.run.gc_policy import freeze_long_lived

        freeze_long_lived()
        settings = BuildSettings(jobs=self.options.jobs, fail_fast=self.options.fail_fast,
                                 cache=CachePolicy(self.options.cache, self.options.rebuild),
                                 wait=self.options.wait)
        run = BuildRun(project=project, profile=profile, settings=settings,
                       parse_cache=parse_cache, parse_key=parse_key)
        if cache is not None and profile is not None:
            run.store = PytestCacheStore.for_project(cache, root, profile.env_name)
        run_dir = getattr(self.config, "workerinput", {}).get("fft_run_dir")
        if run_dir and profile is not None:
            from pytest_fft.run.shared_dir import SharedRunDir

            run.shared = SharedRunDir(Path(run_dir), root)
        return run


def _load_project(root: Path, **kwargs: Any) -> Any:
    from pytest_fft.project.loader import load_project  # only when the parse cache has no copy: Jinja et al.

    return load_project(root, **kwargs)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    options = read_options(config)
    config.stash[STATE_KEY] = FFTState(options, config)
    if options.utest and options.utest_cache == "rw":
        config.pluginmanager.register(UnitCacheRecorder(config), "fft-utest-cache")
    if (options.builds and getattr(config.option, "numprocesses", None)
            and not hasattr(config, "workerinput")):
        config.pluginmanager.register(XdistController(config), "fft-xdist-controller")
    if options.active and (getattr(config.option, "verbose", 0) >= 2 or os.environ.get("FFT_SQL_DEBUG") == "1"):
        logging.getLogger("pytest_fft.sql").setLevel(logging.DEBUG)


def _state(config: pytest.Config) -> FFTState | None:
    state = config.stash.get(STATE_KEY, None)
    return state if state is not None and state.options.active else None


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    state = _state(parent.config)
    if state is None or not state.is_project(path):
        return None
    from pytest_fft.plugin.items import ProjectDir

    return ProjectDir.from_parent(parent, path=path)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    state = _state(parent.config)
    if state is None:
        return None
    from pytest_fft.plugin.items import ChecksFile, ModelFile, ProjectDir, SeedFile
    from pytest_fft.project.names import SEED_SUFFIXES, is_model_file

    project_dir = parent.getparent(ProjectDir)
    if project_dir is None:
        return None
    rel = file_path.relative_to(project_dir.path).parts
    named = bool(state.options.explicit) and file_path.resolve() in state.options.explicit
    if (state.options.run or named) and rel[0] == "models" and is_model_file(file_path):
        return ModelFile.from_parent(parent, path=file_path)
    if ((state.options.seed or named) and rel[0] == "seeds"
            and file_path.suffix.lower() in SEED_SUFFIXES):
        return SeedFile.from_parent(parent, path=file_path)
    if (state.options.test or named) and rel == ("project.yml",):
        return ChecksFile.from_parent(parent, path=file_path)
    if ((state.options.utest or named) and rel[:2] == ("tests", "unit")
            and file_path.suffix in (".yml", ".yaml")):
        from pytest_fft.plugin.unit_items import UnitFile

        return UnitFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = _state(config)
    if state is None:
        return
    if state.options.utest_models or state.options.utest_cases:
        _select_unit_cases(config, state, items)
    if hasattr(config, "workerinput"):
        from pytest_fft.plugin.unit_items import frame_cases_first

        frame_cases_first(items)
    from pytest_fft.plugin.items import NodeItem

    node_items = [i for i in items if isinstance(i, NodeItem)]
    if not node_items:
        return
    if state.options.select or state.options.exclude:
        _apply_selection(config, state, items, node_items)
        node_items = [i for i in items if isinstance(i, NodeItem)]
    # Stable (level, name) order in the slots node items already occupy; other items stay put.
    slots = [index for index, item in enumerate(items) if isinstance(item, NodeItem)]
    ordered = sorted(node_items, key=_order_key)
    for index, item in zip(slots, ordered):
        items[index] = item


def _select_unit_cases(config: pytest.Config, state: FFTState, items: list[pytest.Item]) -> None:
    """``fft utest --model M --case C``: keep the unit cases of those models / names."""
    from pytest_fft.project.names import relation_for
    from pytest_fft.plugin.unit_items import UnitCaseItem

    models = {relation_for(m) for m in state.options.utest_models}
    cases = set(state.options.utest_cases)
    unit_items = [i for i in items if isinstance(i, UnitCaseItem)]
    for wanted, known, what in (
        (models, {relation_for(i.case.model) for i in unit_items}, "model"),
        (cases, {i.case.name for i in unit_items}, "case"),
    ):
        unknown = sorted(wanted - known)
        if unknown:
            raise pytest.UsageError(
                f"no unit case for {what} {unknown[0]!r}; unit cases exist for: "
                f"{', '.join(sorted(known)) or 'none'}")
    keep, drop = [], []
    for item in items:
        if isinstance(item, UnitCaseItem) and (
            (models and relation_for(item.case.model) not in models)
            or (cases and item.case.name not in cases)
        ):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _order_key(item: Any) -> tuple[str, int, str, int, str]:
    """(project, level, name) -- a check sorts right after the (last) node it reads."""
    project = item.build_run.project
    name = item.node_name
    check = project.checks.get(name)
    if check is None:
        return (str(project.root), project.dag.level_of(name), name, 0, "")
    anchor = max(check.deps, key=lambda d: (project.dag.level_of(d), d), default=None)
    if anchor is None:
        return (str(project.root), 0, "", 1, f"{check.line:08d}")
    return (str(project.root), project.dag.level_of(anchor), anchor, 1, f"{check.line:08d}")


def _apply_selection(config: pytest.Config, state: FFTState, items: list[pytest.Item],
                     node_items: list[Any]) -> None:
    wanted: dict[Path, set[str]] = {}
    for item in node_items:
        run = item.build_run
        if run.root not in wanted:
            try:
                wanted[run.root] = run.selection(state.options.select, state.options.exclude)
            except FFTError as exc:
                raise pytest.UsageError(str(exc)) from None
    keep, drop = [], []
    for item in items:
        node_name = getattr(item, "node_name", None)
        if node_name is not None and hasattr(item, "build_run"):
            (keep if node_name in wanted[item.build_run.root] else drop).append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_collection_finish(session: pytest.Session) -> None:
    state = _state(session.config)
    if state is None:
        return
    from pytest_fft.plugin.items import NodeItem

    collected: dict[int, tuple[Any, set[str]]] = {}  # id(BuildRun) -> (run, node names)
    for item in session.items:
        if isinstance(item, NodeItem):
            collected.setdefault(id(item.build_run), (item.build_run, set()))[1].add(
                item.node_name)
            if not item.build_run.started_early:
                item.build_run.nodes.append(item.node_name)
    for run, names in collected.values():
        if run.started_early and names != set(run.nodes):  # cannot happen without a hook
            raise pytest.UsageError(
                f"pytest-fft started building {len(run.nodes)} nodes once the project was "
                f"loaded, but pytest collected {len(names)}: a plugin or conftest.py hook "
                "changed the selection. Add `-k \"not fft_none\"` to the command (after `--` "
                "for fft): the build then waits for the collected items")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """Seed, model and check items report their node's result without pytest's per-phase
    machinery (see :func:`pytest_fft.plugin.items.report_node_item`); every other item, unit cases
    included, runs the full protocol."""
    from pytest_fft.plugin.items import NodeItem, report_node_item

    return report_node_item(item) if isinstance(item, NodeItem) else None


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """Start every project's executor as the test loop begins: builds overlap with pytest's
    own per-item work instead of waiting for the first item."""
    state = _state(session.config)
    if state is None or session.config.option.collectonly:
        return
    for run in state.runs.values():
        if getattr(run, "nodes", None):
            run.ensure_started()


@pytest.fixture
def fft_unit_engine(request: pytest.FixtureRequest) -> Any:
    """A private, empty engine for one unit case (by default a scratch schema of an in-memory
    DuckDB, unique to the case and the process, dropped afterwards).

    Precedence of the engine: ``--fft-engine`` (``fft utest --engine``), then the spec's
    ``engine:``, then DuckDB. Override this fixture in a project's conftest.py to bring your
    own engine object (it must follow ``pytest_fft.engines.Engine``).
    """
    from pytest_fft.errors import EngineNotInstalledError

    state = request.config.stash[STATE_KEY]
    case = getattr(request.node, "case", None)
    engine_name = state.options.engine or (case.engine if case is not None else None) or "duckdb"
    if engine_name != "duckdb":
        # Handed to the case, which raises it: a failure of the case with our one-line
        # message, not a fixture-setup error with a traceback.
        yield EngineNotInstalledError(
            f"unit tests on {engine_name!r} are not available yet",
            hint="run them on DuckDB (drop engine:/--engine), the default")
        return
    from pytest_fft.engines.duckdb import DuckDBEngine

    engine = DuckDBEngine.scratch()
    yield engine
    engine.close()


UTEST_CACHE_KEY = "fft/utest/fingerprints"
"""pytest-cache key: node id of a unit case -> fingerprint of its last pass (profile "utest").
Node ids are relative to the rootdir, whose cache directory this is, so they are unique."""


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    """A cached node passes with its own status: "N passed, M cached", CACHED with -v."""
    if report.when == "call" and report.passed and (
            ("fft_status", "cached") in report.user_properties):
        return "cached", "c", "CACHED"
    return None


class XdistController:
    """On the pytest-xdist controller: a run directory for the workers, and pytest's cache
    written from what the building worker left there (only the controller writes it)."""

    def __init__(self, config: pytest.Config) -> None:
        import tempfile

        self.config = config
        self.run_dir = Path(tempfile.mkdtemp(prefix="fft-run-"))

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["fft_run_dir"] = str(self.run_dir)

    def pytest_sessionfinish(self) -> None:
        import json
        import shutil

        cache = getattr(self.config, "cache", None)
        for store in sorted(self.run_dir.glob("*/store.json")):
            saved = json.loads(store.read_text(encoding="utf-8"))
            if cache is not None and saved.get("key"):
                cache.set(saved["key"], saved["data"])
        shutil.rmtree(self.run_dir, ignore_errors=True)


class UnitCacheRecorder:
    """Collects the fingerprints of passing unit cases where reports arrive (the controller
    under xdist) and writes them to pytest's cache at the end (``--fft-utest-cache rw``)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.passed: dict[str, str] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" and report.passed:
            for key, value in report.user_properties:
                if key == "fft_utest_fp":
                    self.passed[report.nodeid] = value

    def pytest_sessionfinish(self) -> None:
        cache = getattr(self.config, "cache", None)
        if cache is None or not self.passed or hasattr(self.config, "workerinput"):
            return
        cache.set(UTEST_CACHE_KEY, {**cache.get(UTEST_CACHE_KEY, {}), **self.passed})


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = _state(session.config)
    if state is None:
        return
    cancel = exitstatus == pytest.ExitCode.INTERRUPTED or bool(session.shouldstop)

    # Also reached after Ctrl-C: finish() cancels a build that is still running.
    for run in state.runs.values():
        if hasattr(run, "finish"):
            run.finish(cancel=cancel)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    if _state(config) is None:
        return
    from pytest_fft.run.gc_policy import end_of_session

    # Without the unraisable-exception plugin (fft turns it off) nothing collects after us.
    end_of_session(collect_after=config.pluginmanager.has_plugin("unraisableexception"))

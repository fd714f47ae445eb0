"""The plugin's state for one pytest session: the options, and each project's BuildRun.

Kept in ``config.stash[STATE_KEY]``; every other module of the plugin reads it from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_fft.errors import FFTError
from pytest_fft.plugin.options import FFTOptions

if TYPE_CHECKING:
    from pytest_fft.project.dotenv import EffectiveEnvironment
    from pytest_fft.run.session import BuildRun

STATE_KEY: pytest.StashKey[FFTState] = pytest.StashKey()

OWNED_BY_FFT: pytest.StashKey[bool] = pytest.StashKey()
"""Set by the ``fft`` command's reporter: the process runs one session and exits, so the
garbage collector may be kept off long-lived objects (see :mod:`pytest_fft.run.gc_policy`)."""

REMOTE_HOOK_ERRORS: pytest.StashKey[list[FFTError]] = pytest.StashKey()
"""Under pytest-xdist, on the controller: the run-level hooks that failed on the worker that
built (read from the run directory by :mod:`pytest_fft.plugin.xdist`)."""

REMOTE_BUDGET_FINDINGS: pytest.StashKey[list[tuple[str, str]]] = pytest.StashKey()
"""Under pytest-xdist, on the controller: ``(level, text)`` of each budget of budgets.yml the
building worker's run exceeded (read from the run directory by :mod:`pytest_fft.plugin.xdist`)."""

UTEST_CACHE_KEY = "fft/utest/fingerprints"
"""pytest-cache key: node id of a unit case -> fingerprint of its last pass (profile "utest").
Node ids are relative to the rootdir, whose cache directory this is, so they are unique."""


@dataclass
class FFTState:
    options: FFTOptions
    config: pytest.Config | None = None
    runs: dict[Path, BuildRun | FFTError] = field(default_factory=dict)

    def is_project(self, path: Path) -> bool:
        from pytest_fft.project.layout import is_project_dir

        if self.options.projects:
            return any(Path(p).resolve() == path.resolve() for p in self.options.projects)
        return is_project_dir(path)

    @property
    def owned_by_fft(self) -> bool:
        return self.config is not None and self.config.stash.get(OWNED_BY_FFT, False)

    def project_run(self, root: Path) -> BuildRun:
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

    def build_runs(self) -> list[BuildRun]:
        """The projects of the session that loaded."""
        return [run for run in self.runs.values() if not isinstance(run, FFTError)]

    def project_root_for(self, path: Path) -> Path:
        """The project a user's test belongs to: the one it lives in, else the session's only
        project (or the first ``fft_project``)."""
        from pytest_fft.project.layout import find_project_root

        found = find_project_root(path)
        if found is not None:
            return found.resolve()
        loaded = [root for root, run in self.runs.items() if not isinstance(run, FFTError)]
        if len(loaded) == 1:
            return loaded[0]
        if self.options.projects:
            return Path(self.options.projects[0]).resolve()
        raise FFTError(
            f"{path} is not inside a FastFlowTransform project, and this session has "
            f"{len(loaded) or 'no'} project{'s' if len(loaded) != 1 else ''} to choose from",
            hint="put the test inside the project folder, or name the project with the "
                 "fft_project ini key")

    def _load(self, root: Path) -> BuildRun:
        from pytest_fft.engines.registry import DEFAULT_ENGINE
        from pytest_fft.plugin.environment import export_dotenv
        from pytest_fft.project.dotenv import effective_environment
        from pytest_fft.project.parse_cache import ParseCache, load_project_cached
        from pytest_fft.project.profile_snapshot import resolve_profile_cached
        from pytest_fft.run.building import SnapshotOptions
        from pytest_fft.run.cache_policy import CachePolicy
        from pytest_fft.run.cache_store import PytestCacheStore
        from pytest_fft.run.session import BuildRun, BuildSettings

        # The .env files' values, for Python models and macros as for the profile.
        layered = effective_environment(root, self.options.env)
        export_dotenv(self.config, layered.loaded)
        if self.options.offline or self.options.http_cache:
            from pytest_fft.api.settings import cli_environment
            from pytest_fft.plugin.environment import set_for_session

            set_for_session(self.config, cli_environment(offline=self.options.offline,
                                                         cache_mode=self.options.http_cache))
        # Unit cases run on private in-memory engines: a run of only those needs no profile
        # (so plain `pytest` works before profiles.yml has the env).
        profile = None
        engine = self.options.engine or DEFAULT_ENGINE
        cache = getattr(self.config, "cache", None)  # absent with -p no:cacheprovider
        parse_cache = ParseCache.in_pytest_cache(cache) if cache is not None else None
        if self.options.needs_warehouse:
            profile = resolve_profile_cached(root, self.options.env, engine=self.options.engine,
                                             cache=parse_cache, layered=layered)
            engine = profile.engine
            profile_vars = profile.vars
        else:
            profile_vars = _profile_vars(root, layered, self.options.engine, parse_cache)
        # var(): project.yml < the profile's vars < --vars.
        vars_ = {**profile_vars, **(self.options.vars or {})} or self.options.vars
        # --fft-cache off and --fft-rebuild promise a fresh build: the project is rendered
        # again too (a render may read what the parse cache cannot see).
        project, parse_key = load_project_cached(
            root, parse_cache, _load_project, engine=engine, vars=vars_,
            refresh=self.options.cache == "off" or bool(self.options.rebuild))
        from pytest_fft.run import gc_policy

        gc_policy.freeze()  # see gc_policy: thawed before any test that is not ours runs
        settings = BuildSettings(jobs=self.options.jobs, fail_fast=self.options.fail_fast,
                                 full_refresh=self.options.full_refresh,
                                 snapshots=(SnapshotOptions(self.options.keep_last,
                                                            self.options.dry_run)
                                            if self.options.snapshot else None),
                                 cache=CachePolicy(self.options.cache, self.options.rebuild),
                                 wait=self.options.wait)
        _warn_unmatched_rebuilds(project, self.options.rebuild)
        run = BuildRun(project=project, profile=profile, settings=settings,
                       parse_cache=parse_cache, parse_key=parse_key, env=self.options.env,
                       engine_override=self.options.engine)
        if cache is not None and profile is not None:
            run.store = PytestCacheStore.for_project(cache, root, profile.env_name)
        if self.config is not None:
            from pytest_fft.plugin.sdk_events import PluginEvents

            run.events = PluginEvents(self.config, run.hook_errors)
        run_dir = getattr(self.config, "workerinput", {}).get("fft_run_dir")
        if run_dir and profile is not None:
            from pytest_fft.run.shared_dir import SharedRunDir

            run.shared = SharedRunDir(Path(run_dir), root)
        return run


def _warn_unmatched_rebuilds(project: Any, globs: tuple[str, ...]) -> None:
    """A ``--fft-rebuild`` glob that names no seed or model (a typo, ``'['``) is said, not
    silently ignored."""
    if not globs:
        return
    import warnings

    from pytest_fft.errors import FFTWarning
    from pytest_fft.run.cache_policy import CachePolicy

    buildable = [*project.seeds, *project.models]
    for glob in globs:
        if not any(CachePolicy("rw", (glob,)).forced(name) for name in buildable):
            warnings.warn(FFTWarning(
                f"--fft-rebuild {glob!r} matches no seed or model of {project.config.name}; "
                "it rebuilds nothing (globs match node names such as users.ff or 'mart_*')"),
                stacklevel=2)


def _profile_vars(root: Path, layered: EffectiveEnvironment, engine: str | None,
                  parse_cache: Any) -> Mapping[str, Any]:
    """The ``vars:`` of the env's profile in a session that needs no profile (unit cases
    only), so models render with the same var() values as in a build; nothing when the
    profile has none or cannot be resolved (the session needs no warehouse)."""
    try:
        if b"vars" not in (root / "profiles.yml").read_bytes():
            return {}
    except OSError:
        return {}
    from pytest_fft.project.profile_snapshot import resolve_profile_cached

    try:
        return resolve_profile_cached(root, layered.env_name, engine=engine, cache=parse_cache,
                                      layered=layered).vars
    except FFTError:
        return {}


def _load_project(root: Path, **kwargs: Any) -> Any:
    from pytest_fft.project.loader import load_project  # when the parse cache has no copy

    return load_project(root, **kwargs)


def run_hook_errors(config: pytest.Config) -> list[str]:
    """The text of each run-level hook of the session that failed (``on_run_start``,
    ``on_run_end``: errors of the run, not of an item), with the Python traceback behind it
    under ``FFT_TRACE=1``/``--fft-tb``; what makes the session fail."""
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return []
    from pytest_fft.plugin.options import error_text

    errors = [e for run in state.build_runs() for e in run.hook_errors]
    texts = []
    for error in errors:
        cause = error.__cause__
        text = str(error)
        if state.options.traceback and cause is not None:
            text = error_text(cause, True) + "\n" + text
        texts.append(text)
    return texts + [str(e) for e in config.stash.get(REMOTE_HOOK_ERRORS, [])]


def run_budget_findings(config: pytest.Config) -> list[tuple[str, str]]:
    """``(level, text)`` of each run budget of budgets.yml the session's builds exceeded
    (``warn``: shown; ``error``: the session fails), from this process's runs or, under
    pytest-xdist, from the worker that built."""
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return []
    remote: list[tuple[str, str]] = config.stash.get(REMOTE_BUDGET_FINDINGS, [])
    return [found for run in state.build_runs() for found in run.budget_texts()] + remote


def state_of(config: pytest.Config) -> FFTState:
    return config.stash[STATE_KEY]


def active_state(config: pytest.Config) -> FFTState | None:
    state = config.stash.get(STATE_KEY, None)
    return state if state is not None and state.options.active else None

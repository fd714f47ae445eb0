"""One project's build within a pytest session: profile, engine, executor, results.

Created on the main thread at collection; the executor starts when the first node item
runs, and items wait for their own node's result.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from pytest_fft.engines import create_engine, find_engine_spec
from pytest_fft.engines.capabilities import AuditTable, capability
from pytest_fft.engines.relations import ExistingRelations
from pytest_fft.errors import ArtifactWarning, AuditTableWarning, FFTError
from pytest_fft.project.profile_snapshot import ResolvedProfile
from pytest_fft.project.records import Node, Project
from pytest_fft.run import plan
from pytest_fft.run.building import SnapshotOptions
from pytest_fft.run.cache_policy import CachePolicy
from pytest_fft.run.cache_store import FingerprintStore, MemoryStore
from pytest_fft.run.events import RunEvents, RunInfo, run_status
from pytest_fft.run.executor import Executor, NodeResult, ResultBoard
from pytest_fft.run.fingerprint import SqlNormalizer
from pytest_fft.run.shared_dir import FileBoard, SharedRunDir

START_FAILED = "the run could not start"


def unexpected_start_error(exc: Exception) -> FFTError:
    """An error nobody foresaw while the run started (opening the engine, listing its
    relations, reading the build cache), as one clear error instead of a traceback."""
    text = str(exc).strip() or type(exc).__name__
    return FFTError(f"{START_FAILED}: {type(exc).__name__}: {text}",
                    hint="set FFT_TRACE=1 to see the traceback")


def not_started(error: str, env: str) -> str:
    """What a run that could not start says of itself, given its error's text: its
    warehouse could not be opened, or something else failed (:func:`unexpected_start_error`)."""
    if error.startswith(START_FAILED):
        return f"the run of env {env!r} could not start"
    return f"the warehouse of env {env!r} could not be opened"


@dataclass
class BuildSettings:
    jobs: int = 1
    fail_fast: bool = False
    full_refresh: bool = False  # incremental models are built in full
    snapshots: SnapshotOptions | None = None  # None: snapshot models are left alone
    cache: CachePolicy = field(default_factory=lambda: CachePolicy("rw"))
    wait: float = 0.0  # seconds to wait for a database another process holds


@dataclass
class BuildRun:
    project: Project
    profile: ResolvedProfile | None  # None when only unit cases run
    settings: BuildSettings
    nodes: list[str] = field(default_factory=list)  # what the collected items ask for
    board: ResultBoard | FileBoard = field(default_factory=ResultBoard)
    startup_error: FFTError | None = None
    _startup_reported: str | None = None  # the node whose item shows the startup error
    _executor: Executor | None = None
    _engine: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    store: FingerprintStore = field(default_factory=MemoryStore)
    fingerprints: dict[str, str] = field(default_factory=dict)
    _stored: dict[str, Any] = field(default_factory=dict)
    _normalizer: SqlNormalizer | None = None
    _warming: threading.Thread | None = None  # normalises SQL while a cold run builds
    _existing: ExistingRelations | None = None
    shared: SharedRunDir | None = None  # under pytest-xdist: the run directory of the workers
    _builder_lock: Any = None
    parse_cache: Any = None  # ParseCache of the session, for what is derived from the project
    parse_key: str = ""  # the project's inputs digest in that cache
    _follower: bool = False
    started_early: bool = False  # see start_early: the items must match self.nodes
    _start_failure: BaseException | None = None  # see ensure_started(keep_failure=True)
    env: str | None = None  # --fft-env, for a profile resolved only when a test reads
    engine_override: str | None = None  # --fft-engine
    _settled: bool = False  # the build is over: audit rows written, the writer closed
    _reader: Any = None  # the read-only engine of users' tests (fft_engine)
    _rebuilding: threading.Lock = field(default_factory=threading.Lock)
    _reported: set[str] = field(default_factory=set)  # nodes whose item has its result
    _listeners: list[Any] = field(default_factory=list)  # see subscribe
    _listening: threading.Lock = field(default_factory=threading.Lock)
    hooks: Any = None  # run.hooks.RunHooks of this run, when the project has hooks
    hook_errors: list[FFTError] = field(default_factory=list)  # run-level hooks that failed
    events: RunEvents | None = None  # the plugin SDK's listeners (None: nobody listens)
    _run_info: RunInfo | None = None  # what events were told when the build started
    budgets: Any = None  # run.budgets.Budgets of budgets.yml, when it has run budgets
    budget_findings: list[Any] = field(default_factory=list)  # run.budgets.Finding
    budget_error: FFTError | None = None  # budgets.yml could not be read: the run fails

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
        spec = find_engine_spec(engine)
        return spec.abbrev if spec is not None else engine.upper()

    def ensure_started(self, *, keep_failure: bool = False) -> None:
        """Open the engine, decide what is cached and start the executor, once.

        ``keep_failure`` (the early start's thread): an unexpected exception is kept and
        raised again to whoever asks next (an item, on pytest's thread), instead of dying
        with the thread and leaving the items waiting.
        """
        if self._executor is not None and self._start_failure is None:
            return  # started: every item asks, and needs no lock for the answer
        with self._lock:
            if self._start_failure is not None:
                raise self._start_failure
            if self._executor is not None or self.startup_error is not None or self._follower:
                return
            if self.shared is not None and not self._become_builder():
                return
            assert self.profile is not None, "builds resolve the profile when collecting"
            try:
                self._open_engine()
                skip = self._cache_decisions()
            except FFTError as exc:
                self._refuse_start(exc)
                return
            except BaseException as exc:
                # Anything else is one error of the run, unless FFT_TRACE=1 asks for the
                # traceback; a KeyboardInterrupt always goes on (the early start's thread
                # keeps it for the next item to raise).
                if isinstance(exc, Exception) and os.environ.get("FFT_TRACE") != "1":
                    self._refuse_start(unexpected_start_error(exc))
                    return
                if keep_failure:
                    self._start_failure = exc
                    return
                raise
            assert isinstance(self.board, ResultBoard)  # a builder's own board
            blocked = self._missing_upstream()
            refused = self._start_hooks()
            if refused is None:
                self._unclaim(skip, blocked)
            on_start = None
            if self.events is not None:
                wanted = set(self.nodes)
                info = self._run_info = RunInfo(
                    self.project, self.profile.env_name, self.profile.engine,
                    tuple(n for n in self.project.dag.order if n in wanted),
                    self.settings.jobs)
                self.events.run_started(info)
                on_start = partial(self.events.node_started, info)
            self._read_budgets()
            self._executor = Executor(
                self.project, self._engine, self.nodes, jobs=self.settings.jobs,
                fail_fast=self.settings.fail_fast, board=self.board,
                full_refresh=self.settings.full_refresh, snapshots=self.settings.snapshots,
                env_name=self.profile.env_name, skip=set(skip), blocked=blocked,
                on_result=self._on_result,
                # Users' tests (and other workers) may read the warehouse once it is built.
                on_done=self._settle, hooks=self.hooks, on_start=on_start,
                budgets=self.budgets,
            )
            if refused is not None:  # every node is skipped with the reason
                self._executor.stop_starting(refused)
            self._executor.start()

    def _refuse_start(self, exc: FFTError) -> None:
        """The run cannot start: every node of it fails with ``exc``."""
        self.startup_error = exc
        self.board.close()
        if self.shared is not None:  # the other pytest-xdist workers learn it
            self.shared.write_startup_error(exc)
            self.shared.mark_done()

    def _read_budgets(self) -> None:
        """``budgets.yml``'s run budgets (``total``, ``models``, ``tags``) of a run that builds
        models; a file that cannot be read fails the run (see :meth:`_check_budgets`), its
        models still build (those it guards report the same error)."""
        if not any(n in self.project.models for n in self.nodes):
            return
        from pytest_fft.run.budgets import load_budgets

        try:
            budgets = load_budgets(self.root)
        except FFTError as exc:
            self.budget_error = exc
            return
        if budgets is not None and budgets.has_run_budgets:
            self.budgets = budgets

    def _check_budgets(self) -> None:
        """After the build: the budgets its statistics exceed (warnings and errors)."""
        if self.budgets is None:
            return
        from pytest_fft.run.budgets import evaluate

        results = self.board.all()
        built = [r for name in self.project.dag.order
                 if (r := results.get(name)) is not None and name not in self.project.checks]
        entries = [{"name": r.name, "bytes_scanned": r.bytes_scanned,
                    "query_duration_ms": r.query_duration_ms} for r in built]
        tags = {r.name: self.project.node(r.name).tags for r in built}
        self.budget_findings = evaluate(self.budgets, entries, tags)

    def budget_texts(self) -> list[tuple[str, str]]:
        """``(level, text)`` of each budget this run exceeded, and of a budgets.yml that
        could not be read (an error)."""
        out = [(f.level, f.text()) for f in self.budget_findings]
        if self.budget_error is not None:
            out.append(("error", str(self.budget_error)))
        return out

    def _start_hooks(self) -> str | None:
        """Prepare the hooks of a run that builds models and run ``on_run_start``; the
        reason nothing may build when that fails (the error is the run's, in hook_errors).
        A run of seeds or checks alone (``fft seed``, ``fft test``) runs no hooks."""
        if not self.project.config.hooks and not any(
                m.config.get("pre_hook") or m.config.get("post_hook")
                or (m.meta and (m.meta.get("pre_hook") or m.meta.get("post_hook")))
                for m in self.project.models.values()):
            return None
        if not any(n in self.project.models for n in self.nodes):
            return None
        from pytest_fft.run.hooks import RunHooks

        assert self.profile is not None
        spec = find_engine_spec(self.profile.engine)
        try:
            self.hooks = RunHooks.prepare(
                self.project, env_name=self.profile.env_name, engine_name=self.profile.engine,
                dialect=spec.sqlglot_dialect if spec is not None else self.profile.engine,
                nodes=self.nodes)
            if self.hooks is not None:
                self.hooks.start(self._engine)
        except FFTError as exc:  # a HookError, or a macro file the hooks' Jinja loads
            self.hook_errors.append(exc)
            return "not run: the run's hooks failed (see the run's error)"
        return None

    def _end_hooks(self) -> None:
        """``on_run_end``, once, when every node has its result (not after a failed
        ``on_run_start``: that run never started)."""
        if self.hooks is None or not self.hooks.started or self.hooks.ended:
            return
        from pytest_fft.errors import HookError

        try:
            self.hooks.end(self._engine, self.board.all())
        except HookError as exc:
            self.hook_errors.append(exc)

    def selection(self, select: tuple[str, ...], exclude: tuple[str, ...]) -> set[str]:
        """The node names ``--fft-select``/``--fft-exclude`` keep (FFTError on a bad token)."""
        from pytest_fft.project.selection import select_nodes

        tokens = (*select, *exclude)
        modified = (self.modified_nodes()
                    if self.profile is not None and any("state:" in t for t in tokens) else None)
        return select_nodes(self.project, select, exclude, modified)

    def start_early(self, *, seed: bool, run: bool, test: bool, select: tuple[str, ...],
                    exclude: tuple[str, ...], snapshot: bool = False) -> bool:
        """``fft`` with no pytest arguments: every seed, model and check of the requested kinds
        (narrowed by --select/--exclude) becomes an item, so the build can start as soon as
        the project is loaded, and pytest creates the items while it runs. False (and nothing
        started) when the selection is invalid: the usual path reports that."""
        models = [n for n, m in self.project.models.items()
                  if run or (snapshot and getattr(m, "materialized", None) == "snapshot")]
        if snapshot and not run and seed:  # fft build: every model (snapshots taken too)
            models = list(self.project.models)
        names = [*(self.project.seeds if seed else ()), *models,
                 *(self.project.checks if test else ())]
        if select or exclude:
            try:
                wanted = self.selection(select, exclude)
            except FFTError:
                return False
            names = [n for n in names if n in wanted]
        self.nodes = names
        self.started_early = True
        if not names:
            return True  # the selection keeps nothing: no build, so no database to open
        # On a thread of its own: opening the database and deciding what is cached overlap
        # with pytest creating the items (an item waits on the lock until the build runs).
        threading.Thread(target=self.ensure_started, kwargs={"keep_failure": True},
                         name="fft-start", daemon=True).start()
        return True


    def _become_builder(self) -> bool:
        """Under xdist: this worker builds (it holds the project's lock) or reads the builder's
        result files (another worker builds)."""
        assert self.shared is not None
        # A worker that asks after the builder finished (and let go of the lock) reads its
        # results: the project is built (or could not be) once per run.
        self._builder_lock = None if self.shared.done_path.exists() else \
            self.shared.elect_builder()
        if self._builder_lock is not None and self.shared.done_path.exists():
            self._builder_lock.release()  # it finished between the look and the lock
            self._builder_lock = None
        if self._builder_lock is None:
            self._follower = True
            self.board = self.shared.board()
            return False
        return True

    def _open_engine(self) -> Any:
        if self._engine is None:
            assert self.profile is not None, "builds resolve the profile when collecting"
            self._engine = self._checks_engine() or create_engine(self.profile.profile,
                                                                   wait=self.settings.wait)
        return self._engine

    def _checks_engine(self) -> Any:
        """A run of checks alone reads the warehouse read-only where the engine has such a
        mode: a check can change nothing, and readers (another ``fft test``, a BI tool)
        may read at the same time. A warehouse that does not exist yet is not created to
        find it empty: that is the run's error. None when the run builds, or the warehouse
        cannot be opened read-only (the writer's error is then the one to report)."""
        from pytest_fft.engines import warehouse_exists
        from pytest_fft.errors import ProfileError

        assert self.profile is not None
        if not self.nodes or any(n not in self.project.checks for n in self.nodes):
            return None
        profile = self.profile.profile
        if not warehouse_exists(profile):
            raise ProfileError(
                f"the warehouse of env {self.profile.env_name!r} does not exist yet: there is "
                "nothing to check",
                hint="build it first: fft build (or fft seed, then fft run), or add "
                     "--fft-seed --fft-run to pytest")
        try:
            return create_engine(profile, wait=self.settings.wait, read_only=True)
        except FFTError:
            return None  # the writer's error (a lock, a bad path) is the one to report

    def _existing_relations(self) -> ExistingRelations:
        """The relations of the warehouse, fetched once per run (one metadata query);
        ``relation in`` them compares as the engine identifies relations."""
        if self._existing is None:
            self._existing = self._open_engine().existing_relations()
        return self._existing

    def _fingerprints(self, building: set[str] | None) -> dict[str, str]:
        """Fingerprints of the project now. With ``building`` (the nodes this run builds),
        every other node counts as it is in the warehouse: as its last build left it, so a
        seed file edited but not loaded yet does not count as loaded."""
        from pytest_fft.run.fingerprint import EnvContext, fingerprints

        self._load_store()
        assert self.profile is not None and self._normalizer is not None
        if self._warming is not None:
            self._warming.join()
        env = EnvContext.of_run(self.project, self.profile, os.environ)
        as_built = {}
        if building is not None:
            as_built = {n: fp for n, fp in self._stored.get("nodes", {}).items()
                        if n not in building and n in self.project.dag}
        return fingerprints(self.project, env, normalize=self._normalizer, fixed=as_built)

    def _load_store(self) -> None:
        if self._normalizer is None:
            assert self.profile is not None
            self._stored = self.store.load()
            self._normalizer = SqlNormalizer(self.profile.engine, self._stored.get("sql_memo"))

    def modified_nodes(self) -> set[str]:
        """``state:modified``: models and seeds whose fingerprint differs from the last build
        of this env, or whose relation is missing."""
        current = self._fingerprints(None)
        return plan.modified_nodes(self.project, current, self._stored.get("nodes", {}),
                                   self._existing_relations())

    def _cache_decisions(self) -> frozenset[str]:
        """Fingerprint every node (main thread, before any build) and pick the skippable."""
        if all(n in self.project.checks for n in self.nodes):
            return frozenset()  # checks are never cached: a run of checks needs no fingerprint
        self._load_store()
        stored = self._stored.get("nodes", {})
        if plan.is_cold(self.settings.cache, self.nodes, stored):
            # Fingerprint at the end (see _settle), parsing the SQL meanwhile.
            assert self._normalizer is not None
            self._warming = self._normalizer.warm_in_background(
                [m.sql for n in self.nodes if (m := self.project.models.get(n)) is not None
                 and m.kind == "sql" and m.sql])
            # Listed anyway, as a warm run does: an engine may create a relation it found
            # missing without the work of replacing one (PostgreSQL: one statement).
            self._existing_relations()
            return frozenset()
        self.fingerprints = self._fingerprints(set(self.nodes))
        return plan.cached_nodes(self.project, self.nodes, self.settings.cache,
                                 self.fingerprints, stored, self._existing_relations())

    def _unclaim(self, skip: frozenset[str], blocked: Mapping[str, str]) -> None:
        """Before any relation is touched: the nodes this run may build lose their stored
        claim, on disk (see :mod:`pytest_fft.run.cache_store`), so that no interruption can
        leave a relation claimed by the fingerprint of what it held before."""
        claimed = self._stored.get("nodes", {})
        self.store.forget(n for n in self.nodes if n in claimed and n not in skip
                          and n not in blocked)

    def subscribe(self, listener: Any) -> None:
        """``listener(result)`` for every node result of this process's build as it
        happens (on the executor's threads), the ones already there first: how ``fft``
        prints a line per node as it finishes, whatever the order of the items."""
        with self._listening:
            for result in self.board.all().values() if isinstance(self.board,
                                                                   ResultBoard) else ():
                listener(result)
            self._listeners.append(listener)

    def _on_result(self, result: NodeResult) -> None:
        """A node's result, as it happens: a built node's claim is stored at once (when
        its fingerprint is known before the build), listeners and other workers are told."""
        if self._listeners:
            with self._listening:
                for listener in self._listeners:
                    listener(result)
        if self.events is not None and self._run_info is not None:
            self.events.node_finished(self._run_info, result)
        fingerprint = self.fingerprints.get(result.name)
        if (result.status == "success" and fingerprint is not None
                and self.settings.cache.writes and self._warming is None
                and plan.built_by(self.project, result.name) is not None):
            self.store.built(result.name, fingerprint)
        if self.shared is not None:
            self.shared.write_result(result)

    def _missing_upstream(self) -> dict[str, str]:
        """Selected nodes whose unselected parents have no relation: they fail with the fix."""
        left_alone = ({n for n in self.nodes
                       if getattr(self.project.models.get(n), "materialized", None) == "snapshot"}
                      if self.settings.snapshots is None else set())
        selected = set(self.nodes) - left_alone
        if all(p in selected for n in self.nodes for p in self.project.dag.parents[n]):
            return {}  # every parent is built by this run: no metadata query needed
        return plan.missing_parents(self.project, self.nodes, self._existing_relations(),
                                    persistent=self._open_engine().persistent,
                                    left_alone=left_alone)

    def result(self, name: str) -> NodeResult | None:
        self.ensure_started()
        if self._follower:  # under pytest-xdist, another worker builds
            if self.startup_error is None:
                result = self.board.wait(name)
                if result is not None and result.status != "error":
                    return result  # built: the builder started
                assert self.shared is not None
                self.startup_error = self.shared.read_startup_error()
                if self.startup_error is None:
                    return result
            return self._not_run(name, "by the pytest-xdist worker that builds the project")
        if self.startup_error is not None:
            # Nothing ran. The first item shows the error; the others point at it instead
            # of repeating it.
            with self._lock:
                if self._startup_reported is None:
                    self._startup_reported = name
                first = self._startup_reported
            if first == name:
                return NodeResult(name, "error", message=self.startup_error.message,
                                  error=self.startup_error)
            return self._not_run(name, f"on {first}")
        return self.board.wait(name)

    def _not_run(self, name: str, reported: str) -> NodeResult:
        env = self.profile.env_name if self.profile is not None else "?"
        why = not_started(self.startup_error.message if self.startup_error else "", env)
        return NodeResult(name, "skipped",
                          message=f"not run: {why} (the error is reported {reported})")

    def rebuild(self, name: str) -> NodeResult | None:
        """Build ``name`` again (its item runs again after a failure); where another process
        builds (xdist), its result as it is."""
        self.ensure_started()
        if self._executor is None:
            return self.result(name)
        with self._rebuilding:  # the build is not over while this runs (see _settle)
            with self._lock:
                if self._settled:  # the writer was released for readers: take it back
                    self._settled = False
                    self._close_reader()
                self._executor.engine = self._open_engine()
            result = self._executor.rebuild(name)
        if self.board.finished:
            self._settle()
        return result

    def abandon(self, name: str, message: str) -> None:
        """``name``'s item stopped waiting (a timeout, a signal): an error of this run."""
        if self._executor is not None:
            self._executor.abandon(name, message)

    def stop_starting(self, reason: str) -> None:
        """pytest stopped early: no new node starts; returns when the running ones are done."""
        if self._executor is not None:
            self._executor.stop_starting(reason)

    def peek(self, name: str) -> NodeResult | None:
        """The node's result if there is one already (never waits)."""
        return self.board.get(name)

    def reported(self, name: str) -> None:
        """The item of ``name`` has its result. Once every node's item has one, the build is
        settled before the next test runs: a test after the last node item may open its own
        connection to the warehouse."""
        self._reported.add(name)
        if len(self._reported) == len(self.nodes) and self._executor is not None:
            self.wait_built()

    def wait_built(self) -> None:
        """Until this session's build of the project is over (every node has its result and
        the warehouse is released for readers)."""
        if not self.nodes:
            return
        self.ensure_started()
        if self._executor is not None:
            self._executor.wait_settled()
            self._settle()
        else:  # another pytest-xdist worker builds, or the engine did not start
            self.board.wait_done()

    def reader(self) -> Any:
        """The engine users' tests read the warehouse with, after the build: read-only where
        the engine has such a mode, so other processes and connections can read too."""
        from pytest_fft.engines import create_engine

        self.wait_built()
        with self._lock:
            if self._reader is None:
                profile = self.profile
                if profile is None:  # no build in this session: resolve the env now
                    from pytest_fft.project.profile_snapshot import resolve_profile_cached

                    profile = resolve_profile_cached(self.root, self.env,
                                                     engine=self.engine_override,
                                                     cache=self.parse_cache)
                # A writer of another session (a second pytest, fft) may be finishing: wait
                # for it a little, as a user opening the warehouse by hand would.
                self._reader = create_engine(profile.profile, wait=max(self.settings.wait, 30),
                                             read_only=True)
            return self._reader

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _settle(self) -> None:
        """The build is over: compute what a cold run deferred, write the audit rows, close
        the writer, and tell waiting workers; once."""
        with self._rebuilding, self._lock:
            if self._settled or self._follower:
                return
            self._settled = True
            if self._warming is not None:  # deferred by _cache_decisions
                self.fingerprints = self._fingerprints(set(self.nodes))
                self._warming = None
            if self._engine is not None:
                self._record_builds(self.board.all())
                self._end_hooks()
                _close_engine(self._engine)
                self._engine = None
                self._check_budgets()
            if self.shared is not None and self._builder_lock is not None:
                if self.hook_errors:  # the controller reports them (plugin.xdist)
                    self.shared.write_hook_errors(self.hook_errors)
                if self.budget_texts():  # so are the budgets exceeded
                    self.shared.write_budget_findings(self.budget_texts())
                self.shared.mark_done()

    def cancel(self) -> None:
        if self._executor is not None:
            self._executor.cancel()

    def finish(self, *, cancel: bool = False) -> None:
        """Stop (if still running), release the engine and write the artifacts; called at
        session end by the process that ran the build."""
        self._close_reader()
        if self._follower:
            return  # the builder writes everything
        if self._executor is not None:
            # An interrupted session stops the build; otherwise wait for it: under xdist the
            # builder's own items may be done while other workers still wait for nodes.
            if cancel and not self.board.finished:
                self._executor.cancel()
            self._executor.wait_settled()
        self._settle()
        self._remember(self.board.all())
        self.store.close()
        try:
            self._write_artifacts()
        except OSError as exc:  # a full disk must not hide the results of the run
            warnings.warn(ArtifactWarning(
                f"could not write the artifacts of the run under {self.root}: "
                f"{exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else "")),
                stacklevel=2)
        if self.events is not None and self._run_info is not None:
            results = self.board.all()
            errors = len(self.hook_errors) + sum(
                1 for level, _ in self.budget_texts() if level == "error")
            self.events.run_finished(self._run_info, results,
                                     run_status(results, run_errors=errors))
        if self._builder_lock is not None:
            self._builder_lock.release()

    def _record_builds(self, results: dict[str, NodeResult]) -> None:
        """Upsert the spec's ``_ff_meta`` audit rows of what this run built (not cached)."""
        built = [(name, node.relation, self.fingerprints.get(name, ""), result.started_at)
                 for name, result in results.items()
                 if result.status == "success"
                 and (node := plan.built_by(self.project, name)) is not None]
        audit = capability(self._engine, AuditTable)
        if built and audit is not None:
            try:
                audit.record_builds(built)
            except Exception as exc:  # the builds stand; only their audit rows are missing
                warnings.warn(AuditTableWarning(
                    f"could not write the _ff_meta audit table on {self._engine.name}: "
                    f"{type(exc).__name__}: {str(exc).strip()}"), stacklevel=2)

    def _remember(self, results: dict[str, NodeResult]) -> None:
        if self.profile is None or not self.fingerprints:
            return
        policy = self.settings.cache
        if policy.mode == "off" and not self._stored:
            return
        nodes = policy.remembered(self._stored.get("nodes", {}), self.fingerprints,
                                  results.values())
        memo = {}
        if self._normalizer is not None:
            memo = self._normalizer.memo_for(
                [m.sql for m in self.project.models.values() if m.kind == "sql" and m.sql])
        if (nodes == self._stored.get("nodes") and memo == self._stored.get("sql_memo")
                and not self.store.dirty):
            return  # nothing new to remember (a cached rerun): leave pytest's cache alone
        data = {"nodes": nodes, "sql_memo": memo}
        if self.shared is not None:  # the controller writes pytest's cache
            self.shared.save_store(getattr(self.store, "key", ""), data)
        else:
            self.store.save(data)

    def _write_artifacts(self) -> None:
        if self.profile is None:
            return
        from pytest_fft.run.artifacts import write_run_artifacts, write_test_results

        results = self.board.all()
        # In the project's order, however the run started: seeds and models in DAG order,
        # checks as project.yml lists them.
        checks = [results[n] for n in self.project.checks if n in results]
        builds = [results[n] for n in self.project.dag.order
                  if n in results and n not in self.project.checks]
        if checks:
            write_test_results(self.project, checks, self.profile.env_name, self.profile.engine)
        if builds:
            budgets = None
            if self.budgets is not None or self.budget_error is not None:
                from pytest_fft.run.budgets import summary

                budgets = summary(self.budget_findings)
                if self.budget_error is not None:
                    budgets["status"] = "error"
                    budgets["error"] = self.budget_error.message
            write_run_artifacts(self.project, builds, self.fingerprints,
                                self.profile.env_name, self.profile.engine, budgets=budgets)



def _close_engine(engine: Any, patience: float = 10.0) -> None:
    """Close the writer. A statement the run stopped waiting for (an interrupt, a timeout)
    may still be unwinding on its thread, and some engines refuse to close a busy
    connection: interrupt it again and retry for a while, then leave it to the process's
    exit rather than fail the session."""
    import time

    deadline = time.monotonic() + patience
    while True:
        try:
            engine.close()
            return
        except Exception:
            if time.monotonic() >= deadline:
                return
            engine.interrupt()
            time.sleep(0.05)

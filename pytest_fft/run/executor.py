"""The in-process, dependency-driven executor.

A node starts as soon as every selected parent has succeeded (no level barriers);
``jobs`` threads build at once. A failed node marks its selected descendants skipped
"upstream failed: <name>"; independent nodes still build. With ``fail_fast`` nothing new
starts after the first failure.

>>> from pytest_fft import load_project, DuckDBEngine, Executor    # doctest: +SKIP
>>> results = Executor(project, DuckDBEngine(":memory:"), project.dag.order).run()  # doctest: +SKIP
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, cast

from pytest_fft.checks.runner import CheckRunner
from pytest_fft.engines.base import Engine
from pytest_fft.engines.query_stats import QueryStats, collecting
from pytest_fft.errors import FFTError, ModelError, SelectionError
from pytest_fft.project.records import Model, Project
from pytest_fft.run.building import LEFT_ALONE, SnapshotOptions, build_node, build_snapshot
from pytest_fft.run.node_logs import capture_node_logs

if TYPE_CHECKING:
    from pytest_fft.run.budgets import Budgets
    from pytest_fft.run.hooks import RunHooks

Status = Literal["success", "error", "skipped", "cached", "fail", "warn"]
"""``fail``/``warn``: a data-quality check ran and found problems (error / warn severity)."""

_BLOCKING = ("error", "fail")  # statuses that skip what comes after the node


@dataclass(frozen=True)
class NodeResult:
    """The outcome of one node in one run."""

    name: str
    status: Status
    started_at: float = 0.0
    duration: float = 0.0
    rows: int | None = None
    message: str | None = None
    error: FFTError | None = None
    upstream: str | None = None  # for skipped: the failed node that caused it
    metrics: Mapping[str, Any] | None = None  # checks: the numbers behind the verdict
    logs: tuple[str, ...] = ()  # log lines emitted while building this node
    note: str | None = None  # a success's short account (a snapshot: versions opened, ...)
    # A built seed or model's query statistics (see engines.query_stats); None: not known.
    bytes_scanned: int | None = None
    query_duration_ms: int | None = None

    @property
    def failed(self) -> bool:
        """An error, or a data-quality check that found problems (what skips descendants)."""
        return self.status in _BLOCKING


class ResultBoard:
    """Thread-safe store of node results that readers can wait on."""

    def __init__(self) -> None:
        self._results: dict[str, NodeResult] = {}
        self._cond = threading.Condition()
        self.finished = False

    def put(self, result: NodeResult) -> None:
        with self._cond:
            self._results[result.name] = result
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self.finished = True
            self._cond.notify_all()

    def get(self, name: str) -> NodeResult | None:
        with self._cond:
            return self._results.get(name)

    def wait(self, name: str, timeout: float | None = None) -> NodeResult | None:
        """The result of ``name``; ``None`` if the run ended (or timed out) without one."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while name not in self._results and not self.finished:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)
            return self._results.get(name)

    def all(self) -> dict[str, NodeResult]:
        with self._cond:
            return dict(self._results)

    def wait_done(self) -> None:
        """Until the run that fills this board is over."""
        with self._cond:
            while not self.finished:
                self._cond.wait()


class _ReadyQueue:
    """The nodes ready to start, by (level, name); callers hold ``cond``."""

    def __init__(self, dag: Any, nodes: list[str],
                 children: Mapping[str, tuple[str, ...]]) -> None:
        self.cond = threading.Condition()
        self._level = dag.level_of
        self._waiting = dict.fromkeys(nodes, 0)
        for name in nodes:
            for child in children[name]:
                if child in self._waiting:
                    self._waiting[child] += 1
        self._heap = [(self._level(n), n) for n in nodes if self._waiting[n] == 0]
        heapq.heapify(self._heap)
        self._running = 0
        self.stop_reason: str | None = None

    def take(self) -> str | None:
        """The next node to build, waiting while others run; ``None`` when all is done."""
        while not self._heap and self._running:
            self.cond.wait()
        if not self._heap or self.stop_reason is not None:
            return None
        self._running += 1
        return heapq.heappop(self._heap)[1]

    def done(self, name: str, released: tuple[str, ...]) -> list[str]:
        """``name`` finished; its ``released`` children lose a parent to wait for. Returns
        the nodes dropped because the run stopped."""
        self._running -= 1
        for child in released:
            if child in self._waiting:
                self._waiting[child] -= 1
                if self._waiting[child] == 0:
                    heapq.heappush(self._heap, (self._level(child), child))
        dropped = []
        if self.stop_reason is not None:
            dropped = [n for _, n in self._heap]
            self._heap.clear()
        self.cond.notify_all()
        return dropped

    def stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason


def interrupt_thread(engine: Engine, thread: int) -> None:
    """Interrupt the statement ``thread`` runs on ``engine``, if the engine can single one out
    (else nothing: interrupting every thread would fail nodes that did nothing wrong)."""
    from pytest_fft.engines.capabilities import ThreadInterrupt, capability

    interrupter = capability(engine, ThreadInterrupt)
    if interrupter is not None:
        interrupter.interrupt_thread(thread)


class Executor:
    """Builds ``nodes`` of ``project`` on ``engine``; parents outside ``nodes`` must exist."""

    def __init__(
        self,
        project: Project,
        engine: Engine,
        nodes: Iterable[str],
        *,
        jobs: int = 1,
        fail_fast: bool = False,
        on_result: Callable[[NodeResult], None] | None = None,
        board: ResultBoard | None = None,
        env_name: str = "this env",
        skip: set[str] | None = None,
        blocked: Mapping[str, str] | None = None,
        on_done: Callable[[], None] | None = None,
        full_refresh: bool = False,
        snapshots: SnapshotOptions | None = None,
        hooks: RunHooks | None = None,
        on_start: Callable[[str], None] | None = None,
        budgets: Budgets | None = None,
    ) -> None:
        self.project = project
        self.hooks = hooks  # before_model / after_model hooks of the models it builds
        self.engine = engine
        self.full_refresh = full_refresh
        self.snapshots = snapshots  # None: snapshot models are left alone
        wanted = set(nodes)
        self.nodes = [n for n in project.dag.order if n in wanted]
        self.jobs = max(1, int(jobs))
        self.fail_fast = fail_fast
        self.on_result = on_result
        self.on_start = on_start  # called on the building thread as a node starts
        self.board = board or ResultBoard()
        self.env_name = env_name
        self.skip = skip or set()  # nodes the build cache found unchanged
        self.blocked = dict(blocked or {})  # nodes that cannot build: name -> why
        self._children = self._children_with_check_gates(set(self.nodes))
        self._cancelled = threading.Event()
        self._thread: threading.Thread | None = None
        self._queue = _ReadyQueue(project.dag, self.nodes, self._children)
        self._running: dict[str, int] = {}  # node -> ident of the thread building it
        self._abandoned: dict[str, str] = {}  # node -> why its build no longer counts
        self.on_done = on_done  # called on the executor's thread once every node is done
        self._project_key = str(project.root)  # whose node logs (see run.node_logs)
        # The models whose bytes_scanned a budget of budgets.yml counts: their queries are
        # estimated even without a guard (a plain run sends no EXPLAIN).
        self._want_bytes = frozenset(
            n for n in self.nodes if n in project.models
            and budgets.wants_bytes(n, project.models[n].tags)) if budgets is not None \
            else frozenset()
        # Checks share queries where they can (see pytest_fft.checks.runner).
        self._checks = CheckRunner(
            (project.checks[n] for n in self.nodes
             if n in project.checks and n not in self.skip and n not in self.blocked),
            building=wanted,
            stopped=lambda name: self._cancelled.is_set() or name in self._abandoned)

    # -- running -----------------------------------------------------------------------
    def run(self) -> dict[str, NodeResult]:
        """Build everything, blocking; returns the results by node name."""
        try:
            self._schedule()
        finally:
            self.board.close()
            if self.on_done is not None:
                self.on_done()
        return self.board.all()

    def start(self) -> ResultBoard:
        """Run in a background thread; read results from the returned board."""
        self._thread = threading.Thread(target=self.run, name="fft-executor", daemon=True)
        self._thread.start()
        return self.board

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def cancel(self) -> None:
        """Start nothing new and interrupt what runs (Ctrl-C); relations stay intact."""
        self._cancelled.set()
        self.engine.interrupt()

    def stop_starting(self, reason: str) -> None:
        """Start no new node (the nodes not started are skipped with ``reason``); the ones
        running finish. Returns once they have."""
        with self._queue.cond:
            self._queue.stop(reason)
            self._queue.cond.notify_all()
        self.wait_settled()

    def wait_settled(self, timeout: float | None = None) -> bool:
        """Wait until every node has its result and nothing but abandoned builds still runs
        (a Python model that ignores interruption keeps its thread; nothing waits for it)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._queue.cond:
            while not self._settled():
                if self._thread is not None and not self._thread.is_alive():
                    return True
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._queue.cond.wait(0.05 if remaining is None else min(remaining, 0.05))
        return True

    def _settled(self) -> bool:
        if any(n not in self._abandoned for n in self._running):
            return False
        return all(self.board.get(n) is not None for n in self.nodes) or (
            self._queue.stop_reason is not None and not self._running)

    def abandon(self, name: str, message: str) -> None:
        """``name`` no longer counts as built in this run, whatever its build does next (its
        item was stopped: a timeout, a signal): it is an error, its descendants are skipped,
        and its running statement is interrupted (the relation keeps its previous state)."""
        node = self.project.node(name)
        error = ModelError(message, file=node.rel_path, node=name)
        with self._queue.cond:
            if name in self._abandoned or name not in set(self.nodes):
                return
            self._abandoned[name] = message
            self._emit(NodeResult(name, "error", time.time(), 0.0, message=message,
                                  error=error))
            self._skip_descendants(name, set(self.nodes))
            thread = self._running.get(name)
            self._queue.cond.notify_all()
        if thread is not None:
            interrupt_thread(self.engine, thread)

    def rebuild(self, name: str) -> NodeResult:
        """Build ``name`` again on the calling thread (its item is run again after a failure,
        e.g. by pytest-rerunfailures); if it succeeds, the descendants it had skipped are
        built too, in DAG order, so that their items report real results."""
        self.wait_for(name)
        result = self._build(name)
        with self._queue.cond:
            self._abandoned.pop(name, None)
            self._emit(result)
        if result.failed:
            return result
        selected = set(self.nodes)
        for child in self.nodes:
            before = self.board.get(child)
            if before is None or before.status != "skipped" or before.upstream != name:
                continue
            parents = [p for p in self.project.dag.parents[child] if p in selected]
            if all((r := self.board.get(p)) is not None and not r.failed
                   and r.status != "skipped" for p in parents):
                again = self._build(child)
                with self._queue.cond:
                    self._emit(again)
        return result

    def wait_for(self, name: str) -> None:
        """Until ``name`` is not being built by a worker."""
        with self._queue.cond:
            while name in self._running and name not in self._abandoned:
                self._queue.cond.wait(0.05)

    def _children_with_check_gates(self, selected: set[str]) -> dict[str, tuple[str, ...]]:
        """The DAG's children, plus an edge from each selected error-severity check to the
        selected children of the models it checks, so those wait for the check.

        A gate is left out where it would close a circle: a check that reads a model and
        something built from it (a reconciliation of orders with mart_orders) cannot hold
        back what it reads, directly or through other gates.
        """
        dag = self.project.dag
        children = {name: list(kids) for name, kids in dag.children.items()}

        def reaches(start: str, goal: str) -> bool:
            seen, stack = set(), [start]
            while stack:
                node = stack.pop()
                if node == goal:
                    return True
                if node not in seen:
                    seen.add(node)
                    stack.extend(children[node])
            return False

        for check in sorted(self.project.checks.values(), key=lambda c: c.name):
            if check.name not in selected or check.severity != "error":
                continue
            reads = None  # what the check reads, walked only if a gate is possible
            for checked in check.deps:
                for child in dag.children[checked]:
                    if child not in selected or child in self.project.checks:
                        continue
                    if reads is None:
                        reads = dag.ancestors(check.name)
                    if child not in reads and not reaches(child, check.name):
                        children[check.name].append(child)
        return {name: tuple(kids) for name, kids in children.items()}

    def _schedule(self) -> None:
        """Run the nodes on ``jobs`` workers that pick ready nodes themselves.

        No scheduler thread sits between a finished node and the next start: the worker that
        finishes a node releases its children and takes the next ready node (lowest level,
        then name). With one job the calling thread does the work.
        """
        queue = self._queue
        if self.jobs == 1:
            self._work(queue)
        else:
            workers = [threading.Thread(target=self._work, args=(queue,), name=f"fft_{i}",
                                        daemon=True) for i in range(self.jobs)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
        # Anything never reached (cancelled before its parents finished) is reported, too.
        for name in self.nodes:
            if self.board.get(name) is None:
                self._emit(NodeResult(name, "skipped", message=queue.stop_reason or "not run"))

    def _work(self, queue: _ReadyQueue) -> None:
        selected = set(self.nodes)
        while True:
            with queue.cond:
                name = queue.take()
                if name is None:
                    return
                if name in self._abandoned:  # stopped before it could start
                    for skipped in queue.done(name, ()):
                        self._emit(NodeResult(skipped, "skipped", message=queue.stop_reason))
                    continue
                self._running[name] = threading.get_ident()
            try:
                if self.on_start is not None:
                    self.on_start(name)
                result = self._build(name)
            except BaseException:
                with queue.cond:  # an interrupt inside a build: the others stop, too
                    self._running.pop(name, None)
                    queue.stop("run interrupted")
                    queue.done(name, ())
                raise
            with queue.cond:
                self._running.pop(name, None)
                if name in self._abandoned:  # its item gave up on it: already an error
                    for skipped in queue.done(name, ()):
                        self._emit(NodeResult(skipped, "skipped", message=queue.stop_reason))
                    continue
                self._emit(result)
                released: tuple[str, ...] = ()
                if result.status in _BLOCKING:
                    self._skip_descendants(name, selected)
                    if self.fail_fast:
                        queue.stop(f"run stopped after {name} failed")
                elif self._cancelled.is_set():
                    queue.stop("run interrupted")
                else:
                    released = tuple(c for c in self._children[name]
                                     if self.board.get(c) is None)
                if self._cancelled.is_set():
                    queue.stop("run interrupted")
                for skipped in queue.done(name, released):
                    self._emit(NodeResult(skipped, "skipped", message=queue.stop_reason))

    def _skip_descendants(self, failed: str, selected: set[str]) -> None:
        what = "upstream check failed" if failed in self.project.checks else "upstream failed"
        seen: set[str] = set()
        stack = list(self._children[failed])
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(self._children[name])
        for name in sorted(seen):
            if name in selected and self.board.get(name) is None:
                self._emit(NodeResult(name, "skipped", message=f"{what}: {failed}",
                                      upstream=failed))

    def _emit(self, result: NodeResult) -> None:
        self.board.put(result)
        if self.on_result is not None:
            self.on_result(result)

    def _build(self, name: str) -> NodeResult:
        with capture_node_logs((self._project_key, name)) as lines:
            result = self._build_node(name)
        return replace(result, logs=tuple(lines)) if lines else result

    def _build_node(self, name: str) -> NodeResult:
        node = self.project.node(name)
        started = time.time()
        t0 = time.perf_counter()
        if name in self.skip:
            return NodeResult(name, "cached", started, 0.0,
                              message="unchanged since the last build")
        if name in self.blocked:
            blocked = SelectionError(self.blocked[name], file=node.rel_path, node=name)
            return NodeResult(name, "error", started, 0.0, message=blocked.message,
                              error=blocked)
        query: QueryStats | None = None  # the build's statements, once it starts
        try:
            if node.kind == "check":  # by kind, not class: see plan.built_by
                ran = self._checks.run(self.engine, node, self.env_name)
                outcome = ran.outcome
                status: Status = ("success" if outcome.passed
                                  else "warn" if node.severity == "warn" else "fail")
                return NodeResult(name, status, started, ran.seconds,
                                  message=outcome.message, metrics=dict(outcome.metrics))
            note = None
            metrics = None
            snapshot = getattr(node, "materialized", None) == "snapshot"  # see built_by
            if snapshot and self.snapshots is None:
                return NodeResult(name, "skipped", started, 0.0, message=LEFT_ALONE)
            hooks = self.hooks.for_model(name) if self.hooks is not None else None
            if hooks is not None:
                hooks.run_before(self.engine)
            t_build = time.perf_counter()
            with collecting(want_bytes=name in self._want_bytes) as query:
                if snapshot:
                    assert self.snapshots is not None
                    rows, note = build_snapshot(self.project, self.engine, cast(Model, node),
                                                self.snapshots)
                elif node.kind == "python":
                    from pytest_fft.api.telemetry import http_stats

                    with http_stats(name, project_dir=self.project.root) as stats:
                        rows = build_node(self.project, self.engine, node,
                                          full_refresh=self.full_refresh)
                    if stats.used:  # run_results.json's "http" block of this model
                        metrics = {"http": stats.as_dict()}
                else:
                    rows = build_node(self.project, self.engine, node,
                                      full_refresh=self.full_refresh)
            if hooks is not None:
                hooks.run_after(self.engine, rows, time.perf_counter() - t_build, query)
        except FFTError as exc:
            return _measured(NodeResult(name, "error", started, time.perf_counter() - t0,
                                        message=exc.message, error=exc), query)
        except Exception as exc:
            err = ModelError(f"{name} failed: {type(exc).__name__}: {exc}",
                             file=node.rel_path, node=name)
            err.__cause__ = exc
            return _measured(NodeResult(name, "error", started, time.perf_counter() - t0,
                                        message=err.message, error=err), query)
        return _measured(NodeResult(name, "success", started, time.perf_counter() - t0,
                                    rows=rows, note=note, metrics=metrics), query)


def _measured(result: NodeResult, query: QueryStats | None) -> NodeResult:
    """``result`` with its build's statistics (as it is when the build never started)."""
    if query is None:
        return result
    return replace(result, bytes_scanned=query.bytes_scanned,
                   query_duration_ms=query.query_duration_ms)

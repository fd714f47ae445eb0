"""An in-memory stand-in engine for tests of the executor, builders and scheduling.

It is **not a warehouse**: it runs no SQL. A build records the call and stores its payload
(the SELECT text, or the frame) under the relation name, so a test can see what was built,
in which order, how many at once, and make chosen builds fail, wait or signal. It implements
the :class:`~pytest_fft.engines.base.Engine` protocol and declares the
:class:`~pytest_fft.engines.capabilities.AuditTable` capability (rows kept in ``audit``);
it is not in the engine registry and is not part of the contract suite.

>>> from pytest_fft.engines.fake import FakeEngine
>>> engine = FakeEngine(fail=["b"])
>>> engine.create_relation("a", "select 1", "table") is None
True
>>> "A" in engine.existing_relations(), engine.statements
(True, ['create table a as select 1'])
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pytest_fft.engines.base import Column
from pytest_fft.engines.capabilities import AUDIT_TABLE, AuditTable
from pytest_fft.engines.registry import generic_spec
from pytest_fft.engines.relations import ExistingRelations
from pytest_fft.engines.seed_files import SeedShape

_SPEC = generic_spec("fake")


class FakeFrame:
    """A minimal 'data frame': columns and rows, enough for the core's needs."""

    def __init__(self, columns: Iterable[str], rows: Iterable[tuple[Any, ...]] = ()) -> None:
        self.columns = list(columns)
        self.rows = list(rows)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"FakeFrame({self.columns!r}, {self.rows!r})"


class FakeEngine:
    """In-memory Engine that records every call.

    ``fail``: relations whose build raises ``RuntimeError("boom in <relation>")``.
    ``delay`` / ``delays``: seconds to sleep inside each build (all / per relation).
    ``hooks``: ``{relation: callable}`` run inside that relation's build (barriers, events).
    ``frames``: relations that exist from the start (as tables of these frames).
    ``audit_error``: ``record_builds`` raises it (a warehouse refusing the audit table).
    """

    name = _SPEC.name
    persistent = True
    abbrev = _SPEC.abbrev
    spec = _SPEC
    capabilities: frozenset[Any] = frozenset({AuditTable})

    def __init__(
        self,
        *,
        fail: Iterable[str] = (),
        delay: float = 0.0,
        delays: Mapping[str, float] | None = None,
        hooks: Mapping[str, Callable[[], None]] | None = None,
        frames: Mapping[str, FakeFrame] | None = None,
        audit_error: Exception | None = None,
    ) -> None:
        self.fail = set(fail)
        self.delay = delay
        self.delays = dict(delays or {})
        self.hooks: dict[str, Callable[[], None]] = dict(hooks or {})
        self.relations: dict[str, tuple[str, Any]] = {
            rel: ("table", frame) for rel, frame in (frames or {}).items()
        }
        self.calls: list[tuple[str, str]] = []  # (method, relation), in call order
        self.statements: list[str] = []  # what a SQL engine would have run, in order
        self.events: list[tuple[str, str, float]] = []  # ("start"|"end", relation, t)
        self.started: dict[str, threading.Event] = {}
        self.audit: list[tuple[str, str, str, float]] = []  # record_builds rows
        self.audit_error = audit_error
        self.running = 0
        self.max_running = 0
        self.interrupted = False
        self._lock = threading.Lock()

    # -- helpers for tests ---------------------------------------------------------------
    def started_event(self, relation: str) -> threading.Event:
        with self._lock:
            return self.started.setdefault(relation, threading.Event())

    def time_of(self, kind: str, relation: str) -> float:
        return next(t for k, r, t in self.events if k == kind and r == relation)

    def built(self) -> list[str]:
        return [rel for _, rel in self.calls]

    def _build(self, method: str, relation: str, kind: str, payload: Any,
               statement: str) -> int | None:
        if self.relation_key(relation) == self.relation_key(AUDIT_TABLE):  # as AuditTable says
            raise ValueError(f"{relation} is the audit table; no seed or model may build it")
        with self._lock:
            self.calls.append((method, relation))
            self.statements.append(statement)
            self.events.append(("start", relation, time.monotonic()))
            self.running += 1
            self.max_running = max(self.max_running, self.running)
            event = self.started.setdefault(relation, threading.Event())
        event.set()
        try:
            hook = self.hooks.get(relation)
            if hook is not None:
                hook()
            pause = self.delays.get(relation, self.delay)
            if pause:
                time.sleep(pause)
            if relation in self.fail:
                raise RuntimeError(f"boom in {relation}")
            with self._lock:  # stored only on success: the old relation survives a failure
                self.relations[relation] = (kind, payload)
            return len(payload.rows) if isinstance(payload, FakeFrame) else None
        finally:
            with self._lock:
                self.running -= 1
                self.events.append(("end", relation, time.monotonic()))

    # -- Engine protocol -----------------------------------------------------------------
    def create_relation(self, relation: str, select_sql: str, materialized: str) -> int | None:
        kind = "view" if materialized == "view" else "table"
        return self._build("create_relation", relation, materialized, select_sql,
                           f"create {kind} {relation} as {select_sql}")

    def write_frame(self, relation: str, frame: Any, materialized: str) -> int | None:
        return self._build("write_frame", relation, "table", frame,
                           f"create table {relation} from frame")

    def read_frame(self, relation: str) -> Any:
        with self._lock:
            self.calls.append(("read_frame", relation))
            _, payload = self.relations[relation]
        return payload

    def is_frame(self, value: Any) -> bool:
        return isinstance(value, FakeFrame)

    def load_seed(self, relation: str, path: str, fmt: str,
                  shape: SeedShape | None = None) -> int | None:
        return self._build("load_seed", relation, "table", FakeFrame(["seed"], [(path, fmt)]),
                           f"create table {relation} from {fmt} {path}")

    def quote(self, relation: str) -> str:
        return _SPEC.quote_relation(relation)

    def relation_key(self, relation: str) -> str:
        return _SPEC.name_key(relation if "." in relation else f"main.{relation}")

    def existing_relations(self) -> ExistingRelations:
        with self._lock:
            names = list(self.relations)
        return ExistingRelations(frozenset(map(self.relation_key, names)), self.relation_key)

    def relation_columns(self) -> dict[str, list[Column]]:
        """The frames' columns, of type ``unknown``: nullable when a row holds a None there,
        else not known (a frame declares no NOT NULL)."""
        with self._lock:
            return {rel: [Column(c, "unknown", True if any(
                            i < len(row) and row[i] is None for row in payload.rows) else None)
                          for i, c in enumerate(payload.columns)]
                    for rel, (_, payload) in self.relations.items()
                    if isinstance(payload, FakeFrame)}

    def error_line(self, exc: BaseException) -> int | None:
        return None  # the fake runs no SQL, so its errors point at no line

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self._lock:
            self.statements.append(sql)
        return []

    def record_builds(self, built: list[tuple[str, str, str, float]]) -> None:
        if self.audit_error is not None:
            raise self.audit_error
        with self._lock:
            self.audit.extend(built)

    def interrupt(self) -> None:
        self.interrupted = True

    def close(self) -> None:
        pass

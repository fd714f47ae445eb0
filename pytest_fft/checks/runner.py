"""Running checks on an engine: as few queries as the checks allow, then each verdict.

:func:`run_check` runs one check's own query (:func:`~pytest_fft.checks.sql.check_sql`).
:class:`CheckRunner` runs the checks of one run with fewer queries, in two ways:

* the checks of one table that :mod:`~pytest_fft.checks.scan` can combine share ONE scan of
  it (:func:`~pytest_fft.checks.scan.scan_sql`);
* the checks whose tables nothing in the run builds (``fft test``: all of them) are ready
  from the start and stay as they are, so the queries of several tables (scans, and the
  own queries of the other checks) go to the engine together, as one query that joins their
  one-row results side by side (:data:`BATCH` at most).

Whatever query is first needed for a check runs when that check runs, on its thread; the
other checks it answers take their row from it. A query that fails is never an answer: its
parts run again one by one (a scan on its own, then each check's own query), so each check
gets the verdict, message and error its own query gives, whatever the others do.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_fft.checks.query_errors import query_error, sql_log

if TYPE_CHECKING:
    from pytest_fft.checks.dialect import Dialect
    from pytest_fft.checks.sql import CheckOutcome
    from pytest_fft.project.records import Check


#: At most this many scans or own queries go to the engine as one query. Each costs the
#: engine its planning and execution either way; what one query saves is the round trip
#: (and, on DuckDB, about a quarter of the time of small queries). More would hold the
#: threads that need one of its rows waiting longer.
BATCH = 12

_Row = tuple[Any, ...]


def run_check(engine: Any, check: Check, env_name: str) -> CheckOutcome:
    """Run ``check``'s own query on ``engine`` and judge its row.

    Raises :class:`~pytest_fft.errors.CheckError` when the query fails (naming a checked
    table that does not exist in ``env_name``, if one does not).
    """
    from pytest_fft.checks.dialect import dialect_for
    from pytest_fft.checks.sql import check_sql, evaluate

    if check.spec.custom is not None:  # a tests/**/*.ff.sql file or a @dq_test function
        from pytest_fft.checks.custom import run_custom

        return run_custom(engine, check, env_name)
    sql = check_sql(check.spec, dialect_for(engine.name))
    if sql_log.isEnabledFor(logging.DEBUG):
        sql_log.debug("-- check %s (project.yml:%s)\n%s", check.name, check.line, sql)
    try:
        rows = engine.query(sql)
    except Exception as exc:
        raise query_error(engine, check, env_name, exc) from exc
    return evaluate(check.spec, rows[0])


@dataclass(frozen=True)
class CheckRun:
    """A check's outcome and the seconds it took: its own query, or its share of a shared
    query (that query's time divided by the checks it answered) plus what it ran on its own."""

    outcome: CheckOutcome
    seconds: float


@dataclass(frozen=True, eq=False)
class _Part:
    """What one query of its own would answer: a scan of one table's checks, or the own
    query of one check."""

    checks: tuple[Check, ...]
    scan: bool

    def sql(self, d: Dialect) -> str:
        from pytest_fft.checks.scan import scan_sql
        from pytest_fft.checks.sql import check_sql

        specs = [check.spec for check in self.checks]
        return scan_sql(specs, d) if self.scan else check_sql(specs[0], d)

    def width(self) -> int:
        from pytest_fft.checks.sql import row_width

        return len(self.checks) if self.scan else row_width(self.checks[0].spec)

    def rows(self, row: Sequence[Any]) -> list[_Row | None]:
        """Each check's row (None: the check needs its own query)."""
        from pytest_fft.checks.scan import scan_rows

        if self.scan:
            return scan_rows([check.spec for check in self.checks], row)
        return [tuple(row)]


@dataclass(eq=False)
class _Query:
    """One query for some parts, sent by the first of their checks to run (lock held)."""

    parts: tuple[_Part, ...]
    lock: threading.Lock = field(default_factory=threading.Lock)
    waiting: set[str] = field(default_factory=set)  # the checks that have not had their row
    done: bool = False
    rows: dict[str, _Row | None] = field(default_factory=dict)
    error: BaseException | None = None
    # After an error: each check's part as a query of its own (None: the check's own query).
    retry: dict[str, _Query | None] = field(default_factory=dict)
    share: float = 0.0  # seconds of the query per check it answers

    def __post_init__(self) -> None:
        self.waiting = {check.name for part in self.parts for check in part.checks}

    @property
    def checks(self) -> list[Check]:
        return [check for part in self.parts for check in part.checks]

    def sql(self, d: Dialect) -> str:
        if len(self.parts) == 1:
            return self.parts[0].sql(d)
        # Every part returns exactly one row: side by side, they are one row.
        return "select * from\n" + ",\n".join(
            f"(\n{part.sql(d)}\n) as _fft_q{i}" for i, part in enumerate(self.parts, 1))


class CheckRunner:
    """Runs the checks of one run on one engine with as few queries as they allow.

    ``checks`` are the checks the run will start; a check that is not among them, or that
    runs again (a rerun of its item), runs its own query. ``building`` are the nodes the run
    builds: a check that reads one of them waits for it and shares a query only with the
    checks of the same table and dependencies. ``stopped(name)`` says whether the run no
    longer wants ``name``'s result (cancelled, or the check's item gave up on it): a shared
    query that fails then is an error of that check, not a reason to run its own query.
    Thread-safe: the checks of one query may run on different threads.
    """

    def __init__(self, checks: Iterable[Check], *, building: Collection[str] = (),
                 stopped: Callable[[str], bool] | None = None) -> None:
        self._checks = tuple(checks)
        self._building = frozenset(building)
        self._stopped = stopped or (lambda name: False)
        self._queries: dict[str, _Query] | None = None  # by check name, planned on first use
        self._planning = threading.Lock()

    def run(self, engine: Any, check: Check, env_name: str) -> CheckRun:
        """``check``'s outcome, from a shared query where it has one, else from its own.
        Raises :class:`~pytest_fft.errors.CheckError` as :func:`run_check`."""
        t0 = time.perf_counter()
        query = self._query_of(engine, check)
        share = 0.0
        while query is not None:
            with query.lock:
                if not query.done:
                    self._send(engine, query)
                first = check.name in query.waiting
                query.waiting.discard(check.name)
                row = query.rows.pop(check.name, None)
            if not first:  # run again: its own query, as a check outside the run
                return CheckRun(run_check(engine, check, env_name), time.perf_counter() - t0)
            share += query.share
            t1 = time.perf_counter()
            if row is not None:
                from pytest_fft.checks.sql import evaluate

                return CheckRun(evaluate(check.spec, row), share + time.perf_counter() - t1)
            if query.error is not None and self._stopped(check.name):
                raise query_error(engine, check, env_name, query.error) from query.error
            query = query.retry.get(check.name)
        t1 = time.perf_counter()
        outcome = run_check(engine, check, env_name)
        return CheckRun(outcome, share + time.perf_counter() - t1)

    def _query_of(self, engine: Any, check: Check) -> _Query | None:
        with self._planning:
            if self._queries is None:
                self._queries = self._plan(engine.name)
        return self._queries.get(check.name)

    def _plan(self, engine_name: str) -> dict[str, _Query]:
        """The queries, by check name.

        Parts: the scannable checks grouped by relation and dependencies (a group of one
        check is its own query, unless its scan asks less of the engine: an
        ``accepted_values`` check, which a scan only counts), and every other check on
        its own. Parts whose checks read nothing the run builds are ready from the start:
        they go into queries of up to :data:`BATCH` parts, taken a stride apart in the
        order of the checks (the order checks start in), so that the threads starting the
        first checks send different queries instead of waiting for one.
        """
        from pytest_fft.checks.dialect import dialect_for
        from pytest_fft.checks.scan import PARTIAL_TYPES, scannable

        dialect = dialect_for(engine_name)
        groups: dict[tuple[str, tuple[str, ...]], list[Check]] = {}
        order: list[tuple[str, tuple[str, ...]] | Check] = []  # by first check
        for check in self._checks:
            if check.spec.custom is not None:
                continue  # its own query or function, never shared (see run_check)
            if scannable(check.spec, dialect):
                key = (check.spec.tables[0], tuple(sorted(check.deps)))
                if key not in groups:
                    groups[key] = []
                    order.append(key)
                groups[key].append(check)
            else:
                order.append(check)
        ready: list[_Part] = []
        queries: list[_Query] = []
        for item in order:
            if isinstance(item, tuple):
                members = tuple(groups[item])
                part = _Part(members, scan=len(members) > 1
                             or members[0].spec.type in PARTIAL_TYPES)
            else:
                part = _Part((item,), scan=False)
            if any(dep in self._building for check in part.checks for dep in check.deps):
                if part.scan:
                    queries.append(_Query((part,)))
            else:
                ready.append(part)
        stride = -(-len(ready) // BATCH)  # so many queries, each of at most BATCH parts
        queries += [_Query(tuple(ready[i::stride])) for i in range(stride)]
        return {check.name: query for query in queries
                if len(query.parts) > 1 or query.parts[0].scan for check in query.checks}

    def _send(self, engine: Any, query: _Query) -> None:
        """Run ``query`` once: every check's row, or the error that sends each part to a
        query of its own."""
        from pytest_fft.checks.dialect import dialect_for

        t0 = time.perf_counter()
        query.done = True
        checks = query.checks
        try:
            sql = query.sql(dialect_for(engine.name))
            if sql_log.isEnabledFor(logging.DEBUG):
                names = ", ".join(f"{c.name} (project.yml:{c.line})" for c in checks)
                what = (f"one scan of {checks[0].spec.tables[0]}" if len(query.parts) == 1
                        else "one query")
                sql_log.debug("-- %s for the checks %s\n%s", what, names, sql)
            row = engine.query(sql)[0]
            widths = [part.width() for part in query.parts]
            if len(row) != sum(widths):
                raise ValueError(f"expected a row of {sum(widths)} values, got {len(row)}")
            rows: dict[str, _Row | None] = {}
            start = 0
            for part, width in zip(query.parts, widths, strict=True):
                split = part.rows(row[start:start + width])
                rows.update((c.name, r) for c, r in zip(part.checks, split, strict=True))
                start += width
        except Exception as exc:  # every part on its own
            query.error = exc
            if len(query.parts) > 1:
                for part in query.parts:
                    alone = _Query((part,)) if part.scan else None
                    query.retry.update((check.name, alone) for check in part.checks)
        else:
            query.rows = rows
        query.share = (time.perf_counter() - t0) / len(checks)

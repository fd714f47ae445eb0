#!/usr/bin/env python3
"""An incremental model against the bare delete+insert: a 1M-row fact with a 1% delta.

    python bench/incremental.py                          # DuckDB, 1,000,000 rows, 3 repeats
    python bench/incremental.py --postgres auto          # DuckDB and PostgreSQL
    python bench/incremental.py --rows 100000 --repeat 1 # a quick run

The project: a source table ``raw_events`` (event_id, user_id, event_type, updated_at, value),
made in the warehouse with one ``generate_series`` statement, and one incremental model
``fct_events`` (merge on event_id, updated_at='updated_at': the delta is the source's rows newer
than the newest of the table). It is built once in full; then 1% of the source's rows get a
newer updated_at and a new value, and ``--new-rows`` rows are added. Before every incremental
row the table is restored (untimed) to its state before that change, so every run applies the
same delta. Rows, per engine (median of --repeat, measured round-robin; see bench/README.md):

  (F)  fft run --full-refresh                   the full rebuild, whole command
  (I)  fft run                                  the incremental run, whole command
  (S)  floor: the bare delete+insert            begin; create temp table <delta>; delete ...
                                                using it; insert it; drop; commit: on ONE
                                                connection opened beforehand (untimed)
  (S') floor as a script                        the same statements in a script of its own:
                                                start-up, the driver's import, connect, close
  (E)  engine: apply_delta                      DuckDBEngine / PostgresEngine opened beforehand
                                                (untimed), apply_delta(...) with a DeltaPlan
  (E0) engine: build_node(full_refresh=True)    the product's full build, in-process

Targets (issue 15): the incremental run within 1.2x the bare statement run directly, (E)
against (S) and (I) against (S'); and within 10% of the full rebuild, (I) of (F) and (E) of
(E0). Diagnostics: the same change as one bare MERGE, and the time of each statement of (S)
and (E).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run as common  # noqa: E402  (bench/run.py: subprocesses, the PostgreSQL server)

ROWS = 1_000_000
DELTA_PCT = 1.0
NEW_ROWS = 100
FLOOR_TARGET = 1.2  # the incremental run, as a multiple of the bare delete+insert
FULL_SHARE_TARGET = 0.10  # the incremental run, as a share of the full rebuild
PG_SCHEMA = "fft_bench_inc"
COLUMNS = ("event_id", "user_id", "event_type", "updated_at", "value")

SOURCE_SQL = """\
create table raw_events as
select i as event_id, i % 50000 as user_id,
       case i % 4 when 0 then 'view' when 1 then 'click' when 2 then 'cart' else 'buy' end
         as event_type,
       timestamp '2026-01-01 00:00:00' + i * interval '1 second' as updated_at,
       cast(i % 1000 as double precision) / 10 as value
from generate_series(1, {rows}) as t(i)"""
# 1% of the rows changed (newer updated_at, new value), a few new ones.
CHANGE_SQL = (
    ("update raw_events set updated_at = updated_at + interval '400 days', value = value + 1 "
     "where event_id % {step} = 0"),
    ("insert into raw_events select i, i % 50000, 'new', "
     "timestamp '2027-06-01 00:00:00' + i * interval '1 second', 1.0 "
     "from generate_series({first}, {last}) as t(i)"),
)
MODEL_SQL = """\
{{ config(materialized='incremental', unique_key='event_id', updated_at='updated_at') }}
select event_id, user_id, event_type, updated_at, value
from {{ source('raw', 'events') }}
"""
PROFILES_YML = """\
dev:
  engine: duckdb
  duckdb:
    path: .local/bench.duckdb
pg:
  engine: postgres
  postgres:
    dsn: "{{ env('FF_PG_DSN') }}"
    db_schema: "{{ env('FF_PG_SCHEMA', 'SCHEMA') }}"
""".replace("SCHEMA", PG_SCHEMA)
# What the table holds: it must equal the source's after every incremental run.
FINGERPRINT = ("select count(*), count(distinct event_id), round(sum(value)), max(updated_at) "
               "from {}")

FLOOR_SCRIPT = """\
# The bare delete+insert as a script: start-up, the driver's import, connect, the SQL, close.
import sys

STATEMENTS = {statements!r}

if sys.argv[1] == "duckdb":
    import duckdb
    con = duckdb.connect(sys.argv[2])
else:
    import psycopg
    con = psycopg.connect(sys.argv[2], autocommit=True, options="-c search_path=" + sys.argv[3])
for sql in STATEMENTS:
    con.execute(sql)
con.close()
"""


def floor_statements(delta_sql: str) -> list[str]:
    """The bare delete+insert: the delta once into a temporary table, then DELETE ... USING
    and INSERT, in one transaction."""
    cols = ", ".join(COLUMNS)
    return ["begin",
            f"create temp table fft_floor_delta as {delta_sql}",
            ("delete from fct_events using fft_floor_delta as d "
             "where fct_events.event_id = d.event_id"),
            f"insert into fct_events ({cols}) select {cols} from fft_floor_delta",
            "drop table fft_floor_delta",
            "commit"]


def merge_statement(delta_sql: str) -> str:
    """The same change as one MERGE (DuckDB >= 1.4, PostgreSQL >= 15)."""
    sets = ", ".join(f"{c} = d.{c}" for c in COLUMNS if c != "event_id")
    return (f"merge into fct_events using ({delta_sql}) as d "
            "on fct_events.event_id = d.event_id "
            f"when matched then update set {sets} "
            f"when not matched then insert ({', '.join(COLUMNS)}) "
            f"values ({', '.join('d.' + c for c in COLUMNS)})")


def label_of(sql: str) -> str:
    """``create temp table``, ``delete``, ...: a statement's first words, for the breakdown."""
    words = sql.split()
    temporary = words[:2] in (["create", "temp"], ["create", "temporary"])
    first = " ".join(words[:3] if temporary else words[:2])
    if words[0] == "create" and "distinct on" in sql:
        return f"{first} (distinct on)"
    if words[0] == "select" and "having count(*) > 1" in sql:
        return "check for a repeated key"
    return first if words[0] in ("create", "drop", "alter") else words[0]


class Row:
    def __init__(self, label: str, short: str = "") -> None:
        self.label = label
        self.short = short or label.split()[0]  # (F), (I), ...
        self.checked = False  # the first run left the table equal to the source
        self.samples: list[float] = []
        self.error: common.RowError | None = None
        self.notes: list[str] = []
        self.parts: dict[str, list[float]] = {}  # statement -> seconds, one per sample

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    def measure(self, run: Callable[[], float]) -> None:
        if self.error is not None:
            return
        try:
            self.samples.append(run())
        except common.RowError as exc:
            self.error = exc
        except Exception as exc:  # a statement the warehouse refuses: this row's error
            text = str(exc).strip()
            self.error = common.RowError(
                f"{type(exc).__name__}: {(text.splitlines() or [''])[0][:80]}", text)

    def add_parts(self, parts: list[tuple[str, float]], total: float | None = None) -> None:
        """One sample's time per statement (``total``: the rest is the transaction's begin
        and commit, and Python)."""
        sample: dict[str, float] = {}
        for name, seconds in parts:
            sample[name] = sample.get(name, 0.0) + seconds
        if total is not None:
            sample["the rest (begin, commit, Python)"] = total - sum(sample.values())
        for name, seconds in sample.items():
            self.parts.setdefault(name, []).append(seconds)


@contextlib.contextmanager
def statement_times(session_class: type, times: list[tuple[str, float]]):
    """Time every statement an engine's delta session runs (the breakdown of (E))."""
    names: dict[str, Callable[[str], str]] = {
        "run": label_of, "columns": lambda _: "columns of a table", "scalar": label_of,
        "analyze": lambda _: "analyze"}
    kept = {name: getattr(session_class, name) for name in names
            if hasattr(session_class, name)}

    def timed(method: Callable, name: Callable[[str], str]) -> Callable:
        def wrapper(self, sql: str):
            t0 = time.perf_counter()
            try:
                return method(self, sql)
            finally:
                times.append((name(sql), time.perf_counter() - t0))
        return wrapper

    for name, method in kept.items():
        setattr(session_class, name, timed(method, names[name]))
    try:
        yield
    finally:
        for name, method in kept.items():
            setattr(session_class, name, method)


class Warehouse:
    """One engine's rows on its own copy of the project."""

    name = env = engine_name = ""

    def __init__(self, args: argparse.Namespace, root: Path,
                 extra_env: dict[str, str] | None = None) -> None:
        from pytest_fft import load_project

        self.args, self.root, self.extra_env = args, root, extra_env or {}
        self.fft = common.console_script("fft")
        self.create_source()
        self.project = load_project(root, engine=self.engine_name)
        self.model = self.project.models["fct_events.ff"]
        step = round(100 / args.delta_pct)
        self.delta_rows = args.rows // step + args.new_rows
        self.change = [CHANGE_SQL[0].format(step=step)]
        if args.new_rows:
            self.change.append(CHANGE_SQL[1].format(first=args.rows + 1,
                                                    last=args.rows + args.new_rows))
        self.script = root.parent / f"floor_{self.engine_name}.py"
        self.script.write_text(FLOOR_SCRIPT.format(
            statements=floor_statements(self.model.delta_sql)), encoding="utf-8")
        n = f"{args.rows:,}"
        self.full = Row(f"(F) fft run --env {self.env} --full-refresh ({n} rows)")
        self.incremental = Row(f"(I) fft run --env {self.env} ({self.delta_rows:,}-row delta)")
        self.floor = Row("(S) floor: delete+insert, one open connection")
        self.floor_script = Row("(S') floor as a script: start-up + import + SQL")
        self.engine_row = Row("(E) engine: apply_delta, engine opened before")
        self.engine_full = Row("(E0) engine: the full build (build_node, full_refresh)")
        self.merge = Row("    bare MERGE, one open connection", "MERGE")
        self.rows = [self.full, self.incremental, self.floor, self.floor_script,
                     self.engine_row, self.engine_full, self.merge]
        self.warnings: list[str] = []

    # -- what each engine does its own way ---------------------------------------------
    def connect(self):
        raise NotImplementedError

    def create_source(self) -> None:
        raise NotImplementedError

    def restore(self) -> None:
        """The table as the full build left it, before the change (untimed)."""
        raise NotImplementedError

    def open_engine(self):
        raise NotImplementedError

    def script_args(self) -> list[str]:
        raise NotImplementedError

    def session_class(self) -> type:
        raise NotImplementedError

    # -- setup -------------------------------------------------------------------------
    def prepare(self) -> None:
        """The full build (untimed: it also writes the parse cache), the copy the table is
        restored from, then the change to the source."""
        common.run_timed([*self._fft(), "run", str(self.root), "--env", self.env,
                          "--full-refresh"], self.root, self.args.timeout,
                         extra_env=self.extra_env)
        with contextlib.closing(self.connect()) as con:
            con.execute("create table fct_pristine as select * from fct_events")
            for sql in self.change:
                con.execute(sql)
            found = con.execute(f"select count(*) from ({self.model.delta_sql}) as d"
                                ).fetchone()[0]
        if found != self.delta_rows:
            self.warnings.append(f"the delta has {found:,} rows, not {self.delta_rows:,}")
        self.settle("raw_events")

    def cleanup(self) -> None:
        """What the benchmark made outside its temporary folder (PostgreSQL's schema)."""

    def settle(self, table: str) -> None:
        """After a bulk change: PostgreSQL's statistics and visibility map (DuckDB: none)."""

    def _fft(self) -> list[str]:
        if self.fft is None:
            raise common.RowError("`fft` is not installed (no console script, not on PATH)")
        return self.fft

    def fingerprint(self, table: str) -> tuple:
        with contextlib.closing(self.connect()) as con:
            return tuple(con.execute(FINGERPRINT.format(table)).fetchone())

    def check(self, row: Row) -> None:
        """The first run of ``row`` must leave the table equal to the source."""
        if len(row.samples) != 1:
            return
        got, want = self.fingerprint("fct_events"), self.fingerprint("raw_events")
        row.checked = got == want
        if not row.checked:
            self.warnings.append(f"after {row.short} the table differs from the source "
                                 f"(rows, keys, sum, newest): {got} vs {want}")

    # -- one repetition ------------------------------------------------------------------
    def measure(self) -> None:
        self.full.measure(lambda: self._fft_run("--full-refresh", row=self.full))
        self.check(self.full)
        self._restored(self.incremental, lambda: self._fft_run(row=self.incremental))
        self._restored(self.floor, lambda: self._on_connection(
            floor_statements(self.model.delta_sql), row=self.floor))
        self._restored(self.floor_script, lambda: common.run_timed(
            [sys.executable, str(self.script), *self.script_args()], self.root,
            self.args.timeout)[0])
        self._restored(self.engine_row, lambda: self._engine(breakdown=False))
        self.engine_full.measure(self._engine_full)
        self._restored(self.engine_row, lambda: self._engine(breakdown=True), timed=False)
        self._restored(self.merge, lambda: self._on_connection(
            [merge_statement(self.model.delta_sql)]))

    def _restored(self, row: Row, run: Callable[[], float], timed: bool = True) -> None:
        if row.error is not None:
            return
        self.restore()
        if timed:
            row.measure(run)
            self.check(row)
        else:  # the breakdown of (E): statement times only, not a sample
            try:
                run()
            except Exception as exc:  # e.g. the engine's session class was renamed
                note = f"no statement breakdown: {type(exc).__name__}: {exc}"[:120]
                if note not in row.notes:
                    row.notes.append(note)

    def _fft_run(self, *extra: str, row: Row) -> float:
        seconds, output = common.run_timed([*self._fft(), "run", str(self.root), "--env",
                                            self.env, *extra], self.root, self.args.timeout,
                                           extra_env=self.extra_env)
        if not row.samples:
            line = next((s.strip() for s in output.splitlines() if "fct_events" in s), "")
            row.notes.append(f"first run said: {re.sub(r' {2,}', '  ', line)}")
        return seconds

    def _on_connection(self, statements: list[str], row: Row | None = None) -> float:
        """``statements`` on one connection opened beforehand (untimed), each timed (the
        statement times go to ``row``)."""
        with contextlib.closing(self.connect()) as con:
            parts = []
            t0 = time.perf_counter()
            for sql in statements:
                t = time.perf_counter()
                con.execute(sql)
                parts.append((label_of(sql), time.perf_counter() - t))
            total = time.perf_counter() - t0
        if row is not None:
            row.add_parts(parts)
        return total

    def _engine(self, breakdown: bool) -> float:
        from pytest_fft.engines.incremental_sql import DeltaPlan

        spec = self.model.incremental
        plan = DeltaPlan(spec.strategy, spec.unique_key, spec.updated_at,
                         spec.on_schema_change)
        relation = self.model.relation
        engine = self.open_engine()
        try:
            times: list[tuple[str, float]] = []
            t0 = time.perf_counter()
            exists = engine.relation_exists(relation)
            t1 = time.perf_counter()
            with statement_times(self.session_class(), times) if breakdown \
                    else contextlib.nullcontext():
                engine.apply_delta(relation, self.model.delta_sql, plan)
            t2 = time.perf_counter()
        finally:
            engine.close()
        if not exists:
            raise common.RowError(f"relation_exists({relation!r}) said no")
        if breakdown:
            self.engine_row.add_parts([("relation_exists (before)", t1 - t0), *times],
                                      t2 - t0)
        return t2 - t1

    def _engine_full(self) -> float:
        """The product's full build of the model (``--full-refresh``) on an open engine."""
        from pytest_fft.run.building import build_node

        engine = self.open_engine()
        try:
            t0 = time.perf_counter()
            build_node(self.project, engine, self.model, full_refresh=True)
            return time.perf_counter() - t0
        finally:
            engine.close()


class DuckDB(Warehouse):
    name, env, engine_name = "DuckDB", "dev", "duckdb"

    def __init__(self, args: argparse.Namespace, root: Path) -> None:
        self.db = root / ".local" / "bench.duckdb"
        super().__init__(args, root)

    def connect(self):
        import duckdb

        return duckdb.connect(str(self.db))

    def create_source(self) -> None:
        self.db.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(self.connect()) as con:
            con.execute(SOURCE_SQL.format(rows=self.args.rows))

    def restore(self) -> None:
        with contextlib.closing(self.connect()) as con:  # closing it checkpoints
            con.execute("create or replace table fct_events as select * from fct_pristine")

    def open_engine(self):
        from pytest_fft import DuckDBEngine

        return DuckDBEngine(str(self.db))

    def script_args(self) -> list[str]:
        return ["duckdb", str(self.db)]

    def session_class(self) -> type:
        from pytest_fft.engines.duckdb import _DuckDBDelta

        return _DuckDBDelta


class Postgres(Warehouse):
    name, env, engine_name = "PostgreSQL", "pg", "postgres"

    def __init__(self, args: argparse.Namespace, root: Path, dsn: str) -> None:
        from pytest_fft.engines.postgres import conninfo

        self.dsn, self.conninfo = dsn, conninfo(dsn)
        super().__init__(args, root, {"FF_PG_DSN": dsn, "FF_PG_SCHEMA": PG_SCHEMA})

    def connect(self):
        import psycopg

        return psycopg.connect(self.conninfo, autocommit=True,
                               options=f"-c search_path={PG_SCHEMA}")

    def create_source(self) -> None:
        with contextlib.closing(self.connect()) as con:
            con.execute(f"drop schema if exists {PG_SCHEMA} cascade")
            con.execute(f"create schema {PG_SCHEMA}")
            con.execute(SOURCE_SQL.format(rows=self.args.rows))
        self.settle("raw_events")

    def settle(self, table: str) -> None:
        with contextlib.closing(self.connect()) as con:
            con.execute(f"vacuum analyze {table}")

    def cleanup(self) -> None:
        with contextlib.suppress(Exception), contextlib.closing(self.connect()) as con:
            con.execute(f"drop schema if exists {PG_SCHEMA} cascade")

    def restore(self) -> None:
        # As a table is between runs: its statistics gathered, its visibility map set
        # (autovacuum does both after a bulk load; here they are done at once, untimed).
        with contextlib.closing(self.connect()) as con:
            con.execute("drop table if exists fct_events")
            con.execute("create table fct_events as select * from fct_pristine")
        self.settle("fct_events")

    def open_engine(self):
        from pytest_fft.engines.postgres import PostgresEngine

        return PostgresEngine(self.dsn, schema=PG_SCHEMA)

    def script_args(self) -> list[str]:
        return ["postgres", self.conninfo, PG_SCHEMA]

    def session_class(self) -> type:
        from pytest_fft.engines.postgres import _PostgresDelta

        return _PostgresDelta


def write_project(root: Path) -> None:
    (root / "models").mkdir(parents=True)
    files = {"project.yml": "name: incremental_bench\n", "profiles.yml": PROFILES_YML,
             "sources.yml": "raw:\n  events:\n    identifier: raw_events\n",
             "models/fct_events.ff.sql": MODEL_SQL}
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------

def verdict(ok: bool, at_target_size: bool) -> str:
    if not at_target_size:
        return "n/a at this size"
    return "ok" if ok else "MISSED"


def report(house: Warehouse, at_target_size: bool, width: int) -> None:
    print(f"-- {house.name} " + "-" * (width + 30 - len(house.name)))
    judged = {  # row -> (its floor, its full rebuild)
        house.incremental: (house.floor_script, house.full),
        house.engine_row: (house.floor, house.engine_full),
    }
    floor, script = house.floor.median, house.floor_script.median
    for row in house.rows:
        if row.error is not None and not row.samples:
            print(f"{row.label:<{width}} {'ERROR':>8}  {row.error.summary}")
            continue
        if row.median is None:
            print(f"{row.label:<{width}} {'-':>8}")
            continue
        vs_floor = f"{row.median / floor:.2f}x" if floor and row in (
            house.incremental, house.engine_row, house.merge) else ""
        vs_script = f"{row.median / script:.2f}x" if script and row is house.incremental \
            else ""
        target = ""
        if row in judged and judged[row][0].median and judged[row][1].median:
            base, full = judged[row]
            ratio, share = row.median / base.median, row.median / full.median
            target = (f"<= {FLOOR_TARGET}x {base.short} "
                      f"{verdict(ratio <= FLOOR_TARGET, at_target_size)}; {share:.1%} of "
                      f"{full.short} <= {FULL_SHARE_TARGET:.0%} "
                      f"{verdict(share <= FULL_SHARE_TARGET, at_target_size)}")
        print(f"{row.label:<{width}} {row.median:>7.3f}s {min(row.samples):>7.3f}s "
              f"{vs_floor:>8} {vs_script:>9}  {target}")
    for row in (house.floor, house.engine_row):
        if row.parts:
            medians = ", ".join(f"{name} {statistics.median(s) * 1000:.1f}"
                                for name, s in row.parts.items())
            print(f"    {row.short} by statement, median ms: {medians}")
    pairs = ((house.incremental, house.engine_row), (house.floor_script, house.floor))
    if all(a.median and b.median for pair in pairs for a, b in [pair]):
        print(f"    beyond the SQL: fft run {pairs[0][0].median - pairs[0][1].median:.3f}s "
              f"((I) - (E)), the script {pairs[1][0].median - pairs[1][1].median:.3f}s "
              "((S') - (S)): start-up, imports, connecting, closing")


def print_report(args: argparse.Namespace, houses: list[Warehouse], server: str,
                 at_target_size: bool) -> None:
    import platform

    import duckdb

    print()
    print(f"incremental model: {args.rows:,} rows, {args.delta_pct:g}% of them changed and "
          f"{args.new_rows} new: a {houses[0].delta_rows:,}-row delta merged on event_id")
    print(f"{common.cpu_count()} CPUs, Python {platform.python_version()}, duckdb "
          f"{duckdb.__version__}, {platform.platform()}; median of {args.repeat}")
    for house in houses:
        if isinstance(house, Postgres):
            print(f"PostgreSQL: {common.pg_server_text(house.dsn)} ({server}), schema "
                  f"{PG_SCHEMA}")
    print()
    width = max(len(row.label) for h in houses for row in h.rows)
    script = "vs (S')"
    print(f"{'row':<{width}} {'median':>8} {'min':>8} {'vs (S)':>8} {script:>9}  target")
    for house in houses:
        report(house, at_target_size, width)
    print()
    print(f"Targets: the incremental run within {FLOOR_TARGET}x the bare delete+insert, "
          "(E) against (S) on an open\nconnection and (I) against (S'), which pays start-up, "
          "the driver's import and connecting like\nthe command; and within "
          f"{FULL_SHARE_TARGET:.0%} of the full rebuild, (I) of (F) and (E) of (E0). Every "
          "run of\n(I), (S), (S'), (E) and the MERGE starts from the same table and applies "
          "the same delta.")
    print()
    for house in houses:
        checked = [row.short for row in house.rows if row.checked]
        if checked:
            print(f"{house.name}: after the first run of {', '.join(checked)} the table "
                  "equals the source (rows, keys, sum of value, newest updated_at)")
        for row in house.rows:
            for note in row.notes:
                print(f"{house.name} {row.short}: {note}")
            if row.error is not None:
                detail = (row.error.detail or row.error.summary).replace("\n", "\n    ")
                print(f"{house.name} {row.short}: ERROR\n    {detail}")
        for warning in house.warnings:
            print(f"{house.name}: WARNING: {warning}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS,
                        help=f"rows of the source and the table (default {ROWS:,})")
    parser.add_argument("--delta-pct", type=float, default=DELTA_PCT,
                        help=f"percent of the rows that change (default {DELTA_PCT:g})")
    parser.add_argument("--new-rows", type=int, default=NEW_ROWS,
                        help=f"rows added to the source besides (default {NEW_ROWS})")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per row; the median is shown (default 3)")
    parser.add_argument("--postgres", metavar="DSN|auto",
                        help="also on PostgreSQL (a database where the schema "
                             f"{PG_SCHEMA} may be dropped and created); auto: a throw-away "
                             "server of tests/postgres_server.py")
    parser.add_argument("--postgres-only", action="store_true",
                        help="with --postgres: the PostgreSQL rows only")
    parser.add_argument("--timeout", type=float, default=900,
                        help="seconds before one subprocess is abandoned (default 900)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if args.postgres_only and not args.postgres:
        parser.error("--postgres-only needs --postgres DSN|auto")
    if args.repeat < 1 or args.rows < 100 or not 0 < args.delta_pct <= 100:
        parser.error("--repeat >= 1, --rows >= 100 and 0 < --delta-pct <= 100, please")
    at_target_size = (args.rows, args.delta_pct) == (ROWS, DELTA_PCT)

    tmp = Path(tempfile.mkdtemp(prefix="fft-bench-incremental-"))
    stop_postgres: Callable[[], None] = lambda: None  # noqa: E731
    houses: list[Warehouse] = []
    try:
        if not args.postgres_only:
            write_project(tmp / "duckdb")
            houses.append(DuckDB(args, tmp / "duckdb"))
        server = ""
        if args.postgres:
            dsn, stop_postgres, server = common.start_postgres(args.postgres)
            write_project(tmp / "postgres")
            houses.append(Postgres(args, tmp / "postgres", dsn))
        for house in houses:
            print(f"{house.name}: {args.rows:,} rows in {house.root} ...", file=sys.stderr,
                  flush=True)
            try:
                house.prepare()
            except common.RowError as exc:
                raise SystemExit(f"{house.name}: the first full build failed: {exc.summary}"
                                 f"\n{exc.detail}") from None
        for rep in range(args.repeat):
            print(f"  repetition {rep + 1}/{args.repeat} ...", file=sys.stderr, flush=True)
            for house in houses:
                house.measure()
        print_report(args, houses, server, at_target_size)
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            for house in houses:
                house.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)
        stop_postgres()
    return 0


if __name__ == "__main__":
    sys.exit(main())

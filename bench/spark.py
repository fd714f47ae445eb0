#!/usr/bin/env python3
"""Benchmark pytest-fft on Spark (``databricks_spark``, a local session) against a floor.

    python bench/spark.py [--models 100] [--repeat 3] [--keep]

A project of SQL models only (``generate.py --python-share 0``: the generated Python models
are pandas code, and a Spark Python model gets PySpark frames) gets an env ``spark`` of its
own: ``local[2]``, database ``fft_bench``, its warehouse (and the Hive metastore in Derby
beside it, and ``spark.log``) in the temporary folder. Its seeds are loaded once with
``fft seed`` (not timed). Then, per repetition, in this order (see bench/README.md):

  (s') floor      this file run as a script (``--floor STEPS``): ONE SparkSession started
                  the way pytest-fft starts it (``spark_session.session`` with the settings
                  the engine makes of the profile), the models' relations dropped, then each
                  model's rendered SQL in ``project.dag.order`` as ``create table <db>.<name>
                  using parquet as <sql>`` (``create view`` for a view); timed as a whole
                  process, JVM start-up and exit included
  (t) fft run     ``fft run <project> --env spark`` after the models' relations were dropped
                  (untimed, by the floor script's ``--drop-only``) and ``.fastflowtransform/``
                  removed: every model builds. Target: <= 1.3x (s')
  (u) fft run     the same again right after (t): every model cached. Timed, and whether it
                  started a SparkSession (a JVM among its child processes, or spark.log or
                  derby.log written). Target: no session

At another size than N=100 the verdict of (t) says ``n/a at this size``; (u)'s is given at
every size (a session is started or not, whatever the size).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

ENV = "spark"
DATABASE = "fft_bench"
MASTER = "local[2]"
BUILD_TARGET = 1.3  # fft run within 1.3x the floor run as a script
TARGET_MODELS = 100  # the targets are set for N=100


# --------------------------------------------------------------------------------------------
# The floor (this file as a script: only the standard library and spark_session are imported)
# --------------------------------------------------------------------------------------------

def floor_main(steps_file: str, drop_only: bool) -> int:
    """Start one session as pytest-fft does, drop the models' relations, build them."""
    from pytest_fft.engines.spark_session import SessionSettings, session, stop

    spec = json.loads(Path(steps_file).read_text(encoding="utf-8"))
    settings = spec["settings"]
    settings["conf"] = tuple(tuple(pair) for pair in settings["conf"])
    spark = session(SessionSettings(**settings))
    try:
        spark.sql(f"create database if not exists {spec['database']}")
        spark.sql(f"use {spec['database']}")
        for statement in spec["drops"]:
            spark.sql(statement)
        if not drop_only:
            for statement in spec["creates"]:
                spark.sql(statement)
    finally:
        stop()
    return 0


def quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def floor_spec(project, settings, database: str) -> dict:
    """The floor's statements, from the loaded project: drops, then one build per model."""
    import dataclasses

    drops, creates = [], []
    for name in project.dag.order:
        model = project.models.get(name)
        if model is None:
            continue
        if model.kind != "sql":
            raise SystemExit(f"{name} is a {model.kind} model: the Spark floor runs SQL only "
                             "(generate the project with --python-share 0)")
        target = f"{quote(database)}.{quote(model.relation.split('.')[-1])}"
        if model.materialized == "view":
            drops.append(f"drop view if exists {target}")
            creates.append(f"create view {target} as {model.sql}")
        else:
            drops.append(f"drop table if exists {target}")
            creates.append(f"create table {target} using parquet as {model.sql}")
    return {"settings": dataclasses.asdict(settings), "database": quote(database),
            "drops": drops, "creates": creates}


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux: /proc/<pid>/task/*/children)."""
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                out += [int(p) for p in fh.read().split()]
        except OSError:
            continue
    return out


def _is_jvm(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            argv = fh.read().split(b"\0")
    except OSError:
        return False
    return any(a.endswith((b"java", b"spark-submit", b"spark-class")) for a in argv)


def run_watched(cmd: list[str], cwd: Path, timeout: float,
                watch: bool = False) -> tuple[float, str, bool | None]:
    """Run ``cmd``: its wall-clock seconds, its output, and (``watch``) whether one of its
    descendants was a JVM (``spark-submit``/``java``), checked every 20 ms from a thread of
    this process; None when /proc cannot tell."""
    import subprocess
    import threading

    import run  # bench/run.py: the same environment for subprocesses as its rows

    seen: list[bool] = []
    done = threading.Event()

    def poll(pid: int) -> None:
        while not done.is_set():
            stack, found = [pid], False
            while stack and not found:
                for child in _children(stack.pop()):
                    if _is_jvm(child):
                        found = True
                        break
                    stack.append(child)
            if found:
                seen.append(True)
                return
            done.wait(0.02)

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=run.clean_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    watcher = None
    if watch and Path(f"/proc/{proc.pid}/task").is_dir():
        watcher = threading.Thread(target=poll, args=(proc.pid,), daemon=True)
        watcher.start()
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        proc.kill()
        proc.communicate()
        raise run.RowError(f"timed out after {timeout:.0f}s") from exc
    finally:
        done.set()
    elapsed = time.perf_counter() - t0
    if watcher is not None:
        watcher.join()
    if proc.returncode != 0:
        text = run.tail(output or "")
        last = text.splitlines()[-1] if text else ""
        raise run.RowError(f"exit {proc.returncode}: {last[:90]}", f"$ {' '.join(cmd)}\n{text}")
    return elapsed, output or "", (bool(seen) if watcher is not None else None)


def _sizes(*paths: Path) -> tuple[tuple[int, int], ...]:
    """Size and modification time of each file (Derby writes derby.log anew at each boot)."""
    return tuple((p.stat().st_size, p.stat().st_mtime_ns) if p.exists() else (-1, -1)
                 for p in paths)


def _done_counts(output: str) -> dict[str, int] | None:
    import re

    import run

    done = re.match(r"Done: (.*) in [\d.]+s", run.last_line(output))
    return ({word: int(n) for n, word in re.findall(r"(\d+) (\w+)", done.group(1)) if int(n)}
            if done else None)


# The generated SQL is written for DuckDB and PostgreSQL; two of its spellings are not Spark
# SQL, and no spelling of them means the same on all three (PostgreSQL has no type ``double``,
# Spark none named ``double precision`` or ``float8``; Spark's ``date - date`` is an interval,
# which a parquet table cannot hold). The Spark copy of the project gets Spark's spelling.
SPARK_SPELLINGS = (
    (r"\bdouble precision\b", "double"),
    (r"\(date '(\d{4}-\d\d-\d\d)' - cast\((\w+) as date\)\)",
     r"datediff(date '\1', cast(\2 as date))"),
)


def to_spark_sql(root: Path) -> dict[str, int]:
    """Rewrite the project's SQL models with :data:`SPARK_SPELLINGS`: replacements made."""
    import re

    made = dict.fromkeys((pattern for pattern, _ in SPARK_SPELLINGS), 0)
    for path in sorted((root / "models").rglob("*.sql")):
        text = path.read_text(encoding="utf-8")
        for pattern, replacement in SPARK_SPELLINGS:
            text, n = re.subn(pattern, replacement, text)
            made[pattern] += n
        path.write_text(text, encoding="utf-8")
    return made


def profile_block(warehouse: Path) -> str:
    return (f"\n{ENV}:\n"
            "  engine: databricks_spark\n"
            "  databricks_spark:\n"
            f"    master: \"{MASTER}\"\n"
            "    app_name: fft_bench\n"
            f"    database: {DATABASE}\n"
            f"    warehouse_dir: {json.dumps(str(warehouse))}\n")


def main(argv: list[str] | None = None) -> int:
    import argparse
    import shutil
    import statistics
    import tempfile

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--floor"]:
        return floor_main(argv[1], "--drop-only" in argv[2:])

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=TARGET_MODELS,
                        help=f"models to generate (default {TARGET_MODELS})")
    parser.add_argument("--seed-rows", type=int, default=1000,
                        help="rows of the big seeds (default 1000)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="repetitions; the table shows the median (default 3)")
    parser.add_argument("--timeout", type=float, default=900,
                        help="seconds before one subprocess is abandoned (default 900)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    sys.path.insert(0, str(HERE))
    try:
        import pytest_fft  # noqa: F401
    except ImportError:  # a checkout that is not installed: the package next to bench/
        sys.path.insert(1, str(HERE.parent))
    import generate
    import run

    from pytest_fft import load_project
    from pytest_fft.engines.spark import session_settings
    from pytest_fft.project.profiles import resolve_profile

    fft = run.console_script("fft")
    if fft is None:
        raise SystemExit("no fft command: pip install -e '.[spark]'")
    tmp = Path(tempfile.mkdtemp(prefix=f"fft-bench-spark-{args.models}-"))
    root = tmp / f"bench_{args.models}"
    spark_dir = tmp / "spark"
    warehouse = spark_dir / "warehouse"
    spark_log, derby_log = spark_dir / "spark.log", spark_dir / "derby.log"
    try:
        spec = generate.generate(root, args.models, args.seed_rows, python_share=0.0)
        rewritten = to_spark_sql(root)
        with open(root / "profiles.yml", "a", encoding="utf-8") as fh:
            fh.write(profile_block(warehouse))
        print(f"generated {root}: {generate.describe(spec)}; Spark spellings: "
              f"{sum(rewritten.values())} replacements in the SQL models",
              file=sys.stderr, flush=True)
        project = load_project(root)
        resolved = resolve_profile(root, ENV, environ={})
        settings = session_settings(resolved.profile.databricks_spark)
        steps = tmp / "floor_steps.json"
        steps.write_text(json.dumps(floor_spec(project, settings, DATABASE)), encoding="utf-8")
        floor_cmd = [sys.executable, str(Path(__file__).resolve()), "--floor", str(steps)]
        run_cmd = [*fft, "run", str(root), "--env", ENV]
        n_models = len(project.models)

        def note(text: str) -> None:
            print(text, file=sys.stderr, flush=True)

        t0 = time.perf_counter()
        seconds, output, _ = run_watched([*fft, "seed", str(root), "--env", ENV], root,
                                         args.timeout)
        note(f"fft seed (untimed): {seconds:.1f}s: {run.last_line(output)}")

        floor: list[float] = []
        full: list[float] = []
        cached: list[float] = []
        started: list[str] = []
        problems: list[str] = []
        for rep in range(1, args.repeat + 1):
            seconds, _, _ = run_watched(floor_cmd, root, args.timeout)
            floor.append(seconds)
            note(f"[{rep}] (s') floor script {seconds:.2f}s")
            run_watched([*floor_cmd, "--drop-only"], root, args.timeout)
            shutil.rmtree(root / ".fastflowtransform", ignore_errors=True)
            seconds, output, _ = run_watched(run_cmd, root, args.timeout)
            counts = _done_counts(output)
            if counts != {"ok": n_models}:
                problems.append(f"(t) run {rep}: not every model built: "
                                f"{run.last_line(output)[:100]}")
            full.append(seconds)
            note(f"[{rep}] (t) fft run {seconds:.2f}s: {run.last_line(output)}")
            before = _sizes(spark_log, derby_log)
            seconds, output, jvm = run_watched(run_cmd, root, args.timeout, watch=True)
            grew = [p.name for p, a, b in zip((spark_log, derby_log), before,
                                              _sizes(spark_log, derby_log), strict=True)
                    if b != a]
            counts = _done_counts(output)
            if counts != {"cached": n_models}:
                problems.append(f"(u) run {rep}: not every model cached: "
                                f"{run.last_line(output)[:100]}")
            evidence = (["a JVM child process"] if jvm else []) + [f"{g} written" for g in grew]
            started.append("yes (" + ", ".join(evidence) + ")" if evidence
                           else "no" if jvm is not None else "unknown (no /proc)")
            cached.append(seconds)
            note(f"[{rep}] (u) fft run, cached {seconds:.2f}s: {run.last_line(output)}; "
                 f"SparkSession started: {started[-1]}")
        total = time.perf_counter() - t0
    except run.RowError as exc:
        print(f"ERROR: {exc.summary}\n{exc.detail}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    at_size = args.models == TARGET_MODELS

    def verdict(ok: bool, any_size: bool = False) -> str:
        if not at_size and not any_size:
            return f"n/a at this size (target set for N={TARGET_MODELS})"
        return "ok" if ok else "MISSED"

    width = 52

    def line(label: str, samples: list[float], target: str = "") -> None:
        med = statistics.median(samples)
        print(f"{label:<{width}} {med:>7.3f}s {min(samples):>7.3f}s "
              f"{med / base:>8.2f}x  {target}".rstrip())

    base = statistics.median(floor)
    print(f"\nSpark, {MASTER}, N={args.models} SQL models, median of {args.repeat} "
          f"(measured in {total:.0f}s)")
    print(f"{'row':<{width}} {'median':>8} {'min':>8} {'vs floor':>9}  target")
    line("(s') floor script: one SparkSession, rendered SQL", floor)
    ratio = statistics.median(full) / base
    line(f"(t) fft run --env {ENV}, every model built", full,
         f"<= {BUILD_TARGET}x " + verdict(ratio <= BUILD_TARGET))
    any_started = any(not s.startswith("no") for s in started)
    line(f"(u) fft run --env {ENV}, cached rerun", cached,
         f"SparkSession started: {'yes' if any_started else 'no'} (target: no) "
         + verdict(not any_started, any_size=True))
    print("\nnotes:")
    for rep, text in enumerate(started, 1):
        print(f"  (u) run {rep}: SparkSession started: {text}")
    for text in problems:
        print(f"  WARNING: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

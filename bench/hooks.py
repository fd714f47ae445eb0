"""What hooks cost a run: ``fft run`` of the generated project with a ``before_model`` and an
``after_model`` SQL hook on every model (an audit row inserted before each model and updated
after it), against ``fft run`` of the same project without hooks, interleaved.

    python bench/hooks.py                       # 500 models, 5 pairs of runs
    python bench/hooks.py --models 100 --repeat 3

Each run builds from nothing on DuckDB (the database and the run artefacts are removed and
the seeds loaded first, untimed); pytest's cache stays warm, as in run.py. Target (N=500):
the run with hooks at most 1.2x the run without.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import fresh_state, timed_command  # noqa: E402

TARGET = 1.2

# --hooks audit: what FastFlowTransform's hooks_demo does, an audit row written per model (two
# autocommitted writes per model: on a DuckDB file each commit costs milliseconds of the
# warehouse's own). --hooks select: the same hooks rendered per model with their context,
# each one statement that writes nothing (what pytest-fft itself adds per model).
SELECT_HOOKS = """
hooks:
  before_model:
    - name: model_start
      kind: sql
      sql: |
        select {{ run.run_id | sql_literal }} as run_id, {{ model.name | sql_literal }} as model,
               {{ model.status | sql_literal }} as status;
  after_model:
    - name: model_end
      kind: sql
      sql: |
        select {{ run.run_id | sql_literal }} as run_id, {{ model.name | sql_literal }} as model,
               {{ model.status | sql_literal }} as status,
               {{ model.rows_affected | sql_literal }} as rows_affected,
               {{ model.elapsed_ms | sql_literal }} as elapsed_ms;
"""

HOOKS = """
hooks:
  on_run_start:
    - name: create_audit
      kind: sql
      sql: |
        create table if not exists _ff_model_audit (
          run_id text, model_name text, status text, started_at timestamp,
          finished_at timestamp, rows_affected bigint, elapsed_ms bigint);
  before_model:
    - name: model_start
      kind: sql
      sql: |
        insert into _ff_model_audit (run_id, model_name, status, started_at)
        values ({{ run.run_id | sql_literal }}, {{ model.name | sql_literal }}, 'running',
                current_timestamp);
  after_model:
    - name: model_end
      kind: sql
      sql: |
        update _ff_model_audit
        set status = {{ model.status | sql_literal }}, finished_at = current_timestamp,
            rows_affected = {{ model.rows_affected | sql_literal }},
            elapsed_ms = {{ model.elapsed_ms | sql_literal }}
        where run_id = {{ run.run_id | sql_literal }}
          and model_name = {{ model.name | sql_literal }};
"""


def _run(cmd: list[str], cwd: Path, timeout: float) -> float:
    return timed_command(cmd, cwd, timeout)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--hooks", choices=("audit", "select"), default="audit",
                        help="audit: insert + update of an audit row per model (default); "
                             "select: the same context rendered into a statement that "
                             "writes nothing")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="fft-bench-hooks-"))
    plain, hooked = work / "plain", work / "hooked"
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--models", str(args.models),
                    "--out", str(plain)], check=True, capture_output=True)
    shutil.copytree(plain, hooked)
    with (hooked / "project.yml").open("a", encoding="utf-8") as f:
        f.write(HOOKS if args.hooks == "audit" else SELECT_HOOKS)
    fft = [sys.executable, "-m", "pytest_fft"]
    times: dict[Path, list[float]] = {plain: [], hooked: []}
    try:
        for root in (plain, hooked):  # untimed: warms the parse cache, checks it builds
            fresh_state(root, root / ".local" / "bench.duckdb")
            _run([*fft, "build", ".", "--env", "dev"], root, args.timeout)
        for i in range(args.repeat):
            for root in ((plain, hooked) if i % 2 == 0 else (hooked, plain)):
                fresh_state(root, root / ".local" / "bench.duckdb")
                _run([*fft, "seed", ".", "--env", "dev"], root, args.timeout)
                times[root].append(_run([*fft, "run", ".", "--env", "dev"], root,
                                        args.timeout))
        rows = _audit_rows(hooked) if args.hooks == "audit" else None
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    base, with_hooks = statistics.median(times[plain]), statistics.median(times[hooked])
    ratio = with_hooks / base
    verdict = ("ok" if ratio <= TARGET else "MISSED") if args.models == 500 else \
        "n/a at this size"
    print(f"N={args.models} models, {args.repeat} interleaved pairs, median (min) seconds")
    print(f"  fft run, no hooks                         {base:6.2f} ({min(times[plain]):.2f})")
    print(f"  fft run, before_model+after_model {args.hooks:<7} {with_hooks:6.2f} "
          f"({min(times[hooked]):.2f})")
    print(f"  ratio {ratio:.2f}x (target <= {TARGET}x): {verdict}")
    if rows is not None:
        print(f"  audit rows of the last run with hooks: {rows}")


def _audit_rows(root: Path) -> int:
    import duckdb

    con = duckdb.connect(str(root / ".local" / "bench.duckdb"), read_only=True)
    try:
        return int(con.execute("select count(*) from _ff_model_audit where status = "
                               "'success'").fetchone()[0])
    finally:
        con.close()


if __name__ == "__main__":
    main()

"""What the docs cost: ``fft docgen`` of the generated project with the warehouse's columns
and column lineage, and the size of the page it writes.

    python bench/docgen.py                      # 1,000 models, 3 repetitions
    python bench/docgen.py --models 200 --repeat 1

The project is generated (``generate.py``) and built once on DuckDB, untimed, so that the
warehouse has every relation's columns. Each repetition then runs, as whole processes,
``fft docgen <project> --env dev --out <site> --emit-json <site>/docs_manifest.json`` (the
schema read from the warehouse, lineage traced for every model) three times, interleaved:

* **cold**: with the command's caches removed first (``.pytest_cache/d/fft-docs``, the SQL
  lineage, and ``fft-parse``, the loaded project, which the build had filled): every model
  loaded, rendered and traced, as the first docgen of a fresh checkout;
* **warm**: again, nothing changed: the project and the lineage come from the caches, as a
  docgen after an edit of a few models, or in a loop while writing descriptions;
* with ``--no-schema``, cold, for comparison: what reading the warehouse costs.

Targets (N=1000): docgen with schema and lineage at most 5 s on this machine, cold and warm;
``index.html`` at most 2 MB.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import timed_command  # noqa: E402

TARGET_SECONDS = 5.0
TARGET_BYTES = 2 * 1024 * 1024
CACHES = ("fft-docs", "fft-parse")  # what a cold run starts without (.pytest_cache/d/...)


def _run(cmd: list[str], cwd: Path, timeout: float) -> tuple[float, str]:
    return timed_command(cmd, cwd, timeout)


def _clear(root: Path) -> None:
    for cache in CACHES:
        shutil.rmtree(root / ".pytest_cache" / "d" / cache, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--keep", action="store_true", help="keep the generated project")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="fft-bench-docgen-"))
    root, site = work / "project", work / "site"
    fft = [sys.executable, "-m", "pytest_fft"]
    cold: list[float] = []
    warm: list[float] = []
    bare: list[float] = []
    try:
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--models",
                        str(args.models), "--out", str(root)], check=True, capture_output=True)
        _run([*fft, "build", ".", "--env", "dev"], root, args.timeout)  # untimed: the tables
        docgen = [*fft, "docgen", ".", "--env", "dev", "--out", str(site), "--emit-json",
                  str(site / "docs_manifest.json")]
        for _ in range(args.repeat):
            _clear(root)
            cold.append(_run(docgen, root, args.timeout)[0])
            warm.append(_run(docgen, root, args.timeout)[0])
            _clear(root)
            bare.append(_run([*docgen, "--no-schema"], root, args.timeout)[0])
        _run(docgen, root, args.timeout)
        size = (site / "index.html").stat().st_size
        document = json.loads((site / "docs_manifest.json").read_text())
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")
    columns = [c for m in document["models"] for c in m["columns"]]
    traced = [c for c in columns if c["lineage"] is not None]
    told = [c for c in columns if c["nullable"] is not None]
    at_size = args.models == 1000

    def row(label: str, times: list[float], target: bool) -> str:
        seconds = statistics.median(times)
        verdict = ""
        if target:
            verdict = f"  target <= {TARGET_SECONDS:.0f} s: " + (
                ("ok" if seconds <= TARGET_SECONDS else "MISSED") if at_size else "n/a")
        return f"  {label:<47}{seconds:6.2f} ({min(times):.2f}){verdict}"

    print(f"N={args.models} models, {args.repeat} repetitions, median (min) seconds")
    print(row("fft docgen, cold (no caches)", cold, True))
    print(row("fft docgen, warm (project and lineage cached)", warm, True))
    print(row("fft docgen --no-schema, cold", bare, False))
    print(f"  index.html                               {size / 1024:8.0f} KiB  target <= 2 MiB: "
          f"{'ok' if size <= TARGET_BYTES else 'MISSED'}")
    print(f"  columns in the manifest: {len(columns)}, with lineage: {len(traced)} "
          f"({100 * len(traced) / max(1, len(columns)):.0f}%), with nullability: {len(told)}")

if __name__ == "__main__":
    main()

"""What the docs cost: ``fft docgen`` of the generated project with the warehouse's columns
and column lineage, and the size of the page it writes.

    python bench/docgen.py                      # 1,000 models, 3 repetitions
    python bench/docgen.py --models 200 --repeat 1

The project is generated (``generate.py``) and built once on DuckDB, untimed, so that the
warehouse has every relation's columns. Each repetition then runs, as a whole process,
``fft docgen <project> --env dev --out <site> --emit-json <site>/docs_manifest.json`` (the
schema read from the warehouse, lineage traced for every model). A run with ``--no-schema``
follows each, for comparison. Targets (N=1000): docgen with schema and lineage at most 5 s on
this machine; ``index.html`` at most 2 MB.
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


def _run(cmd: list[str], cwd: Path, timeout: float) -> tuple[float, str]:
    return timed_command(cmd, cwd, timeout)


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
    full: list[float] = []
    bare: list[float] = []
    try:
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--models",
                        str(args.models), "--out", str(root)], check=True, capture_output=True)
        _run([*fft, "build", ".", "--env", "dev"], root, args.timeout)  # untimed: the tables
        docgen = [*fft, "docgen", ".", "--env", "dev", "--out", str(site), "--emit-json",
                  str(site / "docs_manifest.json")]
        for _ in range(args.repeat):
            full.append(_run(docgen, root, args.timeout)[0])
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
    at_size = args.models == 1000
    seconds = statistics.median(full)
    print(f"N={args.models} models, {args.repeat} repetitions, median (min) seconds")
    print(f"  fft docgen, schema + lineage + manifest  {seconds:6.2f} ({min(full):.2f})  "
          f"target <= {TARGET_SECONDS:.0f} s: "
          f"{('ok' if seconds <= TARGET_SECONDS else 'MISSED') if at_size else 'n/a'}")
    print(f"  fft docgen --no-schema                   {statistics.median(bare):6.2f} "
          f"({min(bare):.2f})")
    print(f"  index.html                               {size / 1024:8.0f} KiB  target <= 2 MiB: "
          f"{'ok' if size <= TARGET_BYTES else 'MISSED'}")
    print(f"  columns in the manifest: {len(columns)}, with lineage: {len(traced)} "
          f"({100 * len(traced) / max(1, len(columns)):.0f}%)")


if __name__ == "__main__":
    main()

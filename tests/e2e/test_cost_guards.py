"""Cost guards through ``fft run``: a model whose query the engine estimates (``EXPLAIN``) above
``FF_<ENGINE>_MAX_BYTES`` or ``budgets.yml``'s ``query_limits`` is stopped before it runs, its
table left as it was; the other models build."""

from __future__ import annotations

import re
from pathlib import Path

EVENTS = "id,kind\n" + "".join(f"{i},kind_{i % 7}\n" for i in range(500))
GUARD = {"duckdb": "FF_DUCKDB_MAX_BYTES", "postgres": "FF_PG_MAX_BYTES"}


def _project(make_project, profile: str) -> Path:
    return make_project({
        "profiles.yml": profile,
        "seeds/events.csv": EVENTS,
        "models/events_copy.ff.sql": "select id, kind from {{ ref('events') }}\n",
        "models/small.ff.sql": "select 1 as id\n",
    })


def test_guard_stops_a_model_before_it_runs(make_project, run_fft, warehouse) -> None:
    engine = "postgres" if "engine: postgres" in warehouse.profile else "duckdb"
    variable = GUARD[engine]
    root = _project(make_project, warehouse.profile)
    assert run_fft("seed", str(root)).returncode == 0
    first = run_fft("run", str(root), env={variable: "1GB"})  # a guard it stays under
    assert first.returncode == 0, first.output
    assert warehouse.rows(root, "select count(*) from events_copy") == [(500,)]

    (root / "models/events_copy.ff.sql").write_text(
        "select id, kind, 'new' as extra from {{ ref('events') }}\n", encoding="utf-8")
    stopped = run_fft("run", str(root), env={variable: "1KB"})
    assert stopped.returncode == 1
    assert "✗ events_copy.ff" in stopped.stdout
    assert "✓ small.ff" in stopped.stdout  # its estimate is under the guard: it ran
    found = re.search(
        rf"events_copy\.ff stopped before it ran: Aborting {engine} query: estimated scanned "
        rf"bytes (\d+) \((\d+\.\d) KB\) exceed {variable}=1KB \(1\.0 KB\)\. Increase "
        rf"{variable} or unset it to allow this query\.", stopped.stderr)
    assert found is not None, stopped.output
    assert int(found.group(1)) > 1024
    assert "at models/events_copy.ff.sql" in stopped.stderr
    assert f"fix: raise {variable} above {found.group(1)}" in stopped.stderr
    assert "Traceback" not in stopped.output
    # The table is the one the first run built: no extra column, the same rows.
    assert warehouse.rows(root, "select count(*) from events_copy") == [(500,)]
    columns = warehouse.rows(root, "select * from events_copy limit 1")
    assert len(columns[0]) == 2

    unset = run_fft("run", str(root), env={variable: "0"})  # <= 0: no guard
    assert unset.returncode == 0, unset.output
    assert len(warehouse.rows(root, "select * from events_copy limit 1")[0]) == 3


def test_budgets_yml_query_limit_and_the_variable_over_it(make_project, run_fft) -> None:
    root = _project(make_project, "dev:\n  engine: duckdb\n  duckdb: {path: .local/dev.duckdb}\n")
    (root / "budgets.yml").write_text("version: 1\nquery_limits:\n  duckdb:\n"
                                      "    max_bytes: 1KB\n", encoding="utf-8")
    assert run_fft("seed", str(root)).returncode == 0
    stopped = run_fft("run", str(root))
    assert stopped.returncode == 1
    assert re.search(r"exceed budgets\.yml query_limits\.duckdb\.max_bytes=1024 \(1\.0 KB\)\. "
                     r"Increase FF_DUCKDB_MAX_BYTES or unset it", stopped.stderr), stopped.output
    assert "✓ small.ff" in stopped.stdout
    assert "✗ events_copy.ff" in stopped.stdout
    # The variable overrides the file: 0 turns the guard off.
    ran = run_fft("run", str(root), env={"FF_DUCKDB_MAX_BYTES": "0"})
    assert ran.returncode == 0, ran.output
    assert "✓ events_copy.ff" in ran.stdout


def test_a_bad_guard_value_names_the_variable(make_project, run_fft) -> None:
    root = _project(make_project, "dev:\n  engine: duckdb\n  duckdb: {path: .local/dev.duckdb}\n")
    assert run_fft("seed", str(root)).returncode == 0
    result = run_fft("run", str(root), env={"FF_DUCKDB_MAX_BYTES": "lots"})
    assert result.returncode == 1
    assert ("FF_DUCKDB_MAX_BYTES 'lots' is no size: write bytes (5000000000) or a number with "
            "KB, MB, GB or TB (10GB, 750MB)") in result.stderr
    assert "Traceback" not in result.output

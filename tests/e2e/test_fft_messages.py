"""What `fft` says when the folder, the database or the order of commands is wrong, and that
commands which only read create nothing."""

from __future__ import annotations

from pathlib import Path


def test_a_folder_that_does_not_exist_is_said_so(tmp_path: Path, run_fft) -> None:
    result = run_fft("run", str(tmp_path / "nope"))
    assert result.returncode == 1
    assert result.stderr.startswith(f"fft: {tmp_path / 'nope'} does not exist\n")


def test_a_file_instead_of_a_folder_is_said_so(tmp_path: Path, run_fft) -> None:
    (tmp_path / "x.yml").write_text("a: 1\n")
    result = run_fft("run", str(tmp_path / "x.yml"))
    assert result.returncode == 1
    assert result.stderr.startswith(f"fft: {tmp_path / 'x.yml'} is a file, not a folder\n")


def test_an_in_memory_database_is_not_told_to_seed_first(simple_project: Path, run_fft) -> None:
    result = run_fft("run", str(simple_project), env={"FF_DUCKDB_PATH": ":memory:"})
    assert result.returncode == 1
    assert ("seed seed_users is not loaded (relation seed_users is missing), and the database "
            "is in memory: it holds only what this run loads; use `fft build`") in result.stderr
    assert "run `fft seed` first" not in result.output
    built = run_fft("build", str(simple_project), env={"FF_DUCKDB_PATH": ":memory:"})
    assert built.returncode == 0, built.output


def test_checks_on_a_warehouse_not_built_yet_create_nothing(simple_project: Path,
                                                            run_fft) -> None:
    result = run_fft("test", str(simple_project), "--env", "dev")
    assert result.returncode == 1
    assert "the warehouse of env 'dev' does not exist yet: there is nothing to check" \
        in result.output
    assert not (simple_project / ".local").exists()


def test_fft_dag_creates_no_database_folder(simple_project: Path, run_fft) -> None:
    for extra in ((), ("--no-schema",)):
        result = run_fft("dag", str(simple_project), "--env", "dev", *extra)
        assert result.returncode == 0, result.output
    assert not (simple_project / ".local").exists()


def test_option_errors_use_fft_spellings_before_anything_runs(simple_project: Path,
                                                              run_fft) -> None:
    cases = {
        ("run", "--jobs", "0"): "fft: error: --jobs must be at least 1, got 0\n",
        ("run", "--select", "+"): "fft: error: --select '+' is an empty selector\n",
        ("test", "--exclude", "++"): "fft: error: --exclude '++' is an empty selector\n",
        ("run", "--vars", "x"): "fft: error: --vars 'x': expected KEY=VALUE",
    }
    for args, message in cases.items():
        result = run_fft(args[0], str(simple_project), *args[1:])
        assert result.returncode == 1, result.output
        assert result.stderr.startswith(message), result.stderr
        assert result.stdout == ""  # no header: nothing started
        assert "--fft-" not in result.output


def _dag_nodes(output: str) -> set[str]:
    """The node names of `fft dag`'s printout (``  name (kind, materialized) <- parents``)."""
    return {line.split()[0] for line in output.splitlines() if line.startswith("  ")}


def test_fft_dag_and_ci_check_select_state_modified_from_the_last_build(simple_project: Path,
                                                             run_fft) -> None:
    every = {"seed_users", "seed_orders", "users.ff", "orders.ff", "users_enriched",
             "mart_users.ff", "mart_orders_enriched"}
    never_built = run_fft("dag", str(simple_project), "--select", "state:modified")
    assert never_built.returncode == 0, never_built.output
    assert _dag_nodes(never_built.stdout) == every
    assert run_fft("build", str(simple_project)).returncode == 0
    unchanged = run_fft("dag", str(simple_project), "--select", "state:modified")
    assert unchanged.returncode == 0, unchanged.output
    assert "Nothing to show: no node matched." in unchanged.stdout
    mart = simple_project / "models" / "mart_users.ff.sql"
    mart.write_text(mart.read_text().replace("select", "select 1 as extra,", 1))
    changed = run_fft("dag", str(simple_project), "--select", "state:modified")
    assert changed.returncode == 0, changed.output
    # The changed model, with what it depends on (as a run of the selection builds it).
    assert _dag_nodes(changed.stdout) == {"mart_users.ff", "users_enriched", "users.ff",
                                          "seed_users"}
    # fft ci-check previews the same selection (models only, in DAG order).
    preview = run_fft("ci-check", str(simple_project), "--select", "state:modified", "-v")
    assert preview.returncode == 0, preview.output
    assert "    users.ff, users_enriched, mart_users.ff\n" in preview.stdout
    # Another env has no build to compare with: everything counts as modified.
    other = run_fft("dag", str(simple_project), "--select", "state:modified", "--env", "memory")
    assert other.returncode == 0, other.output
    assert _dag_nodes(other.stdout) == every


def test_fft_spelling_rewrites_whole_options_only() -> None:
    from pytest_fft.cli.spelling import fft_spelling

    assert fft_spelling("use --fft-select +x or --fft-jobs 2; --fft-utest-cache rw") == \
        "use --select +x or --jobs 2; --cache rw"
    assert fft_spelling("needs a build (--fft-run)") == "needs a build (fft run)"
    assert fft_spelling("or add --fft-seed to pytest") == "or add --fft-seed to pytest"
    assert fft_spelling("--fft-utest-model m") == "--model m"


def test_an_unknown_option_shows_the_command_usage(simple_project: Path, run_fft) -> None:
    for command, option in (("run", "--prune"), ("test", "--rebuild"),
                            ("utest", "--select")):
        result = run_fft(command, str(simple_project), option, "x")
        assert result.returncode == 1
        assert result.stderr.startswith(f"usage: fft {command} [-h]"), result.stderr
        assert f"fft {command}: error: unrecognized arguments: {option} x" in result.stderr


def test_pytest_report_options_after_the_double_dash_work(simple_project: Path,
                                                          run_fft) -> None:
    result = run_fft("build", str(simple_project), "--", "-v", "--tb=short", "-rA", "-l")
    assert result.returncode == 0, result.output
    assert result.stdout.startswith("pytest ")  # -v is fft's: it shows the pytest command
    assert "--tb=short --showlocals" in result.stdout.splitlines()[0]
    assert "Done: 10 ok" in result.stdout


def test_vv_sql_in_a_log_is_copyable(simple_project: Path, run_fft) -> None:
    """Without a terminal (CI) the rendered SQL is printed as it ran: no wrapping at the
    console's width, no padding, no log-level column."""
    long_literal = "a string literal that goes well past eighty columns of width, as in real SQL"
    (simple_project / "models/users.ff.sql").write_text(
        f"select id, email, '{long_literal}' as note\nfrom {{{{ source('crm','users') }}}}\n")
    assert run_fft("seed", str(simple_project)).returncode == 0
    result = run_fft("run", str(simple_project), "-vv", "--select", "users",
                     env={"COLUMNS": "80"})
    assert result.returncode == 0, result.output
    lines = result.stderr.splitlines()
    start = lines.index("-- users.ff (models/users.ff.sql)")
    assert lines[start + 1:start + 3] == [
        f"select id, email, '{long_literal}' as note", "from seed_users"]


def test_the_makefile_and_the_plain_command_share_the_cache(simple_project: Path,
                                                            run_fft) -> None:
    """`make run` sets FF_ENGINE and FF_DUCKDB_PATH to what the profile says: no rebuild."""
    assert run_fft("seed", str(simple_project), "--env", "dev").returncode == 0
    assert run_fft("run", str(simple_project), "--env", "dev").returncode == 0
    make_run = run_fft("run", str(simple_project), "--env", "dev",
                       env={"FF_ENGINE": "duckdb", "FF_DUCKDB_PATH": ".local/demo.duckdb"})
    assert "Done: 0 ok, 5 cached" in make_run.stdout, make_run.output
    other = run_fft("run", str(simple_project), "--env", "dev",
                    env={"FF_DUCKDB_PATH": ".local/other.duckdb"})
    assert other.returncode == 1  # another, empty database: its seeds are not loaded
    assert "seed seed_users is not loaded" in other.output


def test_fft_test_counts_checks_and_ends_with_done(simple_project: Path, run_fft) -> None:
    assert run_fft("build", str(simple_project), "--env", "dev").returncode == 0
    result = run_fft("test", str(simple_project), "--env", "dev")
    assert result.returncode == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "test simple_duckdb · env dev · DUCK · 3 checks · jobs 4"
    assert lines[-1].startswith("Done: 3 checks in ")


def test_an_unknown_env_from_the_variable_says_so(simple_project: Path, run_fft) -> None:
    result = run_fft("run", str(simple_project), env={"FFT_ACTIVE_ENV": "nosuch"})
    assert result.returncode == 1
    assert "Unknown env 'nosuch' (from FFT_ACTIVE_ENV)" in result.stderr
    assert "fix: unset FFT_ACTIVE_ENV or set it to one of: dev" in result.stderr


def test_a_slow_node_does_not_hold_back_the_lines_of_finished_ones(simple_project: Path,
                                                                   run_fft) -> None:
    """Lines come as nodes finish: a slow model that sorts first prints last."""
    assert run_fft("seed", str(simple_project)).returncode == 0
    (simple_project / "models/a_slow.ff.sql").write_text(
        "select id, (select sum(hash(i)) from range(1000000000) t(i)) as slow\n"
        "from {{ source('crm', 'users') }}\n")
    result = run_fft("run", str(simple_project), "--jobs", "4")
    assert result.returncode == 0, result.output
    names = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("✓ ")]
    assert names[-1] == "a_slow.ff", result.stdout
    assert set(names) == {"a_slow.ff", "orders.ff", "users.ff", "users_enriched",
                          "mart_orders_enriched", "mart_users.ff"}


def test_a_warehouse_that_cannot_be_opened_is_one_error_and_nothing_ran(
        simple_project: Path, run_fft) -> None:
    """Known before anything runs: told once, with its fix; no line per node, no summary."""
    junk = simple_project / "notes.txt"
    junk.write_text("not a database\n")
    for command, total in (("run", "5 nodes"), ("build", "10 nodes"), ("seed", "2 nodes")):
        result = run_fft(command, str(simple_project), env={"FF_DUCKDB_PATH": str(junk)})
        assert result.returncode == 1, result.output
        lines = result.stdout.splitlines()
        assert len(lines) == 2, result.stdout  # the header and Done, nothing in between
        assert lines[1].startswith(f"Done: nothing ran, {total} not run in "), result.stdout
        assert result.stderr == (
            "\n✗ the warehouse of env 'dev' could not be opened\n"
            f"{junk} is not a DuckDB database file\n"
            "  fix: point the duckdb path of the profile (or FF_DUCKDB_PATH) at a DuckDB file "
            "(e.g. .local/dev.duckdb; it is created when missing), not at a data file\n")
    for extra in ((), ("--", "-n", "2")):  # the same with pytest-xdist workers
        result = run_fft("build", str(simple_project), *extra,
                         env={"FF_DUCKDB_PATH": str(junk)})
        assert result.returncode == 1, result.output
        assert result.stdout.splitlines()[1:] == [result.stdout.splitlines()[-1]]
        assert result.stdout.splitlines()[-1].startswith("Done: nothing ran, 10 nodes not run")
        assert result.stderr.count("could not be opened") == 1, result.stderr
    checks = run_fft("test", str(simple_project))
    assert checks.returncode == 1
    assert "Data Quality Summary" not in checks.stdout
    assert checks.stdout.splitlines()[-1].startswith("Done: nothing ran, 3 checks not run in ")
    assert "the warehouse of env 'dev' does not exist yet" in checks.stderr
    assert junk.read_text() == "not a database\n"


def test_under_pytest_the_first_item_has_the_error_and_the_others_point_at_it(
        simple_project: Path) -> None:
    import subprocess
    import sys

    junk = simple_project / "notes.txt"
    junk.write_text("not a database\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(simple_project), "--rootdir", str(simple_project),
         "--fft-seed", "--fft-run", "-p", "no:randomly", "-p", "no:cacheprovider", "-rfEs",
         "-o", "python_files=", "-q"],
        capture_output=True, text=True, env={**__import__("os").environ,
                                             "FF_DUCKDB_PATH": str(junk)}, check=False)
    assert result.returncode == 1, result.stdout
    assert "1 failed, 6 skipped" in result.stdout
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED ")]
    assert len(failed) == 1 and "seeds/seed_orders.csv::seed_orders" in failed[0], failed
    assert f"\n{junk} is not a DuckDB database file\n  fix: point the duckdb path" \
        in result.stdout
    assert ("not run: the warehouse of env 'dev' could not be opened (the error is reported "
            "on seed_orders)") in result.stdout
    workers = subprocess.run(
        [sys.executable, "-m", "pytest", str(simple_project), "--rootdir", str(simple_project),
         "--fft-seed", "--fft-run", "-p", "no:randomly", "-p", "no:cacheprovider", "-rfEs",
         "-o", "python_files=", "-q", "-n", "2"],
        capture_output=True, text=True, env={**__import__("os").environ,
                                             "FF_DUCKDB_PATH": str(junk)}, check=False)
    assert workers.returncode == 1, workers.stdout
    assert "1 failed, 6 skipped" in workers.stdout
    assert workers.stdout.count(f"{junk} is not a DuckDB database file\n") == 1


def test_an_unknown_unit_case_selection_is_an_fft_error_before_any_header(
        simple_project: Path, run_fft) -> None:
    cases = {
        ("--model", "nosuch"): "fft: error: no unit case for model 'nosuch'; models with unit "
                               "cases: mart_orders_enriched, mart_users, users_enriched\n",
        ("--case", "nosuch"): "fft: error: no unit case named 'nosuch'; unit cases: "
                              "basic_gmail_flag, join_and_flag, override_inputs, "
                              "passthrough_columns\n",
    }
    for args, message in cases.items():
        result = run_fft("utest", str(simple_project), *args)
        assert result.returncode == 1, result.output
        assert result.stdout == ""
        assert result.stderr == message


def test_under_xdist_fft_keeps_its_header_engine_column_and_summary(simple_project: Path,
                                                                    run_fft) -> None:
    built = run_fft("build", str(simple_project), "--", "-n", "2")
    assert built.returncode == 0, built.output
    lines = built.stdout.splitlines()
    assert lines[0] == "build simple_duckdb · env dev · DUCK · 10 nodes · jobs 4"
    assert sum(1 for line in lines if line.startswith("✓ ") and " DUCK " in line) == 10, lines
    assert "Data Quality Summary" in lines and "✓ passed: 3" in lines
    checks = run_fft("test", str(simple_project), "--", "-n", "2")
    assert checks.returncode == 0, checks.output
    header = "test simple_duckdb · env dev · DUCK · 3 checks · jobs 4"
    assert checks.stdout.splitlines()[0] == header
    assert "✓ passed: 3" in checks.stdout.splitlines()
    cases = run_fft("utest", str(simple_project), "--", "-n", "2")
    assert cases.returncode == 0, cases.output
    lines = cases.stdout.splitlines()
    assert lines[0] == "utest simple_duckdb · private in-memory schemas · 4 cases"
    assert sorted(line.split()[1] for line in lines[1:5]) == [
        "basic_gmail_flag", "join_and_flag", "override_inputs", "passthrough_columns"]
    assert all(" DUCK " in line for line in lines[1:5])
    assert lines[-1].startswith("Done: 4 ok in ")


def test_quiet_fft_test_shows_only_the_checks_that_did_not_pass(simple_project: Path,
                                                                 run_fft) -> None:
    assert run_fft("build", str(simple_project)).returncode == 0
    quiet = run_fft("test", str(simple_project), "-q")
    assert quiet.returncode == 0, quiet.output
    lines = quiet.stdout.splitlines()
    assert lines[:4] == ["Totals", "──────", "✓ passed: 3", "✗ failed: 0"]
    assert lines[4].startswith("Done: 3 checks in ") and len(lines) == 5
    config = simple_project / "project.yml"
    config.write_text(config.read_text().replace("    min: 1\n", "    min: 5\n"))
    failing = run_fft("test", str(simple_project), "-q")
    assert failing.returncode == 2, failing.output
    lines = failing.stdout.splitlines()
    assert lines[:2] == ["Data Quality Summary", "────────────────────"]
    assert lines[2].startswith("❌ row_count_between      orders ")
    assert lines[3].startswith("   ↳ ")
    assert lines[4:9] == ["", "Totals", "──────", "✓ passed: 2", "✗ failed: 1"]


def test_fft_utest_jobs_runs_the_cases_in_worker_processes(simple_project: Path,
                                                           run_fft) -> None:
    result = run_fft("utest", str(simple_project), "--jobs", "2")
    assert result.returncode == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "utest simple_duckdb · private in-memory schemas · 4 cases"
    assert lines[-1].startswith("Done: 4 ok in ")


def test_a_run_with_failures_ends_naming_them_and_the_next_step(simple_project: Path,
                                                                run_fft) -> None:
    assert run_fft("seed", str(simple_project)).returncode == 0
    (simple_project / "models/users.ff.sql").write_text(
        "select id, emial from {{ source('crm', 'users') }}\n")
    result = run_fft("run", str(simple_project))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[-2].startswith("Done: 1 ok, 1 failed, 3 skipped in ")
    assert lines[-1] == ("Failed: users.ff (see above); fix it, then run the same command "
                         "again: what did not change stays cached")
    uncached = run_fft("run", str(simple_project), "--cache", "off")
    assert uncached.stdout.splitlines()[-1] == ("Failed: users.ff (see above); fix it, then "
                                                "run the same command again")


def test_run_results_are_in_dag_order_however_the_run_started(simple_project: Path,
                                                              run_fft) -> None:
    import json

    expected = ["seed_orders", "seed_users", "orders.ff", "users.ff", "users_enriched",
                "mart_orders_enriched", "mart_users.ff"]
    target = simple_project / ".fastflowtransform/target"
    for extra in ((), ("--", "-p", "no:randomly")):  # early start, and items first
        result = run_fft("build", str(simple_project), "--cache", "off", *extra)
        assert result.returncode == 0, result.output
        ran = json.loads((target / "run_results.json").read_text())["results"]
        assert [r["name"] for r in ran] == expected, ran
        checks = json.loads((target / "test_results.json").read_text())["results"]
        assert [c["name"] for c in checks] == [
            "not_null[users.email]", "unique[users.id]", "row_count_between[orders]"]


def test_fft_dag_into_a_closed_pipe_exits_0_quietly(simple_project: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "pytest_fft", "dag", str(simple_project)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader leaves before fft writes (as `| head -0` would)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert err == ""


def test_live_logs_get_the_sql_of_every_model(simple_project: Path) -> None:
    """With pytest's live logs each node item shows its node's records, once, on pytest's
    thread (from the build's threads they would race pytest's output capture)."""
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(simple_project), "--fft-seed", "--fft-run",
         "--log-cli-level=DEBUG", "-p", "no:randomly", "-p", "no:cacheprovider",
         "-o", "python_files="],
        capture_output=True, text=True, env={**os.environ, "FFT_SQL_DEBUG": "1"}, check=False)
    assert result.returncode == 0, result.stdout
    for model in ("orders.ff (models/orders.ff.sql)", "users.ff (models/users.ff.sql)",
                  "mart_users.ff (models/mart_users.ff.sql)"):
        assert result.stdout.count(f"-- {model}") == 1, result.stdout  # shown by its item


def test_a_bad_selector_under_xdist_is_one_usage_error(simple_project: Path) -> None:
    """Said by the controller before the workers collect (a worker's collection error would
    be pytest-xdist's INTERNALERROR traceback)."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(simple_project), "--fft-run", "-n", "2",
         "--fft-select", "result:bogus", "-p", "no:randomly"],
        capture_output=True, text=True, timeout=120, check=False, cwd=simple_project)
    assert result.returncode == 4, result.stdout + result.stderr
    assert ("ERROR: unknown result 'bogus'\n  fix: use result:ok, result:warn, result:fail, "
            "result:error or result:skipped") in result.stderr
    assert "INTERNALERROR" not in result.stdout + result.stderr

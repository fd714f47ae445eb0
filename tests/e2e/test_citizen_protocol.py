"""pytest-fft items follow pytest's per-test protocol: plain tests around a project, and the
plugins and options that hook into that protocol (reruns, timeouts, -x, --sw, durations)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb  # noqa: F401 - imported before pytester snapshots sys.modules:
import pandas  # noqa: F401 - numpy cannot be imported twice in one process
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from citizen_helpers import (
    QUIET,
    junit_cases,
    run_statuses,
    tables,
    tiny_project,
    verbose_outcomes,
    write_files,
)

pytest_plugins = ["pytester"]


# -- plain tests before and after a project ------------------------------------------------

@pytest.mark.parametrize("flags", [["--fft-run"], ["--fft-seed", "--fft-run"]])
def test_plain_tests_before_and_after_a_project_all_pass(pytester: pytest.Pytester, query,
                                                         flags: list[str]) -> None:
    write_files(pytester.path, {
        "x/test_a.py": "def test_a():\n    assert True\n",
        "y/test_c.py": "def test_c():\n    assert True\n",
    })
    proj = tiny_project(pytester.path / "x" / "zproj", {"one.ff.sql": "select 1 as id\n"},
                        extra={"seeds/seed_n.csv": "n\n1\n2\n"})
    result = pytester.runpytest(*flags, "-v", *QUIET)
    seeded = ["x/zproj/seeds/seed_n.csv::seed_n"] if "--fft-seed" in flags else []
    outcomes = verbose_outcomes(result)
    assert outcomes[0] == ("x/test_a.py::test_a", "PASSED")
    assert sorted(outcomes[1:-1]) == sorted(
        [("x/zproj/models/one.ff.sql::one.ff", "PASSED"), *[(i, "PASSED") for i in seeded]])
    assert outcomes[-1] == ("y/test_c.py::test_c", "PASSED")
    result.assert_outcomes(passed=3 + len(seeded))
    assert result.ret == pytest.ExitCode.OK
    assert "not torn down properly" not in result.stdout.str()
    assert query(proj / ".local/dev.duckdb", "select id from one") == [(1,)]


def test_a_plain_test_between_two_projects(pytester: pytest.Pytester) -> None:
    write_files(pytester.path, {"b/test_b.py": "def test_b():\n    pass\n"})
    tiny_project(pytester.path / "a", {"one.ff.sql": "select 1 as id\n"}, name="a")
    tiny_project(pytester.path / "c", {"two.ff.sql": "select 2 as id\n"}, name="c")
    result = pytester.runpytest("--fft-run", "-v", *QUIET)
    assert verbose_outcomes(result) == [
        ("a/models/one.ff.sql::one.ff", "PASSED"),
        ("b/test_b.py::test_b", "PASSED"),
        ("c/models/two.ff.sql::two.ff", "PASSED"),
    ]
    assert result.ret == pytest.ExitCode.OK


# -- pytest-rerunfailures ------------------------------------------------------------------

def test_reruns_rebuild_a_flaky_python_model(pytester: pytest.Pytester, query) -> None:
    calls = pytester.path / "flaky_calls.txt"
    proj = tiny_project(pytester.path / "proj", {
        "base.ff.sql": "select 1 as id\n",
        "flaky.ff.py": f"""
            from pathlib import Path

            from fastflowtransform import model

            CALLS = Path({str(calls)!r})


            @model(name="flaky", deps=["base.ff"])
            def build(df):
                n = int(CALLS.read_text()) if CALLS.exists() else 0
                CALLS.write_text(str(n + 1))
                if n == 0:
                    raise RuntimeError("flaky: first call fails")
                return df.assign(tries=n + 1)
            """,
    })
    result = pytester.runpytest_subprocess("proj", "--fft-run", "--reruns", "1", "-v", *QUIET,
                                           timeout=120)
    outcomes = verbose_outcomes(result)
    assert ("proj/models/flaky.ff.py::flaky", "RERUN") in outcomes
    assert ("proj/models/flaky.ff.py::flaky", "PASSED") in outcomes
    assert result.parseoutcomes() == {"passed": 2, "rerun": 1}
    assert result.ret == pytest.ExitCode.OK
    assert calls.read_text() == "2"
    assert query(proj / ".local/dev.duckdb", "select id, tries from flaky") == [(1, 2)]


# -- pytest-timeout ------------------------------------------------------------------------

# Far longer than the limit below, so that a loaded machine cannot blur the two.
SLOW_SQL = ("select count(*) as n from range(90000) a, range(90000) b "
            "where (a.range * b.range) % 7 = 3\n")  # over a minute of DuckDB here
SLOW_PY = """
    import time

    from fastflowtransform import model


    @model(name="slow", deps=["base.ff"])
    def build(df):
        time.sleep(60)
        return df
    """


@pytest.mark.parametrize("kind", ["sql", "python"])
def test_a_timeout_fails_the_item_and_stops_the_build_soon(pytester: pytest.Pytester,
                                                          kind: str) -> None:
    slow = {"sql": {"slow.ff.sql": SLOW_SQL}, "python": {"slow.ff.py": SLOW_PY}}[kind]
    proj = tiny_project(pytester.path / "proj", {"base.ff.sql": "select 1 as id\n", **slow})
    started = time.monotonic()
    result = pytester.runpytest_subprocess("proj", "--fft-run", "--timeout", "1", "-rf",
                                           *QUIET, timeout=120)
    elapsed = time.monotonic() - started
    slow_id = f"proj/models/{next(iter(slow))}::{'slow.ff' if kind == 'sql' else 'slow'}"
    result.stdout.fnmatch_lines([f"FAILED {slow_id} - Failed: Timeout*"])
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert elapsed < 20, f"the run took {elapsed:.1f} s: it waited for the slow model"
    name = "slow.ff" if kind == "sql" else "slow"
    assert run_statuses(proj)[name] == "error"
    assert "slow" not in tables(proj / ".local/dev.duckdb")


def test_a_timed_out_rebuild_keeps_the_old_rows(pytester: pytest.Pytester, query) -> None:
    proj = tiny_project(pytester.path / "proj", {"slow.ff.sql": "select 42 as n\n"})
    first = pytester.runpytest_subprocess("proj", "--fft-run", *QUIET, timeout=120)
    assert first.ret == pytest.ExitCode.OK
    (proj / "models/slow.ff.sql").write_text(SLOW_SQL)
    started = time.monotonic()
    result = pytester.runpytest_subprocess("proj", "--fft-run", "--timeout", "1", *QUIET,
                                           timeout=120)
    assert time.monotonic() - started < 20
    result.assert_outcomes(failed=1)
    assert run_statuses(proj)["slow.ff"] == "error"
    assert query(proj / ".local/dev.duckdb", "select n from slow") == [(42,)]


# -- -x / --maxfail ------------------------------------------------------------------------

def test_exitfirst_reports_every_relation_it_built(pytester: pytest.Pytester) -> None:
    """After -x stops the session, what the warehouse holds is what pytest reported."""
    models = {"a_bad.ff.sql": "select * from no_such_table\n"}
    models.update({f"m{i:02d}.ff.sql": f"select {i} as id\n" for i in range(20)})
    proj = tiny_project(pytester.path / "proj", models)
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest_subprocess("proj", "--fft-run", "--fft-jobs", "1", "-x", "-v",
                                           f"--junitxml={junit}", *QUIET, timeout=120)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    outcomes = dict(verbose_outcomes(result))
    assert outcomes["proj/models/a_bad.ff.sql::a_bad.ff"] == "FAILED"
    reported_passed = {i.rsplit("::", 1)[1].removesuffix(".ff")
                       for i, status in outcomes.items() if status == "PASSED"}
    built = tables(proj / ".local/dev.duckdb") - {"_ff_meta"}  # fft's own bookkeeping
    assert built <= reported_passed, f"built but never reported: {sorted(built - reported_passed)}"
    in_junit = {key.rsplit("::", 1)[1].removesuffix(".ff")
                for key, case in junit_cases(junit).items()
                if not any(child.tag in ("failure", "error", "skipped") for child in case)}
    assert built <= in_junit


def test_exitfirst_after_a_plain_failure_builds_nothing_unreported(
        pytester: pytest.Pytester) -> None:
    write_files(pytester.path, {"a/test_first.py": "def test_first():\n    assert False\n"})
    models = {f"m{i:02d}.ff.sql": f"select {i} as id\n" for i in range(10)}
    proj = tiny_project(pytester.path / "b_proj", models)
    result = pytester.runpytest_subprocess("--fft-run", "-x", "-v", *QUIET, timeout=120)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert [o for o in verbose_outcomes(result) if o[1] == "PASSED"] == []
    assert tables(proj / ".local/dev.duckdb") - {"_ff_meta"} == set()


# -- --sw (stepwise) -----------------------------------------------------------------------

def test_stepwise_resumes_at_the_failed_model(pytester: pytest.Pytester, query) -> None:
    proj = tiny_project(pytester.path / "proj", {
        "m1.ff.sql": "select 1 as id\n",
        "m2.ff.sql": "select id + 1 as id from {{ ref('m1.ff') }}\n",
        "m3.ff.sql": "select no_such_col from {{ ref('m2.ff') }}\n",
        "m4.ff.sql": "select id * 10 as id from {{ ref('m3.ff') }}\n",
    })
    ids = [f"proj/models/m{i}.ff.sql::m{i}.ff" for i in range(1, 5)]
    first = pytester.runpytest("proj", "--fft-run", "--sw", "-v", *QUIET)
    assert verbose_outcomes(first) == [(ids[0], "PASSED"), (ids[1], "PASSED"),
                                       (ids[2], "FAILED")]
    assert first.ret == pytest.ExitCode.INTERRUPTED  # what --sw returns when it stops
    (proj / "models/m3.ff.sql").write_text("select id + 1 as id from {{ ref('m2.ff') }}\n")
    second = pytester.runpytest("proj", "--fft-run", "--sw", "-v", *QUIET)
    assert verbose_outcomes(second) == [(ids[2], "PASSED"), (ids[3], "PASSED")]
    outcomes = second.parseoutcomes()
    assert outcomes["passed"] == 2
    assert outcomes.get("deselected") == 2
    assert "skipped" not in outcomes and "error" not in outcomes
    assert second.ret == pytest.ExitCode.OK
    assert query(proj / ".local/dev.duckdb", "select id from m4") == [(30,)]


# -- --durations and JUnit times -----------------------------------------------------------

def test_a_slow_models_time_is_its_own(pytester: pytest.Pytester) -> None:
    """The time of an item is its node's build, not how long the item waited for it."""
    tiny_project(pytester.path / "proj", {
        "base.ff.sql": "select 1 as id\n",
        "fast.ff.sql": "select 2 as id\n",
        "slow.ff.py": """
            import time

            from fastflowtransform import model


            @model(name="slow", deps=["base.ff"])
            def build(df):
                time.sleep(1.0)
                return df
            """,
        "z_after.ff.sql": "select id from {{ ref('slow') }}\n",
    })
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest("proj", "--fft-run", "--durations=0", "-vv",
                                f"--junitxml={junit}", *QUIET)
    result.assert_outcomes(passed=4)
    cases = {key.rsplit("::", 1)[1]: float(c.get("time")) for key, c in junit_cases(junit).items()}
    assert cases["slow"] >= 0.9
    for fast in ("base.ff", "fast.ff", "z_after.ff"):
        assert cases[fast] < 0.5, (fast, cases)
    durations = {}
    for line in result.outlines:
        parts = line.split()
        if len(parts) == 3 and parts[0].endswith("s") and parts[1] == "call":
            durations[parts[2]] = float(parts[0][:-1])
    assert durations["proj/models/slow.ff.py::slow"] >= 0.9
    for fast in ("base.ff.sql::base.ff", "fast.ff.sql::fast.ff", "z_after.ff.sql::z_after.ff"):
        assert durations.get(f"proj/models/{fast}", 0.0) < 0.5


# -- inert outside projects ----------------------------------------------------------------

DBT_FILES = {
    "dbt_project.yml": "name: shop\nversion: '1.0'\nprofile: shop\nmodel-paths: [models]\n",
    "profiles.yml": """
        shop:
          target: dev
          outputs:
            dev:
              type: duckdb
              path: dev.duckdb
        """,
    "models/a.sql": "select 1 as id\n",
    "models/b.sql": "select * from {{ ref('a') }}\n",
    "macros/tests.sql": "{% test my_test(model) %} select 1 {% endtest %}\n",
    "tests/test_ok.py": "def test_ok():\n    assert 1 + 1 == 2\n",
}


def test_a_dbt_project_is_not_a_fft_project(pytester: pytest.Pytester) -> None:
    write_files(pytester.path, DBT_FILES)
    with_fft = pytester.runpytest("--collect-only", "-q", *QUIET)
    without = pytester.runpytest("--collect-only", "-q", "-p", "no:fft", *QUIET)
    assert without.ret == pytest.ExitCode.OK
    assert [line for line in with_fft.outlines if "::" in line] == ["tests/test_ok.py::test_ok"]
    assert with_fft.ret == without.ret
    run = pytester.runpytest(*QUIET)
    run.assert_outcomes(passed=1)
    assert run.ret == pytest.ExitCode.OK


def test_an_ordinary_suite_collects_the_same_with_and_without_fft(
        pytester: pytest.Pytester) -> None:
    write_files(pytester.path, {
        "tests/test_one.py": "import pytest\n\n@pytest.mark.parametrize('n', [1, 2])\n"
                             "def test_n(n):\n    assert n\n",
        "tests/sub/test_two.py": "class TestX:\n    def test_m(self):\n        pass\n",
        "tests/data/report.yml": "a: 1\n",
    })
    with_fft = pytester.runpytest("--collect-only", "-q", *QUIET)
    without = pytester.runpytest("--collect-only", "-q", "-p", "no:fft", *QUIET)
    assert [line for line in with_fft.outlines if "::" in line] == [
        line for line in without.outlines if "::" in line]
    assert len([line for line in without.outlines if "::" in line]) == 3
    assert with_fft.ret == without.ret == pytest.ExitCode.OK


def test_a_plain_session_leaves_the_garbage_collector_as_it_found_it(
        pytester: pytest.Pytester) -> None:
    import gc

    gc.unfreeze()  # whatever earlier in-process sessions in this process left
    write_files(pytester.path, {"test_plain.py": "def test_plain():\n    pass\n"})
    reprec = pytester.inline_run(*QUIET)
    reprec.assertoutcome(passed=1)
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("flags", [(), ("--fft-run",)], ids=["unit-cases-only", "build"])
def test_others_tests_run_with_the_garbage_collector_as_they_found_it(
        pytester: pytest.Pytester, flags: tuple[str, ...]) -> None:
    """A session with a project: a test that is not the plugin's never runs with frozen
    objects, before or after the node items, and nothing is frozen when pytest returns."""
    import gc

    gc.unfreeze()
    check = "import gc\n\ndef test_{0}():\n    assert gc.get_freeze_count() == 0\n"
    write_files(pytester.path, {"a/test_first.py": check.format("first"),
                                "z/test_last.py": check.format("last")})
    tiny_project(pytester.path / "m_proj", {"one.ff.sql": "select 1 as id\n"})
    reprec = pytester.inline_run(*flags, *QUIET)
    reprec.assertoutcome(passed=2 + len(flags))
    assert gc.get_freeze_count() == 0


def test_a_broken_project_fails_without_stopping_the_other_tests(
        pytester: pytest.Pytester) -> None:
    write_files(pytester.path, {
        "test_normal.py": "def test_normal():\n    pass\n",
        "proj/project.yml": "name: proj\nversion: 1\nvars: [unclosed\n",
        "proj/profiles.yml": "dev:\n  engine: duckdb\n  duckdb: {path: .local/dev.duckdb}\n",
        "proj/models/one.ff.sql": "select 1 as id\n",
    })
    result = pytester.runpytest("-rfE", *QUIET)
    out = result.stdout.str()
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == 1, out
    assert outcomes.get("failed", 0) + outcomes.get("errors", 0) == 1
    assert "Interrupted" not in out
    # The problem is the item of its file, and named at its line (the line of the unclosed
    # bracket or after).
    assert "FAILED proj/project.yml::load - project.yml is not valid YAML" in out, out
    assert any(f"at project.yml:{n}" in out for n in (3, 4)), out
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_bad_unit_spec_fails_without_stopping_the_other_tests(pytester: pytest.Pytester) -> None:
    """Under plain pytest a unit spec that does not load is one failed item of its file;
    asked for with --fft-utest it is a collection error, as for fft utest."""
    write_files(pytester.path, {"test_normal.py": "def test_normal():\n    pass\n"})
    proj = tiny_project(pytester.path / "proj", {"one.ff.sql": "select 1 as id\n"})
    write_files(proj, {"tests/unit/one.yml": "model: no_such_model\ncases: []\n"})
    result = pytester.runpytest("-rf", *QUIET)
    out = result.stdout.str()
    assert "FAILED proj/tests/unit/one.yml::load" in out, out
    assert "Interrupted" not in out
    result.assert_outcomes(passed=1, failed=1)
    asked = pytester.runpytest("--fft-utest", *QUIET)
    assert "ERROR collecting proj/tests/unit/one.yml" in asked.stdout.str()
    assert asked.ret == pytest.ExitCode.INTERRUPTED

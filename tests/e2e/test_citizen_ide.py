"""Node ids as IDEs send them (alone, all at once, mixed), and what PyCharm and JUnit
consumers read about each item (teamcity messages, JUnit file and line)."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb  # noqa: F401 - imported before pytester snapshots sys.modules:
import pandas  # noqa: F401 - numpy cannot be imported twice in one process
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from citizen_helpers import (
    BUILD_IDS,
    CHECK_IDS,
    QUIET,
    UNIT_IDS,
    copy_example,
    item_ids,
    junit_cases,
    teamcity_messages,
    verbose_outcomes,
    write_files,
)

pytest_plugins = ["pytester"]

ALL_IDS = BUILD_IDS + CHECK_IDS + UNIT_IDS


@pytest.fixture
def project(pytester: pytest.Pytester) -> Path:
    """The example project (without its own pytest file) as pytester's working folder."""
    return copy_example(pytester.path, with_user_tests=False)


# -- one id at a time ----------------------------------------------------------------------

@pytest.mark.parametrize("node_id", [
    "models/users_enriched.ff.py::users_enriched",
    "models/mart_users.ff.sql::mart_users.ff",
    "seeds/seed_users.csv::seed_users",
    "project.yml::not_null[users.email]",
    "tests/unit/users_enriched.yml::basic_gmail_flag",
])
def test_each_node_id_runs_alone(pytester: pytest.Pytester, project: Path, query,
                                 node_id: str) -> None:
    pytester.runpytest("--fft-seed", "--fft-run", *QUIET).assert_outcomes(passed=7)
    result = pytester.runpytest(node_id, "-v", *QUIET)
    (outcome,) = verbose_outcomes(result)  # unchanged since the build: a cached pass
    assert outcome in ((node_id, "PASSED"), (node_id, "CACHED"))
    counts = result.parseoutcomes()
    assert counts.get("passed", 0) + counts.get("cached", 0) == 1, counts
    assert set(counts) <= {"passed", "cached"}
    assert result.ret == pytest.ExitCode.OK
    assert query(project / ".local/demo.duckdb", "select count(*) from users_enriched") == [(3,)]


def test_a_python_model_id_is_not_imported_as_a_test_module(pytester: pytest.Pytester,
                                                            project: Path) -> None:
    pytester.runpytest("--fft-seed", "--fft-run", *QUIET).assert_outcomes(passed=7)
    result = pytester.runpytest("models/users_enriched.ff.py::users_enriched",
                                "--collect-only", "-q", *QUIET)
    assert item_ids(result) == ["models/users_enriched.ff.py::users_enriched"]
    assert result.ret == pytest.ExitCode.OK
    assert "ERROR" not in result.stdout.str()


# -- discovery, then one run of every id (VS Code's Python extension) ---------------------

@pytest.mark.parametrize("how", ["ini", "flags"])
def test_every_discovered_id_runs_in_one_list(pytester: pytest.Pytester, project: Path,
                                              query, how: str) -> None:
    if how == "ini":
        pytester.makeini("[pytest]\nfft_collect = seed run test utest\n")
        args: tuple[str, ...] = ()
    else:
        args = ("--fft-seed", "--fft-run", "--fft-test", "--fft-utest")
    discovered = pytester.runpytest(*args, "--collect-only", "-q", *QUIET)
    ids = item_ids(discovered)
    assert sorted(ids) == sorted(ALL_IDS)
    result = pytester.runpytest(*args, *ids, "-v", "-p", "no:cacheprovider", *QUIET)
    outcomes = verbose_outcomes(result)
    assert sorted(outcomes) == sorted((i, "PASSED") for i in ids)
    assert len(outcomes) == len(ids)
    result.assert_outcomes(passed=len(ids))
    assert result.ret == pytest.ExitCode.OK
    assert query(project / ".local/demo.duckdb", "select count(*) from mart_users") == [(3,)]


def test_a_mixed_list_of_ids_runs_without_options(pytester: pytest.Pytester, project: Path,
                                                  query) -> None:
    """One seed, one SQL model, one Python model, one check, one unit case: what a user
    selects in the IDE's test tree; nothing was built before."""
    ids = [
        "models/users.ff.sql::users.ff",
        "models/users_enriched.ff.py::users_enriched",
        "seeds/seed_users.csv::seed_users",
        "project.yml::not_null[users.email]",
        "tests/unit/users_enriched.yml::basic_gmail_flag",
    ]
    discovered = item_ids(pytester.runpytest("--fft-seed", "--fft-run", "--fft-test",
                                             "--fft-utest", "--collect-only", "-q", *QUIET))
    assert set(ids) <= set(discovered)
    result = pytester.runpytest(*ids, "-v", *QUIET)
    assert sorted(verbose_outcomes(result)) == sorted((i, "PASSED") for i in ids)
    result.assert_outcomes(passed=5)
    assert result.ret == pytest.ExitCode.OK
    assert query(project / ".local/demo.duckdb",
                 "select id, is_gmail from users_enriched order by id") == [
        (1, False), (2, True), (3, True)]


# -- PyCharm (teamcity messages) -----------------------------------------------------------

PLAIN_TEST = """
    import pytest


    @pytest.mark.parametrize("n", [1, 2])
    def test_p(n):
        assert n


    class TestK:
        def test_m(self):
            pass
    """


def test_teamcity_names_and_metainfo(pytester: pytest.Pytester, project: Path) -> None:
    """teamcity-messages sends ``name`` built from the node id and ``metainfo`` from the
    item's location; PyCharm reruns a test from its tree with ``metainfo``, which for an
    ordinary test is the item's own name (``test_p[1]``, ``test_m``). An fft item's
    metainfo is likewise its name: the last part of its node id, dots and brackets kept."""
    write_files(project, {"tests/test_plain.py": PLAIN_TEST})
    result = pytester.runpytest_subprocess("--fft-seed", "--fft-run", "--fft-test",
                                           "--fft-utest", "--teamcity", *QUIET, timeout=120)
    assert result.ret == pytest.ExitCode.OK
    started = {m["name"]: m.get("metainfo") for m in
               teamcity_messages(result.stdout.str(), "testStarted")}
    assert len(started) == len(ALL_IDS) + 3
    expected = {
        # ordinary tests, as teamcity-messages reports them (the reference)
        "tests.test_plain.test_p(1)": "test_p[1]",
        "tests.test_plain.TestK.test_m": "test_m",
        # pytest-fft items
        "seeds.seed_users_csv.seed_users": "seed_users",
        "models.users_ff_sql.users_ff": "users.ff",
        "models.mart_users_ff_sql.mart_users_ff": "mart_users.ff",
        "models.users_enriched_ff.users_enriched": "users_enriched",
        "project_yml.not_null(users_email)": "not_null[users.email]",
        "project_yml.row_count_between(orders)": "row_count_between[orders]",
        "tests.unit.users_enriched_yml.basic_gmail_flag": "basic_gmail_flag",
    }
    assert {name: started.get(name) for name in expected} == expected
    assert not teamcity_messages(result.stdout.str(), "testFailed")


# -- JUnit XML -----------------------------------------------------------------------------

def test_junit_file_and_line_point_at_the_definition(pytester: pytest.Pytester,
                                                     project: Path) -> None:
    """With ``junit_family=xunit1`` (the family that has ``file`` and ``line``) pytest writes
    the 0-based line of the item's location, as for a test function (its first line - 1).
    A model's definition is its file's line 1, a Python model's its decorator, a check's its
    ``- type:`` line in project.yml, a unit case's its ``- name:`` line."""
    write_files(project, {"tests/test_plain.py": PLAIN_TEST})
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest("--fft-seed", "--fft-run", "--fft-test", "--fft-utest",
                                f"--junitxml={junit}", "-o", "junit_family=xunit1", *QUIET)
    assert result.ret == pytest.ExitCode.OK
    cases = {key: (c.get("file"), c.get("line")) for key, c in junit_cases(junit).items()}
    # a test function's line is its first decorator's (co_firstlineno): line 4
    assert cases["tests.test_plain::test_p[1]"] == ("tests/test_plain.py", "3")
    assert cases["models.users.ff.sql::users.ff"] == ("models/users.ff.sql", "0")
    assert cases["models.users_enriched.ff::users_enriched"] == (
        "models/users_enriched.ff.py", "5")  # @model( on line 6
    assert cases["seeds.seed_users.csv::seed_users"] == ("seeds/seed_users.csv", "0")
    assert cases["project.yml::not_null[users.email]"] == ("project.yml", "4")  # line 5
    assert cases["project.yml::row_count_between[orders]"] == ("project.yml", "14")  # line 15
    assert cases["tests.unit.users_enriched.yml::basic_gmail_flag"] == (
        "tests/unit/users_enriched.yml", "13")  # "- name: basic_gmail_flag" on line 14
    assert len(cases) == len(ALL_IDS) + 3


# -- item locations ------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["project is the rootdir", "project below the rootdir",
                                    "project outside the rootdir"])
def test_item_locations_say_what_pytest_says(pytester: pytest.Pytester, layout: str) -> None:
    """A node item works out its location's path by folder, not by file; every item's is
    the one pytest's own ``Item.location`` gives (path relative to the rootdir, ``..`` when
    the project is outside it, 0-based line, name)."""
    if layout == "project is the rootdir":
        project, args = copy_example(pytester.path, with_user_tests=False), []
    else:
        project = copy_example(pytester.path / "proj", with_user_tests=False)
        args = ["proj"]
        if layout == "project outside the rootdir":
            (pytester.path / "elsewhere").mkdir()
            args.append(f"--rootdir={pytester.path / 'elsewhere'}")
    items, _ = pytester.inline_genitems(*args, "--fft-seed", "--fft-run", "--fft-test",
                                        *QUIET)
    pytests_own = pytest.Item.__dict__["location"].func
    locations = {item.nodeid: item.location for item in items}
    assert locations == {item.nodeid: pytests_own(item) for item in items}
    prefix = {"project is the rootdir": "", "project below the rootdir": "proj/",
              "project outside the rootdir": "../proj/"}[layout]
    by_name = {loc[2]: loc for loc in locations.values()}
    assert by_name["sql mart_users.ff"] == (f"{prefix}models/mart_users.ff.sql", 0,
                                            "sql mart_users.ff")
    assert by_name["check unique[users.id]"] == (f"{prefix}project.yml", 9,
                                                 "check unique[users.id]")
    assert len(locations) == len(BUILD_IDS + CHECK_IDS)
    assert project.is_dir()

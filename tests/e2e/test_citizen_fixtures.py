"""Users' own pytest tests of the warehouse: the fft_project, fft_engine and fft_relation
fixtures, in any item order, under xdist, next to their own DuckDB connections."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb  # noqa: F401 - imported before pytester snapshots sys.modules:
import pandas  # noqa: F401 - numpy cannot be imported twice in one process
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from citizen_helpers import (
    BUILD_IDS,
    QUIET,
    copy_example,
    verbose_outcomes,
    write_files,
)

pytest_plugins = ["pytester"]

USER_IDS = [
    "tests/test_warehouse.py::test_the_project_has_its_models",
    "tests/test_warehouse.py::test_one_mart_row_per_user",
    "tests/test_warehouse.py::test_emails_are_lower_case",
    "tests/test_warehouse.py::test_gmail_flag",
    "tests/test_warehouse.py::test_every_order_has_its_user",
]

REVERSE = """
    def pytest_collection_modifyitems(items):
        items.reverse()
    """
SHUFFLE = """
    import random

    import pytest


    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(items):  # what pytest-randomly does
        random.Random(7).shuffle(items)
        user = [i for i in items if "test_warehouse" in i.nodeid]
        items[:] = user + [i for i in items if i not in user]
    """


@pytest.fixture
def project(pytester: pytest.Pytester) -> Path:
    """The example project, its own tests/test_warehouse.py included, as pytester's folder."""
    return copy_example(pytester.path)


def test_the_example_tests_run_after_the_build(pytester: pytest.Pytester,
                                               project: Path) -> None:
    result = pytester.runpytest("--fft-seed", "--fft-run", "-v", *QUIET)
    outcomes = verbose_outcomes(result)
    assert outcomes == [(i, "PASSED") for i in BUILD_IDS + USER_IDS]
    result.assert_outcomes(passed=12)
    assert result.ret == pytest.ExitCode.OK


@pytest.mark.parametrize("conftest", [REVERSE, SHUFFLE], ids=["reversed", "shuffled"])
def test_the_example_tests_wait_for_the_build_in_any_order(pytester: pytest.Pytester,
                                                           project: Path,
                                                           conftest: str) -> None:
    write_files(project, {"conftest.py": conftest})
    result = pytester.runpytest("--fft-seed", "--fft-run", "-v", *QUIET)
    outcomes = verbose_outcomes(result)
    assert outcomes[0][0] in USER_IDS  # a user's test runs before any build item
    assert sorted(outcomes) == sorted((i, "PASSED") for i in BUILD_IDS + USER_IDS)
    result.assert_outcomes(passed=12)
    assert result.ret == pytest.ExitCode.OK


def test_the_example_tests_under_xdist(pytester: pytest.Pytester, project: Path) -> None:
    result = pytester.runpytest_subprocess("--fft-seed", "--fft-run", "-n", "2", *QUIET,
                                           timeout=180)
    output = result.stdout.str() + result.stderr.str()
    assert "Could not set lock on file" not in output
    result.assert_outcomes(passed=12)
    assert result.ret == pytest.ExitCode.OK


OWN_CONNECTION = """
    from pathlib import Path

    import duckdb

    WAREHOUSE = Path(__file__).resolve().parents[1] / ".local" / "demo.duckdb"


    def test_own_read_only_connection({fixture}):
        con = duckdb.connect(str(WAREHOUSE), read_only=True)
        try:
            assert con.execute("select id from mart_users order by id").fetchall() == [
                (1,), (2,), (3,)]
        finally:
            con.close()
    """


@pytest.mark.parametrize("fixture", ["fft_engine", ""], ids=["after-fft_engine", "by-order"])
def test_a_users_own_read_only_connection_during_the_session(
        pytester: pytest.Pytester, fixture: str) -> None:
    """The build's read-write connection is closed once the build is done, so a test may
    open the warehouse itself (DuckDB refuses a second connection with another
    configuration in the same process)."""
    project = copy_example(pytester.path, with_user_tests=False)
    write_files(project, {"tests/test_own.py": OWN_CONNECTION.replace("{fixture}", fixture)})
    result = pytester.runpytest("--fft-seed", "--fft-run", "-v", *QUIET)
    assert verbose_outcomes(result)[-1] == ("tests/test_own.py::test_own_read_only_connection",
                                            "PASSED")
    assert "different configuration" not in result.stdout.str()
    result.assert_outcomes(passed=8)
    assert result.ret == pytest.ExitCode.OK


def test_fft_relation_takes_a_relation_or_a_node_name(pytester: pytest.Pytester) -> None:
    project = copy_example(pytester.path, with_user_tests=False)
    write_files(project, {"tests/test_rel.py": """
        def test_same_frame(fft_relation, fft_engine, fft_project):
            by_relation = fft_relation("mart_users").sort_values("id")
            by_node = fft_relation("mart_users.ff").sort_values("id")
            assert by_relation.equals(by_node)
            assert list(by_node.columns) == ["id", "email", "is_gmail"]
            assert by_node["id"].tolist() == [1, 2, 3]
            assert fft_relation("users_enriched")["is_gmail"].sum() == 2
            assert fft_engine.query("select count(*) from orders") == [(2,)]
            assert fft_project.root == __import__("pathlib").Path(__file__).parents[1]
        """})
    result = pytester.runpytest("--fft-seed", "--fft-run", "-v", *QUIET)
    result.assert_outcomes(passed=8)
    assert result.ret == pytest.ExitCode.OK


def test_fft_relation_of_an_unknown_name_fails_with_the_relations_it_has(
        pytester: pytest.Pytester) -> None:
    project = copy_example(pytester.path, with_user_tests=False)
    write_files(project, {"tests/test_rel.py": """
        def test_typo(fft_relation):
            fft_relation("mart_user")
        """})
    result = pytester.runpytest("--fft-seed", "--fft-run", *QUIET)
    result.assert_outcomes(passed=7, failed=1)
    out = result.stdout.str()
    assert ("'mart_user' is no model or seed of project 'simple_duckdb'; its relations: "
            "mart_orders_enriched, mart_users, orders, seed_orders, seed_users, users, "
            "users_enriched") in out
    assert "KeyError" not in out and "Traceback" not in out


def test_a_selection_of_no_node_opens_no_writer(pytester: pytest.Pytester,
                                                project: Path) -> None:
    """A run whose --fft-select keeps no node builds nothing, so it opens no read-write
    connection that the users' tests (read-only) would collide with."""
    assert pytester.runpytest("--fft-seed", "--fft-run", *QUIET).ret == pytest.ExitCode.OK
    result = pytester.runpytest(str(project), "--fft-run", "--fft-select", "nosuch", "-v",
                                *QUIET)
    assert verbose_outcomes(result) == [(i, "PASSED") for i in USER_IDS]
    assert "different configuration" not in result.stdout.str()
    assert result.ret == pytest.ExitCode.OK

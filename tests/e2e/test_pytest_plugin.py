"""The plugin through pytest itself: node ids, order, outcomes, rows in DuckDB."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb  # noqa: F401 - imported before pytester snapshots sys.modules:
import pandas  # noqa: F401 - numpy cannot be imported twice in one process
import pytest

pytest_plugins = ["pytester"]

BUILD_IDS = [
    "seeds/seed_orders.csv::seed_orders",
    "seeds/seed_users.csv::seed_users",
    "models/orders.ff.sql::orders.ff",
    "models/users.ff.sql::users.ff",
    "models/users_enriched.ff.py::users_enriched",
    "models/mart_orders_enriched.ff.py::mart_orders_enriched",
    "models/mart_users.ff.sql::mart_users.ff",
]


@pytest.fixture
def project(pytester: pytest.Pytester, simple_project: Path) -> Path:
    """The example project copied to be pytester's working folder (rootdir)."""
    for entry in simple_project.iterdir():
        target = pytester.path / entry.name
        if entry.is_dir():
            shutil.copytree(entry, target)
        else:
            shutil.copy(entry, target)
    return pytester.path


def test_collect_only_lists_one_item_per_seed_and_model_in_dag_order(
    pytester: pytest.Pytester, project: Path
) -> None:
    result = pytester.runpytest("--fft-seed", "--fft-run", "--collect-only", "-q")
    ids = [line for line in result.outlines if "::" in line]
    assert ids == BUILD_IDS
    assert not (project / ".local" / "demo.duckdb").exists()  # collecting builds nothing


def test_plain_pytest_collects_no_builds(pytester: pytest.Pytester, project: Path) -> None:
    """Without --fft-* options only the hermetic unit cases are collected (issue: unit tests
    by default); seeds, models and checks need their flags."""
    result = pytester.runpytest("--collect-only", "-q")
    ids = [line for line in result.outlines if "::" in line]
    assert ids and all(i.startswith("tests/unit/") for i in ids)


def test_fft_collect_ini_key_chooses_what_plain_pytest_collects(
    pytester: pytest.Pytester, project: Path
) -> None:
    pytester.makeini("[pytest]\nfft_collect = seed\n")
    result = pytester.runpytest("--collect-only", "-q")
    assert [line for line in result.outlines if "::" in line] == BUILD_IDS[:2]
    pytester.makeini("[pytest]\nfft_collect =\n")
    result = pytester.runpytest("--collect-only", "-q")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_seed_and_run_build_the_tables(pytester: pytest.Pytester, project: Path, query) -> None:
    result = pytester.runpytest("--fft-seed", "--fft-run", "--fft-env", "dev", "-v")
    result.assert_outcomes(passed=7)
    passed = [line.split(" ")[0] for line in result.outlines if line.endswith("%]")]
    assert passed == BUILD_IDS
    db = project / ".local" / "demo.duckdb"
    assert query(db, "select id, email, is_gmail from mart_users order by id") == [
        (1, "a@example.com", False), (2, "b@gmail.com", True), (3, "c@gmail.com", True)]
    assert query(db, "select order_id, email, amount, valid_amt from mart_orders_enriched "
                     "order by order_id") == [
        (100, "a@example.com", 19.9, True), (101, "b@gmail.com", 0.0, True)]


def test_parallel_jobs_build_the_same_tables(pytester: pytest.Pytester, project: Path,
                                             query) -> None:
    result = pytester.runpytest("--fft-seed", "--fft-run", "--fft-jobs", "4")
    result.assert_outcomes(passed=7)
    db = project / ".local" / "demo.duckdb"
    assert query(db, "select count(*) from mart_users") == [(3,)]
    assert query(db, "select count(*) from mart_orders_enriched") == [(2,)]


def test_failing_model_fails_its_item_and_skips_descendants(
    pytester: pytest.Pytester, project: Path
) -> None:
    (project / "models" / "users.ff.sql").write_text(
        "select id, emial from {{ source('crm','users') }}\n")
    result = pytester.runpytest("--fft-seed", "--fft-run", "-rs")
    result.assert_outcomes(passed=3, failed=1, skipped=3)
    out = result.stdout.str()
    assert "users.ff failed on duckdb" in out
    assert "emial" in out
    assert "at models/users.ff.sql:1" in out
    assert "Traceback" not in out
    for skipped in ("users_enriched", "mart_orders_enriched", "mart_users.ff"):
        result.stdout.fnmatch_lines([f"SKIPPED *{skipped}*upstream failed: users.ff"])
    # Each skip is reported at its node's own file and line, not inside pytest-fft.
    summary = [line for line in out.splitlines() if line.startswith("SKIPPED [")]
    assert summary == [  # the decorator's line of a Python model
        "SKIPPED [1] models/users_enriched.ff.py:6: upstream failed: users.ff",
        "SKIPPED [1] models/mart_orders_enriched.ff.py:6: upstream failed: users.ff",
        "SKIPPED [1] models/mart_users.ff.sql:1: upstream failed: users.ff",
    ]
    compiled = project / ".fastflowtransform/target/compiled/models/users.ff.sql"
    assert "emial" in compiled.read_text()


def test_failed_rebuild_keeps_the_previous_table(pytester: pytest.Pytester, project: Path,
                                                 query) -> None:
    pytester.runpytest("--fft-seed", "--fft-run").assert_outcomes(passed=7)
    (project / "models" / "users.ff.sql").write_text(
        "select id, email, 1 / 0 as boom, error('model broke') as e "
        "from {{ source('crm','users') }}\n")
    result = pytester.runpytest("--fft-run")
    result.assert_outcomes(failed=1, skipped=3)
    assert result.parseoutcomes()["cached"] == 1  # orders.ff: unchanged, not rebuilt
    db = project / ".local" / "demo.duckdb"
    assert query(db, "select id, email from users order by id") == [
        (1, "a@example.com"), (2, "b@gmail.com"), (3, "c@gmail.com")]


def test_a_single_node_id_builds_only_that_node(pytester: pytest.Pytester, project: Path,
                                                query) -> None:
    pytester.runpytest("--fft-seed", "--fft-run").assert_outcomes(passed=7)
    db = project / ".local" / "demo.duckdb"
    before = query(db, "select count(*) from users")
    (project / "models" / "mart_users.ff.sql").write_text(
        "select id from {{ ref('users_enriched') }} where is_gmail\n")
    result = pytester.runpytest("--fft-run", "models/mart_users.ff.sql::mart_users.ff", "-v")
    result.assert_outcomes(passed=1)
    assert query(db, "select id from mart_users order by id") == [(2,), (3,)]
    assert query(db, "select count(*) from users") == before


def test_select_builds_the_selection_and_its_parents(pytester: pytest.Pytester,
                                                     project: Path) -> None:
    result = pytester.runpytest("--fft-seed", "--fft-run", "--fft-select", "mart_users",
                                "--collect-only", "-q")
    ids = [line for line in result.outlines if "::" in line]
    assert ids == [
        "seeds/seed_users.csv::seed_users",
        "models/users.ff.sql::users.ff",
        "models/users_enriched.ff.py::users_enriched",
        "models/mart_users.ff.sql::mart_users.ff",
    ]


def test_keyword_and_marker_selection(pytester: pytest.Pytester, project: Path) -> None:
    result = pytester.runpytest("--fft-seed", "--fft-run", "-m", "fft_seed", "--collect-only",
                                "-q")
    assert [line for line in result.outlines if "::" in line] == BUILD_IDS[:2]
    result = pytester.runpytest("--fft-run", "-k", "python", "--collect-only", "-q")
    assert [line for line in result.outlines if "::" in line] == [
        "models/users_enriched.ff.py::users_enriched",
        "models/mart_orders_enriched.ff.py::mart_orders_enriched",
    ]


def test_project_error_is_a_collection_error_without_traceback(
    pytester: pytest.Pytester, project: Path
) -> None:
    (project / "models" / "mart_users.ff.sql").write_text(
        "select * from {{ ref('users_enriched_x') }}\n")
    result = pytester.runpytest("--fft-run")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    out = result.stdout.str()
    assert ("Dependency not found: mart_users.ff references 'users_enriched_x' "
            "(models/mart_users.ff.sql); did you mean 'users_enriched'?") in out
    assert "Traceback" not in out


def test_unknown_env_lists_the_profiles(pytester: pytest.Pytester, project: Path) -> None:
    result = pytester.runpytest("--fft-run", "--fft-env", "prod")
    out = result.stdout.str()
    assert "Unknown env 'prod'" in out
    assert "defines dev, memory" in out
    assert result.ret != 0


def test_vars_override_project_vars(pytester: pytest.Pytester, make_project, query) -> None:
    root = make_project({
        "project.yml": "name: v\nvars: {limit_id: 1}\n",
        "models/picked.ff.sql": "select {{ var('limit_id') }} as id, '{{ var('label', 'x') }}' as l\n",
    }, name="v")
    pytester.chdir()
    result = pytester.runpytest(str(root), "--fft-run", "--fft-vars", "limit_id=7",
                                "--fft-vars", "label=yes")
    result.assert_outcomes(passed=1)
    assert query(root / ".local/dev.duckdb", "select id, l from picked") == [(7, "yes")]


def test_ff_duckdb_path_overrides_the_profile(pytester: pytest.Pytester, project: Path,
                                              monkeypatch: pytest.MonkeyPatch, query) -> None:
    monkeypatch.setenv("FF_DUCKDB_PATH", "other/place.duckdb")
    pytester.runpytest("--fft-seed", "--fft-run").assert_outcomes(passed=7)
    assert query(project / "other/place.duckdb", "select count(*) from mart_users") == [(3,)]
    assert not (project / ".local/demo.duckdb").exists()


def test_a_node_id_runs_without_fft_options_as_an_ide_runs_it(
    pytester: pytest.Pytester, project: Path, query
) -> None:
    pytester.runpytest("--fft-seed", "--fft-run").assert_outcomes(passed=7)
    (project / "models" / "mart_users.ff.sql").write_text(
        "select id from {{ ref('users_enriched') }} where not is_gmail\n")
    result = pytester.runpytest("models/mart_users.ff.sql::mart_users.ff")
    result.assert_outcomes(passed=1)
    assert query(project / ".local/demo.duckdb", "select id from mart_users") == [(1,)]


def test_an_empty_selector_is_a_usage_error(pytester: pytest.Pytester, project: Path) -> None:
    result = pytester.runpytest("--fft-run", "--fft-select", "+")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: empty selector '+'"])


def test_a_models_log_records_land_under_its_own_item(pytester: pytest.Pytester,
                                                      project: Path) -> None:
    (project / "models" / "noisy.ff.py").write_text(
        "import logging\n"
        "from fastflowtransform import model\n\n"
        "@model(name='noisy', deps=['users.ff'])\n"
        "def build(df):\n"
        "    logging.getLogger('shop').warning('noisy saw %d users', len(df))\n"
        "    return df\n")
    result = pytester.runpytest("--fft-seed", "--fft-run", "--fft-jobs", "2", "-rA",
                                "-p", "no:cacheprovider")
    result.assert_outcomes(passed=8)
    # -rA prints one block per passed item, titled by its reportinfo ("python noisy")
    blocks = result.stdout.str().split("____ ")
    noisy = [b for b in blocks if b.startswith("python noisy")]
    assert len(noisy) == 1
    assert "Captured fft log call" in noisy[0]
    assert "WARNING  shop: noisy saw 3 users" in noisy[0]
    # other items may show it in pytest's own "Captured log" (the build ran during their
    # turn), never in their fft log
    for block in blocks:
        if not block.startswith("python noisy") and "Captured fft log" in block:
            assert "noisy saw" not in block.split("Captured fft log")[1].split("----")[0]


class _EarlyProbe:
    """Records, when the first model file is collected, whether the build has started."""

    def __init__(self) -> None:
        self.seen: dict[str, bool] = {}

    def pytest_configure(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        import threading

        from pytest_fft.plugin.hooks import STATE_KEY

        if report.nodeid.endswith("users.ff.sql") and not self.seen:
            (run,) = self.config.stash[STATE_KEY].runs.values()
            self.seen["early"] = run.started_early
            self.seen["started"] = run._executor is not None or any(
                t.name == "fft-start" for t in threading.enumerate())


@pytest.mark.parametrize(("args", "parent_conftest", "early"), [
    (["{p}", "--fft-seed", "--fft-run"], "", True),
    (["{p}", "--fft-seed", "--fft-run"], "def pytest_configure(config):\n    pass\n", True),
    (["{p}", "--fft-seed", "--fft-run"],
     "def pytest_collection_modifyitems(items):\n    pass\n", False),  # could deselect
    (["{p}/models", "{p}/seeds", "--fft-seed", "--fft-run"], "", False),  # not project folders
    (["{p}", "--fft-seed", "--fft-run", "-k", "not nothing"], "", False),
    (["{p}", "--fft-seed", "--fft-run", "--collect-only"], "", False),
])
def test_plain_pytest_starts_the_build_once_the_project_is_loaded(
        simple_project: Path, args: list[str], parent_conftest: str, early: bool,
        query) -> None:
    """When pytest's arguments are project folders, nothing narrows the selection and no
    hook outside pytest and pytest-fft could deselect, every node is an item: the build
    starts before pytest has created the items, as under fft."""
    (simple_project.parent / "conftest.py").write_text(parent_conftest)
    probe = _EarlyProbe()
    argv = [a.format(p=simple_project) for a in args]
    code = pytest.main([*argv, "-q", "-p", "no:cacheprovider", "--rootdir",
                        str(simple_project.parent)], plugins=[probe])
    assert code == 0
    assert probe.seen == {"early": early, "started": early}
    if "--collect-only" not in args:
        db = simple_project / ".local/demo.duckdb"
        assert query(db, "select count(*) from mart_users") == [(3,)]


def test_a_failed_node_reaches_pytest_exception_interact_at_its_origin(
        pytester: pytest.Pytester, project: Path) -> None:
    """What ``--pdb`` uses: a failing Python model's item fails with the traceback of what the
    model raised, so its innermost frame is the model's; an item skipped upstream hands over
    nothing."""
    (project / "models" / "users_enriched.ff.py").write_text(
        "from fastflowtransform import model\n\n"
        "@model(name='users_enriched', deps=['users.ff'])\n"
        "def enrich(df):\n"
        "    raise ValueError('broken model')\n")
    seen = []

    class Interact:
        def pytest_exception_interact(self, node, call, report) -> None:
            seen.append((node.nodeid, call.excinfo.typename, call.excinfo.traceback[-1].name,
                         report.outcome))

    result = pytester.runpytest("--fft-seed", "--fft-run", plugins=[Interact()])
    result.assert_outcomes(passed=4, failed=1, skipped=2)
    assert seen == [("models/users_enriched.ff.py::users_enriched", "NodeFailed", "enrich",
                     "failed")]

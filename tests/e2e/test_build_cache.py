"""The build cache: what a second run skips, and every change that rebuilds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas  # noqa: F401
import pytest

pytest_plugins = ["pytester"]

MODELS = ["orders.ff", "users.ff", "users_enriched", "mart_orders_enriched", "mart_users.ff"]


@pytest.fixture
def project(pytester: pytest.Pytester, simple_project: Path) -> Path:
    for entry in simple_project.iterdir():
        (shutil.copytree if entry.is_dir() else shutil.copy)(entry, pytester.path / entry.name)
    return pytester.path


def build(pytester: pytest.Pytester, *args: str) -> dict[str, str]:
    """Run a build; return node -> status from run_results.json."""
    result = pytester.runpytest("--fft-run", *args)
    assert result.ret == 0, result.stdout.str()
    data = json.loads((pytester.path / ".fastflowtransform/target/run_results.json").read_text())
    return {r["name"]: r["status"] for r in data["results"]}


def rebuilt(statuses: dict[str, str]) -> set[str]:
    return {name for name, status in statuses.items() if status == "success"}


@pytest.fixture
def warm(pytester: pytest.Pytester, project: Path) -> Path:
    pytester.runpytest("--fft-seed", "--fft-run").assert_outcomes(passed=7)
    return project


def test_second_run_is_all_cached(pytester: pytest.Pytester, warm: Path) -> None:
    result = pytester.runpytest("--fft-run", "-v")
    assert result.parseoutcomes() == {"cached": 5}
    result.stdout.fnmatch_lines(["*models/users.ff.sql::users.ff CACHED*"])
    assert build(pytester) == dict.fromkeys(MODELS, "cached")


def test_cached_nodes_do_not_touch_ff_meta(pytester: pytest.Pytester, warm: Path,
                                           query) -> None:
    sql = "select node_name, built_at from _ff_meta order by 1"
    before = query(warm / ".local/demo.duckdb", sql)
    assert [row[0] for row in before] == sorted(["seed_orders", "seed_users", *MODELS])
    build(pytester)
    assert query(warm / ".local/demo.duckdb", sql) == before


def test_an_audit_table_the_engine_cannot_write_is_a_warning(pytester: pytest.Pytester,
                                                             warm: Path) -> None:
    import duckdb as db

    con = db.connect(str(warm / ".local/demo.duckdb"))
    con.execute("drop table _ff_meta")
    con.execute("create view _ff_meta as select 1 as x")  # the audit rows cannot go in
    con.close()
    result = pytester.runpytest("--fft-run", "--fft-cache", "off")
    result.assert_outcomes(passed=5, warnings=1)
    result.stdout.fnmatch_lines(
        ["*AuditTableWarning: could not write the _ff_meta audit table on duckdb: *"])


def test_whitespace_comments_and_keyword_case_rebuild_nothing(pytester: pytest.Pytester,
                                                              warm: Path) -> None:
    model = warm / "models/users.ff.sql"
    model.write_text("-- the users\nCREATE OR REPLACE TABLE users AS\n  SELECT id,\n    email\n"
                     "  FROM {{ source('crm','users') }}  /* from the CRM */ ;\n")
    assert rebuilt(build(pytester)) == set()


def test_a_sql_change_rebuilds_the_model_and_its_descendants(pytester: pytest.Pytester,
                                                             warm: Path) -> None:
    model = warm / "models/users.ff.sql"
    model.write_text(model.read_text().replace("select id, email", "select id, lower(email) as email"))
    assert rebuilt(build(pytester)) == {"users.ff", "users_enriched", "mart_orders_enriched",
                                        "mart_users.ff"}


def test_an_edit_is_built_although_the_parsed_project_was_kept(
        pytester: pytest.Pytester, warm: Path, query) -> None:
    assert list((warm / ".pytest_cache/d/fft-parse").glob("*.pickle"))
    path = warm / "models/mart_users.ff.sql"
    path.write_text(path.read_text().replace("select", "select 42 as answer,", 1))
    assert rebuilt(build(pytester)) == {"mart_users.ff"}
    assert query(warm / ".local/demo.duckdb", "select distinct answer from mart_users") == [(42,)]


def test_a_seed_change_rebuilds_its_consumers(pytester: pytest.Pytester, warm: Path) -> None:
    seed = warm / "seeds/seed_orders.csv"
    seed.write_text(seed.read_text() + "102,3,5.5\n")
    statuses = build(pytester, "--fft-seed")
    assert rebuilt(statuses) == {"seed_orders", "orders.ff", "mart_orders_enriched"}


def test_an_ff_variable_rebuilds_everything(pytester: pytest.Pytester, warm: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FF_SOMETHING", "1")
    assert rebuilt(build(pytester)) == set(MODELS)


def test_a_python_helper_change_rebuilds_that_model(pytester: pytest.Pytester,
                                                    warm: Path) -> None:
    model = warm / "models/users_enriched.ff.py"
    model.write_text(model.read_text() + "\nHELPER_CONSTANT = 2\n")
    assert rebuilt(build(pytester)) == {"users_enriched", "mart_orders_enriched",
                                        "mart_users.ff"}


def test_sources_yml_change_rebuilds(pytester: pytest.Pytester, warm: Path) -> None:
    sources = warm / "sources.yml"
    sources.write_text(sources.read_text() + "extra:\n  thing: {identifier: other}\n")
    assert rebuilt(build(pytester)) == set(MODELS)


def test_vars_count_through_the_rendered_sql(pytester: pytest.Pytester, warm: Path) -> None:
    model = warm / "models/mart_users.ff.sql"
    model.write_text("select id, email, is_gmail, {{ var('flag', 0) }} as flag "
                     "from {{ ref('users_enriched') }}\n")
    assert rebuilt(build(pytester)) == {"mart_users.ff"}
    assert rebuilt(build(pytester)) == set()
    assert rebuilt(build(pytester, "--fft-vars", "flag=1")) == {"mart_users.ff"}


def test_a_dropped_table_is_rebuilt(pytester: pytest.Pytester, warm: Path) -> None:
    con = duckdb.connect(str(warm / ".local/demo.duckdb"))
    con.execute("drop table mart_users")
    con.close()
    assert rebuilt(build(pytester)) == {"mart_users.ff"}


def test_cache_modes_and_rebuild(pytester: pytest.Pytester, warm: Path) -> None:
    assert rebuilt(build(pytester, "--fft-cache", "off")) == set(MODELS)
    # off built without remembering, and forgot the old entries: the tables may differ from
    # what was remembered, so the next run builds again
    assert rebuilt(build(pytester)) == set(MODELS)
    assert rebuilt(build(pytester, "--fft-rebuild", "mart_*")) == {
        "mart_orders_enriched", "mart_users.ff"}
    model = warm / "models/orders.ff.sql"
    model.write_text(model.read_text().replace("amount", "amount * 1 as amount"))
    assert rebuilt(build(pytester, "--fft-cache", "ro")) == {"orders.ff", "mart_orders_enriched"}
    # ro remembered nothing: the same change builds again
    assert rebuilt(build(pytester, "--fft-cache", "ro")) == {"orders.ff", "mart_orders_enriched"}
    assert rebuilt(build(pytester, "--fft-cache", "wo")) == set(MODELS)
    assert rebuilt(build(pytester)) == set()


def test_without_pytest_cache_everything_builds(pytester: pytest.Pytester, warm: Path) -> None:
    assert rebuilt(build(pytester, "-p", "no:cacheprovider")) == set(MODELS)
    assert rebuilt(build(pytester, "--cache-clear")) == set(MODELS)


def test_manifest_lists_nodes_with_fingerprints(pytester: pytest.Pytester, warm: Path) -> None:
    build(pytester)
    manifest = json.loads((warm / ".fastflowtransform/target/manifest.json").read_text())
    assert manifest["nodes"]["mart_users.ff"]["deps"] == ["users_enriched"]
    assert manifest["nodes"]["mart_users.ff"]["relation"] == "mart_users"
    assert len(manifest["nodes"]["mart_users.ff"]["fingerprint"]) == 64
    assert manifest["metadata"]["env_name"] == "dev"


def test_state_modified_selects_what_changed_and_plus_adds_downstream(
    pytester: pytest.Pytester, warm: Path
) -> None:
    result = pytester.runpytest("--fft-run", "--fft-select", "state:modified", "--collect-only",
                                "-q")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    model = warm / "models/users.ff.sql"
    model.write_text(model.read_text().replace("select id, email", "select id, email, 1 as one"))
    # users.ff changed; its descendants' fingerprints change with it (parents count), and
    # the run adds what they depend on (orders.ff, which stays cached).
    statuses = build(pytester, "--fft-select", "state:modified")
    assert rebuilt(statuses) == {"users.ff", "users_enriched", "mart_orders_enriched",
                                 "mart_users.ff"}
    assert statuses["orders.ff"] == "cached"
    model.write_text(model.read_text().replace("1 as one", "2 as one"))
    statuses = build(pytester, "--fft-select", "state:modified+")
    assert rebuilt(statuses) == {"users.ff", "users_enriched", "mart_orders_enriched",
                                 "mart_users.ff"}
    assert statuses["orders.ff"] == "cached"  # a parent of mart_orders_enriched, unchanged


def test_a_missing_unselected_parent_fails_with_the_fix(pytester: pytest.Pytester,
                                                        warm: Path) -> None:
    con = duckdb.connect(str(warm / ".local/demo.duckdb"))
    con.execute("drop table users_enriched")
    con.close()
    result = pytester.runpytest("models/mart_users.ff.sql::mart_users.ff", "--fft-cache", "off")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([("*upstream users_enriched is not selected and its relation "
                                  "users_enriched is missing; select +mart_users*")])


def test_a_seed_file_changed_but_not_loaded_does_not_count_as_loaded(
    pytester: pytest.Pytester, warm: Path, query
) -> None:
    seed = warm / "seeds/seed_users.csv"
    seed.write_text(seed.read_text() + "4,d@gmail.com\n")
    assert rebuilt(build(pytester)) == set()  # the seed table is unchanged: nothing to do
    assert rebuilt(build(pytester, "--fft-seed")) == {
        "seed_users", "users.ff", "users_enriched", "mart_users.ff", "mart_orders_enriched"}
    assert query(warm / ".local/demo.duckdb", "select count(*) from mart_users") == [(4,)]


def test_off_then_revert_does_not_leave_a_stale_table(pytester: pytest.Pytester, warm: Path,
                                                      query) -> None:
    model = warm / "models/users.ff.sql"
    original = model.read_text()
    model.write_text(original.replace("select id, email", "select id, upper(email) as email"))
    build(pytester, "--fft-cache", "off")
    model.write_text(original)
    assert "users.ff" in rebuilt(build(pytester))
    assert query(warm / ".local/demo.duckdb", "select email from users order by id")[0] == (
        "a@example.com",)


def test_a_run_that_builds_a_part_keeps_the_memo_of_the_rest(pytester: pytest.Pytester,
                                                             warm: Path) -> None:
    """`fft seed` after a full build must not drop the normalised SQL of the models: the next
    `fft run` would parse every model again before deciding what is cached."""
    (store,) = (warm / ".pytest_cache/v/fft/build").glob("*/dev")
    before = json.loads(store.read_text())["sql_memo"]
    assert len(before) == 3  # users.ff, orders.ff, mart_users.ff
    (warm / "seeds/seed_users.csv").write_text(
        (warm / "seeds/seed_users.csv").read_text() + "4,d@example.com\n")
    result = pytester.runpytest("--fft-seed")
    assert result.parseoutcomes() == {"passed": 1, "cached": 1}  # seed_orders is unchanged
    assert json.loads(store.read_text())["sql_memo"] == before

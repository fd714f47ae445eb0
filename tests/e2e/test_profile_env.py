"""Profiles end to end: a Jinja profiles.yml, .env files, FFT_ACTIVE_ENV, profile vars and a
DuckDB schema named like its database file, through the ``fft`` command and pytest itself."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import duckdb  # noqa: F401 - imported before pytester snapshots sys.modules:
import pandas  # noqa: F401 - numpy cannot be imported twice in one process
import pytest

pytest_plugins = ["pytester"]

TEMPLATED = """\
dev:
  engine: duckdb
  duckdb:
    path: "{{ env('FF_DUCKDB_PATH', '.local/x.duckdb') }}"
"""

MODELS = {
    "seeds/seed_users.csv": "id,email\n1,a@x.io\n2,b@y.io\n3,c@x.io\n",
    "models/users.ff.sql": "select id, email from {{ ref('seed_users') }}\n",
    "models/stamped.ff.py": """
        import os

        from pytest_fft import model


        @model(name="stamped", deps=["users.ff"])
        def stamped(users):
            users = users.copy()
            users["run_label"] = os.environ.get("RUN_LABEL", "unset")
            return users
        """,
}


@pytest.fixture
def templated(make_project) -> Path:
    return make_project({**MODELS, "profiles.yml": TEMPLATED})


def test_env_with_a_default_in_profiles_yml_builds_at_the_default(templated: Path, run_fft,
                                                                  query) -> None:
    result = run_fft("build", str(templated))
    assert result.returncode == 0, result.output
    assert query(templated / ".local/x.duckdb", "select count(*) from users") == [(3,)]
    # Not a folder named after the template text, as before profiles.yml was rendered.
    assert sorted(p.name for p in templated.iterdir() if "{" in p.name) == []


def test_a_dotenv_file_sets_the_path_and_what_python_models_read(templated: Path, run_fft,
                                                                 query) -> None:
    (templated / ".env").write_text("FF_DUCKDB_PATH=.local/from_dotenv.duckdb\n"
                                    "RUN_LABEL=from .env\n")
    (templated / ".env.dev.local").write_text("RUN_LABEL='from .env.dev.local'\n")
    result = run_fft("build", str(templated))
    assert result.returncode == 0, result.output
    db = templated / ".local/from_dotenv.duckdb"
    assert query(db, "select count(*) from users") == [(3,)]
    assert query(db, "select distinct run_label from stamped") == [("from .env.dev.local",)]
    assert not (templated / ".local/x.duckdb").exists()


def test_the_shell_wins_over_the_dotenv_file(templated: Path, run_fft, query, tmp_path: Path
                                             ) -> None:
    (templated / ".env").write_text("FF_DUCKDB_PATH=.local/from_dotenv.duckdb\nRUN_LABEL=file\n")
    shell_db = tmp_path / "shell.duckdb"
    result = run_fft("build", str(templated),
                     env={"FF_DUCKDB_PATH": str(shell_db), "RUN_LABEL": "shell"})
    assert result.returncode == 0, result.output
    assert query(shell_db, "select distinct run_label from stamped") == [("shell",)]
    assert not (templated / ".local/from_dotenv.duckdb").exists()


def test_editing_the_dotenv_file_moves_the_next_run(templated: Path, run_fft, query) -> None:
    (templated / ".env").write_text("FF_DUCKDB_PATH=.local/one.duckdb\n")
    assert run_fft("build", str(templated)).returncode == 0
    (templated / ".env").write_text("FF_DUCKDB_PATH=.local/two.duckdb\n")
    result = run_fft("build", str(templated))
    assert result.returncode == 0, result.output
    assert "cached" not in result.stdout  # another database: everything is built there
    assert query(templated / ".local/two.duckdb", "select count(*) from users") == [(3,)]


@pytest.mark.parametrize("catalog", [None, "analytics", "wh"])
def test_a_schema_named_like_the_database_file_builds_twice_in_a_row(make_project, run_fft,
                                                                     query, catalog) -> None:
    dotenv = "FF_DUCKDB_PATH=.local/analytics.duckdb\nFF_DUCKDB_SCHEMA=analytics\n"
    if catalog:
        dotenv += f"FF_DUCKDB_CATALOG={catalog}\n"
    root = make_project({**MODELS, "profiles.yml": TEMPLATED, ".env": dotenv,
                         "project.yml": "name: proj\nversion: 1\ntests:\n"
                                        "  - {type: not_null, table: users, column: id}\n"})
    first = run_fft("build", str(root))
    assert first.returncode == 0, first.output
    second = run_fft("build", str(root))  # was: Ambiguous reference to catalog or schema
    assert second.returncode == 0, second.output
    assert "Ambiguous" not in first.output + second.output
    assert "Done: 1 ok, 3 cached" in second.stdout  # the check runs, the builds are cached
    assert query(root / ".local/analytics.duckdb",
                 "select table_schema, count(*) from information_schema.tables "
                 "group by 1") == [("analytics", 4)]  # 3 relations and _ff_meta
    rerun = run_fft("run", str(root), "--rebuild", "users.ff")
    assert rerun.returncode == 0, rerun.output


def test_fft_active_env_in_a_dotenv_file_chooses_the_profile(make_project, run_fft,
                                                             query) -> None:
    root = make_project({
        **MODELS,
        "profiles.yml": TEMPLATED + ("ci:\n  engine: duckdb\n  duckdb:\n"
                                     "    path: \"{{ env('CI_DB', '.local/ci.duckdb') }}\"\n"),
        ".env": "FFT_ACTIVE_ENV=ci\n",
        ".env.ci": "CI_DB=.local/ci_from_env_file.duckdb\n",
    })
    result = run_fft("build", str(root))
    assert result.returncode == 0, result.output
    assert "env ci" in result.stdout
    assert query(root / ".local/ci_from_env_file.duckdb", "select count(*) from users") == [(3,)]


def test_profile_vars_reach_var_in_models(make_project, run_fft, query) -> None:
    root = make_project({
        "seeds/seed_users.csv": "id\n1\n2\n3\n",
        "models/limited.ff.sql": (
            "select id, '{{ var(\"label\") }}' as label from {{ ref('seed_users') }} "
            "where id <= {{ var('max_id') }}\n"),
        "project.yml": "name: proj\nversion: 1\nvars: {max_id: 1, label: project}\n",
        "profiles.yml": ("dev:\n  engine: duckdb\n  duckdb: {path: .local/dev.duckdb}\n"
                         "  vars: {max_id: 2, label: profile}\n"),
    })
    result = run_fft("build", str(root))
    assert result.returncode == 0, result.output
    db = root / ".local/dev.duckdb"
    assert query(db, "select count(*), min(label) from limited") == [(2, "profile")]
    flagged = run_fft("run", str(root), "--vars", "label=cli")
    assert flagged.returncode == 0, flagged.output
    assert query(db, "select count(*), min(label) from limited") == [(2, "cli")]
    # fft dag renders the models with the same vars (its SQL view shows them).
    html = run_fft("dag", str(root), "--html", "--vars", "label=dag")
    assert html.returncode == 0, html.output
    page = (root / "docs" / "nodes" / "limited.ff.html").read_text()
    assert "where id &lt;= 2" in page and "&#39;dag&#39; as label" in page


def test_a_malformed_dotenv_line_is_a_project_error(templated: Path, run_fft) -> None:
    (templated / ".env").write_text("FF_DUCKDB_PATH=.local/a.duckdb\nthis is not it\n")
    result = run_fft("run", str(templated))
    assert result.returncode == 1, result.output
    assert f"{templated / '.env'}:2: 'this' is followed by 'is not it', not by '='" in result.stderr
    assert "Traceback" not in result.output


def test_an_unknown_key_is_a_project_error_with_a_guess(make_project, run_fft) -> None:
    root = make_project({**MODELS, "profiles.yml": "dev:\n  engine: duckdb\n  duckdb:\n"
                                                   "    path: .local/a.duckdb\n"
                                                   "    db_shema: x\n"})
    result = run_fft("run", str(root))
    assert result.returncode == 1, result.output
    assert (f"profile 'dev' in {root / 'profiles.yml'} has an unknown key duckdb.db_shema "
            "(did you mean duckdb.db_schema?)") in result.stderr
    assert f"{root / 'profiles.yml'}:5" in result.stderr


# -- a pytest session leaves os.environ as it found it -------------------------------------------


def test_the_session_sets_dotenv_values_and_removes_them_after(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUN_LABEL", raising=False)
    monkeypatch.delenv("KEPT_FROM_SHELL", raising=False)
    monkeypatch.setenv("KEPT_FROM_SHELL", "shell")
    for rel, text in {**MODELS, "profiles.yml": TEMPLATED, "project.yml": "name: p\n",
                      ".env": "RUN_LABEL=from-dotenv\nKEPT_FROM_SHELL=file\n"}.items():
        path = pytester.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    pytester.makepyfile(test_env_seen="""
        import os

        def test_seen(fft_relation):
            assert os.environ["RUN_LABEL"] == "from-dotenv"
            assert os.environ["KEPT_FROM_SHELL"] == "shell"
            assert set(fft_relation("stamped")["run_label"]) == {"from-dotenv"}
        """)
    result = pytester.runpytest_inprocess("--fft-seed", "--fft-run", "-p", "no:randomly")
    result.assert_outcomes(passed=4)  # a seed, two models, the test
    assert "RUN_LABEL" not in os.environ
    assert os.environ["KEPT_FROM_SHELL"] == "shell"


def test_unit_cases_render_models_with_the_profile_vars(make_project, run_fft) -> None:
    root = make_project({
        "seeds/seed_users.csv": "id\n1\n2\n3\n",
        "models/limited.ff.sql": ("select id from {{ ref('seed_users') }} "
                                  "where id <= {{ var('max_id') }}\n"),
        "profiles.yml": ("dev:\n  engine: duckdb\n  duckdb: {path: .local/dev.duckdb}\n"
                         "  vars: {max_id: 2}\n"),
        "tests/unit/limited.yml": """
            model: limited.ff
            cases:
              - name: keeps_up_to_max_id
                inputs:
                  seed_users:
                    rows: [{id: 1}, {id: 2}, {id: 3}]
                expect:
                  order_by: [id]
                  rows: [{id: 1}, {id: 2}]
            """,
    })
    result = run_fft("utest", str(root))
    assert result.returncode == 0, result.output
    assert "✓ keeps_up_to_max_id" in result.stdout  # without the profile: var() undefined
    assert "Done: 1 ok" in result.stdout


def test_models_may_name_the_schema_that_shares_the_database_files_name(make_project, run_fft,
                                                                        query) -> None:
    # FastFlowTransform's demos: .local/shop.duckdb, FF_DUCKDB_SCHEMA=shop, and sources with
    # schema: shop; a model's `shop.seed_users` would be "Ambiguous reference to catalog or
    # schema" (DuckDB names the database after the file), so the file is attached as shop_db.
    root = make_project({
        "profiles.yml": TEMPLATED,
        ".env": "FF_DUCKDB_PATH=.local/shop.duckdb\nFF_DUCKDB_SCHEMA=shop\n",
        "seeds/seed_users.csv": "id,email\n1,a@x.io\n2,b@y.io\n",
        "sources.yml": "version: 2\nsources:\n  - name: crm\n    schema: shop\n    tables:\n"
                       "      - {name: users, identifier: seed_users}\n",
        "models/users.ff.sql": "select id, email from {{ source('crm', 'users') }}\n",
        "models/emails.ff.sql": "select email from shop.users  -- {{ ref('users') }} first\n",
    })
    for _ in range(2):
        built = run_fft("build", str(root))
        assert built.returncode == 0, built.output
        assert "Ambiguous" not in built.output
    assert query(root / ".local/shop.duckdb", "select count(*) from shop.shop.emails") == [(2,)]

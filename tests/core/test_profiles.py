"""profiles.py: profiles.yml < FF_* environment < engine= argument; clear errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_fft.errors import FFTError, ProfileError
from pytest_fft.project.profiles import resolve_profile

PROFILES = """\
dev:
  engine: duckdb
  duckdb: {path: .local/dev.duckdb}

memory:
  engine: duckdb
  duckdb: {path: ":memory:"}

stg:
  engine: postgres
  postgres:
    dsn: postgresql+psycopg://u:p@localhost:5432/db
    db_schema: staging

bq:
  engine: bigquery
  bigquery: {project: my-proj, dataset: demo, location: EU}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "profiles.yml").write_text(PROFILES, encoding="utf-8")
    return root


def write_profiles(root: Path, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "profiles.yml").write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def test_default_env_is_dev(project: Path) -> None:
    resolved = resolve_profile(project, environ={})
    assert resolved.env_name == "dev"
    assert resolved.engine == "duckdb"
    assert resolved.profile.duckdb.path == str((project / ".local" / "dev.duckdb").resolve())


def test_fft_active_env_picks_the_default(project: Path) -> None:
    resolved = resolve_profile(project, environ={"FFT_ACTIVE_ENV": "stg"})
    assert (resolved.env_name, resolved.engine) == ("stg", "postgres")


def test_explicit_env_beats_fft_active_env(project: Path) -> None:
    resolved = resolve_profile(project, "memory", environ={"FFT_ACTIVE_ENV": "stg"})
    assert resolved.env_name == "memory"


def test_several_envs(project: Path) -> None:
    stg = resolve_profile(project, "stg", environ={})
    assert stg.engine == "postgres"
    assert stg.profile.postgres.dsn == "postgresql+psycopg://u:p@localhost:5432/db"
    assert stg.profile.postgres.db_schema == "staging"

    bq = resolve_profile(project, "bq", environ={})
    assert bq.engine == "bigquery"
    assert (bq.profile.bigquery.project, bq.profile.bigquery.dataset,
            bq.profile.bigquery.location, bq.profile.bigquery.use_bigframes) == (
        "my-proj", "demo", "EU", False)


def test_unknown_env_lists_the_existing_ones(project: Path) -> None:
    with pytest.raises(ProfileError) as info:
        resolve_profile(project, "prod", environ={})
    err = info.value
    assert err.message == f"Unknown env 'prod': {project / 'profiles.yml'} defines dev, memory, stg, bq"
    assert err.file == str(project / "profiles.yml")
    assert err.hint == "pass --env with one of: dev, memory, stg, bq, or add 'prod:' to profiles.yml"


def test_relative_duckdb_path_is_resolved_against_the_project(project: Path) -> None:
    resolved = resolve_profile(project, "dev", environ={})
    assert resolved.profile.duckdb.path == str(project.resolve() / ".local" / "dev.duckdb")
    # Reading the profile creates nothing: the engine makes the folder when it writes.
    assert not (project / ".local").exists()


def test_the_engine_creates_the_database_folder(project: Path) -> None:
    from pytest_fft.engines.duckdb import DuckDBEngine

    resolved = resolve_profile(project, "dev", environ={})
    DuckDBEngine.from_profile(resolved.profile).close()
    assert (project / ".local" / "dev.duckdb").is_file()


def test_a_nested_relative_path_is_resolved(tmp_path: Path) -> None:
    root = write_profiles(tmp_path / "p", "dev:\n  engine: duckdb\n  duckdb: {path: a/b/c/x.duckdb}\n")
    resolved = resolve_profile(root, environ={})
    assert resolved.profile.duckdb.path == str(root.resolve() / "a" / "b" / "c" / "x.duckdb")


def test_absolute_path_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "db.duckdb"
    root = write_profiles(tmp_path / "p", f"dev:\n  engine: duckdb\n  duckdb: {{path: '{target}'}}\n")
    resolved = resolve_profile(root, environ={})
    assert resolved.profile.duckdb.path == str(target.resolve())


def test_memory_path_is_untouched(project: Path) -> None:
    resolved = resolve_profile(project, "memory", environ={})
    assert resolved.profile.duckdb.path == ":memory:"
    assert sorted(p.name for p in project.iterdir()) == ["profiles.yml"]


def test_duckdb_profile_without_settings_defaults_to_memory(tmp_path: Path) -> None:
    root = write_profiles(tmp_path / "p", "dev:\n  engine: duckdb\n")
    assert resolve_profile(root, environ={}).profile.duckdb.path == ":memory:"


def test_no_profiles_file_means_duckdb_in_local(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    resolved = resolve_profile(root, "ci", environ={})
    assert (resolved.env_name, resolved.engine) == ("ci", "duckdb")
    assert resolved.profile.duckdb.path == str(root.resolve() / ".local" / "ci.duckdb")


# -- overrides ------------------------------------------------------------------------------


def test_ff_duckdb_path_overrides_profiles_yml(project: Path, tmp_path: Path) -> None:
    resolved = resolve_profile(project, "dev", environ={"FF_DUCKDB_PATH": "other/x.duckdb"})
    assert resolved.profile.duckdb.path == str(project.resolve() / "other" / "x.duckdb")


def test_ff_duckdb_path_memory(project: Path) -> None:
    resolved = resolve_profile(project, "dev", environ={"FF_DUCKDB_PATH": ":memory:"})
    assert resolved.profile.duckdb.path == ":memory:"


def test_ff_vars_of_another_engine_are_ignored(project: Path) -> None:
    resolved = resolve_profile(project, "memory",
                               environ={"FF_PG_DSN": "postgresql://x", "FF_BQ_DATASET": "d"})
    assert resolved.engine == "duckdb"
    assert resolved.profile.duckdb.path == ":memory:"


def test_ff_pg_vars_override_postgres(project: Path) -> None:
    resolved = resolve_profile(project, "stg",
                               environ={"FF_PG_DSN": "postgresql://other", "FF_PG_SCHEMA": "s2"})
    assert (resolved.profile.postgres.dsn, resolved.profile.postgres.db_schema) == (
        "postgresql://other", "s2")


def test_ff_bq_use_bigframes_is_parsed_as_bool(project: Path) -> None:
    resolved = resolve_profile(project, "bq", environ={"FF_BQ_USE_BIGFRAMES": "1"})
    assert resolved.profile.bigquery.use_bigframes is True


def test_ff_engine_switches_the_engine(project: Path) -> None:
    resolved = resolve_profile(project, "stg",
                               environ={"FF_ENGINE": "duckdb", "FF_DUCKDB_PATH": ":memory:"})
    assert resolved.env_name == "stg"
    assert resolved.engine == "duckdb"
    assert resolved.profile.duckdb.path == ":memory:"


def test_ff_engine_to_duckdb_without_path_uses_memory(project: Path) -> None:
    resolved = resolve_profile(project, "stg", environ={"FF_ENGINE": "duckdb"})
    assert resolved.engine == "duckdb"
    assert resolved.profile.duckdb.path == ":memory:"


def test_engine_argument_beats_ff_engine(project: Path) -> None:
    resolved = resolve_profile(project, "dev",
                               environ={"FF_ENGINE": "postgres", "FF_DUCKDB_PATH": ":memory:"},
                               engine="duckdb")
    assert resolved.engine == "duckdb"
    assert resolved.profile.duckdb.path == ":memory:"


def test_engine_argument_with_ff_settings(project: Path) -> None:
    resolved = resolve_profile(project, "dev", environ={"FF_PG_DSN": "postgresql://h/db"},
                               engine="postgres")
    assert resolved.engine == "postgres"
    assert resolved.profile.postgres.dsn == "postgresql://h/db"
    assert resolved.profile.postgres.db_schema == "public"


@pytest.mark.parametrize(("environ", "engine", "switch"), [
    ({"FF_ENGINE": "postgres"}, None, "FF_ENGINE=postgres"),
    ({}, "postgres", "--engine postgres"),
])
def test_a_switched_engine_missing_its_keys_names_the_switch(
        project: Path, environ: dict, engine: str | None, switch: str) -> None:
    with pytest.raises(ProfileError) as info:
        resolve_profile(project, "dev", environ=environ, engine=engine)
    assert info.value.message == "profile 'dev' is invalid at postgres.dsn: Field required"
    assert info.value.hint.startswith(
        f"{switch} makes this profile a postgres profile, which needs its own keys")


def test_same_engine_keeps_the_profile_settings(project: Path) -> None:
    resolved = resolve_profile(project, "stg", environ={"FF_ENGINE": "postgres"})
    assert resolved.profile.postgres.db_schema == "staging"


def test_environ_defaults_to_os_environ(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FF_DUCKDB_PATH", ":memory:")
    monkeypatch.delenv("FF_ENGINE", raising=False)
    monkeypatch.delenv("FFT_ACTIVE_ENV", raising=False)
    assert resolve_profile(project, "dev").profile.duckdb.path == ":memory:"


# -- errors ---------------------------------------------------------------------------------


def test_unknown_engine_name(project: Path) -> None:
    with pytest.raises(ProfileError) as info:
        resolve_profile(project, "dev", environ={"FF_ENGINE": "sqlite"})
    assert info.value.message == "Unknown engine 'sqlite'"
    assert info.value.hint == (
        "use one of: duckdb, postgres, bigquery, databricks_spark, snowflake_snowpark")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        pytest.param("dev:\n  engine: duckdb\n  duckdb: {path: x.duckdb, bogus: 1}\n",
                     "bogus: Extra inputs are not permitted", id="unknown-setting"),
        pytest.param("dev:\n  engine: duckdb\n  extra: 1\n",
                     "extra: Extra inputs are not permitted", id="unknown-top-level-key"),
        pytest.param("dev:\n  engine: postgres\n", "postgres: Field required",
                     id="missing-block"),
        pytest.param("dev:\n  engine: postgres\n  postgres: {db_schema: x}\n",
                     "dsn: Field required", id="missing-dsn"),
        pytest.param("dev:\n  engine: bigquery\n  bigquery: {use_bigframes: maybe}\n",
                     "dataset: Field required", id="missing-dataset"),
        pytest.param("dev:\n  engine: sqlite\n", "Input tag 'sqlite'", id="unknown-engine"),
    ],
)
def test_invalid_profiles(tmp_path: Path, text: str, fragment: str) -> None:
    root = write_profiles(tmp_path / "p", text)
    with pytest.raises(ProfileError) as info:
        resolve_profile(root, "dev", environ={})
    err = info.value
    assert err.message.startswith("profile 'dev' is invalid at ")
    assert fragment in err.message
    assert err.file == str(root / "profiles.yml")
    assert err.line == 1
    assert err.hint == "see docs/profiles.md for the keys of each engine"


def test_switching_engine_without_its_required_settings(project: Path) -> None:
    with pytest.raises(ProfileError) as info:
        resolve_profile(project, "dev", environ={"FF_ENGINE": "postgres"})
    assert "dsn: Field required" in info.value.message


def test_profile_that_is_not_a_mapping(tmp_path: Path) -> None:
    root = write_profiles(tmp_path / "p", "dev: {engine: duckdb}\nci: 3\n")
    with pytest.raises(ProfileError) as info:
        resolve_profile(root, "ci", environ={})
    assert info.value.message == f"profile 'ci' in {root / 'profiles.yml'} must be a mapping"
    assert info.value.line == 2


def test_profiles_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    root = write_profiles(tmp_path / "p", "- dev\n")
    with pytest.raises(ProfileError) as info:
        resolve_profile(root, environ={})
    assert info.value.message == f"{root / 'profiles.yml'} must map env names to profiles"
    assert info.value.line == 1


def test_profiles_bad_yaml_has_a_line(tmp_path: Path) -> None:
    root = write_profiles(tmp_path / "p", "dev:\n  engine: duckdb\n    duckdb: x\n")
    with pytest.raises(FFTError) as info:
        resolve_profile(root, environ={})
    assert info.value.line == 3
    assert "is not valid YAML: mapping values are not allowed here" in info.value.message

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
    assert err.hint == ("pass --env with one of: dev, memory, stg, bq, or add 'prod:' (or a "
                        "'default:' profile, which any other env uses) to profiles.yml")


def test_an_env_without_a_profile_uses_default(tmp_path: Path) -> None:
    """FastFlowTransform's documented profiles.yml defines default, stg and bq, and its
    commands say --env dev: an env profiles.yml does not define uses the default profile
    (FastFlowTransform's fallback); its errors name the profile read."""
    (tmp_path / "profiles.yml").write_text(
        "default:\n  engine: duckdb\n  duckdb: { path: ':memory:' }\n"
        "stg:\n  engine: postgres\n  postgres:\n    dsn: postgresql+psycopg://u@h/db\n"
        "    db_schema: public\n")
    dev = resolve_profile(tmp_path, "dev", environ={})
    assert (dev.env_name, dev.engine, dev.profile.duckdb.path) == ("dev", "duckdb", ":memory:")
    assert resolve_profile(tmp_path, "stg", environ={}).engine == "postgres"
    (tmp_path / "profiles.yml").write_text("default:\n  engine: duckdb\n  duckdb: {pth: x}\n")
    with pytest.raises(ProfileError, match=r"profile 'default' in .* has an unknown key"):
        resolve_profile(tmp_path, "dev", environ={})


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
    ("name", "meant"),
    [("sqlite", None), ("postgre", "postgres"), ("postgresql", "postgres"), ("DuckDB", "duckdb"),
     ("spark", "databricks_spark"), ("oracle", None)],
)
def test_an_unknown_engine_names_the_file_line_known_engines_and_fix(
        tmp_path: Path, name: str, meant: str | None) -> None:
    root = write_profiles(tmp_path / "p", f"x: 1\ndev:\n  engine: {name}\n  {name}: {{}}\n")
    with pytest.raises(ProfileError) as info:
        resolve_profile(root, "dev", environ={})
    err = info.value
    guess = f" (did you mean {meant}?)" if meant else ""
    assert err.message == (f"profile 'dev' in {root / 'profiles.yml'} names the engine "
                           f"{name!r}, which is neither built in nor installed{guess}")
    assert (err.file, err.line) == (str(root / "profiles.yml"), 3)
    assert err.hint == ("install the package that adds it, or use one of: duckdb, postgres, "
                        "bigquery, databricks_spark, snowflake_snowpark")
    assert "expected tags" not in str(err)


def test_an_unknown_engine_lists_the_installed_engines(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from types import MappingProxyType

    from pytest_fft.engines import registry

    spec = registry.EngineSpec(name="sqlite", abbrev="SQLT", sqlglot_dialect="sqlite",
                               engine_class=None)
    monkeypatch.setattr(registry, "installed_engines", lambda: MappingProxyType({"sqlite": spec}))
    root = write_profiles(tmp_path / "p", "dev:\n  engine: sqlit\n")
    with pytest.raises(ProfileError) as info:
        resolve_profile(root, "dev", environ={})
    assert info.value.hint == (
        "install the package that adds it, or use one of: duckdb, postgres, bigquery, "
        "databricks_spark, snowflake_snowpark (built in); sqlite (installed)")


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        pytest.param("dev:\n  engine: postgres\n", "is invalid at postgres: Field required", 1,
                     id="missing-block"),
        pytest.param("dev:\n  engine: postgres\n  postgres: {db_schema: x}\n",
                     "is invalid at postgres.dsn: Field required", 3, id="missing-dsn"),
        pytest.param("dev:\n  engine: bigquery\n  bigquery: {dataset: d, use_bigframes: maybe}\n",
                     "is invalid at bigquery.use_bigframes: Input should be a valid boolean, "
                     "unable to interpret input", 3, id="not-a-bool"),
        pytest.param("dev:\n  engine: bigquery\n  bigquery: {location: EU}\n",
                     "is invalid at bigquery.dataset: Field required", 3, id="missing-dataset"),
        pytest.param("dev:\n  engine: postgres\n  postgres:\n    dsn: ''\n",
                     "is invalid at postgres.dsn: is empty", 4, id="empty-required"),
        pytest.param("dev:\n  engine: duckdb\n  duckdb:\n    path: ''\n",
                     "is invalid at duckdb.path: is empty", 4, id="empty-with-a-default"),
    ],
)
def test_invalid_profiles(tmp_path: Path, text: str, message: str, line: int) -> None:
    root = write_profiles(tmp_path / "p", text)
    with pytest.raises(ProfileError) as info:
        resolve_profile(root, "dev", environ={})
    err = info.value
    assert err.message == f"profile 'dev' {message}"
    assert err.file == str(root / "profiles.yml")
    assert err.line == line
    assert err.hint == "see docs/profiles.md for the keys of each engine"


@pytest.mark.parametrize(
    ("text", "key", "guess", "line", "known"),
    [
        pytest.param("dev:\n  engine: duckdb\n  duckdb:\n    path: x.duckdb\n    pth: y\n",
                     "duckdb.pth", "duckdb.path", 5,
                     "the keys of duckdb are: path, db_schema, catalog, schema", id="typo"),
        pytest.param("dev:\n  engine: duckdb\n  duckdb: {path: x.duckdb, bogus: 1}\n",
                     "duckdb.bogus", None, 3,
                     "the keys of duckdb are: path, db_schema, catalog, schema", id="no-guess"),
        pytest.param("dev:\n  engine: duckdb\n  var:\n    a: 1\n", "var", "vars", 3,
                     "the keys of a duckdb profile are: engine, duckdb, vars", id="top-level"),
        pytest.param("dev:\n  engine: postgres\n  postgres:\n    dsn: postgresql://h/db\n"
                     "    db_shema: s\n", "postgres.db_shema", "postgres.db_schema", 5,
                     "the keys of postgres are: dsn, db_schema, schema", id="postgres"),
        pytest.param("dev:\n  engine: databricks_spark\n  databricks_spark:\n"
                     "    extra_confs: {}\n", "databricks_spark.extra_confs",
                     "databricks_spark.extra_conf", 4,
                     "the keys of databricks_spark are: master, app_name, remote, extra_conf, "
                     "warehouse_dir, use_hive_metastore, catalog, database, table_format, "
                     "table_options", id="spark"),
    ],
)
def test_an_unknown_key_names_file_profile_key_and_line_with_a_guess(
        tmp_path: Path, text: str, key: str, guess: str | None, line: int, known: str) -> None:
    root = write_profiles(tmp_path / "p", text)
    with pytest.raises(ProfileError) as info:
        resolve_profile(root, "dev", environ={})
    err = info.value
    shown = f" (did you mean {guess}?)" if guess else ""
    assert err.message == (f"profile 'dev' in {root / 'profiles.yml'} has an unknown key "
                           f"{key}{shown}")
    assert (err.file, err.line) == (str(root / "profiles.yml"), line)
    assert err.hint == f"{known}; see docs/profiles.md for the keys of each engine"


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


# -- profiles.yml as a Jinja template -------------------------------------------------------

TEMPLATED = """\
dev:
  engine: duckdb
  duckdb:
    path: "{{ env('FF_DUCKDB_PATH', '.local/x.duckdb') }}"
    db_schema: "{{ env('MY_SCHEMA', 'main') }}"
stg:
  engine: postgres
  postgres:
    dsn: "{{ env('FF_PG_DSN') }}"
    db_schema: "{{ env('FF_PG_SCHEMA', 'public') }}"
spark:
  engine: databricks_spark
  databricks_spark:
    warehouse_dir: "{{ project_dir() }}/.local/warehouse"
"""


def test_env_with_a_default_renders_before_parsing(tmp_path: Path) -> None:
    root = write_profiles(tmp_path / "p", TEMPLATED)
    resolved = resolve_profile(root, "dev", environ={})
    # Not a folder named "{{ env(...) }}": the default, resolved against the project.
    assert resolved.profile.duckdb.path == str(root.resolve() / ".local" / "x.duckdb")
    assert resolved.profile.duckdb.db_schema == "main"


def test_env_reads_the_environment(tmp_path: Path) -> None:
    root = write_profiles(tmp_path / "p", TEMPLATED)
    resolved = resolve_profile(root, "stg", environ={"FF_PG_DSN": "postgresql://h/db",
                                                     "FF_PG_SCHEMA": "s1"})
    assert (resolved.profile.postgres.dsn, resolved.profile.postgres.db_schema) == (
        "postgresql://h/db", "s1")
    assert resolve_profile(root, "dev", environ={"MY_SCHEMA": "analytics"}
                           ).profile.duckdb.db_schema == "analytics"


def test_project_dir_is_the_absolute_project_folder(tmp_path: Path) -> None:
    root = write_profiles(tmp_path / "p", TEMPLATED)
    resolved = resolve_profile(root, "spark", environ={})
    assert resolved.profile.databricks_spark.warehouse_dir == f"{root.resolve()}/.local/warehouse"


def test_env_without_a_default_of_an_unset_variable_fails_naming_key_and_variable(
        tmp_path: Path) -> None:
    root = write_profiles(tmp_path / "p", TEMPLATED)
    with pytest.raises(ProfileError) as info:
        resolve_profile(root, "stg", environ={})
    err = info.value
    assert err.message == "profile 'stg' is invalid at postgres.dsn: is empty"
    assert (err.file, err.line) == (str(root / "profiles.yml"), 9)
    assert err.hint == ("profiles.yml reads FF_PG_DSN with env() and no default, and it is not "
                        "set: set it in the environment or a .env file, or give env() a default; "
                        "see docs/profiles.md for the keys of each engine")


def test_an_unset_variable_of_another_profile_does_not_matter(tmp_path: Path) -> None:
    root = write_profiles(tmp_path / "p", TEMPLATED)
    assert resolve_profile(root, "dev", environ={}).engine == "duckdb"


@pytest.mark.parametrize(("text", "message", "line"), [
    pytest.param("dev:\n  engine: duckdb\n  duckdb:\n    path: {{ env('X' }}\n",
                 "is not a valid Jinja template: unexpected '}', expected ')'", 4, id="syntax"),
    pytest.param("dev:\n  engine: duckdb\n\n  duckdb: {path: '{{ nope }}'}\n",
                 "cannot be rendered: 'nope' is undefined", 4, id="undefined"),
    pytest.param("dev:\n  engine: duckdb\n{% for x in 3 %}{% endfor %}\n",
                 "cannot be rendered: TypeError: 'int' object is not iterable", 3,
                 id="failing-expression"),
])
def test_a_template_error_names_profiles_yml_and_the_line(tmp_path: Path, text: str,
                                                         message: str, line: int) -> None:
    root = write_profiles(tmp_path / "p", text)
    with pytest.raises(ProfileError) as info:
        resolve_profile(root, "dev", environ={})
    assert info.value.message == f"{root / 'profiles.yml'} {message}"
    assert (info.value.file, info.value.line) == (str(root / "profiles.yml"), line)


def test_a_file_without_jinja_is_not_rendered(tmp_path: Path) -> None:
    """Braces of YAML flow mappings and a stray '}}' stay as they are."""
    root = write_profiles(tmp_path / "p", "dev:\n  engine: duckdb\n  duckdb: {path: 'a}}b.duckdb'}\n")
    assert resolve_profile(root, environ={}).profile.duckdb.path.endswith("a}}b.duckdb")


def test_an_env_value_in_the_template_is_used_verbatim(tmp_path: Path) -> None:
    root = write_profiles(tmp_path / "p", TEMPLATED)
    weird = "/tmp/{{ not jinja }}/x.duckdb"
    assert resolve_profile(root, "dev", environ={"FF_DUCKDB_PATH": weird}
                           ).profile.duckdb.path == str(Path(weird).resolve())


# -- .env files under the profile -------------------------------------------------------------


def write_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def layered(tmp_path: Path) -> Path:
    """A project (in a repository) whose profiles.yml reads FF_DUCKDB_PATH with env()."""
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    return write_profiles(tmp_path / "repo" / "proj", TEMPLATED + PROFILES.replace("dev:", "dev2:"))


ORDER = [("../.env", "repo"), (".env", "project"), (".env.local", "local"),
         (".env.dev", "env"), (".env.dev.local", "env-local")]


@pytest.mark.parametrize("top", range(len(ORDER)))
def test_env_reads_the_env_files_highest_layer_first(layered: Path, top: int) -> None:
    for name, label in ORDER[:top + 1]:
        write_file(layered / name, f"FF_DUCKDB_PATH=.local/{label}.duckdb\n")
    path = resolve_profile(layered, "dev", environ={}).profile.duckdb.path
    assert path == str(layered.resolve() / ".local" / f"{ORDER[top][1]}.duckdb")


def test_the_shell_wins_over_the_env_files(layered: Path) -> None:
    for name, label in ORDER:
        write_file(layered / name, f"FF_DUCKDB_PATH=.local/{label}.duckdb\n")
    path = resolve_profile(layered, "dev", environ={"FF_DUCKDB_PATH": ":memory:"}
                           ).profile.duckdb.path
    assert path == ":memory:"


def test_an_ff_variable_of_an_env_file_overrides_profiles_yml(layered: Path) -> None:
    write_file(layered / ".env", "FF_PG_SCHEMA=from_dotenv\n")
    resolved = resolve_profile(layered, "stg", environ={})  # dev2's PROFILES: stg has db_schema
    assert resolved.profile.postgres.db_schema == "from_dotenv"


def test_priority_file_then_dotenv_then_shell_then_flag(layered: Path) -> None:
    """profiles.yml < .env < FF_* of the process < --engine."""
    stg = "stg"  # profiles.yml: postgres, db_schema staging
    assert resolve_profile(layered, stg, environ={}).profile.postgres.db_schema == "staging"
    write_file(layered / ".env", "FF_PG_SCHEMA=dotenv\nFF_ENGINE=postgres\n")
    assert resolve_profile(layered, stg, environ={}).profile.postgres.db_schema == "dotenv"
    shell = {"FF_PG_SCHEMA": "shell", "FF_ENGINE": "duckdb", "FF_DUCKDB_PATH": ":memory:"}
    assert resolve_profile(layered, stg, environ={"FF_PG_SCHEMA": "shell"}
                           ).profile.postgres.db_schema == "shell"
    assert resolve_profile(layered, stg, environ=shell).engine == "duckdb"  # FF_ENGINE
    flagged = resolve_profile(layered, stg, environ=shell, engine="postgres")
    assert (flagged.engine, flagged.profile.postgres.db_schema) == ("postgres", "shell")


def test_fft_active_env_from_the_shell_picks_profile_and_env_files(layered: Path) -> None:
    write_file(layered / ".env.stg", "FF_PG_SCHEMA=stg_file\n")
    resolved = resolve_profile(layered, environ={"FFT_ACTIVE_ENV": "stg"})
    assert (resolved.env_name, resolved.profile.postgres.db_schema) == ("stg", "stg_file")


def test_fft_active_env_from_an_env_file_picks_profile_and_env_files(layered: Path) -> None:
    write_file(layered / ".env", "FFT_ACTIVE_ENV=stg\n")
    write_file(layered / ".env.stg.local", "FF_PG_SCHEMA=stg_local\n")
    resolved = resolve_profile(layered, environ={})
    assert (resolved.env_name, resolved.profile.postgres.db_schema) == ("stg", "stg_local")
    assert resolve_profile(layered, "dev", environ={}).env_name == "dev"  # --env beats it


def test_an_unknown_env_from_an_env_file_says_which_file(layered: Path) -> None:
    write_file(layered / ".env.local", "FFT_ACTIVE_ENV=prod\n")
    with pytest.raises(ProfileError) as info:
        resolve_profile(layered, environ={})
    source = f"FFT_ACTIVE_ENV in {layered / '.env.local'}"
    assert info.value.message == (
        f"Unknown env 'prod' (from {source}): {layered / 'profiles.yml'} defines dev, stg, "
        "spark, dev2, memory, bq")
    assert info.value.hint == (f"set FFT_ACTIVE_ENV in {layered / '.env.local'} to one of: "
                               "dev, stg, spark, dev2, memory, bq, or pass --env")


def test_an_unknown_env_from_the_shell_says_so(project: Path) -> None:
    with pytest.raises(ProfileError) as info:
        resolve_profile(project, environ={"FFT_ACTIVE_ENV": "prod"})
    assert info.value.message == (
        f"Unknown env 'prod' (from FFT_ACTIVE_ENV): {project / 'profiles.yml'} defines dev, "
        "memory, stg, bq")
    assert info.value.hint == "unset FFT_ACTIVE_ENV or set it to one of: dev, memory, stg, bq"


def test_an_ff_variable_set_wrong_in_an_env_file_names_the_file(layered: Path) -> None:
    write_file(layered / ".env", "FF_BQ_USE_BIGFRAMES=maybe\n")
    with pytest.raises(ProfileError) as info:
        resolve_profile(layered, "bq", environ={})
    assert info.value.message == ("profile 'bq' is invalid at bigquery.use_bigframes: Input "
                                  "should be a valid boolean, unable to interpret input")
    assert info.value.hint == (f"FF_BQ_USE_BIGFRAMES (set in {layered / '.env'}) gives this "
                               "value; see docs/profiles.md for the keys of each engine")


def test_an_empty_ff_variable_counts_as_unset(project: Path) -> None:
    resolved = resolve_profile(project, "stg", environ={"FF_PG_SCHEMA": "", "FF_ENGINE": ""})
    assert (resolved.engine, resolved.profile.postgres.db_schema) == ("postgres", "staging")


# -- the keys FastFlowTransform projects carry -------------------------------------------------

SPELLINGS = """\
pg_old:
  engine: postgres
  postgres: {dsn: "postgresql://h/db", schema: legacy}
duck_old:
  engine: duckdb
  duckdb: {path: ":memory:", schema: s_alias, catalog: wh}
sf:
  engine: snowflake_snowpark
  snowflake_snowpark:
    account: acme
    user: me
    password: "{{ env('FF_SF_PASSWORD', '') }}"
    warehouse: COMPUTE_WH
    database: DEMO
    schema: API_DEMO
    role: "{{ env('FF_SF_ROLE', '') }}"
    allow_create_schema: true
sf_new:
  engine: snowflake_snowpark
  snowflake_snowpark: {account: a, user: u, database: d, db_schema: NEW}
bq:
  engine: bigquery
  bigquery: {project: p, dataset: d, location: EU, use_bigframes: true, allow_create_dataset: true}
spark:
  engine: databricks_spark
  databricks_spark:
    master: "local[2]"
    app_name: demo
    warehouse_dir: /tmp/wh
    use_hive_metastore: true
    catalog: spark_catalog
    database: demo_db
    table_format: delta
    extra_conf:
      spark.sql.statistics.fallBackToHdfs: true
      spark.sql.shuffle.partitions: 8
      spark.sql.adaptive.skewJoin.skewedPartitionFactor: 2.5
      spark.driver.extraJavaOptions: "-Dx=1"
    table_options: {delta.autoOptimize.optimizeWrite: true, retention: "7 days"}
dev_utest:
  engine: duckdb
  duckdb: {path: ":memory:"}
  vars: {run_date: "2024-01-01", limit: 5, flags: {enabled: true}}
"""


@pytest.fixture
def spellings(tmp_path: Path) -> Path:
    return write_profiles(tmp_path / "s", SPELLINGS)


def test_postgres_schema_is_db_schema(spellings: Path) -> None:
    assert resolve_profile(spellings, "pg_old", environ={}).profile.postgres.db_schema == "legacy"


def test_duckdb_schema_and_catalog(spellings: Path) -> None:
    duck = resolve_profile(spellings, "duck_old", environ={}).profile.duckdb
    assert (duck.db_schema, duck.catalog) == ("s_alias", "wh")
    over = resolve_profile(spellings, "duck_old",
                           environ={"FF_DUCKDB_SCHEMA": "s2", "FF_DUCKDB_CATALOG": "c2"})
    assert (over.profile.duckdb.db_schema, over.profile.duckdb.catalog) == ("s2", "c2")


def test_snowflake_keys_both_spellings_and_empty_optional_values(spellings: Path) -> None:
    sf = resolve_profile(spellings, "sf", environ={}).profile.snowflake_snowpark
    assert (sf.account, sf.user, sf.warehouse, sf.database, sf.db_schema) == (
        "acme", "me", "COMPUTE_WH", "DEMO", "API_DEMO")
    assert (sf.password, sf.role, sf.allow_create_schema) == (None, None, True)  # "" is unset
    new = resolve_profile(spellings, "sf_new", environ={}).profile.snowflake_snowpark
    assert (new.db_schema, new.allow_create_schema) == ("NEW", False)
    env = {"FF_SF_SCHEMA": "FROM_ENV", "FF_SF_ROLE": "ANALYST", "FF_SF_ALLOW_CREATE_SCHEMA": "0"}
    over = resolve_profile(spellings, "sf", environ=env).profile.snowflake_snowpark
    assert (over.db_schema, over.role, over.allow_create_schema) == ("FROM_ENV", "ANALYST", False)


def test_a_key_in_both_spellings_is_an_error(tmp_path: Path) -> None:
    root = write_profiles(tmp_path / "p", "dev:\n  engine: postgres\n  postgres:\n"
                                          "    dsn: postgresql://h/db\n    schema: a\n"
                                          "    db_schema: b\n")
    with pytest.raises(ProfileError) as info:
        resolve_profile(root, "dev", environ={})
    assert info.value.message == ("profile 'dev' sets both postgres.schema and "
                                  "postgres.db_schema, which are one key")
    assert (info.value.line, info.value.hint) == (5, "keep only postgres.db_schema")


def test_bigquery_flags(spellings: Path) -> None:
    bq = resolve_profile(spellings, "bq", environ={}).profile.bigquery
    assert (bq.use_bigframes, bq.allow_create_dataset) == (True, True)
    off = resolve_profile(spellings, "bq", environ={"FF_BQ_ALLOW_CREATE_DATASET": "false"})
    assert off.profile.bigquery.allow_create_dataset is False


def test_spark_keys_keep_the_types_yaml_gives(spellings: Path) -> None:
    spark = resolve_profile(spellings, "spark", environ={}).profile.databricks_spark
    assert (spark.master, spark.app_name, spark.warehouse_dir, spark.use_hive_metastore,
            spark.catalog, spark.database, spark.table_format) == (
        "local[2]", "demo", "/tmp/wh", True, "spark_catalog", "demo_db", "delta")
    assert spark.extra_conf == {"spark.sql.statistics.fallBackToHdfs": True,
                                "spark.sql.shuffle.partitions": 8,
                                "spark.sql.adaptive.skewJoin.skewedPartitionFactor": 2.5,
                                "spark.driver.extraJavaOptions": "-Dx=1"}
    assert type(spark.extra_conf["spark.sql.statistics.fallBackToHdfs"]) is bool
    assert spark.table_options == {"delta.autoOptimize.optimizeWrite": True, "retention": "7 days"}


def test_a_utest_profile_is_an_ordinary_profile_with_vars(spellings: Path) -> None:
    resolved = resolve_profile(spellings, "dev_utest", environ={})
    assert (resolved.env_name, resolved.engine) == ("dev_utest", "duckdb")
    assert resolved.vars == {"run_date": "2024-01-01", "limit": 5, "flags": {"enabled": True}}
    assert resolve_profile(spellings, "bq", environ={}).vars == {}


def test_vars_survive_an_engine_switch(spellings: Path) -> None:
    resolved = resolve_profile(spellings, "dev_utest", environ={"FF_PG_DSN": "postgresql://h/d"},
                               engine="postgres")
    assert resolved.engine == "postgres"
    assert resolved.vars["run_date"] == "2024-01-01"


def test_vars_must_be_a_mapping(tmp_path: Path) -> None:
    root = write_profiles(tmp_path / "p", "dev:\n  engine: duckdb\n  vars: [a, b]\n")
    with pytest.raises(ProfileError) as info:
        resolve_profile(root, "dev", environ={})
    assert info.value.message == "profile 'dev' is invalid at vars: Input should be a valid dictionary"
    assert info.value.line == 3


# Every FF_* variable of the registry sets its key: value given -> value the profile holds.
_FLAG_VALUES = {"true": True}
_SAMPLE = {"duckdb": "dev", "postgres": "stg", "bigquery": "bq", "databricks_spark": "spark",
           "snowflake_snowpark": "sf"}


def _ff_cases() -> list[object]:
    from pytest_fft.engines.registry import ENGINES

    cases = []
    for spec in ENGINES.values():
        for var, key in spec.env_overrides:
            cases.append(pytest.param(spec.name, var, key, id=var))
    return cases


@pytest.mark.parametrize(("engine", "var", "key"), _ff_cases())
def test_every_ff_variable_sets_its_key(tmp_path: Path, engine: str, var: str, key: str) -> None:
    from pytest_fft.project.profile_models import settings_class

    root = write_profiles(tmp_path / "p", SPELLINGS.replace("sf:", "sf_x:").replace(
        "sf_new:", "sf:").replace("duck_old:", "dev_old:") + "dev:\n  engine: duckdb\n"
        "stg:\n  engine: postgres\n  postgres: {dsn: 'postgresql://h/db'}\n")
    settings = settings_class(engine)
    assert settings is not None
    annotation = str(settings.model_fields[key].annotation)
    value, expected = ("true", True) if "bool" in annotation else ("from-" + var, "from-" + var)
    if key == "path":
        value, expected = ":memory:", ":memory:"
    if key in settings.path_keys and expected != ":memory:":  # resolved against the project
        expected = str((root / str(expected)).resolve())
    resolved = resolve_profile(root, _SAMPLE[engine], environ={var: value})
    assert getattr(getattr(resolved.profile, engine), key) == expected


def test_the_spark_spellings_of_master_and_app_name(spellings: Path) -> None:
    both = {"FF_DBR_MASTER": "old", "FF_SPARK_MASTER": "new", "FF_DBR_APPNAME": "old-app"}
    spark = resolve_profile(spellings, "spark", environ=both).profile.databricks_spark
    assert (spark.master, spark.app_name) == ("new", "old-app")
    hive = resolve_profile(spellings, "spark", environ={"FF_DBR_ENABLE_HIVE": "0"})
    assert hive.profile.databricks_spark.use_hive_metastore is False

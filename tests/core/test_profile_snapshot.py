"""The validated profile kept between runs and read back without pydantic."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_fft.errors import ProfileError
from pytest_fft.project.parse_cache import ParseCache
from pytest_fft.project.profile_snapshot import ProfileView, resolve_profile_cached
from pytest_fft.project.profiles import resolve_profile

PROFILES = ("dev:\n  engine: duckdb\n  duckdb: {path: .local/dev.duckdb}\n"
            "stg:\n  engine: postgres\n  postgres: {dsn: 'postgresql://u@h/db', db_schema: s}\n")


@pytest.fixture
def root(project_dir: Callable[..., Path]) -> Path:
    return project_dir({"profiles.yml": PROFILES})


def test_the_view_has_the_values_of_the_validated_profile(root: Path, tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "cache")
    for env in ("dev", "stg"):
        fresh = resolve_profile(root, env, environ={})
        first = resolve_profile_cached(root, env, engine=None, cache=cache, environ={})
        again = resolve_profile_cached(root, env, engine=None, cache=cache, environ={})
        assert isinstance(first.profile, ProfileView) and first == again
        assert (first.env_name, first.engine) == (fresh.env_name, fresh.engine)
        assert isinstance(getattr(first.profile, fresh.engine), ProfileView)
    dev = resolve_profile_cached(root, "dev", engine=None, cache=cache, environ={})
    assert dev.profile.duckdb.path == str((root / ".local/dev.duckdb").resolve())
    assert dev.profile.duckdb.db_schema is None
    stg = resolve_profile_cached(root, "stg", engine=None, cache=cache, environ={})
    assert (stg.profile.postgres.dsn, stg.profile.postgres.db_schema) == ("postgresql://u@h/db", "s")
    with pytest.raises(AttributeError):
        dev.profile.engine = "postgres"


def test_anything_it_depends_on_validates_again(root: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import pytest_fft.project.profiles as profiles

    calls: list[str | None] = []
    real = profiles.resolve_layered

    def counting(*args, **kwargs):
        calls.append(args[1].env_name)
        return real(*args, **kwargs)

    monkeypatch.setattr(profiles, "resolve_layered", counting)
    cache = ParseCache(tmp_path / "cache")

    def path(environ: dict[str, str]) -> str:
        return resolve_profile_cached(root, "dev", engine=None, cache=cache,
                                      environ=environ).profile.duckdb.path

    assert path({}) == path({})
    assert len(calls) == 1
    assert path({"FF_DUCKDB_PATH": str(tmp_path / "x.duckdb")}) == str(tmp_path / "x.duckdb")
    (root / "profiles.yml").write_text(PROFILES.replace("dev.duckdb", "other.duckdb"))
    assert path({}).endswith("other.duckdb")
    assert len(calls) == 3


def test_an_invalid_profile_is_reported_every_time(root: Path, tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "cache")
    for _ in range(2):
        with pytest.raises(ProfileError, match="Unknown env 'prod'"):
            resolve_profile_cached(root, "prod", engine=None, cache=cache, environ={})


def test_a_cached_profile_imports_no_pydantic(root: Path, tmp_path: Path) -> None:
    code = ("import sys\nfrom pathlib import Path\n"
            "from pytest_fft.project.parse_cache import ParseCache\n"
            "from pytest_fft.project.profile_snapshot import resolve_profile_cached\n"
            f"c = ParseCache(Path({str(tmp_path / 'cache')!r}))\n"
            f"p = resolve_profile_cached(Path({str(root)!r}), 'dev', engine=None, cache=c)\n"
            "print(p.engine, 'pydantic' in sys.modules)\n")
    run = [sys.executable, "-c", code]
    assert subprocess.run(run, capture_output=True, text=True, check=True).stdout == "duckdb True\n"
    assert subprocess.run(run, capture_output=True, text=True, check=True).stdout == "duckdb False\n"


# -- what the key covers: .env files, the variables env() reads ------------------------------


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The env names validated with pydantic (each a cache miss)."""
    import pytest_fft.project.profiles as profiles

    calls: list[str] = []
    real = profiles.resolve_layered

    def counting(*args, **kwargs):
        calls.append(args[1].env_name)
        return real(*args, **kwargs)

    monkeypatch.setattr(profiles, "resolve_layered", counting)
    return calls


TEMPLATED = ("dev:\n  engine: duckdb\n  duckdb:\n"
             "    path: \"{{ env('FF_DUCKDB_PATH', '.local/x.duckdb') }}\"\n"
             "    db_schema: \"{{ env('MY_SCHEMA', 'main') }}\"\n")


def test_editing_an_env_file_validates_again(project_dir: Callable[..., Path], tmp_path: Path,
                                             validations: list[str]) -> None:
    root = project_dir({"profiles.yml": TEMPLATED})
    cache = ParseCache(tmp_path / "cache")

    def resolved() -> tuple[str, str]:
        duck = resolve_profile_cached(root, "dev", engine=None, cache=cache,
                                      environ={}).profile.duckdb
        return duck.path, duck.db_schema

    assert resolved() == (str((root / ".local/x.duckdb").resolve()), "main")
    assert resolved() == (str((root / ".local/x.duckdb").resolve()), "main")
    assert validations == ["dev"]
    (root / ".env").write_text("FF_DUCKDB_PATH=.local/from_env.duckdb\n")
    assert resolved()[0] == str((root / ".local/from_env.duckdb").resolve())
    (root / ".env.dev.local").write_text("MY_SCHEMA=analytics\n")  # read by env() only
    assert resolved()[1] == "analytics"
    assert resolved()[1] == "analytics"
    assert validations == ["dev", "dev", "dev"]
    (root / ".env.dev.local").write_text("MY_SCHEMA=analytics\nUNRELATED=1\n")
    assert resolved()[1] == "analytics"
    assert validations == ["dev", "dev", "dev"]  # a variable nothing reads changes nothing


def test_a_variable_env_reads_from_the_shell_validates_again(
        project_dir: Callable[..., Path], tmp_path: Path, validations: list[str]) -> None:
    root = project_dir({"profiles.yml": TEMPLATED})
    cache = ParseCache(tmp_path / "cache")

    def schema(environ: dict[str, str]) -> str:
        return resolve_profile_cached(root, "dev", engine=None, cache=cache,
                                      environ=environ).profile.duckdb.db_schema

    assert schema({}) == "main"
    assert schema({"MY_SCHEMA": "s1"}) == "s1"
    assert schema({"MY_SCHEMA": "s1", "OTHER": "x"}) == "s1"  # OTHER: nothing reads it
    assert validations == ["dev", "dev"]
    assert schema({}) == "main"  # the cache keeps the last profile only
    assert validations == ["dev", "dev", "dev"]


def test_an_env_call_with_a_computed_name_keys_on_every_variable(
        project_dir: Callable[..., Path], tmp_path: Path, validations: list[str]) -> None:
    root = project_dir({"profiles.yml": (
        "dev:\n  engine: duckdb\n  duckdb:\n"
        "    db_schema: \"{{ env('SCHEMA_' ~ env('WHICH', 'A'), 'none') }}\"\n")})
    cache = ParseCache(tmp_path / "cache")

    def schema(environ: dict[str, str]) -> str:
        return resolve_profile_cached(root, "dev", engine=None, cache=cache,
                                      environ=environ).profile.duckdb.db_schema

    assert schema({"SCHEMA_A": "a"}) == "a"
    assert schema({"SCHEMA_A": "a"}) == "a"
    assert schema({"SCHEMA_A": "a2"}) == "a2"
    assert schema({"SCHEMA_A": "a2", "WHICH": "B", "SCHEMA_B": "b"}) == "b"
    assert validations == ["dev", "dev", "dev"]


def test_fft_active_env_from_an_env_file_is_part_of_the_key(
        project_dir: Callable[..., Path], tmp_path: Path) -> None:
    root = project_dir({"profiles.yml": PROFILES})
    cache = ParseCache(tmp_path / "cache")
    assert resolve_profile_cached(root, None, engine=None, cache=cache, environ={}).engine == "duckdb"
    (root / ".env").write_text("FFT_ACTIVE_ENV=stg\n")
    found = resolve_profile_cached(root, None, engine=None, cache=cache, environ={})
    assert (found.env_name, found.engine) == ("stg", "postgres")


def test_a_secret_from_an_env_file_is_read_back_from_it(project_dir: Callable[..., Path],
                                                        tmp_path: Path) -> None:
    secret = "Dotenv-Sekr1t-77"
    root = project_dir({
        "profiles.yml": ("sf:\n  engine: snowflake_snowpark\n  snowflake_snowpark:\n"
                         "    account: a\n    user: u\n    database: d\n"
                         "    password: \"{{ env('SF_PW') }}\"\n"),
        ".env": f"SF_PW={secret}\n"})
    cache = ParseCache(tmp_path / "cache", secret=b"k" * 32)
    first = resolve_profile_cached(root, "sf", engine=None, cache=cache, environ={})
    assert first.profile.snowflake_snowpark.password == secret
    stored = b"".join(p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert stored and secret.encode() not in stored
    again = resolve_profile_cached(root, "sf", engine=None, cache=cache, environ={})
    assert again == first
    assert secret not in repr(again)
    (root / ".env").write_text("SF_PW=another-one-99\n")
    assert resolve_profile_cached(root, "sf", engine=None, cache=cache, environ={}
                                  ).profile.snowflake_snowpark.password == "another-one-99"


def test_the_view_keeps_vars_and_extra_conf_as_mappings(project_dir: Callable[..., Path],
                                                        tmp_path: Path) -> None:
    root = project_dir({"profiles.yml": (
        "dev:\n  engine: databricks_spark\n  databricks_spark:\n"
        "    extra_conf: {spark.sql.shuffle.partitions: 4, a.b: true}\n"
        "  vars: {day: '2024-01-01'}\n")})
    cache = ParseCache(tmp_path / "cache")
    for _ in range(2):
        view = resolve_profile_cached(root, "dev", engine=None, cache=cache, environ={})
        assert view.profile.databricks_spark.extra_conf == {"spark.sql.shuffle.partitions": 4,
                                                            "a.b": True}
        assert view.vars == {"day": "2024-01-01"}


def test_a_cached_templated_profile_imports_neither_jinja_nor_pydantic(
        project_dir: Callable[..., Path], tmp_path: Path) -> None:
    root = project_dir({"profiles.yml": TEMPLATED, ".env": "FF_DUCKDB_PATH=.local/e.duckdb\n"})
    code = ("import sys\nfrom pathlib import Path\n"
            "from pytest_fft.project.parse_cache import ParseCache\n"
            "from pytest_fft.project.profile_snapshot import resolve_profile_cached\n"
            f"c = ParseCache(Path({str(tmp_path / 'cache')!r}))\n"
            f"p = resolve_profile_cached(Path({str(root)!r}), 'dev', engine=None, cache=c)\n"
            "print(Path(p.profile.duckdb.path).name, 'jinja2' in sys.modules, "
            "'pydantic' in sys.modules)\n")
    run = [sys.executable, "-c", code]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FF_")}
    first = subprocess.run(run, capture_output=True, text=True, check=True, env=env).stdout
    assert first == "e.duckdb True True\n"
    again = subprocess.run(run, capture_output=True, text=True, check=True, env=env).stdout
    assert again == "e.duckdb False False\n"

"""The validated profile kept between runs and read back without pydantic."""

from __future__ import annotations

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
    real = profiles.resolve_profile

    def counting(*args, **kwargs):
        calls.append(args[1] if len(args) > 1 else None)
        return real(*args, **kwargs)

    monkeypatch.setattr(profiles, "resolve_profile", counting)
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

"""Fingerprints: stable across processes, blind to formatting, sensitive to meaning."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_fft.project.loader import load_project
from pytest_fft.run.fingerprint import (
    EnvContext,
    SqlNormalizer,
    _file_sha,
    fingerprints,
    normalize_sql,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "simple_duckdb"
ENV = EnvContext("duckdb", "dev", {"FF_X": "1"}, "{}")


@pytest.mark.parametrize(("a", "b"), [
    ("select id, email from users", "SELECT  id,\n  email\nFROM users -- all of them"),
    ("select 1 as x", "/* lead */ select 1 AS x"),
    ("select a from t where b = 1", "SELECT a\nFROM t\nWHERE b = 1;"),
])
def test_formatting_does_not_change_the_normalised_sql(a: str, b: str) -> None:
    assert normalize_sql(a, "duckdb") == normalize_sql(b, "duckdb")


@pytest.mark.parametrize(("a", "b"), [
    ("select id from users", "select id from users where id > 0"),
    ("select 'A' as x", "select 'a' as x"),
    ("select a from t", "select b from t"),
])
def test_meaning_changes_the_normalised_sql(a: str, b: str) -> None:
    assert normalize_sql(a, "duckdb") != normalize_sql(b, "duckdb")


def test_unparsable_sql_falls_back_to_its_text() -> None:
    text = "select from from where ((("
    assert normalize_sql(text, "duckdb") == text


def test_the_memo_avoids_parsing_again() -> None:
    first = SqlNormalizer("duckdb")
    digest = first("select 1")
    again = SqlNormalizer("duckdb", memo=first.used)
    assert again("select 1") == digest
    assert again.used == first.used


@pytest.fixture
def project(tmp_path: Path):
    dest = tmp_path / "p"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".local", ".fastflowtransform"))
    return load_project(dest)


def test_every_model_and_seed_has_a_fingerprint_and_a_parent_change_bubbles(project) -> None:
    fps = fingerprints(project, ENV)
    assert set(fps) == set(project.models) | set(project.seeds)
    other = fingerprints(project, ENV,
                         file_hash=lambda p: "x" if p.name == "seed_users.csv" else _file_sha(p))
    changed = {n for n in fps if fps[n] != other[n]}
    assert changed == {"seed_users", "users.ff", "users_enriched", "mart_users.ff",
                       "mart_orders_enriched"}


def test_env_context_changes_everything(project) -> None:
    a = fingerprints(project, ENV)
    b = fingerprints(project, EnvContext("duckdb", "prod", {"FF_X": "1"}, "{}"))
    assert all(a[n] != b[n] for n in a)


def test_fingerprints_are_the_same_in_another_process(project) -> None:
    code = (
        "import sys\n"
        "from pytest_fft.run.fingerprint import EnvContext, fingerprints\n"
        "from pytest_fft.project.loader import load_project\n"
        "p = load_project(sys.argv[1])\n"
        "fps = fingerprints(p, EnvContext('duckdb', 'dev', {'FF_X': '1'}, '{}'))\n"
        "print(sorted(fps.items()))\n"
    )
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code, str(project.root)], env=env,
                             capture_output=True, text=True, check=True).stdout
        outputs.add(out)
    assert len(outputs) == 1
    assert outputs.pop().strip() == str(sorted(fingerprints(project, ENV).items()))


def test_secrets_in_ff_variables_do_not_count_and_are_not_hashed() -> None:
    from types import SimpleNamespace

    from pytest_fft.run.fingerprint import EnvContext

    def digest(dsn: str, token: str) -> str:
        profile = SimpleNamespace(postgres=SimpleNamespace(dsn=dsn, db_schema="analytics"))
        return EnvContext.from_environ("postgres", "stg", {"FF_API_TOKEN": token}, "{}",
                                       profile).digest()

    base = digest("postgresql+psycopg://u:hunter22@db:5432/shop", "correct horse")
    assert base == digest("postgresql+psycopg://u:other-pw@db:5432/shop", "battery staple")
    assert base != digest("postgresql+psycopg://u:hunter22@db2:5432/shop", "correct horse")
    context = EnvContext.from_environ("postgres", "stg", {"FF_API_TOKEN": "correct horse"}, "")
    assert dict(context.ff_vars) == {"FF_API_TOKEN": "***"}


def test_profile_variables_count_through_the_resolved_target() -> None:
    """FF_DUCKDB_PATH set to what profiles.yml says is no change; another database is."""
    from types import SimpleNamespace

    from pytest_fft.run.fingerprint import EnvContext

    def digest(path: str, environ: dict[str, str]) -> str:
        profile = SimpleNamespace(duckdb=SimpleNamespace(path=path, db_schema=None))
        return EnvContext.from_environ("duckdb", "dev", environ, "{}", profile).digest()

    plain = digest("/p/.local/demo.duckdb", {})
    assert digest("/p/.local/demo.duckdb", {"FF_ENGINE": "duckdb",
                                            "FF_DUCKDB_PATH": ".local/demo.duckdb"}) == plain
    assert digest("/p/.local/other.duckdb", {}) != plain
    assert digest("/p/.local/demo.duckdb", {"FF_MY_FLAG": "1"}) != plain

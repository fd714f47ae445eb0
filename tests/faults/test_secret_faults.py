"""Secrets are never written and never shown: a password or token from ``profiles.yml``, an
``FF_*`` variable or ``--vars`` appears in no file under ``.pytest_cache`` or
``.fastflowtransform`` and in no output, and the profile is still read from the cache.

The commands run in subprocesses on a copy of ``examples/simple_duckdb`` with a private
``XDG_CACHE_HOME``. The non-DuckDB engines do not ship yet, so their runs end with exit 1
("engine ... is not available"), after the profile was resolved and kept.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from pytest_fft.project.profile_snapshot import resolve_profile_cached

PASSWORD = "hunter2-Sekr1t"
TOKEN = "tok-9f8e7d6c5b4a"
PROFILES = f"""\
dev:
  engine: duckdb
  duckdb: {{ path: .local/demo.duckdb }}
pg:
  engine: postgres
  postgres: {{ dsn: "postgresql://shop:{PASSWORD}@db.example:5432/shop" }}
sf:
  engine: snowflake_snowpark
  snowflake_snowpark: {{ account: acme, user: shop, database: SHOP }}
"""


@pytest.fixture
def project(simple_project: Path) -> Path:
    (simple_project / "profiles.yml").write_text(PROFILES)
    return simple_project


@pytest.fixture
def fft(run_fft: Callable[..., object], tmp_path: Path) -> Callable[..., object]:
    xdg = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}

    def run(*args: str, env: Mapping[str, str] | None = None) -> object:
        return run_fft(*args, env={**xdg, **(env or {})})

    return run


def files_holding(root: Path, secret: str) -> list[str]:
    """The files under the project's cache and artifact folders that contain ``secret``."""
    found = []
    for folder in (root / ".pytest_cache", root / ".fastflowtransform"):
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.is_file() and secret.encode() in path.read_bytes():
                found.append(str(path.relative_to(root)))
    return found


def parse_entries(root: Path) -> list[Path]:
    return sorted((root / ".pytest_cache/d/fft-parse").glob("*.pickle"))


NOT_AVAILABLE = "engine '{}' is not available in this version of pytest-fft"
# What a run on each engine says when it cannot start here (no server, or not shipped yet).
CANNOT_START = {"postgres": "the warehouse of env '{env}' could not be opened",
                "snowflake_snowpark": NOT_AVAILABLE.format("snowflake_snowpark")}


@pytest.mark.parametrize(("env_name", "engine", "environ"), [
    ("pg", "postgres", {}),
    ("pg", "postgres", {"FF_PG_DSN": f"host=db.example user=shop password={PASSWORD}"}),
    ("sf", "snowflake_snowpark", {"FF_SF_PASSWORD": PASSWORD}),
], ids=["profiles.yml-dsn", "FF_PG_DSN", "FF_SF_PASSWORD"])
def test_a_profile_password_is_neither_kept_nor_printed(project: Path, fft, env_name: str,
                                                        engine: str,
                                                        environ: dict[str, str]) -> None:
    for _ in range(2):  # the second run reads the profile from the parse cache
        result = fft("run", str(project), "--env", env_name, env=environ)
        assert result.returncode == 1, result.output
        assert CANNOT_START[engine].format(env=env_name) in result.output
        assert PASSWORD not in result.output
    assert parse_entries(project)  # the profile is kept, without its secret
    assert files_holding(project, PASSWORD) == []


@pytest.mark.parametrize(("env_name", "engine", "dotenv"), [
    ("pg", "postgres", f"FF_PG_DSN=postgresql://shop:{PASSWORD}@127.0.0.1:9/shop\n"),
    ("sf_env", "snowflake_snowpark", f"SF_LOGIN_PW={PASSWORD}\n"),
    ("sf_env", "snowflake_snowpark", f"export SF_LOGIN_PW='{PASSWORD}'\n"),
], ids=["FF_PG_DSN-in-.env", "env()-of-.env", "env()-of-.env-quoted"])
def test_a_password_from_an_env_file_is_neither_kept_nor_printed(
        project: Path, fft, env_name: str, engine: str, dotenv: str) -> None:
    (project / "profiles.yml").write_text(PROFILES + (
        "sf_env:\n  engine: snowflake_snowpark\n  snowflake_snowpark:\n"
        "    account: acme\n    user: shop\n    database: SHOP\n"
        "    password: \"{{ env('SF_LOGIN_PW') }}\"\n"))
    (project / f".env.{env_name}").write_text(dotenv)
    for _ in range(2):  # the second run reads the profile from the parse cache
        result = fft("run", str(project), "--env", env_name)
        assert result.returncode == 1, result.output
        assert CANNOT_START[engine].format(env=env_name) in result.output
        assert PASSWORD not in result.output
    assert parse_entries(project)
    assert files_holding(project, PASSWORD) == []


def test_a_password_rendered_into_a_profile_is_masked_from_then_on(project: Path) -> None:
    """The value env() gives a secret key is remembered: masked in any text, even where no
    environment variable of that name is in sight (a driver quoting it back)."""
    from pytest_fft.project.profiles import resolve_profile
    from pytest_fft.redact import redact

    password = "Rendered-Only-Pw-4417"  # used by this test alone: redact remembers per process
    (project / "profiles.yml").write_text(
        "sf:\n  engine: snowflake_snowpark\n  snowflake_snowpark:\n"
        "    account: acme\n    user: shop\n    database: SHOP\n"
        "    password: \"{{ env('SF_LOGIN_PW') }}\"\n")
    (project / ".env").write_text(f"SF_LOGIN_PW={password}\n")
    assert redact(f"login failed: {password}", environ={}) == f"login failed: {password}"
    resolved = resolve_profile(project, "sf", environ={})
    assert resolved.profile.snowflake_snowpark.password == password
    assert redact(f"login failed: {password}", environ={}) == "login failed: ***"
    assert password not in repr(resolved)


def test_a_motherduck_token_is_not_kept(project: Path, fft) -> None:
    path = f"md:shop?motherduck_token={TOKEN}"
    result = fft("run", str(project), "--env", "dev", env={"FF_DUCKDB_PATH": path})
    assert result.returncode == 1  # no network here: the engine cannot start
    assert parse_entries(project)
    assert [f for f in files_holding(project, TOKEN) if "fft-parse" in f] == []


def test_a_motherduck_token_is_not_printed_nor_in_artifacts(project: Path, fft) -> None:
    path = f"md:shop?motherduck_token={TOKEN}"
    result = fft("run", str(project), "--env", "dev", env={"FF_DUCKDB_PATH": path})
    assert result.returncode == 1
    assert "md:shop?motherduck_token=***" in result.output
    assert TOKEN not in result.output
    assert files_holding(project, TOKEN) == []


def test_a_secret_var_keeps_no_project_in_the_cache(project: Path, fft, query) -> None:
    orders = project / "models/orders.ff.sql"
    orders.write_text(orders.read_text().replace(
        "amount\n", "amount, '{{ var(\"api_token\") }}' as token_used\n"))
    result = fft("build", str(project), "--env", "dev", "--vars", f"api_token={TOKEN}")
    assert result.returncode == 0, result.output
    assert TOKEN not in result.output
    assert query(project / ".local/demo.duckdb", "select distinct token_used from orders") == [
        (TOKEN,)]
    assert [f for f in files_holding(project, TOKEN) if f.startswith(".pytest_cache")] == []


@pytest.mark.parametrize(("env_name", "setting"), [
    ("pg", "postgres.dsn"), ("sf", "snowflake_snowpark.password")])
def test_the_cached_profile_gives_back_its_secrets_without_pydantic(
        project: Path, tmp_path: Path, env_name: str, setting: str) -> None:
    """The snapshot keeps where each secret came from; a run reads it from there again."""
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from pytest_fft.project.parse_cache import ParseCache\n"
        "from pytest_fft.project.profile_snapshot import resolve_profile_cached\n"
        f"c = ParseCache(Path({str(tmp_path / 'cache')!r}))\n"
        f"p = resolve_profile_cached(Path({str(project)!r}), {env_name!r}, engine=None, cache=c)\n"
        f"print(p.profile.{setting}, 'pydantic' in sys.modules)\n")
    env = {"FF_SF_PASSWORD": PASSWORD, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    value = (f"postgresql://shop:{PASSWORD}@db.example:5432/shop" if env_name == "pg"
             else PASSWORD)

    def run() -> str:
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, check=True, cwd=tmp_path).stdout

    assert run() == f"{value} True\n"
    assert run() == f"{value} False\n"  # from the cache, the secret from its source
    (project / "profiles.yml").write_text(PROFILES.replace("sf:", "# the same\nsf:", 1))
    assert run() == f"{value} True\n"  # profiles.yml changed: validated again
    assert all(PASSWORD.encode() not in p.read_bytes() for p in (tmp_path / "cache").iterdir())


def test_a_secret_that_changed_at_its_source_validates_again(project: Path,
                                                             tmp_path: Path) -> None:
    from pytest_fft.project.parse_cache import ParseCache

    cache = ParseCache(tmp_path / "cache", secret=b"s" * 32)
    environ = {"FF_SF_PASSWORD": PASSWORD}
    first = resolve_profile_cached(project, "sf", engine=None, cache=cache, environ=environ)
    assert first.profile.snowflake_snowpark.password == PASSWORD
    again = resolve_profile_cached(project, "sf", engine=None, cache=cache, environ=environ)
    assert again == first
    assert "Sekr1t" not in repr(again.profile) and "***" in repr(again.profile)


# -- the redaction itself -------------------------------------------------------------------


@pytest.mark.parametrize(("text", "shown"), [
    ("cannot open DuckDB database md:shop?motherduck_token=tok-123: IO Error",
     "cannot open DuckDB database md:shop?motherduck_token=***: IO Error"),
    ("postgresql+psycopg://shop:pw@db:5432/shop", "postgresql+psycopg://shop:***@db:5432/shop"),
    ("host=db user=shop password=pw dbname=shop", "host=db user=shop password=*** dbname=shop"),
    ('{"api_key": "abc", "user": "shop"}', '{"api_key": "***", "user": "shop"}'),
    ("profile 'sf' is invalid at snowflake_snowpark.password: Field required",
     "profile 'sf' is invalid at snowflake_snowpark.password: Field required"),
    ("http://db:8080/path@x", "http://db:8080/path@x"),
    ("host=db password='two words' port=5432", "host=db password='***' port=5432"),
    ("where password_hash = md5(x)", "where password_hash = md5(x)"),
])
def test_redact_masks_url_passwords_and_secret_parameters(text: str, shown: str) -> None:
    from pytest_fft.redact import redact

    assert redact(text, environ={}) == shown


def test_redact_masks_the_values_of_secret_variables_anywhere() -> None:
    from pytest_fft.redact import redact

    environ = {"FF_SF_PASSWORD": PASSWORD, "FF_PG_DSN": "postgresql://u:pg-secret-1@h/db",
               "PWD": "/home/shop", "FF_FOO": "1"}
    assert redact(f"login failed for {PASSWORD}; tried pg-secret-1 in /home/shop",
                  environ=environ) == "login failed for ***; tried *** in /home/shop"


def test_a_profile_repr_masks_its_secrets(project: Path) -> None:
    from pytest_fft.project.profiles import resolve_profile

    resolved = resolve_profile(project, "sf", environ={"FF_SF_PASSWORD": PASSWORD})
    assert resolved.profile.snowflake_snowpark.password == PASSWORD
    assert PASSWORD not in repr(resolved) and "password='***'" in repr(resolved)


def test_a_failed_model_compiled_sql_has_its_secrets_masked(simple_project: Path,
                                                             fft) -> None:
    assert fft("seed", str(simple_project)).returncode == 0
    (simple_project / "models/orders.ff.sql").write_text(
        "select order_id, no_such_column, 'postgresql://etl:hunter2222@db/shop' as dsn\n"
        "from {{ source('erp','orders') }}\n")
    result = fft("run", str(simple_project), "--env", "dev")
    assert result.returncode == 1
    compiled = simple_project / ".fastflowtransform/target/compiled/models/orders.ff.sql"
    assert "'postgresql://etl:***@db/shop' as dsn" in compiled.read_text()
    assert "hunter2222" not in result.output
    assert files_holding(simple_project, "hunter2222") == []


def test_the_docs_site_shows_rendered_sql_with_its_secrets_masked(project: Path, fft) -> None:
    """A var named like a secret and a password from the environment, rendered into a
    model's SQL, are masked on its docs page as in every other text."""
    orders = project / "models/orders.ff.sql"
    orders.write_text(orders.read_text().replace(
        "amount\n", "amount, '{{ var(\"api_token\") }}' as token_used, "
                    "'{{ env(\"SHOP_DB_PASSWORD\") }}' as pw\n"))
    out = project / "site"
    result = fft("docgen", str(project), "--env", "dev", "--no-schema", "--out", str(out),
                 "--vars", f"api_token={TOKEN}", env={"SHOP_DB_PASSWORD": "Sup3rS3cretXYZ"})
    assert result.returncode == 0, result.output
    page = (out / "nodes" / "orders.ff.html").read_text()
    assert "&#39;***&#39; as token_used, &#39;***&#39; as pw" in page
    assert files_holding(project, TOKEN) == []
    assert files_holding(project, "Sup3rS3cretXYZ") == []

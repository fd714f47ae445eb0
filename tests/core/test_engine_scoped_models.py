"""FastFlowTransform 0.6 projects with per-engine Python models: ``@engine_model(env_match=...)``
files for engines not in use load and are left out, ``kind=`` is kept, a model without deps
that takes a parameter is called with None, and the parse cache keys by the variables read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_fft import load_project
from pytest_fft.project.parse_cache import ParseCache, load_project_cached
from pytest_fft.run.building import call_model_function

# One model, three files: DuckDB by only=, BigQuery's two variants by env_match=. The BigQuery
# files are dynamic (the decorator is read from a variable), so they are imported at load.
FILES = {
    "seeds/seed_users.csv": "id,email\n1,a@x.org\n",
    "models/users.ff.sql": "select id, email from {{ ref('seed_users') }}\n",
    "models/engines/duckdb/mart.ff.py": (
        "from fastflowtransform import engine_model\n\n"
        "@engine_model(only='duckdb', name='mart', deps=['users.ff'], kind='python')\n"
        "def build(users):\n    return users.assign(engine='duckdb')\n"),
    "models/engines/bigquery/pandas/mart.ff.py": (
        "from fastflowtransform import engine_model\n\n"
        "MATCH = {'FF_ENGINE': 'bigquery', 'FF_ENGINE_VARIANT': 'pandas'}\n\n"
        "@engine_model(env_match=MATCH, name='mart', deps=['users.ff'])\n"
        "def build(users):\n    return users.assign(engine='bq-pandas')\n"),
    "models/engines/bigquery/bigframes/mart.ff.py": (
        "from fastflowtransform import engine_model\n\n"
        "@engine_model(env_match={'FF_ENGINE': 'bigquery', 'FF_ENGINE_VARIANT': 'bigframes'},\n"
        "              name='mart', deps=['users.ff'])\n"
        "def build(users):\n    return users.assign(engine='bq-bigframes')\n"),
    "models/constants.ff.py": (
        "import pandas as pd\nfrom fastflowtransform import model\n\n"
        "@model(name='constants.ff', kind='python', tags=['demo'])\n"
        "def build(_: pd.DataFrame | None) -> pd.DataFrame:\n"
        "    return pd.DataFrame({'got_none': [_ is None]})\n"),
}


@pytest.mark.parametrize(("engine", "variant", "file"), [
    ("duckdb", None, "models/engines/duckdb/mart.ff.py"),
    ("duckdb", "pandas", "models/engines/duckdb/mart.ff.py"),
    ("bigquery", "pandas", "models/engines/bigquery/pandas/mart.ff.py"),
    ("bigquery", "bigframes", "models/engines/bigquery/bigframes/mart.ff.py"),
])
def test_only_the_model_of_the_engine_and_variant_in_use_exists(
        make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, engine: str,
        variant: str | None, file: str) -> None:
    if variant is None:
        monkeypatch.delenv("FF_ENGINE_VARIANT", raising=False)
    else:
        monkeypatch.setenv("FF_ENGINE_VARIANT", variant)
    project = load_project(make_project(FILES), engine=engine)
    assert project.models["mart"].rel_path == file
    assert sorted(project.models) == ["constants.ff", "mart", "users.ff"]


def test_no_variant_set_means_no_bigquery_model(make_project: Callable[..., Path],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FF_ENGINE_VARIANT", raising=False)
    project = load_project(make_project(FILES), engine="bigquery")
    assert "mart" not in project.models


def test_kind_is_kept_in_the_model_config(make_project: Callable[..., Path]) -> None:
    project = load_project(make_project(FILES))
    assert project.models["constants.ff"].config == {
        "materialized": "table", "tags": ["demo"], "kind": "python"}
    assert project.models["constants.ff"].kind == "python"


def test_a_model_without_deps_that_takes_a_parameter_gets_none(
        make_project: Callable[..., Path]) -> None:
    project = load_project(make_project(FILES))
    frame = call_model_function(project.models["constants.ff"], {})
    assert frame.to_dict("list") == {"got_none": [True]}


def test_a_model_without_deps_or_parameters_is_called_without_arguments(
        make_project: Callable[..., Path]) -> None:
    root = make_project({"models/m.ff.py": (
        "from pytest_fft import model\n\n"
        "@model(name='m')\ndef build(debug=False):\n    return debug\n")})
    assert call_model_function(load_project(root).models["m"], {}) is False


def test_the_parse_cache_keys_by_the_variables_env_match_reads(
        make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    static = {k: v for k, v in FILES.items() if "pandas/" not in k}  # every file kept
    root = make_project(static)
    cache = ParseCache(tmp_path / "cache", secret=b"k" * 32)
    loads: list[str] = []

    def load(root: Path, **kwargs: object) -> object:
        loads.append(str(kwargs["engine"]))
        return load_project(root, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setenv("FF_ENGINE_VARIANT", "bigframes")
    first, key = load_project_cached(root, cache, load, engine="bigquery", vars=None)
    assert "mart" in first.models and key
    again, same = load_project_cached(root, cache, load, engine="bigquery", vars=None)
    assert same == key and len(loads) == 1 and "mart" in again.models
    monkeypatch.setenv("FF_ENGINE_VARIANT", "pandas")
    other, other_key = load_project_cached(root, cache, load, engine="bigquery", vars=None)
    assert other_key != key and len(loads) == 2 and "mart" not in other.models


def test_the_parse_cache_keys_by_the_variables_env_reads(
        make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    root = make_project({"models/m.ff.sql": "select '{{ env('FFT_TEST_REGION', 'eu') }}' as r\n"})
    cache = ParseCache(tmp_path / "cache", secret=b"k" * 32)

    def sql() -> str:
        project, _ = load_project_cached(root, cache, load_project, engine="duckdb", vars=None)
        return project.models["m.ff"].sql or ""

    monkeypatch.delenv("FFT_TEST_REGION", raising=False)
    assert sql() == "select 'eu' as r"
    monkeypatch.setenv("FFT_TEST_REGION", "us")
    assert sql() == "select 'us' as r"
    monkeypatch.setenv("FFT_TEST_REGION", "")
    assert sql() == "select '' as r"
    monkeypatch.delenv("FFT_TEST_REGION")
    assert sql() == "select 'eu' as r"

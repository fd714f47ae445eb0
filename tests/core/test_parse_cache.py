"""The parsed project kept between runs: reused when nothing changed, reloaded on any change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_fft.errors import CacheWarning
from pytest_fft.project.loader import load_project
from pytest_fft.project.parse_cache import ParseCache, load_project_cached

FILES = {
    "project.yml": "name: demo\nvars: {limit: 5}\ntests:\n  - {type: not_null, table: a, column: id}\n",
    "sources.yml": "crm: {users: {identifier: seed_users}}\n",
    "seeds/seed_users.csv": "id\n1\n",
    "macros/pick.sql": "{% macro pick() %}id{% endmacro %}\n",
    "models/a.ff.sql": "select {{ pick() }} from {{ source('crm', 'users') }} limit {{ var('limit') }}\n",
    "models/b.ff.py": "from pytest_fft import model\n@model(name='b', deps=['a.ff'])\n"
                      "def build(df):\n    return df\n",
}


class Counting:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, root: Path, **kwargs: Any) -> Any:
        self.calls += 1
        return load_project(root, **kwargs)


@pytest.fixture
def setup(project_dir: Callable[..., Path], tmp_path: Path) -> tuple[Path, ParseCache, Counting]:
    return project_dir(FILES), ParseCache(tmp_path / "cache"), Counting()


def test_an_unchanged_project_is_read_once(setup: tuple[Path, ParseCache, Counting]) -> None:
    root, cache, load = setup
    first = load_project_cached(root, cache, load, engine="duckdb", vars=None)[0]
    second = load_project_cached(root, cache, load, engine="duckdb", vars=None)[0]
    assert load.calls == 1
    assert second is not first
    assert second.dag.order == first.dag.order == ("seed_users", "a.ff", "b", "not_null[a.id]")
    assert second.models["a.ff"].sql == "select id from seed_users limit 5"
    assert second.models["b"].func(7) == 7  # the lazy Python model survives the trip


@pytest.mark.parametrize("change", [
    pytest.param(lambda r: (r / "models/a.ff.sql").write_text("select 2 as id\n"), id="model"),
    pytest.param(lambda r: (r / "macros/pick.sql").write_text(
        "{% macro pick() %}id as id{% endmacro %}\n"), id="macro"),
    pytest.param(lambda r: (r / "project.yml").write_text("name: demo\nvars: {limit: 6}\n"),
                 id="project.yml"),
    pytest.param(lambda r: (r / "sources.yml").write_text(
        "crm: {users: {identifier: seed_users2}}\n"), id="sources.yml"),
    pytest.param(lambda r: (r / "seeds/seed_more.csv").write_text("x\n1\n"), id="new-seed"),
    pytest.param(lambda r: (r / "models/c.ff.sql").write_text("select 1 as id\n"), id="new-model"),
    pytest.param(lambda r: (r / "models/b.ff.py").unlink(), id="deleted-model"),
])
def test_any_change_loads_again(setup: tuple[Path, ParseCache, Counting],
                                change: Callable[[Path], Any]) -> None:
    root, cache, load = setup
    load_project_cached(root, cache, load, engine="duckdb", vars=None)[0]
    change(root)
    load_project_cached(root, cache, load, engine="duckdb", vars=None)[0]
    assert load.calls == 2


def test_vars_and_engine_are_part_of_the_key(setup: tuple[Path, ParseCache, Counting]) -> None:
    root, cache, load = setup
    load_project_cached(root, cache, load, engine="duckdb", vars=None)[0]
    project, _ = load_project_cached(root, cache, load, engine="duckdb", vars={"limit": 9})
    assert project.models["a.ff"].sql.endswith("limit 9")
    project, _ = load_project_cached(root, cache, load, engine="postgres", vars={"limit": 9})
    assert project.engine == "postgres"
    assert load.calls == 3


def test_a_project_with_an_imported_python_model_is_not_kept(
        setup: tuple[Path, ParseCache, Counting]) -> None:
    root, cache, load = setup
    (root / "models/b.ff.py").write_text(
        "from pytest_fft import model\nNAME = 'b'\n@model(name=NAME)\ndef build():\n    return 1\n")
    load_project_cached(root, cache, load, engine="duckdb", vars=None)[0]
    load_project_cached(root, cache, load, engine="duckdb", vars=None)[0]
    assert load.calls == 2
    assert not list(cache.directory.glob("*.pickle"))


def test_a_damaged_cache_file_is_ignored(setup: tuple[Path, ParseCache, Counting]) -> None:
    root, cache, load = setup
    load_project_cached(root, cache, load, engine="duckdb", vars=None)[0]
    path = cache._path(f"project:{root.resolve()}")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.warns(CacheWarning, match="its signature does not match its content"):
        project = load_project_cached(root, cache, load, engine="duckdb", vars=None)[0]
    assert load.calls == 2 and "a.ff" in project.models


def test_unit_spec_files_are_kept_per_content_and_project(
        setup: tuple[Path, ParseCache, Counting]) -> None:
    from pytest_fft.project.parse_cache import load_unit_file_cached
    from pytest_fft.utest import load_unit_file

    root, cache, load = setup
    spec = root / "tests/unit/a.yml"
    spec.parent.mkdir(parents=True)
    spec.write_text("model: a.ff\ncases:\n  - name: one\n    inputs: {seed_users: {rows: [{id: 1}]}}\n"
                    "    expect: {rows: [{id: 1}]}\n")
    parsed: list[str] = []

    def cases_now() -> tuple:
        project, key = load_project_cached(root, cache, load, engine="duckdb", vars=None)

        def parse() -> tuple:
            parsed.append(spec.read_text())
            return load_unit_file(project, spec)

        return load_unit_file_cached(cache, key, spec, parse)

    assert [c.name for c in cases_now()] == ["one"]
    assert [c.name for c in cases_now()] == ["one"] and len(parsed) == 1
    spec.write_text(spec.read_text().replace("name: one", "name: two"))
    assert [c.name for c in cases_now()] == ["two"] and len(parsed) == 2
    (root / "models/a.ff.sql").write_text(  # the project changed
        "select id from {{ source('crm', 'users') }}\n")
    assert [c.name for c in cases_now()] == ["two"] and len(parsed) == 3
    assert [c.name for c in cases_now()] == ["two"] and len(parsed) == 3


def _macro_importing_a_helper(root: Path, prefix: str) -> tuple[str, Path]:
    """A Python macro ``pick_col()`` that imports ``COLUMN`` from a module of the user's in
    ``lib/`` (outside the project's watched folders); returns its module name and file."""
    module = f"{prefix}_{abs(hash(str(root)))}"
    (root / "lib").mkdir()
    helper = root / "lib" / f"{module}.py"
    helper.write_text("COLUMN = 'id'\n")
    (root / "models/macros_py").mkdir()
    (root / "models/macros_py/cols.py").write_text(
        "import pathlib, sys\n"
        "sys.path.insert(0, str(pathlib.Path(__file__).parents[2] / 'lib'))\n"
        f"from {module} import COLUMN\n"
        "def pick_col():\n    return COLUMN\n")
    return module, helper


def test_a_module_a_python_macro_imports_is_part_of_the_key(
        setup: tuple[Path, ParseCache, Counting], monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setattr(sys, "path", list(sys.path))  # the macro adds lib/ to it
    root, cache, load = setup
    module, helper = _macro_importing_a_helper(root, "fft_helper")
    (root / "models/a.ff.sql").write_text("select {{ pick_col() }} from {{ source('crm', 'users') }}\n")
    first, key = load_project_cached(root, cache, load, engine="duckdb", vars=None)
    assert helper.resolve() in first.imported_files  # (with helpers earlier tests imported)
    assert load_project_cached(root, cache, load, engine="duckdb", vars=None)[1] == key
    assert load.calls == 1

    helper.write_text("COLUMN = 'id as user_id'\n")
    sys.modules.pop(module)  # as in the next process
    project, changed = load_project_cached(root, cache, load, engine="duckdb", vars=None)
    assert load.calls == 2 and changed != key
    assert project.models["a.ff"].sql == "select id as user_id from seed_users"


def test_a_second_load_in_the_same_process_keeps_the_imported_module_in_the_key(
        setup: tuple[Path, ParseCache, Counting], monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper is imported once per process: a later load of the project (here after a
    model changed) finds it in sys.modules, and must still count it as the project's."""
    import sys

    monkeypatch.setattr(sys, "path", list(sys.path))
    root, cache, load = setup
    module, helper = _macro_importing_a_helper(root, "fft_helper2")
    model = root / "models/a.ff.sql"
    model.write_text("select {{ pick_col() }} from {{ source('crm', 'users') }}\n")
    load_project_cached(root, cache, load, engine="duckdb", vars=None)
    model.write_text("select {{ pick_col() }}, 1 as one from {{ source('crm', 'users') }}\n")
    second, key = load_project_cached(root, cache, load, engine="duckdb", vars=None)
    assert load.calls == 2
    assert helper.resolve() in second.imported_files

    helper.write_text("COLUMN = 'id as user_id'\n")
    sys.modules.pop(module)  # as in the next process
    project, changed = load_project_cached(root, cache, load, engine="duckdb", vars=None)
    assert load.calls == 3 and changed != key
    assert project.models["a.ff"].sql == "select id as user_id, 1 as one from seed_users"

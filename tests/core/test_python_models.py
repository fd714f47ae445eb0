"""Python models declared from their syntax tree and imported on first use."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_fft.decorators import ModelSpec
from pytest_fft.errors import ModuleLoadError
from pytest_fft.project.python_models import LazyModelFunction, resolve_function, static_specs
from pytest_fft.run.building import build_node

Load = Callable[..., Any]

REPO = Path(__file__).resolve().parents[2]


def specs(source: str) -> list[tuple[ModelSpec, str, int]] | None:
    return static_specs(textwrap.dedent(source), "m.ff.py")


def test_literal_decorators_are_read_without_running_the_file() -> None:
    found = specs("""\
        import pandas as pd
        raise RuntimeError("never run")
        from fastflowtransform import model, engine_model as em
        import pytest_fft as p

        @model(name="a", deps=["users.ff"], requires={"users": {"id", "email"}}, tags="x")
        def first(df):
            return df

        @em(only=("duckdb",), deps=["a"], materialized="view", meta={"owner": "me"})
        def second(df):
            return df

        @p.model(require={"a": ["id"]})
        def third(df):
            return df
        """)
    assert found is not None
    assert [(s.name, s.deps, s.requires, s.tags, s.materialized, s.meta, s.only, f, line)
            for s, f, line in found] == [
        ("a", ("users.ff",), {"users": ("email", "id")}, ("x",), "table", {}, None, "first", 6),
        ("second", ("a",), {}, (), "view", {"owner": "me"}, ("duckdb",), "second", 10),
        ("third", (), {"a": ("id",)}, (), "table", {}, None, "third", 14),
    ]
    assert all(spec.func is None for spec, _, _ in found)


@pytest.mark.parametrize("source", [
    pytest.param("import pandas\n", id="no-decorator-imported"),
    pytest.param("from pytest_fft import *\n@model()\ndef f(): ...\n", id="star-import"),
    pytest.param("from pytest_fft import model\nNAME = 'x'\n@model(name=NAME)\ndef f(): ...\n",
                 id="non-literal-argument"),
    pytest.param("from pytest_fft import model\nopts = {}\n@model(**opts)\ndef f(): ...\n",
                 id="double-star"),
    pytest.param("from pytest_fft import model\ndeco = model(name='x')\n@deco\ndef f(): ...\n",
                 id="decorator-stored"),
    pytest.param("from pytest_fft import model\ndef make():\n    @model(name='x')\n"
                 "    def f(): ...\n    return f\nmake()\n", id="nested-function"),
    pytest.param("from pytest_fft import model\n@model(name='x')\ndef f(): ...\nf = None\n",
                 id="function-rebound"),
    pytest.param("import pytest_fft as p\nm = p.model\n@m()\ndef f(): ...\n",
                 id="attribute-stored"),
    pytest.param("from pytest_fft import model\n@model(nmae='x')\ndef f(): ...\n",
                 id="bad-keyword-left-to-python"),
    pytest.param("from pytest_fft import model\n@model\ndef f(): ...\n", id="bare-decorator"),
    pytest.param("import fastflowtransform.decorators\n"
                 "@fastflowtransform.decorators.model()\ndef f(): ...\n", id="dotted-import"),
])
def test_anything_dynamic_is_left_to_an_import(source: str) -> None:
    assert specs(source) is None


def test_a_syntax_error_is_reported_with_its_line(load: Load) -> None:
    with pytest.raises(ModuleLoadError) as info:
        load({"models/bad.ff.py": "from pytest_fft import model\n@model(name='x')\ndef f(:\n"})
    assert (info.value.file, info.value.line) == ("models/bad.ff.py", 3)
    assert info.value.message.startswith("models/bad.ff.py: syntax error: ")


def test_loading_does_not_import_a_static_model_file(load: Load) -> None:
    project = load({
        "models/a.ff.py": "from pytest_fft import model\nimport sys\nsys.modules['fft_probe'] = 1\n"
                          "@model(name='a')\ndef build():\n    return 1\n",
    })
    func = project.models["a"].func
    assert isinstance(func, LazyModelFunction)
    assert "fft_probe" not in sys.modules
    assert project.models["a"].line == 4
    assert func() == 1  # the first call imports the module
    assert sys.modules.pop("fft_probe") == 1
    assert resolve_function(func) is resolve_function(func)


def test_a_dynamic_model_file_is_imported_at_load(load: Load) -> None:
    project = load({
        "models/a.ff.py": "from pytest_fft import model\nNAME = 'a'\n"
                          "@model(name=NAME)\ndef build():\n    return 1\n",
    })
    assert not isinstance(project.models["a"].func, LazyModelFunction)
    assert project.models["a"].func() == 1


def test_an_import_error_fails_the_model_when_it_runs(load: Load) -> None:
    from tests.core.conftest import FakeEngine

    project = load({
        "models/a.ff.py": "import not_a_module_anywhere_xyz\nfrom pytest_fft import model\n"
                          "@model(name='a')\ndef build():\n    return 1\n",
    })
    with pytest.raises(ModuleLoadError) as info:
        build_node(project, FakeEngine(), project.models["a"])
    assert info.value.message == (
        "models/a.ff.py: importing the module raised ModuleNotFoundError: "
        "No module named 'not_a_module_anywhere_xyz'")
    assert (info.value.file, info.value.line) == ("models/a.ff.py", 1)


def test_a_module_that_defines_another_model_than_declared_is_an_error(load: Load) -> None:
    project = load({
        "models/a.ff.py": "from pytest_fft import model\n@model(name='a')\ndef build():\n"
                          "    return 1\nglobals()['build'] = lambda: 2\n",
    })
    with pytest.raises(ModuleLoadError) as info:
        project.models["a"].func()
    assert "did not define the model 'a'" in info.value.message


def test_loading_the_example_project_imports_no_pandas() -> None:
    code = ("import sys\nfrom pytest_fft import load_project\n"
            "p = load_project('examples/simple_duckdb')\n"
            "print(sorted(n for n, m in p.models.items() if m.kind == 'python'), "
            "'pandas' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "['mart_orders_enriched', 'users_enriched'] False"

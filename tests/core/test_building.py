"""building.py: calling Python models with their inputs, and building nodes on an engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_fft.errors import ModelError, ModelReturnTypeError, RequiredColumnsError
from pytest_fft.project.records import Model
from pytest_fft.run.building import build_node, call_model_function


def py_model(func: Any, deps: tuple[str, ...] = (), requires: dict | None = None,
             root: Path = Path("/p")) -> Model:
    return Model(name="m", kind="python", path=root / "models" / "m.ff.py",
                 rel_path="models/m.ff.py", relation="m", deps=deps, func=func,
                 requires=requires or {}, line=3)


# -- call_model_function ----------------------------------------------------------------------


def test_no_deps() -> None:
    assert call_model_function(py_model(lambda: "called"), {}) == "called"


def test_one_dep_gets_the_frame() -> None:
    assert call_model_function(py_model(lambda df: ("df", df)), {"users": "U"}) == ("df", "U")


def test_several_deps_as_dict_when_the_function_takes_one_parameter() -> None:
    def f(dfs):
        return dfs

    got = call_model_function(py_model(f), {"orders": "O", "users_enriched": "U"})
    assert got == {"orders": "O", "users_enriched": "U"}
    assert list(got) == ["orders", "users_enriched"]


def test_several_deps_positional_when_one_parameter_per_dep() -> None:
    def f(orders, users_enriched):
        return ("pos", orders, users_enriched)

    assert call_model_function(py_model(f), {"orders": "O", "users_enriched": "U"}) == (
        "pos", "O", "U")


def test_positional_follows_dependency_order_not_parameter_names() -> None:
    def f(first, second, third):
        return (first, second, third)

    assert call_model_function(py_model(f), {"c": 3, "a": 1, "b": 2}) == (3, 1, 2)


@pytest.mark.parametrize(
    "func",
    [
        pytest.param(lambda dfs, *, debug=False: dfs, id="keyword-only-extra"),
    ],
)
def test_dict_when_the_arity_does_not_match(func: Any) -> None:
    assert call_model_function(py_model(func), {"x": 1, "y": 2}) == {"x": 1, "y": 2}


def test_builtin_callable_without_signature() -> None:
    # inspect.signature fails on some builtins: fall back to the dict form
    assert call_model_function(py_model(dict), {"x": 1, "y": 2}) == {"x": 1, "y": 2}


# -- build_node on the fake engine ---------------------------------------------------------------


def project_with(tmp_path: Path, model: Model, frames: dict) -> Any:
    from pytest_fft.project.config import ProjectConfig
    from pytest_fft.project.dag import Dag
    from pytest_fft.project.records import Project

    parents = dict.fromkeys(model.deps, ())
    parents[model.name] = model.deps
    upstream = {
        dep: Model(name=dep, kind="sql", path=tmp_path / f"{dep}.sql", rel_path=f"{dep}.sql",
                   relation=dep.removesuffix(".ff"), deps=(), sql="select 1")
        for dep in model.deps
    }
    return Project(root=tmp_path, config=ProjectConfig(name="t", version="0"), engine="fake",
                   models={**upstream, model.name: model}, seeds={}, sources={}, vars={},
                   dag=Dag(parents))


def test_python_model_reads_inputs_and_writes_its_frame(tmp_path: Path, fake_engine,
                                                        fake_frame) -> None:
    def f(orders, users):
        return fake_frame(["n"], [(len(orders.rows) + len(users.rows),)])

    model = py_model(f, deps=("orders.ff", "users"), requires={"users": ("id",)}, root=tmp_path)
    engine = fake_engine(frames={"orders": fake_frame(["id"], [(1,), (2,)]),
                                 "users": fake_frame(["id"], [(9,)])})
    assert build_node(project_with(tmp_path, model, {}), engine, model) == 1
    assert engine.calls == [("read_frame", "orders"), ("read_frame", "users"),
                            ("write_frame", "m")]
    assert engine.relations["m"][1].rows == [(3,)]


def test_python_model_missing_required_column(tmp_path: Path, fake_engine, fake_frame) -> None:
    model = py_model(lambda df: df, deps=("users.ff",), requires={"users.ff": ("email",)},
                     root=tmp_path)
    engine = fake_engine(frames={"users": fake_frame(["id"])})
    with pytest.raises(RequiredColumnsError) as info:
        build_node(project_with(tmp_path, model, {}), engine, model)
    assert info.value.message == "m: input users lacks required column email (has: id)"
    assert info.value.file == "models/m.ff.py"
    assert ("write_frame", "m") not in engine.calls


def test_python_model_that_raises(tmp_path: Path, fake_engine) -> None:
    def f():
        return {}["missing_key"]

    model = py_model(f, root=tmp_path)
    with pytest.raises(ModelError) as info:
        build_node(project_with(tmp_path, model, {}), fake_engine(), model)
    assert info.value.message == "m raised KeyError: 'missing_key'"
    assert (info.value.file, info.value.node) == ("models/m.ff.py", "m")


def test_python_model_returning_no_frame(tmp_path: Path, fake_engine) -> None:
    model = py_model(lambda: [1, 2], root=tmp_path)
    with pytest.raises(ModelReturnTypeError) as info:
        build_node(project_with(tmp_path, model, {}), fake_engine(), model)
    assert info.value.message == "m returned builtins.list, not a DataFrame"
    assert (info.value.file, info.value.line) == ("models/m.ff.py", 3)


def test_failing_sql_model_writes_its_compiled_sql(tmp_path: Path, fake_engine) -> None:
    model = Model(name="bad.ff", kind="sql", path=tmp_path / "models" / "bad.ff.sql",
                  rel_path="models/bad.ff.sql", relation="bad", deps=(), sql="select oops")
    project = project_with(tmp_path, model, {})
    with pytest.raises(ModelError) as info:
        build_node(project, fake_engine(fail=["bad"]), model)
    err = info.value
    assert err.message == "bad.ff failed on fake: boom in bad"
    assert (err.file, err.line, err.node) == ("models/bad.ff.sql", 1, "bad.ff")
    compiled = Path(".fastflowtransform/target/compiled/models/bad.ff.sql")
    assert err.hint == f"compiled SQL: {compiled}"
    assert (tmp_path / compiled).read_text() == "select oops"

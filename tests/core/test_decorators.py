"""decorators.py: @model / @engine_model attach a ModelSpec and nothing else."""

from __future__ import annotations

import pytest

from pytest_fft import engine_model, model
from pytest_fft.decorators import SPEC_ATTR, ModelSpec


def spec_of(func: object) -> ModelSpec:
    spec = getattr(func, SPEC_ATTR)
    assert isinstance(spec, ModelSpec)
    return spec


def test_name_defaults_to_function_name() -> None:
    @model()
    def users_enriched(df):
        return df

    spec = spec_of(users_enriched)
    assert spec.name == "users_enriched"
    assert spec.deps == ()
    assert spec.requires == {}
    assert spec.tags == ()
    assert spec.materialized == "table"
    assert spec.meta == {}
    assert spec.only is None
    assert spec.func is users_enriched


def test_decorator_returns_the_function_itself() -> None:
    def f():
        return 1

    assert model(name="x")(f) is f
    assert f() == 1


def test_explicit_name_and_fields() -> None:
    @model(name="mart", deps=["orders.ff", "users_enriched"], tags=["finance", "daily"],
           materialized="view", meta={"owner": "bi"})
    def build(dfs):
        return dfs

    spec = spec_of(build)
    assert spec.name == "mart"
    assert spec.deps == ("orders.ff", "users_enriched")
    assert spec.tags == ("finance", "daily")
    assert spec.materialized == "view"
    assert spec.meta == {"owner": "bi"}


@pytest.mark.parametrize(
    ("kwargs", "field", "expected"),
    [
        ({"deps": "users.ff"}, "deps", ("users.ff",)),  # a single string is one dep
        ({"deps": ("a", "b")}, "deps", ("a", "b")),
        ({"deps": None}, "deps", ()),
        ({"tags": "nightly"}, "tags", ("nightly",)),
        ({"tags": ["a", "b"]}, "tags", ("a", "b")),
    ],
)
def test_str_or_iterable_fields_become_tuples(kwargs: dict, field: str, expected: tuple) -> None:
    @model(**kwargs)
    def f():
        return None

    assert getattr(spec_of(f), field) == expected


@pytest.mark.parametrize("keyword", ["requires", "require"])
def test_requires_and_require_synonym(keyword: str) -> None:
    @model(name="m", **{keyword: {"users": {"id", "email", "created_at"},
                                  "orders": ["z", "a"],
                                  "single": "col"}})
    def f(df):
        return df

    assert spec_of(f).requires == {
        "users": ("created_at", "email", "id"),  # a set is sorted: never hash order
        "orders": ("z", "a"),  # a list keeps the order the user wrote
        "single": ("col",),
    }


def test_frozenset_requires_are_sorted() -> None:
    @model(requires={"users": frozenset({"b", "a"})})
    def f(df):
        return df

    assert spec_of(f).requires == {"users": ("a", "b")}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"name": 3}, "@model: name= must be a non-empty string, not 3"),
    ({"name": ""}, "@model: name= must be a non-empty string, not ''"),
    ({"deps": [3]}, "@model: deps= must be a name or a list of names, not [3]"),
    ({"tags": 5}, "@model: tags= must be a name or a list of names, not 5"),
    ({"requires": "x"}, ("@model: requires= must map each input to its columns, e.g. "
                        "{'users.ff': ['id', 'email']}, not 'x'")),
    ({"require": {"users": 5}}, ("@model: require= 'users' must be a name or a list of names, "
                                "not 5")),
    ({"meta": 5}, "@model: meta= must be a mapping, e.g. {'owner': 'data'}, not 5"),
    ({"materialized": 5}, "@model: materialized= must be a string such as 'table', not 5"),
    ({"only": [1]}, "@model: only= must be a name or a list of names, not [1]"),
])
def test_arguments_of_the_wrong_type_are_a_type_error_naming_them(kwargs: dict,
                                                                  message: str) -> None:
    """Raised while the model file is imported: the loader reports it with the file and the
    decorator's line, never a crash later on."""
    with pytest.raises(TypeError) as info:
        model(**kwargs)
    assert str(info.value) == message


def test_requires_and_require_together_is_an_error() -> None:
    with pytest.raises(TypeError, match=r"^@model: give either requires= or require=, not both$"):
        model(requires={"a": ["x"]}, require={"a": ["x"]})


def test_spec_is_frozen_and_compares_without_func() -> None:
    @model(name="m")
    def f():
        return None

    @model(name="m")
    def g():
        return None

    assert spec_of(f) == spec_of(g)
    with pytest.raises(AttributeError):
        spec_of(f).name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(("only", "expected"), [("postgres", ("postgres",)),
                                                (["duckdb", "postgres"], ("duckdb", "postgres"))])
def test_engine_model_only(only: object, expected: tuple) -> None:
    @engine_model(only=only, name="pg_only", deps=["users.ff"], require={"users": {"id"}})
    def f(df):
        return df

    spec = spec_of(f)
    assert spec.only == expected
    assert spec.name == "pg_only"
    assert spec.deps == ("users.ff",)
    assert spec.requires == {"users": ("id",)}


def test_engine_model_name_defaults_to_function_name() -> None:
    @engine_model(only="duckdb")
    def duck_only():
        return None

    assert spec_of(duck_only).name == "duck_only"


# -- FastFlowTransform 0.6: env_match, kind ------------------------------------------------


def test_engine_model_env_match_is_kept_as_text() -> None:
    @engine_model(env_match={"FF_ENGINE": "bigquery", "FF_ENGINE_VARIANT": "pandas"},
                  name="mart", deps=["users.ff"])
    def build(df):
        return df

    spec = spec_of(build)
    assert spec.env_match == {"FF_ENGINE": "bigquery", "FF_ENGINE_VARIANT": "pandas"}
    assert spec.only is None
    assert (spec.name, spec.deps) == ("mart", ("users.ff",))


@pytest.mark.parametrize(("only", "env_match", "engine", "environ", "exists"), [
    (None, None, "duckdb", {}, True),
    ("DuckDB", None, "duckdb", {}, True),  # names compare in any case
    (("postgres",), None, "duckdb", {}, False),
    (None, {"FF_ENGINE": "bigquery"}, "bigquery", {}, True),  # FF_ENGINE: the active engine
    (None, {"FF_ENGINE": "bigquery"}, "duckdb", {"FF_ENGINE": "bigquery"}, False),
    (None, {"FF_ENGINE": "bigquery", "FF_ENGINE_VARIANT": "pandas"}, "bigquery",
     {"FF_ENGINE_VARIANT": "pandas"}, True),
    (None, {"FF_ENGINE": "bigquery", "FF_ENGINE_VARIANT": "pandas"}, "bigquery",
     {"FF_ENGINE_VARIANT": "bigframes"}, False),
    (None, {"FF_ENGINE_VARIANT": "pandas"}, "duckdb", {}, False),  # unset is no match
    ("bigquery", {"FF_ENGINE_VARIANT": "pandas"}, "duckdb", {"FF_ENGINE_VARIANT": "pandas"},
     False),  # both must hold
])
def test_exists_for(only: object, env_match: dict | None, engine: str, environ: dict,
                    exists: bool) -> None:
    @engine_model(only=only, env_match=env_match, name="m")  # type: ignore[arg-type]
    def f():
        return None

    assert spec_of(f).exists_for(engine, environ) is exists


def test_model_takes_only_and_env_match_too() -> None:
    @model(name="m", only="duckdb", env_match={"REGION": "eu"})
    def f():
        return None

    assert spec_of(f).exists_for("duckdb", {"REGION": "eu"}) is True
    assert spec_of(f).exists_for("duckdb", {"REGION": "us"}) is False


def test_kind_is_recorded() -> None:
    @model(name="py_enrich.ff", kind="python", deps=["fct_events.ff"])
    def build(df):
        return df

    assert spec_of(build).kind == "python"
    assert spec_of(model(name="x")(lambda: None)).kind == "python"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"kind": ""}, "@model: kind= must be a non-empty string, not ''"),
    ({"env_match": ["FF_ENGINE"]}, ("@model: env_match= must be a mapping of environment "
                                   "variable names to values, e.g. {'FF_ENGINE': 'bigquery'}, "
                                   "not ['FF_ENGINE']")),
])
def test_bad_kind_or_env_match_is_a_type_error(kwargs: dict, message: str) -> None:
    with pytest.raises(TypeError) as info:
        model(name="m", **kwargs)
    assert str(info.value) == message

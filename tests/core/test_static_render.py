"""The static fast path of rendering gives exactly what Jinja gives, or steps aside."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_fft.errors import ProjectError
from pytest_fft.project.rendering import _static_render, build_environment, render_sql

TEMPLATES = [
    "select * from {{ ref('users') }}",
    "select * from {{ ref(\"users.ff\") }} u join {{ source('crm', 'orders') }} o on 1=1\n",
    "{{ config(materialized='view', tags=['a', 'b'], meta={'k': 1}) }}\nselect 1 as x\n\n",
    "select {{ var('n') }} as n, '{{ var('missing', 'dflt') }}' as d, '{{ this }}' as t",
    "create or replace table t as select {{ var('flag') }} as f from {{ ref('users') }};",
    "select '{{ var('items') }}' as items",
    "select 1 -- no jinja at all\n",
]
NOT_STATIC = [
    "{% set x = 1 %}select {{ x }}",
    "select {{ ref('users') | upper }}",
    "select {{- ref('users') -}}",
    "select {{ var('n') + 1 }}",
    "select {{ ref(name) }}",
    "{# comment #}select 1",
    "select {{ my_macro('a') }}",
]


def _render(text: str, allow_static: bool) -> tuple[str, object]:
    env = build_environment(Path("/nonexistent-project"))
    return render_sql(
        env, text, display="models/x.ff.sql", node="x.ff", this="x",
        resolve_ref=lambda name: name.removesuffix(".ff"),
        resolve_source=lambda s, t: f"{s}_{t}",
        vars_={"n": 3, "flag": True, "items": [1, "a"]},
        allow_static=allow_static,
    )


@pytest.mark.parametrize("text", TEMPLATES)
def test_static_render_equals_jinja(text: str) -> None:
    env = build_environment(Path("/nonexistent-project"))
    assert _static_render(env, text, _scope_for_probe()) is not None  # really the fast path
    assert _render(text, allow_static=True) == _render(text, allow_static=False)


@pytest.mark.parametrize("text", NOT_STATIC)
def test_anything_else_goes_to_jinja(text: str) -> None:
    env = build_environment(Path("/nonexistent-project"))
    assert _static_render(env, text, _scope_for_probe()) is None


def test_missing_var_on_the_fast_path_names_the_line() -> None:
    with pytest.raises(ProjectError) as info:
        _render("select 1\nwhere d > '{{ var('start_date') }}'\n", allow_static=True)
    assert (info.value.file, info.value.line) == ("models/x.ff.sql", 2)
    assert "var('start_date') is not defined" in info.value.message


def _scope_for_probe():
    from pytest_fft.project.rendering import _RenderScope

    return _RenderScope("x.ff", "models/x.ff.sql", "x", lambda n: n, lambda s, t: t,
                        {"n": 3, "flag": True, "items": [1, "a"]})

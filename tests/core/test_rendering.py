"""rendering.py: Jinja with ref/source/var/config/this, macros, StrictUndefined, CREATE forms."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_fft.errors import ProjectFileError, RenderError
from pytest_fft.project.rendering import SqlBody, build_environment, render_sql, split_create

Load = Callable[..., Any]


def render(env: Any, text: str, vars_: dict | None = None) -> tuple[str, Any]:
    return render_sql(
        env, text, display="models/m.ff.sql", node="m.ff", this="m",
        resolve_ref=lambda name: f"REL[{name}]",
        resolve_source=lambda s, t: f"SRC[{s}.{t}]",
        vars_=vars_ or {},
    )


@pytest.fixture
def env(tmp_path: Path) -> Any:
    return build_environment(tmp_path)


# -- split_create ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select 1", SqlBody("select 1")),
        ("select 1;", SqlBody("select 1")),
        ("  select 1 ;\n\n", SqlBody("select 1")),
        ("\n\n  select 1", SqlBody("select 1", line=3)),
        ("-- a comment\n/* block\ncomment */\nselect 1", SqlBody("select 1", line=4)),
        ("with x as (select 1) select * from x", SqlBody("with x as (select 1) select * from x")),
        ("create or replace table users as select 1;",
         SqlBody("select 1", "users", "table")),
        ("create table users as\nselect 1", SqlBody("select 1", "users", "table", line=2)),
        ("CREATE OR REPLACE VIEW Users AS SELECT 1", SqlBody("SELECT 1", "Users", "view")),
        ("create table if not exists users as select 1", SqlBody("select 1", "users", "table")),
        ('create or replace table "analytics"."users" as select 1',
         SqlBody("select 1", "analytics.users", "table")),
        ("-- v0.4\ncreate or replace table users as\nselect id\nfrom seed_users;\n",
         SqlBody("select id\nfrom seed_users", "users", "table", line=3)),
        ("create or replace table users as (select 1)", SqlBody("(select 1)", "users", "table")),
    ],
)
def test_split_create(sql: str, expected: SqlBody) -> None:
    assert split_create(sql) == expected


def test_create_form_and_plain_select_give_the_same_model_sql(load: Load) -> None:
    body = "select id, email\nfrom {{ source('crm', 'users') }}"
    files = {"sources.yml": "crm:\n  users: {identifier: seed_users}\n",
             "seeds/seed_users.csv": "id,email\n1,a\n"}
    v04 = load({**files, "models/users.ff.sql": f"create or replace table users as\n{body};\n"})
    plain = load({**files, "models/users.ff.sql": f"{body}\n"})
    assert v04.models["users.ff"].sql == plain.models["users.ff"].sql == (
        "select id, email\nfrom seed_users")
    assert v04.models["users.ff"].deps == plain.models["users.ff"].deps == ("seed_users",)
    assert v04.models["users.ff"].materialized == plain.models["users.ff"].materialized == "table"
    assert v04.models["users.ff"].raw_sql.startswith("create or replace table users as")


def test_create_with_schema_qualified_own_relation_is_accepted(load: Load) -> None:
    project = load({"models/users.ff.sql": "create or replace table main.users as select 1 as x"})
    assert project.models["users.ff"].sql == "select 1 as x"


@pytest.mark.parametrize(
    ("sql", "created"),
    [("create or replace table people as select 1", "people"),
     ("create view analytics.people as select 1", "analytics.people")],
)
def test_create_naming_another_relation_is_an_error(load: Load, sql: str, created: str) -> None:
    with pytest.raises(ProjectFileError) as info:
        load({"models/users.ff.sql": sql})
    err = info.value
    assert err.message == (
        f"users.ff: the SQL creates {created!r} but this model's relation is 'users'")
    assert (err.file, err.node) == ("models/users.ff.sql", "users.ff")
    assert err.hint == "rename the file to people.ff.sql or create 'users'"


# -- render_sql ------------------------------------------------------------------------------


def test_render_records_refs_sources_and_config(env: Any) -> None:
    sql, record = render(env, (
        "{{ config(materialized='view', tags=['a']) }}"
        "select * from {{ ref('users') }} join {{ ref('orders.ff') }} "
        "join {{ source('crm', 'accounts') }} -- {{ this }}"
    ))
    assert sql == ("select * from REL[users] join REL[orders.ff] join SRC[crm.accounts] -- m")
    assert record.refs == ["users", "orders.ff"]
    assert record.sources == [("crm", "accounts")]
    assert record.config == {"materialized": "view", "tags": ["a"]}


def test_config_calls_merge(env: Any) -> None:
    _, record = render(env, "{{ config(materialized='view') }}{{ config(tags=['x']) }}select 1")
    assert record.config == {"materialized": "view", "tags": ["x"]}


def test_var_values_and_defaults(env: Any) -> None:
    sql, _ = render(env, "{{ var('a') }}|{{ var('b', 'dflt') }}|{{ var('c', none) }}|{{ var('n') }}",
                    {"a": "A", "n": 3})
    assert sql == "A|dflt|None|3"


def test_var_and_env_are_filters_too(env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FFT_TEST_SCHEMA", "raw")
    sql, _ = render(env, "select {{ 'limit' | var(10) }}, {{ 'day' | var }} from "
                         "{{ 'FFT_TEST_SCHEMA' | env }}.t", {"day": "'2024-01-02'"})
    assert sql == "select 10, '2024-01-02' from raw.t"


def test_var_that_is_falsy_is_still_defined(env: Any) -> None:
    sql, _ = render(env, "{{ var('zero', 99) }}|{{ var('empty', 'x') }}", {"zero": 0, "empty": ""})
    assert sql == "0|"


def test_trailing_newline_is_kept(env: Any) -> None:
    sql, _ = render(env, "select 1\n")
    assert sql == "select 1\n"


def test_no_html_autoescape(env: Any) -> None:
    sql, _ = render(env, "select '{{ var('v') }}'", {"v": "<a & b>"})
    assert sql == "select '<a & b>'"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("select 1\nfrom {{ users_tabel }}\n", "m.ff: 'users_tabel' is undefined", 2),
        ("select 1\n\n{{ ref('a').nope }}", "m.ff: 'str object' has no attribute 'nope'", 3),
        ("{{ no_such_macro('x') }}", "m.ff: 'no_such_macro' is undefined", 1),
    ],
)
def test_strict_undefined_names_the_model_file_and_line(env: Any, text: str, message: str,
                                                        line: int) -> None:
    with pytest.raises(RenderError) as info:
        render(env, text)
    err = info.value
    assert err.message == message
    assert (err.file, err.line, err.node) == ("models/m.ff.sql", line, "m.ff")
    assert f"at models/m.ff.sql:{line}" in str(err)


def test_jinja_syntax_error_has_the_line(env: Any) -> None:
    with pytest.raises(RenderError) as info:
        render(env, "select 1\n{% if x %}\nselect 2\n")
    err = info.value
    assert err.message.startswith("m.ff: Jinja syntax error: Unexpected end of template.")
    assert (err.file, err.line) == ("models/m.ff.sql", 2)  # Jinja points at the unclosed tag


@pytest.mark.parametrize("text", [
    "select {{ ref('users.ff') as a\nfrom t\n",
    "select {{ ref('users.ff') }} as a,\n {{ ref('users.ff') as b\n",
])
def test_an_unclosed_expression_is_a_jinja_syntax_error(env: Any, text: str) -> None:
    """Never sent to the warehouse with the braces in it (the literal-only fast path sees
    an unclosed ``{{`` and leaves the template to Jinja)."""
    with pytest.raises(RenderError) as info:
        render(env, text)
    assert info.value.message.startswith("m.ff: Jinja syntax error:")
    assert info.value.file == "models/m.ff.sql"


def test_undefined_name_in_a_loaded_model(load: Load) -> None:
    with pytest.raises(RenderError) as info:
        load({"models/sub/x.ff.sql": "select 1\n\nfrom {{ tabel }}\n"})
    err = info.value
    assert err.message == "x.ff: 'tabel' is undefined"
    assert (err.file, err.line, err.node) == ("models/sub/x.ff.sql", 3, "x.ff")


# -- macros ------------------------------------------------------------------------------------


MACROS = {
    "models/macros/strings.sql": "{% macro lower_col(c) -%}lower({{ c }}){%- endmacro %}\n",
    "models/macros/nested/more.sql.j2":
        "{% macro upper_col(c) -%}upper({{ c }}){%- endmacro %}\n"
        "{% macro _hidden() %}x{% endmacro %}\n",
    "macros/money.sql": "{% macro cents(c) -%}cast({{ c }} * 100 as int){%- endmacro %}\n",
    "models/macros_py/email.py": (
        "from os.path import join\n\n"
        "def sql_email_domain(col):\n    return f\"split_part({col}, '@', 2)\"\n\n"
        "def _private():\n    return 'no'\n\n"
        "CONSTANT = 'not callable'\n"
    ),
    "models/macros_py/_skipped.py": "raise RuntimeError('files starting with _ are not loaded')\n",
}


def test_macros_from_all_folders_become_globals(project_dir) -> None:
    env = build_environment(project_dir(MACROS))
    sql, _ = render(env, "select {{ lower_col('a') }}, {{ upper_col('b') }}, {{ cents('c') }}, "
                         "{{ sql_email_domain('email') }}")
    assert sql == "select lower(a), upper(b), cast(c * 100 as int), split_part(email, '@', 2)"
    assert {"lower_col", "upper_col", "cents", "sql_email_domain"} <= set(env.globals)
    assert not {"_hidden", "_private", "join", "CONSTANT"} & set(env.globals)


@pytest.mark.parametrize("name", ["join", "_private", "_hidden"])
def test_non_public_macro_names_are_undefined(project_dir, name: str) -> None:
    env = build_environment(project_dir(MACROS))
    with pytest.raises(RenderError, match=rf"^m\.ff: '{name}' is undefined"):
        render(env, f"{{{{ {name}() }}}}")


def test_macros_in_a_loaded_project(load: Load) -> None:
    project = load({**MACROS, "models/x.ff.sql": "select {{ sql_email_domain('email') }} as d, "
                                                 "{{ lower_col('email') }} as e from t"})
    assert project.models["x.ff"].sql == "select split_part(email, '@', 2) as d, lower(email) as e from t"
    # macro files are not models
    assert sorted(project.models) == ["x.ff"]


def test_import_from_and_include_find_files_as_fastflowtransform_does(load: Load) -> None:
    """A path is looked up under models/ first ('macros/strings.sql' is
    models/macros/strings.sql), then under the project's macros/ folder."""
    project = load({**MACROS, "models/snippets/where.sql": "where id > {{ var('min', 0) }}\n",
                    "models/x.ff.sql": (
                        "{% import 'macros/strings.sql' as s %}\n"
                        "{% from 'macros/money.sql' import cents %}\n"
                        "select {{ s.lower_col('a') }} as a, {{ cents('b') }} as b from t\n"
                        "{% include 'snippets/where.sql' %}")}, vars={"min": 7})
    assert project.models["x.ff"].sql == (
        "select lower(a) as a, cast(b * 100 as int) as b from t\nwhere id > 7")


@pytest.mark.parametrize("name", ["macros/nope.sql", "../project.yml", "/etc/passwd"])
def test_a_template_that_is_not_there_names_the_model_line_and_folders(load: Load,
                                                                       name: str) -> None:
    with pytest.raises(RenderError) as info:
        load({"project.yml": "name: p\n",
              "models/x.ff.sql": f"select 1\n{{% include '{name}' %}}\n"})
    err = info.value
    assert err.message == f"x.ff: no template {name}"
    assert (err.file, err.line, err.node) == ("models/x.ff.sql", 2, "x.ff")
    assert err.hint is not None and "under models/" in err.hint


def test_a_macro_file_may_import_another(project_dir) -> None:
    env = build_environment(project_dir({
        "models/macros/base.sql": "{% macro q(c) %}\"{{ c }}\"{% endmacro %}\n",
        "models/macros/uses.sql": "{% import 'macros/base.sql' as b %}"
                                  "{% macro pick(c) %}select {{ b.q(c) }}{% endmacro %}\n"}))
    assert render(env, "{{ pick('x') }}")[0] == 'select "x"'


def test_macro_file_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "macros").mkdir()
    (tmp_path / "macros" / "bad.sql").write_text("{% macro ok() %}1{% endmacro %}\n"
                                                 "{% macro broken( %}\n")
    with pytest.raises(RenderError) as info:
        build_environment(tmp_path)
    assert info.value.message.startswith("macro file macros/bad.sql: ")
    assert (info.value.file, info.value.line) == ("macros/bad.sql", 2)


def test_python_macro_that_raises_while_rendering(load: Load) -> None:
    with pytest.raises(RenderError) as info:
        load({"models/macros_py/m.py": "def boom(x):\n    raise ValueError(f'bad {x}')\n",
              "models/x.ff.sql": "select 1\n, {{ boom('arg') }}\n"})
    err = info.value
    assert err.message == "x.ff: rendering failed: ValueError: bad arg"
    assert (err.file, err.line, err.node) == ("models/x.ff.sql", 2, "x.ff")

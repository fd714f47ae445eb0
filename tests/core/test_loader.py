"""loader.py: folders become Projects; every project mistake is an error with file and line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_fft import load_project
from pytest_fft.errors import (
    DependencyNotFoundError,
    DuplicateNodeError,
    ModelCycleError,
    ModuleLoadError,
    ProjectError,
    ProjectFileError,
)
from pytest_fft.project.layout import find_project_root, is_project_dir

SEED_USERS = "id,email\n1,a@example.com\n"
BASE = {
    "seeds/seed_users.csv": SEED_USERS,
    "sources.yml": "crm:\n  users: {identifier: seed_users}\n",
    "models/users.ff.sql": "select id, email from {{ source('crm', 'users') }}\n",
}

Load = Callable[..., Any]


# -- data-driven: fixture projects and what they load as ----------------------------------


def test_fixture_projects_load_as_expected(expected_project: dict, copy_project) -> None:
    root = copy_project(expected_project["source_dir"])
    project = load_project(root)
    assert project.root == root.resolve()
    assert project.engine == "duckdb"
    assert project.name == expected_project["name"]
    assert project.config.version == expected_project["version"]
    assert dict(project.vars) == expected_project["vars"]
    assert list(project.dag.order) == expected_project["order"]
    assert [list(level) for level in project.dag.levels] == expected_project["levels"]
    assert sorted(project.models) == sorted(expected_project["models"])
    for name, want in expected_project["models"].items():
        model = project.models[name]
        got = {
            "kind": model.kind,
            "rel_path": model.rel_path,
            "relation": model.relation,
            "deps": list(model.deps),
            "materialized": model.materialized,
            "tags": list(model.tags),
            "line": model.line,
        }
        if model.kind == "sql":
            got["sql"] = model.sql
        else:
            got["requires"] = {k: list(v) for k, v in model.requires.items()}
        assert got == want, name
        assert model.path == root.resolve() / model.rel_path


def test_seeds_are_nodes(load: Load) -> None:
    project = load({**BASE, "seeds/more/seed_items.parquet": "", "seeds/readme.txt": "x"})
    assert sorted(project.seeds) == ["seed_items", "seed_users"]
    items = project.seeds["seed_items"]
    assert (items.relation, items.rel_path, items.format) == (
        "seed_items", "seeds/more/seed_items.parquet", "parquet")
    assert project.seeds["seed_users"].format == "csv"
    assert project.node("seed_users") is project.seeds["seed_users"]
    assert project.node("users.ff") is project.models["users.ff"]
    assert sorted(project.nodes) == ["seed_items", "seed_users", "users.ff"]


# -- ref() and source() ---------------------------------------------------------------------


@pytest.mark.parametrize("target", ["users", "users.ff"])
def test_ref_by_relation_or_node_name(load: Load, target: str) -> None:
    project = load({**BASE, "models/x.ff.sql": f"select * from {{{{ ref('{target}') }}}}"})
    assert project.models["x.ff"].deps == ("users.ff",)
    assert project.models["x.ff"].sql == "select * from users"


def test_ref_to_a_seed(load: Load) -> None:
    project = load({**BASE, "models/x.ff.sql": "select * from {{ ref('seed_users') }}"})
    assert project.models["x.ff"].deps == ("seed_users",)
    assert project.models["x.ff"].sql == "select * from seed_users"


def test_ref_to_a_python_model(load: Load) -> None:
    project = load({
        **BASE,
        "models/enrich.ff.py": "from pytest_fft import model\n\n"
                               "@model(name='users_enriched', deps=['users.ff'])\n"
                               "def enrich(df):\n    return df\n",
        "models/x.ff.sql": "select * from {{ ref('users_enriched') }}",
    })
    assert project.models["x.ff"].deps == ("users_enriched",)


def test_repeated_refs_are_one_dep_in_first_seen_order(load: Load) -> None:
    project = load({
        **BASE,
        "models/y.ff.sql": "select 1 as y",
        "models/x.ff.sql": "select * from {{ ref('y') }}, {{ ref('users') }}, {{ ref('y.ff') }}",
    })
    assert project.models["x.ff"].deps == ("y.ff", "users.ff")


def test_source_of_a_seed_is_a_dependency_on_the_seed(load: Load) -> None:
    project = load(BASE)
    assert project.models["users.ff"].deps == ("seed_users",)
    assert project.models["users.ff"].sql == "select id, email from seed_users"
    assert project.dag.parents["users.ff"] == ("seed_users",)


SCHEMA_SOURCES = ("version: 2\nsources:\n  - name: crm\n    schema: raw\n    tables:\n"
                  "      - {name: users, identifier: seed_users}\n")


def test_source_with_schema_depends_on_the_seed_that_may_fill_it(load: Load) -> None:
    # The seed lands in the profile's schema, which may be the one the source names
    # (FF_DUCKDB_SCHEMA=raw): the model waits for the seed, and a re-seed rebuilds it.
    project = load({**BASE, "sources.yml": SCHEMA_SOURCES})
    assert project.models["users.ff"].sql == "select id, email from raw.seed_users"
    assert project.models["users.ff"].deps == ("seed_users",)


def test_source_follows_the_seed_placed_by_seeds_schema_yml(load: Load) -> None:
    project = load({**BASE, "sources.yml": SCHEMA_SOURCES,
                    "seeds/schema.yml": "targets:\n  seed_users: {schema: raw}\n"})
    assert project.seeds["seed_users"].relation == "raw.seed_users"
    assert project.models["users.ff"].deps == ("seed_users",)


def test_source_in_another_schema_than_the_placed_seed_is_external(load: Load) -> None:
    project = load({**BASE, "sources.yml": SCHEMA_SOURCES,
                    "seeds/schema.yml": "targets:\n  seed_users: {schema: staging}\n"})
    assert project.seeds["seed_users"].relation == "staging.seed_users"
    assert project.models["users.ff"].deps == ()


def test_source_of_an_external_table(load: Load) -> None:
    project = load({
        "sources.yml": "crm:\n  accounts: {identifier: crm_accounts}\n",
        "models/a.ff.sql": "select * from {{ source('crm', 'accounts') }}",
    })
    assert project.models["a.ff"].sql == "select * from crm_accounts"
    assert project.models["a.ff"].deps == ()
    assert project.dag.order == ("a.ff",)


# -- vars -------------------------------------------------------------------------------------

VARS = {
    **BASE,
    "project.yml": "name: p\nvars:\n  start: '2024-01-01'\n  limit: 5\n",
    "models/x.ff.sql": "select '{{ var('start') }}' as s, {{ var('limit') }} as l, "
                       "{{ var('missing_ok', 'dflt') }} as d",
}


def test_vars_from_project_yml(load: Load) -> None:
    project = load(VARS)
    assert project.models["x.ff"].sql == "select '2024-01-01' as s, 5 as l, dflt as d"
    assert dict(project.vars) == {"start": "2024-01-01", "limit": 5}


def test_vars_argument_overrides_project_yml(load: Load) -> None:
    project = load(VARS, vars={"limit": 7, "missing_ok": "given"})
    assert project.models["x.ff"].sql == "select '2024-01-01' as s, 7 as l, given as d"
    assert dict(project.vars) == {"start": "2024-01-01", "limit": 7, "missing_ok": "given"}


def test_missing_var_names_the_var_and_the_file(load: Load) -> None:
    with pytest.raises(ProjectError) as info:
        load({**BASE, "models/sub/x.ff.sql": "select 1\nwhere d > '{{ var('start_date') }}'\n"})
    err = info.value
    assert err.message == "x.ff: var('start_date') is not defined"
    assert err.file == "models/sub/x.ff.sql"
    assert err.node == "x.ff"
    assert "at models/sub/x.ff.sql" in str(err)
    assert "add 'start_date' under vars: in project.yml" in err.hint


# -- Python models ------------------------------------------------------------------------------

PY_MODELS = {
    **BASE,
    "models/a.ff.py": """\
        from fastflowtransform import model

        @model(name="via_fastflowtransform", deps=["users.ff"])
        def a(df):
            return df
        """,
    "models/b.ff.py": """\
        from pytest_fft import model, engine_model

        @model(deps=["users"], tags="t")
        def via_pytest_fft(df):
            return df

        @engine_model(only="postgres", name="pg_only", deps=["users.ff"])
        def pg(df):
            return df

        @engine_model(only=["duckdb", "postgres"], name="both", deps=["users.ff"])
        def both(df):
            return df

        def plain_helper():
            return 1
        """,
    "models/c.ff.py": "from fastflowtransform.decorators import model\n\n"
                      "@model()\ndef via_submodule():\n    return None\n",
}


def test_python_models_from_both_import_styles(load: Load) -> None:
    project = load(PY_MODELS)
    assert sorted(n for n, m in project.models.items() if m.kind == "python") == [
        "both", "via_fastflowtransform", "via_pytest_fft", "via_submodule"]
    model = project.models["via_pytest_fft"]
    assert (model.rel_path, model.relation, model.deps, model.tags, model.line) == (
        "models/b.ff.py", "via_pytest_fft", ("users.ff",), ("t",), 3)
    assert model.func is not None and model.func.__name__ == "via_pytest_fft"
    assert project.models["via_submodule"].deps == ()


def test_engine_model_exists_only_for_its_engines(load: Load) -> None:
    assert "pg_only" not in load(PY_MODELS).models
    project = load(PY_MODELS, engine="postgres")
    assert project.engine == "postgres"
    assert {"pg_only", "both"} <= set(project.models)


def test_python_model_named_with_ff_suffix(load: Load) -> None:
    project = load({"models/p.ff.py": "from pytest_fft import model\n"
                                      "@model(name='people.ff')\ndef f():\n    return None\n"})
    assert project.models["people.ff"].relation == "people"


# -- materialization, config, warnings ---------------------------------------------------------


def test_config_materialized_and_tags(load: Load) -> None:
    project = load({**BASE, "models/x.ff.sql": """\
        {{ config(materialized='view', tags=['a', 'b'], meta={'owner': 'bi'}) }}
        select 1 as one
        """})
    model = project.models["x.ff"]
    assert (model.materialized, model.tags, dict(model.meta)) == ("view", ("a", "b"),
                                                                  {"owner": "bi"})
    assert dict(model.config) == {"materialized": "view", "tags": ["a", "b"],
                                  "meta": {"owner": "bi"}}
    assert model.sql == "select 1 as one"


def test_config_tags_as_a_string(load: Load) -> None:
    project = load({"models/x.ff.sql": "{{ config(tags='nightly') }}select 1"})
    assert project.models["x.ff"].tags == ("nightly",)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select 1", "table"),
        ("create or replace view x as select 1", "view"),
        ("create table x as select 1", "table"),
        ("{{ config(materialized='table') }}create or replace view x as select 1", "table"),
    ],
)
def test_materialization_from_create_or_config(load: Load, sql: str, expected: str) -> None:
    assert load({"models/x.ff.sql": sql}).models["x.ff"].materialized == expected


def test_unsupported_materialization(load: Load) -> None:
    with pytest.raises(ProjectFileError) as info:
        load({"models/x.ff.sql": "{{ config(materialized='cube') }}select 1"})
    assert info.value.message == "x.ff: materialized='cube' is not supported"
    assert info.value.file == "models/x.ff.sql"
    assert info.value.hint == ("use materialized='table', 'view', 'incremental', 'ephemeral' "
                               "or 'snapshot'")


INCREMENTAL_SOURCES = {
    "seeds/seed_events.csv": "event_id,updated_at,value\n1,2024-01-01,10\n",
    "sources.yml": "raw: {events: {identifier: seed_events}}\n",
    "models/base.ff.sql": "select * from {{ source('raw', 'events') }}",
}


@pytest.mark.parametrize(("sql", "files", "delta"), [
    # dbt: is_incremental() in the model
    (("{{ config(materialized='incremental', unique_key='event_id') }}"
     "select * from {{ ref('base.ff') }}{% if is_incremental() %} where updated_at > "
     "(select max(updated_at) from {{ this }}){% endif %}"), {},
     "select * from base where updated_at > (select max(updated_at) from x)"),
    # FastFlowTransform 0.6: the incremental dictionary, the delta from updated_at
    (("{{ config(materialized='incremental', incremental={'enabled': true, 'strategy': "
     "'merge', 'unique_key': ['event_id'], 'updated_at_column': 'updated_at'}) }}"
     "select * from {{ ref('base.ff') }}"), {},
     ('with fft_newest as (select max("updated_at") as fft_newest_0 from x)\n'
      'select fft_src.* from (\nselect * from base\n) as fft_src where (select fft_newest_0 '
      'from fft_newest) is null or fft_src."updated_at" > (select fft_newest_0 from '
      'fft_newest)')),
    # the older meta spelling with inline delta SQL (materialized says table)
    (("{{ config(materialized='table', meta={'incremental': True, 'unique_key': ['event_id'], "
     "'updated_at': 'updated_at', 'delta': {'sql': \"select * from {{ ref('base.ff') }} "
     "where value > (select max(value) from {{ this }})\"}}) }}select * from {{ ref('base.ff') }}"),
     {}, "select * from base where value > (select max(value) from x)"),
    # ... and with a delta_config file
    (("{{ config(meta={'incremental': True, 'unique_key': ['event_id'], "
     "'delta_config': 'config/incremental/x.delta.yml'}) }}select * from {{ ref('base.ff') }}"),
     {"config/incremental/x.delta.yml": "sql: |\n  select * from {{ ref('base.ff') }} "
                                        "where 1 = 1\n"},
     "select * from base where 1 = 1"),
])
def test_every_incremental_spelling_gives_a_key_and_a_delta(load: Load, sql: str,
                                                            files: dict[str, str],
                                                            delta: str) -> None:
    model = load({**INCREMENTAL_SOURCES, **files, "models/x.ff.sql": sql}).models["x.ff"]
    assert model.materialized == "incremental"
    assert model.incremental.unique_key == ("event_id",)
    assert model.incremental.strategy == "merge"
    assert model.sql.startswith("select * from base")
    assert model.delta_sql == delta
    assert model.deps == ("base.ff",)


def test_project_yml_makes_a_model_incremental(load: Load) -> None:
    project = load({**INCREMENTAL_SOURCES, "models/x.ff.sql": "select * from {{ ref('base.ff') }}",
                    "project.yml": "name: p\nmodels:\n  incremental:\n    x:\n"
                                   "      unique_key: event_id\n      strategy: append\n"})
    model = project.models["x.ff"]
    assert (model.materialized, model.incremental.strategy) == ("incremental", "append")


@pytest.mark.parametrize(("config", "partitions"), [
    ("materialized='incremental', incremental_strategy='insert_overwrite', partition_by='day'",
     ("day",)),
    (("materialized='incremental', incremental={'strategy': 'insert_overwrite', "
     "'partition_by': ['day', 'region']}"), ("day", "region")),
    ("materialized='table', partition_by={'field': 'day', 'data_type': 'date'}", ("day",)),
    ("materialized='table'", ()),
])
def test_partition_by_in_every_spelling(load: Load, config: str,
                                        partitions: tuple[str, ...]) -> None:
    model = load({"models/x.ff.sql": f"{{{{ config({config}) }}}}select 1 as id"}
                 ).models["x.ff"]
    assert model.partition_by == partitions
    if model.incremental is not None:
        assert (model.incremental.strategy, model.incremental.partition_by) == (
            "insert_overwrite", partitions)


def test_a_python_model_is_partitioned_through_its_meta(load: Load) -> None:
    project = load({"models/p.ff.py": "from pytest_fft import model\n\n\n"
                                      "@model(name='p', meta={'partition_by': ['day']})\n"
                                      "def p():\n    return None\n"})
    assert project.models["p"].partition_by == ("day",)


@pytest.mark.parametrize(("config", "message"), [
    ("materialized='incremental', incremental_strategy='merge'",
     "x.ff: the merge strategy needs a unique_key"),
    ("materialized='table', partition_by=3",
     "x.ff: partition_by must be a column name or a list of them, not 3"),
    (("materialized='incremental', incremental_strategy='insert_overwrite', "
     "partition_by={'data_type': 'date'}"),
     "x.ff: partition_by as a dictionary needs a 'field'"),
    ("materialized='incremental', incremental={'stratgy': 'merge'}",
     "x.ff: unknown key 'stratgy' in incremental; did you mean 'strategy'?"),
    ("materialized='incremental', unique_key='id', on_schema_change='explode'",
     "x.ff: on_schema_change 'explode' is not known"),
])
def test_a_wrong_incremental_config_is_an_error_of_the_model(load: Load, config: str,
                                                             message: str) -> None:
    with pytest.raises(ProjectFileError) as info:
        load({"models/x.ff.sql": f"{{{{ config({config}) }}}}select 1 as id"})
    assert info.value.message == message
    assert info.value.file == "models/x.ff.sql"


def test_unsupported_materialization_of_python_model(load: Load) -> None:
    with pytest.raises(ProjectFileError) as info:
        load({"models/p.ff.py": "from pytest_fft import model\n\n\n"
                                "@model(name='p', materialized='ephemeral')\n"
                                "def p():\n    return None\n"})
    assert info.value.message == ("p: a Python model cannot be ephemeral (only SQL can be "
                                  "inlined)")
    assert (info.value.file, info.value.line) == ("models/p.ff.py", 4)


def test_project_warnings_come_from_project_yml(load: Load) -> None:
    project = load({**BASE, "project.yml": "name: p\nflavour: x\n"})
    assert project.warnings == ("project.yml:2: unknown key 'flavour' is ignored",)


def test_not_a_project(tmp_path: Path) -> None:
    with pytest.raises(ProjectError) as info:
        load_project(tmp_path)
    assert info.value.message == (
        f"{tmp_path.resolve()} is not a FastFlowTransform project: it has no models/ folder")


# -- duplicates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "message", "file"),
    [
        pytest.param(
            {"models/a/x.ff.sql": "select 1", "models/b/x.ff.sql": "select 2"},
            "Duplicate node name 'x.ff': defined in models/a/x.ff.sql and models/b/x.ff.sql",
            "models/b/x.ff.sql", id="two-sql-files"),
        pytest.param(
            {"models/users.ff.py": "from pytest_fft import model\n"
                                   "@model(name='users')\ndef f():\n    return None\n"},
            "Nodes 'users.ff' (models/users.ff.sql) and 'users' (models/users.ff.py) "
            "both build the relation 'users'",
            "models/users.ff.py", id="sql-and-python-same-relation"),
        pytest.param(
            {"models/p.ff.py": "from pytest_fft import model\n"
                               "@model(name='m')\ndef f():\n    return None\n",
             "models/q.ff.py": "from pytest_fft import model\n"
                               "@model(name='m')\ndef g():\n    return None\n"},
            "Duplicate node name 'm': defined in models/p.ff.py:2 and models/q.ff.py:2",
            "models/q.ff.py", id="two-python-models"),
        pytest.param(
            {"models/seed_users.ff.sql": "select 1"},
            "Nodes 'seed_users' (seeds/seed_users.csv) and 'seed_users.ff' "
            "(models/seed_users.ff.sql) both build the relation 'seed_users'",
            "models/seed_users.ff.sql", id="seed-and-model"),
        pytest.param(
            {"seeds/other/seed_users.parquet": ""},
            "Duplicate node name 'seed_users': defined in seeds/other/seed_users.parquet and "
            "seeds/seed_users.csv",
            "seeds/seed_users.csv", id="two-seeds"),
        pytest.param(
            {"models/Users.ff.sql": "select 1"},
            "Nodes 'Users.ff' (models/Users.ff.sql) and 'users.ff' (models/users.ff.sql) "
            "both build the relation 'Users' (the warehouse does not tell names apart by case)",
            "models/users.ff.sql", id="relations-that-differ-in-case"),
        pytest.param(
            {"models/a/users.ff.sql": "select 1", "models/b/users.ff.sql": "select 2",
             "models/a/m.ff.sql": "select 1", "models/b/m.ff.sql": "select 2"},
            "Duplicate node name 'm.ff': defined in models/a/m.ff.sql and models/b/m.ff.sql\n"
            "Duplicate node name 'users.ff': defined in models/a/users.ff.sql, "
            "models/b/users.ff.sql and models/users.ff.sql",
            "models/b/m.ff.sql", id="every-file-of-every-duplicate"),
    ],
)
def test_duplicate_nodes_name_both_files(load: Load, files: dict, message: str,
                                         file: str) -> None:
    with pytest.raises(DuplicateNodeError) as info:
        load({**BASE, **files})
    assert info.value.message == message
    assert info.value.file == file


# -- missing dependencies -----------------------------------------------------------------------


def test_unknown_ref_with_suggestion(load: Load) -> None:
    with pytest.raises(DependencyNotFoundError) as info:
        load({
            **BASE,
            "models/staging/order_payments.ff.sql": "select 1 as amount",
            "models/marts/customer_revenue.ff.sql":
                "select sum(amount) from {{ ref('order_paymentz') }}\n",
        })
    err = info.value
    assert err.message == (
        "Dependency not found: customer_revenue.ff references 'order_paymentz' "
        "(models/marts/customer_revenue.ff.sql); did you mean 'order_payments'?"
    )
    assert err.file == "models/marts/customer_revenue.ff.sql"
    assert err.node == "customer_revenue.ff"
    assert str(err).splitlines()[0] == err.message


def test_unknown_ref_with_ff_suffix_suggests_a_node_name(load: Load) -> None:
    with pytest.raises(DependencyNotFoundError) as info:
        load({**BASE, "models/x.ff.sql": "select * from {{ ref('userz.ff') }}"})
    assert info.value.message == (
        "Dependency not found: x.ff references 'userz.ff' (models/x.ff.sql); "
        "did you mean 'users.ff'?")


def test_unknown_ref_without_suggestion(load: Load) -> None:
    with pytest.raises(DependencyNotFoundError) as info:
        load({**BASE, "models/x.ff.sql": "select * from {{ ref('zzz') }}"})
    assert info.value.message == (
        "Dependency not found: x.ff references 'zzz' (models/x.ff.sql)")
    assert info.value.hint == "ref() takes a model name (users or users.ff) or a seed name"


def test_unknown_source_with_suggestion(load: Load) -> None:
    with pytest.raises(DependencyNotFoundError) as info:
        load({**BASE, "models/x.ff.sql": "select * from {{ source('crm', 'userz') }}"})
    assert info.value.message == (
        "Dependency not found: x.ff references source('crm', 'userz') (models/x.ff.sql); "
        "did you mean source('crm', 'users')?")
    assert info.value.hint == "declare it in sources.yml"


def test_unknown_python_dep(load: Load) -> None:
    with pytest.raises(DependencyNotFoundError) as info:
        load({**BASE, "models/e.ff.py": "from pytest_fft import model\n"
                                        "@model(name='enrich', deps=['userz.ff'])\n"
                                        "def f(df):\n    return df\n"})
    assert info.value.message == (
        "Dependency not found: enrich references 'userz.ff' (models/e.ff.py); "
        "did you mean 'users.ff'?")
    assert info.value.file == "models/e.ff.py"


def test_all_missing_dependencies_are_reported_together(load: Load) -> None:
    with pytest.raises(DependencyNotFoundError) as info:
        load({
            **BASE,
            "models/a.ff.sql": "select * from {{ ref('nope') }}",
            "models/b.ff.sql": "select * from {{ source('crm', 'nothing') }}, {{ ref('users') }}",
        })
    assert info.value.message.splitlines() == [
        "Dependency not found: a.ff references 'nope' (models/a.ff.sql)",
        "Dependency not found: b.ff references source('crm', 'nothing') (models/b.ff.sql)",
    ]
    assert (info.value.file, info.value.node) == ("models/a.ff.sql", "a.ff")


# -- cycles -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(
            {"models/a.ff.sql": "select * from {{ ref('b') }}",
             "models/b.ff.sql": "select * from {{ ref('a') }}"},
            "Cycle detected among nodes: a.ff -> b.ff -> a.ff "
            "(in models/a.ff.sql, models/b.ff.sql)", id="two-sql"),
        pytest.param(
            {"models/a.ff.sql": "select * from {{ ref('b') }}",
             "models/b.ff.py": "from pytest_fft import model\n"
                               "@model(name='b', deps=['a.ff'])\ndef b(df):\n    return df\n"},
            "Cycle detected among nodes: a.ff -> b -> a.ff (in models/a.ff.sql, models/b.ff.py)",
            id="sql-and-python"),
        pytest.param(
            # b reads a, c reads b, a reads c: shown in reading order
            {"models/a.ff.sql": "select * from {{ ref('c') }}",
             "models/b.ff.sql": "select * from {{ ref('a') }}",
             "models/c.ff.sql": "select * from {{ ref('b') }}"},
            "Cycle detected among nodes: a.ff -> b.ff -> c.ff -> a.ff "
            "(in models/a.ff.sql, models/b.ff.sql, models/c.ff.sql)", id="three"),
        pytest.param(
            # a reads b, b reads c, c reads a
            {"models/a.ff.sql": "select * from {{ ref('b') }}",
             "models/b.ff.sql": "select * from {{ ref('c') }}",
             "models/c.ff.sql": "select * from {{ ref('a') }}"},
            "Cycle detected among nodes: a.ff -> c.ff -> b.ff -> a.ff "
            "(in models/a.ff.sql, models/c.ff.sql, models/b.ff.sql)", id="three-reversed"),
        pytest.param(
            {"models/a.ff.sql": "select * from {{ ref('a') }}"},
            "Cycle detected among nodes: a.ff -> a.ff (in models/a.ff.sql)", id="self"),
        pytest.param(
            # the cycle is reported, not the innocent model downstream of it
            {"models/a_down.ff.sql": "select * from {{ ref('x') }}",
             "models/x.ff.sql": "select * from {{ ref('y') }}, {{ ref('users') }}",
             "models/y.ff.sql": "select * from {{ ref('x') }}"},
            "Cycle detected among nodes: x.ff -> y.ff -> x.ff "
            "(in models/x.ff.sql, models/y.ff.sql)", id="downstream-of-cycle"),
    ],
)
def test_cycles(load: Load, files: dict, message: str) -> None:
    with pytest.raises(ModelCycleError) as info:
        load({**BASE, **files})
    assert info.value.message == message
    assert info.value.node == message.split(": ")[1].split(" -> ")[0]


# -- Python modules that fail to import -------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "message", "file", "line"),
    [
        pytest.param(
            {"models/bad.ff.py": "import os\n\n\nraise RuntimeError('boom')\n"},
            "models/bad.ff.py: importing the module raised RuntimeError: boom",
            "models/bad.ff.py", 4, id="raises"),
        pytest.param(
            {"models/sub/bad.ff.py": "def helper():\n    return 1 / 0\n\n\nhelper()\n"},
            "models/sub/bad.ff.py: importing the module raised ZeroDivisionError: "
            "division by zero",
            "models/sub/bad.ff.py", 2, id="raises-in-function"),
        pytest.param(
            {"models/bad.ff.py": "import pandas\ndef broken(:\n    pass\n"},
            "models/bad.ff.py: syntax error: invalid syntax", "models/bad.ff.py", 2,
            id="syntax-error"),
        pytest.param(
            {"models/bad.ff.py": "import not_a_module_anywhere_xyz\n"},
            "models/bad.ff.py: importing the module raised ModuleNotFoundError: "
            "No module named 'not_a_module_anywhere_xyz'",
            "models/bad.ff.py", 1, id="import-error"),
        pytest.param(
            {"models/macros_py/m.py": "x = 1\nraise ValueError('bad macro')\n"},
            "models/macros_py/m.py: importing the module raised ValueError: bad macro",
            "models/macros_py/m.py", 2, id="python-macro-module"),
    ],
)
def test_module_load_errors(load: Load, files: dict, message: str, file: str,
                            line: int) -> None:
    with pytest.raises(ModuleLoadError) as info:
        load({**BASE, **files})
    assert info.value.message == message
    assert (info.value.file, info.value.line) == (file, line)
    assert f"at {file}:{line}" in str(info.value)


# -- helpers ----------------------------------------------------------------------------------


def test_is_project_dir_and_find_project_root(project_dir) -> None:
    root = project_dir({**BASE})
    assert is_project_dir(root)
    assert not is_project_dir(root / "models")
    assert find_project_root(root / "models" / "users.ff.sql") == root
    assert find_project_root(root / "models") == root
    bare = root.parent / "bare"
    (bare / "models").mkdir(parents=True)
    assert not is_project_dir(bare)  # models/ alone is not enough
    assert find_project_root(bare) is None




# -- files that are not UTF-8 -------------------------------------------------------------------

@pytest.mark.parametrize("rel, content, line", [
    ("models/lat.ff.sql", b"select 1 as id,\n  'caf\xe9' as word\n", 2),
    ("models/lat.ff.py", b"# caf\xe9\nfrom pytest_fft import model\n", 1),
    ("models/macros/m.sql", b"{% macro m() %}'\xe9'{% endmacro %}\n", 1),
    ("project.yml", b"name: demo\nversion: 1\ndescription: caf\xe9\n", 3),
    ("sources.yml", b"crm:\n  users: {identifier: seed_\xe9}\n", 2),
])
def test_a_file_that_is_not_utf8_is_an_error_with_its_line(
        project_dir: Callable[..., Path], rel: str, content: bytes, line: int) -> None:
    root = project_dir({**BASE, rel: ""})
    (root / rel).write_bytes(content)
    with pytest.raises(ProjectFileError) as info:
        load_project(root)
    assert (info.value.file, info.value.line) == (rel, line)
    assert info.value.message == (
        f"{rel} is not UTF-8 text: byte 0xe9 on line {line} cannot be decoded")
    assert "save the file as UTF-8" in info.value.hint
def test_a_dbt_project_is_not_a_project(tmp_path) -> None:
    """Plain .sql models next to profiles.yml (dbt's layout) are not a FastFlowTransform
    project; one *.ff.sql at any depth under models/ makes the folder one."""
    (tmp_path / "models" / "staging").mkdir(parents=True)
    (tmp_path / "models" / "staging" / "stg.sql").write_text("select 1\n")
    (tmp_path / "profiles.yml").write_text("dbt_proj:\n  target: dev\n")
    assert not is_project_dir(tmp_path)
    (tmp_path / "models" / "staging" / "users.ff.sql").write_text("select 1 as id\n")
    assert is_project_dir(tmp_path)


def test_a_checks_tables_are_matched_to_nodes_as_the_warehouse_compares_names(
        make_project) -> None:
    """A check's table, qualified or in another case, depends on the node that builds it
    (DuckDB ignores the case of names); a table no node builds adds no dependency."""
    from pytest_fft.project.loader import load_project

    root = make_project({
        "models/users.ff.sql": "select 1 as id\n",
        "models/orders.ff.sql": "select 1 as id\n",
        "project.yml": "name: p\nversion: 1\ntests:\n"
                       "  - {type: not_null, table: USERS, column: id}\n"
                       "  - {type: unique, table: main.orders, column: id}\n"
                       "  - {type: not_null, table: raw_events, column: id}\n",
    })
    checks = load_project(root).checks
    assert {name: check.deps for name, check in checks.items()} == {
        "not_null[USERS.id]": ("users.ff",),
        "unique[main.orders.id]": ("orders.ff",),
        "not_null[raw_events.id]": (),
    }


def test_a_config_error_points_at_the_key_not_a_column_of_its_name(load: Load) -> None:
    with pytest.raises(ProjectFileError) as info:
        load({"models/m.ff.sql": "select 1 as meta, 2 as tags\n\n{{ config(meta = 5) }}\n"})
    assert (info.value.message, info.value.line) == (
        "m.ff: config(meta=...) must be a mapping, not 5", 3)


@pytest.mark.parametrize(("text", "message"), [
    ("", "m.ff: the model has no SQL"),
    ("-- todo\n", "m.ff: the model has no SQL once rendered"),
    ("{% if false %}select 1{% endif %}\n", "m.ff: the model has no SQL once rendered"),
])
def test_an_empty_model_is_an_error_of_the_model(load: Load, text: str, message: str) -> None:
    with pytest.raises(ProjectFileError) as info:
        load({"models/m.ff.sql": text})
    assert (info.value.message, info.value.file, info.value.line) == (
        message, "models/m.ff.sql", 1)
    assert info.value.hint == "write its SELECT, or delete the file if the model is gone"


@pytest.mark.parametrize(("config", "message", "hint"), [
    ("tags=5", "m.ff: config(tags=...) must be a name or a list of names, not 5",
     "write tags=['finance', 'daily']"),
    ("meta=5", "m.ff: config(meta=...) must be a mapping, not 5", "write meta={'owner': 'data'}"),
    ("pre_hook=[5]", ("m.ff: config(pre_hook=...) must be a statement or a list of statements, "
     "not [5]"), "write pre_hook=\"analyze {{ this }}\" (or a list of statements)"),
    ("alias=5", "m.ff: config(alias=...) must be text, not 5", "write alias='users_v2'"),
    ("enabled='no'", "m.ff: config(enabled=...) must be true or false, not 'no'",
     "write enabled=false"),
])
def test_a_config_value_of_the_wrong_type_is_an_error_of_the_model(
        load: Load, config: str, message: str, hint: str) -> None:
    with pytest.raises(ProjectFileError) as info:
        load({"models/m.ff.sql": f"select 1 as id\n{{{{ config({config}) }}}}\n"})
    assert (info.value.message, info.value.hint) == (message, hint)
    assert (info.value.file, info.value.line, info.value.node) == ("models/m.ff.sql", 2, "m.ff")


@pytest.mark.parametrize(("config", "expected"), [
    (("materialized='snapshot', snapshot={'strategy': 'timestamp'}, unique_key='id', "
     "updated_at='changed_at'"), ("timestamp", ("id",), "changed_at", ())),
    ("materialized='snapshot', primary_key=['id', 'region'], check_cols='email'",
     ("check", ("id", "region"), None, ("email",))),
    (("materialized='snapshot', unique_key='id', "
     "snapshot={'strategy': 'check', 'check_cols': ['a', 'b']}"),
     ("check", ("id",), None, ("a", "b"))),
    # Snapshots.md: "a single string or list for unique_key, check_cols, updated_at_columns"
    (("materialized='snapshot', unique_key='id', "
      "snapshot={'strategy': 'timestamp', 'updated_at_columns': ['changed_at']}"),
     ("timestamp", ("id",), "changed_at", ())),
    ("materialized='snapshot', unique_key='id', updated_at_columns='changed_at'",
     ("timestamp", ("id",), "changed_at", ())),
    ("materialized='snapshot', unique_key='id', updated_at='t', updated_at_columns=['t']",
     ("timestamp", ("id",), "t", ())),
])
def test_snapshot_spellings(load: Load, config: str, expected: tuple) -> None:
    model = load({"models/s.ff.sql": f"{{{{ config({config}) }}}}select 1 as id"}).models["s.ff"]
    spec = model.snapshot
    assert (spec.strategy, spec.unique_key, spec.updated_at, spec.check_cols) == expected
    assert model.materialized == "snapshot"


@pytest.mark.parametrize(("config", "message"), [
    ("materialized='snapshot', updated_at='u'", "s.ff: a snapshot needs a unique_key"),
    ("materialized='snapshot', unique_key='id'", "s.ff: a snapshot needs a strategy"),
    ("materialized='snapshot', unique_key='id', snapshot={'strategy': 'timestamp'}",
     "s.ff: the timestamp strategy needs updated_at"),
    ("materialized='snapshot', unique_key='id', snapshot={'strategy': 'check'}",
     "s.ff: the check strategy needs check_cols"),
    ("materialized='snapshot', unique_key='id', snapshot={'stratgy': 'check'}",
     "s.ff: unknown key 'stratgy' in snapshot=; did you mean 'strategy'?"),
    ("materialized='snapshot', unique_key='id', primary_key='key', updated_at='u'",
     "s.ff: unique_key='id' and primary_key='key' disagree"),
    ("materialized='snapshot', unique_key='id', updated_at_columns=['a', 'b']",
     ("s.ff: updated_at must be one column name, not ['a', 'b'] (a snapshot compares one "
      "timestamp per row)")),
])
def test_a_wrong_snapshot_config_is_an_error_of_the_model(load: Load, config: str,
                                                          message: str) -> None:
    with pytest.raises(ProjectFileError) as info:
        load({"models/s.ff.sql": f"{{{{ config({config}) }}}}select 1 as id"})
    assert info.value.message == message
    assert info.value.file == "models/s.ff.sql"


def test_sources_render_with_the_overrides_of_the_engine(load: Load) -> None:
    files = {**BASE, "sources.yml": "version: 2\nsources:\n  - name: crm\n    schema: raw\n"
                                    "    overrides: {postgres: {schema: pg_raw}}\n    tables:\n"
                                    "      - {name: users, identifier: seed_users}\n"}
    assert load(files).models["users.ff"].sql == "select id, email from raw.seed_users"
    assert load(files, engine="postgres").models["users.ff"].sql == (
        "select id, email from pg_raw.seed_users")

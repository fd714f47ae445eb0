"""Loading FastFlowTransform 0.6 checks: custom types from tests/, schema files under models/,
``relationships`` to ``ref('...')``; every mistake an error naming file, line and fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_fft.errors import DependencyNotFoundError, ProjectFileError
from pytest_fft.project.loader import load_project

BASE = {
    "seeds/seed_users.csv": "id,email\n1,a@x.org\n",
    "models/users.ff.sql": "select id, email from {{ ref('seed_users') }}\n",
    "models/orders.ff.sql": "select 1 as order_id, 1 as user_id, 2.5 as amount\n",
    "tests/dq/no_nulls.ff.sql": """\
        {{ config(type="no_nulls_where", params=["where", "limit"]) }}
        select count(*) from {{ table }} where {{ column }} is null
        {%- if where %} and ({{ where }}){%- endif %}
        """,
    "tests/dq/share.ff.py": """\
        from fastflowtransform.decorators import dq_test


        @dq_test("positive_share")
        def positive_share(con, table, column, params):
            return True, None, None
        """,
}


@pytest.fixture
def load(make_project: Callable[..., Path]) -> Callable[..., object]:
    def _load(files: dict[str, str], engine: str = "duckdb") -> object:
        return load_project(make_project({**BASE, **files}, name="dq"), engine=engine)

    return _load


def test_custom_sql_check_is_rendered_for_the_engine(load) -> None:
    project = load({"project.yml": """\
        name: dq
        tests:
          - {type: no_nulls_where, table: users, column: email, where: "id > 0", tags: [a]}
          - type: no_nulls_where
            table: users
            column: email
            params: {limit: 5}
        """}, engine="postgres")
    first = project.checks["no_nulls_where[users.email]"]
    assert first.deps == ("users.ff",)
    assert first.tags == ("a",)
    assert first.spec.params["sql"] == (
        'select count(*) from "users" where "email" is null and (id > 0)')
    second = project.checks["no_nulls_where[users.email]#2"]
    assert second.spec.params["params"] == {"limit": 5}
    assert second.spec.params["sql"] == 'select count(*) from "users" where "email" is null'


def test_python_check_is_found_without_importing_its_file(load) -> None:
    project = load({"project.yml": """\
        name: dq
        tests:
          - {type: positive_share, table: orders, column: amount, params: {min: 0.5}}
        """})
    check = project.checks["positive_share[orders.amount]"]
    assert check.spec.custom.rel_path == "tests/dq/share.ff.py"
    assert check.spec.custom.func_name == "positive_share"
    assert check.spec.params["params"] == {"min": 0.5}
    assert check.deps == ("orders.ff",)


@pytest.mark.parametrize(("files", "file", "line", "message", "hint"), [
    pytest.param(
        {"project.yml": "name: dq\ntests:\n  - type: no_nulls_where\n    table: users\n"
                        "    column: email\n    params: {limt: 5}\n"},
        "project.yml", 6,
        "project.yml: unknown parameter 'limt' under params of no_nulls_where check on users; "
        "did you mean 'limit'?",
        "no_nulls_where (tests/dq/no_nulls.ff.sql:1) declares the params: where, limit",
        id="unknown-param"),
    pytest.param(
        {"project.yml": "name: dq\ntests:\n  - {type: no_nulls_where, table: users, "
                        "column: email, colour: red}\n"},
        "project.yml", 3,
        "project.yml: unknown parameter 'colour' in no_nulls_where check on users",
        "no_nulls_where (tests/dq/no_nulls.ff.sql:1) declares the params: where, limit; every "
        "check takes: table, column, name, tags, where, severity, params",
        id="unknown-top-level-key"),
    pytest.param(
        {"project.yml": "name: dq\ntests:\n  - {type: positive_share, table: orders, "
                        "column: amount, min: 1}\n"},
        "project.yml", 3,
        "project.yml: unknown parameter 'min' in positive_share check on orders",
        "write the options of positive_share under params: {min: ...}",
        id="python-option-outside-params"),
    pytest.param(
        {"project.yml": "name: dq\ntests:\n  - {type: no_nul_where, table: users}\n"},
        "project.yml", 3,
        "project.yml: unknown check type 'no_nul_where'; did you mean 'no_nulls_where'?",
        "supported types: not_null, unique, greater_equal, non_negative_sum, "
        "row_count_between, freshness, accepted_values, relationships, between, regex_match, "
        "reconcile_equal, reconcile_ratio_within, reconcile_diff_within, reconcile_coverage, "
        "no_nulls_where, positive_share",
        id="unknown-type"),
    pytest.param(
        {"tests/dq/twice.ff.sql": "{{ config(type='positive_share') }}\nselect 0\n"},
        "tests/dq/twice.ff.sql", 1,
        "tests/dq/twice.ff.sql: declares the check type 'positive_share', which "
        "tests/dq/share.ff.py:5 declares too", "rename one of the two", id="declared-twice"),
    pytest.param(
        {"tests/dq/unique.ff.sql": "-- unique\n{{ config(type='unique') }}\nselect 0\n"},
        "tests/dq/unique.ff.sql", 2,
        "tests/dq/unique.ff.sql: declares the check type 'unique', which is built in",
        "give the custom check another name than 'unique'", id="built-in-name"),
    pytest.param(
        {"tests/dq/bare.ff.sql": "select 0\n"},
        "tests/dq/bare.ff.sql", 1,
        "tests/dq/bare.ff.sql: a custom SQL check needs a config(type=...) header",
        'start the file with {{ config(type="no_future_orders", params=["where"]) }}',
        id="no-config"),
    pytest.param(
        {"tests/dq/nowhere.ff.sql": "{{ config(type='nowhere') }}\nselect count(*) from "
                                    "{{ table }}\n",
         "project.yml": "name: dq\ntests:\n  - {type: nowhere, table: users, where: 'id > 1'}\n"},
        "project.yml", 3,
        "check 'nowhere[users]': where: is given, but tests/dq/nowhere.ff.sql does not use "
        "{{ where }}",
        "add {%- if where %} and ({{ where }}){%- endif %} to tests/dq/nowhere.ff.sql, or "
        "remove where:", id="where-not-used"),
    pytest.param(
        {"tests/dq/typo.ff.sql": "{{ config(type='typo') }}\nselect count(*) from "
                                 "{{ tabel }}\n",
         "project.yml": "name: dq\ntests:\n  - {type: typo, table: users}\n"},
        "tests/dq/typo.ff.sql", 1,
        "tests/dq/typo.ff.sql: rendering it for check 'typo[users]' failed: 'tabel' is "
        "undefined",
        "the template knows: column, params, table, where; declare others in "
        "config(params=[...])", id="undefined-variable"),
    pytest.param(
        {"models/schema.yml": "version: 2\nmodels:\n  - name: userz\n    columns:\n"
                              "      - {name: id, tests: [not_null]}\n"},
        "models/schema.yml", 3,
        "models/schema.yml: models: names 'userz', which is no model or seed of this "
        "project; did you mean 'users'?",
        "name a model by its node name or relation (users or users.ff)", id="schema-model"),
    pytest.param(
        {"models/schema.yml": "version: 2\nmodels:\n  - name: users\n    columns:\n"
                              "      - name: id\n        tests:\n"
                              "          - unique: {severity: sometimes}\n"},
        "models/schema.yml", 7,
        "models/schema.yml: 'severity' of unique check on users must be 'error' or 'warn', "
        "got 'sometimes'", "severity: warn reports a failure without failing the run",
        id="schema-severity"),
])
def test_mistakes_name_file_line_and_fix(load, files: dict[str, str], file: str, line: int,
                                         message: str, hint: str) -> None:
    with pytest.raises(ProjectFileError) as info:
        load(files)
    err = info.value
    assert (err.message, err.file, err.line, err.hint) == (message, file, line, hint)


def test_relationships_to_ref_depends_on_the_model(load) -> None:
    project = load({"project.yml": """\
        name: dq
        tests:
          - {type: relationships, table: orders, column: user_id, to: "ref('users.ff')",
             to_field: id}
          - {type: relationships, table: orders, column: user_id, to: 'ref("users")'}
          - {type: relationships, table: orders, column: user_id, to: users, field: id,
             to_where: "id > 0"}
        """})
    checks = list(project.checks.values())
    assert [c.name for c in checks] == [
        "relationships[orders.user_id]", "relationships[orders.user_id]#2",
        "relationships[orders.user_id]#3"]
    for check in checks:
        assert check.spec.tables == ("orders", "users")
        assert check.deps == ("orders.ff", "users.ff")
        assert check.spec.scope == "orders.user_id → users.id"
    assert checks[0].spec.params == {"to": "users", "field": "id"}
    assert checks[2].spec.params == {"to": "users", "field": "id", "to_where": "id > 0"}


def test_relationships_to_an_unknown_ref_is_a_dependency_error(load) -> None:
    with pytest.raises(DependencyNotFoundError) as info:
        load({"project.yml": "name: dq\ntests:\n  - {type: relationships, table: orders, "
                             "column: user_id, to: \"ref('user')\"}\n"})
    err = info.value
    assert err.message == ("Dependency not found: check 'relationships[orders.user_id]' "
                           "references ref('user'); did you mean ref('users')?")
    assert (err.file, err.line) == ("project.yml", 3)


def test_schema_file_tests_become_checks(load) -> None:
    project = load({
        "project.yml": "name: dq\ntests:\n  - {type: not_null, table: users, column: id}\n",
        "models/marts/schema.yml": """\
            version: 2
            models:
              - name: users.ff
                description: "Users."
                tests: [{row_count_between: {min_rows: 1, tags: [nightly]}}]
                columns:
                  - name: id
                    tests:
                      - not_null: {severity: ERROR}
                      - unique
                  - name: email
                    tests:
                      - accepted_values: {values: [a@x.org], config: {severity: warn}}
                      - no_nulls_where: {where: "id > 0"}
              - name: orders
                columns:
                  - name: user_id
                    tests:
                      - relationships: {to: "ref('users')", field: user_id}
            """,
        "models/delta.yml": "sql: select 1\n",  # not a schema file
    })
    got = {name: (c.rel_path, c.line, c.spec.type, c.spec.severity, c.tags, c.deps)
           for name, c in project.checks.items()}
    schema = "models/marts/schema.yml"
    assert got == {
        "not_null[users.id]": ("project.yml", 3, "not_null", "error", (), ("users.ff",)),
        "row_count_between[users]": (schema, 5, "row_count_between", "error", ("nightly",),
                                     ("users.ff",)),
        "not_null[users.id]#2": (schema, 9, "not_null", "error", (), ("users.ff",)),
        "unique[users.id]": (schema, 10, "unique", "error", (), ("users.ff",)),
        "accepted_values[users.email]": (schema, 13, "accepted_values", "warn", (),
                                         ("users.ff",)),
        "no_nulls_where[users.email]": (schema, 14, "no_nulls_where", "error", (),
                                        ("users.ff",)),
        "relationships[orders.user_id]": (schema, 19, "relationships", "error", (),
                                          ("orders.ff", "users.ff")),
    }
    rel = project.checks["relationships[orders.user_id]"].spec
    assert (rel.column, rel.params) == ("user_id", {"to": "users", "field": "id"})
    assert project.dag.parents["relationships[orders.user_id]"] == ("orders.ff", "users.ff")

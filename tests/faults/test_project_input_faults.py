"""Bad project files get an error that names file, line, node and fix, before anything runs."""

from __future__ import annotations

import pytest

from pytest_fft import load_project
from pytest_fft.errors import DependencyNotFoundError, DuplicateNodeError, ProjectFileError

SOURCES = "crm:\n  users:\n    identifier: [seed_users, other]\n"


def test_a_source_identifier_must_be_one_name(make_project) -> None:
    root = make_project({"sources.yml": SOURCES,
                         "models/u.ff.sql": "select * from {{ source('crm', 'users') }}\n"})
    with pytest.raises(ProjectFileError) as err:
        load_project(root)
    assert err.value.message == ("sources.yml: identifier of source crm.users must be one "
                                 "name, got ['seed_users', 'other']")
    assert (err.value.file, err.value.line) == ("sources.yml", 3)


def test_a_list_form_source_schema_must_be_one_name(make_project) -> None:
    root = make_project({
        "sources.yml": "version: 2\nsources:\n  - name: crm\n    schema: {a: 1}\n"
                       "    tables: [users]\n",
        "models/u.ff.sql": "select 1 as x\n"})
    with pytest.raises(ProjectFileError) as err:
        load_project(root)
    assert "schema of source crm must be one name" in err.value.message
    assert err.value.line == 4


def test_a_misspelt_config_key_gets_a_did_you_mean(make_project) -> None:
    root = make_project({"models/u.ff.sql": "-- a model\n{{ config(materialised='view') }}\n"
                                            "select 1 as x\n"})
    with pytest.raises(ProjectFileError) as err:
        load_project(root)
    assert err.value.message == ("u.ff: unknown config key 'materialised'; did you mean "
                                 "'materialized'?")
    assert (err.value.file, err.value.line, err.value.node) == ("models/u.ff.sql", 2, "u.ff")


def test_an_unknown_config_key_far_from_ours_is_kept(make_project) -> None:
    root = make_project({"models/u.ff.sql": "{{ config(owner='finance') }}\nselect 1 as x\n"})
    assert load_project(root).models["u.ff"].config["owner"] == "finance"


def test_duplicate_models_in_one_file_name_both_lines(make_project) -> None:
    root = make_project({"models/m.ff.py": (
        "from fastflowtransform import model\n\n\n"
        "@model(name='m')\ndef a():\n    return None\n\n\n"
        "@model(name='m')\ndef b():\n    return None\n")})
    with pytest.raises(DuplicateNodeError) as err:
        load_project(root)
    assert err.value.message == ("Duplicate node name 'm': defined in models/m.ff.py:4 and "
                                 "models/m.ff.py:9")
    assert (err.value.file, err.value.line) == ("models/m.ff.py", 9)


def test_an_unknown_ref_names_its_line(make_project) -> None:
    root = make_project({"models/a.ff.sql": "select 1 as x\n",
                         "models/b.ff.sql": "select *\nfrom {{ ref('aa.ff') }}\n"})
    with pytest.raises(DependencyNotFoundError) as err:
        load_project(root)
    assert (err.value.file, err.value.line) == ("models/b.ff.sql", 2)
    assert "did you mean 'a.ff'?" in err.value.message


def test_an_unknown_dep_of_a_python_model_names_its_line(make_project) -> None:
    root = make_project({"models/a.ff.sql": "select 1 as x\n", "models/p.ff.py": (
        "from fastflowtransform import model\n\n\n"
        "@model(\n    name='p',\n    deps=['a.ff', 'nope.ff'],\n)\ndef p(frames):\n"
        "    return frames\n")})
    with pytest.raises(DependencyNotFoundError) as err:
        load_project(root)
    assert (err.value.file, err.value.line) == ("models/p.ff.py", 6)


def test_a_rebuild_glob_that_matches_nothing_is_said(simple_project, run_fft) -> None:
    assert run_fft("seed", str(simple_project)).returncode == 0
    result = run_fft("run", str(simple_project), "--env", "dev", "--rebuild", "[")
    assert result.returncode == 0, result.output
    assert ("warning --rebuild '[' matches no seed or model of simple_duckdb; it rebuilds "
            "nothing") in result.stderr


def test_control_characters_in_names_do_not_reach_the_terminal(simple_project, run_fft) -> None:
    (simple_project / "project.yml").write_text('name: "evil\\x1b[31mRED"\nversion: 1\n')
    result = run_fft("seed", str(simple_project))
    assert result.returncode == 0, result.output
    assert "seed evil\\x1b[31mRED · env dev" in result.stdout
    assert "\x1b" not in result.output

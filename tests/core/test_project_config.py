"""project.yml: name, version, vars; unknown keys are warnings; bad YAML points at the line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_fft.errors import ProjectFileError
from pytest_fft.project.config import load_project_config


def read(tmp_path: Path, text: str):
    path = tmp_path / "project.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_project_config(path, "folder_name")


def test_full_config(tmp_path: Path) -> None:
    config = read(tmp_path, """\
        name: shop
        version: "0.1"
        vars:
          start_date: '2024-01-01'
          limit: 10
        tests:
          - {type: not_null, table: users, column: email}
        docs:
          models: {users.ff: {description: people}}
        """)
    assert config.name == "shop"
    assert config.version == "0.1"
    assert config.vars == {"start_date": "2024-01-01", "limit": 10}
    assert list(config.tests) == [{"type": "not_null", "table": "users", "column": "email"}]
    assert config.docs == {"models": {"users.ff": {"description": "people"}}}
    assert config.warnings == ()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [('"0.1"', "0.1"), ("'1.10'", "1.10"), ("0.1", "0.1"), ("2", "2"), ("1.5", "1.5"),
     ("v1", "v1")],
)
def test_version_is_always_a_string(tmp_path: Path, raw: str, expected: str) -> None:
    config = read(tmp_path, f"name: p\nversion: {raw}\n")
    assert config.version == expected
    assert isinstance(config.version, str)


def test_missing_file_uses_the_folder_name(tmp_path: Path) -> None:
    config = load_project_config(tmp_path / "project.yml", "folder_name")
    assert (config.name, config.version, dict(config.vars), config.warnings) == (
        "folder_name", "0", {}, ())


@pytest.mark.parametrize("text", ["", "# nothing\n"])
def test_empty_file_uses_the_folder_name(tmp_path: Path, text: str) -> None:
    config = read(tmp_path, text)
    assert (config.name, config.version) == ("folder_name", "0")


def test_no_name_key_uses_the_folder_name(tmp_path: Path) -> None:
    assert read(tmp_path, "version: 1\n").name == "folder_name"


def test_unknown_keys_are_warnings_not_errors(tmp_path: Path) -> None:
    config = read(tmp_path, """\
        name: shop
        version: 1
        colour: blue
        vars: {a: 1}
        retries: 3
        """)
    assert config.name == "shop"
    assert config.vars == {"a": 1}
    assert config.warnings == (
        "project.yml:3: unknown key 'colour' is ignored",
        "project.yml:5: unknown key 'retries' is ignored",
    )


@pytest.mark.parametrize("value", ["models", "./models", "models/"])
def test_models_dir_naming_the_models_folder_is_known(tmp_path: Path, value: str) -> None:
    assert read(tmp_path, f"name: shop\nmodels_dir: {value}\n").warnings == ()


def test_another_models_dir_is_an_error_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError) as info:
        read(tmp_path, "name: shop\nmodels_dir: transformations\n")
    assert info.value.message == ("project.yml: models_dir 'transformations' is not supported: "
                                  "pytest-fft reads models from models/")
    assert info.value.line == 2
    assert "move the model files to models/" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        pytest.param("name: x\n  bad: 1\n",
                     "project.yml is not valid YAML: mapping values are not allowed here", 2,
                     id="indentation"),
        pytest.param("name: x\nversion: 1\nvars: [\n",
                     "project.yml is not valid YAML: expected the node content, but found "
                     "'<stream end>'", 4, id="unclosed-list"),
        pytest.param("name: x\ndocs: 5\n", "project.yml: 'docs' must be a mapping", 2,
                     id="docs-not-a-mapping"),
        pytest.param("name: x\nvars: [1, 2]\n", "project.yml: 'vars' must be a mapping", 2,
                     id="vars-list"),
        pytest.param("name: x\nversion: 1\ntests: {a: 1}\n",
                     "project.yml: 'tests' must be a list of checks", 3, id="tests-mapping"),
        pytest.param("- a\n- b\n", "project.yml must be a mapping", 1, id="top-level-list"),
    ],
)
def test_bad_files(tmp_path: Path, text: str, message: str, line: int) -> None:
    with pytest.raises(ProjectFileError) as info:
        read(tmp_path, text)
    assert info.value.message == message
    assert info.value.file == "project.yml"
    assert info.value.line == line
    assert f"at project.yml:{line}" in str(info.value)


@pytest.mark.parametrize(("text", "key", "line", "kind"), [
    ("name: [1]\n", "name", 1, "a list"),
    ("name: p\nversion: {a: 1}\n", "version", 2, "a mapping"),
    ("name: p\nversion: true\n", "version", 2, "true/false"),
])
def test_a_name_or_version_that_is_no_scalar_is_an_error(
        tmp_path: Path, text: str, key: str, line: int, kind: str) -> None:
    with pytest.raises(ProjectFileError) as info:
        read(tmp_path, text)
    assert info.value.message == (
        f"project.yml: {key!r} must be a string or a number, not {kind}")
    assert (info.value.file, info.value.line) == ("project.yml", line)

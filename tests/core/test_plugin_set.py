"""Which pytest plugins an fft command loads: autoloading off unless the user asked pytest
for something (arguments after ``--``, PYTEST_ADDOPTS, a configuration file with addopts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_fft.cli.plugin_set import FFT_PLUGIN, XDIST_PLUGIN, config_of, plugin_args

LEAN = ["--disable-plugin-autoload", "-p", FFT_PLUGIN, "--assert=plain"]


@pytest.fixture(autouse=True)
def _no_pytest_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    monkeypatch.delenv("PYTEST_PLUGINS", raising=False)


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "repo" / "shop"
    project.mkdir(parents=True)
    return project


def test_a_project_without_pytest_configuration_loads_only_fft(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert plugin_args(project, [], xdist=False) == LEAN
    assert plugin_args(project, [], xdist=True) == [*LEAN, "-p", XDIST_PLUGIN]


def test_arguments_for_pytest_keep_its_plugins(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path)
    assert plugin_args(project, ["--reruns", "2"], xdist=False) == []
    monkeypatch.setenv("PYTEST_ADDOPTS", "--timeout 5")
    assert plugin_args(project, [], xdist=False) == []
    monkeypatch.delenv("PYTEST_ADDOPTS")
    monkeypatch.setenv("PYTEST_PLUGINS", "my_plugin")
    assert plugin_args(project, [], xdist=False) == []


@pytest.mark.parametrize(("name", "text"), [
    ("pytest.toml", '[pytest]\naddopts = ["--timeout", "5"]\n'),
    (".pytest.toml", '[pytest]\nrequired_plugins = ["pytest-timeout"]\n'),
    ("pytest.ini", "[pytest]\naddopts = --timeout 5\n"),
    (".pytest.ini", "[pytest]\nrequired_plugins = pytest-timeout\n"),
    ("pyproject.toml", '[tool.pytest.ini_options]\naddopts = "--timeout 5"\n'),
    ("pyproject.toml", '[tool.pytest]\naddopts = ["--timeout", "5"]\n'),
    ("tox.ini", "[tox]\nenvlist = py311\n[pytest]\naddopts = --timeout 5\n"),
    ("setup.cfg", "[metadata]\nname = x\n[tool:pytest]\naddopts = --timeout 5\n"),
])
def test_a_configuration_file_with_addopts_keeps_pytests_plugins(tmp_path: Path, name: str,
                                                                 text: str) -> None:
    project = _project(tmp_path)
    (project.parent / name).write_text(text, encoding="utf-8")  # the repository's, above
    assert plugin_args(project, [], xdist=False) == []
    assert "addopts" in (config_of(project) or {}) or \
        "required_plugins" in (config_of(project) or {})


def test_settings_without_addopts_need_no_plugin(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project.parent / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    assert config_of(project) == {"testpaths": "tests"}
    assert plugin_args(project, [], xdist=False) == LEAN


def test_the_nearest_matching_file_wins_as_in_pytest(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --timeout 5\n")
    # Files without a pytest section do not match: the search goes on upwards.
    (project / "pyproject.toml").write_text('[project]\nname = "shop"\n')
    (project / "tox.ini").write_text("[tox]\nenvlist = py311\n")
    (project / "setup.cfg").write_text("[metadata]\nname = shop\n")
    assert plugin_args(project, [], xdist=False) == []
    # An empty pytest.ini matches: the search stops there, and it asks for nothing.
    (project.parent / "pytest.ini").write_text("")
    assert config_of(project) == {}
    assert plugin_args(project, [], xdist=False) == LEAN


def test_a_file_that_does_not_parse_keeps_pytests_plugins(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "pyproject.toml").write_text("[tool.pytest.ini_options\naddopts = 1\n")
    assert plugin_args(project, [], xdist=False) == []

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


def _installed(site: Path, name: str, entry: str, requires: tuple[str, ...]) -> None:
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    needs = "".join(f"Requires-Dist: {r}\n" for r in requires)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n{needs}")
    (info / "entry_points.txt").write_text(f"[pytest11]\n{name} = {entry}\n")


def test_installed_plugins_that_build_on_pytest_fft_are_loaded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    _installed(site, "fft-notify", "fft_notify.hooks", ("pytest-fft[http]>=0.1", "requests"))
    _installed(site, "fft-audit", "fft_audit", ('Pytest_FFT ; extra == "fft"',))
    _installed(site, "pytest-unrelated", "unrelated", ("pytest>=8",))
    monkeypatch.syspath_prepend(str(site))
    args = plugin_args(_project(tmp_path), [], xdist=False)
    assert args[:len(LEAN)] == LEAN
    loaded = [args[i + 1] for i in range(len(LEAN), len(args), 2)]
    assert set(loaded) == {"fft_notify.hooks", "fft_audit"}
    assert "unrelated" not in args


def test_a_plugin_named_by_an_object_keeps_autoloading(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    _installed(site, "fft-odd", "fft_odd:plugin", ("pytest-fft",))
    monkeypatch.syspath_prepend(str(site))
    assert plugin_args(_project(tmp_path), [], xdist=False) == []

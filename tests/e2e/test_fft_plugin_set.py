"""`fft` starts pytest without the installed third-party plugins, unless the user asks
pytest for something: they have nothing to do in a build, and each costs start-up."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def installed_plugin(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A pytest plugin installed as a distribution would be (an entry point in the
    ``pytest11`` group), which leaves a mark when it is imported and defines an option."""
    site = tmp_path / "site"
    info = site / "marking_plugin-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: marking-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pytest11]\nmarking = marking_plugin\n")
    mark = tmp_path / "imported"
    (site / "marking_plugin.py").write_text(
        "from pathlib import Path\n"
        f"Path({str(mark)!r}).write_text('yes')\n"
        "def pytest_addoption(parser):\n"
        "    parser.addoption('--marking-level', default='0')\n")
    return {"PYTHONPATH": str(site)}, mark


def test_fft_leaves_installed_plugins_out(simple_project: Path, run_fft,
                                          installed_plugin: tuple[dict[str, str], Path]) -> None:
    env, mark = installed_plugin
    result = run_fft("build", str(simple_project), env=env)
    assert result.returncode == 0, result.output
    assert not mark.exists()
    verbose = run_fft("utest", str(simple_project), "--jobs", "2", "-v", env=env)
    assert verbose.returncode == 0, verbose.output
    lean = "--disable-plugin-autoload -p pytest_fft.plugin.hooks --assert=plain -p xdist.plugin"
    assert lean in verbose.stdout
    assert not mark.exists()


def test_arguments_for_pytest_load_them(simple_project: Path, run_fft,
                                        installed_plugin: tuple[dict[str, str], Path]) -> None:
    env, mark = installed_plugin
    result = run_fft("seed", str(simple_project), "--", "--marking-level", "2", env=env)
    assert result.returncode == 0, result.output
    assert mark.read_text() == "yes"


def test_addopts_of_the_repository_load_them(simple_project: Path, run_fft,
                                             installed_plugin: tuple[dict[str, str], Path]) -> None:
    env, mark = installed_plugin
    # The repository around the project passes the plugin's option to every pytest run.
    (simple_project.parent / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\naddopts = "--marking-level 3"\n')
    result = run_fft("seed", str(simple_project), env=env)
    assert result.returncode == 0, result.output
    assert mark.read_text() == "yes"

"""The pytest plugins an ``fft`` command loads.

fft owns its pytest session: it runs none of the user's own tests (``python_files=``) and
writes its own terminal output. Installed pytest plugins (coverage, asyncio, Django, ...)
have nothing to do in it, and each one costs start-up: anyio's alone imports asyncio.
So an ``fft`` command starts pytest with plugin autoloading off and names the two plugins
it can need: pytest-fft, and pytest-xdist when unit cases are spread over processes.

Autoloading stays on, exactly as under ``pytest``, when the user asks pytest for anything:
arguments after ``--``, ``PYTEST_ADDOPTS`` or ``PYTEST_PLUGINS`` in the environment, or a
pytest configuration file of the project that sets ``addopts`` or ``required_plugins``
(their options may belong to a plugin). That file is found by pytest's documented rules
(docs.pytest.org, "Finding the rootdir"): the first matching file in the project's folder
or the nearest folder above it.
"""

from __future__ import annotations

import configparser
import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

FFT_PLUGIN = "pytest_fft.plugin.hooks"
XDIST_PLUGIN = "xdist.plugin"

# Keys of a pytest configuration whose values may need a plugin that autoloading brings.
_PLUGIN_KEYS = ("addopts", "required_plugins")


def plugin_args(project: Path, pytest_args: Sequence[str], *, xdist: bool) -> list[str]:
    """The arguments that turn autoloading off and load what ``fft`` needs, or ``[]`` when
    pytest's own plugin loading must stay (see the module docstring)."""
    if pytest_args or os.environ.get("PYTEST_ADDOPTS") or os.environ.get("PYTEST_PLUGINS"):
        return []
    if asks_for_plugins(config_of(project)):
        return []
    # --assert=plain: no assertion rewriting, which only the user's own tests would need
    # (it would otherwise re-compile the plugin module on every start where no bytecode is
    # written).
    args = ["--disable-plugin-autoload", "-p", FFT_PLUGIN, "--assert=plain"]
    return [*args, "-p", XDIST_PLUGIN] if xdist else args


def config_of(folder: Path) -> Mapping[str, Any] | None:
    """The pytest settings that apply to ``folder``: those of the first configuration file
    pytest would match there or in a folder above it; ``None`` when there is none."""
    folder = folder.resolve()
    for directory in (folder, *folder.parents):
        for name, read in _CONFIG_FILES:
            path = directory / name
            if path.is_file():
                settings = read(path)
                if settings is not None:
                    return settings
    return None


def asks_for_plugins(settings: Mapping[str, Any] | None) -> bool:
    return settings is not None and any(key in settings for key in _PLUGIN_KEYS)


_UNREADABLE: Mapping[str, Any] = {"addopts": "?"}  # a file pytest may read: assume the worst


def _ini(section: str, *, always: bool) -> Any:
    def read(path: Path) -> Mapping[str, Any] | None:
        parser = configparser.RawConfigParser(strict=False, interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError, OSError):
            return _UNREADABLE
        if parser.has_section(section):
            return dict(parser.items(section))
        return {} if always else None

    return read


def _toml(*table: str, always: bool) -> Any:
    def read(path: Path) -> Mapping[str, Any] | None:
        try:
            data: Any = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
            return _UNREADABLE
        for key in table:
            data = data.get(key) if isinstance(data, dict) else None
        if isinstance(data, dict):
            return data
        return {} if always else None

    return read


def _pyproject(path: Path) -> Mapping[str, Any] | None:
    """``[tool.pytest.ini_options]``, or pytest 9's native ``[tool.pytest]`` table."""
    settings = _toml("tool", "pytest", always=False)(path)
    if settings is None or settings is _UNREADABLE:
        return settings
    options = settings.get("ini_options")
    return {**settings, **options} if isinstance(options, dict) else dict(settings)


# In pytest's order of precedence within one folder. pytest.ini and pytest.toml match even
# when they hold no pytest section; the others only with one.
_CONFIG_FILES = (
    ("pytest.toml", _toml("pytest", always=True)),
    (".pytest.toml", _toml("pytest", always=True)),
    ("pytest.ini", _ini("pytest", always=True)),
    (".pytest.ini", _ini("pytest", always=True)),
    ("pyproject.toml", _pyproject),
    ("tox.ini", _ini("pytest", always=False)),
    ("setup.cfg", _ini("tool:pytest", always=False)),
)

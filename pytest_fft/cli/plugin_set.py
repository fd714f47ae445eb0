"""The pytest plugins an ``fft`` command loads.

fft owns its pytest session: it runs none of the user's own tests (``python_files=``) and
writes its own terminal output. Installed pytest plugins (coverage, asyncio, Django, ...)
have nothing to do in it, and each one costs start-up: anyio's alone imports asyncio.
So an ``fft`` command starts pytest with plugin autoloading off and names the plugins it
can need: pytest-fft; the installed plugins that build on pytest-fft (a distribution with a
``pytest11`` entry point that requires pytest-fft: its ``pytest_fft_*`` hooks are meant for
fft's runs as much as for pytest's); and pytest-xdist when unit cases are spread over
processes.

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
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

FFT_DISTRIBUTION = "pytest-fft"
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
    try:
        extensions = fft_extensions()
    except Exception:  # metadata importlib cannot read: let pytest load as it always does
        return []
    if extensions is None:
        return []
    # --assert=plain: no assertion rewriting, which only the user's own tests would need
    # (it would otherwise re-compile the plugin module on every start where no bytecode is
    # written).
    args = ["--disable-plugin-autoload", "-p", FFT_PLUGIN, "--assert=plain"]
    for module in extensions:
        args += ["-p", module]
    return [*args, "-p", XDIST_PLUGIN] if xdist else args


def fft_extensions() -> list[str] | None:
    """The modules of the installed pytest plugins that require pytest-fft, in pytest's order
    of entry points; ``None`` when one of them names an object rather than a module (``-p``
    takes modules only: autoloading must then stay on)."""
    from importlib.metadata import entry_points

    modules = []
    for point in entry_points(group="pytest11"):
        dist = point.dist
        if dist is None or _normal_name(dist.name) == FFT_DISTRIBUTION:
            continue
        if any(_normal_name(_required_name(r)) == FFT_DISTRIBUTION for r in dist.requires or ()):
            if ":" in point.value:
                return None
            modules.append(point.value.strip())
    return modules


def _required_name(requirement: str) -> str:
    """``pytest-fft[http]>=0.1; extra == "x"`` -> ``pytest-fft``."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return match.group(1) if match else ""


def _normal_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


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

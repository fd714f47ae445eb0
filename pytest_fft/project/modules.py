"""Importing project Python files (models, macros) under private, unique module names."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import re
import sys
import types
import zlib
from pathlib import Path
from typing import Any

from pytest_fft.errors import (
    CODE_ENDS_RUN_HINT,
    ModuleLoadError,
    line_in_traceback,
    raised_by_code,
)


def _module_name(path: Path, root: Path, prefix: str) -> str:
    rel = path.relative_to(root).as_posix()
    safe = re.sub(r"\W", "_", rel)
    # The CRC of the exact paths keeps names unique where the sanitising collides (a-b, a_b).
    return f"{prefix}_{zlib.crc32(str(root).encode()):08x}_{safe}_{zlib.crc32(rel.encode()):08x}"


def import_file(path: Path, root: Path, *, prefix: str) -> types.ModuleType:
    """Execute ``path`` as a fresh module; any exception is a :class:`ModuleLoadError`."""
    install_fastflowtransform_alias()
    name = _module_name(path, root, prefix)
    rel = path.relative_to(root).as_posix()
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - only for odd file systems
        raise ModuleLoadError(f"cannot import {rel}", file=rel)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        raise ModuleLoadError(f"{rel}: syntax error: {exc.msg}", file=rel, line=exc.lineno,
                              hint="fix the Python syntax at that line") from exc
    except (Exception, SystemExit, KeyboardInterrupt) as exc:
        sys.modules.pop(name, None)
        if not raised_by_code(exc):
            raise
        raise ModuleLoadError(
            f"{rel}: importing the module raised {type(exc).__name__}: {exc}",
            file=rel, line=line_in_traceback(exc, path),
            hint=CODE_ENDS_RUN_HINT if not isinstance(exc, Exception) else
            "run `python " + rel + "` to see the full error, or set FFT_TRACE=1",
        ) from exc
    return module


#: The package that holds the alias modules: ``fastflowtransform.X`` is ``<this>.X``.
ALIAS_PACKAGE = "pytest_fft.compat.fastflowtransform"


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``fastflowtransform`` and its submodules as pytest-fft's alias modules: the
    module imported is the alias module itself (``sys.modules`` then holds it under both
    names), so there is one copy of each."""

    def find_spec(self, fullname: str, path: Any = None,
                  target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != "fastflowtransform" and not fullname.startswith("fastflowtransform."):
            return None
        provider = importlib.util.find_spec(
            ALIAS_PACKAGE + fullname.removeprefix("fastflowtransform"))
        if provider is None:
            return None  # not offered: Python's own ModuleNotFoundError names it
        return importlib.util.spec_from_loader(
            fullname, self, is_package=provider.submodule_search_locations is not None)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return importlib.import_module(ALIAS_PACKAGE + spec.name.removeprefix("fastflowtransform"))

    def exec_module(self, module: types.ModuleType) -> None:
        pass  # the alias module ran when create_module imported it


_FINDER = _AliasFinder()


def install_fastflowtransform_alias() -> None:
    """Let FastFlowTransform projects import what they import from ``fastflowtransform`` when
    FastFlowTransform is not installed: the modules of :mod:`pytest_fft.compat` (``model``,
    ``engine_model``, ``dq_test``, ``fastflowtransform.testing.base``, ``.api.http``,
    ``.stdlib``, ``.hooks.registry``, ...), found by an import hook in front of Python's own
    finders. Not offered: ``fastflowtransform.ci`` (``fft ci-check``) and the internal API of
    FastFlowTransform's Technical_Overview.md (``core.REGISTRY``, ``dag``, ``executors``)."""
    if _FINDER in sys.meta_path or "fastflowtransform" in sys.modules:
        return
    if importlib.util.find_spec("fastflowtransform") is not None:
        return  # FastFlowTransform itself is installed: its own modules are imported
    sys.meta_path.insert(0, _FINDER)

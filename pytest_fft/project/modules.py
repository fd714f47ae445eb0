"""Importing project Python files (models, macros) under private, unique module names."""

from __future__ import annotations

import importlib.util
import re
import sys
import types
import zlib
from pathlib import Path

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


def install_fastflowtransform_alias() -> None:
    """Let ``from fastflowtransform import model`` work when FastFlowTransform is not installed.

    FastFlowTransform projects import their decorators from ``fastflowtransform``; when that
    package is absent we register a small alias module exposing ours.
    """
    if "fastflowtransform" in sys.modules:
        return
    if importlib.util.find_spec("fastflowtransform") is not None:
        return
    from pytest_fft import decorators
    from pytest_fft.project import names

    alias = types.ModuleType("fastflowtransform")
    alias.__doc__ = "Alias of pytest_fft's model decorators for FastFlowTransform projects."
    alias.__path__ = []  # a package, so ``fastflowtransform.decorators`` can be imported
    for attr in ("model", "engine_model"):
        setattr(alias, attr, getattr(decorators, attr))
    vars(alias)["relation_for"] = names.relation_for
    sys.modules["fastflowtransform"] = alias
    for sub in ("decorators", "core"):
        submodule = types.ModuleType(f"fastflowtransform.{sub}")
        vars(submodule).update(model=decorators.model, engine_model=decorators.engine_model,
                               relation_for=names.relation_for)
        setattr(alias, sub, submodule)
        sys.modules[f"fastflowtransform.{sub}"] = submodule

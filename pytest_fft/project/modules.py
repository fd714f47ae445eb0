"""Importing project Python files (models, macros) under private, unique module names."""

from __future__ import annotations

import importlib.util
import re
import sys
import types
import zlib
from pathlib import Path
from typing import Any, Protocol

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


#: What the alias offers, by module: the names FastFlowTransform 0.6's documentation imports.
#: ``fastflowtransform.api.http`` is :mod:`pytest_fft.api.http` itself. Not offered: the hooks
#: (``fastflowtransform.hooks``), ``fastflowtransform.ci`` (``fft ci-check``) and the internal
#: API of Technical_Overview.md (``core.REGISTRY``, ``dag.topo_sort``, ``executors``).
ALIAS_MODULES = ("fastflowtransform", "fastflowtransform.decorators", "fastflowtransform.core",
                 "fastflowtransform.testing", "fastflowtransform.testing.base",
                 "fastflowtransform.testing.registry", "fastflowtransform.api",
                 "fastflowtransform.api.http")


def install_fastflowtransform_alias() -> None:
    """Let FastFlowTransform projects import what they import from ``fastflowtransform`` when
    FastFlowTransform is not installed: ``model``/``engine_model`` (from the package,
    ``.core`` and ``.decorators``), ``dq_test`` (``.decorators``), ``.testing.base`` (the
    helpers of custom checks, :mod:`pytest_fft.checks.testing_api`), ``.testing``'s
    ``register_test``/``TESTS``/``Runner`` and ``.api.http`` (:mod:`pytest_fft.api.http`:
    ``get_json``, ``get_df``, paginators; it imports httpx and pandas only when called).
    """
    if "fastflowtransform" in sys.modules:
        return
    if importlib.util.find_spec("fastflowtransform") is not None:
        return
    from pytest_fft import decorators
    from pytest_fft.api import http
    from pytest_fft.checks import custom, testing_api
    from pytest_fft.project import names

    def module(name: str, doc: str, package: bool = False, **attrs: Any) -> types.ModuleType:
        made = types.ModuleType(name, doc)
        if package:
            made.__path__ = []  # a package, so its submodules can be imported
        vars(made).update(attrs)
        sys.modules[name] = made
        return made

    models: dict[str, Any] = {"model": decorators.model, "engine_model": decorators.engine_model,
              "relation_for": names.relation_for}
    alias = module("fastflowtransform", "Alias of pytest-fft for FastFlowTransform projects.",
                   package=True, **models)
    alias.decorators = module(  # type: ignore[attr-defined]
        "fastflowtransform.decorators", "model, engine_model and dq_test.",
        dq_test=custom.dq_test, **models)
    alias.core = module("fastflowtransform.core", "model and engine_model.",  # type: ignore[attr-defined]
                        **models)
    base = module("fastflowtransform.testing.base", testing_api.__doc__ or "",
                  **{name: getattr(testing_api, name) for name in testing_api.__all__})
    registry = module("fastflowtransform.testing.registry", "register_test and TESTS.",
                      register_test=register_test, TESTS=custom.REGISTERED, Runner=Runner,
                      base=base)
    alias.testing = module(  # type: ignore[attr-defined]
        "fastflowtransform.testing", "Custom data-quality checks.", package=True,
        base=base, registry=registry, register_test=register_test, TESTS=custom.REGISTERED,
        Runner=Runner, dq_test=custom.dq_test)
    sys.modules["fastflowtransform.api.http"] = http
    alias.api = module(  # type: ignore[attr-defined]
        "fastflowtransform.api", "Helpers of Python models: http.", package=True, http=http)


class Runner(Protocol):
    """A custom check: ``(con, table, column, params) -> (ok, message, example_sql)``."""

    def __call__(self, con: Any, table: str, column: str | None,
                 params: dict[str, Any]) -> tuple[bool, str | None, str | None]: ...


def register_test(name: str, runner: Runner, *, overwrite: bool = False) -> None:
    """FastFlowTransform's ``register_test``: keeps ``runner`` under ``name``. The loader
    finds custom checks by their ``@dq_test("name")`` decorator; write that to use one in
    ``tests:``."""
    from pytest_fft.checks.custom import REGISTERED

    if not isinstance(name, str) or not name.strip():
        raise ValueError("register_test needs the check's name")
    if not callable(runner):
        raise TypeError("register_test needs a callable runner")
    if name in REGISTERED and not overwrite:
        raise ValueError(f"check {name!r} is already registered; pass overwrite=True")
    REGISTERED[name] = runner

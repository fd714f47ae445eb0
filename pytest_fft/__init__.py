"""pytest-fft: FastFlowTransform projects as pytest items, plus a plain Python API.

Everything public is listed in ``__all__``. Attributes load lazily so that ``fft --version``
and ``import pytest_fft`` stay fast (no pandas, DuckDB or pytest until needed)::

    from pathlib import Path
    from pytest_fft import DuckDBEngine, Executor, load_project

    project = load_project(Path("examples/simple_duckdb"))
    print(project.dag.levels)
    engine = DuckDBEngine(str(project.root / ".local" / "demo.duckdb"))
    results = Executor(project, engine, project.dag.order, jobs=4).run()
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from pytest_fft._version import __version__
from pytest_fft.decorators import engine_model, model
from pytest_fft.project.names import relation_for

if TYPE_CHECKING:  # pragma: no cover
    from pytest_fft.engines import create_engine
    from pytest_fft.engines.duckdb import DuckDBEngine
    from pytest_fft.errors import (
        DependencyNotFoundError,
        FastFlowTransformError,
        FFTError,
        ModelCycleError,
        ModelError,
        ModuleLoadError,
        ProfileError,
        ProjectError,
        RequiredColumnsError,
    )
    from pytest_fft.project.dag import Dag, topo_sort
    from pytest_fft.project.loader import load_project
    from pytest_fft.project.profiles import resolve_profile
    from pytest_fft.project.records import Model, Project, Seed
    from pytest_fft.project.validation import validate_required_columns
    from pytest_fft.run.executor import Executor, NodeResult

__all__ = [
    "__version__",
    "model",
    "engine_model",
    "relation_for",
    "load_project",
    "Project",
    "Model",
    "Seed",
    "Dag",
    "topo_sort",
    "Executor",
    "NodeResult",
    "DuckDBEngine",
    "create_engine",
    "resolve_profile",
    "validate_required_columns",
    "FFTError",
    "FastFlowTransformError",
    "ProjectError",
    "DependencyNotFoundError",
    "ModelCycleError",
    "ModuleLoadError",
    "ModelError",
    "ProfileError",
    "RequiredColumnsError",
]

_LAZY = {
    "load_project": "project.loader",
    "Project": "project.records",
    "Model": "project.records",
    "Seed": "project.records",
    "Dag": "project.dag",
    "topo_sort": "project.dag",
    "Executor": "run.executor",
    "NodeResult": "run.executor",
    "DuckDBEngine": "engines.duckdb",
    "create_engine": "engines",
    "resolve_profile": "project.profiles",
    "validate_required_columns": "project.validation",
    "FFTError": "errors",
    "FastFlowTransformError": "errors",
    "ProjectError": "errors",
    "DependencyNotFoundError": "errors",
    "ModelCycleError": "errors",
    "ModuleLoadError": "errors",
    "ModelError": "errors",
    "ProfileError": "errors",
    "RequiredColumnsError": "errors",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_fft' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

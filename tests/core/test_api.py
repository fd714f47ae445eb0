"""The public API of ``pytest_fft`` is pinned: additions and removals are deliberate."""

from __future__ import annotations

import pytest_fft

EXPECTED_ALL = [
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


def test_all_is_pinned() -> None:
    assert pytest_fft.__all__ == EXPECTED_ALL


def test_every_public_name_resolves() -> None:
    for name in pytest_fft.__all__:
        assert getattr(pytest_fft, name) is not None, name


def test_fastflowtransform_error_is_an_alias() -> None:
    assert pytest_fft.FastFlowTransformError is pytest_fft.FFTError


def test_error_rendering_adds_location_node_and_hint() -> None:
    err = pytest_fft.ProjectError("something broke", file="models/a.ff.sql", line=3,
                                  node="a.ff", hint="do this")
    assert str(err) == (
        "something broke\n  at models/a.ff.sql:3\n  node: a.ff\n  fix: do this"
    )
    assert err.location == "models/a.ff.sql:3"


def test_error_rendering_does_not_repeat_what_the_message_says() -> None:
    err = pytest_fft.ProjectError("a.ff broke (models/a.ff.sql)", file="models/a.ff.sql",
                                  node="a.ff")
    assert str(err) == "a.ff broke (models/a.ff.sql)"

"""Fixtures for tests: the loaded project, the warehouse after the build, relations as
frames, and the private engine of a unit case.

A user's test that asks for ``fft_engine`` or ``fft_relation`` waits until the session's
build of its project is done, wherever pytest (random order, a pytest-xdist worker) runs
it. Then it reads the warehouse through a read-only connection::

    def test_one_row_per_user(fft_relation):
        users = fft_relation("mart_users")
        assert users["user_id"].is_unique
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from pytest_fft.errors import FFTError
from pytest_fft.plugin.state import STATE_KEY, FFTState

if TYPE_CHECKING:
    from pytest_fft.project.records import Project
    from pytest_fft.run.session import BuildRun


def _project_run(request: pytest.FixtureRequest) -> BuildRun:
    state: FFTState = request.config.stash[STATE_KEY]
    try:
        root = state.project_root_for(Path(request.node.path))
        return state.project_run(root)
    except FFTError as exc:
        problem = str(exc)
    _fail(problem)


def _fail(problem: str) -> NoReturn:
    """The test's failure with our one message, outside any ``except`` (pytest would show
    the exceptions it was raised while handling as well)."""
    pytest.fail(problem, pytrace=False)


@pytest.fixture
def fft_project(request: pytest.FixtureRequest) -> Project:
    """The loaded project the test belongs to (the one whose folder holds it, else the
    session's only project): models, seeds, checks, the DAG."""
    return _project_run(request).project


@pytest.fixture
def fft_engine(request: pytest.FixtureRequest) -> Any:
    """The engine of the session's env (``--fft-env``), once this session's build of the
    project is done: ``fft_engine.query("select count(*) from mart_users")``.

    Read-only where the engine has such a mode (DuckDB), so tests on several pytest-xdist
    workers and the user's own connections can read at once.
    """
    run = _project_run(request)
    try:
        return run.reader()
    except FFTError as exc:
        problem = str(exc)
    _fail(problem)


@pytest.fixture
def fft_relation(request: pytest.FixtureRequest, fft_engine: Any,
                 fft_project: Project) -> Callable[[str], Any]:
    """A function that reads a relation as a frame (pandas on DuckDB):
    ``fft_relation("mart_users")``; a node name (``"mart_users.ff"``) works too."""

    def read(name: str) -> Any:
        try:
            relation = fft_project.relation_of(name)
        except KeyError as exc:  # the test names no relation: its failure, not a traceback
            problem = exc.args[0]
        else:
            return fft_engine.read_frame(relation)
        _fail(problem)

    return read


@pytest.fixture
def fft_unit_engine(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A private, empty engine for one unit case (by default a scratch schema of an in-memory
    DuckDB, unique to the case and the process, dropped afterwards).

    Precedence of the engine: ``--fft-engine`` (``fft utest --engine``), then the spec's
    ``engine:``, then the engine of the profile when an env is chosen (``--fft-env``,
    ``FFT_ACTIVE_ENV``), then DuckDB. Override this fixture in a project's conftest.py to bring your
    own engine object (it must follow ``pytest_fft.engines.Engine``).
    """
    from pytest_fft.engines import create_unit_engine

    case = getattr(request.node, "case", None)
    run = getattr(request.node, "build_run", None)
    root = Path(run.project.root) if run is not None else Path(request.config.rootpath)
    try:
        engine_name, profile = unit_engine(request.config, root, case)
        engine = create_unit_engine(engine_name, profile)
    except FFTError as exc:
        # Handed to the case, which raises it: a failure of the case with our one-line
        # message, not a fixture-setup error with a traceback.
        yield exc
        return
    yield engine
    engine.close()


_UNIT_PROFILES = pytest.StashKey[dict[tuple[Path, str | None], Any]]()


def unit_engine(config: pytest.Config, root: Path, case: Any) -> tuple[str, Any]:
    """``(engine name, resolved profile or None)`` that the unit cases of ``case``'s project
    run on (see :func:`fft_unit_engine` for the precedence). A server engine (PostgreSQL)
    needs the profile: its cases run in private schemas on that server; DuckDB's need
    none."""
    import os

    from pytest_fft.engines.registry import DEFAULT_ENGINE, find_engine_spec

    options = config.stash[STATE_KEY].options
    chosen = options.engine or (case.engine if case is not None else None)
    if chosen is None and not (options.env or os.environ.get("FFT_ACTIVE_ENV")):
        return DEFAULT_ENGINE, None
    spec = find_engine_spec(chosen) if chosen is not None else None
    if chosen is not None and (spec is None or spec.name == DEFAULT_ENGINE
                               or spec.engine_class is None):
        return chosen, None  # embedded, not shipped, a test's own: no profile to read
    memo = config.stash.setdefault(_UNIT_PROFILES, {})
    key = (root, spec.name if spec is not None else None)
    if key not in memo:
        from pytest_fft.project.profiles import resolve_profile

        memo[key] = resolve_profile(root, options.env, engine=key[1]).profile
    profile = memo[key]
    return (profile.engine, profile) if profile.engine != DEFAULT_ENGINE else (DEFAULT_ENGINE,
                                                                                None)

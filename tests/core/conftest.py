"""Shared helpers for the pure-core tests: tiny project builders and a fake in-memory engine.

Nothing here imports pytest-fft's plugin; the fake engine
(:mod:`pytest_fft.engines.fake`) implements :class:`pytest_fft.engines.base.Engine` so the
executor and the node builders can be tested without a database.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from pytest_fft.engines.fake import FakeEngine, FakeFrame
from pytest_fft.project.config import ProjectConfig
from pytest_fft.project.dag import Dag
from pytest_fft.project.records import Model, Project, Seed

# The folders under projects/ are FastFlowTransform projects used as data, not test modules.
collect_ignore_glob = ["projects/*"]

PROJECTS = Path(__file__).parent / "projects"


def write_files(root: Path, files: Mapping[str, str]) -> Path:
    """Write ``{relative path: text}`` below ``root`` (text is dedented); returns ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def project_dir(tmp_path: Path) -> Callable[[Mapping[str, str]], Path]:
    """``project_dir({"models/a.ff.sql": "select 1"})`` -> a project folder with ``models/``."""
    count = 0

    def build(files: Mapping[str, str]) -> Path:
        nonlocal count
        count += 1
        root = tmp_path / ("proj" if count == 1 else f"proj{count}")  # a fresh folder per call
        (root / "models").mkdir(parents=True)
        return write_files(root, files)

    return build


def expected_projects() -> list[Path]:
    """Every ``projects/<name>.expected.yml``: a project and what loading/building it gives."""
    return sorted(PROJECTS.glob("*.expected.yml"))


def read_expected(path: Path) -> dict[str, Any]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["source_dir"] = (path.parent / data["project"]).resolve()
    return data


@pytest.fixture
def copy_project(tmp_path: Path) -> Callable[[Path], Path]:
    """Copy a fixture project into ``tmp_path`` so loading never writes into the source tree."""
    import shutil

    def copy(source: Path) -> Path:
        target = tmp_path / source.name
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(
            "__pycache__", ".local", ".fastflowtransform"))
        return target

    return copy


@pytest.fixture
def load(project_dir: Callable[[Mapping[str, str]], Path]) -> Callable[..., Project]:
    """``load({...files}, engine=..., vars=...)`` -> the loaded Project."""
    from pytest_fft.project.loader import load_project

    def build(files: Mapping[str, str], **kwargs: Any) -> Project:
        return load_project(project_dir(files), **kwargs)

    return build


# -- fake engine: pytest_fft.engines.fake, shared with anyone testing an executor ----------

@pytest.fixture
def fake_engine() -> type[FakeEngine]:
    return FakeEngine


@pytest.fixture
def fake_frame() -> type[FakeFrame]:
    return FakeFrame


def dag_project(root: Path, parents: Mapping[str, Iterable[str]], *,
                seeds: Iterable[str] = ()) -> Project:
    """A Project of SQL models (and seeds) wired as ``parents``, without touching the disk."""
    seed_names = set(seeds)
    models: dict[str, Model] = {}
    seed_map: dict[str, Seed] = {}
    for name, deps in parents.items():
        rel = name.removesuffix(".ff")
        if name in seed_names:
            seed_map[name] = Seed(name=name, path=root / "seeds" / f"{name}.csv",
                                  rel_path=f"seeds/{name}.csv", relation=name)
            continue
        deps = tuple(deps)
        froms = ", ".join(d.removesuffix(".ff") for d in deps) or "(select 1)"
        models[name] = Model(
            name=name, kind="sql", path=root / "models" / f"{rel}.ff.sql",
            rel_path=f"models/{rel}.ff.sql", relation=rel, deps=deps,
            sql=f"select * from {froms}",
        )
    return Project(
        root=root, config=ProjectConfig(name="fake", version="0"), engine="fake",
        models=models, seeds=seed_map, sources={}, vars={}, dag=Dag(parents),
    )


@pytest.fixture
def make_dag_project(tmp_path: Path) -> Callable[..., Project]:
    def build(parents: Mapping[str, Iterable[str]], **kwargs: Any) -> Project:
        return dag_project(tmp_path, parents, **kwargs)

    return build


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test asking for ``expected_project`` runs once per ``projects/*.expected.yml``."""
    if "expected_project" in metafunc.fixturenames:
        files = expected_projects()
        metafunc.parametrize(
            "expected_project", [read_expected(f) for f in files],
            ids=[f.name.removesuffix(".expected.yml") for f in files],
        )

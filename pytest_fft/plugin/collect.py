"""Which collector a file of a project gets (models, seeds, checks, unit cases)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_fft.plugin.state import FFTState
from pytest_fft.project.names import SEED_SUFFIXES, is_model_file


def project_file_collector(state: FFTState, file_path: Path,
                           parent: pytest.Collector) -> pytest.Collector | None:
    """The collector of ``file_path`` if it is a project file the session asks for."""
    from pytest_fft.plugin.items import ChecksFile, ModelFile, ProjectDir, SeedFile

    project_dir = parent.getparent(ProjectDir)
    if project_dir is None or project_dir.build_run is None:
        return None  # not in a project, or in one that did not load (reported once)
    rel = file_path.relative_to(project_dir.path).parts
    options = state.options
    named = bool(options.explicit) and file_path.resolve() in options.explicit
    if ((options.run or options.snapshot or named) and rel[0] == "models"
            and is_model_file(file_path)):
        return ModelFile.from_parent(parent, path=file_path)
    if ((options.seed or named) and rel[0] == "seeds"
            and file_path.suffix.lower() in SEED_SUFFIXES):
        return SeedFile.from_parent(parent, path=file_path)
    if (options.test or named) and (rel == ("project.yml",) or (
            rel[0] == "models" and file_path.suffix in (".yml", ".yaml")
            and file_path in project_dir.build_run.nodes_by_path)):
        return ChecksFile.from_parent(parent, path=file_path)  # project.yml or a schema file
    if options.source_freshness and rel == ("sources.yml",):
        from pytest_fft.plugin.freshness_items import SourcesFile

        return SourcesFile.from_parent(parent, path=file_path,
                                       build_run=project_dir.build_run)
    if ((options.utest or named) and rel[:2] == ("tests", "unit")
            and file_path.suffix in (".yml", ".yaml")):
        from pytest_fft.plugin.unit_items import UnitFile

        return UnitFile.from_parent(parent, path=file_path)
    return None


def in_project_models(parent: pytest.Collector) -> bool:
    """Whether ``parent`` (a directory collector) lies under a project's ``models/``."""
    from pytest_fft.plugin.items import ProjectDir

    project_dir = parent.getparent(ProjectDir)
    if project_dir is None:
        return False
    path = Path(parent.path)
    return path == project_dir.path / "models" or (project_dir.path / "models") in path.parents


class NotATestModule(pytest.File):
    """What pytest's Python collector gets for a ``*.ff.py`` model: nothing to import or
    collect (the model's items come from :class:`~pytest_fft.plugin.items.ModelFile`)."""

    def collect(self) -> Any:
        return []

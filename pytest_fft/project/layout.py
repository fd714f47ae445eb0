"""What makes a folder a FastFlowTransform project (no heavy imports: used by ``fft``)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_FILES = ("project.yml", "sources.yml", "profiles.yml")
MODEL_SUFFIXES = (".ff.sql", ".ff.py")
PACKAGES_FILE = "packages.yml"


def is_project_dir(path: Path) -> bool:
    """A folder is a FastFlowTransform project when ``models/`` holds ``*.ff.sql`` or
    ``*.ff.py`` files (at any depth), or it has a ``packages.yml`` (its models may all come
    from packages), and it has a project file. A dbt project (``models/`` of plain
    ``.sql``) is not one."""
    models = path / "models"
    return (models.is_dir() and any((path / name).is_file() for name in PROJECT_FILES)
            and ((path / PACKAGES_FILE).is_file() or has_model_files(models)))


def has_model_files(folder: Path) -> bool:
    """Whether ``folder`` or a folder below it holds a model file (stops at the first)."""
    for _, dirs, files in os.walk(folder):
        if any(name.endswith(MODEL_SUFFIXES) for name in files):
            return True
        dirs[:] = [d for d in dirs if not d.startswith(".")]
    return False


def find_project_root(path: Path) -> Path | None:
    """The project folder that ``path`` (a file or folder) belongs to, if any."""
    for candidate in (path, *path.parents):
        if candidate.is_dir() and is_project_dir(candidate):
            return candidate
    return None

"""What makes a folder a FastFlowTransform project (no heavy imports: used by ``fft``)."""

from __future__ import annotations

from pathlib import Path

PROJECT_FILES = ("project.yml", "sources.yml", "profiles.yml")


def is_project_dir(path: Path) -> bool:
    """A folder is a FastFlowTransform project when it has ``models/`` and a project file."""
    return (path / "models").is_dir() and any((path / name).is_file() for name in PROJECT_FILES)


def find_project_root(path: Path) -> Path | None:
    """The project folder that ``path`` (a file or folder) belongs to, if any."""
    for candidate in (path, *path.parents):
        if candidate.is_dir() and is_project_dir(candidate):
            return candidate
    return None

"""The loaded project, kept between runs: reading and rendering happen once per change.

Loading a project reads every model, renders its SQL, parses ``project.yml`` and reads the
Python models' syntax trees: about a tenth of a second at 500 models, paid by every command.
This cache keeps the resulting :class:`~pytest_fft.project.records.Project` in pytest's cache
directory, keyed by the content of every file the loader reads (``project.yml``,
``sources.yml``, everything under ``models/`` and ``macros/``, the names of the seeds, the
user's modules that the Python macros import), the engine, the vars, the Python version and
pytest-fft's own version. Any change to any of them loads the project from scratch; there is
no partial reuse to go stale.

Projects with a Python model that had to be imported while loading (its decorator is not
literal) are not kept: their functions live in modules of that one process.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pytest_fft._version import __version__
from pytest_fft.atomic import write_atomic
from pytest_fft.project.records import Project

FORMAT = "4"
T = TypeVar("T")
WATCHED_DIRS = ("models", "macros")
WATCHED_FILES = ("project.yml", "sources.yml")


def inputs_digest(root: Path, engine: str, vars: Mapping[str, Any] | None) -> str:
    """A hash of everything :func:`~pytest_fft.project.loader.load_project` depends on."""
    digest = hashlib.blake2b(digest_size=20)
    header = {"format": FORMAT, "version": __version__, "python": sys.version,
              "root": str(root), "engine": engine, "vars": dict(vars or {})}
    digest.update(json.dumps(header, sort_keys=True, default=repr).encode())
    for name in WATCHED_FILES:
        _add_file(digest, root / name, name)
    for folder in WATCHED_DIRS:
        base = root / folder
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    _add_file(digest, path, path.relative_to(root).as_posix())
    seeds = root / "seeds"
    if seeds.is_dir():  # only their names matter to loading
        for path in sorted(seeds.rglob("*")):
            digest.update(b"seed\0" + path.relative_to(root).as_posix().encode() + b"\0")
    return digest.hexdigest()


def _add_file(digest: Any, path: Path, rel: str) -> None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = b"\0missing"
    digest.update(f"{rel}\0{len(data)}\0".encode())
    digest.update(data)


class ParseCache:
    """Entries in ``directory``, one file each: the inputs' digest, then the pickle."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, name: str) -> Path:
        return self.directory / (hashlib.sha1(name.encode()).hexdigest()[:16] + ".pickle")

    def load_entry(self, name: str, key: str) -> Any:
        """What :meth:`save_entry` stored under ``name`` with this ``key``; else ``None``."""
        try:
            with open(self._path(name), "rb") as handle:
                if handle.readline().rstrip(b"\n").decode() != key:
                    return None
                return pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError,
                TypeError, ValueError, UnicodeDecodeError):
            return None  # absent, stale or unreadable: load from scratch

    def save_entry(self, name: str, key: str, value: Any) -> None:
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            self.directory.mkdir(parents=True, exist_ok=True)
            # No fsync: an entry that a crash leaves unreadable is only a cache miss.
            write_atomic(self._path(name), key.encode() + b"\n" + data, durable=False)
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            return  # a cache that cannot be written is only slower

    def load(self, root: Path, key: str) -> Project | None:
        project = self.load_entry(f"project:{root}", key)
        return project if isinstance(project, Project) else None

    def save(self, root: Path, key: str, project: Project) -> None:
        if keepable(project):
            self.save_entry(f"project:{root}", key, project)


def keepable(project: Project) -> bool:
    """Whether every part of ``project`` can be rebuilt in another process."""
    from pytest_fft.project.python_models import LazyModelFunction

    return all(model.func is None or isinstance(model.func, LazyModelFunction)
               for model in project.models.values())


def load_project_cached(
    root: Path,
    cache: ParseCache | None,
    load: Callable[..., Project],
    *,
    engine: str,
    vars: Mapping[str, Any] | None,
) -> tuple[Project, str]:
    """``load(root, engine=..., vars=...)``, through ``cache`` when there is one; with the
    key the project is kept under ("" without a cache), which keys what is derived from it.

    The key covers the project's files (:func:`inputs_digest`) and the user's Python files
    that the last load of those files imported (``Project.imported_files``: modules of the
    Python macros), kept in an entry of their own since they are known only after loading."""
    if cache is None:
        return load(root, engine=engine, vars=vars), ""
    files_key = inputs_digest(root, engine, vars)
    imported = cache.load_entry(f"imports:{root}", files_key)
    if isinstance(imported, tuple):
        key = _with_imported(files_key, imported)
        project = cache.load(root, key)
        if project is not None:
            return project, key
    project = load(root, engine=engine, vars=vars)
    key = _with_imported(files_key, project.imported_files)
    if keepable(project):
        cache.save_entry(f"imports:{root}", files_key, project.imported_files)
        cache.save(root, key, project)
    return project, key


def _with_imported(files_key: str, imported: tuple[Path, ...]) -> str:
    if not imported:
        return files_key
    digest = hashlib.blake2b(files_key.encode(), digest_size=20)
    for path in imported:
        _add_file(digest, path, str(path))
    return digest.hexdigest()


def load_unit_file_cached(cache: ParseCache | None, project_key: str, path: Path,
                          load: Callable[[], T]) -> T:
    """``load()`` of a unit-test spec file, kept while the file and the project are as they
    were (the cases are validated against the project's models)."""
    if cache is None or not project_key:
        return load()
    try:
        content = hashlib.blake2b(path.read_bytes(), digest_size=20).hexdigest()
    except OSError:
        return load()
    key = f"{project_key}:{content}"
    found = cache.load_entry(f"unit:{path}", key)
    if found is None:
        found = load()
        cache.save_entry(f"unit:{path}", key, found)
    return found

"""Which of the user's own Python files a piece of work imported.

Loading a project runs its Python macros (``models/macros_py``), which may import modules of
the user's from anywhere on ``sys.path``. The parse cache keys the loaded project by what the
loader reads; these files are part of that, so the loader records them here.
"""

from __future__ import annotations

import sys
import sysconfig
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

_imported: set[Path] = set()  # the user's files that loads in this process imported


@contextmanager
def user_imports() -> Iterator[list[Path]]:
    """Collect, into the yielded list, the files of the modules first imported inside the
    ``with`` block that belong to neither Python, an installed package, nor pytest-fft."""
    before = set(sys.modules)
    found: list[Path] = []
    try:
        yield found
    finally:
        found.extend(user_files(set(sys.modules) - before))


def user_files(module_names: set[str]) -> list[Path]:
    """The source files of these modules that are the user's own, sorted."""
    installed = [Path(p).resolve() for p in {*sysconfig.get_paths().values(), sys.prefix,
                                             sys.base_prefix}]
    installed.append(Path(__file__).resolve().parent)  # pytest-fft, even in a checkout
    files = set()
    for name in module_names:
        file = getattr(sys.modules.get(name), "__file__", None)
        if not file:
            continue
        path = Path(file).resolve()
        if not any(path.is_relative_to(folder) for folder in installed):
            files.add(path)
    return sorted(files)


def project_imports(found: Iterable[Path]) -> tuple[Path, ...]:
    """The user's files a project load imported (``found``), with those that earlier loads in
    this process imported.

    A module is imported once per process: a later load that uses it again, of the same
    project or of another one that shares it, finds it in ``sys.modules`` and
    :func:`user_imports` does not see it. Keeping every file seen keeps them in the parse
    cache's key (a file a project does not import only costs a reload when it changes)."""
    _imported.update(found)
    return tuple(sorted(_imported))

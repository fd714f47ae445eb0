"""Which of the user's own Python files a piece of work imported.

Loading a project runs its Python macros (``models/macros_py``), which may import modules of
the user's from anywhere on ``sys.path``. The parse cache keys the loaded project by what the
loader reads; these files are part of that, so the loader records them here.

:func:`volatile_read` tells whether such code may read more than files: the environment, the
clock, chance. What it renders then cannot be keyed by files, so the parse cache keeps none
of it.
"""

from __future__ import annotations

import ast
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
    installed.append(Path(__file__).resolve().parents[1])  # pytest-fft, even in a checkout
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


# What makes a render depend on more than the content of files: the environment, the clock,
# chance, the machine, the network, files outside the watched folders, and code that cannot be
# read before it runs. Importing one of these modules, or naming one of these functions or
# attributes anywhere in a file, counts, even when the code that does it never runs.
_VOLATILE_MODULES = frozenset({
    "time", "datetime", "random", "uuid", "secrets", "socket", "subprocess", "getpass",
    "platform", "urllib", "http", "requests", "httpx", "dotenv", "importlib",
})
_VOLATILE_NAMES = frozenset({
    "environ", "environb", "getenv", "getenvb", "expandvars", "expanduser", "getlogin",
    "getpid", "getcwd", "cwd", "home", "urandom", "now", "today", "utcnow", "open",
    "read_text", "read_bytes", "system", "popen", "eval", "exec", "__import__",
})


def volatile_read(files: Iterable[Path], seen: set[Path] | None = None) -> str | None:
    """Where a render that ran these Python files (and the user's modules they import, as
    far as ``sys.modules`` knows them) may read the environment, the clock or anything else
    that is not the content of a file: ``"models/macros_py/m.py:3 uses environ"``; else None.

    It reads the code, it does not run it: a name that says "environment" or "clock"
    anywhere counts (``import time``, ``os.environ``, ``datetime.now()``, ``open(...)``).
    The files read are added to ``seen``."""
    seen = set() if seen is None else seen
    todo = [Path(f).resolve() for f in files]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
        except (OSError, SyntaxError, ValueError):
            return f"{path} cannot be read"
        found = _volatile_node(tree)
        if found is not None:
            return f"{path}:{found[0]} uses {found[1]}"
        todo.extend(user_files(set(_imported_names(tree))))
    return None


def _volatile_node(tree: ast.AST) -> tuple[int, str] | None:
    for node in ast.walk(tree):
        name = _volatile_name(node)
        if name is not None:
            return getattr(node, "lineno", 0), name
    return None


def _volatile_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Import | ast.ImportFrom):
        modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                   else [node.module or ""])
        for module in modules:
            if module.partition(".")[0] in _VOLATILE_MODULES:
                return f"import {module}"
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in _VOLATILE_NAMES:
                    return alias.name
        return None
    if isinstance(node, ast.Attribute):
        found = node.attr
    elif isinstance(node, ast.Name):
        found = node.id
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        found = node.value  # getattr(os, "environ")
    else:
        return None
    return found if found in _VOLATILE_NAMES else None


def _imported_names(tree: ast.AST) -> Iterator[str]:
    """The modules ``tree`` imports (absolute imports; ``from a import b`` gives a and a.b)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)

"""The unit cases of a project's files as the readers that list them get them: each file of
``tests/unit`` through the parse cache (:func:`pytest_fft.project.parse_cache
.load_unit_file_cached`) when there is one, as test collection reads it, and all of them
for the docs site, which lists a model's cases on its page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_fft.errors import FFTError
from pytest_fft.utest.spec import UNIT_DIR, UnitCase, load_unit_file


def cases_of_file(project: Any, path: Path, cache: Any = None,
                  key: str = "") -> tuple[UnitCase, ...]:
    """The cases of one spec file, from ``cache`` (the project's parse cache, ``key`` the
    project's) when it holds them for the file as it is; an FFTError when the file is
    invalid (a case that cannot run carries its ``problem``)."""
    from pytest_fft.project.parse_cache import load_unit_file_cached

    return load_unit_file_cached(
        cache, key, path, lambda: load_unit_file(project, path, case_problems=True),
        valid=lambda found: isinstance(found, tuple)
        and all(isinstance(case, UnitCase) for case in found))


def listed_cases(project: Any, cache: Any = None, key: str = ""
                 ) -> tuple[tuple[UnitCase, ...], str | None]:
    """Every case of the project's ``tests/unit/**/*.yml`` (files sorted), and None; or no
    case and the warning that a spec file cannot be read (``fft utest`` reports it in
    full)."""
    folder = Path(project.root) / UNIT_DIR
    files = sorted(folder.rglob("*.yml"), key=lambda p: p.relative_to(folder).as_posix()) \
        if folder.is_dir() else []
    cases: list[UnitCase] = []
    try:
        for path in files:
            cases.extend(cases_of_file(project, path, cache, key))
    except FFTError as err:
        return (), f"unit tests not listed: {err.render()}"
    return tuple(cases), None

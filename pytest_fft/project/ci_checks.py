"""``fft ci-check``: a project checked without a database (pure; FastFlowTransform 0.6's
``fastflowtransform.ci.core``).

The project is loaded by the loader itself, exactly as a run loads it (profile, ``project.yml``,
``sources.yml``, every model rendered, the DAG built), so every problem found is the loader's
own error, with its file, line, node and fix; nothing here parses a project file a second time.
No engine is opened: the profile is resolved (an engine's models are filtered by it) but
nothing connects.

Issues (:class:`CiIssue`), by code:

- ``MISSING_DEP`` (error): ``ref()``/``source()``/``deps=`` name nothing;
- ``CYCLE`` (error): the models depend on each other in a circle;
- ``DUPLICATE_NODE`` (error): two files define one node name;
- ``PARSE_ERROR`` (error): a project file cannot be read (bad YAML, unknown keys, a Jinja
  error, a Python model that does not import);
- ``PROJECT_ERROR`` (error): any other problem of the project the loader refuses;
- ``PROFILE`` (error; a warning when ``--engine`` is given): profiles.yml / ``--env``;
- ``SELECTION`` (error): ``--select``/``--exclude``/``--changed-since`` cannot be applied;
- ``PROJECT_WARNING`` (warn): what the loader warns about (a key pytest-fft ignores, a
  Python model materialized as a view, ...);
- ``EMPTY_SELECTION`` (warn): the selection keeps no model.

The loader stops at the first kind of problem it finds (all missing dependencies of the
project are one issue), as a run would: fix it and run again to see what comes after.

>>> CiIssue("CYCLE", "error", "Cycle detected among nodes: a.ff, b.ff").level
'error'
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pytest_fft.errors import (
    DependencyNotFoundError,
    DuplicateNodeError,
    FFTError,
    ModelCycleError,
    ModuleLoadError,
    ProfileError,
    ProjectFileError,
    RenderError,
    SelectionError,
)

if TYPE_CHECKING:
    from pytest_fft.project.records import Project

Level = Literal["error", "warn"]

#: Issue code -> one line on what it means (the SARIF rules' descriptions).
CODES: Mapping[str, str] = {
    "MISSING_DEP": "A ref(), source() or deps= entry names nothing in the project",
    "CYCLE": "Models depend on each other in a circle",
    "DUPLICATE_NODE": "Two files define the same node name",
    "PARSE_ERROR": "A project file cannot be read or rendered",
    "PROJECT_ERROR": "The project cannot be loaded",
    "PROFILE": "The profile (profiles.yml, --env, --engine) cannot be resolved",
    "SELECTION": "The selection (--select, --exclude, --changed-since) cannot be applied",
    "PROJECT_WARNING": "The loader warns about the project",
    "EMPTY_SELECTION": "The selection keeps no model",
}


@dataclass(frozen=True)
class CiIssue:
    """One finding of ``fft ci-check``.

    ``code`` a short id (``MISSING_DEP``, ``CYCLE``, ...); ``level`` ``"error"`` or
    ``"warn"``; ``obj_name`` the node, where there is one; ``file`` relative to the project
    folder, with ``line`` and ``column`` (1-based) where known; ``hint`` what to do.
    """

    code: str
    level: Level
    message: str
    obj_name: str | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    @property
    def location(self) -> str | None:
        """``file:line`` (or ``file``) when known."""
        if self.file is None:
            return None
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class CiSummary:
    """What ``fft ci-check`` found.

    ``all_nodes``: every model of the project; ``selected_nodes``: the models the selection
    keeps (all when nothing is selected), both in DAG order; ``models_parsed`` None and
    ``graph_ok`` False when the loader refused the project.
    """

    issues: list[CiIssue]
    selected_nodes: list[str]
    all_nodes: list[str]
    project_dir: str = "."
    models_parsed: int | None = None
    graph_ok: bool = False
    selection: tuple[str, ...] = ()  # the selection as asked (for the summary)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[CiIssue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[CiIssue]:
        return [i for i in self.issues if i.level != "error"]

    @property
    def ok_nodes(self) -> list[str]:
        """Selected models no issue names."""
        named = {i.obj_name for i in self.issues}
        return [n for n in self.selected_nodes if n not in named]

    @property
    def exit_code(self) -> int:
        """0 without errors (warnings do not count), 1 with any."""
        return 1 if self.errors else 0


def issue_of(err: FFTError) -> CiIssue:
    """A loader (or profile, or selection) error as an issue, with its own location and
    fix."""
    if isinstance(err, DependencyNotFoundError):
        code = "MISSING_DEP"
    elif isinstance(err, ModelCycleError):
        code = "CYCLE"
    elif isinstance(err, DuplicateNodeError):
        code = "DUPLICATE_NODE"
    elif isinstance(err, (ProjectFileError, ModuleLoadError, RenderError)):
        code = "PARSE_ERROR"
    elif isinstance(err, ProfileError):
        code = "PROFILE"
    elif isinstance(err, SelectionError):
        code = "SELECTION"
    else:
        code = "PROJECT_ERROR"
    return CiIssue(code, "error", err.message, obj_name=err.node, file=err.file,
                   line=err.line, hint=err.hint)


def run_ci_checks(
    project_dir: str | Path = ".",
    env_name: str | None = None,
    engine_name: str | None = None,
    *,
    select: Sequence[str] = (),
    exclude: Sequence[str] = (),
    changed_since: str | None = None,
    vars: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    modified: Callable[[Path, Any, Project], set[str]] | None = None,
) -> CiSummary:
    """Check the project in ``project_dir`` without a database: load it as ``env_name``
    (``engine_name`` overrides the profile's engine), report the loader's errors and
    warnings, and preview the selection (``select``/``exclude`` tokens as ``fft run`` takes
    them; ``changed_since`` a git revision, see :mod:`pytest_fft.project.changes`).
    ``modified(root, resolved profile, project)`` answers ``state:modified`` (the ``fft``
    command compares the build cache's fingerprints); without it that token is an issue."""
    from pytest_fft.project.loader import load_project
    from pytest_fft.project.profiles import resolve_profile

    root = Path(project_dir)
    environ = os.environ if environ is None else environ
    asked = (*(f"--select {t}" for t in select), *(f"--exclude {t}" for t in exclude),
             *([f"--changed-since {changed_since}"] if changed_since else []))
    issues: list[CiIssue] = []

    def refused(err: FFTError) -> CiSummary:
        for part in getattr(err, "parts", ()) or (err,):  # several missing names: each one
            issues.append(_relative(issue_of(part), root))
        return CiSummary(issues, [], [], str(root), selection=asked)

    engine = engine_name
    profile_vars: dict[str, Any] = {}
    resolved = None
    try:
        resolved = resolve_profile(root, env_name, environ=environ, engine=engine_name)
        engine = resolved.engine
        profile_vars = dict(resolved.vars)
    except ProfileError as err:
        if engine_name is None:
            return refused(err)
        # The engine is known: models can still be filtered and checked for it.
        issues.append(_relative(issue_of(err), root, level="warn"))
    try:
        project = load_project(root, engine=engine or "duckdb",
                               vars={**profile_vars, **(vars or {})} or None)
    except FFTError as err:
        return refused(err)
    issues += [_warning(text) for text in project.warnings]
    try:  # the descriptions (docs: of project.yml, docs/**/*.md), as fft docgen reads them
        from pytest_fft.project.descriptions import collect_descriptions

        collect_descriptions(project)
    except FFTError as err:
        issues.append(_relative(issue_of(err), root))
    models = [n for n in project.dag.order if n in project.models]
    tokens = list(select) + ([f"changed-since:{changed_since}"] if changed_since else [])
    try:
        from pytest_fft.project.selection import select_nodes

        changed = (modified(root, resolved, project)
                   if modified is not None and resolved is not None
                   and any("state:" in t for t in (*tokens, *exclude)) else None)
        chosen = select_nodes(project, tokens, exclude, changed, environ=environ)
    except FFTError as err:
        issues.append(_relative(issue_of(err), root))
        chosen = set()
    selected = [n for n in models if n in chosen]
    if (tokens or exclude) and not selected and not any(i.code == "SELECTION" for i in issues):
        issues.append(CiIssue("EMPTY_SELECTION", "warn",
                              f"the selection ({' '.join(asked)}) keeps no model",
                              hint="fft run would have nothing to build: check the "
                                   "selectors, or the git revision of --changed-since"))
    return CiSummary(issues, selected, models, str(root), models_parsed=len(project.models),
                     graph_ok=True, selection=asked)


#: FastFlowTransform 0.6's ``fastflowtransform.ci`` exports it under this name too.
run_ci_check = run_ci_checks


def _warning(text: str) -> CiIssue:
    """A loader warning (``path:line: what``, as the loader words them) as a warn-level
    issue at that place."""
    found = _AT.match(text)
    if found is None:
        return CiIssue("PROJECT_WARNING", "warn", text)
    return CiIssue("PROJECT_WARNING", "warn", found.group(3), file=found.group(1),
                   line=int(found.group(2)) if found.group(2) else None)


_AT = re.compile(r"([^\s:]+\.(?:yml|yaml|sql|py)):(?:(\d+)|None)?: (.+)\Z", re.DOTALL)


def _relative(issue: CiIssue, root: Path, level: Level | None = None) -> CiIssue:
    """``issue`` with its file relative to the project folder when it is inside it."""
    from dataclasses import replace

    file = issue.file
    if file is not None and Path(file).is_absolute():
        with contextlib.suppress(ValueError):  # outside the project: the path as it is
            file = Path(file).resolve().relative_to(root.resolve()).as_posix() or "."
    return replace(issue, file=file, level=level or issue.level)


def model_list(names: Iterable[str], limit: int = 20) -> str:
    """``a.ff, b.ff, ... and N more``."""
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")

"""``--changed-since REF``: the models whose files changed since a git revision (pure but
for one ``git`` call).

As FastFlowTransform 0.6 does, a *changed* model is one whose file under ``models/``
(``*.ff.sql``, ``*.ff.py``) differs from ``REF``; the *affected* nodes are the changed
models, everything they depend on and everything that depends on them.  The comparison is
``git diff --name-only REF`` in the project folder (the working tree against ``REF``, so an
edit not committed yet counts), plus files git does not track yet.

``FF_CI_CHANGED_MODELS="a.ff,models/b.ff.sql"`` replaces git (a CI job or a demo that
knows what changed): model names, with or without ``.ff``, or model files relative to the
project.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from pytest_fft.errors import SelectionError
from pytest_fft.project.records import Project

ENV_OVERRIDE = "FF_CI_CHANGED_MODELS"


def changed_models(project: Project, ref: str,
                   environ: Mapping[str, str] | None = None) -> set[str]:
    """The models of ``project`` whose files changed since ``ref`` (or that
    ``FF_CI_CHANGED_MODELS`` names)."""
    environ = os.environ if environ is None else environ
    override = environ.get(ENV_OVERRIDE, "").strip()
    if override:
        return _named(project, [t.strip() for t in override.split(",") if t.strip()])
    files = set(changed_files(project.root, ref))
    return {name for name, model in project.models.items() if model.rel_path in files}


def affected_nodes(project: Project, ref: str,
                   environ: Mapping[str, str] | None = None) -> set[str]:
    """The changed models, their ancestors and their descendants (seeds included)."""
    changed = changed_models(project, ref, environ)
    affected = set(changed)
    for name in changed:
        affected |= project.dag.ancestors(name) | project.dag.descendants(name)
    return affected


def changed_files(root: Path, ref: str) -> list[str]:
    """Files under ``root`` (POSIX paths relative to it) that differ from ``ref`` or that git
    does not track yet. A ``ref`` git does not know, or a folder outside a git repository,
    is a :class:`SelectionError` with git's own words."""
    if not ref.strip() or ref.startswith("-"):
        raise SelectionError(f"--changed-since needs a git revision, got {ref!r}",
                             hint="e.g. --changed-since origin/main")
    diff = _git(root, ["diff", "--name-only", "--relative", ref, "--", "."], ref)
    untracked = _git(root, ["ls-files", "--others", "--exclude-standard", "--", "."], ref)
    return sorted({PurePosixPath(line.strip()).as_posix()
                   for line in (*diff.splitlines(), *untracked.splitlines()) if line.strip()})


def _git(root: Path, args: list[str], ref: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              check=False, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SelectionError(f"--changed-since {ref}: git could not run: {exc}",
                             hint="install git, or name the changed models in "
                                  f"{ENV_OVERRIDE}") from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise SelectionError(
            f"--changed-since {ref}: git {args[0]} failed: {said[0] if said else done.returncode}",
            hint="name a revision of the project's repository (a branch, a tag, a commit: "
                 "git fetch origin main, then --changed-since origin/main), or name the "
                 f"changed models in {ENV_OVERRIDE}")
    return done.stdout


def _named(project: Project, tokens: list[str]) -> set[str]:
    """The models ``FF_CI_CHANGED_MODELS`` names: a name (``users``, ``users.ff``) or a model
    file (``models/users.ff.sql``, also with the project folder in front)."""
    out = set()
    for token in tokens:
        path = token.replace("\\", "/").removeprefix("./")
        found = {name for name, model in project.models.items()
                 if token in (name, name.removesuffix(".ff"), model.relation)
                 or f"{token}.ff" == name or model.rel_path == path
                 or path.endswith("/" + model.rel_path)}
        if not found:
            raise SelectionError(
                f"{ENV_OVERRIDE} names {token!r}, which is no model of {project.name}",
                hint="list model names (users.ff) or model files (models/users.ff.sql), "
                     "separated by commas")
        out |= found
    return out

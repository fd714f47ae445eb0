"""``fft deps``: resolve the packages of ``packages.yml``, fetch the git ones into
``.fastflowtransform/packages/git/<slug>/repo`` and write ``packages.lock.yml``.

Git runs as the ``git`` command (no network library): ``git clone`` when a package has no
clone yet, ``git fetch`` (best effort) when its ref must be looked up again, and a detached
``git checkout`` of the commit. A package whose entry in packages.yml is unchanged since the
lock was written gets the locked commit again, without asking the remote; ``--upgrade``
resolves every ref anew (a branch moves to its newest commit).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pytest_fft.atomic import write_atomic
from pytest_fft.errors import FFTError, ProjectError
from pytest_fft.project.packages import (
    LOCK_FILE,
    PACKAGES_FILE,
    LockEntry,
    Manifest,
    Package,
    PackageSpec,
    check_dependencies,
    check_models_dir,
    check_package,
    git_checkout,
    lock_text,
    make_package,
    package_root,
    read_lock,
    read_manifest,
    read_packages,
)

GIT_TIMEOUT = 600.0  # seconds for one git command: a clone of a large repository


class GitError(FFTError):
    """A git command for a package failed."""


@dataclass
class Outcome:
    spec: PackageSpec
    package: Package | None = None
    manifest: Manifest | None = None
    error: FFTError | None = None
    note: str = ""  # how the commit was chosen (git packages)


log = logging.getLogger("pytest_fft.deps")  # -vv: each git command, as it runs


def run_deps(ns: argparse.Namespace) -> int:
    if getattr(ns, "verbose", 0) >= 2:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("  %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)
    root = Path(ns.project).resolve()
    out = sys.stdout
    try:
        specs = read_packages(root)
        lock = read_lock(root) if any(spec.kind == "git" for spec in specs) else {}
    except FFTError as exc:
        print(f"fft deps: {exc}", file=sys.stderr)
        return 1
    print(f"Project: {root}", file=out)
    if not specs:
        print(f"No packages: {root / PACKAGES_FILE} "
              + ("declares none" if (root / PACKAGES_FILE).is_file() else "does not exist"),
              file=out)
        return 0
    outcomes = [_resolve(root, spec, lock.get(spec.name), upgrade=ns.upgrade)
                for spec in specs]
    found: dict[str, tuple[Package, Manifest]] = {
        o.spec.name: (o.package, o.manifest) for o in outcomes
        if o.package is not None and o.manifest is not None}
    if all(o.error is None for o in outcomes):
        try:
            check_dependencies(specs, found)
        except FFTError as exc:
            bad = next(o for o in outcomes if o.spec.name == exc.node)
            bad.error = exc
    print("Packages:", file=out)
    for outcome in outcomes:
        _report(outcome, out, quiet=ns.quiet > 0)
    failed = [o for o in outcomes if o.error is not None]
    if failed:
        for outcome in failed:
            print(f"fft deps: {outcome.error}", file=sys.stderr)
        print(f"{len(failed)} of {len(outcomes)} package{'s' if len(outcomes) > 1 else ''} "
              f"failed; {LOCK_FILE} is unchanged", file=out)
        return 1
    packages = [o.package for o in outcomes if o.package is not None]
    write_atomic(root / LOCK_FILE, lock_text(packages, specs))
    print(f"Wrote {LOCK_FILE} ({len(packages)} package{'s' if len(packages) > 1 else ''})",
          file=out)
    return 0


def _report(outcome: Outcome, out: object, *, quiet: bool) -> None:
    spec, package = outcome.spec, outcome.package
    lines = [f"  - {spec.name}" + (f" ({package.version})" if package else "")]
    if not quiet or outcome.error is not None:
        lines.append(f"      kind:       {spec.kind}")
        if spec.kind == "path":
            lines.append(f"      path:       {package.root if package else spec.path}")
        else:
            lines.append(f"      git:        {spec.git}")
            if package is not None:
                lines.append(f"      rev:        {package.rev}"
                             + (f"  ({outcome.note})" if outcome.note else ""))
            if spec.subdir:
                lines.append(f"      subdir:     {spec.subdir}")
        if package is not None:
            lines.append(f"      models_dir: {package.models_dir}  -> {package.models_path}")
    error = outcome.error
    lines.append("      status:     " + ("OK" if error is None else
                                         f"ERROR {error.message.splitlines()[0]}"))
    print("\n".join(lines), file=out)  # type: ignore[call-overload]


def _resolve(root: Path, spec: PackageSpec, entry: LockEntry | None, *,
             upgrade: bool) -> Outcome:
    outcome = Outcome(spec)
    try:
        rev = None
        if spec.kind == "git":
            rev, outcome.note = _fetch(root, spec, entry, upgrade=upgrade)
        pkg_root = package_root(root, spec)
        if not pkg_root.is_dir():
            where = (f"its path {spec.path!r} is not a folder" if spec.kind == "path"
                     else f"the repository has no folder {spec.subdir!r} at {rev}")
            raise ProjectError(
                f"package {spec.name!r}: {where} ({pkg_root} does not exist)",
                file=PACKAGES_FILE, line=spec.line, node=spec.name,
                hint="fix " + ("path:" if spec.kind == "path" else "subdir:") + " in "
                     f"{PACKAGES_FILE}")
        manifest = read_manifest(pkg_root, f"packages/{spec.name}/project.yml", spec)
        check_package(spec, manifest)
        package = make_package(spec, manifest, pkg_root, rev=rev)
        check_models_dir(package, spec)
        outcome.package, outcome.manifest = package, manifest
    except FFTError as exc:
        outcome.error = exc
    return outcome


def _fetch(root: Path, spec: PackageSpec, entry: LockEntry | None, *,
           upgrade: bool) -> tuple[str, str]:
    """Clone or update the package's repository and check out its commit: the locked one
    when packages.yml still asks for what the lock was written for, else the ref's."""
    repo = git_checkout(root, spec)
    pinned = entry.rev if entry is not None and entry.pins(spec) and not upgrade else None
    cloned = (repo / ".git").is_dir()
    fetched_note = ""
    if not cloned:
        _clone(spec, repo)
    elif pinned is None or _commit(repo, pinned) is None:
        fetch = _git(spec, ["fetch", "--quiet", "--tags", "--force", "origin"], repo,
                     check=False)
        if fetch.returncode != 0:  # offline: the refs fetched before have to do
            fetched_note = ("fetch failed, the copy fetched before is used: "
                            + _last_line(fetch.stderr))
    if pinned is not None:
        commit = _commit(repo, pinned)
        if commit is None:
            raise GitError(
                f"package {spec.name!r}: the commit {pinned} that {LOCK_FILE} pins is not in "
                f"{spec.git}", file=PACKAGES_FILE, line=spec.line, node=spec.name,
                hint="run `fft deps --upgrade` to resolve the ref again")
        note = "locked"
    else:
        commit = _ref_commit(repo, spec)
        note = f"{spec.ref_key}: {spec.ref}" if spec.ref_key else "the default branch"
    _git(spec, ["checkout", "--quiet", "--force", "--detach", commit], repo)
    return commit, "; ".join(filter(None, (note, fetched_note)))


def _clone(spec: PackageSpec, repo: Path) -> None:
    """A fresh clone at ``repo``, made beside it and renamed: an interrupted clone leaves
    no half repository behind."""
    repo.parent.mkdir(parents=True, exist_ok=True)
    if repo.exists():
        shutil.rmtree(repo)
    scratch = Path(tempfile.mkdtemp(prefix=".clone-", dir=repo.parent))
    try:
        _git(spec, ["clone", "--quiet", "--no-checkout", "--", str(spec.git),
                    str(scratch / "repo")], repo.parent, action="clone")
        os.replace(scratch / "repo", repo)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _ref_commit(repo: Path, spec: PackageSpec) -> str:
    ref = spec.ref
    if ref is None:
        candidates = ["refs/remotes/origin/HEAD", "HEAD"]
    elif spec.ref_key == "tag":
        candidates = [f"refs/tags/{ref}"]
    elif spec.ref_key == "branch":
        candidates = [f"refs/remotes/origin/{ref}"]
    else:  # rev or ref: a commit, a branch or a tag
        candidates = [f"refs/remotes/origin/{ref}", f"refs/tags/{ref}", ref]
    for candidate in candidates:
        commit = _commit(repo, candidate)
        if commit is not None:
            return commit
    what = {"tag": "tag", "branch": "branch"}.get(spec.ref_key or "", "ref")
    raise GitError(
        f"package {spec.name!r}: the requested {what} {ref!r} does not exist in {spec.git}",
        file=PACKAGES_FILE, line=spec.line, node=spec.name,
        hint=f"fix {spec.ref_key}: in {PACKAGES_FILE} (git ls-remote {spec.git} lists the "
             "branches and tags)")


def _commit(repo: Path, name: str) -> str | None:
    result = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}"], cwd=repo,
        capture_output=True, text=True, env=_git_env(), timeout=GIT_TIMEOUT, check=False)
    return result.stdout.strip() or None if result.returncode == 0 else None


def _git_env() -> dict[str, str]:
    # Never wait for a password on the terminal: a private repository without credentials
    # is an error, not a hang (GIT_TERMINAL_PROMPT), nor for an SSH key's passphrase.
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "",
            "SSH_ASKPASS": "", "LC_ALL": "C"}


def _git(spec: PackageSpec, args: list[str], cwd: Path, *, check: bool = True,
         action: str = "") -> subprocess.CompletedProcess[str]:
    if log.isEnabledFor(logging.DEBUG):
        from pytest_fft.redact import redact

        log.debug(redact(f"git {' '.join(args)}   (in {cwd})"))
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                                env=_git_env(), timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise GitError(f"git executable not found: package {spec.name!r} is a git package",
                       file=PACKAGES_FILE, line=spec.line, node=spec.name,
                       hint="install git (and put it on PATH), then run fft deps again"
                       ) from None
    except subprocess.TimeoutExpired:
        raise GitError(f"package {spec.name!r}: git {args[0]} of {spec.git} took longer than "
                       f"{GIT_TIMEOUT:.0f} s", file=PACKAGES_FILE, line=spec.line,
                       node=spec.name, hint="check the network, then run fft deps again"
                       ) from None
    if check and result.returncode != 0:
        raise GitError(f"package {spec.name!r}: {_diagnose(result.stderr, action)}: "
                       f"{spec.git}\n  git said: {_last_line(result.stderr)}",
                       file=PACKAGES_FILE, line=spec.line, node=spec.name,
                       hint=_hint(result.stderr, action, spec))
    return result


def _diagnose(stderr: str, action: str) -> str:
    text = stderr.lower()
    if ("authentication" in text or "could not read username" in text
            or "permission denied" in text):
        return "authentication error for"
    if ("not found" in text or "does not exist" in text or "does not appear to be a git"
            in text or "not a git repository" in text):
        return "repository not found"
    if ("could not resolve host" in text or "unable to access" in text
            or "network is unreachable" in text):
        return "cannot reach the repository (offline?)"
    return f"git {action or 'command'} failed for"


def _hint(stderr: str, action: str, spec: PackageSpec) -> str:
    problem = _diagnose(stderr, action)
    if problem.startswith("authentication"):
        return "set up credentials for this URL (an SSH key or a token), then run fft deps"
    if problem.startswith("cannot reach"):
        return "connect to the network (or fix the host in git:), then run fft deps again"
    return (f"fix git: of package {spec.name} in {PACKAGES_FILE} (git ls-remote <url> must "
            "work)")


def _last_line(stderr: str) -> str:
    """What git said: its first ``fatal:`` or ``error:`` line (the lines after it are
    general advice), else its last line."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    said = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return said[0] if said else lines[-1] if lines else "(no message)"

"""Packages: other FastFlowTransform projects whose models and macros join this one
(``packages.yml``, ``packages.lock.yml``; FastFlowTransform 0.6's Packages page).

Pure: nothing here runs git or opens a database. :func:`installed_packages` is what the
loader reads: every package of ``packages.yml``, found where it is (a path package) or where
``fft deps`` fetched it (a git package, at the commit ``packages.lock.yml`` pins), with its
manifest checked. Fetching is :mod:`pytest_fft.cli.package_fetch`.

>>> satisfies("0.1.4", "^0.1.0"), satisfies("1.2.3", ">=1.0.0,<1.2.0")
(True, False)
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from pytest_fft.errors import ProjectError, ProjectFileError
from pytest_fft.project.yaml_io import line_of, load_yaml

#: The FastFlowTransform version whose documented behaviour pytest-fft follows: what a
#: package's ``fft_version`` constraint is checked against, and what the lock file records.
FFT_VERSION = "0.6.11"
PACKAGES_FILE = "packages.yml"
LOCK_FILE = "packages.lock.yml"
GIT_DIR = ".fastflowtransform/packages/git"  # <slug>/repo: one clone per package and URL
MODELS_DIR = "models"
#: Git ref selectors, most precise first: the first one set is checked out (``ref`` is the
#: generic alias, used when none of the others is set).
REF_KEYS = ("rev", "tag", "branch", "ref")
SPEC_KEYS = ("name", "path", "git", "subdir", *REF_KEYS, "models_dir", "version")
DEPS_HINT = ("run `fft deps` in the project folder (it fetches the packages and writes "
             f"{LOCK_FILE})")


@dataclass(frozen=True)
class PackageSpec:
    """One entry of ``packages.yml``."""

    name: str
    line: int | None
    path: str | None = None
    git: str | None = None
    subdir: str | None = None
    ref_key: str | None = None  # which of REF_KEYS chose the ref, if any
    ref: str | None = None
    models_dir: str | None = None
    version: str | None = None

    @property
    def kind(self) -> Literal["path", "git"]:
        return "git" if self.git is not None else "path"

    @property
    def selector(self) -> dict[str, str]:
        """``{ref_key: ref}`` as written, or ``{}`` (the remote's default branch)."""
        return {self.ref_key: self.ref} if self.ref_key and self.ref else {}

    def where(self) -> str:
        return self.git if self.git is not None else str(self.path)


@dataclass(frozen=True)
class Dependency:
    name: str
    version: str | None = None
    optional: bool = False


@dataclass(frozen=True)
class Manifest:
    """A package's own ``project.yml``: what the resolver reads of it."""

    name: str
    version: str
    display: str  # the file, as messages name it
    fft_version: str | None = None
    models_dir: str | None = None
    dependencies: tuple[Dependency, ...] = ()
    name_line: int | None = None


@dataclass(frozen=True)
class Package:
    """A package as the project loads it: where its files are and what it is."""

    name: str
    version: str
    kind: Literal["path", "git"]
    root: Path  # the package root (absolute): its project.yml is here
    models_dir: str  # relative to ``root``
    source: str  # the path as written (absolute in the lock) or the git URL
    rev: str | None = None  # the commit of a git package
    subdir: str | None = None

    @property
    def models_path(self) -> Path:
        return self.root / self.models_dir

    @property
    def prefix(self) -> str:
        """How the package's files are named in node ids and messages: ``packages/<name>``
        followed by the file's path inside the package root."""
        return f"packages/{self.name}"

    def display(self, path: Path) -> str:
        return f"{self.prefix}/{path.relative_to(self.root).as_posix()}"


@dataclass(frozen=True)
class LockEntry:
    name: str
    version: str
    kind: str
    path: str | None = None
    git: str | None = None
    rev: str | None = None
    subdir: str | None = None
    selector: Mapping[str, str] | None = None

    def pins(self, spec: PackageSpec) -> bool:
        """Whether this entry was written for ``spec`` as it is now (same URL, sub-folder
        and ref): then its commit is the one to build."""
        return (spec.kind == "git" and self.kind == "git" and self.git == spec.git
                and (self.subdir or None) == (spec.subdir or None)
                and dict(self.selector or {}) == spec.selector and bool(self.rev))


# --- packages.yml ---------------------------------------------------------------------------


def read_packages(root: Path) -> tuple[PackageSpec, ...]:
    """The entries of ``root/packages.yml`` (none without the file), in the file's order."""
    path = root / PACKAGES_FILE
    if not path.is_file():
        return ()
    data = load_yaml(path, display=PACKAGES_FILE)
    if data is None:
        return ()
    if not isinstance(data, Mapping):
        raise _bad("must be a mapping with a packages: list", data)
    if "packages" in data:
        if set(data) != {"packages"}:
            other = next(k for k in data if k != "packages")
            raise _bad(f"has the key {other!r} next to packages:", data, other,
                       "declare every package in the packages: list")
        entries = data["packages"] or []
        if not isinstance(entries, list):
            raise _bad("packages: must be a list of packages", data, "packages",
                       "write packages:\n  - name: shared\n    path: ../shared")
        raw = [(entry, line_of(entries, i)) for i, entry in enumerate(entries)]
    else:  # the shorthand: name: path, or name: {path: ..., models_dir: ...}
        raw = []
        for name, value in data.items():
            entry = {"path": value} if isinstance(value, str) else value
            if not isinstance(entry, Mapping):
                raise _bad(f"package {name!r} must be a path or a mapping", data, name,
                           f"write {name}: ../{name}")
            raw.append(({"name": name, **entry}, line_of(data, name)))
    specs: list[PackageSpec] = []
    seen: dict[str, int | None] = {}
    for entry, line in raw:
        spec = _spec(entry, line)
        if spec.name in seen:
            raise ProjectFileError(
                f"{PACKAGES_FILE}: package {spec.name!r} is declared twice (lines "
                f"{seen[spec.name]} and {line})", file=PACKAGES_FILE, line=line,
                hint="keep one entry per package")
        seen[spec.name] = line
        specs.append(spec)
    return tuple(specs)


def _bad(problem: str, data: Any, key: Any = None, hint: str | None = None) -> ProjectFileError:
    return ProjectFileError(f"{PACKAGES_FILE} {problem}", file=PACKAGES_FILE,
                            line=line_of(data, key), hint=hint)


def _spec(entry: Any, line: int | None) -> PackageSpec:
    if not isinstance(entry, Mapping):
        raise ProjectFileError(f"{PACKAGES_FILE}: a package must be a mapping, got {entry!r}",
                               file=PACKAGES_FILE, line=line,
                               hint="write - name: shared\n    path: ../shared")
    line = line_of(entry) or line
    for key in entry:
        if key not in SPEC_KEYS:
            close = difflib.get_close_matches(str(key), SPEC_KEYS, n=1)
            raise ProjectFileError(
                f"{PACKAGES_FILE}: unknown key {key!r} in package "
                f"{entry.get('name', '?')!r}" + (f"; did you mean {close[0]!r}?" if close else ""),
                file=PACKAGES_FILE, line=line_of(entry, key) or line,
                hint="allowed keys: " + ", ".join(SPEC_KEYS))
    values: dict[str, str | None] = {}
    for key in SPEC_KEYS:
        value = entry.get(key)
        if (value is not None and not isinstance(value, (str, int, float))) or value == "":
            raise ProjectFileError(
                f"{PACKAGES_FILE}: {key} of package {entry.get('name', '?')!r} must be text, "
                f"got {value!r}", file=PACKAGES_FILE, line=line_of(entry, key) or line)
        values[key] = None if value is None else str(value)
    name = values["name"]
    if name is None:
        raise ProjectFileError(f"{PACKAGES_FILE}: a package has no name", file=PACKAGES_FILE,
                               line=line, hint="add name: (the name in the package's "
                                               "project.yml)")
    if (values["path"] is None) == (values["git"] is None):
        raise ProjectFileError(
            f"{PACKAGES_FILE}: package {name!r} must set exactly one of path and git",
            file=PACKAGES_FILE, line=line,
            hint="path: ../shared for a folder, git: <url> for a git repository")
    if values["path"] is not None:
        given = [k for k in ("subdir", *REF_KEYS) if values[k] is not None]
        if given:
            raise ProjectFileError(
                f"{PACKAGES_FILE}: {given[0]} of package {name!r} is for git packages; "
                "this one has a path", file=PACKAGES_FILE, line=line_of(entry, given[0]),
                hint=f"remove {given[0]}, or point path at the package root itself")
    ref_key = next((k for k in REF_KEYS if values[k] is not None), None)
    return PackageSpec(
        name=name, line=line, path=values["path"], git=values["git"], subdir=values["subdir"],
        ref_key=ref_key, ref=values[ref_key] if ref_key else None,
        models_dir=values["models_dir"], version=values["version"])


# --- manifests and versions --------------------------------------------------------------


def read_manifest(package_root: Path, display: str, spec: PackageSpec) -> Manifest:
    """The package's ``project.yml``; a package without one is an error naming it."""
    path = package_root / "project.yml"
    if not path.is_file():
        raise ProjectError(
            f"Package root {package_root} has no project.yml (package {spec.name!r})",
            file=PACKAGES_FILE, line=spec.line, node=spec.name,
            hint="point " + ("subdir" if spec.kind == "git" else "path")
                 + " at the folder that holds the package's project.yml")
    data = load_yaml(path, display=display) or {}
    if not isinstance(data, Mapping):
        raise ProjectFileError(f"{display} must be a mapping", file=display)
    deps: list[Dependency] = []
    raw_deps = data.get("dependencies") or []
    if not isinstance(raw_deps, list):
        raise ProjectFileError(f"{display}: dependencies must be a list", file=display,
                               line=line_of(data, "dependencies"),
                               hint="dependencies:\n  - name: other_pkg")
    for i, item in enumerate(raw_deps):
        item = {"name": item} if isinstance(item, str) else item
        if not isinstance(item, Mapping) or not item.get("name"):
            raise ProjectFileError(f"{display}: each dependency needs a name", file=display,
                                   line=line_of(raw_deps, i), hint="- name: other_pkg")
        version = item.get("version")
        deps.append(Dependency(str(item["name"]), None if version is None else str(version),
                               bool(item.get("optional", False))))
    name = data.get("name")
    models_dir = data.get("models_dir")
    fft_version = data.get("fft_version")
    return Manifest(
        name=str(name) if name is not None else package_root.name,
        version=str(data.get("version", "0")), display=display,
        fft_version=None if fft_version is None else str(fft_version),
        models_dir=None if models_dir is None else str(models_dir),
        dependencies=tuple(deps), name_line=line_of(data, "name"))


_VERSION = re.compile(r"\d+(?:\.\d+){0,2}")
_CLAUSE = re.compile(r"(\^|~|>=|<=|==|!=|>|<|=)?\s*v?(\d+(?:\.\d+){0,2})")


def parse_version(text: str) -> tuple[int, int, int] | None:
    """``"1.2.3"`` -> ``(1, 2, 3)``; ``"0.1"`` -> ``(0, 1, 0)`` (missing parts are 0);
    None for anything else."""
    text = text.strip().removeprefix("v")
    if not _VERSION.fullmatch(text):
        return None
    major, minor, patch, *_ = [*(int(p) for p in text.split(".")), 0, 0]
    return major, minor, patch


def constraint_clauses(constraint: str) -> list[tuple[str, tuple[int, int, int]]] | None:
    """``">=1.0.0,<2.0.0"`` -> ``[(">=", (1, 0, 0)), ("<", (2, 0, 0))]``; carets and
    tildes become their two bounds; None when the text is no constraint."""
    clauses: list[tuple[str, tuple[int, int, int]]] = []
    tokens = re.sub(r"(>=|<=|==|!=|>|<|=|\^|~)\s+", r"\1", constraint.strip())
    for token in filter(None, re.split(r"[,\s]+", tokens)):
        match = _CLAUSE.fullmatch(token)
        if match is None:
            return None
        op, version = match.group(1) or "==", parse_version(match.group(2))
        assert version is not None
        major, minor, patch = version
        if op == "^":
            upper = ((major + 1, 0, 0) if major else (0, minor + 1, 0) if minor
                     else (0, 0, patch + 1))
            clauses += [(">=", version), ("<", upper)]
        elif op == "~":
            clauses += [(">=", version), ("<", (major, minor + 1, 0))]
        else:
            clauses.append(("==" if op == "=" else op, version))
    return clauses or None


_COMPARE = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, ">=": lambda a, b: a >= b,
            "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, "<": lambda a, b: a < b}


def satisfies(version: str, constraint: str) -> bool:
    """Whether ``version`` meets ``constraint`` (``1.2.3``, ``>=1.0.0,<2.0.0``, ``^1.2.3``,
    ``~1.2.3``); a text that is neither is a ValueError."""
    parsed = parse_version(version)
    clauses = constraint_clauses(constraint)
    if parsed is None or clauses is None:
        raise ValueError(version if parsed is None else constraint)
    return all(_COMPARE[op](parsed, bound) for op, bound in clauses)


def check_package(spec: PackageSpec, manifest: Manifest) -> None:
    """The checks of one package against its manifest: its name, the version packages.yml
    asks for, and the FastFlowTransform versions it supports."""
    where = f"package {spec.name!r}"
    if manifest.name != spec.name:
        raise ProjectError(
            f"{PACKAGES_FILE} names the package {spec.name!r}, but its project.yml "
            f"({manifest.display}) says name: {manifest.name!r}",
            file=PACKAGES_FILE, line=spec.line, node=spec.name,
            hint=f"write name: {manifest.name} in {PACKAGES_FILE} (the name in the "
                 "package's project.yml)")
    if spec.version is not None:
        _check_constraint(manifest.version, spec.version, where, spec,
                          f"version {spec.version!r} in {PACKAGES_FILE}",
                          f"change version: in {PACKAGES_FILE}, or use a release of "
                          f"{spec.name} that matches it")
    if manifest.fft_version is not None:
        _check_constraint(FFT_VERSION, manifest.fft_version, where, spec,
                          f"fft_version {manifest.fft_version!r} of its project.yml (pytest-fft "
                          f"follows FastFlowTransform {FFT_VERSION})",
                          f"use a release of {spec.name} made for FastFlowTransform "
                          f"{FFT_VERSION.rsplit('.', 1)[0]}")


def _check_constraint(version: str, constraint: str, where: str, spec: PackageSpec,
                      what: str, hint: str) -> None:
    try:
        ok = satisfies(version, constraint)
    except ValueError as exc:
        bad = str(exc)
        raise ProjectError(
            f"{where}: {bad!r} is not a version or a version constraint ({what})",
            file=PACKAGES_FILE, line=spec.line, node=spec.name,
            hint="versions are MAJOR.MINOR.PATCH (1.2.3); constraints 1.2.3, >=1.0.0,<2.0.0, "
                 "^1.2.3 or ~1.2.3") from None
    if not ok:
        raise ProjectError(
            f"{where} has version {version}, which does not satisfy {what}"
            if "FastFlowTransform" not in what else
            f"{where} does not support FastFlowTransform {version}: {what}",
            file=PACKAGES_FILE, line=spec.line, node=spec.name, hint=hint)


def check_dependencies(specs: tuple[PackageSpec, ...],
                       found: Mapping[str, tuple[Package, Manifest]]) -> None:
    """Every package's ``dependencies`` are declared in this project's packages.yml, at a
    version that meets their constraints (an ``optional`` one may be missing)."""
    line = {spec.name: spec.line for spec in specs}
    for name, (_, manifest) in found.items():
        for dep in manifest.dependencies:
            other = found.get(dep.name)
            if other is None:
                if dep.optional:
                    continue
                raise ProjectError(
                    f"package {name!r} depends on the package {dep.name!r}, which "
                    f"{PACKAGES_FILE} does not declare", file=PACKAGES_FILE,
                    line=line.get(name), node=name,
                    hint=f"add {dep.name} to {PACKAGES_FILE} (see {manifest.display})")
            if dep.version is not None:
                spec = next(s for s in specs if s.name == name)
                _check_constraint(other[0].version, dep.version, f"package {dep.name!r}",
                                  spec, f"the constraint {dep.version!r} of package "
                                        f"{name!r} ({manifest.display})",
                                  f"use a release of {dep.name} that {name} supports")


# --- where packages are -------------------------------------------------------------------


def git_checkout(root: Path, spec: PackageSpec) -> Path:
    """``.fastflowtransform/packages/git/<slug>/repo``: the slug is the package's name and a
    hash of its URL, so another URL for the same name is another clone."""
    assert spec.git is not None
    safe = re.sub(r"[^\w.-]", "_", spec.name)
    digest = hashlib.sha1(spec.git.encode()).hexdigest()[:10]
    return root / GIT_DIR / f"{safe}-{digest}" / "repo"


def checked_out(repo: Path) -> str | None:
    """The commit a clone has checked out (detached, as ``fft deps`` leaves it), read from
    its ``.git/HEAD`` without running git."""
    try:
        head = (repo / ".git" / "HEAD").read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return head if re.fullmatch(r"[0-9a-f]{40,64}", head) else None


def package_root(root: Path, spec: PackageSpec) -> Path:
    if spec.kind == "path":
        return (root / str(spec.path)).resolve()
    base = git_checkout(root, spec)
    return base / spec.subdir if spec.subdir else base


def make_package(spec: PackageSpec, manifest: Manifest, pkg_root: Path, *,
                 rev: str | None = None) -> Package:
    models_dir = (spec.models_dir or manifest.models_dir or MODELS_DIR).strip().strip("/")
    models_dir = models_dir.removeprefix("./") or "."
    return Package(name=spec.name, version=manifest.version, kind=spec.kind, root=pkg_root,
                   models_dir=models_dir, source=spec.where(), rev=rev, subdir=spec.subdir)


def check_models_dir(package: Package, spec: PackageSpec) -> None:
    if not package.models_path.is_dir():
        chosen = ("models_dir in " + (PACKAGES_FILE if spec.models_dir else "its project.yml")
                  if spec.models_dir or package.models_dir != MODELS_DIR
                  else "the default models_dir")
        raise ProjectError(
            f"package {spec.name!r} has no folder {package.models_dir}/ ({chosen}): "
            f"{package.models_path} does not exist", file=PACKAGES_FILE, line=spec.line,
            node=spec.name, hint="set models_dir: to the package's folder of models "
                                 "(relative to the package root)")


def installed_packages(root: Path) -> tuple[Package, ...]:
    """The packages of ``root/packages.yml`` as the project loads them, checked; a git
    package that ``fft deps`` has not fetched (or fetched for another ref) is an error that
    says to run it. Nothing is fetched here."""
    specs = read_packages(root)
    if not specs:
        return ()
    lock = read_lock(root) if any(spec.kind == "git" for spec in specs) else {}
    found: dict[str, tuple[Package, Manifest]] = {}
    for spec in specs:
        pkg_root = package_root(root, spec)
        rev = None
        if spec.kind == "git":
            rev = _fetched_rev(root, spec, lock.get(spec.name))
        elif not pkg_root.is_dir():
            raise ProjectError(
                f"package {spec.name!r}: its path {spec.path!r} is not a folder "
                f"({pkg_root} does not exist)", file=PACKAGES_FILE, line=spec.line,
                node=spec.name, hint=f"fix path: in {PACKAGES_FILE} (relative to the project "
                                     "folder, or absolute)")
        manifest = read_manifest(pkg_root, f"packages/{spec.name}/project.yml", spec)
        check_package(spec, manifest)
        package = make_package(spec, manifest, pkg_root, rev=rev)
        check_models_dir(package, spec)
        found[spec.name] = (package, manifest)
    check_dependencies(specs, found)
    return tuple(package for package, _ in found.values())


def _fetched_rev(root: Path, spec: PackageSpec, entry: LockEntry | None) -> str:
    if entry is None or entry.kind != "git":
        raise ProjectError(
            f"package {spec.name!r} ({spec.git}) is not fetched: {LOCK_FILE} has no entry "
            "for it", file=PACKAGES_FILE, line=spec.line, node=spec.name, hint=DEPS_HINT)
    if not entry.pins(spec):
        before = {"git": entry.git, "subdir": entry.subdir, **(entry.selector or {})}
        now = {"git": spec.git, "subdir": spec.subdir, **spec.selector}
        keys = [k for k in ("git", "subdir", *REF_KEYS) if before.get(k) != now.get(k)]
        was = ", ".join(f"{k}: {before[k]}" for k in keys if before.get(k)) or "no ref"
        is_ = ", ".join(f"{k}: {now[k]}" for k in keys if now.get(k)) or "no ref"
        raise ProjectError(
            f"package {spec.name!r} changed in {PACKAGES_FILE} since it was fetched "
            f"({is_}; {LOCK_FILE} has {was})", file=PACKAGES_FILE, line=spec.line,
            node=spec.name, hint=DEPS_HINT)
    head = checked_out(git_checkout(root, spec))
    if head != entry.rev:
        state = "is not fetched" if head is None else f"is checked out at {head[:12]}"
        raise ProjectError(
            f"package {spec.name!r} ({spec.git}) {state}; {LOCK_FILE} pins {entry.rev}",
            file=PACKAGES_FILE, line=spec.line, node=spec.name, hint=DEPS_HINT)
    return entry.rev or ""


def package_inputs(root: Path) -> Iterator[tuple[str, Path]]:
    """Every file loading the project's packages may read, named for a digest: packages.yml,
    the lock, the commit a git package has checked out, each package's project.yml and the
    files of its models folder. Never raises (a broken packages.yml is the loader's to
    report)."""
    for name in (PACKAGES_FILE, LOCK_FILE):
        yield name, root / name
    try:
        specs = read_packages(root)
    except ProjectError:
        return
    for spec in specs:
        base = package_root(root, spec)
        if spec.kind == "git":
            yield f"{spec.name}:HEAD", git_checkout(root, spec) / ".git" / "HEAD"
        yield f"{spec.name}:project.yml", base / "project.yml"
        models_dir = spec.models_dir
        if models_dir is None:
            try:
                models_dir = read_manifest(base, "project.yml", spec).models_dir
            except ProjectError:
                models_dir = None
        folder = base / (models_dir or MODELS_DIR)
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    yield f"{spec.name}:{path.relative_to(base).as_posix()}", path


# --- packages.lock.yml -------------------------------------------------------------------


def read_lock(root: Path) -> dict[str, LockEntry]:
    """The entries of ``packages.lock.yml`` by package name ({} without the file)."""
    path = root / LOCK_FILE
    if not path.is_file():
        return {}
    data = load_yaml(path, display=LOCK_FILE)
    entries = data.get("packages") if isinstance(data, Mapping) else None
    if not isinstance(entries, list):
        raise ProjectFileError(f"{LOCK_FILE} has no packages: list", file=LOCK_FILE,
                               line=line_of(data), hint=f"delete it and {DEPS_HINT[0].lower()}"
                                                        f"{DEPS_HINT[1:]}")
    found: dict[str, LockEntry] = {}
    for i, item in enumerate(entries):
        source = item.get("source") if isinstance(item, Mapping) else None
        if not isinstance(source, Mapping) or not item.get("name"):
            raise ProjectFileError(f"{LOCK_FILE}: entry {i + 1} is not a locked package",
                                   file=LOCK_FILE, line=line_of(entries, i),
                                   hint=f"delete {LOCK_FILE} and {DEPS_HINT[0].lower()}"
                                        f"{DEPS_HINT[1:]}")
        selector = {k: str(source[k]) for k in REF_KEYS if k != "rev" and source.get(k)}
        if source.get("requested_rev"):
            selector["rev"] = str(source["requested_rev"])
        found[str(item["name"])] = LockEntry(
            name=str(item["name"]), version=str(item.get("version", "")),
            kind=str(source.get("kind", "")), path=_text(source.get("path")),
            git=_text(source.get("git")), rev=_text(source.get("rev")),
            subdir=_text(source.get("subdir")), selector=selector)
    return found


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def lock_text(packages: list[Package], specs: tuple[PackageSpec, ...]) -> str:
    """``packages.lock.yml`` for resolved ``packages``, as FastFlowTransform writes it (a git
    source also records the ref it was resolved from, so that the next ``fft deps`` knows
    whether packages.yml still asks for it)."""
    by_name = {spec.name: spec for spec in specs}
    entries = []
    for package in packages:
        spec = by_name[package.name]
        source: dict[str, Any] = {"kind": package.kind}
        if package.kind == "path":
            source["path"] = str(package.root)
        else:
            source["git"] = package.source
            source["rev"] = package.rev
            if package.subdir:
                source["subdir"] = package.subdir
            for key, value in spec.selector.items():
                source["requested_rev" if key == "rev" else key] = value
        entries.append({"name": package.name, "version": package.version, "source": source})
    return yaml.safe_dump({"fft_version": FFT_VERSION, "packages": entries}, sort_keys=False,
                          default_flow_style=False)

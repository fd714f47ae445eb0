"""``project.yml``: name, version, vars, and the sections later features read (tests, docs,
hooks)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_fft.errors import ProjectFileError
from pytest_fft.project.hooks import HookSpec, parse_hooks
from pytest_fft.project.yaml_io import line_of, load_yaml

KNOWN_KEYS = frozenset({"name", "version", "vars", "tests", "docs", "models", "seeds", "profile",
                        "models_dir", "hooks"})
MODELS_DIR = "models"


@dataclass(frozen=True)
class ProjectConfig:
    name: str
    version: str
    vars: Mapping[str, Any] = field(default_factory=dict)
    tests: Sequence[Any] = ()  # the YAML list itself, so entries keep their line numbers
    docs: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    hooks: tuple[HookSpec, ...] = ()  # the hooks: block (see project/hooks.py)


def load_project_config(path: Path, default_name: str,
                        display: str = "project.yml") -> ProjectConfig:
    """Read ``project.yml``; a missing file gives a project named after its folder."""
    data = load_yaml(path, display=display) if path.exists() else None
    if data is None:
        return ProjectConfig(name=default_name, version="0")
    if not isinstance(data, Mapping):
        raise ProjectFileError(f"{display} must be a mapping", file=display, line=line_of(data))
    warnings = tuple(
        f"{display}:{line_of(data, key)}: unknown key {key!r} is ignored"
        for key in data
        if key not in KNOWN_KEYS
    )
    vars_ = data.get("vars") or {}
    if not isinstance(vars_, Mapping):
        raise ProjectFileError(f"{display}: 'vars' must be a mapping", file=display,
                               line=line_of(data, "vars"), hint="vars: {start_date: '2024-01-01'}")
    tests = data.get("tests") or []
    if not isinstance(tests, list):
        raise ProjectFileError(f"{display}: 'tests' must be a list of checks", file=display,
                               line=line_of(data, "tests"))
    docs = data.get("docs") or {}
    if not isinstance(docs, Mapping):
        raise ProjectFileError(f"{display}: 'docs' must be a mapping", file=display,
                               line=line_of(data, "docs"),
                               hint="docs: {models: {users.ff: {description: One row per "
                                    "user., columns: {id: Primary key.}}}}")
    models_dir = data.get("models_dir", MODELS_DIR)
    if str(models_dir).strip().strip("/").removeprefix("./") != MODELS_DIR:
        raise ProjectFileError(
            f"{display}: models_dir {models_dir!r} is not supported: pytest-fft reads models "
            f"from {MODELS_DIR}/", file=display, line=line_of(data, "models_dir"),
            hint=f"move the model files to {MODELS_DIR}/ and remove models_dir (or set it to "
                 f"{MODELS_DIR})")
    version = data.get("version", "0")
    for key, value, example in (("name", data.get("name"), "name: shop"),
                                ("version", version, "version: '1.0'")):
        if isinstance(value, (Mapping, list, bool)):
            raise ProjectFileError(
                f"{display}: {key!r} must be a string or a number, not {_kind(value)}",
                file=display, line=line_of(data, key), hint=example)
    return ProjectConfig(
        name=str(data.get("name") or default_name),
        version=str(version),
        vars=dict(vars_),
        tests=tests,
        docs=docs,
        raw=data,
        warnings=warnings,
        hooks=parse_hooks(data.get("hooks"), display),
    )


def _kind(value: object) -> str:
    return ("a mapping" if isinstance(value, Mapping)
            else "a list" if isinstance(value, list) else "true/false")

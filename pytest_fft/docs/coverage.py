"""What the docs say covers a node: the checks that test its relation and the unit cases of
it, each with its last outcome, and the hooks that run around its build (a model's own
``pre_hook``/``post_hook``, project.yml's ``before_model``/``after_model`` hooks whose
``select`` takes it) and around every run.

Pure: the project, the unit cases and the last results in; what each page lists out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_fft.docs.last_run import LastRun
from pytest_fft.project.hooks import (
    MODEL_EVENTS,
    RUN_EVENTS,
    HookSpec,
    model_hooks,
)
from pytest_fft.project.records import Project


@dataclass(frozen=True)
class Covered:
    """A check or unit case of a node, with its last outcome (``status`` empty: not run)."""

    kind: str  # check | unit
    name: str
    where: str  # file:line
    status: str = ""
    message: str | None = None


@dataclass(frozen=True)
class HookDoc:
    """A hook as the docs list it."""

    when: str  # on_run_start | on_run_end | before_model | after_model
    label: str  # kind:name
    where: str  # file:line
    limits: str = ""  # "engines: duckdb · envs: prod", when it has any


def covering(project: Project, last: LastRun, unit_cases: Sequence[Any] = ()
             ) -> dict[str, list[Covered]]:
    """Node name -> its checks (project.yml order), then its unit cases (file order)."""
    out: dict[str, list[Covered]] = {}
    for name, check in project.checks.items():
        status, message = last.checks.get(name, ("", None))
        entry = Covered("check", name, f"{check.rel_path}:{check.line}", status, message)
        for parent in project.dag.parents.get(name, ()):
            if parent in project.models or parent in project.seeds:
                out.setdefault(parent, []).append(entry)
    for case in unit_cases:
        status, message = last.units.get(case.node_id, ("", None))
        out.setdefault(case.model, []).append(
            Covered("unit", case.name, f"{case.rel_path}:{case.line}", status, message))
    return out


def model_hooks_by_node(project: Project, selected: Mapping[int, set[str]] | None = None
                        ) -> dict[str, list[HookDoc]]:
    """Model name -> the hooks run before and after its build. ``selected``: per project
    hook (``id(spec)``), the models its ``select`` takes; computed when not given, and a
    ``select`` that matches nothing (or cannot be read) lists the hook nowhere."""
    specs = [s for s in project.config.hooks if s.when in MODEL_EVENTS]
    chosen = dict(selected) if selected is not None else _selections(project, specs)
    out: dict[str, list[HookDoc]] = {}
    for name, model in project.models.items():
        listed = [_doc(s) for s in specs if name in chosen.get(id(s), set())]
        listed += [_doc(s) for s in model_hooks(model)]
        if listed:
            out[name] = sorted(listed, key=lambda h: MODEL_EVENTS.index(h.when))
    return out


def run_hooks(project: Project) -> list[HookDoc]:
    """The ``on_run_start`` and ``on_run_end`` hooks of project.yml, in that order."""
    return [_doc(s) for when in RUN_EVENTS for s in project.config.hooks if s.when == when]


def _selections(project: Project, specs: Sequence[HookSpec]) -> dict[int, set[str]]:
    from pytest_fft.errors import FFTError
    from pytest_fft.project.selection import hook_models

    out: dict[int, set[str]] = {}
    for spec in specs:
        try:
            out[id(spec)] = hook_models(project, spec)
        except FFTError:  # `fft run` reports it; the docs list the hook nowhere
            out[id(spec)] = set()
    return out


def _doc(spec: HookSpec) -> HookDoc:
    limits = " · ".join(f"{key}: {', '.join(values)}" for key, values in
                        (("engines", spec.engines), ("envs", spec.envs)) if values)
    where = f"{spec.file}:{spec.line}" if spec.line else spec.file
    return HookDoc(spec.when, spec.label, where, limits)

"""What runs, in which order: ``--fft-select``, the unit-case options, and DAG order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_fft.errors import FFTError
from pytest_fft.plugin.state import FFTState


def order_items(config: pytest.Config, state: FFTState, items: list[pytest.Item]) -> None:
    """Narrow ``items`` by the fft options and sort the node items by (DAG level, name) in
    the slots they occupy; other items stay where they are."""
    from pytest_fft.plugin.items import NodeItem

    if state.options.utest_models or state.options.utest_cases:
        _select_unit_cases(config, state, items)
    if hasattr(config, "workerinput"):
        from pytest_fft.plugin.unit_items import frame_cases_first

        frame_cases_first(items)
    node_items = [i for i in items if isinstance(i, NodeItem)]
    if not node_items:
        return
    if state.options.select or state.options.exclude:
        _apply_selection(config, state, items, node_items)
        node_items = [i for i in items if isinstance(i, NodeItem)]
    slots = [index for index, item in enumerate(items) if isinstance(item, NodeItem)]
    ordered = sorted(node_items, key=_order_key)
    for index, item in zip(slots, ordered, strict=True):
        items[index] = item


def hand_nodes_to_runs(session: pytest.Session) -> bool:
    """Tell each project's BuildRun which nodes the collected items ask for; whether there
    is any."""
    from pytest_fft.plugin.items import NodeItem

    collected: dict[int, tuple[Any, set[str]]] = {}  # id(BuildRun) -> (run, node names)
    for item in session.items:
        if isinstance(item, NodeItem):
            collected.setdefault(id(item.build_run), (item.build_run, set()))[1].add(
                item.node_name)
            if not item.build_run.started_early:
                item.build_run.nodes.append(item.node_name)
    for run, names in collected.values():
        if run.started_early and names != set(run.nodes):  # cannot happen without a hook
            raise pytest.UsageError(
                f"pytest-fft started building {len(run.nodes)} nodes once the project was "
                f"loaded, but pytest collected {len(names)}: a plugin or conftest.py hook "
                "changed the selection. Add `-k \"not fft_none\"` to the command (after `--` "
                "for fft): the build then waits for the collected items")
    return bool(collected)


def _select_unit_cases(config: pytest.Config, state: FFTState, items: list[pytest.Item]) -> None:
    """``fft utest --model M --case C``: keep the unit cases of those models / names."""
    from pytest_fft.plugin.unit_items import UnitCaseItem
    from pytest_fft.project.names import relation_for

    models = {relation_for(m) for m in state.options.utest_models}
    cases = set(state.options.utest_cases)
    unit_items = [i for i in items if isinstance(i, UnitCaseItem)]
    for wanted, known, what, listed in (
        (models, {relation_for(i.case.model) for i in unit_items}, "no unit case for model",
         "models with unit cases"),
        (cases, {i.case.name for i in unit_items}, "no unit case named", "unit cases"),
    ):
        unknown = sorted(wanted - known)
        if unknown:
            raise pytest.UsageError(f"{what} {unknown[0]!r}; {listed}: "
                                    f"{', '.join(sorted(known)) or 'none'}")
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        if isinstance(item, UnitCaseItem) and (
            (models and relation_for(item.case.model) not in models)
            or (cases and item.case.name not in cases)
        ):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _order_key(item: Any) -> tuple[str, int, str, int, str]:
    """(project, level, name) -- a check sorts right after the (last) node it reads."""
    project = item.build_run.project
    name = item.node_name
    check = project.checks.get(name)
    if check is None:
        return (str(project.root), project.dag.level_of(name), name, 0, "")
    anchor = max(check.deps, key=lambda d: (project.dag.level_of(d), d), default=None)
    if anchor is None:
        return (str(project.root), 0, "", 1, f"{check.line:08d}")
    return (str(project.root), project.dag.level_of(anchor), anchor, 1, f"{check.line:08d}")


def _apply_selection(config: pytest.Config, state: FFTState, items: list[pytest.Item],
                     node_items: list[Any]) -> None:
    from pytest_fft.plugin.items import NodeItem

    wanted: dict[Path, set[str]] = {}
    for item in node_items:
        run = item.build_run
        if run.root not in wanted:
            try:
                wanted[run.root] = run.selection(state.options.select, state.options.exclude)
            except FFTError as exc:
                raise pytest.UsageError(str(exc)) from None
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        if isinstance(item, NodeItem):
            (keep if item.node_name in wanted[item.build_run.root] else drop).append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep

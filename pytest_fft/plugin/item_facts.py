"""What a report tells about its seed, model, check or unit case, for a reporter without the
items: pytest-xdist's controller receives the workers' reports, never their items.

In a worker, every report of one of our items carries ``report.fft_item``, a small JSON-able
mapping. Reports travel from worker to controller as JSON with their attributes, and unlike
``user_properties`` the mapping does not reach a JUnit XML file.
"""

from __future__ import annotations

from typing import Any

import pytest


def item_facts(item: Any) -> dict[str, Any]:
    """The project, env, engine, jobs and kind of ``item``; a check's type and scope; a seed's
    or model's DAG level; the error that kept its warehouse from opening, if one did."""
    run = item.build_run
    kind = getattr(item, "kind", "unit")
    facts: dict[str, Any] = {
        "project": run.project.name,
        "root": str(run.project.root),  # resolved when the project was loaded
        "env": run.profile.env_name if run.profile is not None else None,
        "engine": item.engine_abbrev if kind == "unit" else run.engine_abbrev,
        "jobs": run.settings.jobs,
        "kind": kind,
    }
    if run.startup_error is not None:  # the warehouse could not be opened: nothing ran
        facts["startup_error"] = run.startup_error.render()
    case = getattr(item, "case", None)
    if kind == "unit" and case is not None:  # for utest_results.json (see unit_results)
        facts["unit"] = {"root": facts["root"], "model": case.model,
                         "case": case.name, "node_id": case.node_id, "file": case.rel_path,
                         "line": case.line, "engine": item._engine_name()}
    name = getattr(item, "node_name", None)
    if kind == "check":
        check = run.project.checks.get(name)
        if check is not None:
            facts["check"] = [check.spec.type, check.spec.scope]
    elif name is not None and name in run.project.dag:
        facts["level"] = run.project.dag.level_of(name)
    return facts


class WorkerItemFacts:
    """Registered in pytest-xdist workers of a pytest-fft session."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: Any) -> Any:
        report = yield
        if hasattr(item, "build_run"):
            report.fft_item = item_facts(item)
        return report

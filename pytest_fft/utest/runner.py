"""Running one unit case: load its inputs into a private engine, build only the target model,
compare what it produced with what the case expects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..building import build_node

if TYPE_CHECKING:
    from ..project import Project
    from .compare import FrameDiff
    from .spec import UnitCase


def run_case(project: Project, case: UnitCase, engine: Any) -> FrameDiff:
    """Build ``case.model`` on ``engine`` from the case's inputs and diff the result."""
    from .compare import compare_frames, expected_frame, input_frame

    for relation, data in case.inputs.items():
        if data.rows and hasattr(engine, "load_rows"):
            try:
                engine.load_rows(relation, data.columns, data.rows)
                continue
            except ValueError:
                pass  # mixed types in a column: let pandas' typing rules decide
        engine.write_frame(relation, input_frame(data), "table")
    build_node(project, engine, project.models[case.model])
    # The case runs in its own schema: a schema prefix in `expect.relation` names the table
    # the model builds, which lives here.
    actual = engine.read_frame(case.expect.relation.split(".")[-1])
    return compare_frames(actual, case.expect, expected_frame(case.expect))

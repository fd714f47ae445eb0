"""Running one unit case: load its inputs into a private engine, build only the target model,
compare what it produced with what the case expects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..building import build_node, engine_failure

if TYPE_CHECKING:
    from ..project import Model, Project
    from .compare import FrameDiff
    from .spec import UnitCase


def run_case(project: Project, case: UnitCase, engine: Any) -> FrameDiff:
    """Build ``case.model`` on ``engine`` from the case's inputs and diff the result."""
    from .compare import compare_frames, expected_cells, input_frame

    model = project.models[case.model]
    actual = _select_directly(project, model, case, engine)
    if actual is None:
        for relation, data in case.inputs.items():
            if data.rows and hasattr(engine, "load_rows"):
                try:
                    engine.load_rows(relation, data.columns, data.rows)
                    continue
                except ValueError:
                    pass  # mixed types in a column: let pandas' typing rules decide
            engine.write_frame(relation, input_frame(data), "table")
        build_node(project, engine, model)
        # The case runs in its own schema: a schema prefix in `expect.relation` names the
        # table the model builds, which lives here.
        actual = engine.read_frame(case.expect.relation.split(".")[-1])
    return compare_frames(actual, case.expect, expected_cells(case.expect))


def needs_frames(project: Project, case: UnitCase) -> bool:
    """Whether the case goes through pandas (a Python model, a CSV file): the first such case
    of a process pays pandas' import, a SQL model's case with inline rows never does."""
    model = project.models[case.model]
    return (model.kind != "sql" or case.expect.csv is not None
            or any(data.csv is not None for data in case.inputs.values()))


def _select_directly(project: Project, model: Model, case: UnitCase, engine: Any) -> Any:
    """The SQL model's result as one query over its inline inputs, where the engine can run
    one (``select_with_inputs``): no table is created for the inputs or the result. ``None``
    where the case needs tables (CSV inputs, schema-qualified names, Python models,
    columns without one SQL type)."""
    if (model.kind != "sql" or not model.sql or not hasattr(engine, "select_with_inputs")
            or case.expect.relation.split(".")[-1] != model.relation):
        return None
    from ..engines.duckdb import inline_relation
    from .compare import Cells

    inputs = {}
    for relation, data in case.inputs.items():
        if not data.rows or "." in relation:
            return None
        try:
            inputs[relation] = inline_relation(data.columns, data.rows)
        except ValueError:
            return None
    try:
        names, rows = engine.select_with_inputs(model.sql, inputs)
    except Exception as exc:
        raise engine_failure(project, engine, model, exc, model.sql) from exc
    return Cells(tuple(names), tuple(zip(*rows)) if rows else tuple(() for _ in names), len(rows))

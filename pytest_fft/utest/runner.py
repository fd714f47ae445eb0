"""Running one unit case: load its inputs into a private engine, build only the target model,
compare what it produced with what the case expects."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pytest_fft.engines.capabilities import FrameReader, InlineInputs, RowLoader, capability
from pytest_fft.project.python_models import resolve_function
from pytest_fft.run.building import build_node, engine_failure, python_model_result

if TYPE_CHECKING:
    from pytest_fft.project.records import Model, Project
    from pytest_fft.utest.compare import FrameDiff
    from pytest_fft.utest.spec import UnitCase

sql_log = logging.getLogger("pytest_fft.sql")


def run_case(project: Project, case: UnitCase, engine: Any) -> FrameDiff:
    """Build ``case.model`` on ``engine`` from the case's inputs and diff the result."""
    from pytest_fft.utest.compare import compare_frames, expected_cells, input_frame

    model = project.models[case.model]
    actual = _select_directly(project, model, case, engine)
    if actual is None:
        loader = capability(engine, RowLoader)
        for relation, data in case.inputs.items():
            if data.rows and loader is not None:
                try:
                    loader.load_rows(relation, data.columns, data.rows)
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
    """The model's result without a table, where the engine can give one
    (:class:`~pytest_fft.engines.capabilities.InlineInputs`) and every input is inline rows
    with one SQL type per column: a SQL model is one query over its inputs; a Python model
    (on an engine that is also a :class:`~pytest_fft.engines.capabilities.FrameReader`) is
    called on frames read from them and its result is read back through a query. ``None``
    where the case needs tables (CSV inputs, schema-qualified names, columns of mixed
    kinds)."""
    direct = capability(engine, InlineInputs)
    if direct is None or case.expect.relation.split(".")[-1] != model.relation:
        return None
    from pytest_fft.utest.compare import Cells

    inputs = {}
    for relation, data in case.inputs.items():
        if not data.rows or "." in relation:
            return None
        try:
            inputs[relation] = direct.inline_rows(data.columns, data.rows)
        except ValueError:
            return None
    reader = capability(engine, FrameReader)
    if model.kind == "sql" and model.sql:
        sql = model.sql
        if sql_log.isEnabledFor(logging.DEBUG):  # what build_node logs on the other path
            sql_log.debug("-- %s (%s), case %s\n%s", model.name, model.rel_path, case.name, sql)
    elif (model.kind == "python" and reader is not None
          and set(model.relations_of_deps) <= set(inputs)):
        sql, inputs = _python_result(project, model, engine, reader, inputs)
    else:
        return None
    try:
        names, rows = direct.select_with_inputs(sql, inputs)
    except Exception as exc:
        # The case's query wraps the model's SQL: its LINE n is no line of the model's file.
        raise engine_failure(project, engine, model, exc, model.sql,
                             sent_as_compiled=False) from exc
    columns = tuple(zip(*rows, strict=True)) if rows else tuple(() for _ in names)
    return Cells(tuple(names), columns, len(rows))


_RESULT = "__fft_model_result"


def _python_result(project: Project, model: Model, engine: Any, reader: FrameReader,
                   inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Call the Python model on frames of its inline inputs, as a build would have read them
    from tables; the query that reads its result back, as a build would have stored it."""
    resolve_function(model.func)
    try:
        frames = {rel: reader.frame_of(inputs[rel]) for rel in model.relations_of_deps}
    except Exception as exc:
        raise engine_failure(project, engine, model, exc) from exc
    result = python_model_result(engine, model, frames)
    return f"select * from {_RESULT}", {_RESULT: result}

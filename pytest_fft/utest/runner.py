"""Running one unit case: load its inputs into a private engine, build only the target model,
compare what it produced with what the case expects.

An incremental case (``is_incremental: true``) runs the model as a later run would: a SQL
model's delta SELECT over its inputs and ``this`` (the case's rows of the model's own table),
a Python model's function (its frame is the delta). With ``expect.after_merge`` the rows of
``this`` become the model's table in the private schema and the model is built on it, as a
build applies a delta (:class:`~pytest_fft.engines.capabilities.IncrementalTarget`), and the
table is read back."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pytest_fft.engines.capabilities import (
    FrameReader,
    InlineInputs,
    RowLoader,
    RowReader,
    capability,
)
from pytest_fft.project.python_models import resolve_function
from pytest_fft.run.building import build_node, engine_failure, python_model_result
from pytest_fft.utest.source_inputs import localized

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pytest_fft.project.records import Model, Project
    from pytest_fft.utest.compare import FrameDiff
    from pytest_fft.utest.spec import InputData, UnitCase

sql_log = logging.getLogger("pytest_fft.sql")


def run_case(project: Project, case: UnitCase, engine: Any) -> FrameDiff:
    """Build ``case.model`` on ``engine`` from the case's inputs and diff the result."""
    from pytest_fft.utest.compare import compare_frames, expected_cells, input_frame

    model, inputs = localized(project, project.models[case.model], case.inputs)
    after_merge = case.expect.after_merge
    actual = None if after_merge else _select_directly(project, model, case, inputs, engine)
    if actual is None:
        loader = capability(engine, RowLoader)
        given = dict(inputs)
        # `this` is the model's table before the run: what the delta is applied to, and what
        # a SQL model's delta may read ({{ this }}). A Python model reads only its deps.
        if case.this is not None and (after_merge or model.kind == "sql"):
            given[model.relation] = case.this
        for relation, data in given.items():
            if data.rows and loader is not None:
                try:
                    loader.load_rows(relation, data.columns, data.rows)
                    continue
                except ValueError:
                    pass  # mixed types in a column: let pandas' typing rules decide
            engine.write_frame(relation, input_frame(data), "table")
        if case.is_incremental and not after_merge and model.kind == "sql":
            actual = _delta_frame(project, engine, model)
        else:
            # With `this` loaded, the build applies the delta to it as a later run does.
            build_node(project, engine, model)
            # The case runs in its own schema: a schema prefix in `expect.relation` names the
            # table the model builds, which lives here.
            actual = _read_result(engine, case.expect.relation.split(".")[-1])
    return compare_frames(actual, case.expect, expected_cells(case.expect))


def _read_result(engine: Any, relation: str) -> Any:
    """A table the case built, as the comparison reads it: the engine's frame (pandas or
    Arrow), or its rows where the engine's frames are neither (:class:`RowReader`)."""
    rows = capability(engine, RowReader)
    if rows is None:
        return engine.read_frame(relation)
    from pytest_fft.utest.compare import Cells

    return Cells.of_rows(*rows.read_rows(relation))


_DELTA = "_fft_case_delta"


def _delta_frame(project: Project, engine: Any, model: Model) -> Any:
    """The rows of a SQL model's delta over the loaded inputs (``this`` is the model's
    relation, so they go to a table of another name)."""
    sql = _delta_sql(model)
    if sql_log.isEnabledFor(logging.DEBUG):
        sql_log.debug("-- %s (%s) delta\n%s", model.name, model.rel_path, sql)
    try:
        engine.create_relation(_DELTA, sql, "table")
    except Exception as exc:
        # Lines of the delta SQL are not lines of the model file.
        raise engine_failure(project, engine, model, exc, sql, sent_as_compiled=False) from exc
    return _read_result(engine, _DELTA)


def _delta_sql(model: Model) -> str:
    """The SELECT a later run of an incremental SQL model builds its delta from."""
    sql = model.delta_sql or model.sql
    assert sql is not None
    return sql


def needs_frames(project: Project, case: UnitCase) -> bool:
    """Whether the case goes through pandas (a Python model, a CSV file): the first such case
    of a process pays pandas' import, a SQL model's case with inline rows never does."""
    model = project.models[case.model]
    return (model.kind != "sql" or case.expect.csv is not None or case.expect.after_merge
            or any(data.csv is not None for data in case.inputs.values())
            or (case.this is not None and case.this.csv is not None))


def _select_directly(project: Project, model: Model, case: UnitCase,
                     case_inputs: Mapping[str, InputData], engine: Any) -> Any:
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

    given = dict(case_inputs)
    if case.this is not None and model.kind == "sql":  # what {{ this }} names in the delta
        given[model.relation] = case.this
    inputs = {}
    for relation, data in given.items():
        if not data.rows or "." in relation:
            return None
        try:
            inputs[relation] = direct.inline_rows(data.columns, data.rows)
        except ValueError:
            return None
    reader = capability(engine, FrameReader)
    compiled = model.sql
    if model.kind == "sql" and model.sql:
        sql = compiled = _delta_sql(model) if case.is_incremental else model.sql
        if sql_log.isEnabledFor(logging.DEBUG):  # what build_node logs on the other path
            what = " delta" if case.is_incremental else ""
            sql_log.debug("-- %s (%s)%s, case %s\n%s", model.name, model.rel_path, what,
                          case.name, sql)
    elif (model.kind == "python" and reader is not None
          and set(model.relations_of_deps) <= set(inputs)):
        sql, inputs = _python_result(project, model, engine, reader, inputs)
    else:
        return None
    try:
        names, rows = direct.select_with_inputs(sql, inputs)
    except Exception as exc:
        # The case's query wraps the model's SQL: its LINE n is no line of the model's file.
        raise engine_failure(project, engine, model, exc, compiled,
                             sent_as_compiled=False) from exc
    return Cells.of_rows(names, rows)


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

"""Building one node on an engine: a seed, a SQL model, or a Python model.

Each function returns the rows written (if the engine knows) and raises an
:class:`~pytest_fft.errors.FFTError` that names the node and its file on failure.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from typing import Any

from pytest_fft.atomic import write_atomic
from pytest_fft.engines.base import Engine
from pytest_fft.engines.seed_files import SeedFileError
from pytest_fft.errors import (
    CODE_ENDS_RUN_HINT,
    FFTError,
    ModelError,
    ModelReturnTypeError,
    line_in_traceback,
    raised_by_code,
)
from pytest_fft.project.python_models import resolve_function
from pytest_fft.project.records import Model, Node, Project, Seed
from pytest_fft.project.validation import validate_required_columns
from pytest_fft.redact import redact

sql_log = logging.getLogger("pytest_fft.sql")


def build_node(project: Project, engine: Engine, node: Node) -> int | None:
    if isinstance(node, Seed):
        return _build_seed(project, engine, node)
    if not isinstance(node, Model):
        raise TypeError(f"{node.name} is a {node.kind}: only seeds and models are built")
    if node.kind == "sql":
        return _build_sql(project, engine, node)
    return _build_python(project, engine, node)


def engine_failure(project: Project, engine: Engine, model: Node, exc: Exception,
                    sql: str | None = None, *, sent_as_compiled: bool = True) -> ModelError:
    """The engine's error as a :class:`ModelError` of ``model``; ``sql`` (its compiled SQL)
    is saved for the user. ``sent_as_compiled``: the engine ran ``sql`` from its first line
    (a build), so the line its error points at (``Engine.error_line``) is that line of the
    compiled file, and of the model file too when rendering kept the template's lines
    (``Model.sql_line``)."""
    message = str(exc).strip() or type(exc).__name__
    compiled = _write_compiled(project, model, sql) if sql is not None else None
    hint = f"compiled SQL: {compiled}" if compiled else "fix the model and run again"
    line = getattr(model, "line", None)
    at = engine.error_line(exc) if sql is not None and sent_as_compiled else None
    if at is not None:
        if compiled:
            hint = f"compiled SQL: {compiled}:{at}"
        sql_line = getattr(model, "sql_line", 0)  # 0: rendering moved the template's lines
        if sql_line:
            line = sql_line + at - 1
    return ModelError(
        f"{model.name} failed on {engine.name}: {message}",
        file=model.rel_path, line=line, node=model.name, hint=hint,
    )


def _write_compiled(project: Project, model: Node, sql: str) -> str | None:
    path = project.root / ".fastflowtransform" / "target" / "compiled" / model.rel_path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Never a file cut short by a full disk; secrets (a token in a var()) masked.
        write_atomic(path, redact(sql), durable=False)
    except OSError:
        return None
    return str(path.relative_to(project.root))


def _build_seed(project: Project, engine: Engine, seed: Seed) -> int | None:
    try:
        return engine.load_seed(seed.relation, str(seed.path), seed.format)
    except FFTError:
        raise
    except SeedFileError as exc:
        raise ModelError(f"{seed.name}: {exc.problem}", file=seed.rel_path, line=exc.line,
                         node=seed.name, hint=exc.fix(seed.rel_path)) from exc
    except Exception as exc:
        raise ModelError(
            f"{seed.name} failed on {engine.name}: {str(exc).strip() or type(exc).__name__}",
            file=seed.rel_path, line=None, node=seed.name,
            hint=f"fix {seed.rel_path} and load it again (fft seed)") from exc


def _build_sql(project: Project, engine: Engine, model: Model) -> int | None:
    assert model.sql is not None
    if sql_log.isEnabledFor(logging.DEBUG):
        sql_log.debug("-- %s (%s)\n%s", model.name, model.rel_path, model.sql)
    try:
        return engine.create_relation(model.relation, model.sql, model.materialized)
    except Exception as exc:
        raise engine_failure(project, engine, model, exc, model.sql) from exc


def python_model_result(engine: Engine, model: Model, inputs: Mapping[str, Any]) -> Any:
    """What a Python model returns for ``inputs`` (its frames by relation, in dependency
    order), after checking its required columns; an :class:`FFTError` naming the model when
    it raises or returns something that is not a frame of ``engine``."""
    if sql_log.isEnabledFor(logging.DEBUG):
        for rel, frame in inputs.items():
            sql_log.debug("-- %s input %s columns: %s", model.name, rel, list(frame.columns))
    validate_required_columns(model.name, inputs, model.requires, file=model.rel_path,
                              line=model.line)
    try:
        result = call_model_function(model, inputs)
    except FFTError:
        raise
    except (Exception, SystemExit, KeyboardInterrupt) as exc:
        if not raised_by_code(exc):
            raise
        stops = not isinstance(exc, Exception)
        raise ModelError(
            f"{model.name} raised {type(exc).__name__}: {exc}",
            file=model.rel_path, line=line_in_traceback(exc, model.path) or model.line,
            node=model.name,
            hint=CODE_ENDS_RUN_HINT if stops else
            "inspect the input columns (use relation_for(dep) as dict keys) "
            "or run with FFT_TRACE=1 for the traceback",
        ) from exc
    if not engine.is_frame(result):
        raise ModelReturnTypeError(
            f"{model.name} returned {type(result).__module__}.{type(result).__qualname__}, "
            f"not a DataFrame",
            file=model.rel_path, line=model.line, node=model.name,
            hint="return a pandas DataFrame from the model function",
        )
    return result


def call_model_function(model: Model, inputs: Mapping[str, Any]) -> Any:
    """Call a Python model with its inputs in the shape the function asks for.

    No deps: ``f()``. One dep: ``f(df)``. Several: one positional frame per dependency
    when the function declares exactly that many parameters (FastFlowTransform 0.6),
    else one ``dict`` keyed by physical relation (v0.4).
    """
    assert model.func is not None
    func = resolve_function(model.func)
    frames = list(inputs.values())
    if not frames:
        return func()
    if len(frames) == 1:
        return func(frames[0])
    if _positional_arity(func) == len(frames):
        return func(*frames)
    return func(dict(inputs))


def _positional_arity(func: Any) -> int | None:
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    # Parameters with defaults are options, not inputs: ``def f(dfs, debug=False)`` gets a dict.
    return sum(1 for p in params
               if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty)


def _build_python(project: Project, engine: Engine, model: Model) -> int | None:
    resolve_function(model.func)  # the module's first model imports it: its errors come first
    try:
        inputs = {dep_rel: engine.read_frame(dep_rel) for dep_rel in model.relations_of_deps}
    except Exception as exc:
        raise engine_failure(project, engine, model, exc) from exc
    result = python_model_result(engine, model, inputs)
    try:
        return engine.write_frame(model.relation, result, model.materialized)
    except Exception as exc:
        raise engine_failure(project, engine, model, exc) from exc

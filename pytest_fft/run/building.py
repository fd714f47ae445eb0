"""Building one node on an engine: a seed, a SQL model, or a Python model.

Each function returns the rows written (if the engine knows) and raises an
:class:`~pytest_fft.errors.FFTError` that names the node and its file on failure.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pytest_fft.atomic import write_atomic
from pytest_fft.engines.base import Engine
from pytest_fft.engines.capabilities import (
    IncrementalTarget,
    PartitionedTables,
    SelectFrame,
    capability,
)
from pytest_fft.engines.incremental_sql import DeltaPlan, stage_name
from pytest_fft.engines.seed_files import SeedFileError, SeedShape
from pytest_fft.errors import (
    CODE_ENDS_RUN_HINT,
    FFTError,
    ModelError,
    ModelReturnTypeError,
    line_in_traceback,
    raised_by_code,
)
from pytest_fft.project.names import relation_for
from pytest_fft.project.python_models import resolve_function
from pytest_fft.project.records import Model, Node, Project, Seed
from pytest_fft.project.validation import validate_required_columns
from pytest_fft.redact import redact

sql_log = logging.getLogger("pytest_fft.sql")


def build_node(project: Project, engine: Engine, node: Node, *,
               full_refresh: bool = False) -> int | None:
    """Build ``node``; ``full_refresh``: an incremental model is built in full again."""
    if isinstance(node, Seed):
        return _build_seed(project, engine, node)
    if not isinstance(node, Model):
        raise TypeError(f"{node.name} is a {node.kind}: only seeds and models are built")
    if node.materialized == "ephemeral":
        return None  # inlined into its dependents' SQL: nothing to build
    target = _incremental_target(engine, node, full_refresh)
    if node.kind == "sql":
        return _build_sql(project, engine, node, target)
    return _build_python(project, engine, node, target)


@dataclass(frozen=True)
class SnapshotOptions:
    """A run that takes snapshots (``fft snapshot run``, ``--fft-snapshot``, ``fft build``):
    ``keep_last`` versions per key are kept (None: no pruning); ``dry_run`` only counts."""

    keep_last: int | None = None
    dry_run: bool = False


LEFT_ALONE = ("a snapshot: fft run leaves snapshots alone; take it with fft snapshot run "
              "(pytest --fft-snapshot) or fft build")


def build_snapshot(project: Project, engine: Engine, model: Model,
                   options: SnapshotOptions) -> tuple[int | None, str]:
    """Take snapshot ``model``: ``(versions opened, what happened)``."""
    from datetime import UTC, datetime

    from pytest_fft.engines.capabilities import SnapshotTarget
    from pytest_fft.engines.snapshot_sql import SnapshotPlan

    assert model.sql is not None and model.snapshot is not None
    target = capability(engine, SnapshotTarget)
    if target is None:
        raise ModelError(f"{model.name} is a snapshot, which {engine.name} does not keep",
                         file=model.rel_path, line=model.line, node=model.name,
                         hint="take snapshots on duckdb or postgres")
    spec = model.snapshot
    plan = SnapshotPlan(spec.strategy, spec.unique_key, spec.updated_at, spec.check_cols)
    if sql_log.isEnabledFor(logging.DEBUG):
        sql_log.debug("-- %s (%s) snapshot\n%s", model.name, model.rel_path, model.sql)
    run_at = datetime.now(UTC).replace(tzinfo=None)
    try:
        outcome = target.apply_snapshot(model.relation, model.sql, plan, run_at,
                                        keep_last=options.keep_last, dry_run=options.dry_run)
    except Exception as exc:
        raise engine_failure(project, engine, model, exc, model.sql,
                             sent_as_compiled=False) from exc
    return outcome.opened, outcome.describe()


def _incremental_target(engine: Engine, model: Model, full_refresh: bool) -> Any:
    """The engine as :class:`IncrementalTarget` when ``model`` applies a delta this time (it is
    incremental, its table exists, no full refresh); None when it is built in full."""
    spec = model.incremental
    if spec is None or full_refresh or spec.strategy == "full_refresh":
        return None
    target = capability(engine, IncrementalTarget)
    if target is None:
        raise ModelError(f"{model.name} is incremental, which {engine.name} does not support",
                         file=model.rel_path, line=model.line, node=model.name,
                         hint="make it materialized='table' on this engine")
    return target if target.relation_exists(model.relation) else None


def _merges(model: Model) -> bool:
    spec = model.incremental
    return spec is not None and spec.strategy == "merge" and bool(spec.unique_key)


def _incremental(engine: Engine) -> Any:
    """The engine as :class:`IncrementalTarget` (a merging model was refused on an engine
    without it: see :func:`_incremental_target`)."""
    target = capability(engine, IncrementalTarget)
    assert target is not None, "an incremental model on an engine without incremental models"
    return target


def _write_one_per_key(engine: Engine, model: Model, frame: Any) -> int | None:
    """A merging Python model's full build: its frame with one row per key. A pandas frame
    is narrowed in memory; an engine's own frame (Spark) is staged and narrowed in SQL."""
    import pandas as pd

    plan = _delta_plan(model)
    if isinstance(frame, pd.DataFrame):
        return _write_frame(engine, model, _one_row_per_key(frame, plan), "table")
    schema = model.relation.rpartition(".")[0]
    stage = f"{schema}.{stage_name()}" if schema else stage_name()
    engine.write_frame(stage, frame, "table")
    try:
        return _create(engine, model, _incremental(engine).one_per_key(
            f"select * from {engine.quote(stage)}", plan), "table")
    finally:
        engine.query(f"drop table if exists {engine.quote(stage)}")


def _create(engine: Engine, model: Model, sql: str, kind: str) -> int | None:
    """``model``'s relation of ``sql``: a table partitioned by its ``partition_by`` where
    the engine lays tables out in partitions."""
    partitioned = capability(engine, PartitionedTables) if model.partition_by else None
    if partitioned is not None and kind == "table":
        return partitioned.create_partitioned(model.relation, sql, model.partition_by)
    return engine.create_relation(model.relation, sql, kind)


def _write_frame(engine: Engine, model: Model, frame: Any, kind: str) -> int | None:
    """``model``'s frame as its table (partitioned as :func:`_create` says)."""
    partitioned = capability(engine, PartitionedTables) if model.partition_by else None
    if partitioned is not None:
        return partitioned.write_partitioned(model.relation, frame, model.partition_by)
    return engine.write_frame(model.relation, frame, kind)


def _one_row_per_key(frame: Any, plan: DeltaPlan) -> Any:
    """A pandas frame with one row per unique key, the newest ``updated_at`` winning (a
    frame missing a key column is left for the engine to refuse)."""
    keys = list(plan.unique_key)
    if not all(key in frame.columns for key in keys) or not frame.duplicated(keys).any():
        return frame
    newest = [c for c in plan.updated_at if c in frame.columns]
    if newest:
        frame = frame.sort_values(newest, na_position="first", kind="stable")
    return frame.drop_duplicates(keys, keep="last")


def _delta_plan(model: Model) -> DeltaPlan:
    spec = model.incremental
    return DeltaPlan(spec.strategy, spec.unique_key, spec.updated_at, spec.on_schema_change,
                     spec.partition_by)


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
        shape = SeedShape(seed.column_types, seed.seed_id if seed.metadata else None,
                          str(seed.path.resolve()))
        return engine.load_seed(seed.relation, str(seed.path), seed.format, shape)
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


def _build_sql(project: Project, engine: Engine, model: Model, target: Any) -> int | None:
    assert model.sql is not None
    sql = model.delta_sql if target is not None and model.delta_sql else model.sql
    if sql_log.isEnabledFor(logging.DEBUG):
        what = " delta" if target is not None else ""
        sql_log.debug("-- %s (%s)%s\n%s", model.name, model.rel_path, what, sql)
    kind = "table" if model.materialized == "incremental" else model.materialized
    if target is None and _merges(model):  # the full build keeps one row per key too
        sql = _incremental(engine).one_per_key(sql, _delta_plan(model))
    guard_query_cost(project, engine, model, sql)
    try:
        if target is not None:
            return _rows(target.apply_delta(model.relation, sql, _delta_plan(model)))
        return _create(engine, model, sql, kind)
    except Exception as exc:
        # The delta's statements do not start with its SELECT: no line of it to point at.
        raise engine_failure(project, engine, model, exc, sql,
                             sent_as_compiled=target is None) from exc


def guard_query_cost(project: Project, engine: Engine, model: Model, sql: str) -> None:
    """Stop ``model`` before its query runs when the engine estimates it would scan more
    than the engine's guard allows (``FF_<ENGINE>_MAX_BYTES`` or ``budgets.yml``'s
    ``query_limits``). Without a guard nothing is asked of the engine (unless the node's
    statistics want its bytes: a ``budgets.yml`` budget of ``bytes_scanned``, see
    :mod:`pytest_fft.engines.query_stats`, which then records the estimate); an engine that
    cannot estimate (no :class:`~pytest_fft.engines.capabilities.CostEstimate`), or a query it
    cannot plan, runs as usual."""
    from pytest_fft.engines.capabilities import CostEstimate
    from pytest_fft.engines.cost import format_bytes, guard_message
    from pytest_fft.engines.query_stats import current
    from pytest_fft.run.budgets import query_limit

    limit = query_limit(project.root, engine.name)
    stats = current()
    if limit is None and (stats is None or not stats.want_bytes):
        return  # no guard, and no budget that counts bytes: no EXPLAIN
    estimator = capability(engine, CostEstimate)
    estimate = estimator.estimate_bytes(sql) if estimator is not None else None
    if stats is not None:  # the model's bytes_scanned in run_results.json
        stats.add_bytes(estimate)
    if limit is None or estimate is None or estimate <= limit.max_bytes:
        return
    variable = limit.variable or "the limit"
    raise ModelError(
        f"{model.name} stopped before it ran: "
        + guard_message(engine.name, estimate, limit),
        file=model.rel_path, line=model.line, node=model.name,
        hint=f"raise {variable} above {estimate} ({format_bytes(estimate)}), e.g. "
             f"{variable}={_round_up(estimate)}, or unset it; or make {model.name} read less")


def _round_up(count: int) -> str:
    """A limit just above ``count`` in the guard's notation (``3MB``)."""
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if count >= size:
            return f"{-(-count // size)}{unit}"
    return str(count + 1)


def _rows(written: int | None) -> int | None:
    return written if written is not None and written >= 0 else None


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

    No deps: ``f()``, or ``f(None)`` when ``f`` requires a positional parameter (as
    FastFlowTransform calls ``def build(_: pd.DataFrame | None)``). One dep: ``f(df)``.
    Several: one positional frame per dependency when the function declares exactly that
    many parameters (FastFlowTransform 0.6), else one ``dict`` keyed by physical relation (v0.4).
    """
    assert model.func is not None
    func = resolve_function(model.func)
    frames = list(inputs.values())
    if not frames:
        return func(None) if _positional_arity(func) else func()
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


def _build_python(project: Project, engine: Engine, model: Model, target: Any) -> int | None:
    resolve_function(model.func)  # the module's first model imports it: its errors come first
    try:
        inputs = {relation_for(dep): _read_input(project, engine, dep) for dep in model.deps}
    except Exception as exc:
        raise engine_failure(project, engine, model, exc) from exc
    result = python_model_result(engine, model, inputs)
    try:
        if target is not None:  # the frame is the delta: staged, then applied
            return _apply_frame(engine, target, model, result)
        kind = "table" if model.materialized == "incremental" else model.materialized
        if _merges(model):  # the full build keeps one row per key too
            return _write_one_per_key(engine, model, result)
        return _write_frame(engine, model, result, kind)
    except Exception as exc:
        raise engine_failure(project, engine, model, exc) from exc


def _read_input(project: Project, engine: Engine, dep: str) -> Any:
    """A Python model's input: the dependency's relation, or the rows of an ephemeral
    model's SELECT (it has no relation)."""
    parent = project.models.get(dep)
    if parent is None or parent.materialized != "ephemeral":
        return engine.read_frame(relation_for(dep))
    # Imported here: it brings the Jinja renderer, which a cached run never needs.
    from pytest_fft.project.ephemeral import ephemeral_select

    reader = capability(engine, SelectFrame)
    if reader is None:
        raise ModelError(f"{dep} is ephemeral, and {engine.name} cannot give its rows to a "
                         "Python model", file=parent.rel_path, node=dep,
                         hint="make it materialized='table' or 'view'")
    return reader.select_frame(ephemeral_select(project.models, dep, engine.quote))


def _apply_frame(engine: Engine, target: Any, model: Model, frame: Any) -> int | None:
    """A Python model's delta frame applied to its table: written to a staging table next
    to it, applied from there, and the staging table dropped whatever happens."""
    schema = model.relation.rpartition(".")[0]
    stage = f"{schema}.{stage_name()}" if schema else stage_name()
    engine.write_frame(stage, frame, "table")
    try:
        return _rows(target.apply_delta(model.relation, f"select * from {engine.quote(stage)}",
                                        _delta_plan(model)))
    finally:
        engine.query(f"drop table if exists {engine.quote(stage)}")

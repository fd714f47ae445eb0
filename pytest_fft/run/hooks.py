"""Running the hooks of one run: ``on_run_start`` before the first node builds, ``before_model``
and ``after_model`` around each model the run builds, ``on_run_end`` once when every node has
its result (also after failures, with the run's status).

Everything that can be decided before the run is decided once, in :meth:`RunHooks.prepare`:
the hooks of this engine and env, the SQL bodies (inline or ``hooks/**/<name>.sql``) compiled
to Jinja templates, the Python hooks imported from ``hooks/**/*.py``, and which hooks apply to
which model (their ``select``). Per model there is then only a dictionary lookup, one render
per SQL hook, and its statements.

A hook that fails raises :class:`~pytest_fft.errors.HookError`, worded as FastFlowTransform's
``Failed to execute <when> hook #<n> for <node>: ...``, with the file and line of the hook.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_fft.errors import FFTError, HookError
from pytest_fft.project.hooks import (
    HOOKS_DIR,
    HookSpec,
    When,
    hook_location,
    model_hooks,
)

if TYPE_CHECKING:
    from pytest_fft.engines.base import Engine
    from pytest_fft.engines.query_stats import QueryStats
    from pytest_fft.project.records import Model, Project

log = logging.getLogger("pytest_fft.hooks")
RUN_LABEL = "run"  # the node of run-level hooks in messages ("... hook #1 for run: ...")


def sql_literal(value: Any) -> str:
    """A value as a SQL literal: ``NULL``, ``TRUE``/``FALSE``, a number, or a quoted string
    (other values as quoted JSON), as FastFlowTransform's ``| sql_literal`` filter."""
    import jinja2

    if value is None or isinstance(value, jinja2.Undefined):
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value) if value == value and value not in (float("inf"), float("-inf")) \
            else "NULL"
    if not isinstance(value, str):
        value = json.dumps(value, default=str, sort_keys=True)
    return "'" + value.replace("'", "''") + "'"


def split_statements(sql: str) -> list[tuple[int, str]]:
    """The statements of ``sql`` with the line (0-based) each starts on. A ``;`` inside a
    quoted string or name, a comment or a ``$tag$`` body separates nothing; a statement of
    comments alone is dropped. Text with one ``;`` at its end (most hooks) is one statement
    without scanning."""
    text = sql.strip()
    if not text:
        return []
    if ";" not in text or (text.count(";") == 1 and text.endswith(";")):
        return [(sql.count("\n", 0, sql.index(text[0])), text.removesuffix(";"))]
    out: list[tuple[int, str]] = []
    begin: int | None = None  # where the current statement's first code character is
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c == ";":
            if begin is not None:
                out.append((sql.count("\n", 0, begin), sql[begin:i].strip()))
            begin = None
            i += 1
            continue
        if c.isspace():
            i += 1
            continue
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end
            continue
        if sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if begin is None:
            begin = i
        if c in "'\"`":
            i += 1
            while i < n:  # a doubled quote is the quote itself: the scan goes on
                if sql[i] == c:
                    i += 1
                    if i < n and sql[i] == c:
                        i += 1
                        continue
                    break
                i += 1
            continue
        if c == "$":
            tag = _DOLLAR.match(sql, i)
            if tag is not None:
                end = sql.find(tag.group(0), tag.end())
                i = n if end < 0 else end + len(tag.group(0))
                continue
        i += 1
    if begin is not None:
        out.append((sql.count("\n", 0, begin), sql[begin:].strip()))
    return out


_DOLLAR = re.compile(r"\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$")


@dataclass(frozen=True)
class _Hook:
    """One prepared hook: a compiled SQL template or the Python function to call."""

    spec: HookSpec
    file: str  # where its body is written (project.yml, hooks/x.sql, hooks/x.py)
    line: int | None  # where the body begins in that file
    template: Any = None
    fn: Callable[..., Any] | None = None

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class ModelHooks:
    """The hooks of one model in this run."""

    run: RunHooks
    model: Model
    before: tuple[_Hook, ...]
    after: tuple[_Hook, ...]

    def run_before(self, engine: Engine) -> None:
        if self.before:
            self.run.execute("before_model", self.before, engine, self.model,
                             self.run.model_context(self.model, "running"))

    def run_after(self, engine: Engine, rows: int | None, seconds: float,
                  query: QueryStats | None = None) -> None:
        """``query``: the model's statements (:mod:`pytest_fft.engines.query_stats`):
        ``model_stats``'s bytes (0 when no estimate was made) and time inside the engine."""
        if self.after:
            ctx = self.run.model_context(self.model, "success", rows=rows,
                                         elapsed_ms=int(seconds * 1000))
            in_engine = query.query_duration_ms if query is not None else None
            self.run.execute("after_model", self.after, engine, self.model, ctx,
                             model_stats={
                                 "rows": rows or 0,
                                 "bytes_scanned": (query.bytes_scanned or 0) if query else 0,
                                 "query_duration_ms": int(seconds * 1000) if in_engine is None
                                 else in_engine})


@dataclass
class RunHooks:
    """The hooks of one run of one project (see the module's docstring)."""

    project: Project
    dialect: str
    run_context: dict[str, Any]
    env: dict[str, str]
    run_start: tuple[_Hook, ...] = ()
    run_end: tuple[_Hook, ...] = ()
    models: dict[str, ModelHooks] = field(default_factory=dict)
    started: bool = False  # on_run_start ran without error
    ended: bool = False

    # -- preparing -----------------------------------------------------------------------
    @classmethod
    def prepare(cls, project: Project, *, env_name: str, engine_name: str, dialect: str,
                nodes: Sequence[str]) -> RunHooks | None:
        """The hooks of a run of ``nodes`` on ``engine_name`` in ``env_name``; None when the
        project has none. A hook that cannot run (no SQL file, no registered function, a
        template or selector error) is a :class:`HookError` now, before anything builds."""
        specs = [s for s in project.config.hooks
                 if (not s.engines or engine_name.lower() in s.engines)
                 and (not s.envs or env_name in s.envs)]
        models = [project.models[n] for n in nodes if n in project.models]
        own = {m.name: model_hooks(m) for m in models
               if m.config.get("pre_hook") or m.config.get("post_hook")
               or (m.meta and (m.meta.get("pre_hook") or m.meta.get("post_hook")))}
        if not specs and not own:
            return None
        hooks = cls(project, dialect, {
            "run_id": uuid.uuid4().hex,
            "env_name": env_name,
            "engine_name": engine_name.lower(),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "status": None,
            "row_count": None,
            "error": None,
        }, {k: v for k, v in os.environ.items() if k.startswith(("FF_", "FFT_"))})
        prepared = hooks._prepare_all(specs, own)
        hooks.run_start = tuple(h for h in prepared if h.spec.when == "on_run_start")
        hooks.run_end = tuple(h for h in prepared if h.spec.when == "on_run_end")
        per_spec = {id(h.spec): h for h in prepared}
        selected = hooks._selections(specs)
        for model in models:
            before = [per_spec[id(s)] for s in specs if s.when == "before_model"
                      and model.name in selected[id(s)]]
            after = [per_spec[id(s)] for s in specs if s.when == "after_model"
                     and model.name in selected[id(s)]]
            for spec in own.get(model.name, ()):
                (before if spec.when == "before_model" else after).append(per_spec[id(spec)])
            if before or after:
                hooks.models[model.name] = ModelHooks(hooks, model, tuple(before),
                                                      tuple(after))
        return hooks

    def _prepare_all(self, specs: list[HookSpec],
                     own: Mapping[str, tuple[HookSpec, ...]]) -> list[_Hook]:
        root = self.project.root
        folder = root / HOOKS_DIR
        if any(s.kind == "python" for s in specs):
            self._import_python_hooks(folder)
        sql_files: dict[str, Path] | None = None
        env = None
        out = []
        for spec in [*specs, *(s for group in own.values() for s in group)]:
            if spec.kind == "python":
                out.append(self._python_hook(spec, folder))
                continue
            if spec.sql is not None and spec.sql.strip():
                text, file, line = spec.sql, spec.file, spec.sql_line or spec.line
            else:
                if sql_files is None:
                    sql_files = {}
                    if folder.is_dir():
                        for found in sorted(folder.rglob("*.sql"), reverse=True):
                            sql_files[found.stem] = found  # the first in path order wins
                path = sql_files.get(spec.name)
                if path is None:
                    raise HookError(
                        f"{spec.when} hook {spec.name!r} has no inline sql and there is no "
                        f"file {HOOKS_DIR}/**/{spec.name}.sql", file=spec.file, line=spec.line,
                        hint=f"write the SQL under sql: | in project.yml, or in "
                             f"{HOOKS_DIR}/{spec.name}.sql")
                from pytest_fft.errors import read_project_text

                file = path.relative_to(root).as_posix()
                text, line = read_project_text(path, file), 1
            if env is None:
                env = self._jinja()
            import jinja2

            try:
                template = env.from_string(text)
            except jinja2.TemplateSyntaxError as exc:
                raise HookError(f"{spec.when} hook {spec.name!r}: Jinja syntax error: "
                                f"{exc.message}", file=file,
                                line=(line or 1) + (exc.lineno or 1) - 1,
                                hint="fix the template of the hook") from exc
            out.append(_Hook(spec, file, line, template=template))
        return out

    def _jinja(self) -> Any:
        from pytest_fft.project.rendering import build_environment

        env = build_environment(self.project.root, self.run_context["engine_name"])
        env.filters["sql_literal"] = sql_literal
        env.globals["sql_literal"] = sql_literal
        return env

    def _import_python_hooks(self, folder: Path) -> None:
        """Every ``hooks/**/*.py``, once per run: their ``@fft_hook`` functions register."""
        if not folder.is_dir():
            return
        from pytest_fft.project.modules import import_file

        for path in sorted(folder.rglob("*.py")):
            try:
                import_file(path, self.project.root, prefix="fft_hooks")
            except FFTError as exc:
                raise HookError(exc.message, file=exc.file, line=exc.line,
                                hint=exc.hint) from exc.__cause__

    def _python_hook(self, spec: HookSpec, folder: Path) -> _Hook:
        from pytest_fft.project.hooks import resolve_hook

        found = resolve_hook(spec.when, spec.name, folder)
        if not found:
            raise HookError(
                f"{spec.when} hook {spec.name!r} is a python hook, but no function under "
                f"{HOOKS_DIR}/ is registered as @fft_hook(name={spec.name!r})",
                file=spec.file, line=spec.line,
                hint=f"decorate a function in {HOOKS_DIR}/*.py with @fft_hook(name="
                     f"{spec.name!r}, when={spec.when!r}) (from fastflowtransform.hooks."
                     "registry import fft_hook)")
        if len(found) > 1:
            places = ", ".join(":".join(map(str, hook_location(fn, self.project.root)))
                               for fn in found)
            raise HookError(f"{spec.when} hook {spec.name!r}: {len(found)} functions are "
                            f"registered under that name ({places})", file=spec.file,
                            line=spec.line, hint="give each @fft_hook its own name")
        file, line = hook_location(found[0], self.project.root)
        return _Hook(spec, file, line, fn=found[0])

    def _selections(self, specs: list[HookSpec]) -> dict[int, set[str]]:
        """Per model-level spec: the models its ``select`` matches (all without one)."""
        from pytest_fft.project.selection import hook_models

        out: dict[int, set[str]] = {}
        for spec in specs:
            if spec.when not in ("before_model", "after_model"):
                continue
            try:
                out[id(spec)] = hook_models(self.project, spec)
            except FFTError as exc:
                raise HookError(f"{spec.when} hook {spec.name!r}: select {spec.select!r}: "
                                f"{exc.message}", file=spec.file, line=spec.line,
                                hint=exc.hint) from exc
        return out

    # -- running -------------------------------------------------------------------------
    def for_model(self, name: str) -> ModelHooks | None:
        return self.models.get(name)

    def start(self, engine: Engine) -> None:
        """``on_run_start``: before the first node builds."""
        self.execute("on_run_start", self.run_start, engine, None, None)
        self.started = True

    def end(self, engine: Engine, results: Mapping[str, Any]) -> None:
        """``on_run_end``, once: with the run's status and counts (``results``: the
        executor's NodeResult of each node)."""
        if self.ended:
            return
        self.ended = True
        ran = [r for n, r in results.items() if n in self.project.models]
        failed = [r for n, r in results.items()
                  if r.status == "error" and n not in self.project.checks]
        status = "error" if failed else "success"
        rows = sum(r.rows or 0 for r in ran if r.status == "success")
        elapsed = int(sum(r.duration for r in ran) * 1000)
        self.run_context.update(
            status=status, row_count=rows,
            error=(failed[0].message or "").strip().splitlines()[0] if failed and
            failed[0].message else None)
        stats = {
            "models_built": sum(1 for r in ran if r.status == "success"),
            "models_failed": sum(1 for r in ran if r.status == "error"),
            "models_skipped": sum(1 for r in ran if r.status in ("skipped", "cached")),
            "rows_total": rows,
            "elapsed_ms_total": elapsed,
            "run_status": status,
        }
        self.execute("on_run_end", self.run_end, engine, None, None, stats=stats)

    def model_context(self, model: Model, status: str, *, rows: int | None = None,
                      elapsed_ms: int | None = None) -> dict[str, Any]:
        return {"name": model.name, "path": model.path, "tags": sorted(model.tags),
                "meta": dict(model.meta or {}), "status": status, "rows_affected": rows,
                "elapsed_ms": elapsed_ms, "error": None}

    def execute(self, when: When, hooks: Sequence[_Hook], engine: Engine,
                model: Model | None, model_ctx: dict[str, Any] | None, *,
                stats: dict[str, Any] | None = None,
                model_stats: dict[str, Any] | None = None) -> None:
        """Run ``hooks`` in order; the first that fails raises :class:`HookError`."""
        label = model.name if model is not None else RUN_LABEL
        if not hooks:
            return
        per_model = model is not None
        if not per_model or log.isEnabledFor(logging.DEBUG):
            log.log(logging.DEBUG if per_model else logging.INFO,
                    "[hooks] when=%s node=%s: executing %d hook(s): %s", when,
                    "<run>" if not per_model else label, len(hooks),
                    ", ".join(h.spec.label for h in hooks))
        for index, hook in enumerate(hooks, 1):
            try:
                if hook.fn is not None:
                    self._call(hook, when, model_ctx, stats, model_stats)
                else:
                    self._run_sql(hook, when, engine, model_ctx, label, index)
            except HookError:
                raise
            except BaseException as exc:
                if not isinstance(exc, (Exception, SystemExit)):
                    raise  # Ctrl-C stops the run; it is not the hook's error
                raise self._failure(hook, when, index, label, exc) from exc

    def _call(self, hook: _Hook, when: When, model_ctx: dict[str, Any] | None,
              stats: dict[str, Any] | None, model_stats: dict[str, Any] | None) -> None:
        assert hook.fn is not None
        ctx: dict[str, Any] = {**hook.spec.params}  # extra keys first: ours win
        ctx.update(when=when, run=dict(self.run_context), model=model_ctx, env=dict(self.env),
                   params=dict(hook.spec.params))
        if stats is not None:
            ctx["stats"] = ctx["run_stats"] = dict(stats)
        if model_stats is not None:
            ctx["model_stats"] = dict(model_stats)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("[hooks] when=%s hook kind=python name=%r - invoking python hook",
                      when, hook.spec.name)
        hook.fn(ctx)

    def _run_sql(self, hook: _Hook, when: When, engine: Engine,
                 model_ctx: dict[str, Any] | None, label: str, index: int) -> None:
        sql = hook.template.render(run=self.run_context, model=model_ctx, node=model_ctx)
        debug = log.isEnabledFor(logging.DEBUG)
        if debug:
            log.debug("[hooks] when=%s node=%s hook#%d name=%r executing SQL:\n%s", when,
                      label, index, hook.spec.name, sql)
        for offset, statement in split_statements(sql):
            try:
                engine.query(statement)
            except Exception as exc:
                line = engine.error_line(exc)
                at = (hook.line or 1) + offset + ((line - 1) if line else 0)
                raise self._failure(hook, when, index, label, exc, line=at,
                                    statement=statement) from exc

    def _failure(self, hook: _Hook, when: When, index: int, label: str, exc: BaseException,
                 *, line: int | None = None, statement: str | None = None) -> HookError:
        from pytest_fft.errors import line_in_traceback

        spec = hook.spec
        # The warehouse's own words for SQL; the exception's type for Python.
        text = str(exc).strip() if isinstance(exc, FFTError) or hook.fn is None else \
            f"{type(exc).__name__}: {str(exc).strip()}"
        if hook.fn is not None:
            found = line_in_traceback(exc, Path(self.project.root, hook.file))
            line = found or hook.line
            hint = "fix the hook function, or set FFT_TRACE=1 for the traceback"
        else:
            line = line or hook.line
            hint = "fix the hook's SQL" + (f" (the statement: {_first(statement)})"
                                            if statement else "")
        return HookError(f"Failed to execute {when} hook #{index} for {label}: {spec.kind} "
                         f"hook {spec.name!r} failed: {text}", file=hook.file, line=line,
                         node=None if label == RUN_LABEL else label, hint=hint)


def _first(statement: str) -> str:
    words = " ".join(statement.split())
    return words if len(words) <= 60 else words[:57] + "..."

"""Hooks of a run, as FastFlowTransform 0.6 configures them: ``project.yml``'s ``hooks:`` block
(read here into :class:`HookSpec` records), ``pre_hook``/``post_hook`` of a model's
``config(...)``, and the Python functions registered with :func:`fft_hook` from the
project's ``hooks/**/*.py``.

::

    hooks:
      on_run_start:
        - {name: create_audit, kind: sql, sql: "create table if not exists audit (run_id text)"}
      after_model:
        - {name: log_model, kind: python, select: "tag:mart"}

Pure: parsing and the registry. Running them is :mod:`pytest_fft.run.hooks`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypedDict, TypeVar

from pytest_fft.errors import ProjectFileError
from pytest_fft.project.yaml_io import line_of

When = Literal["on_run_start", "on_run_end", "before_model", "after_model"]
WHEN: tuple[When, ...] = ("on_run_start", "on_run_end", "before_model", "after_model")
RUN_EVENTS = ("on_run_start", "on_run_end")
MODEL_EVENTS = ("before_model", "after_model")
KINDS = ("sql", "python")
ENTRY_KEYS = ("name", "kind", "sql", "select", "engines", "envs", "params", "description")
#: Where file-based SQL hooks and Python hooks live, relative to the project.
HOOKS_DIR = "hooks"


@dataclass(frozen=True)
class HookSpec:
    """One hook entry of ``project.yml`` (or a model's ``pre_hook``/``post_hook``)."""

    when: When
    name: str
    kind: Literal["sql", "python"]
    sql: str | None = None  # inline SQL; None: hooks/**/<name>.sql (SQL hooks)
    select: str | None = None  # model hooks: the models they run for (None: every model)
    engines: tuple[str, ...] = ()  # empty: every engine
    envs: tuple[str, ...] = ()  # empty: every env
    params: Mapping[str, Any] = field(default_factory=dict)
    file: str = "project.yml"  # where it is written
    line: int | None = None  # of the entry
    sql_line: int | None = None  # of the first line of the inline SQL

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}"


def parse_hooks(data: Any, display: str = "project.yml") -> tuple[HookSpec, ...]:
    """The ``hooks:`` block of ``project.yml``; a :class:`ProjectFileError` with the line of
    whatever is not a hook as FastFlowTransform documents them."""
    if data is None:
        return ()
    if not isinstance(data, Mapping):
        raise ProjectFileError(f"{display}: 'hooks' must be a mapping of events to lists of hooks",
                               file=display, line=line_of(data),
                               hint="hooks: {on_run_start: [{name: audit, kind: sql, sql: ...}]}")
    specs: list[HookSpec] = []
    for when, entries in data.items():
        if when not in WHEN:
            raise ProjectFileError(
                f"{display}: unknown hook event {when!r}", file=display,
                line=line_of(data, when), hint=_did_you_mean(str(when), WHEN, "events"))
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise ProjectFileError(f"{display}: hooks.{when} must be a list of hooks",
                                   file=display, line=line_of(data, when),
                                   hint=f"hooks: {{{when}: [{{name: my_hook, kind: sql}}]}}")
        lines = getattr(entries, "item_lines", None) or []
        for i, entry in enumerate(entries):
            line = lines[i] if i < len(lines) else line_of(entries)
            specs.append(_parse_entry(when, entry, display, line))
    return tuple(specs)


def _parse_entry(when: When, entry: Any, display: str, line: int | None) -> HookSpec:
    where = f"{display}: hooks.{when}"
    if not isinstance(entry, Mapping):
        raise ProjectFileError(f"{where}: each hook is a mapping with name and kind",
                               file=display, line=line, hint="- {name: my_hook, kind: sql}")
    for key in entry:
        if key not in ENTRY_KEYS:
            raise ProjectFileError(f"{where}: unknown key {key!r} of a hook", file=display,
                                   line=line_of(entry, key) or line,
                                   hint=_did_you_mean(str(key), ENTRY_KEYS, "keys"))
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ProjectFileError(f"{where}: a hook needs a name", file=display, line=line,
                               hint="name: is the Python hook's @fft_hook name, or the SQL "
                                    "file's hooks/**/<name>.sql")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise ProjectFileError(f"{where}: hook {name!r} has kind {kind!r}", file=display,
                               line=line_of(entry, "kind") or line,
                               hint="kind: sql (inline sql: or hooks/**/<name>.sql) or "
                                    "kind: python (a function registered with @fft_hook)")
    sql = entry.get("sql")
    if sql is not None and not isinstance(sql, str):
        raise ProjectFileError(f"{where}: hook {name!r}: sql must be text", file=display,
                               line=line_of(entry, "sql") or line, hint="sql: |\n  insert ...")
    if sql is not None and kind == "python":
        raise ProjectFileError(f"{where}: python hook {name!r} has sql", file=display,
                               line=line_of(entry, "sql") or line,
                               hint="kind: sql for a SQL hook; a Python hook is a function")
    select = entry.get("select")
    if select is not None and not isinstance(select, str):
        raise ProjectFileError(f"{where}: hook {name!r}: select must be text", file=display,
                               line=line_of(entry, "select") or line,
                               hint='select: "tag:mart"')
    if select is not None:
        from pytest_fft.project.selectors import selector_problem

        problem = selector_problem([select])
        if problem is not None:
            raise ProjectFileError(f"{where}: hook {name!r}: {problem.message}", file=display,
                                   line=line_of(entry, "select") or line, hint=problem.hint)
    if select is not None and when in RUN_EVENTS:
        raise ProjectFileError(f"{where}: hook {name!r} has a select, but {when} hooks run "
                               "once per run, not per model", file=display,
                               line=line_of(entry, "select") or line,
                               hint="select: is for before_model and after_model hooks")
    params = entry.get("params") or {}
    if not isinstance(params, Mapping):
        raise ProjectFileError(f"{where}: hook {name!r}: params must be a mapping",
                               file=display, line=line_of(entry, "params") or line,
                               hint="params: {channel: '#data'}")
    sql_line = line_of(entry, "sql") if sql is not None else None
    if sql_line is not None and sql is not None and sql.endswith("\n"):
        sql_line += 1  # a block scalar (sql: |) starts on the line after its key
    return HookSpec(when=when, name=name.strip(), kind=kind, sql=sql,
                    select=select.strip() if select else None,
                    engines=_names(entry, "engines", where, display, line),
                    envs=_names(entry, "envs", where, display, line),
                    params=dict(params), file=display, line=line, sql_line=sql_line)


def _names(entry: Mapping[str, Any], key: str, where: str, display: str,
           line: int | None) -> tuple[str, ...]:
    value = entry.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProjectFileError(f"{where}: {key} must be a list of names", file=display,
                               line=line_of(entry, key) or line,
                               hint=f'{key}: ["duckdb", "postgres"]')
    return tuple(v.strip().lower() if key == "engines" else v.strip() for v in value)


def _did_you_mean(word: str, known: tuple[str, ...], what: str) -> str:
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return (f"did you mean {close[0]!r}? " if close else "") + f"the {what} are " + \
        ", ".join(known)


def model_hooks(model: Any) -> tuple[HookSpec, ...]:
    """``pre_hook``/``post_hook`` of a model's ``config(...)`` (or its ``meta``): SQL run
    before / after that model, as ``before_model``/``after_model`` hooks of it alone."""
    out: list[HookSpec] = []
    for key, when in (("pre_hook", "before_model"), ("post_hook", "after_model")):
        raw = model.config.get(key) if model.config else None
        if raw is None and model.meta:
            raw = model.meta.get(key)
        texts = [raw] if isinstance(raw, str) else list(raw or ())
        for i, text in enumerate(t for t in texts if str(t).strip()):
            out.append(HookSpec(when=when, name=f"{key}[{i}]" if len(texts) > 1 else key,  # type: ignore[arg-type]
                                kind="sql", sql=str(text), file=model.rel_path,
                                line=model.line, sql_line=None))
    return tuple(out)


# -- Python hooks ------------------------------------------------------------------------
class RunContext(TypedDict, total=False):
    run_id: str
    env_name: str
    engine_name: str
    started_at: str
    status: str | None
    row_count: int | None
    error: str | None


class ModelContext(TypedDict, total=False):
    name: str
    path: Path
    tags: list[str]
    meta: dict[str, Any]
    status: str | None
    rows_affected: int | None
    elapsed_ms: int | None
    error: str | None


class RunStatsContext(TypedDict, total=False):
    models_built: int
    models_failed: int
    models_skipped: int
    rows_total: int
    elapsed_ms_total: int
    run_status: str


class ModelStatsContext(TypedDict, total=False):
    rows: int
    bytes_scanned: int
    query_duration_ms: int


HookContext = dict[str, Any]
"""What a Python hook receives: ``when``, ``run``, ``model``, ``env``, and more (see
docs/hooks.md)."""

F = TypeVar("F", bound=Callable[..., Any])
_ANY = "*"
# (when or "*", name) -> functions. Module level, as FastFlowTransform's: the decorator knows
# no project, so two projects of one session may each have a hook of a name; resolve_hook
# keeps to the functions of one project's hooks/ folder.
_REGISTERED: dict[tuple[str, str], list[Callable[..., Any]]] = {}


def fft_hook(name: str | None = None, when: str | None = None) -> Callable[[F], F]:
    """Register a Python hook under ``name`` (default: the function's name) for ``when``
    (one of :data:`WHEN`; omitted: every event)::

        @fft_hook(name="python_banner", when="on_run_start")
        def banner(ctx: dict) -> None:
            print(ctx["run"]["run_id"])
    """
    if when is not None and when not in WHEN:
        raise ValueError(f"@fft_hook(when={when!r}): when must be one of {', '.join(WHEN)}")

    def register(fn: F) -> F:
        known = _REGISTERED.setdefault((when or _ANY, name or fn.__name__), [])
        # The same function imported again (a second session) replaces itself.
        known[:] = [f for f in known if _identity(f) != _identity(fn)]
        known.append(fn)
        return fn

    return register


def _identity(fn: Callable[..., Any]) -> tuple[str, str]:
    code = getattr(fn, "__code__", None)
    return (code.co_filename if code else "?", getattr(fn, "__qualname__", repr(fn)))


def resolve_hook(when: str, name: str, folder: Path) -> list[Callable[..., Any]]:
    """The functions defined under ``folder`` registered for (``when``, ``name``), else for
    (any event, ``name``): one, or none, or (a mistake) several."""
    for key in ((when, name), (_ANY, name)):
        found = [fn for fn in _REGISTERED.get(key, ()) if _defined_under(fn, folder)]
        if found:
            return found
    return []


def hook_location(fn: Callable[..., Any], root: Path) -> tuple[str, int | None]:
    """``(file relative to root, line of the def)`` of a hook function."""
    filename, _ = _identity(fn)
    code = getattr(fn, "__code__", None)
    try:
        rel = Path(filename).resolve().relative_to(root.resolve()).as_posix()
    except (OSError, ValueError):
        rel = filename
    return rel, code.co_firstlineno if code else None


def _defined_under(fn: Callable[..., Any], folder: Path) -> bool:
    try:
        return Path(_identity(fn)[0]).resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


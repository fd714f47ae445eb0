"""Jinja rendering of SQL models: ``ref``, ``source``, ``var``, ``config``, ``this`` and macros.

One :class:`jinja2.Environment` per project (``StrictUndefined``: a typo is an error, never
an empty string). Jinja macros come from ``models/macros/**/*.sql|*.sql.j2`` and
``macros/**/*.sql``; the public functions of ``models/macros_py/**/*.py`` become globals.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from pytest_fft.errors import (
    CODE_ENDS_RUN_HINT,
    ProjectError,
    RenderError,
    line_in_traceback,
    raised_by_code,
    read_project_text,
)
from pytest_fft.project.modules import import_file

_MISSING = object()

MACRO_GLOBS = (("models/macros", ("*.sql", "*.sql.j2")), ("macros", ("*.sql", "*.sql.j2")))
PY_MACRO_DIR = "models/macros_py"


@dataclass
class RenderRecord:
    """What one render of a model saw: the names it asked for and its ``config()``."""

    refs: list[str] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)


class _MissingVar(ProjectError):
    pass


def build_environment(root: Path) -> jinja2.Environment:
    """The project's Jinja environment with its macros loaded as globals."""
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        cache_size=0,  # each model template is compiled once by the loader; no need to cache
    )
    _install_scoped_globals(env)
    for sub, patterns in MACRO_GLOBS:
        folder = root / sub
        if not folder.is_dir():
            continue
        files = sorted({p for pattern in patterns for p in folder.rglob(pattern)})
        for path in files:
            _load_jinja_macros(env, path, root)
    py_dir = root / PY_MACRO_DIR
    if py_dir.is_dir():
        for path in sorted(py_dir.rglob("*.py")):
            if path.name.startswith("_"):
                continue
            module = import_file(path, root, prefix="fft_macros")
            for name, value in vars(module).items():
                if (not name.startswith("_") and callable(value)
                        and getattr(value, "__module__", None) == module.__name__):
                    env.globals[name] = value
    return env


def _load_jinja_macros(env: jinja2.Environment, path: Path, root: Path) -> None:
    rel = path.relative_to(root).as_posix()
    try:
        module = env.from_string(read_project_text(path, rel)).make_module()
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"macro file {rel}: {exc.message}", file=rel, line=exc.lineno) from exc
    for name in dir(module):
        value = getattr(module, name)
        if not name.startswith("_") and isinstance(value, jinja2.runtime.Macro):
            env.globals[name] = value


@dataclass
class _RenderScope:
    """The model being rendered; the Jinja globals ``ref``/``source``/``var``/``config``
    dispatch to it, so macros (compiled once per project) can call them too."""

    node: str
    display: str
    this: str
    resolve_ref: Callable[[str], str]
    resolve_source: Callable[[str, str], str]
    vars_: Mapping[str, Any]
    record: RenderRecord = field(default_factory=RenderRecord)
    incremental: bool = False  # what is_incremental() answers: rendering the delta

    def ref(self, name: str, *_: Any) -> str:
        self.record.refs.append(str(name))
        return self.resolve_ref(str(name))

    def source(self, source_name: str, table_name: str) -> str:
        self.record.sources.append((str(source_name), str(table_name)))
        return self.resolve_source(str(source_name), str(table_name))

    def var(self, name: str, default: Any = _MISSING) -> Any:
        if name in self.vars_:
            return self.vars_[name]
        if default is _MISSING:
            raise _MissingVar(
                f"{self.node}: var({name!r}) is not defined", file=self.display, node=self.node,
                hint=f"add '{name}' under vars: in project.yml, pass --vars {name}=..., "
                     "or give a default: var('name', 'default')",
            )
        return default

    def config(self, **kwargs: Any) -> str:
        self.record.config.update(kwargs)
        return ""

    def is_incremental(self) -> bool:
        return self.incremental


_SCOPE: ContextVar[_RenderScope | None] = ContextVar("fft_render_scope", default=None)


def _scoped(method: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        scope = _SCOPE.get()
        if scope is None:
            raise RenderError(f"{method}() can only be used while a model renders")
        return getattr(scope, method)(*args, **kwargs)

    call.__name__ = method
    return call


class _This:
    """``{{ this }}``: the relation of the model being rendered, in models and macros."""

    def __str__(self) -> str:
        scope = _SCOPE.get()
        if scope is None:
            raise RenderError("this can only be used while a model renders")
        return scope.this

    __html__ = __str__


def _install_scoped_globals(env: jinja2.Environment) -> None:
    for method in ("ref", "source", "var", "config", "is_incremental"):
        env.globals[method] = _scoped(method)
    env.globals["this"] = _This()


def render_sql(
    env: jinja2.Environment,
    text: str,
    *,
    display: str,
    node: str,
    this: str,
    resolve_ref: Callable[[str], str],
    resolve_source: Callable[[str, str], str],
    vars_: Mapping[str, Any],
    allow_static: bool = True,
    incremental: bool = False,
) -> tuple[str, RenderRecord]:
    """Render one model; returns the SQL and what the template (and its macros) referenced.

    Templates whose only Jinja is ``{{ ref(...) }}``, ``{{ source(...) }}``, ``{{ var(...) }}``,
    ``{{ config(...) }}`` with literal arguments, or ``{{ this }}`` -- most models -- are
    rendered by a static parser that gives the same text without compiling a template
    (compiling is most of the cost of loading a large project). Anything else goes to Jinja.
    """
    scope = _RenderScope(node, display, this, resolve_ref, resolve_source, vars_,
                         incremental=incremental)
    token = _SCOPE.set(scope)
    try:
        sql = _static_render(env, text, scope) if allow_static else None
        if sql is None:
            sql = env.from_string(text).render()
    except _MissingVar as exc:
        raise _MissingVar(exc.message, file=display, line=exc.line or _template_line(exc),
                          node=node, hint=exc.hint) from exc
    except ProjectError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{node}: Jinja syntax error: {exc.message}", file=display,
                          line=exc.lineno, node=node) from exc
    except jinja2.UndefinedError as exc:
        raise RenderError(f"{node}: {exc.message}", file=display, line=_template_line(exc),
                          node=node, hint="define it as a macro, a var() or fix the name") from exc
    except (Exception, SystemExit, KeyboardInterrupt) as exc:
        # A macro raised: still a project error, with the model file.
        if not raised_by_code(exc):
            raise
        raise RenderError(f"{node}: rendering failed: {type(exc).__name__}: {exc}",
                          file=display, line=_template_line(exc), node=node,
                          hint=None if isinstance(exc, Exception) else CODE_ENDS_RUN_HINT,
                          ) from exc
    finally:
        _SCOPE.reset(token)
    return sql, scope.record


_NOT_STATIC = object()
_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.S)


def _static_render(env: jinja2.Environment, text: str, scope: _RenderScope) -> str | None:
    """Render ``text`` without Jinja when it only calls our functions with literals, else None."""
    if "{%" in text or "{#" in text:
        return None
    parts: list[str] = []
    pos = 0
    for match in _EXPRESSION.finditer(text):
        expr = match.group(1)
        if expr.startswith(("-", "+")) or expr.endswith(("-", "+")):  # whitespace control
            return None
        try:
            value = _static_value(env, expr.strip(), scope)
        except _MissingVar as exc:
            exc.line = text.count("\n", 0, match.start()) + 1
            raise
        if value is _NOT_STATIC:
            return None
        parts += (text[pos:match.start()], value)
        pos = match.end()
    parts.append(text[pos:])
    if any("{{" in part for part in parts[::2]):  # an unclosed ``{{``: Jinja reports it
        return None
    return "".join(parts)


def _static_value(env: jinja2.Environment, expr: str, scope: _RenderScope) -> Any:
    if expr == "this":
        return scope.this if isinstance(env.globals.get("this"), _This) else _NOT_STATIC
    try:
        call = ast.parse(expr, mode="eval").body
    except SyntaxError:
        return _NOT_STATIC
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id in ("ref", "source", "var", "config")
            and getattr(env.globals.get(call.func.id), "__name__", None) == call.func.id
            and getattr(env.globals.get(call.func.id), "__module__", None) == __name__):
        return _NOT_STATIC  # not ours (e.g. a project macro named ``ref``): let Jinja decide
    try:
        args = [ast.literal_eval(arg) for arg in call.args]
        kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg}
    except ValueError:
        return _NOT_STATIC
    if len(kwargs) != len(call.keywords):  # ``**mapping``
        return _NOT_STATIC
    return str(getattr(scope, call.func.id)(*args, **kwargs))


def _template_line(exc: BaseException) -> int | None:
    return line_in_traceback(exc, "<template>")


_LEADING_COMMENTS = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*", re.S)
_CREATE_AS = re.compile(
    r"create\s+(?:or\s+replace\s+)?(?P<kind>table|view)\s+(?:if\s+not\s+exists\s+)?"
    r"(?P<name>[\w.\"`]+)\s+as\s+(?P<body>.*)\Z",
    re.I | re.S,
)


@dataclass(frozen=True)
class SqlBody:
    """A model's SQL reduced to its SELECT, and the relation/kind a CREATE named, if any."""

    select: str
    created_name: str | None = None
    created_kind: str | None = None
    line: int = 1  # the line of the SQL where ``select`` begins


def split_create(sql: str) -> SqlBody:
    """Accept both a bare SELECT and the v0.4 ``create or replace table x as select ...``."""
    start = _LEADING_COMMENTS.match(sql).end()  # type: ignore[union-attr]
    stripped = sql[start:].rstrip().rstrip(";").rstrip()
    match = _CREATE_AS.match(stripped)
    if match is None:
        return SqlBody(select=stripped, line=sql.count("\n", 0, start) + 1)
    name = match.group("name").replace('"', "").replace("`", "")
    body = match.group("body")
    start += match.start("body") + len(body) - len(body.lstrip())
    return SqlBody(select=body.strip(), created_name=name,
                   created_kind=match.group("kind").lower(),
                   line=sql.count("\n", 0, start) + 1)

"""Jinja rendering of SQL models: ``ref``, ``source``, ``var``, ``config``, ``this``, ``env``,
``engine``, FastFlowTransform's engine-aware stdlib (:mod:`~pytest_fft.project.stdlib`) and macros.

One :class:`jinja2.Environment` per project and engine (``StrictUndefined``: a typo is an
error, never an empty string). Jinja macros come from ``models/macros/**/*.sql|*.sql.j2`` and
``macros/**/*.sql``; the public functions of ``models/macros_py/**/*.py`` become globals (and
filters). Every macro sees every other one and the Python macros, whichever file they are in.

A project's packages (:mod:`~pytest_fft.project.packages`) bring the macros of their own
``<models_dir>/macros/`` and ``<models_dir>/macros_py/``. As in FastFlowTransform, all of them
share one namespace and the one registered last wins: the project's macros first, then each
package's in the order of ``packages.yml``. A macro replaced that way is named in
``env.fft_macro_clashes`` (the loader turns each into a warning).
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import jinja2.environment

from pytest_fft.errors import (
    CODE_ENDS_RUN_HINT,
    ProjectError,
    RenderError,
    line_in_traceback,
    raised_by_code,
    read_project_text,
)
from pytest_fft.project.env_reads import getenv
from pytest_fft.project.modules import import_file
from pytest_fft.project.records import Macro
from pytest_fft.project.stdlib import Stdlib, StdlibError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_fft.project.packages import Package

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


class _Unset(jinja2.Undefined):
    """What ``var('x')`` without a default (or ``env('X')``) gives when nothing sets it, as in
    FastFlowTransform: false in a test, so ``var('x') or env('X') or 'duckdb'`` and
    ``var('x') | default('y')`` work; an error naming the variable and how to set it the
    moment it is written into SQL or used otherwise."""

    __slots__ = ("_fft_error",)

    def __init__(self, error: _MissingVar) -> None:
        super().__init__(name=None)
        self._fft_error = error

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:
        raise self._fft_error

    __str__ = __iter__ = __len__ = __html__ = _fail_with_undefined_error
    __getattr__ = _fail_with_undefined_error

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "Unset"


def build_environment(root: Path, engine: str | None = "duckdb",
                      packages: Sequence[Package] = ()) -> jinja2.Environment:
    """The project's Jinja environment for ``engine`` (the active profile's), with the
    stdlib, ``engine()``, ``env()`` and the macros of the project and of its ``packages``
    loaded as globals."""
    env = jinja2.Environment(
        loader=template_loader(root, packages),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        cache_size=0,  # each model template is compiled once by the loader; no need to cache
    )
    _install_scoped_globals(env, Stdlib(engine))
    origins: dict[str, str] = {}  # macro name -> the file that defined it
    clashes: list[str] = []
    env.fft_macro_clashes = clashes  # type: ignore[attr-defined]
    macros: dict[str, Macro] = {}  # name -> the macro that wins (the last one loaded)
    env.fft_macros = macros  # type: ignore[attr-defined]
    folders: list[tuple[Path, Path, str]] = [  # (folder, base, name of base in messages)
        (root / sub, root, "") for sub, _ in MACRO_GLOBS]
    py_folders = [(root / PY_MACRO_DIR, root, "")]
    for package in packages:
        folders.append((package.models_path / "macros", package.root, package.prefix + "/"))
        py_folders.append((package.models_path / "macros_py", package.root,
                           package.prefix + "/"))
    for folder, base, prefix in folders:
        if not folder.is_dir():
            continue
        files = sorted({p for pattern in ("*.sql", "*.sql.j2") for p in folder.rglob(pattern)})
        for path in files:
            shown = prefix + path.relative_to(base).as_posix()
            for macro in _load_jinja_macros(env, path, shown):
                _note_origin(origins, clashes, macro.name, shown, "macro")
                macros[macro.name] = macro
    for folder, base, prefix in py_folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            if path.name.startswith("_"):
                continue
            shown = prefix + path.relative_to(base).as_posix()
            module = import_file(path, base, prefix="fft_macros")
            for name, value in vars(module).items():
                if (not name.startswith("_") and callable(value)
                        and getattr(value, "__module__", None) == module.__name__):
                    env.globals[name] = value
                    env.filters.setdefault(name, value)  # {{ 'x' | slugify }}, as in FFT
                    _note_origin(origins, clashes, name, shown, "Python macro")
                    macros[name] = _python_macro(name, value, shown)
    return env


def template_loader(root: Path, packages: Sequence[Package] = ()) -> jinja2.BaseLoader:
    """Where ``{% import %}``, ``{% from ... import %}`` and ``{% include %}`` find a file: by
    its path under ``models/`` (as FastFlowTransform: ``'macros/utils.sql'`` is
    ``models/macros/utils.sql``), then under each package's models folder, then under the
    project's ``macros/`` folder (``'macros/utils.sql'``). Only folders whose files key the
    parse cache; never a path out of them."""
    return jinja2.ChoiceLoader([
        jinja2.FileSystemLoader([root / "models", *(p.models_path for p in packages)]),
        jinja2.PrefixLoader({"macros": jinja2.FileSystemLoader(root / "macros")}),
    ])


_NOT_FOUND_HINT = ("{% import %}, {% from %} and {% include %} name a file by its path under "
                   "models/ (such as 'macros/utils.sql'), under a package's models folder, or "
                   "under macros/")


def _note_origin(origins: dict[str, str], clashes: list[str], name: str, shown: str,
                 what: str) -> None:
    """Remember where macro ``name`` comes from; when it replaces the macro of a package,
    or a package's replaces the project's, say so (the project's own files replacing each
    other is the project's business, as it always was)."""
    before = origins.get(name)
    origins[name] = shown
    if before is not None and before != shown and (
            before.startswith("packages/") or shown.startswith("packages/")):
        clashes.append(f"{shown}: {what} {name!r} replaces the one of {before} (macros "
                       "share one namespace; the last one loaded wins: the project's, then "
                       "each package's in packages.yml order)")


def _python_macro(name: str, function: Callable[..., Any], shown: str) -> Macro:
    import inspect

    code = getattr(function, "__code__", None)
    try:
        arguments = tuple(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        arguments = ()
    return Macro(name, "python", shown, code.co_firstlineno if code else None, arguments)


_MACRO_TAG = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\(")


def _load_jinja_macros(env: jinja2.Environment, path: Path, rel: str) -> list[Macro]:
    """Register the macros of ``path`` (``rel`` in messages) as globals; the macros."""
    text = read_project_text(path, rel)
    try:
        template = env.from_string(text)
        # The macros look names up in env.globals itself, not in a copy taken now
        # (make_module() copies): so a macro can call the Python macros and the macros of
        # files loaded after its own.
        module = jinja2.environment.TemplateModule(
            template, template.new_context(env.globals, shared=True))
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"macro file {rel}: {exc.message}", file=rel, line=exc.lineno) from exc
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"macro file {rel}: no template {exc.message}", file=rel,
                          line=_template_line(exc), hint=_NOT_FOUND_HINT) from exc
    lines: dict[str, int] = {}
    for found in _MACRO_TAG.finditer(text):
        lines.setdefault(found.group(1), text.count("\n", 0, found.start()) + 1)
    macros = []
    for name in dir(module):
        value = getattr(module, name)
        if not name.startswith("_") and isinstance(value, jinja2.runtime.Macro):
            env.globals[name] = value
            macros.append(Macro(name, "sql", rel, lines.get(name), tuple(value.arguments)))
    return macros


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
    this_sql: str = ""  # {{ this }} in SQL: the relation, quoted where it must be

    def ref(self, name: str, *_: Any) -> str:
        self.record.refs.append(str(name))
        return self.resolve_ref(str(name))

    def source(self, source_name: str, table_name: str) -> str:
        self.record.sources.append((str(source_name), str(table_name)))
        return self.resolve_source(str(source_name), str(table_name))

    engine: str = ""  # the active profile's engine, as it names it

    def var(self, name: str, default: Any = _MISSING) -> Any:
        if name in self.vars_:
            return self.vars_[name]
        if default is _MISSING:
            return _Unset(_MissingVar(
                f"{self.node}: var({name!r}) is not defined", file=self.display, node=self.node,
                hint=f"add '{name}' under vars: in project.yml, pass --vars {name}=..., "
                     f"or give a default: var({name!r}, 'default')",
            ))
        return default

    def env(self, name: str, default: Any = _MISSING) -> Any:
        """FastFlowTransform's ``env('X', default)``. ``FF_ENGINE`` is the active engine
        (FastFlowTransform exports the profile's engine under that name)."""
        if name == "FF_ENGINE" and self.engine:
            return self.engine
        value = getenv(str(name))
        if value is not None:
            return value
        if default is _MISSING:
            return _Unset(_MissingVar(
                f"{self.node}: env({name!r}) is not set", file=self.display, node=self.node,
                hint=f"export {name}=... (or put it in .env), or give a default: "
                     f"env({name!r}, 'default')",
            ))
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
    """``{{ this }}``: the relation of the model being rendered, in models and macros, with
    FastFlowTransform's attributes ``name`` and ``relation`` (both the relation),
    ``materialized`` (as ``config()`` has said so far, else ``'table'``), ``schema`` and
    ``database`` (as ``config()`` says, else None: the profile's schema is not known while
    the project loads)."""

    ATTRIBUTES = ("name", "relation", "materialized", "schema", "database")

    def __str__(self) -> str:
        return self._scope().this_sql

    __html__ = __str__

    @staticmethod
    def _scope() -> _RenderScope:
        scope = _SCOPE.get()
        if scope is None:
            raise RenderError("this can only be used while a model renders")
        return scope

    def __getattr__(self, name: str) -> Any:
        if name not in self.ATTRIBUTES:
            raise AttributeError(name)
        return self.attribute(self._scope(), name)

    @staticmethod
    def attribute(scope: _RenderScope, name: str) -> Any:
        if name in ("name", "relation"):
            return scope.this
        if name == "materialized":
            return scope.record.config.get("materialized", "table")
        return scope.record.config.get(name)


_SCOPED = ("ref", "source", "var", "config", "is_incremental", "env")


def _install_scoped_globals(env: jinja2.Environment, stdlib: Stdlib) -> None:
    # What the static renderer may call itself (pure functions of their literal arguments
    # and the render scope); a project macro of the same name replaces the global and so
    # sends the model to Jinja.
    static: dict[str, Any] = {}
    for method in _SCOPED:
        env.globals[method] = static[method] = _scoped(method)
    # As FastFlowTransform registers them: {{ 'limit' | var(10) }}, {{ 'HOME' | env }}.
    env.filters["var"] = env.globals["var"]
    env.filters["env"] = env.globals["env"]
    for name, helper in stdlib.globals().items():
        env.globals[name] = static[name] = helper
    env.filters["sql_literal"] = stdlib.sql_literal
    env.globals["this"] = _This()
    env.fft_static = static  # type: ignore[attr-defined]
    env.fft_engine = stdlib.engine_name or ""  # type: ignore[attr-defined]


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
    this_sql: str | None = None,
) -> tuple[str, RenderRecord]:
    """Render one model; returns the SQL and what the template (and its macros) referenced.

    Templates whose only Jinja is ``{{ ref(...) }}``, ``{{ source(...) }}``, ``{{ var(...) }}``,
    ``{{ config(...) }}`` with literal arguments, or ``{{ this }}`` -- most models -- are
    rendered by a static parser that gives the same text without compiling a template
    (compiling is most of the cost of loading a large project). Anything else goes to Jinja.
    """
    scope = _RenderScope(node, display, this, resolve_ref, resolve_source, vars_,
                         incremental=incremental, engine=getattr(env, "fft_engine", ""),
                         this_sql=this_sql or this)
    token = _SCOPE.set(scope)
    try:
        sql = _static_render(env, text, scope) if allow_static else None
        if sql is None:
            sql = env.from_string(text).render()
    except _MissingVar as exc:
        raise _MissingVar(exc.message, file=display, line=exc.line or _template_line(exc),
                          node=node, hint=exc.hint) from exc
    except StdlibError as exc:
        raise RenderError(f"{node}: {exc.message}", file=display,
                          line=exc.line or _template_line(exc), node=node,
                          hint=exc.hint) from exc
    except ProjectError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{node}: Jinja syntax error: {exc.message}", file=display,
                          line=exc.lineno, node=node) from exc
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"{node}: no template {exc.message}", file=display,
                          line=_template_line(exc), node=node, hint=_NOT_FOUND_HINT) from exc
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
            if value is _NOT_STATIC:
                return None
            value = str(value)
        except (_MissingVar, StdlibError) as exc:
            exc.line = text.count("\n", 0, match.start()) + 1
            raise
        parts += (text[pos:match.start()], value)
        pos = match.end()
    parts.append(text[pos:])
    if any("{{" in part for part in parts[::2]):  # an unclosed ``{{``: Jinja reports it
        return None
    return "".join(parts)


def _static_value(env: jinja2.Environment, expr: str, scope: _RenderScope) -> Any:
    if expr == "this":
        return scope.this_sql if isinstance(env.globals.get("this"), _This) else _NOT_STATIC
    plan = _PLANS.get(expr, _NOT_STATIC)
    if plan is _NOT_STATIC:
        if len(_PLANS) > 20_000:  # a bound, for processes that load many projects
            _PLANS.clear()
        plan = _PLANS[expr] = _plan(expr)
    if plan is None:
        return _NOT_STATIC
    return _run(env, plan, scope)


# What an expression of ``{{ ... }}`` does, parsed once per process (models repeat
# ``ref('x')`` and the stdlib calls); None for an expression the static path leaves to Jinja.
# A plan is ("v", literal) | ("c", literal to copy) | ("l", [plans]) | ("t", attribute of
# this) | ("f", function name, [plans], [(keyword, plan)]).
_PLANS: dict[str, Any] = {}
_TOKEN = re.compile(r"""\s*(?:('[^'\\]*'|"[^"\\]*")|(-?\d+(?:\.\d+)?)(?![\w.])"""
                    r"""|([A-Za-z_]\w*)|([()\[\],=.]))""")
_NAMED = {"true": True, "True": True, "false": False, "False": False, "none": None,
          "None": None}


class _NoPlan(Exception):
    pass


def _plan(expr: str) -> Any:
    try:
        return _quick_plan(expr)
    except _NoPlan:
        pass
    try:  # what the quick parser does not read (escapes in strings, dicts): Python's parser
        tree = ast.parse(expr, mode="eval").body
        if not isinstance(tree, (ast.Call, ast.Attribute)):
            return None  # a bare literal or name: Jinja's literals differ from Python's
        return _ast_plan(tree)
    except (SyntaxError, _NoPlan):
        return None


def _quick_plan(expr: str) -> Any:
    """The plan of ``name(literal, name(...), key=[literal, ...])`` or ``this.attribute``,
    read with one regular expression; :class:`_NoPlan` for anything else."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(expr):
        match = _TOKEN.match(expr, pos)
        if match is None:
            if expr[pos:].isspace():
                break
            raise _NoPlan
        kind = match.lastindex or 0
        tokens.append(("sdno"[kind - 1], match.group(kind)))
        pos = match.end()
    tokens.append(("end", ""))
    index = 0

    def take(kind: str, text: str | None = None) -> str:
        nonlocal index
        found_kind, found = tokens[index]
        if found_kind != kind or (text is not None and found != text):
            raise _NoPlan
        index += 1
        return found

    def peek(text: str) -> bool:
        return tokens[index][1] == text and tokens[index][0] == "o"

    def value() -> Any:
        kind, text = tokens[index]
        if kind == "s":
            take("s")
            return ("v", text[1:-1])
        if kind == "d":
            take("d")
            return ("v", float(text) if "." in text else int(text))
        if kind == "o" and text == "[":
            take("o", "[")
            items = []
            while not peek("]"):
                items.append(value())
                if not peek("]"):
                    take("o", ",")
            take("o", "]")
            return ("l", items)
        if kind == "n":
            if tokens[index + 1][1] == "(":
                return call()
            if text in _NAMED:
                take("n")
                return ("v", _NAMED[text])
        raise _NoPlan

    def call() -> Any:
        name = take("n")
        take("o", "(")
        args: list[Any] = []
        keywords: list[tuple[str, Any]] = []
        while not peek(")"):
            if tokens[index][0] == "n" and tokens[index + 1][1] == "=":
                keyword = take("n")
                take("o", "=")
                keywords.append((keyword, value()))
            elif keywords:
                raise _NoPlan  # a positional argument after a keyword one: Python says no
            else:
                args.append(value())
            if not peek(")"):
                take("o", ",")
        take("o", ")")
        return ("f", name, args, keywords)

    if tokens[0] == ("n", "this") and tokens[1] == ("o", "."):
        index = 2
        plan: Any = ("t", take("n"))
    else:
        plan = call()
    take("end")
    return plan


def _ast_plan(node: ast.expr) -> Any:
    if isinstance(node, ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id == "this":
            return ("t", node.attr)
        raise _NoPlan
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or any(kw.arg is None for kw in node.keywords):
            raise _NoPlan  # a method call, ``**mapping``
        return ("f", node.func.id, [_ast_plan(arg) for arg in node.args],
                [(kw.arg, _ast_plan(kw.value)) for kw in node.keywords])
    try:
        value = ast.literal_eval(node)
    except ValueError:
        raise _NoPlan from None
    return ("c" if isinstance(value, (list, dict, set)) else "v", value)


def _run(env: jinja2.Environment, plan: Any, scope: _RenderScope) -> Any:
    """The value of a plan; ``_NOT_STATIC`` when it calls what is not ours (a project
    macro named like one of our functions, which Jinja must call)."""
    kind = plan[0]
    if kind == "v":
        return plan[1]
    if kind == "f":
        name = plan[1]
        static: dict[str, Callable[..., Any]] = getattr(env, "fft_static", {})
        function = static.get(name)
        if function is None or env.globals.get(name) is not function:
            return _NOT_STATIC  # not ours (e.g. a project macro named ``ref``)
        args = [_run(env, arg, scope) for arg in plan[2]]
        kwargs = {key: _run(env, arg, scope) for key, arg in plan[3]}
        if any(v is _NOT_STATIC for v in (*args, *kwargs.values())):
            return _NOT_STATIC
        if name in _SCOPED:
            return getattr(scope, name)(*args, **kwargs)
        return function(*args, **kwargs)
    if kind == "l":
        items = [_run(env, item, scope) for item in plan[1]]
        return _NOT_STATIC if any(v is _NOT_STATIC for v in items) else items
    if kind == "c":
        return copy.deepcopy(plan[1])
    # "t": this.<attribute>
    if plan[1] in _This.ATTRIBUTES and isinstance(env.globals.get("this"), _This):
        return _This.attribute(scope, plan[1])
    return _NOT_STATIC


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


_CONFIG_CALL = re.compile(r"\{\{-?\s*(config\s*\(.*?\))\s*-?\}\}", re.S)


def config_engines(text: str, display: str, node: str) -> tuple[str, ...] | None:
    """The engines a SQL model's ``{{ config(engines=...) }}`` names, lower case; None when
    it names none. Read from the text, without rendering: a model for another engine is
    left out before names are counted (two engines' files may define one model).

    >>> config_engines("{{ config(engines=['DuckDB', 'postgres']) }}\\nselect 1", "m", "m")
    ('duckdb', 'postgres')
    """
    if "engines" not in text:
        return None
    for match in _CONFIG_CALL.finditer(text):
        try:
            call = ast.parse(match.group(1), mode="eval").body
        except SyntaxError:
            continue
        assert isinstance(call, ast.Call)
        for keyword in call.keywords:
            if keyword.arg != "engines":
                continue
            line = text.count("\n", 0, match.start()) + 1
            try:
                value = ast.literal_eval(keyword.value)
            except ValueError:
                value = None
            names = [value] if isinstance(value, str) else value
            if (not isinstance(names, (list, tuple, set))
                    or not all(isinstance(n, str) and n.strip() for n in names)):
                raise RenderError(
                    f"{node}: config(engines=...) must be an engine name or a list of them "
                    "written out", file=display, line=line, node=node,
                    hint="write e.g. config(engines=['duckdb', 'postgres'])")
            return tuple(sorted({n.strip().lower() for n in names}))
    return None

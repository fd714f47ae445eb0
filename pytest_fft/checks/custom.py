"""Custom data-quality checks: SQL files ``tests/**/*.ff.sql`` and Python ``@dq_test``
functions in ``tests/**/*.ff.py``, used in ``tests:`` by the name they declare.

A SQL check is a template of one query that counts the offending rows (0 passes)::

    {{ config(type="no_future_orders", params=["where"]) }}
    select count(*) from {{ table }} where {{ column }} > current_timestamp
    {%- if where %} and ({{ where }}){%- endif %}

``{{ table }}`` and ``{{ column }}`` are the checked relation and column, quoted for the
engine; ``{{ where }}`` and every name in ``params=[...]`` are variables (``None`` when not
given), ``{{ params }}`` the mapping of all of them. ``project.yml`` may give a parameter under
``params:`` or, as FastFlowTransform 0.6 reads it too, at the top of the entry; a key the file
does not declare is an error when the project loads. The template is rendered then, too.

A Python check is a function ``(con, table, column, params) -> (ok, message, example_sql)``
registered with :func:`dq_test`; the loader finds it by reading the file's syntax tree, and the
file is imported when the check first runs. ``con`` is a :class:`Connection` on the run's
engine (``con.execute(sql).fetchone()``, or ``fastflowtransform.testing.base._scalar(con,
sql)``); ``params`` is the check's whole YAML entry with the user's options under
``params["params"]``, or, with ``@dq_test(name, params_model=Model)``, those options validated
by that (pydantic) model.
"""

from __future__ import annotations

import ast
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from pytest_fft.errors import CheckError, ProjectFileError, read_project_text

if TYPE_CHECKING:
    from pytest_fft.checks.spec import CheckSpec
    from pytest_fft.checks.sql import CheckOutcome
    from pytest_fft.project.records import Check

#: Where custom checks live, relative to the project.
TESTS_DIR = "tests"
SQL_SUFFIX = ".ff.sql"
PY_SUFFIX = ".ff.py"
#: The keys of a SQL check's ``config(...)``.
CONFIG_KEYS = ("type", "params", "description")
#: The attribute :func:`dq_test` puts on the function it registers.
DQ_ATTR = "__fft_dq_test__"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class CustomTest:
    """One custom check type: where it is written and what it takes.

    ``params``: the parameter names a SQL check declares (``None`` for a Python check: its
    ``params_model``, if any, is only known once the file is imported).
    """

    type: str
    kind: Literal["sql", "python"]
    rel_path: str
    line: int
    params: tuple[str, ...] | None = None
    template: str = ""
    func_name: str = ""


@dataclass(frozen=True)
class DqTest:
    """What :func:`dq_test` records on a function."""

    name: str
    params_model: Any = None


#: Every function :func:`dq_test` registered in this process, by name (the last one wins).
REGISTERED: dict[str, Callable[..., Any]] = {}


def dq_test(name: str, *, params_model: Any = None,
            overwrite: bool = True) -> Callable[[F], F]:
    """Register a custom data-quality check under ``name`` (its ``type:`` in ``tests:``).

    >>> @dq_test("min_positive_share")
    ... def min_positive_share(con, table, column, params):
    ...     total = con.execute(f"select count(*) from {table}").fetchone()[0]
    ...     return total > 0, None if total else f"{table} is empty", None

    The function returns ``(ok, message, example_sql)``; ``params_model`` (a pydantic model)
    validates the options under ``params:`` and the function gets them as a dict.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError("dq_test needs the check's name, e.g. @dq_test('min_positive_share')")

    def register(func: F) -> F:
        setattr(func, DQ_ATTR, DqTest(name, params_model))
        if overwrite or name not in REGISTERED:
            REGISTERED[name] = func
        return func

    return register


# ---------------------------------------------------------------------------------------------
# discovery
# ---------------------------------------------------------------------------------------------


def discover(root: Path, builtin: Sequence[str] = ()) -> dict[str, CustomTest]:
    """The custom checks under ``root/tests`` by type name. A type declared twice, or with
    the name of a built-in type, is a :class:`ProjectFileError` naming the files."""
    folder = root / TESTS_DIR
    if not folder.is_dir():
        return {}
    found: dict[str, CustomTest] = {}
    paths = sorted([*folder.rglob(f"*{SQL_SUFFIX}"), *folder.rglob(f"*{PY_SUFFIX}")])
    for path in paths:
        if "__pycache__" in path.parts or not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        tests = _sql_test(path, rel) if path.name.endswith(SQL_SUFFIX) else _py_tests(path, rel)
        for test in tests:
            if test.type in builtin:
                raise ProjectFileError(
                    f"{rel}: declares the check type {test.type!r}, which is built in",
                    file=rel, line=test.line,
                    hint=f"give the custom check another name than {test.type!r}")
            if test.type in found:
                first = found[test.type]
                raise ProjectFileError(
                    f"{rel}: declares the check type {test.type!r}, which "
                    f"{first.rel_path}:{first.line} declares too",
                    file=rel, line=test.line, hint="rename one of the two")
            found[test.type] = test
    return found


_CONFIG = re.compile(r"\{\{-?\s*config\s*\((?P<args>.*?)\)\s*-?\}\}", re.DOTALL)


def _sql_test(path: Path, rel: str) -> list[CustomTest]:
    text = read_project_text(path, rel)
    match = _CONFIG.search(text)
    example = '{{ config(type="no_future_orders", params=["where"]) }}'
    if match is None:
        raise ProjectFileError(f"{rel}: a custom SQL check needs a config(type=...) header",
                               file=rel, line=1, hint=f"start the file with {example}")
    line = text.count("\n", 0, match.start()) + 1
    try:
        call = ast.parse(f"config({match.group('args')})", mode="eval").body
        assert isinstance(call, ast.Call)
        if call.args:
            raise ValueError("config() takes keyword arguments only")
        config = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
    except (SyntaxError, ValueError, AssertionError) as exc:
        raise ProjectFileError(f"{rel}: config(...) must hold literal keyword arguments "
                               f"({exc})", file=rel, line=line, hint=f"write {example}") from None
    for key in config:
        if key not in CONFIG_KEYS:
            raise ProjectFileError(f"{rel}: unknown config key {key!r}", file=rel, line=line,
                                   hint=f"config() of a custom check takes: "
                                        f"{', '.join(CONFIG_KEYS)}")
    type_ = config.get("type")
    if not isinstance(type_, str) or not re.fullmatch(r"[A-Za-z_][\w.-]*", type_):
        raise ProjectFileError(f"{rel}: config(type=...) must name the check type, got "
                               f"{type_!r}", file=rel, line=line, hint=f"write {example}")
    params = config.get("params") or []
    if isinstance(params, Mapping):  # a mapping of names to descriptions or defaults
        params = list(params)
    if not isinstance(params, (list, tuple)) or not all(
            isinstance(p, str) and p.isidentifier() for p in params):
        raise ProjectFileError(f"{rel}: config(params=...) must be a list of parameter names, "
                               f"got {params!r}", file=rel, line=line,
                               hint='write params=["where", "max_rows"]')
    return [CustomTest(type_, "sql", rel, line, tuple(params), template=text)]


def _py_tests(path: Path, rel: str) -> list[CustomTest]:
    text = read_project_text(path, rel)
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        raise ProjectFileError(f"{rel}: syntax error: {exc.msg}", file=rel, line=exc.lineno,
                               hint="fix the Python syntax at that line") from None
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for deco in node.decorator_list:
            if not (isinstance(deco, ast.Call) and _named(deco.func, "dq_test")):
                continue
            arg = deco.args[0] if deco.args else next(
                (kw.value for kw in deco.keywords if kw.arg == "name"), None)
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                raise ProjectFileError(
                    f"{rel}: @dq_test on {node.name} must name the check with a literal "
                    "string", file=rel, line=deco.lineno,
                    hint=f'write @dq_test("{node.name}")')
            found.append(CustomTest(arg.value, "python", rel, node.lineno,
                                    func_name=node.name))
    return found


def _named(func: ast.expr, name: str) -> bool:
    return (isinstance(func, ast.Name) and func.id == name) or (
        isinstance(func, ast.Attribute) and func.attr == name)


# ---------------------------------------------------------------------------------------------
# SQL checks: rendering
# ---------------------------------------------------------------------------------------------


def render_sql(spec: CheckSpec, quote_relation: Callable[[str], str],
               quote: Callable[[str], str], display: str) -> str:
    """The query of a custom SQL check ``spec``: its template rendered with the check's
    table, column, where and parameters. A template error is a :class:`ProjectFileError`
    naming the template and the check."""
    import jinja2
    import jinja2.meta

    test: CustomTest = spec.custom
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                             keep_trailing_newline=True)
    env.globals["config"] = lambda *args, **kwargs: ""
    user = dict(spec.params.get("params") or {})
    where = spec.where
    context: dict[str, Any] = dict.fromkeys(test.params or (), None)
    context.update(user)
    context.update(kind=test.type, table=quote_relation(spec.tables[0]),
                   column=quote(spec.column) if spec.column else None,
                   where=where, params={**user, **({"where": where} if where else {})})
    try:
        template = env.parse(test.template)
        if where and "where" not in jinja2.meta.find_undeclared_variables(template):
            raise ProjectFileError(
                f"check {spec.id!r}: where: is given, but {test.rel_path} does not use "
                "{{ where }}", file=display, line=spec.line, node=spec.id,
                hint=f"add {{%- if where %}} and ({{{{ where }}}}){{%- endif %}} to "
                     f"{test.rel_path}, or remove where:")
        return env.from_string(test.template).render(context).strip().rstrip(";").strip()
    except jinja2.TemplateSyntaxError as exc:
        raise ProjectFileError(f"{test.rel_path}: template error: {exc.message}",
                               file=test.rel_path, line=exc.lineno, node=spec.id,
                               hint="fix the Jinja syntax at that line") from None
    except jinja2.UndefinedError as exc:
        known = ", ".join(sorted({"table", "column", "where", "params", *(test.params or ())}))
        raise ProjectFileError(
            f"{test.rel_path}: rendering it for check {spec.id!r} failed: {exc.message}",
            file=test.rel_path, line=test.line, node=spec.id,
            hint=f"the template knows: {known}; declare others in config(params=[...])",
        ) from None


# ---------------------------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------------------------


class Result:
    """Rows of one statement run through a :class:`Connection`: ``fetchone()``,
    ``fetchall()``, ``fetchmany(n)``, iteration."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self._rows = list(rows)
        self._at = 0

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        rows = self._rows[self._at:self._at + size]
        self._at += len(rows)
        return rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows = self._rows[self._at:]
        self._at = len(self._rows)
        return rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.fetchall())


class Connection:
    """The ``con`` a custom Python check gets: the run's engine, the same on every engine.

    ``con.execute(sql)`` runs one statement (or a list of them, returning the last one's
    :class:`Result`); ``con.fetchone()``/``fetchall()`` read the last result, as on a DuckDB
    connection. ``con.engine_name`` says which engine it is (``duckdb``, ``postgres``).
    """

    def __init__(self, engine: Any) -> None:
        self._engine = engine
        self.engine_name: str = engine.name
        self._last = Result([])

    def execute(self, sql: Any, parameters: Any = None) -> Result:
        if parameters is not None or (isinstance(sql, tuple) and len(sql) == 2
                                      and isinstance(sql[1], Mapping)):
            raise TypeError("con.execute() takes SQL text only: write the values into the SQL "
                            "(bind parameters are not supported)")
        if isinstance(sql, (list, tuple)):
            for statement in sql:
                self.execute(statement)
            return self._last
        if not isinstance(sql, str):
            raise TypeError(f"con.execute() takes SQL text, got {type(sql).__name__}")
        self._last = Result(self._engine.query(sql))
        return self._last

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._last.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._last.fetchall()

    def __repr__(self) -> str:
        return f"<fft Connection to {self.engine_name}>"


class TestFailure(Exception):
    """A custom check's way to fail with a message (``raise TestFailure("...")``); the
    checks of ``fastflowtransform.testing.base`` raise it too."""

    __test__ = False  # not a pytest test class


_modules: dict[tuple[str, float], Any] = {}
_importing = threading.Lock()


def _function(root: Path, test: CustomTest, check: Check) -> Callable[..., Any]:
    """The function of a Python check, its file imported once per process and version."""
    from pytest_fft.errors import ModuleLoadError
    from pytest_fft.project.modules import import_file

    path = root / test.rel_path
    key = (str(path), path.stat().st_mtime)
    with _importing:
        module = _modules.get(key)
        if module is None:
            try:
                module = import_file(path, root, prefix="fft_dq_tests")
            except ModuleLoadError as exc:
                raise CheckError(f"{check.name}: {exc.message}", file=exc.file, line=exc.line,
                                 node=check.name, hint=exc.hint) from exc
            _modules[key] = module
    func = getattr(module, test.func_name, None)
    if not callable(func):
        raise CheckError(f"{check.name}: {test.rel_path} has no function {test.func_name}",
                         file=test.rel_path, line=test.line, node=check.name)
    return func


def run_custom(engine: Any, check: Check, env_name: str) -> CheckOutcome:
    """Run the custom check ``check`` on ``engine``; raises :class:`CheckError` when it
    cannot run (its query fails, its function raises or returns something else)."""
    spec = check.spec
    test: CustomTest = spec.custom
    if test.kind == "sql":
        return _run_sql(engine, check, env_name)
    return _run_python(engine, check, test, env_name)


def _label(spec: CheckSpec) -> str:
    return spec.scope or spec.tables[0]


def _run_sql(engine: Any, check: Check, env_name: str) -> CheckOutcome:
    from pytest_fft.checks.query_errors import query_error, sql_log
    from pytest_fft.checks.sql import CheckOutcome, _count, _NotANumber

    spec = check.spec
    sql = spec.params["sql"]
    sql_log.debug("-- check %s (%s:%s)\n%s", check.name, check.rel_path, check.line, sql)
    try:
        rows = engine.query(sql)
    except Exception as exc:
        raise query_error(engine, check, env_name, exc) from exc
    value = rows[0][0] if rows and rows[0] else 0
    try:
        n = _count(value)
    except _NotANumber:
        raise CheckError(f"{check.name}: the query of {spec.custom.rel_path} returned "
                         f"{value!r}, not a count of offending rows",
                         file=spec.custom.rel_path, line=spec.custom.line, node=check.name,
                         hint="make its first column count(*) of the rows that violate "
                              "the check") from None
    label = _label(spec)
    if n == 0:
        return CheckOutcome(True, f"{label}: no row violates {spec.type}", {"failing_rows": 0})
    verb = "row violates" if n == 1 else "rows violate"
    return CheckOutcome(False, f"{label}: {n} {verb} {spec.type}", {"failing_rows": n})


def _plain(value: Any) -> Any:
    """YAML containers (with line numbers) as plain dicts and lists."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _run_python(engine: Any, check: Check, test: CustomTest, env_name: str) -> CheckOutcome:
    from pytest_fft.checks.sql import CheckOutcome
    from pytest_fft.errors import line_in_traceback, raised_by_code

    spec = check.spec
    # check.path is the file that lists the check (project.yml, models/x.yml): up to the root.
    root = Path(check.path).parents[len(Path(check.rel_path).parts) - 1]
    func = _function(root, test, check)
    info = getattr(func, DQ_ATTR, None)
    user = _plain(spec.params.get("params") or {})
    params: dict[str, Any] = {**_plain(spec.params.get("entry") or {}), "params": user}
    model = getattr(info, "params_model", None)
    if model is not None:
        params = _validated(model, user, check, test)
    try:
        returned = func(Connection(engine), spec.tables[0], spec.column, params)
    except BaseException as exc:
        if type(exc).__name__ == "TestFailure":  # ours, or FastFlowTransform's own class
            return CheckOutcome(False, str(exc) or f"{_label(spec)}: {spec.type} failed", {})
        if not raised_by_code(exc):
            raise
        missing = engine.existing_relations().missing(spec.tables)
        if missing:
            raise CheckError(
                f"table {missing[0]} does not exist in {env_name}; build it with fft run",
                file=check.rel_path, line=check.line, node=check.name) from exc
        raise CheckError(
            f"{check.name}: {test.func_name}() raised {type(exc).__name__}: {exc}",
            file=test.rel_path, line=line_in_traceback(exc, root / test.rel_path) or test.line,
            node=check.name, hint="fix the function, or set FFT_TRACE=1 for the traceback",
        ) from exc
    if not (isinstance(returned, (tuple, list)) and len(returned) in (2, 3)):
        raise CheckError(
            f"{check.name}: {test.func_name}() returned {returned!r}, not (ok, message, "
            "example_sql)", file=test.rel_path, line=test.line, node=check.name,
            hint="return a tuple: (True, None, None) when the data is fine")
    ok, message = bool(returned[0]), returned[1]
    example = returned[2] if len(returned) == 3 else None
    if message is None or not str(message).strip():
        message = f"{_label(spec)}: {spec.type} {'passed' if ok else 'failed'}"
    metrics = {"example_sql": str(example)} if example else {}
    return CheckOutcome(ok, str(message).strip(), metrics)


def _validated(model: Any, user: dict[str, Any], check: Check,
               test: CustomTest) -> dict[str, Any]:
    try:
        value = model.model_validate(user)
    except Exception as exc:
        problems = exc.errors() if hasattr(exc, "errors") else None
        if problems:
            detail = "; ".join(
                f"{'.'.join(str(p) for p in e.get('loc', ())) or 'params'}: {e.get('msg')}"
                for e in problems)
        else:
            detail = str(exc)
        raise CheckError(
            f"{check.name}: params do not fit {getattr(model, '__name__', 'params_model')} "
            f"of {test.type}: {detail}", file=check.rel_path, line=check.line,
            node=check.name,
            hint=f"fix params: of the check (see {test.rel_path}:{test.line})") from None
    dumped = value.model_dump() if hasattr(value, "model_dump") else dict(value)
    return dict(dumped)


def is_custom(spec: CheckSpec) -> bool:
    """Whether ``spec`` is a custom check (not one of the built-in types)."""
    return getattr(spec, "custom", None) is not None


class Runner(Protocol):
    """A custom check: ``(con, table, column, params) -> (ok, message, example_sql)``."""

    def __call__(self, con: Any, table: str, column: str | None,
                 params: dict[str, Any]) -> tuple[bool, str | None, str | None]: ...


def register_test(name: str, runner: Runner, *, overwrite: bool = False) -> None:
    """FastFlowTransform's ``register_test``: keeps ``runner`` under ``name``. The loader
    finds custom checks by their ``@dq_test("name")`` decorator; write that to use one in
    ``tests:``."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("register_test needs the check's name")
    if not callable(runner):
        raise TypeError("register_test needs a callable runner")
    if name in REGISTERED and not overwrite:
        raise ValueError(f"check {name!r} is already registered; pass overwrite=True")
    REGISTERED[name] = runner

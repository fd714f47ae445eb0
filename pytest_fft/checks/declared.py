"""Every check a project declares, as :class:`~pytest_fft.checks.spec.CheckSpec` records with
the file that declares each one.

* ``project.yml -> tests:``;
* schema files: ``models/**/*.yml`` (``schema.yml`` or any name) in dbt's style, whose
  ``models:`` list names a model and the tests of its columns (or of the whole model)::

      version: 2
      models:
        - name: users_enriched
          tests: [{row_count_between: {min_rows: 1}}]
          columns:
            - name: id
              tests: [not_null, {unique: {severity: warn}}]
            - name: user_id
              tests:
                - relationships: {to: "ref('dim_users')", field: user_id, to_field: id}

  A test is a type name, or a mapping of one type name to its parameters (``severity``,
  ``tags``, ``where``, ``name`` and the type's own; dbt's ``config: {severity: warn}`` too).
  Under ``relationships``, ``field`` is the child column (the column the test is listed
  under when not given) and ``to_field`` the parent's (``id`` when not given). Other YAML
  files under ``models/`` (a delta configuration, a contract) have no ``models:`` list and
  are not read here.
* the custom types of ``tests/**/*.ff.sql`` and ``tests/**/*.ff.py`` (:mod:`.custom`), which
  any of the above may use.

Check ids are unique across all files (a repeated one gets ``#2``, ...). Pure: reads files.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from pytest_fft.checks.custom import discover, render_sql
from pytest_fft.checks.spec import CHECK_TYPES, CheckSpec, parse_checks
from pytest_fft.errors import DependencyNotFoundError, ProjectFileError
from pytest_fft.project.names import relation_for
from pytest_fft.project.yaml_io import LineDict, LineList, line_of, load_yaml

SCHEMA_DIR = "models"
_SCHEMA_EXAMPLE = ("models: [{name: users, columns: [{name: id, tests: [not_null, "
                   "unique]}]}]")


class NodeNames(Protocol):
    """What the loader knows of the project's node names (its ``_NodeNames``)."""

    @property
    def by_name(self) -> Mapping[str, str]: ...

    def resolve(self, wanted: str) -> str | None: ...

    def suggest(self, wanted: str) -> str | None: ...


def declared_checks(root: Path, tests: Any, names: NodeNames,
                    engine: str) -> Iterator[tuple[CheckSpec, str]]:
    """Each check of the project with the file (relative to ``root``) that declares it:
    ``project.yml``'s first, then the schema files' in path order. A ``relationships``
    check's ``ref('x')`` is resolved to the relation of ``x``; a custom SQL check's query is
    rendered for ``engine``."""
    from pytest_fft.checks.dialect import dialect_for

    custom = discover(root, builtin=tuple(CHECK_TYPES))
    dialect = dialect_for(engine)
    seen: set[str] = set()
    groups: list[tuple[str, tuple[CheckSpec, ...]]] = []
    if tests:
        if not isinstance(tests, list):
            raise ProjectFileError("project.yml: 'tests' must be a list of checks",
                                   file="project.yml", line=line_of(tests),
                                   hint="tests: [{type: not_null, table: users, column: id}]")
        groups.append(("project.yml", parse_checks(tests, "project.yml", custom, seen)))
    for rel, entries in _schema_files(root, names):
        groups.append((rel, parse_checks(entries, rel, custom, seen)))
    for display, specs in groups:
        for spec in specs:
            if spec.params.get("ref"):
                spec = _resolve_ref(spec, names, display)
            if spec.custom is not None and spec.custom.kind == "sql":
                sql = render_sql(spec, dialect.relation, dialect.quote, display)
                spec = replace(spec, params={**spec.params, "sql": sql})
            yield spec, display


def _resolve_ref(spec: CheckSpec, names: NodeNames, display: str) -> CheckSpec:
    wanted = spec.params["to"]
    node = names.resolve(wanted)
    if node is None:
        suggestion = names.suggest(wanted)
        tail = f"; did you mean ref({suggestion!r})?" if suggestion else ""
        raise DependencyNotFoundError(
            f"Dependency not found: check {spec.id!r} references ref({wanted!r}){tail}",
            file=display, line=spec.line, node=spec.id,
            hint="ref() in to: takes a model or seed name (users or users.ff)")
    relation = relation_for(node)
    params = {k: v for k, v in spec.params.items() if k != "ref"}
    params["to"] = relation
    scope = f"{spec.tables[0]}.{spec.column} → {relation}.{params['field']}"
    return replace(spec, params=params, tables=(spec.tables[0], relation), scope=scope)


# ---------------------------------------------------------------------------------------------
# schema files
# ---------------------------------------------------------------------------------------------


def schema_files(root: Path) -> list[tuple[str, Any]]:
    """``(relative path, YAML data)`` of every schema file under ``models/``: a mapping with
    a ``models:`` list (others, such as delta configurations, are left alone)."""
    folder = root / SCHEMA_DIR
    if not folder.is_dir():
        return []
    found = []
    for path in sorted([*folder.rglob("*.yml"), *folder.rglob("*.yaml")]):
        if not path.is_file() or path.name.endswith((".contracts.yml", ".contracts.yaml")):
            continue
        rel = path.relative_to(root).as_posix()
        data = load_yaml(path, display=rel)
        if isinstance(data, Mapping) and isinstance(data.get("models"), list):
            found.append((rel, data))
    return found


def _schema_files(root: Path, names: NodeNames) -> Iterator[tuple[str, LineList]]:
    for rel, data in schema_files(root):
        entries = LineList()
        entries.line = line_of(data, "models") or 1
        entries.item_lines = []
        for model in data["models"]:
            for raw, line in _model_tests(model, rel, names):
                entries.append(raw)
                entries.item_lines.append(line)
        if entries:
            yield rel, entries


def _error(rel: str, message: str, container: Any, key: Any = None, *,
           hint: str) -> ProjectFileError:
    line = line_of(container, key) if key is not None else line_of(container)
    return ProjectFileError(f"{rel}: {message}", file=rel, line=line or line_of(container),
                            hint=hint)


def _model_tests(model: Any, rel: str, names: NodeNames) -> Iterator[tuple[LineDict, int]]:
    if not isinstance(model, Mapping) or not isinstance(model.get("name"), str):
        raise _error(rel, f"each entry of models: must be a mapping with a name, got {model!r}",
                     model, hint=_SCHEMA_EXAMPLE)
    name = model["name"]
    node = names.resolve(name)
    if node is None:
        close = names.suggest(name) or _closest(name, list(names.by_name))
        tail = f"; did you mean {close!r}?" if close else ""
        raise _error(rel, f"models: names {name!r}, which is no model or seed of this "
                          f"project{tail}", model, "name",
                     hint="name a model by its node name or relation (users or users.ff)")
    table = relation_for(node)
    yield from _tests_of(model, rel, table, None)
    columns = model.get("columns") or []
    if not isinstance(columns, list):
        raise _error(rel, f"columns of {name} must be a list", model, "columns",
                     hint="columns: [{name: id, tests: [not_null]}]")
    for column in columns:
        if not isinstance(column, Mapping) or not isinstance(column.get("name"), str):
            raise _error(rel, f"each column of {name} must be a mapping with a name, got "
                              f"{column!r}", column if isinstance(column, Mapping) else model,
                         hint="- name: id\n    tests: [not_null]")
        yield from _tests_of(column, rel, table, column["name"])


def _closest(word: str, pool: list[str]) -> str | None:
    found = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    return found[0] if found else None


def _tests_of(owner: Mapping[str, Any], rel: str, table: str,
              column: str | None) -> Iterator[tuple[LineDict, int]]:
    key = "tests" if "tests" in owner else "data_tests"  # dbt 1.8 renamed tests
    tests = owner.get(key)
    if tests is None:
        return
    if not isinstance(tests, list):
        raise _error(rel, f"{key} must be a list", owner, key,
                     hint="tests: [not_null, {accepted_values: {values: [a, b]}}]")
    for index, test in enumerate(tests):
        line = line_of(tests, index) or line_of(owner, key) or 1
        yield _check_entry(test, rel, table, column, line), line


def _check_entry(test: Any, rel: str, table: str, column: str | None, line: int) -> LineDict:
    """One schema test as a ``tests:`` entry of project.yml, with its lines."""
    raw = LineDict()
    raw.line = line
    raw.key_lines = {}
    args: Mapping[str, Any]
    if isinstance(test, str):
        type_, args = test, {}
    elif isinstance(test, Mapping) and len(test) == 1:
        type_, args = next(iter(test.items()))
        args = {} if args is None else args
        if not isinstance(args, Mapping):
            raise _error(rel, f"the parameters of {type_} must be a mapping, got {args!r}",
                         test, type_, hint=f"{type_}: {{severity: warn}}")
    elif isinstance(test, Mapping) and "type" in test:  # project.yml's own spelling
        type_, args = test["type"], {k: v for k, v in test.items() if k != "type"}
    else:
        raise _error(rel, f"a test is a name or a mapping of one name to its parameters, got "
                          f"{test!r}", test, hint="tests: [not_null, {unique: {severity: warn}}]")
    raw["type"] = type_
    raw["table"] = table
    for key, value in args.items():
        if key == "config" and isinstance(value, Mapping):  # dbt: config: {severity: warn}
            for inner, setting in value.items():
                raw[inner] = setting
                raw.key_lines[inner] = line_of(value, inner) or line
            continue
        raw[key] = value
        raw.key_lines[key] = line_of(args, key) or line
    if isinstance(raw.get("severity"), str):
        raw["severity"] = raw["severity"].lower()  # dbt writes ERROR / WARN
    if type_ == "relationships" and "field" in raw:
        # In a schema file, field is the child column (0.6): the parent's is to_field.
        raw["column"] = raw.pop("field")
        raw.key_lines["column"] = raw.key_lines.pop("field", line)
        raw.setdefault("to_field", "id")
    elif column is not None and "column" not in raw:
        raw["column"] = column
    return raw

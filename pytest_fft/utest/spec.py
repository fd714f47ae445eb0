"""Unit-test specs under ``tests/unit/*.yml``, parsed strictly into :class:`UnitCase` records.

One file targets one model and lists its cases; ``defaults`` are deep-merged into every case::

    model: users_enriched            # node name; "users" finds "users.ff" as ref() does
    engine: duckdb                   # optional
    defaults:
      inputs:
        users: {rows: [{id: 1, email: "a@example.com"}]}
      expect: {order_by: [id]}
    cases:
      - name: basic_gmail_flag
        expect:
          rows: [{id: 1, email: "a@example.com", is_gmail: false}]

Parsing is pure (no pytest, no pandas, no database): every error is a
:class:`~pytest_fft.errors.ProjectFileError` naming the YAML file relative to the project root,
the line, and one sentence on what to do.

Decisions where the spec leaves room:

* ``rows`` and ``csv`` exclude each other. Within one mapping giving both is an error; across
  layers the case wins: a case that gives ``csv`` for an input drops the ``rows`` of that
  input from ``defaults`` (and vice versa), the same for expected rows. Everything else follows
  :func:`deep_merge`. ``order_by`` and ``any_order: true`` may stand together (FastFlowTransform
  allows it; the row order never matters, ``order_by`` only pairs rows by key).
* A section written but left empty (``inputs:`` with nothing under it) counts as not given, and
  so do ``relation``, ``order_by``, ``ignore_columns`` and ``approx`` written empty.
* An input the model does not read is ignored when the case gives every input the model
  reads; otherwise it is reported (with a close spelling) as the likely typo it is.
* Rows may name different columns; the columns are the union in first-seen order and a key
  missing from a row is NULL there (for inputs and for expected rows alike).
* ``expect: {rows: []}`` means "the model returns no rows"; as there are no columns to compare,
  only the row count is checked (a CSV with just a header checks the columns too). Inputs need
  columns, so an input with ``rows: []`` is an error.
* ``expect.relation`` must be what the model builds (a schema prefix is allowed), and
  ``order_by`` columns must be expected columns (the expected rows are sorted by them), so a
  typo fails at collection with a suggestion. ``ignore_columns`` and ``approx`` columns are not
  checked: one may name a column only the result has, the other may sit in ``defaults`` for
  cases that expect different columns (and a typo there only makes a comparison stricter).
* A case needs expected rows (``rows`` or ``csv``), in the case or in ``defaults``.
* An empty spec file, or one without cases, has no cases (FastFlowTransform 0.6 accepts both);
  its ``model`` and ``defaults`` are still checked when written.
* An ``approx`` tolerance must be a number (plain or quoted) of 0 or more.
* Incremental models: ``is_incremental: true`` (or dbt's ``overrides: {macros:
  {is_incremental: true}}``) in a case or in ``defaults`` runs the model as a later run would
  (its delta); the input ``this`` (or the model's relation name) is its table before that run.
  ``expect`` then compares the delta's rows, as dbt does, or with ``after_merge: true`` the
  table after the delta is applied with the model's strategy and unique_key. ``this`` is
  required where it is read: for ``after_merge``, and when a SQL model's delta names its own
  relation; given without ``is_incremental`` it is an error (it would be read by nothing).
"""

from __future__ import annotations

import csv as _csv
import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_fft.errors import ProjectFileError
from pytest_fft.project.names import relation_for
from pytest_fft.project.yaml_io import LineDict, LineList, line_of, load_yaml
from pytest_fft.utest.incremental_keys import (
    THIS,
    check_incremental,
    incremental_flag,
    this_input,
    this_named,
)

#: Where specs live, relative to the project root.
UNIT_DIR = Path("tests") / "unit"

FILE_KEYS: tuple[str, ...] = ("model", "engine", "defaults", "cases")
DEFAULTS_KEYS: tuple[str, ...] = ("inputs", "expect", "is_incremental", "overrides")
CASE_KEYS: tuple[str, ...] = ("name", "inputs", "expect", "is_incremental", "overrides")
INPUT_KEYS: tuple[str, ...] = ("rows", "csv")
EXPECT_KEYS: tuple[str, ...] = (
    "relation", "rows", "csv", "order_by", "any_order", "ignore_columns", "subset", "approx",
    "after_merge",
)


@dataclass(frozen=True)
class InputData:
    """One input relation of a case: inline ``rows`` or a ``csv`` file, never both."""

    relation: str
    rows: tuple[Mapping[str, Any], ...] | None
    csv: Path | None  # resolved: relative to the spec file, else to the project root
    columns: tuple[str, ...]  # rows' keys in first-seen order, or the CSV header
    line: int | None


@dataclass(frozen=True)
class Expectation:
    """What the model must return and how to compare it."""

    relation: str
    rows: tuple[Mapping[str, Any], ...] | None
    csv: Path | None
    order_by: tuple[str, ...] = ()
    any_order: bool = False
    ignore_columns: tuple[str, ...] = ()
    subset: bool = False
    approx: bool | Mapping[str, float] = False  # True, or an absolute tolerance per column
    line: int | None = None
    # An incremental case: compare the model's table after its delta is applied to ``this``
    # (with the model's strategy and unique_key), not the delta's rows.
    after_merge: bool = False


@dataclass(frozen=True)
class CaseProblem:
    """Why one case of a spec cannot run (a missing input, a bad expectation): that case's
    error when it runs, while the file's other cases run. Plain data, so cached cases keep it."""

    message: str
    file: str
    line: int | None
    node: str | None
    hint: str

    def error(self) -> ProjectFileError:
        return ProjectFileError(self.message, file=self.file, line=self.line, node=self.node,
                                hint=self.hint)


@dataclass(frozen=True)
class UnitCase:
    """One case of one spec file: the model, its inputs and the expected result."""

    name: str
    spec_path: Path
    rel_path: str  # POSIX path of the YAML relative to the project root
    model: str  # the node name, e.g. "mart_users.ff"
    engine: str | None
    inputs: Mapping[str, InputData]  # keyed by physical relation, in the model's deps order
    expect: Expectation
    line: int  # the case's ``- name:`` entry
    # ``is_incremental: true``: the model runs as on a later run of an incremental build
    # (``is_incremental()`` true, its delta SQL), and ``this`` is its table before that run
    # (relation: the model's relation), when the case gives it.
    is_incremental: bool = False
    this: InputData | None = None
    problem: CaseProblem | None = None  # the case cannot run: this is its error

    @property
    def node_id(self) -> str:
        """``tests/unit/users_enriched.yml::basic_gmail_flag``."""
        return f"{self.rel_path}::{self.name}"


# ---------------------------------------------------------------------------------------------
# public entry points
# ---------------------------------------------------------------------------------------------


def load_unit_specs(project: Any, paths: Sequence[Path] | None = None) -> tuple[UnitCase, ...]:
    """Every case of ``<project>/tests/unit/**/*.yml`` (files sorted), or of ``paths``.

    Relative ``paths`` are taken from the project root when the file is there, else from the
    working directory. Cases come in file order.
    """
    root = Path(project.root)
    if paths is None:
        folder = root / UNIT_DIR
        files = sorted(folder.rglob("*.yml"), key=lambda p: p.relative_to(folder).as_posix()) \
            if folder.is_dir() else []
    else:
        files = []
        for given in paths:
            path = Path(given)
            if not path.is_absolute() and (root / path).exists():
                path = root / path
            path = path.resolve()
            if path not in files:
                files.append(path)
    cases: list[UnitCase] = []
    for path in files:
        cases.extend(load_unit_file(project, path))
    return tuple(cases)


def load_unit_file(project: Any, path: Path, *,
                   case_problems: bool = False) -> tuple[UnitCase, ...]:
    """Parse and validate one spec file against ``project``. ``case_problems``: what is
    wrong with one case (once its name is known) is that case's ``problem`` instead of an
    error of the file, so that the file's other cases run (test collection does so)."""
    return _SpecFile(project, Path(path), case_problems=case_problems).parse()


def deep_merge(base: Any, override: Any) -> Any:
    """``override`` on top of ``base``: mappings merge key by key, recursively; lists and
    scalars (``None`` too) replace. Neither argument is modified; line numbers survive.

    >>> deep_merge({"a": {"x": 1, "y": [1]}}, {"a": {"y": [2]}, "b": 3})
    {'a': {'x': 1, 'y': [2]}, 'b': 3}
    """
    if not (isinstance(base, Mapping) and isinstance(override, Mapping)):
        return override
    merged: dict[Any, Any] = LineDict() if _has_lines(base, override) else {}
    merged.update(base)
    for key, value in override.items():
        merged[key] = deep_merge(base[key], value) if key in base else value
    if isinstance(merged, LineDict):
        merged.line = getattr(override, "line", 0) or getattr(base, "line", 0)
        merged.key_lines = {**getattr(base, "key_lines", {}), **getattr(override, "key_lines", {})}
    return merged


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _source_inputs_keyed(model: Any, inputs: Mapping[str, Any]) -> Mapping[str, Any]:
    """``inputs`` with each source the model reads keyed by its input relation
    (``Model.source_reads``); a case may also name a source ``<source>.<table>`` (as
    ``source()`` does) or by its table alone, where no other input (nor the model) has
    that name."""
    if not model.source_reads:
        return inputs
    taken = {*model.input_relations, model.relation}
    aliases: dict[str, str] = {}
    for source, table, relation in model.source_reads:
        for alias in (f"{source}.{table}", table):
            if alias != relation and alias not in taken:
                aliases.setdefault(alias, relation)
    if not any(key in aliases for key in inputs):
        return inputs
    keyed: dict[str, Any] = LineDict() if isinstance(inputs, LineDict) else {}
    for key, value in inputs.items():
        keyed[aliases.get(key, key)] = value
    if isinstance(keyed, LineDict) and isinstance(inputs, LineDict):
        keyed.line = inputs.line
        keyed.key_lines = {aliases.get(k, k): v
                           for k, v in getattr(inputs, "key_lines", {}).items()}
    return keyed


def _has_lines(*values: Any) -> bool:
    return any(isinstance(v, LineDict) for v in values)


def _without(mapping: Mapping[str, Any], keys: Sequence[str]) -> Mapping[str, Any]:
    """A copy of ``mapping`` without ``keys``, keeping its line numbers."""
    if not any(k in mapping for k in keys):
        return mapping
    out: dict[str, Any] = LineDict() if isinstance(mapping, LineDict) else {}
    out.update((k, v) for k, v in mapping.items() if k not in keys)
    if isinstance(out, LineDict) and isinstance(mapping, LineDict):
        out.line = mapping.line
        out.key_lines = dict(getattr(mapping, "key_lines", {}))
    return out


def _closest(word: str, pool: Sequence[str], cutoff: float = 0.6) -> str | None:
    found = difflib.get_close_matches(word, list(pool), n=1, cutoff=cutoff)
    return found[0] if found else None


def _columns_of(rows: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(key for row in rows for key in row))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _tolerance(value: Any) -> float | None:
    """A tolerance written plain (``0.01``) or quoted (``"1e-9"``), as a float; ``None`` if it
    is not a finite number."""
    if isinstance(value, bool):
        return None
    if _is_number(value):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _is_section(value: Any) -> bool:
    """A section written but left empty counts as not given."""
    return value is not None


class _SpecFile:
    """One spec file being parsed; knows where it is so every error can say so."""

    def __init__(self, project: Any, path: Path, *, case_problems: bool = False) -> None:
        self.project = project
        self.case_problems = case_problems
        self.root = Path(project.root)
        self.path = path.resolve()
        try:
            self.display = self.path.relative_to(self.root).as_posix()
        except ValueError:
            self.display = path.as_posix()
        self.model: str | None = None

    # -- errors --------------------------------------------------------------------------------

    def error(self, message: str, *, line: int | None, hint: str) -> ProjectFileError:
        return ProjectFileError(message, file=self.display, line=line, node=self.model,
                                hint=hint)

    def reject_unknown(self, raw: Mapping[str, Any], allowed: Sequence[str], where: str,
                       takes: str) -> None:
        for key in raw:
            if key in allowed:
                continue
            shown = str(key)
            suggestion = _closest(shown, allowed)
            tail = f"; did you mean {suggestion!r}?" if suggestion else ""
            raise self.error(f"unknown key {shown!r} in {where}{tail}", line=line_of(raw, key),
                             hint=f"{takes} takes: {', '.join(allowed)}")

    def mapping(self, value: Any, where: str, line: int | None, example: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.error(f"{where} must be a mapping, got {value!r}",
                             line=line_of(value) or line, hint=f"write it as {example}")
        return value

    # -- the file --------------------------------------------------------------------------------

    def parse(self) -> tuple[UnitCase, ...]:
        raw = load_yaml(self.path, display=self.display)
        takes = "a unit-test spec"
        if raw is None:
            return ()  # an empty file has no cases (FastFlowTransform skips it too)
        raw = self.mapping(raw, self.display, 1, "model: users_enriched, cases: [...]")
        self.reject_unknown(raw, FILE_KEYS, self.display, takes)
        model = self.resolve_model(raw)
        self.model = model.name
        engine = self.engine(raw)

        defaults = raw.get("defaults")
        if _is_section(defaults):
            defaults = self.mapping(defaults, "defaults", line_of(raw, "defaults"),
                                    "defaults: {inputs: ..., expect: ...}")
            self.reject_unknown(defaults, DEFAULTS_KEYS, "defaults", "defaults")
            self.check_layer(defaults, "defaults")
        else:
            defaults = {}

        cases_raw = raw.get("cases")
        if cases_raw is None or cases_raw == []:
            return ()  # a spec without cases yet is valid (as in FastFlowTransform)
        if not isinstance(cases_raw, list):
            raise self.error(f"cases of {self.display} must be a list of cases, got "
                             f"{cases_raw!r}", line=line_of(raw, "cases"),
                             hint="add cases: [{name: ..., expect: {rows: [...]}}]")
        seen: dict[str, int | None] = {}
        cases: list[UnitCase] = []
        for index, case in enumerate(cases_raw):
            line = (line_of(cases_raw, index) if isinstance(cases_raw, LineList) else None)
            parsed = self.case(model, engine, defaults, case, line or line_of(raw, "cases") or 1,
                               seen)
            cases.append(parsed)
        return tuple(cases)

    def resolve_model(self, raw: Mapping[str, Any]) -> Any:
        if raw.get("model") is None:
            raise self.error(f"{self.display} does not name its model", line=line_of(raw),
                             hint="add model: <model name>, e.g. model: users_enriched")
        wanted = raw["model"]
        line = line_of(raw, "model")
        if not isinstance(wanted, str) or not wanted.strip():
            raise self.error(f"'model' must be a model name, got {wanted!r}", line=line,
                             hint="write model: <model name>, e.g. model: users_enriched")
        models = self.project.models
        for candidate in (wanted, wanted + ".ff"):
            if candidate in models:
                return models[candidate]
        by_relation = {m.relation: m for m in models.values()}
        found = by_relation.get(relation_for(wanted))
        if found is not None:
            return found
        if wanted in getattr(self.project, "seeds", {}):
            readers = sorted(n for n, m in models.items() if wanted in m.deps)
            example = f", e.g. model: {readers[0]}" if readers else ""
            raise self.error(f"{wanted} is a seed, not a model; unit tests run one model",
                             line=line, hint=f"name the model that reads it{example}")
        suggestion = _closest(wanted, [*models, *by_relation])
        tail = f"; did you mean {suggestion}?" if suggestion else ""
        raise self.error(f"model {wanted} does not exist in the project{tail}", line=line,
                         hint="write the node name (users_enriched, mart_users.ff) or the "
                              "SQL file stem")

    def engine(self, raw: Mapping[str, Any]) -> str | None:
        value = raw.get("engine")
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"'engine' must be an engine name, got {value!r}",
                             line=line_of(raw, "engine"), hint="write engine: duckdb, or remove it")
        return value

    # -- one layer (defaults or a case), before merging ------------------------------------------

    def check_layer(self, layer: Mapping[str, Any], label: str) -> None:
        """Shapes and keys of ``inputs``/``expect`` as written, so errors point at this layer."""
        of = f" of {label}" if label.startswith("case ") else f" in {label}"
        incremental_flag(self, layer, label)
        inputs = layer.get("inputs")
        if _is_section(inputs):
            inputs = self.mapping(inputs, f"inputs{of}", line_of(layer, "inputs"),
                                  "inputs: {users: {rows: [...]}}")
            for relation, entry in inputs.items():
                where = f"input {relation}{of}"
                if not isinstance(relation, str):
                    raise self.error(f"input names must be relation names, got {relation!r}",
                                     line=line_of(inputs, relation),
                                     hint="quote the name: inputs are keyed by relation")
                if entry is None:
                    raise self.error(f"{where} gives neither rows nor csv",
                                     line=line_of(inputs, relation),
                                     hint="add rows: [...] or csv: <file>")
                entry = self.mapping(entry, where, line_of(inputs, relation),
                                     f"{relation}: {{rows: [...]}} or {relation}: {{csv: <file>}}")
                self.reject_unknown(entry, INPUT_KEYS, where, "an input")
                self.exclusive(entry, "rows", "csv", where)
                self.shape(entry, where)
        expect = layer.get("expect")
        if _is_section(expect):
            where = f"expect{of}"
            expect = self.mapping(expect, where, line_of(layer, "expect"),
                                  "expect: {rows: [...]}")
            self.reject_unknown(expect, EXPECT_KEYS, where, "expect")
            self.exclusive(expect, "rows", "csv", where)
            self.shape(expect, where)

    def exclusive(self, raw: Mapping[str, Any], first: str, second: str, where: str) -> None:
        if first in raw and second in raw:
            raise self.error(f"{where} gives both {first} and {second}",
                             line=line_of(raw, second), hint=f"keep one of {first} and {second}")

    def shape(self, raw: Mapping[str, Any], where: str) -> None:
        """Types of the values of an input entry or an ``expect`` mapping."""
        if "rows" in raw:
            rows = raw["rows"]
            line = line_of(raw, "rows")
            if not isinstance(rows, list):
                raise self.error(f"rows of {where} must be a list of mappings, got {rows!r}",
                                 line=line, hint="rows: [{id: 1, email: a@x.com}]")
            for index, row in enumerate(rows):
                row_line = line_of(rows, index) or line
                if not isinstance(row, Mapping):
                    raise self.error(
                        f"row {index + 1} of {where} must be a mapping of column -> value, "
                        f"got {row!r}", line=row_line,
                        hint="write each row as {id: 1, email: a@x.com}")
                for key in row:
                    if not isinstance(key, str):
                        raise self.error(f"row {index + 1} of {where} has the column name "
                                         f"{key!r}, which is not text", line=row_line,
                                         hint=f"quote it: '{key}'")
        if "csv" in raw:
            value = raw["csv"]
            if not isinstance(value, str) or not value.strip():
                raise self.error(f"csv of {where} must be a file path, got {value!r}",
                                 line=line_of(raw, "csv"), hint="csv: data/users.csv")
        # relation, order_by, ignore_columns and approx may be written empty (``order_by:``),
        # which FastFlowTransform reads as not given
        for key in ("relation",):
            if raw.get(key) is not None and (not isinstance(raw[key], str)
                                              or not raw[key].strip()):
                raise self.error(f"{key} of {where} must be a relation name, got {raw[key]!r}",
                                 line=line_of(raw, key), hint="relation: mart_users")
        for key in ("order_by", "ignore_columns"):
            if raw.get(key) is not None:
                value = raw[key]
                if not isinstance(value, list) or not all(
                    isinstance(v, str) and v.strip() for v in value
                ):
                    raise self.error(f"{key} of {where} must be a list of column names, "
                                     f"got {value!r}", line=line_of(raw, key),
                                     hint=f"{key}: [id]")
        for key in ("any_order", "subset", "after_merge"):
            if key in raw and not isinstance(raw[key], bool):
                raise self.error(f"{key} of {where} must be true or false, got {raw[key]!r}",
                                 line=line_of(raw, key), hint=f"{key}: true")
        if "approx" in raw:
            value = raw["approx"]
            line = line_of(raw, "approx")
            hint = "approx: true, or a tolerance per column: approx: {amount: 0.01}"
            if isinstance(value, Mapping):
                for column, tolerance in value.items():
                    number = _tolerance(tolerance)
                    if not isinstance(column, str) or number is None:
                        raise self.error(
                            f"approx of {where}: the tolerance of {column!r} must be a "
                            f"number, got {tolerance!r}",
                            line=line_of(value, column) or line, hint=hint)
                    if number < 0:
                        raise self.error(
                            f"approx of {where}: the tolerance of {column!r} must be a "
                            f"number of 0 or more, got {tolerance!r}",
                            line=line_of(value, column) or line, hint=hint)
            elif not isinstance(value, bool) and value is not None:
                raise self.error(f"approx of {where} must be true/false or a mapping of "
                                 f"column -> number, got {value!r}", line=line, hint=hint)

    # -- one case --------------------------------------------------------------------------------

    def case(self, model: Any, engine: str | None, defaults: Mapping[str, Any], raw: Any,
             line: int, seen: dict[str, int | None]) -> UnitCase:
        if not isinstance(raw, Mapping):
            raise self.error(f"each case must be a mapping, got {raw!r}", line=line,
                             hint="- name: my_case\n    expect: {rows: [...]}")
        name = raw.get("name")
        if name is None:
            self.reject_unknown(raw, CASE_KEYS, "a case", "a case")
            raise self.error("a case has no name", line=line,
                             hint="add name: <case name> as the first key of the case")
        if not isinstance(name, str) or not name.strip():
            raise self.error(f"a case name must be text, got {name!r}",
                             line=line_of(raw, "name"), hint="name: basic_gmail_flag")
        if "::" in name or "\n" in name:
            raise self.error(f"case name {name!r} cannot contain '::' or a line break",
                             line=line_of(raw, "name"),
                             hint="use letters, digits and underscores: it is part of a node id")
        if name in seen:
            first = seen[name]
            at = f" (first at line {first})" if first else ""
            raise self.error(f"duplicate case name {name!r}{at}", line=line_of(raw, "name"),
                             hint="give every case of a file its own name")
        seen[name] = line_of(raw, "name")
        try:
            return self.valid_case(model, engine, defaults, raw, name, line)
        except ProjectFileError as exc:
            if not self.case_problems:
                raise
            # The case has a node id: its problem is its own error when it runs, and the
            # file's other cases still run.
            problem = CaseProblem(exc.message, self.display, exc.line, exc.node,
                                  exc.hint or "")
            return UnitCase(name=name, spec_path=self.path, rel_path=self.display,
                            model=model.name, engine=engine, inputs={},
                            expect=Expectation(model.relation, (), None), line=line,
                            problem=problem)

    def valid_case(self, model: Any, engine: str | None, defaults: Mapping[str, Any],
                   raw: Mapping[str, Any], name: str, line: int) -> UnitCase:
        """The case ``name`` (its name checked), or the ProjectFileError of what is wrong."""
        label = f"case {name}"
        self.reject_unknown(raw, CASE_KEYS, label, "a case")
        self.check_layer(raw, label)

        flag, flag_line = incremental_flag(self, raw, label)
        if flag is None:
            flag, flag_line = incremental_flag(self, defaults, "defaults")
        incremental = bool(flag)
        if incremental and getattr(model, "incremental", None) is None:
            raise self.error(
                f"case {name}: is_incremental is true, but {model.name} is not an incremental "
                f"model (it is materialized as {getattr(model, 'materialized', 'table')})",
                line=flag_line or line,
                hint=f"make {model.name} incremental (materialized='incremental', with a "
                     "unique_key to merge on), or remove is_incremental from the case")

        case_inputs = this_named(self, raw.get("inputs"), model, label)
        inputs = self.merge_inputs(this_named(self, defaults.get("inputs"), model, "defaults"),
                                   case_inputs)
        expect = self.merge_expect(defaults.get("expect"), raw.get("expect"))
        inputs = _source_inputs_keyed(model, inputs)
        self.unknown_inputs(model, name, inputs, line)
        this = this_input(self, model, name, inputs, incremental, line,
                          given_here=_is_section(case_inputs) and THIS in case_inputs)
        reads = self.inputs(model, name, _without(inputs, (THIS,)), line)
        expectation = self.expectation(model, name, expect, raw, defaults, line)
        check_incremental(self, model, name, incremental, this, expectation, line,
                          line_of(expect, "after_merge") or expectation.line or line)
        return UnitCase(
            name=name, spec_path=self.path, rel_path=self.display, model=model.name,
            engine=engine, inputs=reads, expect=expectation, line=line,
            is_incremental=incremental, this=this,
        )

    def merge_inputs(self, base: Any, override: Any) -> Mapping[str, Any]:
        base = base if _is_section(base) else {}
        if not _is_section(override):
            return base
        trimmed: dict[str, Any] = LineDict() if isinstance(base, LineDict) else {}
        trimmed.update(base)
        if isinstance(trimmed, LineDict):
            trimmed.line = base.line
            trimmed.key_lines = dict(getattr(base, "key_lines", {}))
        for relation, entry in override.items():
            if relation in trimmed and any(k in entry for k in INPUT_KEYS):
                trimmed[relation] = _without(trimmed[relation], INPUT_KEYS)
        return deep_merge(trimmed, override)

    def merge_expect(self, base: Any, override: Any) -> Mapping[str, Any]:
        base = base if _is_section(base) else {}
        if not _is_section(override):
            return base
        if any(k in override for k in ("rows", "csv")):
            base = _without(base, ("rows", "csv"))
        return deep_merge(base, override)

    # -- merged values ---------------------------------------------------------------------------

    def unknown_inputs(self, model: Any, case: str, inputs: Mapping[str, Any],
                       case_line: int) -> None:
        """An input the model does not read is ignored (FastFlowTransform loads it and nothing
        reads it), unless an input the model reads is absent: then it is likely that one,
        misspelt, and named as such."""
        wanted = tuple(model.input_relations)
        # An incremental model also reads its own table, as the input `this`.
        known = (*wanted, THIS) if getattr(model, "incremental", None) is not None else wanted
        absent = [relation for relation in known if relation not in inputs]
        if not any(relation in absent for relation in wanted):
            absent_this = [r for r in absent if r == THIS]
            suspects = [r for r in inputs if r not in known and _closest(r, absent_this)]
        else:
            suspects = [r for r in inputs if r not in known]
        for relation in suspects:
            listed = (f"its inputs are {', '.join(known)}" if known
                      else "it has no inputs")
            if relation_for(relation) in wanted:
                hint = f"inputs are keyed by relation: write {relation_for(relation)}"
            else:
                suggestion = _closest(relation, known)
                hint = (f"rename it to {suggestion}" if suggestion else
                        f"remove it, or make {model.name} read it with ref()")
            raise self.error(f"case {case}: {relation} is not an input of {model.name}; {listed}",
                             line=line_of(inputs, relation) or case_line, hint=hint)

    def inputs(self, model: Any, case: str, inputs: Mapping[str, Any],
               case_line: int) -> dict[str, InputData]:
        wanted = tuple(model.input_relations)
        for relation in wanted:
            if relation not in inputs:
                raise self.error(
                    f"case {case}: model {model.name} reads {relation} but the case gives no "
                    f"input `{relation}`", line=case_line,
                    hint=f"add `{relation}` under inputs (of the case or of defaults) with "
                         "rows: [...] or csv: <file>")
        return {relation: self.input_data(relation, inputs[relation],
                                          f"case {case}: input {relation}",
                                          line_of(inputs, relation) or case_line)
                for relation in wanted}

    def input_data(self, relation: str, entry: Mapping[str, Any], where: str,
                   line: int) -> InputData:
        if "csv" in entry:
            path = self.csv_path(entry, where, line)
            return InputData(relation=relation, rows=None, csv=path,
                             columns=self.csv_header(path, where, line_of(entry, "csv") or line),
                             line=line)
        if "rows" not in entry:
            raise self.error(f"{where} gives neither rows nor csv", line=line,
                             hint="add rows: [...] or csv: <file>")
        rows = tuple(dict(r) for r in entry["rows"])
        columns = _columns_of(rows)
        if not columns:
            raise self.error(f"{where} has no rows, so its columns are unknown",
                             line=line_of(entry, "rows") or line,
                             hint="use a CSV with a header, or give at least one row")
        return InputData(relation=relation, rows=rows, csv=None, columns=columns, line=line)

    def expectation(self, model: Any, case: str, expect: Mapping[str, Any],
                    raw_case: Mapping[str, Any], defaults: Mapping[str, Any],
                    case_line: int) -> Expectation:
        if _is_section(raw_case.get("expect")):
            line = line_of(raw_case, "expect")
        elif _is_section(defaults.get("expect")):
            line = line_of(defaults, "expect")
        else:
            line = case_line
        where = f"case {case}: expect"
        # No rows and no csv: the model must return no rows (as FastFlowTransform reads it).
        relation = expect.get("relation") or model.relation
        if relation.split(".")[-1] != model.relation:
            raise self.error(
                f"{where}.relation is {relation}, but {model.name} builds {model.relation}",
                line=line_of(expect, "relation") or line,
                hint=f"write relation: {model.relation}, or remove it (that is the default)")
        rows: tuple[dict[str, Any], ...] | None = None
        path: Path | None = None
        if "csv" in expect:
            path = self.csv_path(expect, where, line_of(expect, "csv") or line)
            columns = self.csv_header(path, where, line_of(expect, "csv") or line)
        else:
            rows = tuple(dict(r) for r in expect.get("rows") or ())
            columns = _columns_of(rows)
        order_by = tuple(expect.get("order_by") or ())
        approx_raw = expect.get("approx") or False
        approx: bool | dict[str, float]
        if isinstance(approx_raw, Mapping):
            approx = {str(c): float(_tolerance(t) or 0.0) for c, t in approx_raw.items()}
        else:
            approx = bool(approx_raw)
        for column in order_by if columns else ():
            if column in columns:
                continue
            suggestion = _closest(column, columns)
            tail = f"; did you mean {suggestion}?" if suggestion else ""
            raise self.error(
                f"{where}.order_by names the column {column}, which is not an expected "
                f"column{tail}", line=line_of(expect, "order_by") or line,
                hint=f"sort by expected columns: {', '.join(columns)}")
        return Expectation(
            relation=relation, rows=rows, csv=path, order_by=order_by,
            any_order=bool(expect.get("any_order", False)),
            ignore_columns=tuple(expect.get("ignore_columns") or ()),
            subset=bool(expect.get("subset", False)), approx=approx, line=line,
            after_merge=bool(expect.get("after_merge", False)),
        )

    # -- CSV files -------------------------------------------------------------------------------

    def csv_path(self, entry: Mapping[str, Any], where: str, line: int | None) -> Path:
        written = Path(entry["csv"])
        if written.is_absolute():
            tried = [written]
        else:
            tried = [self.path.parent / written, self.root / written]
        for path in tried:
            if path.is_file():
                return path.resolve()
        shown = " and ".join(self.shown(p) for p in dict.fromkeys(tried))
        raise self.error(f"{where} reads the CSV file {entry['csv']}, which does not exist "
                         f"(tried {shown})", line=line_of(entry, "csv") or line,
                         hint="fix the path: it is relative to the spec file, or else to the "
                              "project root")

    def shown(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def csv_header(self, path: Path, where: str, line: int | None) -> tuple[str, ...]:
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                header = next(_csv.reader(handle), None)
        except (OSError, UnicodeDecodeError, _csv.Error) as exc:
            raise self.error(f"{where}: cannot read {self.shown(path)}: {exc}", line=line,
                             hint="save it as UTF-8 CSV with a header row") from exc
        if not header or not any(h.strip() for h in header):
            raise self.error(f"{where}: {self.shown(path)} has no header row", line=line,
                             hint="put the column names on the first line of the CSV")
        duplicated = sorted({h for h in header if header.count(h) > 1})
        if duplicated:
            raise self.error(f"{where}: {self.shown(path)} names the column "
                             f"{duplicated[0]} twice", line=line,
                             hint="give every column of the CSV its own name")
        return tuple(header)

"""The checks under ``project.yml -> tests:``, parsed into immutable :class:`CheckSpec` records.

Every entry is one mapping with a ``type`` and that type's parameters; every check also takes
``name``, ``tags`` and ``severity`` (``error`` by default, or ``warn``), and the single-table
ones (everything except the ``reconcile_*`` family) a ``where`` filter::

    tests:
      - {type: not_null, table: users, column: email, tags: [batch]}
      - type: reconcile_equal
        left:  {table: orders, expr: "sum(amount)"}
        right: {table: mart_orders_enriched, expr: "sum(amount)", where: valid_amt}
        abs_tolerance: 0.01

Parsing is strict: an unknown or misspelled key is an error that suggests the closest valid
one, never something silently ignored, and every error names ``project.yml`` and the line.

Decisions where the spec leaves room:

* ``row_count_between``: ``min`` defaults to 1, as in FastFlowTransform (``min_rows`` defaults
  to 1 there), so a bare ``row_count_between`` means "not empty"; write ``min: 0`` for "at most".
  ``min_rows``/``max_rows`` are accepted synonyms and normalised to ``params["min"]``/``["max"]``.
* A top-level ``where`` on a ``reconcile_*`` check is rejected: it would be unclear which side
  it filters, so the error points at ``left.where``/``right.where`` (``source_where``/
  ``target_where`` for coverage).
* ``accepted_values`` takes a ``values`` list without nulls (``x not in (.., null)`` is never
  true in SQL, so a null would make the check pass silently); without values (or with an
  empty list) it always passes, as FastFlowTransform 0.6 documents.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal

from pytest_fft.errors import FFTError, ProjectFileError
from pytest_fft.project.yaml_io import LineList, line_of

Severity = Literal["error", "warn"]
SEVERITIES: tuple[str, ...] = ("error", "warn")

#: The keys every check may carry besides its own parameters.
COMMON_KEYS: tuple[str, ...] = ("type", "name", "tags", "where", "severity")

#: Each check type and its own parameters, in the order the docs list them.
CHECK_TYPES: Mapping[str, tuple[str, ...]] = {
    "not_null": ("table", "column"),
    "unique": ("table", "column"),
    "greater_equal": ("table", "column", "threshold"),
    "non_negative_sum": ("table", "column"),
    "row_count_between": ("table", "min", "max", "min_rows", "max_rows"),
    "freshness": ("table", "column", "max_delay_minutes"),
    "accepted_values": ("table", "column", "values"),
    "relationships": ("table", "column", "to", "field", "to_field", "to_where"),
    "between": ("table", "column", "min", "max"),
    "regex_match": ("table", "column", "pattern"),
    "reconcile_equal": ("left", "right", "abs_tolerance", "rel_tolerance_pct"),
    "reconcile_ratio_within": ("left", "right", "min_ratio", "max_ratio"),
    "reconcile_diff_within": ("left", "right", "max_abs_diff"),
    "reconcile_coverage": ("source", "target", "source_where", "target_where"),
}

#: The checks that compare two relations through ``left``/``right`` or ``source``/``target``.
RECONCILE_TYPES: frozenset[str] = frozenset(t for t in CHECK_TYPES if t.startswith("reconcile_"))

_EXPR_SIDE_KEYS = ("table", "expr", "where")
_KEY_SIDE_KEYS = ("table", "key")


class CheckNotSupportedError(FFTError):
    """A check cannot run on the current engine (e.g. ``regex_match`` without regex support)."""


@dataclass(frozen=True)
class CheckSpec:
    """One data-quality check from ``project.yml``.

    ``params`` holds the type's own parameters, validated and with defaults filled in
    (``{"threshold": 0}``, ``{"min": 1, "max": None}``, ``{"left": {"table": .., "expr": ..,
    "where": None}, ...}``); ``table``/``column`` live in :attr:`tables`/:attr:`column`, not there.
    Treat ``params`` as read-only.
    """

    id: str
    type: str
    tables: tuple[str, ...]
    column: str | None
    params: Mapping[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    where: str | None = None
    severity: Severity = "error"
    name: str | None = None
    line: int | None = None
    scope: str = ""
    #: A custom check's definition (:class:`pytest_fft.checks.custom.CustomTest`), else None.
    custom: Any = None

    @property
    def table(self) -> str:
        """The checked (or left/source) relation."""
        return self.tables[0]

    def snippets(self) -> list[tuple[str, str]]:
        """The SQL the check's author wrote, by key (``where``, ``left.expr``, ...): the
        only text of the check's query that is not generated and quoted by us."""
        found = [("where", self.where)] if self.where else []
        if self.custom is not None:
            return found
        for key, value in self.params.items():
            if key in ("source_where", "target_where", "to_where") and isinstance(value, str):
                found.append((key, value))
            elif isinstance(value, Mapping):
                found.extend((f"{key}.{inner}", text) for inner, text in value.items()
                             if inner in ("expr", "where") and isinstance(text, str))
        return found

    def __hash__(self) -> int:
        # The generated hash would fail on the ``params`` dict; equal specs share these fields.
        return hash((self.id, self.type, self.tables, self.column, self.line))


# ---------------------------------------------------------------------------------------------
# parsing
# ---------------------------------------------------------------------------------------------

_MISSING: Any = object()


def _closest(word: str, pool: Sequence[str]) -> str | None:
    found = difflib.get_close_matches(word, list(pool), n=1, cutoff=0.7)
    return found[0] if found else None


class _Entry:
    """One raw entry being validated; knows where it is so every error can say so."""

    def __init__(self, raw: Mapping[str, Any], type_: str, display: str, line: int | None):
        self.raw = raw
        self.type = type_
        self.display = display
        self.line = line

    # -- errors --------------------------------------------------------------------------------

    def error(self, message: str, *, key: str | None = None, within: Any = None,
              hint: str | None = None) -> ProjectFileError:
        container = self.raw if within is None else within
        line = (line_of(container, key) if key is not None else line_of(container)) or self.line
        return ProjectFileError(f"{self.display}: {message}", file=self.display, line=line,
                                hint=hint)

    def what(self) -> str:
        table = self.raw.get("table")
        return f"{self.type} check on {table}" if isinstance(table, str) else f"{self.type} check"

    # -- keys ------------------------------------------------------------------------------------

    def reject_unknown_keys(self) -> None:
        own = CHECK_TYPES[self.type]
        common = tuple(k for k in COMMON_KEYS
                       if not (k == "where" and self.type in RECONCILE_TYPES))
        allowed = common + own
        for key in self.raw:
            if key in allowed:
                continue
            shown = str(key)
            if self.type in RECONCILE_TYPES and key in ("where", "table", "column"):
                sides = (("source_where", "target_where") if self.type == "reconcile_coverage"
                         else ("left.where", "right.where"))
                reads = ("source/target" if self.type == "reconcile_coverage"
                         else "left/right")
                advice = (f"filter each side with {sides[0]} / {sides[1]}" if key == "where"
                          else f"{self.type} reads its tables from {reads}; remove {shown!r}")
                raise self.error(f"{shown!r} is not a parameter of {self.type}",
                                 key=key, hint=advice)
            suggestion = _closest(shown, allowed)
            tail = f"; did you mean {suggestion!r}?" if suggestion else ""
            raise self.error(
                f"unknown parameter {shown!r} in {self.what()}{tail}", key=key,
                hint=f"{self.type} takes: {', '.join(own + common[1:])}",
            )

    def require(self, key: str, example: str, within: Mapping[str, Any] | None = None,
                label: str | None = None) -> Any:
        container = self.raw if within is None else within
        if key not in container or container[key] is None:
            where = f" in {label}" if label else ""
            raise self.error(f"{self.what()} needs {key!r}{where}", within=container,
                             hint=f"add {example}")
        return container[key]

    # -- typed values ----------------------------------------------------------------------------

    def string(self, key: str, example: str, *, required: bool = True,
               within: Mapping[str, Any] | None = None, label: str | None = None) -> str | None:
        container = self.raw if within is None else within
        if not required and container.get(key) is None:
            return None
        value = self.require(key, example, within=container, label=label)
        if not isinstance(value, str) or not value.strip():
            where = f" of {label}" if label else f" of {self.what()}"
            raise self.error(f"{key!r}{where} must be a non-empty string, got {value!r}",
                             key=key, within=container,
                             hint=f"write it as text, e.g. {example}")
        return value

    def number(self, key: str, *, default: Any = _MISSING, minimum: float | None = None,
               integer: bool = False) -> Any:
        if self.raw.get(key) is None:
            if default is _MISSING:
                kind = "a whole number" if integer else "a number"
                raise self.error(f"{self.what()} needs {key!r} ({kind})",
                                 hint=f"add {key}: <{kind}>")
            return default
        value = self.raw[key]
        valid = (isinstance(value, int) if integer else isinstance(value, (int, float)))
        if isinstance(value, bool) or not valid or (isinstance(value, float)
                                                    and not math.isfinite(value)):
            kind = "a whole number" if integer else "a finite number"
            hint = f"write {key}: <{kind}> without quotes"
            if isinstance(value, str) and _looks_numeric(value):
                hint += " (YAML reads 1e-3 as text; write 1.0e-3 or 0.001)"
            raise self.error(f"{key!r} of {self.what()} must be {kind}, got {value!r}",
                             key=key, hint=hint)
        if minimum is not None and value < minimum:
            raise self.error(f"{key!r} of {self.what()} must be >= {minimum:g}, got {value!r}",
                             key=key, hint=f"use a value of at least {minimum:g}")
        return value

    def side(self, key: str, keys: tuple[str, ...], example: str) -> dict[str, Any]:
        value = self.require(key, f"{key}: {example}")
        if not isinstance(value, Mapping):
            raise self.error(f"{key!r} of {self.type} must be a mapping, got {value!r}",
                             key=key, hint=f"write {key}: {example}")
        for inner in value:
            if inner in keys:
                continue
            suggestion = _closest(str(inner), keys)
            tail = f"; did you mean {suggestion!r}?" if suggestion else ""
            raise self.error(f"unknown key {str(inner)!r} in {key} of {self.type}{tail}",
                             key=inner, within=value,
                             hint=f"{key} takes: {', '.join(keys)}")
        out: dict[str, Any] = {}
        for inner in keys:
            required = inner != "where"
            out[inner] = self.string(inner, f"{key}: {example}", required=required,
                                     within=value, label=key)
        return out


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


_SCALAR_VALUE_TYPES = (str, int, float, date, datetime)


def _parse_common(entry: _Entry) -> tuple[str | None, tuple[str, ...], str | None, Severity]:
    raw = entry.raw
    name = entry.string("name", "name: orders_total_matches", required=False)
    tags_value = raw.get("tags")
    tags: tuple[str, ...] = ()
    if tags_value is not None:
        if not isinstance(tags_value, list) or not all(
            isinstance(t, str) and t.strip() for t in tags_value
        ):
            raise entry.error(f"'tags' of {entry.what()} must be a list of strings, "
                              f"got {tags_value!r}", key="tags", hint="tags: [batch, nightly]")
        tags = tuple(tags_value)
    where = None
    if entry.type not in RECONCILE_TYPES:
        where = entry.string("where", "where: \"status = 'paid'\"", required=False)
    severity = raw.get("severity", "error")
    if severity not in SEVERITIES:
        raise entry.error(f"'severity' of {entry.what()} must be 'error' or 'warn', "
                          f"got {severity!r}", key="severity",
                          hint="severity: warn reports a failure without failing the run")
    return name, tags, where, severity


def _bound_synonym(entry: _Entry, spec_key: str, fft_key: str, default: Any) -> Any:
    if spec_key in entry.raw and fft_key in entry.raw:
        raise entry.error(
            f"{entry.what()} gives both {spec_key!r} and {fft_key!r}", key=fft_key,
            hint=f"keep one: {fft_key} is the FastFlowTransform 0.6 spelling of {spec_key}",
        )
    key = fft_key if fft_key in entry.raw else spec_key
    return entry.number(key, default=default, minimum=0, integer=True)


def _parse_params(entry: _Entry) -> tuple[tuple[str, ...], str | None, dict[str, Any]]:
    """The type's relations, column and normalised parameters."""
    t = entry.type
    raw = entry.raw
    if t in ("reconcile_equal", "reconcile_ratio_within", "reconcile_diff_within"):
        example = '{table: orders, expr: "sum(amount)"}'
        left = entry.side("left", _EXPR_SIDE_KEYS, example)
        right = entry.side("right", _EXPR_SIDE_KEYS, example)
        params: dict[str, Any] = {"left": left, "right": right}
        if t == "reconcile_equal":
            params["abs_tolerance"] = entry.number("abs_tolerance", default=None, minimum=0)
            params["rel_tolerance_pct"] = entry.number("rel_tolerance_pct", default=None,
                                                       minimum=0)
        elif t == "reconcile_ratio_within":
            params["min_ratio"] = entry.number("min_ratio")
            params["max_ratio"] = entry.number("max_ratio")
            if params["min_ratio"] > params["max_ratio"]:
                raise entry.error(f"min_ratio {params['min_ratio']} is greater than max_ratio "
                                  f"{params['max_ratio']}", key="min_ratio",
                                  hint="swap the two bounds")
        else:
            params["max_abs_diff"] = entry.number("max_abs_diff", minimum=0)
        return (left["table"], right["table"]), None, params
    if t == "reconcile_coverage":
        example = "{table: orders, key: order_id}"
        source = entry.side("source", _KEY_SIDE_KEYS, example)
        target = entry.side("target", _KEY_SIDE_KEYS, example)
        params = {
            "source": source,
            "target": target,
            "source_where": entry.string("source_where", "source_where: \"status = 'paid'\"",
                                         required=False),
            "target_where": entry.string("target_where", "target_where: valid_amt",
                                         required=False),
        }
        return (source["table"], target["table"]), None, params

    table = entry.string("table", "table: <relation>")
    assert table is not None
    column = None
    if "column" in CHECK_TYPES[t] and not (t == "relationships" and "column" not in raw
                                           and "field" in raw):
        column = entry.string("column", "column: <column name>")
    params = {}
    tables: tuple[str, ...] = (table,)
    if t == "greater_equal":
        params["threshold"] = entry.number("threshold", default=0)
    elif t == "row_count_between":
        low = _bound_synonym(entry, "min", "min_rows", 1)
        high = _bound_synonym(entry, "max", "max_rows", None)
        if high is not None and low > high:
            key = "min_rows" if "min_rows" in raw else "min"
            raise entry.error(f"{entry.what()}: min {low} is greater than max {high}", key=key,
                              hint="swap the two bounds")
        params.update(min=low, max=high)
    elif t == "freshness":
        params["max_delay_minutes"] = entry.number("max_delay_minutes", minimum=0)
    elif t == "accepted_values":
        # No values (or an empty list): a check that always passes, as FastFlowTransform
        # 0.6 documents it; its summary line says so.
        values = entry.raw.get("values")
        values = [] if values is None else values
        if not isinstance(values, list):
            raise entry.error(f"'values' of {entry.what()} must be a list, got {values!r}",
                              key="values", hint="values: [paid, open]")
        for value in values:
            if value is None:
                raise entry.error(
                    f"'values' of {entry.what()} contains null", key="values",
                    hint="remove it: nulls are never counted as outside the list anyway",
                )
            if not isinstance(value, (*_SCALAR_VALUE_TYPES, bool)) or (
                isinstance(value, float) and not math.isfinite(value)
            ):
                raise entry.error(f"'values' of {entry.what()} must hold plain values "
                                  f"(text, numbers, booleans, dates), got {value!r}",
                                  key="values", hint="values: [paid, open]")
        params["values"] = tuple(values)
    elif t == "relationships":
        column, params = _relationships(entry, column)
        tables = (table, params["to"])
    elif t == "between":
        low = entry.number("min", default=None)
        high = entry.number("max", default=None)
        if low is None and high is None:
            raise entry.error(f"{entry.what()} needs 'min', 'max' or both",
                              hint="add min: 0 and/or max: 100")
        if low is not None and high is not None and low > high:
            raise entry.error(f"{entry.what()}: min {low} is greater than max {high}",
                              key="min", hint="swap the two bounds")
        params.update(min=low, max=high)
    elif t == "regex_match":
        params["pattern"] = entry.string("pattern", "pattern: '^[^@]+@[^@]+$'")
    return tables, column, params


_REF = re.compile(r"""\s*ref\(\s*(['"])(?P<name>[^'"]+)\1\s*\)\s*""")


def _relationships(entry: _Entry, column: str | None) -> tuple[str, dict[str, Any]]:
    """The child column and the parameters of a ``relationships`` check.

    ``to`` is a relation, or ``ref('model')`` (``params["ref"]``: the loader puts the model's
    relation in ``to``). As FastFlowTransform 0.6 documents them, ``field`` is the child
    column (an override of ``column``, which may then be left out) and ``to_field`` the
    parent's (``id`` when not given). One spelling of dbt's is read as dbt reads it: a
    ``field`` that differs from ``column``, without ``to_field``, is the parent's column.
    """
    raw = entry.raw
    to = entry.string("to", "to: users")
    assert to is not None
    params: dict[str, Any] = {"to": to}
    ref = _REF.fullmatch(to)
    if ref is not None:
        params["to"] = ref.group("name")
        params["ref"] = True
    field = entry.string("field", "field: user_id") if "field" in raw else None
    if field is not None and column not in (None, field) and "to_field" not in raw:
        params["field"] = field  # dbt's spelling: {column: user_id, to: users, field: id}
    else:
        if field is not None:
            if column not in (None, field):
                raise entry.error(
                    f"{entry.what()} gives column {column!r} and field {field!r}: with "
                    "to_field, field names the child column", key="field",
                    hint=f"keep one: column: {column} (or field: {column}), to_field: "
                         "<parent column>")
            column = field
        params["field"] = (entry.string("to_field", "to_field: id") if "to_field" in raw
                           else "id")
    if raw.get("to_where") is not None:
        params["to_where"] = entry.string("to_where", "to_where: \"active\"")
    assert column is not None
    return column, params


def _default_id(type_: str, tables: tuple[str, ...], column: str | None) -> str:
    if type_ in RECONCILE_TYPES:
        return f"{type_}[{tables[0]},{tables[1]}]"
    if column is not None:
        return f"{type_}[{tables[0]}.{column}]"
    return f"{type_}[{tables[0]}]"


def _scope(type_: str, tables: tuple[str, ...], column: str | None,
           params: Mapping[str, Any]) -> str:
    if type_ == "reconcile_coverage":
        return f"{tables[0]} ⇒ {tables[1]}"
    if type_ in RECONCILE_TYPES:
        return f"{tables[0]} ⇔ {tables[1]}"
    if type_ == "relationships":
        return f"{tables[0]}.{column} → {params['to']}.{params['field']}"
    return f"{tables[0]}.{column}" if column is not None else tables[0]


def parse_check(raw: Any, display: str = "project.yml", line: int | None = None,
                custom: Mapping[str, Any] | None = None) -> CheckSpec:
    """Validate one entry of ``tests:``; the ``id`` is not yet made unique (see parse_checks).

    ``custom``: the project's custom check types (:func:`pytest_fft.checks.custom.discover`).
    """
    line = line or line_of(raw)
    custom = custom or {}
    if not isinstance(raw, Mapping):
        raise ProjectFileError(
            f"{display}: each entry of 'tests' must be a mapping, got {raw!r}",
            file=display, line=line,
            hint="- {type: not_null, table: users, column: email}",
        )
    types = ", ".join([*CHECK_TYPES, *custom])
    if raw.get("type") is None:
        raise ProjectFileError(f"{display}: a check has no 'type'", file=display, line=line,
                               hint=f"add type: <one of {types}>")
    type_ = raw["type"]
    if isinstance(type_, str) and type_ in custom:
        return _parse_custom(_Entry(raw, type_, display, line), custom[type_])
    if not isinstance(type_, str) or type_ not in CHECK_TYPES:
        suggestion = _closest(str(type_), [*CHECK_TYPES, *custom])
        tail = f"; did you mean {suggestion!r}?" if suggestion else ""
        hint = f"supported types: {types}"
        if not custom:
            hint += ("; a custom check is a tests/**/*.ff.sql file with "
                     "{{ config(type=...) }} or a @dq_test function in tests/**/*.ff.py")
        raise ProjectFileError(f"{display}: unknown check type {type_!r}{tail}", file=display,
                               line=line_of(raw, "type") or line, hint=hint)
    entry = _Entry(raw, type_, display, line)
    entry.reject_unknown_keys()
    tables, column, params = _parse_params(entry)
    name, tags, where, severity = _parse_common(entry)
    return CheckSpec(
        id=name or _default_id(type_, tables, column),
        type=type_,
        tables=tables,
        column=column,
        params=params,
        tags=tags,
        where=where,
        severity=severity,
        name=name,
        line=line,
        scope=_scope(type_, tables, column, params),
    )


def _parse_custom(entry: _Entry, test: Any) -> CheckSpec:
    """A check of a custom type: ``table``, an optional ``column``, the common keys and the
    options under ``params:``. A SQL check takes only the parameters its file declares (at
    the top of the entry too, as FastFlowTransform 0.6 does); a Python check any."""
    raw = entry.raw
    declared: tuple[str, ...] | None = test.params
    fixed = ("type", "table", "column", "name", "tags", "where", "severity", "params")
    user: dict[str, Any] = {}
    given = raw.get("params")
    if given is not None and not isinstance(given, Mapping):
        raise entry.error(f"'params' of {entry.what()} must be a mapping, got {given!r}",
                          key="params", hint="params: {min_share: 0.75}")
    allowed = ", ".join(declared) if declared else "(none)"
    origin = f"{test.rel_path}:{test.line}"
    for key, value in (given or {}).items():
        if declared is not None and key not in declared:
            suggestion = _closest(str(key), declared)
            tail = f"; did you mean {suggestion!r}?" if suggestion else ""
            raise entry.error(
                f"unknown parameter {str(key)!r} under params of {entry.what()}{tail}",
                key=key, within=given,
                hint=f"{test.type} ({origin}) declares the params: {allowed}")
        user[key] = value
    for key, value in raw.items():
        if key in fixed:
            continue
        if declared is not None and key in declared:
            if key in user:
                raise entry.error(f"{entry.what()} gives {str(key)!r} twice: at the top and "
                                  "under params", key=key, hint="keep one of the two")
            user[key] = value
            continue
        if declared is None:
            hint = f"write the options of {test.type} under params: {{{key}: ...}}"
        else:
            hint = (f"{test.type} ({origin}) declares the params: {allowed}; every check "
                    f"takes: {', '.join(fixed[1:])}")
        suggestion = _closest(str(key), [*fixed, *(declared or ())])
        tail = f"; did you mean {suggestion!r}?" if suggestion else ""
        raise entry.error(f"unknown parameter {str(key)!r} in {entry.what()}{tail}", key=key,
                          hint=hint)
    table = entry.string("table", "table: <relation>")
    assert table is not None
    column = entry.string("column", "column: <column name>", required=False)
    where = None
    if test.kind == "sql" and "where" in user:  # a declared param that is the row filter
        if raw.get("where") is not None:
            raise entry.error(f"{entry.what()} gives 'where' twice: at the top and under "
                              "params", key="where", hint="keep one of the two")
        value = user.pop("where")
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise entry.error(f"'where' of {entry.what()} must be a non-empty string, got "
                              f"{value!r}", key="where", hint="where: \"amount <> 0\"")
        where = value
    name, tags, top_where, severity = _parse_common(entry)
    # A Python check reads where from its entry itself.
    where = (where or top_where) if test.kind == "sql" else None
    tables = (table,)
    scope = f"{table}.{column}" if column else table
    base = f"{test.type}[{scope}]"
    return CheckSpec(
        id=name or base, type=test.type, tables=tables, column=column,
        params={"params": user, "entry": raw}, tags=tags, where=where, severity=severity,
        name=name, line=entry.line, scope=scope, custom=test,
    )


def parse_checks(tests: Sequence[Any], display: str = "project.yml",
                 custom: Mapping[str, Any] | None = None,
                 seen: set[str] | None = None) -> tuple[CheckSpec, ...]:
    """Parse ``project.yml -> tests:`` (as loaded by :func:`pytest_fft.project.yaml_io.load_yaml`).

    Ids are unique (also among the ids in ``seen``, which this adds to): a repeated id gets
    ``#2``, ``#3``, ... in file order, e.g. ``not_null[users.email]`` and
    ``not_null[users.email]#2``.
    """
    specs: list[CheckSpec] = []
    seen = set() if seen is None else seen
    for index, raw in enumerate(tests):
        line = line_of(tests, index) if isinstance(tests, LineList) else None
        spec = parse_check(raw, display, line, custom)
        unique_id, n = spec.id, 1
        while unique_id in seen:
            n += 1
            unique_id = f"{spec.id}#{n}"
        seen.add(unique_id)
        specs.append(spec if unique_id == spec.id else replace(spec, id=unique_id))
    return tuple(specs)

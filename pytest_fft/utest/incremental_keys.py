"""The keys of a unit case that tests an incremental model, parsed strictly.

A case (or ``defaults``) says ``is_incremental: true``, or as dbt 1.8 writes it
``overrides: {macros: {is_incremental: true}}``: the model runs as a later run would (its
delta). The input ``this`` (or the model's relation name) is the model's table before that
run. ``expect.after_merge: true`` compares the table after the delta is applied instead of
the delta's rows::

    model: orders_current
    defaults:
      is_incremental: true
      inputs:
        order_changes: {rows: [...]}
        this: {rows: [...]}            # orders_current before the run
    cases:
      - name: delta
        expect: {rows: [...]}
      - name: table_after_the_merge
        expect: {after_merge: true, rows: [...]}

``this`` is required where it is read (``after_merge``; a SQL model's delta that names its own
relation). Given in ``defaults`` it serves the file's incremental cases only; written in a case
that is not incremental it is an error, as it would be read by nothing.

The functions take the spec file being parsed (:class:`pytest_fft.utest.spec._SpecFile`, as
the :class:`SpecFile` protocol: this module is below it) for its errors, which name the file and
the line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from pytest_fft.errors import ProjectFileError
from pytest_fft.project.yaml_io import LineDict, line_of

OVERRIDES_KEYS: tuple[str, ...] = ("macros",)  # dbt 1.8's overrides: only the macros part
OVERRIDE_MACROS: tuple[str, ...] = ("is_incremental",)

#: The input that gives an incremental model's own table as it is before the run (dbt's
#: spelling; the model's relation name is accepted too).
THIS = "this"


class SpecFile(Protocol):
    """What these functions need of the spec file being parsed."""

    def error(self, message: str, *, line: int | None, hint: str) -> ProjectFileError: ...

    def mapping(self, value: Any, where: str, line: int | None,
                example: str) -> Mapping[str, Any]: ...

    def reject_unknown(self, raw: Mapping[str, Any], allowed: Sequence[str], where: str,
                       takes: str) -> None: ...

    def input_data(self, relation: str, entry: Mapping[str, Any], where: str,
                   line: int) -> Any:  # an InputData
        ...


def incremental_flag(spec: SpecFile, layer: Mapping[str, Any], label: str
                     ) -> tuple[bool | None, int | None]:
    """``is_incremental`` of one layer (a case or defaults), written plain or as dbt's
    ``overrides: {macros: {is_incremental: true}}``, and its line; None when not given."""
    of = f" of {label}" if label.startswith("case ") else f" in {label}"
    flag: bool | None = None
    line: int | None = None
    if "is_incremental" in layer:
        flag, line = _flag(spec, layer, "is_incremental", f"is_incremental{of}")
    overrides = layer.get("overrides")
    if overrides is None:
        return flag, line
    overrides = spec.mapping(overrides, f"overrides{of}", line_of(layer, "overrides"),
                             "overrides: {macros: {is_incremental: true}}")
    for key in ("vars", "env_vars"):
        if key in overrides:
            raise spec.error(
                f"overrides.{key}{of} is not supported: unit cases render the models with "
                "the project's vars", line=line_of(overrides, key),
                hint="pass values with --vars KEY=VALUE (fft utest --vars), or remove "
                     f"overrides.{key}")
    spec.reject_unknown(overrides, OVERRIDES_KEYS, f"overrides{of}", "overrides")
    macros = overrides.get("macros")
    if macros is None:
        return flag, line
    macros = spec.mapping(macros, f"overrides.macros{of}", line_of(overrides, "macros"),
                          "macros: {is_incremental: true}")
    for key in macros:
        if key not in OVERRIDE_MACROS:
            close = difflib.get_close_matches(str(key), OVERRIDE_MACROS, n=1, cutoff=0.6)
            tail = f"; did you mean {close[0]!r}?" if close else ""
            raise spec.error(f"overrides.macros{of} cannot override {key!r}{tail}",
                             line=line_of(macros, key),
                             hint="only is_incremental can be overridden: "
                                  "macros: {is_incremental: true}")
    if "is_incremental" in macros:
        if flag is not None:
            raise spec.error(f"{label} gives both is_incremental and "
                             "overrides.macros.is_incremental",
                             line=line_of(macros, "is_incremental"), hint="keep one of them")
        flag, line = _flag(spec, macros, "is_incremental",
                           f"overrides.macros.is_incremental{of}")
    return flag, line


def _flag(spec: SpecFile, raw: Mapping[str, Any], key: str, where: str
          ) -> tuple[bool, int | None]:
    value = raw[key]
    if not isinstance(value, bool):
        raise spec.error(f"{where} must be true or false, got {value!r}",
                         line=line_of(raw, key), hint=f"{key}: true")
    return value, line_of(raw, key)


def this_named(spec: SpecFile, inputs: Any, model: Any, label: str) -> Any:
    """A layer's inputs with the model's own relation given as ``this`` (both spellings name
    the same table, so a case's one replaces the other's of ``defaults``)."""
    if not isinstance(inputs, Mapping) or model.relation not in inputs:
        return inputs
    if THIS in inputs:
        raise spec.error(
            f"inputs of {label} give both {THIS} and {model.relation}, the same table (the "
            f"one {model.name} builds)", line=line_of(inputs, model.relation),
            hint=f"keep one of {THIS} and {model.relation}")
    out: dict[str, Any] = LineDict() if isinstance(inputs, LineDict) else {}
    for key, value in inputs.items():
        out[THIS if key == model.relation else key] = value
    if isinstance(out, LineDict) and isinstance(inputs, LineDict):
        out.line = inputs.line
        lines = dict(getattr(inputs, "key_lines", {}))
        if model.relation in lines:
            lines[THIS] = lines.pop(model.relation)
        out.key_lines = lines
    return out


def this_input(spec: SpecFile, model: Any, case: str, inputs: Mapping[str, Any],
               incremental: bool, case_line: int, *, given_here: bool) -> Any:
    """The ``this`` input (the model's table before the run) of an incremental case, from the
    merged ``inputs``. ``defaults`` may give it for the file's incremental cases: the others
    leave it out; a case that is not incremental and gives it itself (``given_here``) is an
    error. An :class:`~pytest_fft.utest.spec.InputData`, or None."""
    if THIS not in inputs or not (incremental or given_here):
        return None
    line = line_of(inputs, THIS) or case_line
    if not incremental:
        raise spec.error(
            f"case {case}: the input {THIS} ({model.relation}, the table {model.name} builds) "
            "is read only when the case has is_incremental: true", line=line,
            hint=f"add is_incremental: true to the case (or to defaults), or remove the input "
                 f"{THIS}")
    return spec.input_data(model.relation, inputs[THIS], f"case {case}: input {THIS}", line)


def check_incremental(spec: SpecFile, model: Any, case: str, incremental: bool,
                      this: Any, expect: Any, case_line: int, merge_line: int) -> None:
    """An incremental case has what its comparison needs (``this``: its InputData or None;
    ``expect``: its Expectation; ``merge_line``: where ``after_merge`` is written)."""
    if expect.after_merge and not incremental:
        raise spec.error(
            f"case {case}: expect.after_merge compares {model.relation} after its delta is "
            "applied, but the case does not have is_incremental: true", line=merge_line,
            hint="add is_incremental: true to the case (or to defaults), or remove after_merge")
    if not incremental or this is not None:
        return
    fix = (f"add `{THIS}` under inputs with the rows {model.relation} holds before the run: "
           "rows: [...] or csv: <file>")
    if expect.after_merge:
        raise spec.error(
            f"case {case}: expect.after_merge compares {model.relation} after the delta is "
            f"applied to it, but the case gives no input {THIS} (the table before the run)",
            line=case_line, hint=fix)
    if model.kind == "sql" and reads(model.delta_sql or model.sql or "", model.relation):
        raise spec.error(
            f"case {case}: the delta SQL of {model.name} reads {{{{ this }}}} "
            f"({model.relation}), but the case gives no input {THIS}", line=case_line, hint=fix)


def reads(sql: str, relation: str) -> bool:
    """Whether ``sql`` names ``relation`` (what ``{{ this }}`` renders to) as a word.

    >>> reads("select * from events where id > (select max(id) from fct)", "fct")
    True
    >>> reads("select * from fct_raw", "fct")
    False
    """
    name = relation.split(".")[-1]
    return re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", sql, re.IGNORECASE) is not None

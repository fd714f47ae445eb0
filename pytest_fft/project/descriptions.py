"""What the project says its relations and columns mean: descriptions from ``project.yml``'s
``docs:`` block and from Markdown files, Markdown first.

Where a description can be written::

    # project.yml
    docs:
      models:
        users.ff: "One row per user."            # a model: its description as text ...
        mart_users:
          description: "Users with flags."       # ... or a mapping with description:
          columns:
            id: "Primary key."                   # a column: text ...
            email: {description: "Lower case."}  # ... or a mapping with description:

    docs/models/<model>.md                       # replaces the model's description
    docs/columns/<relation>/<column>.md          # replaces the column's description

A model is named by its node name (``users.ff``) or its relation (``users``); a seed may be
described the same way. Other keys of a model's entry (``lineage:``) are left to other tools.
A Markdown file's optional front matter (``---`` lines at its top) is not part of the text.
An empty description describes nothing.

Pure: reads files, never a database.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_fft.engines.registry import generic_spec
from pytest_fft.errors import ProjectFileError, read_project_text
from pytest_fft.project.records import Model, Project, Seed
from pytest_fft.project.yaml_io import line_of

PROJECT_FILE = "project.yml"
MODEL_PAGES = "docs/models"
COLUMN_PAGES = "docs/columns"

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n.*?^---[ \t]*$\r?\n?", re.DOTALL | re.MULTILINE)
_YAML_EXAMPLE = ("docs: {models: {users.ff: {description: One row per user., "
                 "columns: {id: Primary key.}}}}")


@dataclass(frozen=True)
class Description:
    """One description and where it was written (``project.yml:7``,
    ``docs/models/users.md``), for messages."""

    text: str
    origin: str


@dataclass(frozen=True)
class Descriptions:
    """The descriptions of a project, by the relation they describe.

    ``relations``: relation -> its description; ``columns``: (relation, column) -> the
    column's description. Column names are as written, not yet matched to the warehouse's.
    """

    relations: Mapping[str, Description] = field(default_factory=dict)
    columns: Mapping[tuple[str, str], Description] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.relations or self.columns)

    def described(self) -> list[str]:
        """Every relation with a description of its own or of a column, sorted."""
        return sorted({*self.relations, *(relation for relation, _ in self.columns)})

    def columns_of(self, relation: str) -> dict[str, Description]:
        """The column descriptions of ``relation``, in the order they were collected."""
        return {column: text for (rel, column), text in self.columns.items() if rel == relation}


def collect_descriptions(project: Project) -> Descriptions:
    """The descriptions of ``project``: ``project.yml``'s ``docs:`` block, then the Markdown
    files, which replace what the YAML says of the same model or column.

    A name that is no model or seed, or a description that is not text, is a
    :class:`~pytest_fft.errors.ProjectFileError` naming the file (and line) with a fix.
    """
    names = _Names(project)
    relations, columns = _from_yaml(project.config.raw, names)
    pages_relations, pages_columns = _from_pages(project.root, names)
    return Descriptions({**relations, **pages_relations}, {**columns, **pages_columns})


class _Names:
    """The relation a name in the docs stands for: a model's or seed's node name or
    relation, compared as the project's engine compares names."""

    def __init__(self, project: Project) -> None:
        self._key: Callable[[str], str] = generic_spec(project.engine).name_key
        self._by_key: dict[str, str] = {}
        built: list[Model | Seed] = [*project.models.values(), *project.seeds.values()]
        for node in built:
            for name in (node.name, node.relation):
                self._by_key[self._key(name)] = node.relation
        self._shown = sorted({n.name for n in project.models.values()})

    def relation(self, name: str) -> str | None:
        return self._by_key.get(self._key(name))

    def hint(self, name: str) -> str:
        close = difflib.get_close_matches(name, self._shown, n=1, cutoff=0.6)
        if close:
            return f"did you mean {close[0]!r}?"
        known = ", ".join(self._shown[:8]) + (", ..." if len(self._shown) > 8 else "")
        return f"name a model by its node name or relation; the models: {known}"


# -- project.yml ----------------------------------------------------------------------------


def _from_yaml(raw: Mapping[str, Any], names: _Names,
               ) -> tuple[dict[str, Description], dict[tuple[str, str], Description]]:
    relations: dict[str, Description] = {}
    columns: dict[tuple[str, str], Description] = {}
    docs = raw.get("docs")
    if docs is None:
        return relations, columns
    if not isinstance(docs, Mapping):
        raise _yaml_error("'docs' must be a mapping", raw, "docs", hint=_YAML_EXAMPLE)
    models = docs.get("models")
    if models is None:
        return relations, columns
    if not isinstance(models, Mapping):
        raise _yaml_error("'docs.models' must be a mapping of model names to descriptions",
                          docs, "models", hint=_YAML_EXAMPLE)
    first_line: dict[str, tuple[str, int | None]] = {}
    for name, entry in models.items():
        where = f"docs.models.{name}"
        relation = names.relation(str(name))
        if relation is None:
            raise _yaml_error(f"docs.models names {str(name)!r}, which is no model or seed of "
                              "this project", models, name, hint=names.hint(str(name)))
        if relation in first_line:
            other, line = first_line[relation]
            raise _yaml_error(f"{where} describes {relation} a second time (as {other!r} on "
                              f"line {line})", models, name,
                              hint="keep one entry per model")
        first_line[relation] = (str(name), line_of(models, name))
        if isinstance(entry, Mapping):
            text = _text(entry.get("description"), f"{where}.description", entry,
                         "description")
            _add_columns(entry, relation, where, columns)
        else:
            text = _text(entry, where, models, name)
        if text:
            relations[relation] = Description(text, _origin(models, name))
    return relations, columns


def _add_columns(entry: Mapping[str, Any], relation: str, where: str,
                 out: dict[tuple[str, str], Description]) -> None:
    given = entry.get("columns")
    if given is None:
        return
    if not isinstance(given, Mapping):
        raise _yaml_error(f"{where}.columns must be a mapping of column names to descriptions",
                          entry, "columns",
                          hint="columns: {id: Primary key., email: {description: Lower case.}}")
    for column, value in given.items():
        if not isinstance(column, str):
            raise _yaml_error(f"{where}.columns has the key {column!r}, which is no column "
                              "name", given, column, hint=f"quote it: '{column}': ...")
        at = f"{where}.columns.{column}"
        if isinstance(value, Mapping):
            text = _text(value.get("description"), f"{at}.description", value, "description")
        else:
            text = _text(value, at, given, column)
        if text:
            out[(relation, column)] = Description(text, _origin(given, column))


def _text(value: Any, where: str, container: Any, key: Any) -> str:
    """A description's text ('' for none); anything but text is an error at its line."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    kind = ("a mapping" if isinstance(value, Mapping) else "a list" if isinstance(value, list)
            else "true/false" if isinstance(value, bool)
            else "a number" if isinstance(value, int | float) else "a date")
    shown = str(value).lower() if isinstance(value, bool) else value
    hint = (f"quote it: {key}: \"{shown}\"" if not isinstance(value, Mapping | list)
            else "write the description as text")
    raise _yaml_error(f"{where} must be text, not {kind}", container, key, hint=hint)


def _origin(container: Any, key: Any) -> str:
    line = line_of(container, key)
    return f"{PROJECT_FILE}:{line}" if line else PROJECT_FILE


def _yaml_error(message: str, container: Any, key: Any, *, hint: str) -> ProjectFileError:
    return ProjectFileError(f"{PROJECT_FILE}: {message}", file=PROJECT_FILE,
                            line=line_of(container, key), hint=hint)


# -- Markdown pages -------------------------------------------------------------------------


def _from_pages(root: Path, names: _Names,
                ) -> tuple[dict[str, Description], dict[tuple[str, str], Description]]:
    relations: dict[str, Description] = {}
    columns: dict[tuple[str, str], Description] = {}
    seen: dict[str, str] = {}
    for path in sorted((root / MODEL_PAGES).glob("*.md")):
        shown = f"{MODEL_PAGES}/{path.name}"
        model = path.name[:-len(".md")]
        relation = names.relation(model)
        if relation is None:
            raise ProjectFileError(
                f"{shown} describes {model!r}, which is no model or seed of this project",
                file=shown, hint=f"rename the file after a model ({names.hint(model)})")
        if relation in seen:
            raise ProjectFileError(
                f"{shown} and {seen[relation]} both describe {relation}", file=shown,
                hint="keep one of the two files")
        seen[relation] = shown
        text = _page_text(path, shown)
        if text:
            relations[relation] = Description(text, shown)
    for folder in sorted(p for p in (root / COLUMN_PAGES).glob("*") if p.is_dir()):
        relation = names.relation(folder.name)
        pages = sorted(folder.glob("*.md"))
        if relation is None and pages:
            shown = f"{COLUMN_PAGES}/{folder.name}/"
            raise ProjectFileError(
                f"{shown} holds column descriptions of {folder.name!r}, which is no model or "
                "seed of this project", file=shown,
                hint=f"rename the folder after a relation ({names.hint(folder.name)})")
        for path in pages:
            shown = f"{COLUMN_PAGES}/{folder.name}/{path.name}"
            text = _page_text(path, shown)
            if text and relation is not None:
                columns[(relation, path.name[:-len(".md")])] = Description(text, shown)
    return relations, columns


def _page_text(path: Path, shown: str) -> str:
    """A Markdown file's text without its front matter, stripped."""
    try:
        text = read_project_text(path, shown)
    except OSError as exc:
        raise ProjectFileError(f"cannot read {shown}: {exc.strerror or exc}", file=shown,
                               hint="make the file readable, or remove it") from exc
    return _FRONT_MATTER.sub("", text, count=1).strip()

"""YAML reading that remembers line numbers, so errors can point at them.

Mappings load as :class:`LineDict` (a ``dict`` that knows the 1-based line of itself and of
each key) and sequences as :class:`LineList`; both behave exactly like ``dict``/``list``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pytest_fft.errors import ProjectFileError, read_project_text


class LineDict(dict):
    """A ``dict`` with ``line`` (where it starts) and ``key_lines`` (where each key is)."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line) if hasattr(self, "key_lines") else self.line


class LineList(list):
    """A ``list`` with ``line`` (where it starts) and ``item_lines``."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        lines = getattr(self, "item_lines", [])
        return lines[index] if index < len(lines) else self.line


class _PyLineLoader(yaml.SafeLoader):
    pass


# The C parser (libyaml) when PyYAML has it: several times faster on large spec files, and
# it still reports the marks we take line numbers from. Its error messages are terser, so a
# file that fails is parsed once more by the Python parser for the message users see.
class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


for _loader in (_LineLoader, _PyLineLoader):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: Path, *, display: str | None = None) -> Any:
    """Parse ``path``; a syntax error becomes a :class:`ProjectFileError` with its line.

    An empty file loads as ``None``.
    """
    shown = display or str(path)
    try:
        text = read_project_text(path, shown)
    except OSError as exc:
        raise ProjectFileError(f"cannot read {shown}: {exc.strerror}", file=shown) from exc
    return load_yaml_text(text, display=shown)


def load_yaml_text(text: str, *, display: str) -> Any:
    """:func:`load_yaml` of text already read (``display`` names its file in errors)."""
    shown = display
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError:
        pass
    try:
        return yaml.load(text, Loader=_PyLineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ProjectFileError(
            f"{shown} is not valid YAML: {problem}",
            file=shown,
            line=line,
            hint="fix the YAML syntax at that line",
        ) from exc


def line_of(container: Any, key: Any = None) -> int | None:
    """Best-known line of ``container`` (or of ``key`` inside it); ``None`` if unknown."""
    if isinstance(container, (LineDict, LineList)):
        return container.line_of(key) if key is not None else container.line
    return None

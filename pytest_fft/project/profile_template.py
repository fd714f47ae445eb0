"""``profiles.yml`` as a Jinja template, rendered before it is parsed as YAML.

Two functions are available in it, as in FastFlowTransform::

    dev:
      engine: duckdb
      duckdb:
        path: "{{ env('FF_DUCKDB_PATH', '.local/dev.duckdb') }}"
        # env(name, default): the variable from the effective environment (the process
        # environment over the .env files), else default, else ""
    spark:
      engine: databricks_spark
      databricks_spark:
        warehouse_dir: "{{ project_dir() }}/.local/warehouse"   # the project folder, absolute

A file without ``{{``, ``{%`` or ``{#`` is not rendered at all (Jinja is not even imported),
which keeps the cached path of a run fast. An undefined name (``{{ nope }}``) and a syntax
error are :class:`~pytest_fft.errors.ProfileError` naming ``profiles.yml`` and the line.

What a render reads, for caches (:func:`variables_read`): the variables named in ``env()``
calls. When a call names its variable with anything but a string literal, the render may read
any variable, and ``variables_read`` says so by returning None.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_fft.errors import ProfileError, line_in_traceback

__all__ = ["RenderedProfiles", "needs_render", "render_profiles", "variables_read"]

_MARKERS = ("{{", "{%", "{#")
_ENV_CALL = re.compile(r"\benv\s*\(")
_LITERAL_ENV_CALL = re.compile(r"""\benv\s*\(\s*(?:'([^'\\]*)'|"([^"\\]*)")\s*[,)]""")
_TEMPLATE = "<profiles.yml>"


def needs_render(text: str) -> bool:
    """Whether ``text`` holds any Jinja at all."""
    return any(marker in text for marker in _MARKERS)


def variables_read(text: str) -> frozenset[str] | None:
    """The variables a render of ``text`` reads through ``env()``; None when a call names its
    variable other than with a string literal (the render may read any variable)."""
    if not needs_render(text):
        return frozenset()
    calls = len(_ENV_CALL.findall(text))
    names = [single or double for single, double in _LITERAL_ENV_CALL.findall(text)]
    return frozenset(names) if len(names) == calls else None


@dataclass(frozen=True)
class RenderedProfiles:
    """The rendered text, and the variables ``env()`` was asked for without a default that
    were not set, each with the (first) line of ``profiles.yml`` that asked."""

    text: str
    unset: Mapping[str, int] = field(default_factory=dict)


def render_profiles(text: str, *, path: Path, project_dir: Path,
                    environ: Mapping[str, str]) -> RenderedProfiles:
    """``text`` (the content of ``path``) rendered with ``env()`` and ``project_dir()``."""
    if not needs_render(text):
        return RenderedProfiles(text)
    import jinja2

    unset: dict[str, int] = {}
    template_box: list[Any] = []

    def env(name: Any, default: Any = None) -> str:
        value = environ.get(str(name))
        if value is not None:
            return value
        if default is None:
            unset.setdefault(str(name), _calling_line(template_box) or 0)
            return ""
        return str(default)

    def project_dir_() -> str:
        return str(project_dir.resolve())

    jinja = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                               keep_trailing_newline=True, cache_size=0)
    jinja.globals.update(env=env, project_dir=project_dir_)
    try:
        template = jinja.from_string(text)
        template.filename = _TEMPLATE
        template_box.append(template)
        rendered = template.render()
    except jinja2.TemplateSyntaxError as exc:
        raise ProfileError(f"{path} is not a valid Jinja template: {exc.message}",
                           file=path, line=exc.lineno,
                           hint="fix the {{ ... }} or {% ... %} at that line") from None
    except jinja2.UndefinedError as exc:
        raise ProfileError(f"{path} cannot be rendered: {exc.message}",
                           file=path, line=_template_line(exc),
                           hint="profiles.yml knows env('NAME', 'default') and project_dir(); "
                                "quote a literal {{ as {{ '{{' }}") from None
    except Exception as exc:  # a filter or call that fails on its input
        raise ProfileError(f"{path} cannot be rendered: {type(exc).__name__}: {exc}",
                           file=path, line=_template_line(exc),
                           hint="fix the expression at that line") from None
    return RenderedProfiles(rendered, unset)


def _template_line(exc: BaseException) -> int | None:
    """The line of ``profiles.yml`` a render error happened at (Jinja rewrites the traceback
    of a failing template to point at the template's lines)."""
    return line_in_traceback(exc, _TEMPLATE) or line_in_traceback(exc, "<template>")


def _calling_line(template_box: list[Any]) -> int | None:
    """The line of ``profiles.yml`` whose expression is calling ``env()`` right now."""
    if not template_box:
        return None
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_globals.get("__jinja_template__") is not None:
            line: int = template_box[0].get_corresponding_lineno(frame.f_lineno)
            return line
        frame = frame.f_back  # type: ignore[assignment]
    return None

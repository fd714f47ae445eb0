"""``.env`` files, layered as FastFlowTransform reads them, into one effective environment.

Files, lowest to highest precedence (a file that does not exist is skipped)::

    <repo root>/.env              the nearest parent folder with .git, when not the project
    <project>/.env
    <project>/.env.local
    <project>/.env.<env name>
    <project>/.env.<env name>.local

A later file overrides an earlier one; the process environment overrides every file. The env
name may itself come from ``FFT_ACTIVE_ENV`` in the first three files (when neither the
command line nor the process environment names one): it then chooses the last two files.

>>> parse_dotenv('export A=1\\nB="two words" # note\\nC=\\'${A}\\'\\n', "x/.env")
{'A': '1', 'B': 'two words', 'C': '${A}'}

The syntax is python-dotenv's (which FastFlowTransform uses): ``KEY=VALUE``, an optional
``export``, ``#`` comments, blank lines, single quotes (literal) and double quotes (escapes
``\\n \\t \\r \\" \\\\``, may span lines), ``${NAME}`` and ``${NAME:-default}`` in unquoted and
double-quoted values. A name alone on a line sets nothing. Anything else is a
:class:`~pytest_fft.errors.ProfileError` naming the file and the line.

This module is pure: it reads files and returns mappings; putting the values into
``os.environ`` is :mod:`pytest_fft.plugin.environment`'s business.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pytest_fft.errors import ProfileError
from pytest_fft.redact import is_secret_key, remember, remember_in

__all__ = ["DEFAULT_ENV", "EffectiveEnvironment", "dotenv_files", "effective_environment",
           "parse_dotenv", "repo_root", "shell_environ"]

DEFAULT_ENV = "dev"
ACTIVE_ENV_VAR = "FFT_ACTIVE_ENV"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_EXPORT = re.compile(r"export[ \t]+")
_EXPAND = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")
_ESCAPE_OR_EXPAND = re.compile(r"\\(?P<escaped>.)|" + _EXPAND.pattern, re.S)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'", "$": "$"}


def parse_dotenv(text: str, display: str, earlier: Mapping[str, str] | None = None,
                 environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ``KEY: value`` pairs of one ``.env`` file, in file order (a key given twice keeps
    its last value). ``${NAME}`` is NAME's value as the run will see it: the process
    environment's (``environ``), else the value set before it in this file, else in an
    ``earlier`` file; ``${NAME:-default}`` gives ``default`` when that is unset or empty."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    return _Parser(text, display, earlier or {}, environ or {}).parse()


class _Parser:
    def __init__(self, text: str, display: str, earlier: Mapping[str, str],
                 environ: Mapping[str, str]) -> None:
        self.text, self.display = text, display
        self.earlier, self.environ = earlier, environ
        self.pos = 0
        self.values: dict[str, str] = {}

    @property
    def line(self) -> int:
        return self.text.count("\n", 0, self.pos) + 1

    def error(self, what: str, line: int | None = None) -> ProfileError:
        return ProfileError(f"{self.display}:{line or self.line}: {what}", file=self.display,
                            line=line or self.line,
                            hint="write one KEY=VALUE per line (quote a value with spaces or "
                                 "#); '#' starts a comment")

    def parse(self) -> dict[str, str]:
        while self.pos < len(self.text):
            self.statement()
        return self.values

    def skip(self, pattern: str) -> str:
        found = re.compile(pattern).match(self.text, self.pos)
        assert found is not None  # every pattern here also matches the empty string
        self.pos = found.end()
        return found.group()

    def statement(self) -> None:
        self.skip(r"[ \t]*")
        if self.text.startswith(("#", "\n"), self.pos) or self.pos >= len(self.text):
            self.skip(r"[^\n]*\n?")
            return
        export = _EXPORT.match(self.text, self.pos)
        if export is not None:
            self.pos = export.end()
        line = self.line
        name = _NAME.match(self.text, self.pos)
        if name is None:
            shown = self.text[self.pos:].split("\n", 1)[0]
            raise self.error(f"{shown!r} is not KEY=VALUE")
        self.pos = name.end()
        self.skip(r"[ \t]*")
        if self.text.startswith(("\n", "#"), self.pos) or self.pos >= len(self.text):
            self.skip(r"[^\n]*\n?")  # a name alone sets nothing (as python-dotenv reads it)
            return
        if not self.text.startswith("=", self.pos):
            raise self.error(f"{name.group()!r} is followed by "
                             f"{self.text[self.pos:].split(chr(10), 1)[0]!r}, not by '='")
        self.pos += 1
        self.skip(r"[ \t]*")
        self.values[name.group()] = self.value(line)
        rest = self.skip(r"[^\n]*")
        if rest.strip() and not rest.strip().startswith("#"):
            raise self.error(f"unexpected {rest.strip()!r} after the value of "
                             f"{name.group()!r}", line)
        self.skip(r"\n?")

    def value(self, line: int) -> str:
        quote = self.text[self.pos:self.pos + 1]
        if quote not in ("'", '"'):
            raw = self.skip(r"[^\n]*")
            comment = re.search(r"\s#", raw)
            raw = (raw[:comment.start()] if comment else raw).strip()
            return self.expand(raw)
        end = self._closing(quote)
        if end < 0:
            raise self.error(f"the quote {quote} opened here is never closed", line)
        raw = self.text[self.pos + 1:end]
        self.pos = end + 1
        return raw if quote == "'" else self.expand(raw, escapes=True)

    def _closing(self, quote: str) -> int:
        at = self.pos + 1
        while at < len(self.text):
            char = self.text[at]
            if char == "\\" and quote == '"':
                at += 2
                continue
            if char == quote:
                return at
            at += 1
        return -1

    def expand(self, value: str, escapes: bool = False) -> str:
        """``${NAME}`` replaced (and, in double quotes, backslash escapes), in one pass: an
        escaped ``\\$`` stays a dollar sign."""
        pattern = _ESCAPE_OR_EXPAND if escapes else _EXPAND
        if "${" not in value and not (escapes and "\\" in value):
            return value

        def one(found: re.Match[str]) -> str:
            if found.group("name") is None:  # a backslash escape
                return _ESCAPES.get(found.group("escaped"), found.group())
            name = found.group("name")
            for source in (self.environ, self.values, self.earlier):
                if source.get(name):
                    return source[name]
            return found.group("default") or ""

        return pattern.sub(one, value)


def repo_root(project_dir: Path) -> Path | None:
    """The nearest folder above ``project_dir`` (or itself) that holds ``.git``; None when
    there is none."""
    for folder in (project_dir, *project_dir.parents):
        if (folder / ".git").exists():
            return folder
    return None


def dotenv_files(project_dir: Path, env_name: str | None) -> tuple[Path, ...]:
    """The ``.env`` files of ``project_dir`` that may apply, lowest precedence first (they
    need not exist); without ``env_name``, only the three that do not depend on it."""
    project_dir = project_dir.resolve()
    root = repo_root(project_dir)
    files = [root / ".env"] if root is not None and root != project_dir else []
    files += [project_dir / ".env", project_dir / ".env.local"]
    if env_name and _plain_file_part(env_name):
        files += [project_dir / f".env.{env_name}", project_dir / f".env.{env_name}.local"]
    return tuple(files)


def _plain_file_part(name: str) -> bool:
    """Whether ``name`` can be part of a file name in the project folder (no folder parts)."""
    return "/" not in name and "\\" not in name and name not in (".", "..")


@dataclass(frozen=True)
class EffectiveEnvironment:
    """What a run sees: the process environment over the ``.env`` layers.

    ``values`` is the whole effective environment; ``loaded`` the values that came from
    ``.env`` files (those the process environment does not set), and ``origins`` the file
    each of those came from; ``files`` the files read. ``env_name`` is the env the run uses,
    ``env_source`` where it came from when not from the caller: ``"FFT_ACTIVE_ENV"`` or
    ``"FFT_ACTIVE_ENV in <file>"`` (None: given, or the default).
    """

    env_name: str
    values: Mapping[str, str]
    loaded: Mapping[str, str] = field(default_factory=dict)
    origins: Mapping[str, Path] = field(default_factory=dict)
    files: tuple[Path, ...] = ()
    env_source: str | None = None

    def origin_of(self, name: str) -> str:
        """Where variable ``name`` is set, for messages: its ``.env`` file or the shell."""
        where = self.origins.get(name)
        return str(where) if where is not None else "the environment"


def effective_environment(project_dir: Path, env_name: str | None = None,
                          environ: Mapping[str, str] | None = None) -> EffectiveEnvironment:
    """The environment a run of ``project_dir`` sees (see the module's docstring).

    ``env_name`` is the env asked for (``--env``, the ``fft_env`` ini key) or None; then
    ``FFT_ACTIVE_ENV`` (the process environment's, else the first ``.env`` layers') or
    ``dev``. ``environ`` is the process environment (default ``os.environ``)."""
    environ = shell_environ() if environ is None else environ
    project_dir = Path(project_dir)
    loaded: dict[str, str] = {}
    origins: dict[str, Path] = {}
    read: list[Path] = []

    def layer(path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as exc:
            raise ProfileError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}",
                               file=path, hint="make it a readable UTF-8 text file, or "
                                               "remove it") from exc
        values = parse_dotenv(text, str(path), earlier=loaded, environ=environ)
        for name, value in values.items():
            loaded[name], origins[name] = value, path
        read.append(path)

    base = dotenv_files(project_dir, None)
    for path in base:
        layer(path)
    source = None
    if not env_name:
        if environ.get(ACTIVE_ENV_VAR):
            env_name, source = environ[ACTIVE_ENV_VAR], ACTIVE_ENV_VAR
        elif loaded.get(ACTIVE_ENV_VAR):
            env_name = loaded[ACTIVE_ENV_VAR]
            source = f"{ACTIVE_ENV_VAR} in {origins[ACTIVE_ENV_VAR]}"
    env_name = env_name or DEFAULT_ENV
    for path in dotenv_files(project_dir, env_name)[len(base):]:
        layer(path)
    from_files = {name: value for name, value in loaded.items() if name not in environ}
    _remember_secrets(from_files)
    return EffectiveEnvironment(
        env_name=env_name, values={**from_files, **environ}, loaded=from_files,
        origins={name: origins[name] for name in from_files}, files=tuple(read),
        env_source=source)


def _remember_secrets(values: Mapping[str, str]) -> None:
    """Values from ``.env`` files are masked in every message from now on, as the process
    environment's are (:mod:`pytest_fft.redact`)."""
    for name, value in values.items():
        if is_secret_key(name):
            remember(value)
        else:
            remember_in(value)


# What pytest-fft itself put into os.environ (pytest_fft.plugin.environment): not the shell's.
_exported: dict[str, str] = {}


def shell_environ() -> dict[str, str]:
    """``os.environ`` without the values pytest-fft loaded into it from ``.env`` files: the
    environment the process was started with (plus what others set since)."""
    return {name: value for name, value in os.environ.items()
            if _exported.get(name) != value}


def note_exported(values: Mapping[str, str]) -> None:
    """Record values pytest-fft put into ``os.environ`` (see :func:`shell_environ`)."""
    _exported.update(values)


def forget_exported(names: list[str]) -> None:
    for name in names:
        _exported.pop(name, None)

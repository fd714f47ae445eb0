"""Errors of pytest-fft: every one says what went wrong, where, and what to do.

The tree::

    FFTError                          (exit 1 through ``fft`` unless noted)
    ├── ProjectError                  a project file is wrong: file + line
    │   ├── ProjectFileError          unreadable / malformed YAML, unknown keys
    │   ├── ModuleLoadError           a Python model or macro module fails to import
    │   ├── DuplicateNodeError        two files define the same node name
    │   ├── DependencyNotFoundError   ref()/source()/deps name nothing
    │   ├── ModelCycleError           "Cycle detected among nodes: a.ff -> b -> a.ff"
    │   └── RenderError               Jinja could not render a model
    ├── ProfileError                  profiles.yml / --fft-env / FF_* settings
    ├── EngineNotInstalledError       an optional engine extra is missing
    ├── SelectionError                --fft-select matches a node whose parents are missing
    ├── CheckError                    a data-quality check could not run (missing table, bad SQL)
    ├── ModelError                    a model failed while building (engine message)
    │   ├── RequiredColumnsError      @model(requires=...) not met by an input
    │   └── ModelReturnTypeError      a Python model returned something that is no frame
    └── HookError                     a hook of project.yml's hooks: failed (its file + line)

Warnings (a run goes on): ``AuditTableWarning``, the ``_ff_meta`` audit table could not be
written (the builds themselves succeeded); ``CacheWarning``, a cache entry was unreadable or
could not be written (the run goes on as if it had no cache); ``ArtifactWarning``, an
artifact of the run could not be written (its results were reported all the same).

``FastFlowTransformError`` is an alias of :class:`FFTError` so code written for
FastFlowTransform keeps catching what it expects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class FFTError(Exception):
    """Root of every error pytest-fft raises on purpose.

    ``str(err)`` is the full user-facing text: the message, then ``file:line``, the node,
    and a hint on how to fix it, each on its own line when known.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        node: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.node = node
        self.hint = hint
        super().__init__(self.render())

    @property
    def location(self) -> str | None:
        """``path:line`` (or just ``path``) of the offending file, if known."""
        if self.file is None:
            return None
        return f"{self.file}:{self.line}" if self.line else self.file

    def render(self) -> str:
        parts = [self.message]
        if self.location and self.location not in self.message:
            parts.append(f"  at {self.location}")
        if self.node and self.node not in self.message:
            parts.append(f"  node: {self.node}")
        if self.hint:
            parts.append(f"  fix: {self.hint}")
        from pytest_fft.redact import redact  # every message shown or stored goes through

        return redact("\n".join(parts))


FastFlowTransformError = FFTError


def raised_by_code(exc: BaseException) -> bool:
    """Whether ``exc``, raised inside a model, macro or project module, is that code's own
    error. ``sys.exit()`` always is: project code cannot end a run. ``KeyboardInterrupt`` is
    only off the main thread, where no Ctrl-C is ever delivered; on the main thread it may
    be the user's Ctrl-C and must stop the run."""
    if isinstance(exc, (Exception, SystemExit)):
        return True
    import threading

    return (isinstance(exc, KeyboardInterrupt)
            and threading.current_thread() is not threading.main_thread())


CODE_ENDS_RUN_HINT = ("project code cannot end the run: raise an exception instead of "
                      "sys.exit() or KeyboardInterrupt")


def line_in_traceback(exc: BaseException, filename: str | Path) -> int | None:
    """The line of the innermost frame of ``exc``'s traceback that ran code of ``filename``."""
    wanted = str(filename)
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == wanted:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class ProjectError(FFTError):
    """A project file (models, YAML, macros) is wrong."""


class ProjectFileError(ProjectError):
    """A YAML file is malformed or carries keys we do not understand."""


class ModuleLoadError(ProjectError):
    """A Python model or macro module raised while being imported."""


class DuplicateNodeError(ProjectError):
    """Two files define nodes with the same name."""


class DependencyNotFoundError(ProjectError):
    """A ``ref()``, ``source()`` or ``deps=`` entry names nothing in the project."""

    def __init__(self, message: str, *, parts: tuple[DependencyNotFoundError, ...] = (),
                 **where: Any) -> None:
        super().__init__(message, **where)
        # Told at once, several missing names: each with its own place (fft ci-check
        # reports them one by one).
        self.parts = parts


class ModelCycleError(ProjectError):
    """The models depend on each other in a circle."""

    def __init__(self, message: str, *, cycle: tuple[str, ...] = (), **where: Any) -> None:
        super().__init__(message, **where)
        self.cycle = cycle  # the nodes of the circle, in reading order


class RenderError(ProjectError):
    """Jinja could not render a SQL model."""


class ProfileError(FFTError):
    """The engine profile could not be resolved (unknown env, bad profiles.yml, bad FF_*)."""


class EngineNotInstalledError(FFTError):
    """The engine named by the profile needs an optional extra that is not installed."""


class SelectionError(FFTError):
    """A selection cannot be built as asked."""


class CheckError(FFTError):
    """A data-quality check could not run: a table is missing or its SQL failed."""


class ModelError(FFTError):
    """A model failed while it was being built."""


class HookError(FFTError):
    """A hook (``on_run_start``, ``before_model``, ...) could not be prepared or failed: the
    run's error, or the error of the model it ran for."""


class RequiredColumnsError(ModelError, ValueError):
    """An input frame of a Python model lacks a column the model ``requires``."""


class ModelReturnTypeError(ModelError, TypeError):
    """A Python model returned something other than a data frame."""


def read_project_text(path: Path, display: str) -> str:
    """A project file's text (UTF-8); undecodable bytes are a :class:`ProjectFileError`
    naming the file and the line where they are."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ProjectFileError(
            f"{display} is not UTF-8 text: byte 0x{data[exc.start]:02x} on line {line} "
            "cannot be decoded",
            file=display, line=line,
            hint="save the file as UTF-8 (your editor's encoding setting), then run again",
        ) from None


class AuditTableWarning(UserWarning):
    """The engine could not write the ``_ff_meta`` audit rows of a run; the builds stand."""


class CacheWarning(UserWarning):
    """A cache entry (build fingerprints, parse cache, unit-test results) was unreadable, of
    the wrong shape or could not be written: it is ignored and the run does without it."""


class ArtifactWarning(UserWarning):
    """An artifact of the run (``run_results.json``, ``manifest.json``, ``test_results.json``)
    could not be written (a full disk, a read-only folder); the run's results stand and were
    reported."""


class FFTWarning(UserWarning):
    """A project file or option has something that is ignored (an unknown key, a
    ``--fft-rebuild`` glob that matches nothing)."""

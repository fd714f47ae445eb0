"""Errors of the HTTP helpers, located at the line of the model that made the call.

A Python model that calls :func:`~pytest_fft.api.http.get_df` fails with one of these; the
executor reports them as they are (they are :class:`~pytest_fft.errors.ModelError`), so each
carries the model file and line of the call, the node, and what to do::

    HttpError                 a request failed (network, timeout, HTTP status, bad JSON)
    ├── OfflineCacheMiss      FF_HTTP_OFFLINE=1 and no cached response for the request
    └── DomainNotAllowed      the host is not in FF_HTTP_ALLOWED_DOMAINS
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType

from pytest_fft.api.telemetry import current_stats
from pytest_fft.errors import ModelError

__all__ = ["DomainNotAllowed", "HttpError", "OfflineCacheMiss", "located", "project_dir"]

_HERE = str(Path(__file__).resolve().parent)


class HttpError(ModelError):
    """A request of a Python model's HTTP helper failed."""


class OfflineCacheMiss(HttpError):
    """Offline mode found no cached response for a request."""


class DomainNotAllowed(HttpError):
    """A request went to a host outside ``FF_HTTP_ALLOWED_DOMAINS``."""


def _caller() -> FrameType | None:
    """The frame of the project code that called the helpers: the innermost ``*.ff.py``
    frame, else the first frame outside this package."""
    frame = sys._getframe(1)
    outside = None
    while frame is not None:
        name = frame.f_code.co_filename
        if name.endswith(".ff.py"):
            return frame
        if outside is None and not name.startswith(_HERE):
            outside = frame
        frame = frame.f_back  # type: ignore[assignment]
    return outside


def project_dir(frame: FrameType | None = None) -> Path | None:
    """The project folder: the running node's (:func:`~pytest_fft.api.telemetry.http_stats`),
    else the nearest folder above the calling model file that holds a ``project.yml``."""
    stats = current_stats()
    if stats is not None and stats.project_dir is not None:
        return stats.project_dir
    frame = frame or _caller()
    if frame is None or frame.f_code.co_filename.startswith("<"):
        return None
    for folder in Path(frame.f_code.co_filename).resolve().parents:
        if (folder / "project.yml").is_file():
            return folder
    return None


def located(cls: type[HttpError], message: str, *, hint: str) -> HttpError:
    """``cls(message)`` with the file and line of the calling model and its node."""
    frame = _caller()
    file: str | None = None
    line = None
    if frame is not None and not frame.f_code.co_filename.startswith("<"):
        path = Path(frame.f_code.co_filename).resolve()
        root = project_dir(frame)
        try:
            file = path.relative_to(root).as_posix() if root else str(path)
        except ValueError:
            file = str(path)
        line = frame.f_lineno
    stats = current_stats()
    return cls(message, file=file, line=line, node=stats.node if stats else None, hint=hint)

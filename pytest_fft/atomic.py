"""Atomic file writes: a reader sees the old content or the new one, never a part of either.

The data goes to a temporary file in the target's folder (so the rename stays on one file
system), which is flushed, fsync'd unless ``durable=False``, given ``mode`` and renamed over
the target with :func:`os.replace`. On any error the temporary file is removed and the target
is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, durable: bool = True,
                 mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` (``str`` is written as UTF-8) in one step.

    ``durable=False`` skips the fsync, for files that only have to be whole, not survive a
    crash of the machine (caches, a run's scratch files): an fsync costs milliseconds.
    ``mode`` is set explicitly because the temporary file is created private (0600).
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

"""Per-node HTTP telemetry: what a Python model's calls of the HTTP helpers did.

The executor wraps each Python model call in :func:`http_stats`; every request made inside
(in the same thread, or in a context copied from it) is counted on the yielded
:class:`HttpStats`::

    with http_stats("users_from_api", project_dir=project.root) as stats:
        frame = call_the_model()
    if stats.used:
        result["http"] = stats.as_dict()
    # {"requests": 2, "cache_hits": 1, "bytes": 1842, "used_offline": False,
    #  "keys": ["GET:https://api.example.com/users|{\\"page\\":1}|{}", ...],
    #  "entries": [{"url": ..., "status": 200, "content_hash": "sha256:...",
    #               "from_cache": True}, ...]}

``requests`` counts every response a model got, from the network or the cache (as
FastFlowTransform counts them); ``cache_hits`` those from the cache. Keys and URLs are
stored with their secrets masked. The context also tells the HTTP helpers the node (for
their error messages) and the project folder (a relative ``FF_HTTP_CACHE_DIR`` is inside it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["HttpStats", "current_stats", "http_stats"]


@dataclass
class HttpStats:
    """The HTTP telemetry of one node's run (see the module's docstring)."""

    node: str | None = None
    project_dir: Path | None = None
    requests: int = 0
    cache_hits: int = 0
    bytes: int = 0
    used_offline: bool = False
    keys: list[str] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def used(self) -> bool:
        """Whether the node made any request (only then has it an ``http`` block)."""
        return self.requests > 0

    def record(self, *, key: str, url: str, status: int, content_hash: str, size: int,
               from_cache: bool, offline: bool) -> None:
        """Count one response (``key`` and ``url`` already masked)."""
        with self._lock:
            self.requests += 1
            self.cache_hits += from_cache
            self.bytes += size
            self.used_offline = self.used_offline or offline
            if key not in self.keys:
                self.keys.append(key)
            self.entries.append({"url": url, "status": status, "content_hash": content_hash,
                                 "from_cache": from_cache})

    def as_dict(self) -> dict[str, Any]:
        """The ``http`` block of the node in ``run_results.json`` (JSON-ready copies)."""
        with self._lock:
            return {"requests": self.requests, "cache_hits": self.cache_hits,
                    "bytes": self.bytes, "used_offline": self.used_offline,
                    "keys": list(self.keys), "entries": [dict(e) for e in self.entries]}


_current: ContextVar[HttpStats | None] = ContextVar("fft_http_stats", default=None)


def current_stats() -> HttpStats | None:
    """The telemetry of the node running in this context, if any."""
    return _current.get()


@contextmanager
def http_stats(node: str | None = None, *,
               project_dir: str | Path | None = None) -> Iterator[HttpStats]:
    """Collect the HTTP telemetry of the code run inside (one node's model call)."""
    stats = HttpStats(node=node, project_dir=Path(project_dir) if project_dir else None)
    token = _current.set(stats)
    try:
        yield stats
    finally:
        _current.reset(token)

"""Where build fingerprints live between runs: pytest's cache directory.

One entry per project and env (``fft/build/<project hash>/<env>``) holding the fingerprint of
every node built, and the memo of normalised SQL. Only the process that ran the build writes
it, at the end of the session. Without pytest's cache (``-p no:cacheprovider``) nothing is
remembered, so everything builds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


class FingerprintStore(Protocol):
    def load(self) -> dict[str, Any]: ...
    def save(self, data: dict[str, Any]) -> None: ...


@dataclass
class PytestCacheStore:
    """A ``FingerprintStore`` in ``config.cache``."""

    cache: Any  # _pytest.cacheprovider.Cache
    key: str

    @classmethod
    def for_project(cls, cache: Any, root: Path, env_name: str) -> PytestCacheStore:
        digest = hashlib.sha256(str(root).encode()).hexdigest()[:16]
        return cls(cache, f"fft/build/{digest}/{env_name}")

    def load(self) -> dict[str, Any]:
        data = self.cache.get(self.key, {})
        return data if isinstance(data, dict) else {}

    def save(self, data: dict[str, Any]) -> None:
        self.cache.set(self.key, data)


@dataclass
class MemoryStore:
    """A ``FingerprintStore`` that forgets at exit (no pytest cache; the Python API)."""

    data: dict[str, Any] = field(default_factory=dict)

    def load(self) -> dict[str, Any]:
        return dict(self.data)

    def save(self, data: dict[str, Any]) -> None:
        self.data = dict(data)

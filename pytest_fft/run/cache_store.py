"""Where build fingerprints live between runs: pytest's cache directory.

One entry per project and env (``fft/build/<project hash>/<env>``) holding the fingerprint of
every node built, and the memo of normalised SQL, written at the end of the session. So that
an interrupted run (``kill -9``, a cancelled CI job, a power cut) never leaves a claim that a
relation holds what it no longer holds, a **journal** next to the entry records the changes
as the build makes them:

* before any relation is touched, the nodes about to be built lose their claim (one line,
  flushed and synced to disk);
* right after a node is built, its new fingerprint is appended.

Reading the store applies the journal to the entry; writing the entry at the end of the session
clears the journal. Whatever the moment of an interruption, a node is then either claimed with
the fingerprint of what its relation holds, or not claimed (and built again). A torn last
line is ignored, and an entry of the wrong shape is dropped with a warning.

Without pytest's cache (``-p no:cacheprovider``) nothing is remembered, so everything builds.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pytest_fft.errors import CacheWarning


class FingerprintStore(Protocol):
    def load(self) -> dict[str, Any]: ...
    def save(self, data: dict[str, Any]) -> None: ...
    def forget(self, names: Iterable[str]) -> None: ...
    def built(self, name: str, fingerprint: str) -> None: ...
    def close(self) -> None: ...
    @property
    def dirty(self) -> bool: ...


def valid_entry(data: Any) -> dict[str, Any] | None:
    """``data`` if it has the shape of a stored entry (``nodes`` and ``sql_memo``, each a
    mapping of strings to strings), else None."""
    if not isinstance(data, dict):
        return None
    for part in ("nodes", "sql_memo"):
        value = data.get(part, {})
        if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            return None
    return data


@dataclass(frozen=True)
class CacheFolder:
    """pytest's cache folder (``<project>/.pytest_cache``) read as pytest's ``config.cache``
    reads it, for the commands that run no pytest session (``fft dag``, ``fft ci-check``):
    ``get`` a value, the path of a folder of ``d/``. It only reads: nothing is created (a
    ``.pytest_cache`` made here would lack the ``.gitignore`` pytest gives it)."""

    base: Path

    def get(self, key: str, default: Any) -> Any:
        try:
            return json.loads((self.base / "v" / key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return default

    def mkdir(self, name: str) -> Path:
        return self.base / "d" / name


@dataclass
class PytestCacheStore:
    """A ``FingerprintStore`` in ``config.cache``, with its journal in the cache's ``d/``."""

    cache: Any  # _pytest.cacheprovider.Cache
    key: str
    _journal: Any = None  # the open journal file, while a build appends to it
    dirty: bool = False  # this process wrote to the journal
    _lock: threading.Lock = field(default_factory=threading.Lock)  # builds end on threads

    @classmethod
    def for_project(cls, cache: Any, root: Path, env_name: str) -> PytestCacheStore:
        digest = hashlib.sha256(str(root).encode()).hexdigest()[:16]
        return cls(cache, f"fft/build/{digest}/{env_name}")

    @property
    def journal_path(self) -> Path:
        name = hashlib.sha256(self.key.encode()).hexdigest()[:24]
        return Path(self.cache.mkdir("fft-journal")) / f"{name}.jsonl"

    def load(self) -> dict[str, Any]:
        raw = self.cache.get(self.key, {})
        data = valid_entry(raw)
        if data is None:
            warnings.warn(CacheWarning(
                f"the build cache entry {self.key} is not what pytest-fft writes; it is "
                "ignored, and every node builds"), stacklevel=2)
            data = {}
        nodes = dict(data.get("nodes", {}))
        if _replay(self.journal_path, nodes):
            data = {**data, "nodes": nodes}
        return data

    def forget(self, names: Iterable[str]) -> None:
        """The nodes lose their claim, on disk, before this returns."""
        names = sorted(names)
        if names:
            self._append({"forget": names}, sync=True)

    def built(self, name: str, fingerprint: str) -> None:
        """``name`` now holds what ``fingerprint`` describes (flushed, not synced: losing the
        line to a power cut only builds the node once more)."""
        self._append({"built": name, "fp": fingerprint}, sync=False)

    def _append(self, record: Mapping[str, Any], *, sync: bool) -> None:
        try:
            with self._lock:
                if self._journal is None:
                    self._journal = open(self.journal_path, "a", encoding="utf-8")  # noqa: SIM115
                self._journal.write(json.dumps(record) + "\n")
                self._journal.flush()
                if sync:
                    os.fsync(self._journal.fileno())
                self.dirty = True
        except OSError as exc:
            # A cache that cannot be written claims nothing new; the forget failing means
            # the old claims stand, so the whole entry goes (nothing is claimed at all).
            if sync:
                with contextlib.suppress(Exception):
                    self.cache.set(self.key, {})
            warnings.warn(CacheWarning(
                f"cannot write the build cache journal {self.journal_path}: {exc}; "
                "the next run builds these nodes again"), stacklevel=3)

    def save(self, data: dict[str, Any]) -> None:
        self.cache.set(self.key, data)
        self.close()
        with contextlib.suppress(OSError):
            self.journal_path.unlink(missing_ok=True)
        self.dirty = False

    def close(self) -> None:
        if self._journal is not None:
            with contextlib.suppress(OSError):
                self._journal.close()
            self._journal = None


def _replay(path: Path, nodes: dict[str, str]) -> bool:
    """Apply the journal at ``path`` to ``nodes``; whether there was one."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return False
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line torn by the interruption: its node is built again
        if not isinstance(record, dict):
            continue
        forget = record.get("forget")
        if isinstance(forget, list):
            for name in forget:
                nodes.pop(name, None)
        elif isinstance(record.get("built"), str) and isinstance(record.get("fp"), str):
            nodes[record["built"]] = record["fp"]
    return True


@dataclass
class MemoryStore:
    """A ``FingerprintStore`` that forgets at exit (no pytest cache; the Python API)."""

    data: dict[str, Any] = field(default_factory=dict)
    dirty: bool = False

    def load(self) -> dict[str, Any]:
        return dict(self.data)

    def save(self, data: dict[str, Any]) -> None:
        self.data = dict(data)
        self.dirty = False

    def forget(self, names: Iterable[str]) -> None:
        nodes = dict(self.data.get("nodes", {}))
        for name in names:
            nodes.pop(name, None)
        self.data = {**self.data, "nodes": nodes}

    def built(self, name: str, fingerprint: str) -> None:
        self.data = {**self.data, "nodes": {**self.data.get("nodes", {}), name: fingerprint}}

    def close(self) -> None:
        pass

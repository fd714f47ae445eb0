"""One builder under pytest-xdist: the run directory that workers share.

The controller makes a directory and hands it to every worker (``workerinput``). The first
worker that runs a build or check item takes the project's lock there and becomes its
builder: it runs the executor with threads (it alone opens the database) and writes one
result file per node, atomically. Items on other workers wait for their node's file. If
the builder stops without finishing, the lock is free and no ``done`` marker exists: the
waiting items fail with that message instead of hanging.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pytest_fft.atomic import write_atomic
from pytest_fft.errors import FFTError
from pytest_fft.run.executor import NodeResult


class RemoteError(FFTError):
    """An error raised in the builder worker, carried as its rendered text."""

    def __init__(self, text: str, message: str) -> None:
        self._text = text
        super().__init__(message)

    def render(self) -> str:
        return getattr(self, "_text", None) or self.message


def project_key(root: Path) -> str:
    return hashlib.sha256(str(root).encode()).hexdigest()[:16]


def _file_name(node: str) -> str:
    return hashlib.sha256(node.encode()).hexdigest()[:24] + ".json"


class SharedRunDir:
    """The files of one project's build in the shared run directory."""

    def __init__(self, run_dir: Path, root: Path) -> None:
        self.dir = Path(run_dir) / project_key(root)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.lock_path = self.dir / "builder.lock"
        self.done_path = self.dir / "done"
        self.store_path = self.dir / "store.json"

    def elect_builder(self) -> Any:
        """The project's lock if this process is the first to ask (it builds), else None."""
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.lock_path))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return None
        return lock

    def builder_alive(self) -> bool:
        """Whether the builder still holds the project's lock (it is alive)."""
        probe = self.elect_builder()
        if probe is None:
            return True
        probe.release()
        return False

    def board(self) -> FileBoard:
        """The results as the builder writes them, for a worker that waits for them."""
        return FileBoard(self, self.builder_alive)

    def write_result(self, result: NodeResult) -> None:
        data = asdict(result)
        error = data.pop("error")
        data["error_text"] = str(result.error) if result.error is not None else None
        data["error_message"] = result.error.message if result.error is not None else None
        del error
        _write(self.dir / _file_name(result.name), json.dumps(data, default=str))

    def read_result(self, name: str) -> NodeResult | None:
        path = self.dir / _file_name(name)
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        text, message = data.pop("error_text"), data.pop("error_message")
        error = RemoteError(text, message) if text is not None else None
        data["logs"] = tuple(data.get("logs") or ())
        return NodeResult(**data, error=error)

    def mark_done(self) -> None:
        _write(self.done_path, "done")

    def write_startup_error(self, error: FFTError) -> None:
        """The builder could not open the warehouse: nothing will be built (then mark_done)."""
        _write(self.dir / "startup_error.json",
               json.dumps({"text": error.render(), "message": error.message}))

    def read_startup_error(self) -> FFTError | None:
        path = self.dir / "startup_error.json"
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return RemoteError(data["text"], data["message"])

    def write_hook_errors(self, errors: list[FFTError]) -> None:
        """The run's hooks failed (on_run_start, on_run_end): the controller reports them."""
        _write(self.dir / "hook_errors.json", json.dumps(
            [{"text": e.render(), "message": e.message} for e in errors]))

    def write_budget_findings(self, findings: list[tuple[str, str]]) -> None:
        """The budgets of budgets.yml the build exceeded, ``(level, text)``: the controller
        reports them (an error fails the session)."""
        _write(self.dir / "budget_findings.json", json.dumps(findings))

    def save_store(self, key: str, data: dict[str, Any]) -> None:
        """What the controller should put in pytest's cache (it alone writes the cache)."""
        _write(self.store_path, json.dumps({"key": key, "data": data}))


class FileBoard:
    """A result board read from the builder's files (the ResultBoard of a waiting worker)."""

    def __init__(self, shared: SharedRunDir, builder_alive: Any) -> None:
        self.shared = shared
        self.builder_alive = builder_alive  # () -> bool
        self.finished = True  # nothing to cancel from here

    def wait(self, name: str, timeout: float | None = None) -> NodeResult | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.005
        while True:
            result = self.shared.read_result(name)
            if result is not None:
                return result
            if self.shared.done_path.exists() or not self.builder_alive():
                result = self.shared.read_result(name)  # written just before the marker?
                if result is not None:
                    return result
                return NodeResult(name, "error", message=(
                    "the pytest-xdist worker that was building this project stopped before "
                    f"building {name}; see its output above"))
            if deadline is not None and time.monotonic() > deadline:
                return None
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    def get(self, name: str) -> NodeResult | None:
        return self.shared.read_result(name)

    def wait_done(self) -> None:
        """Until the builder has built everything (or stopped)."""
        delay = 0.005
        while not self.shared.done_path.exists() and self.builder_alive():
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    def all(self) -> dict[str, NodeResult]:
        return {}

    def close(self) -> None:
        pass


def _write(path: Path, text: str) -> None:
    """Whole files for the waiting workers; no fsync: the folder lives as long as the session."""
    write_atomic(path, text, durable=False)

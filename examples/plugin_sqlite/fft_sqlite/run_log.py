"""A JSON-lines log of each pytest-fft run: a pytest plugin on the plugin SDK's hooks.

pytest loads this module in every session (the package's ``pytest11`` entry point), and it
does nothing until a log file is named: the environment variable ``FFT_RUN_LOG``, or the ini
option ``fft_run_log`` (``pytest.ini``, ``[tool.pytest.ini_options]``; relative to the ini
file's folder). Only then does it register the object that implements the ``pytest_fft_*``
hooks, so a session without a log has no implementation of them and pays nothing.

Each run appends one line per event::

    {"event": "run_started", "project": "demo", "env": "dev", "engine": "sqlite", ...}
    {"event": "node", "name": "customers.ff", "kind": "sql", "status": "success",
     "duration": 0.004, "rows": 3}
    {"event": "check", "name": "not_null[customers.email]", "status": "success", ...}
    {"event": "run_finished", "status": "success", "counts": {"success": 9}}

Node events arrive on the build's threads (``--fft-jobs``): a lock keeps their lines whole.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

ENV_VAR = "FFT_RUN_LOG"
INI_KEY = "fft_run_log"
_PLUGIN_NAME = "fft_sqlite_run_log_writer"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(INI_KEY, help="append a JSON-lines log of each pytest-fft run to this file "
                                f"(fft-sqlite; {ENV_VAR} overrides it)", default="")


def log_path(config: pytest.Config) -> Path | None:
    """The log file this session writes, or None (not configured)."""
    named = os.environ.get(ENV_VAR, "").strip()
    if named:
        return Path(named).expanduser().absolute()
    named = str(config.getini(INI_KEY) or "").strip()
    if not named:
        return None
    path = Path(named).expanduser()
    base = config.inipath.parent if config.inipath is not None else config.rootpath
    return path if path.is_absolute() else base / path


def pytest_configure(config: pytest.Config) -> None:
    path = log_path(config)
    if path is not None:
        config.pluginmanager.register(RunLog(path), _PLUGIN_NAME)


class RunLog:
    """The hook implementations, registered only when a log file is named."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.lines = 0  # written by this session

    def _write(self, record: Mapping[str, Any]) -> None:
        line = json.dumps(record, default=str, sort_keys=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line)
            self.lines += 1

    @pytest.hookimpl
    def pytest_fft_run_started(self, run: Any) -> None:
        self._write({"event": "run_started", "project": run.project.name, "env": run.env_name,
                     "engine": run.engine, "nodes": list(run.nodes), "jobs": run.jobs,
                     "at": time.time()})

    @pytest.hookimpl
    def pytest_fft_node_finished(self, node: Any, result: Any) -> None:
        self._write({"event": "node", "name": result.name, "kind": node.kind,
                     "status": result.status, "duration": round(result.duration, 6),
                     "rows": result.rows, "message": result.message})

    @pytest.hookimpl
    def pytest_fft_check_result(self, check: Any, result: Any) -> None:
        self._write({"event": "check", "name": check.name, "status": result.status,
                     "message": result.message})

    @pytest.hookimpl
    def pytest_fft_run_finished(self, results: Mapping[str, Any], status: str) -> None:
        counts = Counter(str(result.status) for result in results.values())
        self._write({"event": "run_finished", "status": status,
                     "counts": dict(sorted(counts.items())), "at": time.time()})

    @pytest.hookimpl
    def pytest_fft_docs_context(self, context: dict[str, Any]) -> None:
        context.setdefault("sections", []).append({
            "title": "Run log",
            "text": f"Each run appends its events to {self.path} (JSON lines; "
                    f"{ENV_VAR} or the ini option {INI_KEY} names the file).",
        })

"""pytest-xdist's controller side: the run directory the workers share."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest


class XdistController:
    """On the pytest-xdist controller: a run directory for the workers, and pytest's cache
    written from what the building worker left there (only the controller writes it)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.run_dir = Path(tempfile.mkdtemp(prefix="fft-run-"))

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["fft_run_dir"] = str(self.run_dir)

    @pytest.hookimpl(tryfirst=True)  # before fft's reporter, which reports the hook errors
    def pytest_sessionfinish(self) -> None:
        from pytest_fft.errors import FFTError
        from pytest_fft.plugin.state import REMOTE_BUDGET_FINDINGS, REMOTE_HOOK_ERRORS
        from pytest_fft.run.cache_store import PytestCacheStore
        from pytest_fft.run.shared_dir import RemoteError

        # The run's hooks that failed on the building worker: this session's errors, too.
        remote: list[FFTError] = [
            RemoteError(e["text"], e["message"])
            for path in sorted(self.run_dir.glob("*/hook_errors.json"))
            for e in json.loads(path.read_text(encoding="utf-8"))]
        self.config.stash[REMOTE_HOOK_ERRORS] = remote
        # So are the budgets of budgets.yml its run exceeded.
        self.config.stash[REMOTE_BUDGET_FINDINGS] = [
            (str(level), str(text))
            for path in sorted(self.run_dir.glob("*/budget_findings.json"))
            for level, text in json.loads(path.read_text(encoding="utf-8"))]
        cache = getattr(self.config, "cache", None)
        for store in sorted(self.run_dir.glob("*/store.json")):
            saved = json.loads(store.read_text(encoding="utf-8"))
            if cache is not None and saved.get("key"):
                # Also clears the journal the building worker kept (see cache_store).
                PytestCacheStore(cache, saved["key"]).save(saved["data"])
        shutil.rmtree(self.run_dir, ignore_errors=True)

"""The last results the docs show: each node's last build, each check's and each unit case's
last outcome, from the artifacts runs leave in ``<project>/.fastflowtransform/target/``
(``run_results.json``, ``test_results.json``, ``utest_results.json``): ``fft docgen`` reads
what the last runs left, ``pytest --fft-docs`` what the session that just finished wrote.

An artifact that is missing, unreadable or of another shape is no results, never an error:
the docs describe the project first and the last run as far as it is known.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TARGET = (".fastflowtransform", "target")

Outcome = tuple[str, "str | None"]  # (status, message)


@dataclass(frozen=True)
class RunFacts:
    """What the last run said of a node; every part optional."""

    status: str | None = None  # success | error | skipped | cached | ...
    duration_s: float | None = None
    rows: int | None = None
    message: str | None = None


@dataclass(frozen=True)
class LastRun:
    """``runs``: node -> its last build; ``checks``: check name -> outcome; ``units``: unit
    case node id (``tests/unit/x.yml::case``) -> outcome."""

    runs: Mapping[str, RunFacts] = field(default_factory=dict)
    checks: Mapping[str, Outcome] = field(default_factory=dict)
    units: Mapping[str, Outcome] = field(default_factory=dict)
    #: Of the last build (``run_results.json``'s metadata): its env, engine and time.
    env: str | None = None
    engine: str | None = None
    at: str | None = None

    def __bool__(self) -> bool:
        return bool(self.runs or self.checks or self.units)


def read_last_run(root: Path) -> LastRun:
    """What the artifacts of ``root``'s last runs say."""
    target = root.joinpath(*TARGET)
    document = _document(target / "run_results.json")
    runs = {}
    for entry in _entries(document):
        duration = entry.get("duration_ms")
        runs[str(entry["name"])] = RunFacts(
            _text(entry.get("status")),
            float(duration) / 1000 if isinstance(duration, int | float) else None,
            entry.get("rows") if isinstance(entry.get("rows"), int) else None,
            _text(entry.get("message")))
    checks = {str(e["name"]): _outcome(e)
              for e in _entries(_document(target / "test_results.json"))}
    units = {str(e["node_id"]): _outcome(e)
             for e in _entries(_document(target / "utest_results.json")) if "node_id" in e}
    meta = document.get("metadata") if isinstance(document, dict) else None
    meta = meta if isinstance(meta, dict) and runs else {}
    return LastRun(runs, checks, units, _text(meta.get("env_name")) or None,
                   _text(meta.get("model_engine")), _text(meta.get("generated_at")))


def _document(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _entries(document: Any) -> list[dict[str, Any]]:
    entries = document.get("results") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("name"), str)]


def _outcome(entry: Mapping[str, Any]) -> Outcome:
    return _text(entry.get("status")) or "", _text(entry.get("message"))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None

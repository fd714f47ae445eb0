"""``utest_results.json``: the outcome of each unit case of the session, per project, in
``<project>/.fastflowtransform/target/`` beside ``run_results.json`` and
``test_results.json`` (the docs site shows them on the pages of the models they test).

Written where every report arrives: the single pytest process, or pytest-xdist's
controller, from the reports' :mod:`~pytest_fft.plugin.item_facts` (a worker's items never
reach the controller). Each session that runs unit cases replaces the file, as each run
replaces ``run_results.json``.
"""

from __future__ import annotations

import warnings
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

MAX_MESSAGE = 2000

#: Outcome words as ``test_results.json`` spells a check's.
_STATUS = {"passed": "pass", "failed": "fail", "skipped": "skipped"}


class UnitResults:
    def __init__(self) -> None:
        self.cases: dict[str, dict[str, Any]] = {}  # report node id -> entry
        self.roots: dict[str, tuple[str | None, str]] = {}  # root -> (env, engine)
        self.local: dict[str, dict[str, Any]] = {}  # node id -> facts, items of this process

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """In one process the items are here: their facts, once each (a pytest-xdist
        worker attaches them to its reports, see item_facts)."""
        if getattr(item, "case", None) is not None:
            from pytest_fft.plugin.item_facts import item_facts

            self.local[item.nodeid] = item_facts(item)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        facts = getattr(report, "fft_item", None) or self.local.get(report.nodeid)
        if not isinstance(facts, dict) or not isinstance(facts.get("unit"), dict):
            return
        unit = facts["unit"]
        entry = self.cases.get(report.nodeid)
        if report.when == "setup" or entry is None:
            entry = self.cases[report.nodeid] = {
                "name": unit["case"], "node_id": unit["node_id"], "model": unit["model"],
                "file": unit["file"], "line": unit["line"], "status": "pass",
                "message": None, "duration_ms": 0.0, "_root": unit["root"]}
            self.roots.setdefault(unit["root"], (facts.get("env"), str(unit.get("engine"))))
        entry["duration_ms"] = round(entry["duration_ms"] + report.duration * 1000, 3)
        if report.passed:
            if ("fft_status", "cached") in report.user_properties:
                entry["status"] = "cached"
            return
        failed_in_call = report.failed and report.when == "call"
        entry["status"] = ("fail" if failed_in_call and ("fft_status", "fail")
                           in report.user_properties else
                           "error" if report.failed else _STATUS.get(report.outcome, "skipped"))
        entry["message"] = _message(report)

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, Any, Any]:
        # Before the other session-end work (the --fft-docs site reads this file).
        self.write()
        return (yield)

    def write(self) -> None:
        from pytest_fft.redact import redact
        from pytest_fft.run.artifacts import TARGET, metadata, write_json_atomic

        for root, (env, engine) in self.roots.items():
            entries = [{k: v for k, v in e.items() if k != "_root"}
                       for e in self.cases.values() if e["_root"] == root]
            for entry in entries:
                if entry["message"]:
                    entry["message"] = redact(entry["message"])
            totals = {status: sum(1 for e in entries if e["status"] == status)
                      for status in ("pass", "cached", "fail", "error", "skipped")}
            path = Path(root) / TARGET / "utest_results.json"
            try:
                write_json_atomic(path, {"metadata": metadata(env or "", engine),
                                         "results": entries, "totals": totals})
            except OSError as exc:
                from pytest_fft.errors import ArtifactWarning

                warnings.warn(ArtifactWarning(f"could not write {path}: {exc.strerror or exc}"),
                              stacklevel=1)


def _message(report: pytest.TestReport) -> str | None:
    """What a failure or a skip says (a failed case's diff included), without the line
    pytest-xdist adds to name its worker; at most :data:`MAX_MESSAGE` characters."""
    if report.skipped and isinstance(report.longrepr, tuple):
        text = str(report.longrepr[2]).removeprefix("Skipped: ")
    else:
        text = report.longreprtext
    lines = text.strip("\n").splitlines()
    if lines and lines[0].startswith("[gw"):
        lines = lines[1:]
    text = "\n".join(lines).strip()
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE].rstrip() + "\n..."
    return text or None

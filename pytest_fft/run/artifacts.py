"""Run artifacts under ``<project>/.fastflowtransform/target/``, written atomically."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pytest_fft._version import __version__
from pytest_fft.atomic import write_atomic
from pytest_fft.project.records import Project
from pytest_fft.redact import redact
from pytest_fft.run.executor import NodeResult

TARGET = Path(".fastflowtransform") / "target"


def target_dir(project: Project) -> Path:
    return project.root / TARGET


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to a temporary file beside ``path`` and rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Compact, like dbt's artifacts: json's C encoder only runs without indent (5x).
    write_atomic(path, json.dumps(data, default=str, separators=(",", ":")) + "\n")


_RUN_ID = uuid.uuid4().hex  # one per process: every artifact of a run carries the same id


def metadata(env_name: str, engine: str) -> dict[str, Any]:
    return {
        "tool": f"pytest-fft {__version__}",
        "run_id": _RUN_ID,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "env_name": env_name,
        "model_engine": engine,
    }


def _shown(result: NodeResult) -> str | None:
    """A result's message as stored: an error's text may quote a connection string or a
    setting, so it goes through :func:`~pytest_fft.redact.redact` (the messages of nodes that
    worked are ours, and a cached run of 500 nodes does not pay for it)."""
    if result.message and result.status in ("error", "fail", "warn"):
        return redact(result.message)
    return result.message


_CHECK_STATUS = {"success": "pass", "fail": "fail", "warn": "warn", "error": "error",
                 "skipped": "skipped"}


def test_results(project: Project, results: list[NodeResult], env_name: str,
                 engine: str) -> dict[str, Any]:
    """``test_results.json``: one entry per check that was asked for in this run."""
    entries = []
    for result in results:
        check = project.checks[result.name]
        spec = check.spec
        entries.append({
            "name": check.name,
            "type": spec.type,
            "scope": spec.scope,
            "tables": list(spec.tables),
            "column": spec.column,
            "severity": spec.severity,
            "tags": list(spec.tags),
            "status": _CHECK_STATUS.get(result.status, result.status),
            "message": _shown(result),
            "metrics": dict(result.metrics or {}),
            "duration_ms": round(result.duration * 1000, 3),
            "line": check.line,
        })
    totals = {status: sum(1 for e in entries if e["status"] == status)
              for status in ("pass", "fail", "warn", "error", "skipped")}
    return {"metadata": metadata(env_name, engine), "results": entries, "totals": totals}


def write_test_results(project: Project, results: list[NodeResult], env_name: str,
                       engine: str) -> Path:
    path = target_dir(project) / "test_results.json"
    write_json_atomic(path, test_results(project, results, env_name, engine))
    return path


_RUN_STATUS = {"success": "success", "error": "error", "skipped": "skipped", "cached": "cached"}


def run_results(project: Project, results: list[NodeResult], fingerprints: dict[str, str],
                env_name: str, engine: str,
                budgets: dict[str, Any] | None = None) -> dict[str, Any]:
    """``run_results.json`` in FastFlowTransform's shape: metadata, then one entry per node;
    ``budgets``: the run budgets' findings (:func:`pytest_fft.run.budgets.summary`), when
    ``budgets.yml`` has any."""
    entries = []
    for result in results:
        node = project.node(result.name)
        entries.append({
            "name": result.name,
            "kind": node.kind,
            "relation": getattr(node, "relation", None),
            "status": _RUN_STATUS.get(result.status, result.status),
            "started_at": (datetime.fromtimestamp(result.started_at, UTC)
                           .isoformat(timespec="milliseconds") if result.started_at else None),
            "duration_ms": round(result.duration * 1000, 3),
            "rows": result.rows,
            # The build's query statistics (null where the engine cannot say; see
            # engines.query_stats): bytes only where an estimate was made.
            "bytes_scanned": result.bytes_scanned,
            "query_duration_ms": result.query_duration_ms,
            "message": _shown(result),
            "fingerprint": fingerprints.get(result.name),
        })
        http = (result.metrics or {}).get("http") if node.kind == "python" else None
        if http is not None:  # a Python model's HTTP calls (requests, cache hits, bytes, ...)
            entries[-1]["http"] = http
    out = {"metadata": metadata(env_name, engine), "results": entries}
    if budgets is not None:
        out["budgets"] = budgets
    return out


def manifest(project: Project, fingerprints: dict[str, str], env_name: str,
             engine: str) -> dict[str, Any]:
    """``manifest.json``: every node with its file, relation, dependencies and fingerprint."""
    nodes = {}
    for name in project.dag.order:
        node = project.node(name)
        nodes[name] = {
            "kind": node.kind,
            "path": node.rel_path,
            "relation": getattr(node, "relation", None),
            "materialized": getattr(node, "materialized", "table" if node.kind == "seed"
                                    else None),
            "tags": list(node.tags),
            "deps": list(node.deps),
            "level": project.dag.level_of(name),
            "fingerprint": fingerprints.get(name),
        }
        if getattr(node, "package", None) is not None:  # a model of packages.yml's packages
            nodes[name]["package"] = node.package  # type: ignore[union-attr]
    return {"metadata": metadata(env_name, engine), "project": project.name,
            "nodes": nodes, "sources": {f"{s}.{t}": src.relation
                                        for (s, t), src in sorted(project.sources.items())}}


def write_run_artifacts(project: Project, results: list[NodeResult],
                        fingerprints: dict[str, str], env_name: str, engine: str, *,
                        budgets: dict[str, Any] | None = None) -> None:
    target = target_dir(project)
    write_json_atomic(target / "run_results.json",
                      run_results(project, results, fingerprints, env_name, engine, budgets))
    write_json_atomic(target / "manifest.json", manifest(project, fingerprints, env_name, engine))

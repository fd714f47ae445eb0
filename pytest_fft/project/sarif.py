"""SARIF 2.1.0 from a ``fft ci-check`` summary, for code scanning (GitHub, Azure DevOps, ...)
(pure; FastFlowTransform 0.6's ``fastflowtransform.ci.sarif``).

Each :class:`~pytest_fft.project.ci_checks.CiIssue` is one ``result``: ``code`` is the
``ruleId``, level ``error`` is ``"error"`` and anything else ``"warning"``, the message (and
its fix) is ``message.text``, and ``file``/``line``/``column`` are
``locations[0].physicalLocation``. Every code that occurs is a rule of the tool's driver.

File URIs are relative (to the project folder, or with ``uri_prefix`` in front: code scanning
wants them relative to the repository's root, and ``fft ci-check --sarif`` puts the project's
path from the working folder there).
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from pytest_fft.atomic import write_atomic
from pytest_fft.project.ci_checks import CODES, CiIssue, CiSummary

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"


def sarif_level(level: str) -> str:
    """A CiIssue level as SARIF's: ``error`` stays, anything else is ``warning``."""
    return "error" if level == "error" else "warning"


def sarif_log(summary: CiSummary, *, tool_name: str = "FastFlowTransform CI",
              tool_version: str | None = None, uri_prefix: str = "") -> dict[str, Any]:
    """The SARIF 2.1.0 log of ``summary`` as a JSON-ready dict (one run)."""
    codes = sorted({issue.code for issue in summary.issues})
    driver: dict[str, Any] = {"name": tool_name, "rules": [_rule(code) for code in codes]}
    if tool_version:
        driver["version"] = str(tool_version)
    results = [_result(issue, codes.index(issue.code), uri_prefix) for issue in summary.issues]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "results": results,
            "columnKind": "unicodeCodePoints",
            "properties": {"selectedNodes": list(summary.selected_nodes),
                           "allNodes": list(summary.all_nodes)},
        }],
    }


def write_sarif(summary: CiSummary, path: str | Path, *,
                tool_name: str = "FastFlowTransform CI", tool_version: str | None = None,
                uri_prefix: str = "") -> Path:
    """Write the SARIF log of ``summary`` to ``path`` (its folder created; atomically, so an
    upload step never reads half a file); returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = sarif_log(summary, tool_name=tool_name, tool_version=tool_version,
                     uri_prefix=uri_prefix)
    write_atomic(out, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return out


def _rule(code: str) -> dict[str, Any]:
    text = CODES.get(code, code)
    return {"id": code, "name": code.title().replace("_", ""),
            "shortDescription": {"text": text}}


def _result(issue: CiIssue, rule_index: int, uri_prefix: str) -> dict[str, Any]:
    text = issue.message.strip() or issue.code
    if issue.hint:
        text += f"\nFix: {issue.hint}"
    result: dict[str, Any] = {"ruleId": issue.code, "ruleIndex": rule_index,
                              "level": sarif_level(issue.level), "message": {"text": text}}
    if issue.file:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(issue.file, uri_prefix)}}
        region: dict[str, int] = {}
        if issue.line and issue.line > 0:
            region["startLine"] = int(issue.line)
            if issue.column and issue.column > 0:
                region["startColumn"] = int(issue.column)
        if region:
            physical["region"] = region
        location: dict[str, Any] = {"physicalLocation": physical}
        if issue.obj_name:
            location["logicalLocations"] = [{"name": issue.obj_name, "kind": "module"}]
        result["locations"] = [location]
    return result


def _uri(file: str, prefix: str) -> str:
    """A relative file as a URI reference (``prefix/file``, percent-encoded); an absolute
    one as a ``file:`` URI."""
    path = Path(file)
    if path.is_absolute():
        return path.as_uri()
    joined = PurePosixPath(prefix.replace("\\", "/"), file.replace("\\", "/")) if prefix \
        else PurePosixPath(file.replace("\\", "/"))
    text = joined.as_posix()
    while text.startswith("./"):
        text = text[2:]
    return quote(text, safe="/")

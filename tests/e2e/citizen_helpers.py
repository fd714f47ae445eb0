"""Shared pieces of the tests on pytest-fft as an ordinary pytest plugin (test_citizen_*.py).

Imported by path-independent name: the test modules put this folder on ``sys.path``.
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "simple_duckdb"

#: Plugins installed here that are not part of what is under test: kept out of inner runs
#: (blocking a plugin that is not installed is harmless).
QUIET = ("-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:randomly")

DUCKDB_PROFILE = "dev:\n  engine: duckdb\n  duckdb: {path: .local/dev.duckdb}\n"

BUILD_IDS = [
    "seeds/seed_orders.csv::seed_orders",
    "seeds/seed_users.csv::seed_users",
    "models/orders.ff.sql::orders.ff",
    "models/users.ff.sql::users.ff",
    "models/users_enriched.ff.py::users_enriched",
    "models/mart_orders_enriched.ff.py::mart_orders_enriched",
    "models/mart_users.ff.sql::mart_users.ff",
]
CHECK_IDS = [
    "project.yml::not_null[users.email]",
    "project.yml::unique[users.id]",
    "project.yml::row_count_between[orders]",
]
UNIT_IDS = [
    "tests/unit/mart_orders_enriched.yml::join_and_flag",
    "tests/unit/mart_users.yml::passthrough_columns",
    "tests/unit/users_enriched.yml::basic_gmail_flag",
    "tests/unit/users_enriched.yml::override_inputs",
]


def copy_example(dest: Path, *, with_user_tests: bool = True) -> Path:
    """The example project copied into ``dest`` (which may exist), without built files.
    ``with_user_tests=False`` leaves out the example's own pytest file (tests/*.py)."""
    ignore = [".local", ".fastflowtransform", ".pytest_cache", "__pycache__"]
    if not with_user_tests:
        ignore.append("test_*.py")
    shutil.copytree(EXAMPLE, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*ignore))
    return dest


def write_files(root: Path, files: Mapping[str, str]) -> Path:
    """Write ``{relative path: text}`` under ``root`` (text is dedented)."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def tiny_project(root: Path, models: Mapping[str, str], name: str = "proj",
                 extra: Mapping[str, str] | None = None) -> Path:
    """A small project at ``root``: project.yml, a dev DuckDB profile at .local/dev.duckdb,
    ``models`` as ``{file name under models/: text}``."""
    files = {"project.yml": f"name: {name}\nversion: 1\n", "profiles.yml": DUCKDB_PROFILE}
    files.update({f"models/{file}": text for file, text in models.items()})
    files.update(extra or {})
    return write_files(root, files)


def item_ids(result: pytest.RunResult) -> list[str]:
    """Node ids printed by ``--collect-only -q``."""
    return [line.strip() for line in result.outlines
            if "::" in line and not line.startswith(("ERROR", "FAILED", "SKIPPED", "  "))]


def verbose_outcomes(result: pytest.RunResult) -> list[tuple[str, str]]:
    """(node id, PASSED/FAILED/...) from the ``-v`` progress lines, in order."""
    found = []
    for line in result.outlines:
        m = re.match(r"^(\S+::\S+) (PASSED|FAILED|SKIPPED|ERROR|RERUN|CACHED|XFAIL|XPASS)\b",
                     line)
        if m:
            found.append((m.group(1), m.group(2)))
    return found


def tables(db: Path) -> set[str]:
    """Names of the tables and views in a DuckDB file (empty if there is no file)."""
    import duckdb

    if not db.exists():
        return set()
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {r[0] for r in con.execute(
            "select table_name from information_schema.tables").fetchall()}
    finally:
        con.close()


def run_statuses(project: Path) -> dict[str, str]:
    data = json.loads((project / ".fastflowtransform/target/run_results.json").read_text())
    return {r["name"]: r["status"] for r in data["results"]}


def junit_cases(path: Path) -> dict[str, ET.Element]:
    """``classname.name`` -> <testcase> of a JUnit XML file."""
    root = ET.parse(path).getroot()
    return {f"{c.get('classname')}::{c.get('name')}": c for c in root.iter("testcase")}


def teamcity_messages(text: str, kind: str) -> list[dict[str, str]]:
    """The attributes of every ``##teamcity[<kind> ...]`` line, unescaped."""
    found = []
    marker = f"##teamcity[{kind} "
    for line in text.splitlines():
        at = line.find(marker)
        if at < 0:
            continue
        attrs = {}
        for key, value in re.findall(r"(\w+)='((?:\|.|[^|'])*)'", line[at + len(marker):]):
            attrs[key] = re.sub(r"\|(.)", lambda m: {"n": "\n", "r": "\r"}.get(
                m.group(1), m.group(1)), value)
        found.append(attrs)
    return found

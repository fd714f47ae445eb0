"""Every name FastFlowTransform 0.6's documentation imports from ``fastflowtransform.*``
resolves through pytest-fft's alias (pytest_fft/project/modules.py), except the known gaps
below; and what a custom check gets from ``fastflowtransform.testing.base`` works."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path("/work/shared/spec/fft-0.6-docs")
REPO = Path(__file__).resolve().parents[2]

#: Imports of the documentation that the alias does not offer, and why.
KNOWN_GAPS = {
    "fastflowtransform.core:REGISTRY": "FastFlowTransform's internal registry "
                                       "(Technical_Overview.md); pytest-fft's is load_project",
    "fastflowtransform.dag": "FastFlowTransform's internal DAG API (Technical_Overview.md); "
                             "pytest-fft's is Project.dag",
    "fastflowtransform.executors.duckdb": "FastFlowTransform's executors "
                                          "(Technical_Overview.md); pytest-fft's are engines",
}

_IMPORT = re.compile(r"^\s*from (fastflowtransform(?:\.\w+)*) import ([\w, ]+?)(?:\s+as \w+)?\s*$"
                     r"|^\s*import (fastflowtransform(?:\.\w+)*)", re.MULTILINE)


def documented_imports() -> list[tuple[str, str | None]]:
    """(module, name) for every ``from fastflowtransform... import name`` of the docs (name
    None for ``import fastflowtransform...``)."""
    found: set[tuple[str, str | None]] = set()
    for page in sorted(DOCS.glob("*.md")):
        for match in _IMPORT.finditer(page.read_text(encoding="utf-8")):
            if match.group(3):
                found.add((match.group(3), None))
                continue
            for name in match.group(2).split(","):
                found.add((match.group(1), name.strip().split(" as ")[0]))
    return sorted(found, key=lambda item: (item[0], item[1] or ""))


def _gap(module: str, name: str | None) -> str | None:
    return KNOWN_GAPS.get(f"{module}:{name}") or KNOWN_GAPS.get(module)


@pytest.mark.skipif(not DOCS.is_dir(), reason="the FastFlowTransform 0.6 docs are not here")
def test_every_documented_import_resolves() -> None:
    wanted = [(m, n) for m, n in documented_imports() if _gap(m, n) is None]
    assert ("fastflowtransform.decorators", "dq_test") in wanted
    assert ("fastflowtransform.testing", "base") in wanted
    assert ("fastflowtransform.core", "model") in wanted
    assert ("fastflowtransform", "engine_model") in wanted
    gaps = {f"{m}:{n}" for m, n in documented_imports() if _gap(m, n) is not None}
    assert ("fastflowtransform.api.http", "get_df") in wanted
    assert ("fastflowtransform.ci.core", "run_ci_checks") in wanted
    assert ("fastflowtransform.ci.sarif", "write_sarif") in wanted
    assert ("fastflowtransform.hooks.registry", "fft_hook") in wanted
    assert gaps == {"fastflowtransform.core:REGISTRY",
                    "fastflowtransform.dag:topo_sort",
                    "fastflowtransform.executors.duckdb:DuckExecutor"}
    script = (
        "import importlib, json, sys\n"
        "from pytest_fft.project.modules import install_fastflowtransform_alias\n"
        "install_fastflowtransform_alias()\n"
        "bad = []\n"
        f"for module, name in {wanted!r}:\n"
        "    try:\n"
        "        mod = importlib.import_module(module)\n"
        "        if name is not None:\n"
        "            exec(f'from {module} import {name}', {})\n"
        "    except Exception as exc:\n"
        "        bad.append(f'{module}:{name}: {exc!r}')\n"
        "print(json.dumps(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == []


def test_testing_base_runs_checks_on_duckdb() -> None:
    script = """
import duckdb, json
from pytest_fft.project.modules import install_fastflowtransform_alias
install_fastflowtransform_alias()
from fastflowtransform.testing import base as testing
from fastflowtransform.decorators import dq_test
from fastflowtransform.testing import TESTS
con = duckdb.connect()
con.execute("create table t as select * from (values (1, 'a'), (1, null)) v(id, s)")
out = [testing._scalar(con, "select count(*) from t"), testing.sql_list(["it's", 1, None])]
for call in (lambda: testing.unique(con, "t", "id"), lambda: testing.not_null(con, "t", "s"),
             lambda: testing.not_null(con, "t", "id"),
             lambda: testing.accepted_values(con, "t", "s", values=["b"])):
    try:
        call()
        out.append("ok")
    except testing.TestFailure as exc:
        out.append(str(exc))
@dq_test("always")
def always(con, table, column, params):
    return True, None, None
out.append(TESTS["always"] is always)
print(json.dumps(out))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == [
        2, "'it''s', 1, NULL", "t.id has 1 duplicate", "t.s has 1 null value", "ok",
        "t.s has 1 row outside ['b']: 'a' (1)", True]


def test_ci_check_wrapper_script_of_the_docs(tmp_path: Path) -> None:
    """CI_Check.md's wrapper: run_ci_checks, then write_sarif, through the alias."""
    project = REPO / "examples" / "simple_duckdb"
    out = tmp_path / "artifacts" / "fft-ci.sarif.json"
    script = f"""
from pathlib import Path
import pytest_fft.compat; pytest_fft.compat.install()  # as docs/running.md says
from fastflowtransform.ci.core import run_ci_checks
from fastflowtransform.ci.sarif import write_sarif
summary = run_ci_checks(project_dir={str(project)!r}, env_name="dev", engine_name="duckdb")
write_sarif(summary, Path({str(out)!r}), tool_name="FastFlowTransform CI", tool_version=None)
print(summary.exit_code, len(summary.all_nodes), len(summary.issues))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.split() == ["0", "5", "0"]
    log = json.loads(out.read_text(encoding="utf-8"))
    assert log["version"] == "2.1.0"
    assert log["runs"][0]["tool"]["driver"] == {"name": "FastFlowTransform CI", "rules": []}
    assert log["runs"][0]["results"] == []

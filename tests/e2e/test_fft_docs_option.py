"""``pytest --fft-docs DIR``: the docs site with the run's statuses (the index, a page per
seed and model, dag.mmd), and plugins adding to it through ``pytest_fft_docs_context``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS_PLUGIN = """
import pytest


@pytest.hookimpl
def pytest_fft_docs_context(project, context):
    context["sections"].append(
        {"title": "Owners", "text": "<script>x()</script> team-data owns " + project.config.name})
"""

RAISING_PLUGIN = """
import pytest


@pytest.hookimpl
def pytest_fft_docs_context(context):
    raise RuntimeError("no owners file")
"""


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FF_", "FFT_"))}
    return subprocess.run([sys.executable, "-m", "pytest", str(project), "-q",
                           "-p", "no:randomly", "-p", "no:cacheprovider", *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=180,
                          check=False)


def _statuses(page: str) -> dict[str, str]:
    """Each row of the index's table: the node's name and its status in the run."""
    return dict(re.findall(r'<td class="name"><a href="[^"]+">([^<]+)</a></td>.*?'
                           r'<span class="status st-[a-z]+">([a-z]+)</span>', page))


def test_the_page_shows_the_run_and_what_plugins_add(simple_project: Path) -> None:
    (simple_project / "conftest.py").write_text(DOCS_PLUGIN)
    run = _pytest(simple_project, "--fft-seed", "--fft-run", "--fft-docs", "site")
    assert run.returncode == 0, run.stdout + run.stderr
    page = (simple_project / "site" / "index.html").read_text()
    assert _statuses(page) == {
        "seed_orders": "success", "seed_users": "success", "orders.ff": "success",
        "users.ff": "success", "users_enriched": "success", "mart_orders_enriched": "success",
        "mart_users.ff": "success"}
    # The plugin's section is there, escaped: text, never markup.
    assert re.search(r"<h2>Owners</h2>\s*<pre class=\"plain\">&lt;script&gt;x\(\)&lt;/script&gt; "
                     r"team-data owns simple_duckdb</pre>", page)
    assert "<script>x()" not in page
    # A page per seed and model, and the Mermaid graph.
    pages = sorted(p.name for p in (simple_project / "site" / "nodes").iterdir())
    assert pages == ["mart_orders_enriched.html", "mart_users.ff.html", "orders.ff.html",
                     "seed_orders.html", "seed_users.html", "users.ff.html",
                     "users_enriched.html"]
    assert (simple_project / "site" / "dag.mmd").read_text().startswith("flowchart LR")


def test_a_failed_model_and_its_skipped_children_show_as_such(simple_project: Path) -> None:
    (simple_project / "models" / "users.ff.sql").write_text("select * from no_such_table\n")
    run = _pytest(simple_project, "--fft-seed", "--fft-run", "--fft-docs", "site")
    assert run.returncode == 1
    statuses = _statuses((simple_project / "site" / "index.html").read_text())
    assert statuses["users.ff"] == "error"
    assert statuses["mart_users.ff"] == "skipped"
    assert statuses["orders.ff"] == "success"


def _covered(page: str) -> dict[str, str]:
    """The checks and unit cases on a node's page: name -> last result."""
    return dict(re.findall(r'<tr><td class="name">([^<]+)</td><td><span class="pill">[^<]+'
                           r'</span></td><td><span class="status st-[a-z]+">([a-z ]+)</span>',
                           page))


@pytest.mark.parametrize("workers", [[], ["-n", "2"]])
def test_the_pages_show_checks_and_unit_cases_with_their_results(
        simple_project: Path, workers: list[str]) -> None:
    """Under pytest-xdist the controller writes the site, once every worker has finished:
    the build, the checks and the unit cases may each have run on another worker."""
    unit = simple_project / "tests" / "unit" / "users_enriched.yml"
    unit.write_text(unit.read_text().replace('is_gmail: true}\n', 'is_gmail: false}\n', 1))
    run = _pytest(simple_project, "--fft-seed", "--fft-run", "--fft-test", "--fft-utest",
                  "--fft-docs", "site", *workers)
    assert run.returncode == 1, run.stdout + run.stderr  # the broken unit case
    site = simple_project / "site"
    assert set(_statuses((site / "index.html").read_text()).values()) == {"success"}
    assert _covered((site / "nodes" / "users.ff.html").read_text()) == {
        "not_null[users.email]": "pass", "unique[users.id]": "pass"}
    enriched = (site / "nodes" / "users_enriched.html").read_text()
    assert _covered(enriched) == {"basic_gmail_flag": "fail", "override_inputs": "pass"}
    assert "row 2 (id=2): is_gmail expected False, got True" in enriched


def test_a_raising_docs_hook_fails_the_session_and_names_itself(
        simple_project: Path) -> None:
    (simple_project / "conftest.py").write_text(RAISING_PLUGIN)
    run = _pytest(simple_project, "--fft-seed", "--fft-run", "--fft-docs", "site")
    assert run.returncode == 1
    out = run.stdout + run.stderr
    assert ("error --fft-docs: the plugin hook pytest_fft_docs_context raised RuntimeError: "
            "no owners file at ") in out
    assert f"{simple_project / 'conftest.py'}:7" in out
    assert "Traceback" not in out
    assert not (simple_project / "site" / "index.html").exists()


def test_a_wrong_description_fails_the_session_with_its_place(simple_project: Path) -> None:
    project_yml = simple_project / "project.yml"
    project_yml.write_text(project_yml.read_text() + "docs:\n  models:\n    mart_userz: x\n")
    run = _pytest(simple_project, "--fft-seed", "--fft-run", "--fft-docs", "site")
    assert run.returncode == 1
    out = run.stdout + run.stderr
    assert "error --fft-docs: " in out and "mart_userz" in out and "project.yml:" in out
    assert "Traceback" not in out and "INTERNALERROR" not in out
    assert not (simple_project / "site" / "index.html").exists()


def test_without_a_build_the_site_shows_the_last_results(simple_project: Path) -> None:
    assert _pytest(simple_project, "--fft-seed", "--fft-run").returncode == 0
    run = _pytest(simple_project, "--fft-utest", "--fft-docs", "site")
    assert run.returncode == 0, run.stdout + run.stderr
    site = simple_project / "site"
    assert set(_statuses((site / "index.html").read_text()).values()) == {"success"}
    assert _covered((site / "nodes" / "mart_users.ff.html").read_text()) == {
        "passthrough_columns": "pass"}

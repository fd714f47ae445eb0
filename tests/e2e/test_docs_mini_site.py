"""``fft dag --html --select ...``: a focused mini site of the selected nodes and what they
read, and a later full site over it leaves no page of the mini one behind (nor the reverse)."""

from __future__ import annotations

import re
from pathlib import Path


def _rows(index: str) -> list[str]:
    return re.findall(r'<td class="name"><a href="nodes/[^"]+">([^<]+)</a></td>', index)


def _pages(site: Path) -> list[str]:
    return sorted(p.name for p in (site / "nodes").iterdir())


def test_a_tag_selection_writes_a_mini_site(simple_project: Path, run_fft) -> None:
    mart = simple_project / "models" / "mart_users.ff.sql"
    mart.write_text("{{ config(tags=['finance']) }}\n" + mart.read_text())
    site = simple_project / "docs"
    result = run_fft("dag", str(simple_project), "--env", "dev", "--html", "--select",
                     "tag:finance", "--no-schema")
    assert result.returncode == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        f"wrote {site / 'index.html'}, 4 pages and {site / 'dag.mmd'} (4 nodes)")
    index = (site / "index.html").read_text()
    assert _rows(index) == ["seed_users", "users.ff", "users_enriched", "mart_users.ff"]
    assert _pages(site) == ["mart_users.ff.html", "seed_users.html", "users.ff.html",
                            "users_enriched.html"]
    # The mini site links only to pages it has: users_enriched's child outside the
    # selection is not listed.
    enriched = (site / "nodes" / "users_enriched.html").read_text()
    assert 'href="mart_users.ff.html"' in enriched
    assert "mart_orders_enriched" not in enriched
    assert not (simple_project / ".local").exists()  # --no-schema opens no database

    result = run_fft("dag", str(simple_project), "--env", "dev", "--html", "--no-schema")
    assert result.returncode == 0, result.output
    assert len(_pages(site)) == 7
    result = run_fft("dag", str(simple_project), "--env", "dev", "--html", "--select",
                     "users.ff", "--no-schema")
    assert result.returncode == 0, result.output
    assert _pages(site) == ["seed_users.html", "users.ff.html"]  # no stale page left

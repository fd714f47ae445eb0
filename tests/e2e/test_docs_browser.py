"""The docs site in a real browser: Debian's Chromium, headless, driven by Playwright, opens
the pages ``fft docgen`` wrote from ``file://`` with the network off, and every request the
pages make is recorded. The DAG must be drawn, the search must filter the table, focus mode
must narrow the graph, a lineage link must land on the parent's column, a hostile
description must stay text, and no request may leave the machine.

Without Chromium or Playwright these tests skip, naming the install command; CI
(``FFT_TEST_REQUIRE_ENGINES=...,chromium``) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, _run_fft, skip_engine

pytestmark = pytest.mark.browser

HOSTILE = ("Users, **one row each**. <script>window.__pwned = 1</script> "
           "[click me](javascript:window.__pwned=2) <img src=x onerror=\"window.__pwned=3\"> "
           "![tracker](https://example.com/pixel.png) [the CRM](https://example.com/crm)")

DOCS = f"""
docs:
  models:
    users.ff:
      description: {HOSTILE!r}
      columns:
        email: "E-mail as typed, *lower-cased* downstream."
"""

#: The nodes of examples/simple_duckdb, in the order the index draws them.
NODES = ["seed_orders", "seed_users", "orders.ff", "users.ff", "users_enriched",
         "mart_orders_enriched", "mart_users.ff"]

#: Arguments for Chromium as root in a container, with nothing of its own on the network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-default-apps", "--disable-extensions"]

LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


def _chromium() -> str:
    configured = os.environ.get("FFT_TEST_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    skip_engine("chromium", "no Chromium found: run scripts/install-dev (it installs "
                "Debian's chromium), or set FFT_TEST_CHROMIUM to a Chromium binary")
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for this module's tests."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_engine("chromium", "playwright is not installed: run scripts/install-dev")
    executable = _chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs site of examples/simple_duckdb, seeded, built and checked first, with a
    hostile description on ``users.ff``."""
    root = tmp_path_factory.mktemp("browser") / "simple_duckdb"
    shutil.copytree(EXAMPLES / "simple_duckdb", root,
                    ignore=shutil.ignore_patterns(".local", ".fastflowtransform", "docs",
                                                  ".pytest_cache", "test_*.py", "__pycache__"))
    (root / "project.yml").write_text((root / "project.yml").read_text() + DOCS)
    for command in ("seed", "run", "test"):
        result = _run_fft(command, str(root))
        assert result.returncode == 0, result.output
    out = root / "site"
    result = _run_fft("docgen", str(root), "--out", str(out))
    assert result.returncode == 0, result.output
    return out


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs site (``--no-schema``) of a project of 1,000 SQL models in 20 levels of 50,
    each reading two models of the level before."""
    root = tmp_path_factory.mktemp("browser") / "big"
    (root / "models").mkdir(parents=True)
    (root / "project.yml").write_text("name: big\nversion: 1\n")
    (root / "profiles.yml").write_text(
        "dev:\n  engine: duckdb\n  duckdb: {path: .local/dev.duckdb}\n")
    for level in range(20):
        for k in range(50):
            if level == 0:
                sql = f"select {k} as id, 'x' as label"
            else:
                a, b = f"m{level - 1:02d}_{k:02d}", f"m{level - 1:02d}_{(k * 7 + 3) % 50:02d}"
                sql = (f"select a.id, b.label from {{{{ ref('{a}.ff') }}}} a "
                       f"join {{{{ ref('{b}.ff') }}}} b using (id)")
            (root / "models" / f"m{level:02d}_{k:02d}.ff.sql").write_text(sql + "\n")
    result = _run_fft("docgen", str(root), "--out", str(root / "site"), "--no-schema")
    assert result.returncode == 0, result.output
    return root / "site"


@dataclass
class Tab:
    """A page of its own browser context, offline, with what it asked for and what went
    wrong in it recorded."""

    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, path: Path) -> None:
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def assert_stayed_local(self) -> None:
        """Nothing left the machine and no page reported an error (a script the CSP
        refused, an exception)."""
        assert self.requests, "the recorder saw no request at all"
        remote = [url for url in self.requests if not url.startswith(LOCAL_SCHEMES)]
        assert remote == []
        assert self.errors == []


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900},
                                  color_scheme="light")
    page = context.new_page()
    opened = Tab(page)
    context.on("request", lambda request: opened.requests.append(request.url))
    page.on("console", lambda message: opened.errors.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda error: opened.errors.append(str(error)))
    try:
        yield opened
    finally:
        context.close()


def _shown_rows(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "#models tbody tr", "rows => rows.filter(r => !r.hidden)"
                            ".map(r => r.querySelector('td.name').textContent.trim())")


def _graph_nodes(page: Any, css: str = "") -> list[str]:
    return page.eval_on_selector_all(
        f"#nodes > a{css}", "nodes => nodes.map(n => n.getAttribute('data-name'))")


def test_every_page_opens_offline_without_an_error(site: Path, tab: Tab) -> None:
    pages = [site / "index.html", *sorted((site / "nodes").glob("*.html"))]
    assert len(pages) == 1 + len(NODES)
    for path in pages:
        tab.open(path)
        assert tab.page.title()
    assert {url for url in tab.requests if url.endswith(".html")} == {p.as_uri() for p in pages}
    tab.assert_stayed_local()


def test_the_dag_draws_every_node_and_edge_inside_the_graph(site: Path, tab: Tab) -> None:
    tab.open(site / "index.html")
    page = tab.page
    assert _graph_nodes(page) == NODES
    assert page.locator("#edges > path").count() == 6
    assert "live" in (page.get_attribute("#graph", "class") or "")  # the script ran
    graph = page.locator("#graph").bounding_box()
    for name in NODES:
        box = page.locator(f'#nodes > a[data-name="{name}"] rect').bounding_box()
        assert box is not None and box["width"] > 40 and box["height"] > 10, name
        assert graph["x"] <= box["x"] and box["x"] + box["width"] <= graph["x"] + graph["width"]
        assert graph["y"] <= box["y"] and box["y"] + box["height"] <= graph["y"] + graph["height"]
    # A node is a link to its page.
    page.click('#nodes > a[data-name="orders.ff"]')
    page.wait_for_url("**/nodes/orders.ff.html")
    assert page.locator("h1").inner_text() == "orders.ff"
    tab.assert_stayed_local()


def test_search_filters_the_table_and_dims_the_rest_of_the_graph(site: Path, tab: Tab) -> None:
    tab.open(site / "index.html")
    page = tab.page
    assert _shown_rows(page) == NODES
    page.fill("#search", "gmail")  # a column name: is_gmail
    page.wait_for_function("document.querySelector('#row-count').textContent.includes('of')")
    assert _shown_rows(page) == ["users_enriched", "mart_orders_enriched", "mart_users.ff"]
    assert page.text_content("#row-count") == "3 of 7"
    assert _graph_nodes(page, ".dim") == ["seed_orders", "seed_users", "orders.ff", "users.ff"]
    assert "q=gmail" in page.url
    page.fill("#search", "no such model")
    page.wait_for_function("!document.querySelector('#no-match').hidden")
    assert _shown_rows(page) == []
    page.press("#search", "Escape")
    assert _shown_rows(page) == NODES and _graph_nodes(page, ".dim") == []
    tab.assert_stayed_local()


def test_focus_mode_shows_a_node_and_its_neighbourhood(site: Path, tab: Tab) -> None:
    tab.open(site / "index.html")
    page = tab.page
    page.fill("#focus", "users.ff")
    page.press("#focus", "Enter")
    assert _graph_nodes(page, ":not(.hidden)") == [
        "seed_users", "users.ff", "users_enriched", "mart_orders_enriched", "mart_users.ff"]
    assert _shown_rows(page) == [
        "seed_users", "users.ff", "users_enriched", "mart_orders_enriched", "mart_users.ff"]
    page.select_option("#depth", "1")
    assert _graph_nodes(page, ":not(.hidden)") == ["seed_users", "users.ff", "users_enriched"]
    assert "focus=users.ff" in page.url
    page.click("#clear-focus")
    assert _graph_nodes(page, ".hidden") == []
    # The address keeps the focus: a model page's "Show in graph" opens it focused.
    tab.open(site / "nodes" / "orders.ff.html")
    page.click("text=Show in graph")
    page.wait_for_url("**/index.html#focus=orders.ff")
    assert _graph_nodes(page, ":not(.hidden)") == [
        "seed_orders", "orders.ff", "mart_orders_enriched"]
    tab.assert_stayed_local()


def test_a_lineage_link_leads_to_the_parent_column(site: Path, tab: Tab) -> None:
    tab.open(site / "nodes" / "mart_users.ff.html")
    page = tab.page
    page.click("tr#col-email td.lineage a")
    page.wait_for_url("**/nodes/users_enriched.html#col-email")
    target = page.evaluate("document.querySelector(':target').id")
    assert target == "col-email"
    assert page.locator("tr#col-email").is_visible()
    # And on up to where the column comes from.
    page.click("tr#col-email td.lineage a >> text=users.ff.email")
    page.wait_for_url("**/nodes/users.ff.html#col-email")
    assert page.locator(":target td.desc").inner_text() == "E-mail as typed, lower-cased downstream."
    tab.assert_stayed_local()


def test_a_hostile_description_stays_text(site: Path, tab: Tab) -> None:
    tab.open(site / "nodes" / "users.ff.html")
    page = tab.page
    assert page.evaluate("window.__pwned") is None
    description = page.locator(".md")
    assert description.locator("strong").inner_text() == "one row each"
    assert "<script>window.__pwned = 1</script>" in description.inner_text()
    # An image is never loaded: it is a link the reader may follow.
    assert description.locator("img").count() == 0
    hrefs = description.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs == ["https://example.com/pixel.png", "https://example.com/crm"]
    tab.assert_stayed_local()


def test_dark_mode_is_remembered_across_pages(site: Path, tab: Tab) -> None:
    tab.open(site / "index.html")
    page = tab.page
    assert page.get_attribute("html", "data-theme") is None  # the system's: light
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.click("#theme")
    assert page.get_attribute("html", "data-theme") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != background
    tab.open(site / "nodes" / "users.ff.html")
    assert page.get_attribute("html", "data-theme") == "dark"
    tab.assert_stayed_local()


def test_copy_buttons_copy(site: Path, tab: Tab) -> None:
    tab.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab.open(site / "nodes" / "users.ff.html")
    page = tab.page
    page.click('button[data-copy="relation"]')
    # The label says so for a moment (the copy is asynchronous).
    page.wait_for_function(
        "document.querySelector('button[data-copy=relation]').textContent === 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == "users"
    tab.assert_stayed_local()


def test_a_thousand_models_stay_readable_in_focus_mode(big_site: Path, tab: Tab) -> None:
    tab.open(big_site / "index.html")
    page = tab.page
    assert page.locator("#nodes > a").count() == 1000
    assert page.locator("#edges > path").count() == 19 * 50 * 2
    page.fill("#focus", "m10_00.ff")
    page.press("#focus", "Enter")
    shown = _graph_nodes(page, ":not(.hidden)")
    assert "m10_00.ff" in shown and "m00_00.ff" in shown and len(shown) < 1000
    # The neighbourhood spans all 20 levels: too wide to show whole at a readable size, so
    # the focused node is in the middle of the graph, its label at least 9 px high.
    graph = page.locator("#graph").bounding_box()
    node = page.locator('#nodes > a[data-name="m10_00.ff"] rect').bounding_box()
    assert node["height"] >= 26 / 1.35 - 0.5
    middle = graph["x"] + graph["width"] / 2
    assert abs(node["x"] + node["width"] / 2 - middle) < 2
    label = page.locator('#nodes > a[data-name="m10_00.ff"] text').bounding_box()
    assert label["height"] >= 9
    # Fit shows the whole neighbourhood.
    page.click("#fit")
    assert page.locator('#nodes > a[data-name="m00_00.ff"] rect').bounding_box()["x"] >= graph["x"]
    tab.assert_stayed_local()

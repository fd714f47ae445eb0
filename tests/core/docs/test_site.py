"""The docs site (pytest_fft.docs.site): every node has a page the index links to, lineage links
land on the parent's column, statuses show when given, hostile project text never becomes
markup, and 1,000 models stay a small index."""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import random
import re
import time
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pytest_fft import load_project
from pytest_fft.docs.catalog import Catalog, ColumnDoc, NodeDoc, build_catalog
from pytest_fft.docs.coverage import Covered, HookDoc
from pytest_fft.docs.dag_site import DagNode, dag_nodes
from pytest_fft.docs.lineage import ColumnLineage, ColumnSource, unknown
from pytest_fft.docs.markdown_text import defang, link_allowed, render_markdown
from pytest_fft.docs.mermaid import mermaid
from pytest_fft.docs.site import RunFacts, format_duration, render_site, status_class
from pytest_fft.docs.site_layout import BOX_H, BOX_W, layout
from pytest_fft.docs.site_paths import page_paths
from pytest_fft.project.descriptions import collect_descriptions

TEMPLATES = Path(__file__).parents[3] / "pytest_fft" / "docs" / "templates"


# --- building catalogs by hand --------------------------------------------------------------

def traced(column: str, *sources: str, transformed: bool = False) -> ColumnLineage:
    """``traced("email", "seed_users.email")``: a column read from relation.column."""
    return ColumnLineage(column, tuple(ColumnSource(*s.rsplit(".", 1)) for s in sources),
                         transformed)


def shop() -> Catalog:
    """seed_users -> users.ff -> users_enriched (python) -> mart_users.ff."""
    return Catalog("shop", (
        NodeDoc("seed_users", "seed", "seed_users", "seeds/seed_users.csv", "seed", (),
                "Users exported from the CRM.",
                (ColumnDoc("id", "INTEGER"), ColumnDoc("email", "VARCHAR")),
                (), ("users.ff",)),
        NodeDoc("users.ff", "sql", "users", "models/users.ff.sql", "table", ("core",),
                "# Users\n\nRaw users from the **CRM**, one row per user.",
                (ColumnDoc("id", "INTEGER", False, "Primary key.", traced("id", "seed_users.id")),
                 ColumnDoc("email", "VARCHAR", True, "Lower-cased *email*.",
                           traced("email", "seed_users.email", transformed=True))),
                ("seed_users",), ("users_enriched",),
                "select id, lower(email) as email from seed_users", 1),
        NodeDoc("users_enriched", "python", "users_enriched", "models/users_enriched.ff.py",
                "table", (), "Adds a gmail flag.",
                (ColumnDoc("id", None, None, None, traced("id", "users.id")),
                 ColumnDoc("is_gmail", None, None, None,
                           traced("is_gmail", "users.email", transformed=True)),
                 ColumnDoc("score", None, None, None, unknown("score")),
                 ColumnDoc("note", None, None, "Not traced.", None)),
                ("users.ff",), ("mart_users.ff",), None, 2),
        NodeDoc("mart_users.ff", "sql", "mart_users", "models/mart_users.ff.sql", "view", (),
                None,
                (ColumnDoc("id", None, None, None, traced("id", "analytics.users_enriched.id")),
                 ColumnDoc("one", None, None, None, ColumnLineage("one", ())),
                 ColumnDoc("ext", None, None, None, traced("ext", "raw.crm.contacts.ext"))),
                ("users_enriched",), (), "select id, 1 as one from users_enriched", 3),
    ))


def dag_of(catalog: Catalog) -> list[DagNode]:
    return [DagNode(n.name, n.kind, n.level, n.relation, n.path, n.depends_on, n.materialized,
                    n.tags, n.sql) for n in catalog.nodes]


def site(catalog: Catalog, **options: object) -> dict[str, str]:
    nodes = dag_of(catalog)
    return render_site(catalog, nodes, mermaid_text=mermaid(nodes), **options)  # type: ignore[arg-type]


class _Page(HTMLParser):
    """Every element's tag and attributes, and the text of each <script> and element id."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._script: dict[str, str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        if tag == "script":
            self._script = attributes
            self.scripts.append((attributes, ""))

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attributes, text = self.scripts[-1]
            self.scripts[-1] = (attributes, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def hrefs(self) -> list[str]:
        return [a["href"] for tag, a in self.elements if "href" in a]

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.elements if "id" in a}


def resolve(page: str, href: str) -> tuple[str, str]:
    """(file, fragment) an href of ``page`` points at, relative to the site's root."""
    target, _, fragment = href.partition("#")
    if not target:
        return page, fragment
    parts = page.split("/")[:-1]
    for part in target.split("/"):
        if part == "..":
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts), fragment


# --- the index ------------------------------------------------------------------------------

def test_the_index_links_every_node_to_its_page_twice_in_the_graph_and_the_table() -> None:
    files = site(shop())
    index = _Page(files["index.html"])
    hrefs = index.hrefs()
    for node in shop().nodes:
        page = page_paths([n.name for n in shop().nodes])[node.name]
        assert page in files
        assert hrefs.count(page) == 2, node.name
    assert all(resolve("index.html", h)[0] in files for h in hrefs if not h.startswith("#"))
    assert files["index.html"].count("<rect ") == 4
    edges = re.search(r'<g id="edges">(.*?)</g>', files["index.html"], re.DOTALL)
    assert edges is not None and edges.group(1).count("<path ") == 3


def test_the_table_shows_kind_materialization_tags_relation_and_the_first_line() -> None:
    text = site(shop())["index.html"]
    row = re.search(r"<tr data-i=\"1\".*?</tr>", text, re.DOTALL)
    assert row is not None
    cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
             for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(), re.DOTALL)]
    assert [" ".join(c.split()) for c in cells] == [
        "users.ff", "SQL table", "core", "users",
        "Users"]  # the heading is the description's first line


def test_the_mermaid_text_is_embedded_escaped_with_a_copy_button() -> None:
    catalog = shop()
    text = 'flowchart LR\n  a["<b>x</b> & \'y\'"] --> b\n'
    index = render_site(catalog, dag_of(catalog), mermaid_text=text)["index.html"]
    found = re.search(r'<pre id="mermaid-text">(.*?)</pre>', index, re.DOTALL)
    assert found is not None
    assert "<b>" not in found.group(1)
    assert html.unescape(found.group(1)) == text
    assert 'data-copy="mermaid-text"' in index


def test_run_facts_and_checks_are_shown_when_given() -> None:
    runs = {"users.ff": RunFacts("success", 0.3127, 1200),
            "users_enriched": RunFacts("error", 61.0, None, "Binder Error: no column x"),
            "mart_users.ff": RunFacts("skipped")}
    covered = {"users.ff": [
        Covered("check", "not_null(users.id)", "project.yml:3", "passed", None),
        Covered("unit", "lowercases", "tests/unit/users.yml:4", "failed",
                "expected 2 rows, got 3"),
        Covered("unit", "new_case", "tests/unit/users.yml:9")]}
    hooks = {"users.ff": [HookDoc("after_model", "sql:grant", "project.yml:12",
                                  "engines: postgres")]}
    files = site(shop(), runs=runs, covered=covered, hooks=hooks,
                 run_hooks=[HookDoc("on_run_start", "python:banner", "project.yml:8")],
                 engine="duckdb", run_note="env dev · duckdb · 2026-12-05 21:26 UTC")
    index = files["index.html"]
    assert "Last run · env dev · duckdb · 2026-12-05 21:26 UTC" in index
    assert "dependencies · duckdb</p>" in index
    for shown in ("success", "0.31 s", "1,200", "error", "1 min 01 s", "skipped", "1 failing"):
        assert shown in index
    assert 'class="n s-python st-err"' in index  # the failed node is marked in the graph
    assert "<td>at the start of a run</td><td class=\"name\">python:banner</td>" in index
    users = files["nodes/users.ff.html"]
    assert "not_null(users.id)" in users and "expected 2 rows, got 3" in users
    assert 'class="status st-err">failed' in users
    assert ('<td class="name">new_case</td><td><span class="pill">unit case</span></td>'
            '<td><span class="status st-none">not run</span></td>') in users
    assert "<code>tests/unit/users.yml:4</code>" in users
    assert ('<td>after the build</td><td class="name">sql:grant</td>'
            '<td class="muted">engines: postgres</td><td><code>project.yml:12</code></td>'
            ) in users
    enriched = files["nodes/users_enriched.html"]
    assert "Binder Error: no column x" in enriched and "1 min 01 s" in enriched
    assert "No check or unit test covers this model" in enriched


def test_without_runs_nothing_is_said_of_them() -> None:
    files = site(shop())
    assert "Last run" not in files["index.html"] and "Duration" not in files["index.html"]
    assert "Run hooks" not in files["index.html"]
    users = files["nodes/users.ff.html"]
    assert "Last run" not in users and "Hooks" not in users
    assert "No check or unit test covers this model" in users


# --- a node's page -------------------------------------------------------------------------

def test_a_model_page_shows_its_description_code_and_neighbours() -> None:
    files = site(shop(), sources={"users_enriched": "def build(users):\n    return users\n"},
                 extra_sections={"users.ff": [("Owner", "data <team>")]})
    users = files["nodes/users.ff.html"]
    assert "<h1>Users</h1>" in users and "<strong>CRM</strong>" in users
    assert "<code>models/<wbr>users.ff.sql</code>" in users  # breaks after the slash
    assert 'data-lang="sql">select id, lower(email) as email from seed_users</code>' in users
    assert '<a href="seed_users.html">seed_users</a>' in users  # upstream
    assert '<a href="users_enriched.html">users_enriched</a>' in users  # downstream
    assert "Owner" in users and "data &lt;team&gt;" in users
    enriched = files["nodes/users_enriched.html"]
    assert 'data-lang="python">def build(users):' in enriched
    assert "Python source" in enriched
    mart = files["nodes/mart_users.ff.html"]
    assert "No description yet" in mart


def test_a_python_model_without_its_source_points_to_its_file() -> None:
    page = site(shop())["nodes/users_enriched.html"]
    assert 'data-lang="' not in page and "models/users_enriched.ff.py" in page


def test_lineage_links_land_on_the_parents_column_row() -> None:
    files = site(shop())
    users = "nodes/users.ff.html"
    for page in (users, "nodes/users_enriched.html", "nodes/mart_users.ff.html"):
        for href in _Page(files[page]).hrefs():
            target, fragment = resolve(page, href)
            if target.startswith("nodes/"):
                assert target in files, href
                if fragment:
                    assert fragment in _Page(files[target]).ids(), href
    text = files[users]
    assert '<a href="seed_users.html#col-email">seed_users.email</a>' in text
    assert 'id="col-email"' in files["nodes/seed_users.html"]
    # A schema-qualified source resolves to its node; one outside the project stays text.
    mart = files["nodes/mart_users.ff.html"]
    assert '<a href="users_enriched.html#col-id">users_enriched.id</a>' in mart
    assert '<span class="ext">raw.crm.contacts.ext</span>' in mart
    # The parent's page says which columns read each of its columns.
    assert '<a href="users_enriched.html#col-is_gmail">users_enriched.is_gmail</a>' in text


def _lineage_cell(page: str, column: str) -> str:
    row = re.search(rf'<tr id="col-{column}">.*?</tr>', page, re.DOTALL)
    assert row is not None, column
    cells = re.findall(r'<td class="lineage">(.*?)</td>', row.group(), re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cells[0])).strip()


def test_unknown_constant_transformed_and_seed_columns_are_told_apart() -> None:
    files = site(shop())
    enriched = files["nodes/users_enriched.html"]
    assert _lineage_cell(enriched, "score") == "unknown"
    assert _lineage_cell(enriched, "note") == "unknown"  # a model's column nobody traced
    assert _lineage_cell(enriched, "is_gmail") == "users.ff.email transformed"
    assert _lineage_cell(enriched, "id") == "users.ff.id"
    assert _lineage_cell(files["nodes/mart_users.ff.html"], "one") == "constant"
    assert _lineage_cell(files["nodes/seed_users.html"], "id") == "source data"


# --- untrusted text ----------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))"


def hostile() -> Catalog:
    evil = '<img src=x onerror="alert(1)">'
    return Catalog(f"<script>alert('p')</script>{evil}", (
        NodeDoc("seed_users", "seed", "seed_users", "seeds/seed_users.csv", "seed", (),
                HOSTILE, (ColumnDoc(evil, "VARCHAR", None, HOSTILE),), (), (evil,)),
        NodeDoc(evil, "sql", "javascript:alert(1)", f"models/{evil}.sql", evil, (evil,),
                HOSTILE + "\n\n<a href='javascript:alert(1)' onclick=alert(1)>a</a>"
                "\n\n[y](JaVaScRiPt:alert(1)) [z](data:text/html,<script>alert(1)</script>)"
                " <javascript:alert(1)> ![i](http://evil.example/pixel.png)",
                (ColumnDoc("email", evil, None, HOSTILE, traced("email", f"{evil}.{evil}")),),
                ("seed_users",), (), f"select '</code></pre>{HOSTILE}' as x", 1),
    ), (HOSTILE,))


def test_hostile_project_text_never_becomes_markup() -> None:
    catalog = hostile()
    nodes = dag_of(catalog)
    evil = catalog.nodes[1].name
    files = render_site(
        catalog, nodes, mermaid_text=f"flowchart LR\n  a[\"{HOSTILE}\"]",
        sources={evil: HOSTILE}, runs={evil: RunFacts(HOSTILE, 1.0, 2, HOSTILE)},
        covered={evil: [Covered(HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE)]},
        hooks={evil: [HookDoc(HOSTILE, HOSTILE, HOSTILE, HOSTILE)]},
        run_hooks=[HookDoc(HOSTILE, HOSTILE, HOSTILE, HOSTILE)], generated_at=HOSTILE,
        extra_sections={evil: [(HOSTILE, HOSTILE)]})
    benign = site(shop())
    own_scripts = {p: benign[p].count("<script") for p in ("index.html",
                                                           "nodes/users.ff.html")}
    for path, text in files.items():
        lower = text.lower()
        assert "javascript:" not in lower, path
        assert "onerror=" not in lower and "onclick=" not in lower, path
        assert "<img" not in lower, path
        expected = own_scripts["index.html" if path == "index.html" else
                               "nodes/users.ff.html"]
        assert text.count("<script") == expected, path
        page = _Page(text)
        for tag, attributes in page.elements:
            assert not any(name.startswith("on") for name in attributes), (path, tag)
            for name in ("href", "src"):
                if name in attributes:
                    assert link_allowed(attributes[name]), (path, attributes[name])
        assert not any(tag in ("img", "iframe", "object", "embed") for tag, _ in page.elements)
    shown = files[page_paths([evil])[evil]]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown  # shown, as text
    # ... and reads as written: the references of defanged text are not escaped again.
    assert all("&amp;#" not in text for text in files.values())
    relation = re.search(r'<code id="relation">(.*?)</code>', shown)
    assert relation is not None and html.unescape(relation.group(1)) == "javascript:alert(1)"
    sql = re.search(r'<code id="code" data-lang="sql">(.*?)</code>', shown, re.DOTALL)
    assert sql is not None and html.unescape(sql.group(1)) == catalog.nodes[1].sql


def test_every_inline_script_is_ours_and_allowed_by_the_page_policy() -> None:
    for path, text in site(shop(), runs={"users.ff": RunFacts("success")}).items():
        page = _Page(text)
        policy = next(a["content"] for tag, a in page.elements
                      if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy")
        assert "default-src 'none'" in policy
        for attributes, body in page.scripts:
            if attributes.get("type") == "application/json":
                continue
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in policy, path


def test_every_page_follows_the_systems_dark_mode_and_has_a_toggle() -> None:
    for path, text in site(shop()).items():
        assert "@media (prefers-color-scheme: dark)" in text, path
        assert ':root[data-theme="dark"]' in text and 'id="theme"' in text, path


def test_the_sites_own_templates_and_scripts_need_no_defanging() -> None:
    """Untrusted text is defanged, never our code: it must never look like a handler."""
    for template in TEMPLATES.iterdir():
        text = template.read_text(encoding="utf-8")
        assert defang(text) == text, template.name


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://example.com/a", True), ("http://x", True), ("mailto:a@b.c", True),
    ("../users.html#col-id", True), ("#top", True), ("docs/a.md", True),
    ("javascript:alert(1)", False), (" JAVASCRIPT:alert(1)", False), ("data:text/html,x", False),
    ("file:///etc/passwd", False), ("vbscript:x", False),
])
def test_markdown_links_may_only_go_to_the_web_mail_or_a_relative_address(
        url: str, allowed: bool) -> None:
    assert link_allowed(url) is allowed
    rendered = render_markdown(f"[x]({url})").html
    assert ("<a href" in rendered) is allowed


# --- file names ------------------------------------------------------------------------------

ODD_NAMES = ["users.ff", "Users.ff", "a/b", "a_b", "a b", "..", ".hidden", "CON", "con.ff",
             "../../etc/passwd", "模型", "x" * 300, "-rf", "nul", "a\\b", "a:b", "a?b"]


def test_page_names_are_safe_unique_and_stable_for_odd_node_names() -> None:
    paths = page_paths(ODD_NAMES)
    assert paths["users.ff"] != paths["Users.ff"]
    assert paths == page_paths(reversed(ODD_NAMES))
    files = [p.removeprefix("nodes/") for p in paths.values()]
    assert len({f.lower() for f in files}) == len(ODD_NAMES)
    for name, path in paths.items():
        file = path.removeprefix("nodes/")
        assert path.startswith("nodes/") and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*\.html",
                                                            file), (name, path)
        assert len(file) < 100
        assert file.split(".")[0].lower() not in {"con", "nul", "prn", "aux"}
    assert page_paths(["users.ff", "a/b"]) == {"users.ff": "nodes/users.ff.html",
                                               "a/b": "nodes/a_b.html"}


def test_a_site_of_odd_names_links_each_page() -> None:
    nodes = tuple(NodeDoc(name, "sql", f"r{i}", f"models/{i}.sql", "table", (), None, (),
                          (ODD_NAMES[i - 1],) if i else (), (), "select 1", 1 if i else 0)
                  for i, name in enumerate(ODD_NAMES))
    files = site(Catalog("odd", nodes))
    assert len(files) == len(ODD_NAMES) + 1
    hrefs = _Page(files["index.html"]).hrefs()
    for name, path in page_paths(ODD_NAMES).items():
        assert path in hrefs and path in files, name


# --- the layout and size --------------------------------------------------------------------

def synthetic(count: int, seed: int = 7) -> Catalog:
    """``count`` nodes (a tenth seeds), each reading up to 3 earlier ones, 8 columns each."""
    rnd = random.Random(seed)
    names: list[str] = []
    level: dict[str, int] = {}
    parents: dict[str, tuple[str, ...]] = {}
    for i in range(count):
        name = f"seed_{i:04d}" if i < count // 10 else f"stg_customer_orders_{i:04d}"
        found = () if i < count // 10 else tuple(sorted(set(rnd.sample(names, rnd.randint(1, 3)))))
        names.append(name)
        parents[name] = found
        level[name] = 1 + max((level[p] for p in found), default=-1)
    children: dict[str, list[str]] = {name: [] for name in names}
    for name, found in parents.items():
        for parent in found:
            children[parent].append(name)
    nodes = []
    for i, name in enumerate(names):
        found = parents[name]
        kind = "seed" if not found else "python" if i % 7 == 0 else "sql"
        columns = tuple(ColumnDoc(f"col_{c}", "VARCHAR", None, f"Column {c} of {name}.",
                                  traced(f"col_{c}", f"{found[c % len(found)]}.col_{c}")
                                  if found else None) for c in range(8))
        sql = ("select " + ", ".join(f"upper(p.col_{c}) as col_{c}" for c in range(8))
               + f" from {found[0]} p") if kind == "sql" else None
        nodes.append(NodeDoc(name, kind, name, f"models/{name}.sql", "table", ("core",),
                             f"**{name}**: a synthetic model.\n\nMore text.", columns, found,
                             tuple(children[name]), sql, level[name]))
    return Catalog("big", tuple(nodes))


def test_1000_models_make_an_index_under_2_mb_in_reasonable_time(
        capsys: pytest.CaptureFixture[str]) -> None:
    catalog = synthetic(1000)
    nodes = sorted(dag_of(catalog), key=lambda n: (n.level, n.name))
    runs = {n.name: RunFacts("success", 0.5, 100) for n in catalog.nodes}
    started = time.perf_counter()
    files = render_site(catalog, nodes, mermaid_text=mermaid(nodes), runs=runs)
    seconds = time.perf_counter() - started
    size = len(files["index.html"].encode())
    with capsys.disabled():
        print(f"\n1,000 models: index.html {size / 1e6:.2f} MB, "
              f"{len(files)} files rendered in {seconds:.2f} s")
    assert size <= 2_000_000
    assert len(files) == 1001
    assert "select upper(p.col_0)" not in files["index.html"]  # no SQL on the index
    assert seconds < 15  # about 1 s; generous for slow CI machines


def test_the_layout_puts_parents_left_and_never_overlaps_boxes() -> None:
    catalog = synthetic(1000)
    nodes = dag_of(catalog)
    graph = layout(nodes)
    boxes = {box.name: box for box in graph.boxes}
    for node in nodes:
        for parent in node.parents:
            assert boxes[parent].x + BOX_W < boxes[node.name].x
    corners = {(box.x, box.y) for box in graph.boxes}
    assert len(corners) == len(nodes)
    xs = sorted({box.x for box in graph.boxes})
    assert all(b - a >= BOX_W for a, b in itertools.pairwise(xs))
    assert graph.height < 2000  # wrapped levels, not a 36,000 px tower
    assert all(box.y >= 0 and box.y + BOX_H <= graph.height for box in graph.boxes)


def test_the_layout_orders_a_level_by_its_parents() -> None:
    """Children are placed in their parents' order, whatever the DAG order."""
    nodes = [DagNode("a", "seed", 0, "a", "", ()), DagNode("b", "seed", 0, "b", "", ()),
             DagNode("child_of_b", "sql", 1, "x", "", ("b",)),
             DagNode("child_of_a", "sql", 1, "y", "", ("a",))]
    boxes = {box.name: box for box in layout(nodes).boxes}
    assert boxes["child_of_a"].y < boxes["child_of_b"].y


# --- small values ---------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "css"), [
    ("success", "ok"), ("ERROR", "err"), ("cached", "cache"), ("skipped", "skip"),
    ("upstream failed: users.ff", "skip"), ("weird", "other"), (None, "none")])
def test_status_colours(status: str | None, css: str) -> None:
    assert status_class(status) == css


def test_durations_read_naturally() -> None:
    assert [format_duration(s) for s in (0.0412, 12.34, 125.0, None)] == [
        "0.04 s", "12.3 s", "2 min 05 s", ""]


def test_the_first_line_is_plain_text_and_short() -> None:
    assert render_markdown("# The *users*\n\nmore").first_line == "The users"
    assert render_markdown("`id` and\nname").first_line == "id and name"
    assert len(render_markdown("word " * 100).first_line) <= 140
    assert render_markdown(None).first_line == ""


# --- a loaded project ------------------------------------------------------------------------

def _names(project_nodes: Iterable[DagNode]) -> list[str]:
    return [node.name for node in project_nodes]


def test_the_example_project_renders_with_working_links(simple_project: Path) -> None:
    project = load_project(simple_project)
    catalog = build_catalog(project, project.dag.order, collect_descriptions(project))
    nodes = dag_nodes(project, project.dag.order)
    files = render_site(catalog, nodes, mermaid_text=mermaid(nodes))
    assert set(page_paths(_names(nodes)).values()) | {"index.html"} == set(files)
    for path, text in files.items():
        for href in _Page(text).hrefs():
            if href.startswith(("http:", "https:", "mailto:")):
                continue
            target, fragment = resolve(path, href)
            assert target in files, (path, href)
            if fragment and target != "index.html":
                assert fragment in _Page(files[target]).ids(), (path, href)

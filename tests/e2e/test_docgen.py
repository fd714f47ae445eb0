"""``fft docgen``: the docs site, the Mermaid graph and the docs manifest of a project, with
descriptions (Markdown over project.yml), the warehouse's column types and column lineage
traced through SQL and pandas models, YAML overrides on top."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DOCS = """
docs:
  models:
    users.ff:
      description: "Users from the CRM (YAML)."
      columns:
        email: "E-mail as typed."
    mart_users.ff:
      description: "One row per user, with flags."
      lineage:
        is_gmail:
          from: [{table: users, column: email}]
          transformed: true
        email: "not a mapping"
"""


def _manifest(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _models(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in document["models"]}


def test_docgen_writes_the_site_and_the_manifest(simple_project: Path, run_fft) -> None:
    (simple_project / "project.yml").write_text(
        (simple_project / "project.yml").read_text() + DOCS)
    (simple_project / "docs" / "models").mkdir(parents=True)
    (simple_project / "docs" / "models" / "users.ff.md").write_text(
        "---\ntitle: ignored\n---\nUsers, **one row each** (Markdown).\n")
    assert run_fft("seed", str(simple_project)).returncode == 0
    assert run_fft("run", str(simple_project)).returncode == 0
    out = simple_project / "site" / "docs"
    result = run_fft("docgen", str(simple_project), "--out", str(out), "--emit-json",
                     str(out / "docs_manifest.json"))
    assert result.returncode == 0, result.output
    assert result.stdout.splitlines() == [
        f"wrote {out / 'docs_manifest.json'}",
        f"wrote {out / 'index.html'}, 7 pages and {out / 'dag.mmd'} (7 nodes)"]
    # The model pages: the Markdown description rendered, lineage linked to the parent.
    users = (out / "nodes" / "users.ff.html").read_text()
    assert "<strong>one row each</strong>" in users and "title: ignored" not in users
    mart = (out / "nodes" / "mart_users.ff.html").read_text()
    assert 'href="users_enriched.html#col-email"' in mart
    # The malformed override is a warning naming its place; the rest of it is used.
    assert "warning project.yml docs.models.mart_users.ff.lineage.email: " in result.stderr
    assert (out / "dag.mmd").read_text().startswith("flowchart LR\n")
    assert "mart_users.ff" in (out / "index.html").read_text()

    document = _manifest(out / "docs_manifest.json")
    assert document["project"] == "simple_duckdb"
    models = _models(document)
    assert list(models) == ["seed_orders", "seed_users", "orders.ff", "users.ff",
                            "users_enriched", "mart_orders_enriched", "mart_users.ff"]
    users = models["users.ff"]
    assert users["description"] == "Users, **one row each** (Markdown)."  # Markdown wins
    assert (users["relation"], users["materialized"], users["kind"]) == ("users", "table", "sql")
    assert users["depends_on"] == ["seed_users"]
    assert users["used_by"] == ["users_enriched"]  # checks are not models
    assert users["columns"] == [
        {"name": "id", "dtype": "BIGINT", "nullable": True, "description": None,
         "lineage": {"from": [{"table": "seed_users", "column": "id"}], "transformed": False}},
        {"name": "email", "dtype": "VARCHAR", "nullable": True,
         "description": "E-mail as typed.",
         "lineage": {"from": [{"table": "seed_users", "column": "email"}],
                     "transformed": False}},
    ]
    # A pandas model: is_gmail comes from email, transformed.
    enriched = {c["name"]: c["lineage"] for c in models["users_enriched"]["columns"]}
    assert enriched["is_gmail"] == {"from": [{"table": "users", "column": "email"}],
                                    "transformed": True}
    # The YAML override replaces what was traced (users_enriched.is_gmail, as it is).
    mart = {c["name"]: c["lineage"] for c in models["mart_users.ff"]["columns"]}
    assert mart["is_gmail"] == {"from": [{"table": "users", "column": "email"}],
                                "transformed": True}
    assert mart["email"] == {"from": [{"table": "users_enriched", "column": "email"}],
                             "transformed": False}
    assert models["seed_users"]["materialized"] == "seed"


def test_docgen_without_schema_opens_no_database(simple_project: Path, run_fft) -> None:
    out = simple_project / "site"
    result = run_fft("docgen", str(simple_project), "--no-schema", "--out", str(out),
                     "--emit-json", str(out / "m.json"), "--select", "mart_users")
    assert result.returncode == 0, result.output
    assert not (simple_project / ".local").exists()
    models = _models(_manifest(out / "m.json"))
    assert list(models) == ["seed_users", "users.ff", "users_enriched", "mart_users.ff"]
    # No types without the warehouse; the columns are those the lineage found.
    assert [(c["name"], c["dtype"]) for c in models["mart_users.ff"]["columns"]] == [
        ("id", None), ("email", None), ("is_gmail", None)]
    assert models["mart_users.ff"]["used_by"] == []


def test_docs_list_each_macro_with_its_path(simple_project: Path, run_fft) -> None:
    """Config_and_Macros.md: "the generated docs list each macro with its path"."""
    (simple_project / "models" / "macros").mkdir()
    (simple_project / "models" / "macros" / "strings.sql").write_text(
        "{# string helpers #}\n{% macro safe_lower(col) %}lower({{ col }}){% endmacro %}\n"
        "{%- macro _private() %}x{% endmacro %}\n")
    (simple_project / "models" / "macros_py").mkdir()
    (simple_project / "models" / "macros_py" / "helpers.py").write_text(
        "import os\n\n\ndef email_domain(column, sep='@'):\n"
        "    return f\"split_part({column}, '{sep}', 2)\"\n")
    out = simple_project / "site"
    result = run_fft("docgen", str(simple_project), "--no-schema", "--out", str(out),
                     "--emit-json", str(out / "m.json"))
    assert result.returncode == 0, result.output
    assert _manifest(out / "m.json")["macros"] == [
        {"name": "email_domain", "kind": "python", "path": "models/macros_py/helpers.py",
         "line": 4, "arguments": ["column", "sep"]},
        {"name": "safe_lower", "kind": "sql", "path": "models/macros/strings.sql",
         "line": 2, "arguments": ["col"]}]
    index = (out / "index.html").read_text()
    assert "<h2>Macros <small>2</small></h2>" in index
    assert "<code>safe_lower(col)</code>" in index
    assert "<code>models/macros/strings.sql:2</code>" in index
    assert "<code>email_domain(column, sep)</code>" in index


def test_open_source_without_a_browser_is_harmless(simple_project: Path, run_fft) -> None:
    result = run_fft("docgen", str(simple_project), "--no-schema", "--open-source",
                     env={"BROWSER": "false", "DISPLAY": ""})
    assert result.returncode == 0, result.output
    assert (simple_project / "site" / "docs" / "index.html").exists()  # docgen's default
    assert not (simple_project / "docs" / "index.html").exists()


def test_a_second_docgen_reuses_what_is_unchanged_and_never_what_changed(
        simple_project: Path, run_fft) -> None:
    assert run_fft("seed", str(simple_project)).returncode == 0
    assert run_fft("run", str(simple_project)).returncode == 0
    out = simple_project / "site"
    docgen = ["docgen", str(simple_project), "--out", str(out), "--emit-json",
              str(out / "m.json")]
    assert run_fft(*docgen).returncode == 0
    cached = simple_project / ".pytest_cache" / "d" / "fft-docs" / "sql-lineage.json"
    assert cached.is_file()
    assert (simple_project / ".pytest_cache" / ".gitignore").read_text().endswith("*\n")
    first = _models(_manifest(out / "m.json"))

    # Unchanged: the same manifest (from the caches).
    assert run_fft(*docgen).returncode == 0
    again = _models(_manifest(out / "m.json"))
    assert again == first

    # A model's SQL changed: its lineage is traced again, the others' kept.
    mart = simple_project / "models" / "mart_users.ff.sql"
    mart.write_text(mart.read_text().replace("select id, email, is_gmail",
                                             "select id, upper(email) as email, is_gmail"))
    assert run_fft(*docgen).returncode == 0
    changed = _models(_manifest(out / "m.json"))
    email = {c["name"]: c["lineage"] for c in changed["mart_users.ff"]["columns"]}["email"]
    assert email == {"from": [{"table": "users_enriched", "column": "email"}],
                     "transformed": True}
    assert changed["users.ff"] == first["users.ff"]

    # A damaged cache is ignored, and the answer is the same.
    cached.write_bytes(b"\x00not json")
    assert run_fft(*docgen).returncode == 0
    assert _models(_manifest(out / "m.json")) == changed


def test_the_commands_cache_folder_is_made_as_pytest_makes_it(tmp_path: Path) -> None:
    from pytest_fft.cli.dag import cache_folder

    base = tmp_path / ".pytest_cache"
    assert cache_folder(tmp_path, "fft-docs") == base / "d" / "fft-docs"
    assert (base / ".gitignore").read_text().endswith("\n*\n")  # never committed
    assert (base / "CACHEDIR.TAG").read_bytes().startswith(
        b"Signature: 8a477f597d28d172789f06886806bc55")  # skipped by backup tools
    assert [p.name for p in tmp_path.iterdir()] == [".pytest_cache"]  # no leftovers
    assert cache_folder(tmp_path, "fft-parse") == base / "d" / "fft-parse"  # kept as it is
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    assert cache_folder(not_a_folder, "fft-docs") is None  # no cache, no error

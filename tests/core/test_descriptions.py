"""project/descriptions.py: descriptions from project.yml's docs: block and Markdown files."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from pytest_fft import load_project
from pytest_fft.errors import ProjectFileError
from pytest_fft.project.descriptions import Description, Descriptions, collect_descriptions

MODELS = {
    "models/users.ff.sql": "select 1 as id, 'a' as email\n",
    "models/orders.ff.sql": "select 1 as order_id\n",
    "seeds/seed_countries.csv": "code\nDE\n",
}

Build = Callable[[Mapping[str, str]], Path]


def collect(project_dir: Build, files: Mapping[str, str]) -> Descriptions:
    return collect_descriptions(load_project(project_dir({**MODELS, **files})))


def texts(found: Descriptions) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    return ({r: d.text for r, d in found.relations.items()},
            {k: d.text for k, d in found.columns.items()})


def test_both_yaml_forms_of_models_and_columns(project_dir: Build) -> None:
    found = collect(project_dir, {"project.yml": """\
        name: p
        docs:
          dag_dir: site/dag
          models:
            users.ff:
              description: "Raw users."
              columns:
                id: Primary key.
                email: {description: "Lower case."}
              lineage: {email: {from: [{table: x, column: y}]}}
            orders: One row per order.
            seed_countries: {columns: {code: ISO code}}
        """})
    assert texts(found) == (
        {"users": "Raw users.", "orders": "One row per order."},
        {("users", "id"): "Primary key.", ("users", "email"): "Lower case.",
         ("seed_countries", "code"): "ISO code"},
    )
    assert found.relations["users"] == Description("Raw users.", "project.yml:5")
    assert found.columns[("users", "email")].origin == "project.yml:9"
    assert found.described() == ["orders", "seed_countries", "users"]
    assert bool(found)


def test_markdown_wins_over_yaml_and_front_matter_is_dropped(project_dir: Build) -> None:
    found = collect(project_dir, {
        "project.yml": """\
            docs:
              models:
                users.ff:
                  description: from yaml
                  columns: {id: yaml id, email: yaml email}
                orders.ff: yaml orders
            """,
        "docs/models/users.ff.md": "---\ntitle: Users\ntags: [a]\n---\n\n# Users\n\nFrom *Markdown*.\n",
        "docs/columns/users/id.md": "The id, from Markdown.\n",
        "docs/columns/orders/order_id.md": "Order number.",
        "docs/models/notes.txt": "not a page",
    })
    relations, columns = texts(found)
    assert relations == {"users": "# Users\n\nFrom *Markdown*.", "orders": "yaml orders"}
    assert columns == {("users", "id"): "The id, from Markdown.", ("users", "email"): "yaml email",
                       ("orders", "order_id"): "Order number."}
    assert found.relations["users"].origin == "docs/models/users.ff.md"
    assert found.columns[("users", "id")].origin == "docs/columns/users/id.md"


def test_a_page_may_name_the_relation_and_empty_texts_describe_nothing(project_dir: Build) -> None:
    found = collect(project_dir, {
        "project.yml": "docs: {models: {orders.ff: {description: '  ', columns: {order_id: ~}}}}\n",
        "docs/models/users.md": "Users.\n",
        "docs/columns/users/email.md": "---\ntitle: only front matter\n---\n",
    })
    assert texts(found) == ({"users": "Users."}, {})


def test_no_docs_at_all_is_empty(project_dir: Build) -> None:
    found = collect(project_dir, {"project.yml": "name: p\ndocs: {dag_dir: site}\n"})
    assert not found
    assert found.described() == []


@pytest.mark.parametrize(("yaml_text", "message", "line", "hint"), [
    ("docs:\n  models:\n    users.ff: ok\n    userz: nope\n",
     "project.yml: docs.models names 'userz', which is no model or seed of this project", 4,
     "did you mean 'users.ff'?"),
    ("docs:\n  models:\n    users.ff:\n      description: 42\n",
     "project.yml: docs.models.users.ff.description must be text, not a number", 4,
     'quote it: description: "42"'),
    ("docs:\n  models:\n    users.ff:\n      columns:\n        id: [a, b]\n",
     "project.yml: docs.models.users.ff.columns.id must be text, not a list", 5,
     "write the description as text"),
    ("docs:\n  models:\n    users.ff:\n      columns:\n        id: {description: true}\n",
     "project.yml: docs.models.users.ff.columns.id.description must be text, not true/false", 5,
     'quote it: description: "true"'),
    ("docs:\n  models:\n    users.ff:\n      columns: [id, email]\n",
     ("project.yml: docs.models.users.ff.columns must be a mapping of column names to "
      "descriptions"), 4, "columns: {id: Primary key., email: {description: Lower case.}}"),
    ("docs:\n  models: [users]\n",
     "project.yml: 'docs.models' must be a mapping of model names to descriptions", 2, None),
    ("name: p\ndocs: models\n", "project.yml: 'docs' must be a mapping", 2, None),
    ("docs:\n  models:\n    users.ff: a\n    users: b\n",
     "project.yml: docs.models.users describes users a second time (as 'users.ff' on line 3)",
     4, "keep one entry per model"),
])
def test_bad_yaml_names_the_file_line_and_fix(project_dir: Build, yaml_text: str, message: str,
                                              line: int, hint: str | None) -> None:
    with pytest.raises(ProjectFileError) as caught:
        collect(project_dir, {"project.yml": yaml_text})
    err = caught.value
    assert (err.message, err.file, err.line) == (message, "project.yml", line)
    if hint is not None:
        assert err.hint == hint


@pytest.mark.parametrize(("files", "message", "file"), [
    ({"docs/models/custmers.md": "x"},
     "docs/models/custmers.md describes 'custmers', which is no model or seed of this project",
     "docs/models/custmers.md"),
    ({"docs/columns/nosuch/id.md": "x"},
     ("docs/columns/nosuch/ holds column descriptions of 'nosuch', which is no model or "
      "seed of this project"), "docs/columns/nosuch/"),
    ({"docs/models/users.md": "a", "docs/models/users.ff.md": "b"},
     "docs/models/users.md and docs/models/users.ff.md both describe users",
     "docs/models/users.md"),
])
def test_bad_pages_name_the_file(project_dir: Build, files: Mapping[str, str], message: str,
                                 file: str) -> None:
    with pytest.raises(ProjectFileError) as caught:
        collect(project_dir, files)
    assert (caught.value.message, caught.value.file) == (message, file)
    assert caught.value.hint

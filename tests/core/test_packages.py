"""Packages without git or a database: packages.yml, manifests, versions, and how a path
package's models and macros join the project (FastFlowTransform 0.6's Packages page)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from pytest_fft.errors import DuplicateNodeError, ProjectError, ProjectFileError
from pytest_fft.project.loader import load_project
from pytest_fft.project.packages import (
    constraint_clauses,
    installed_packages,
    read_packages,
    satisfies,
)
from pytest_fft.project.parse_cache import inputs_digest

Write = Callable[[Mapping[str, str]], Path]


def _write(root: Path, files: Mapping[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


SHARED = {
    "project.yml": "name: shared\nversion: '0.1.0'\n",
    "models/macros/utils.sql": """
        {%- macro email_domain(expr) -%}
          lower(regexp_replace({{ expr }}, '^.*@', ''))
        {%- endmacro -%}
        """,
    "models/staging/users_base.ff.sql": """
        select id, {{ email_domain('email') }} as domain from {{ source('crm', 'users') }}
        """,
}
MAIN = {
    "project.yml": "name: main\n",
    "sources.yml": "crm:\n  users:\n    identifier: seed_users\n",
    "seeds/seed_users.csv": "id,email\n1,a@x.org\n",
    "packages.yml": "packages:\n  - name: shared\n    path: ../shared\n",
    "models/marts/mart.ff.sql": "select domain, count(*) as n from {{ ref('users_base') }} "
                                "group by domain\n",
}


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """A project ``main`` that uses the path package ``shared`` beside it."""
    return _write(tmp_path / "main", MAIN), _write(tmp_path / "shared", SHARED)


@pytest.mark.parametrize(("version", "constraint", "ok"), [
    ("1.2.3", "1.2.3", True),
    ("1.2.4", "1.2.3", False),
    ("1.5.0", ">=1.2.0,<2.0.0", True),
    ("2.0.0", ">=1.2.0,<2.0.0", False),
    ("1.5.0", ">1.0.0 <=2.0.0", True),
    ("1.9.9", "^1.2.3", True),
    ("2.0.0", "^1.2.3", False),
    ("0.3.9", "^0.3.0", True),
    ("0.4.0", "^0.3.0", False),
    ("0.0.4", "^0.0.4", True),
    ("0.0.5", "^0.0.4", False),
    ("1.2.9", "~1.2.3", True),
    ("1.3.0", "~1.2.3", False),
    ("0.1", ">=0.1.0,<0.2.0", True),  # a short version is read with zeros: 0.1.0
])
def test_version_constraints_as_documented(version: str, constraint: str, ok: bool) -> None:
    assert satisfies(version, constraint) is ok


def test_a_caret_is_its_two_bounds() -> None:
    assert constraint_clauses("^1.2.3") == [(">=", (1, 2, 3)), ("<", (2, 0, 0))]
    assert constraint_clauses("latest") is None


def test_the_list_and_the_shorthand_form_mean_the_same(tmp_path: Path) -> None:
    _write(tmp_path, {"packages.yml": """
        packages:
          - name: shared
            path: ../shared
          - name: git_pkg
            git: https://example.com/x.git
            subdir: pkgs/x
            ref: main
            tag: v1.0.0
            version: ^1.0.0
        """})
    shared, git_pkg = read_packages(tmp_path)
    assert (shared.name, shared.kind, shared.path, shared.line) == ("shared", "path",
                                                                    "../shared", 2)
    assert (git_pkg.kind, git_pkg.subdir, git_pkg.selector, git_pkg.version) == (
        "git", "pkgs/x", {"tag": "v1.0.0"}, "^1.0.0")  # tag is more precise than ref
    _write(tmp_path, {"packages.yml": """
        shared: ../shared
        other:
          path: ../other
          models_dir: dbt_models
        """})
    shared, other = read_packages(tmp_path)
    assert (shared.name, shared.path) == ("shared", "../shared")
    assert (other.name, other.path, other.models_dir, other.line) == ("other", "../other",
                                                                      "dbt_models", 2)


@pytest.mark.parametrize(("text", "message", "line"), [
    ("packages:\n  - name: a\n", "package 'a' must set exactly one of path and git", 2),
    ("packages:\n  - name: a\n    path: x\n    git: y\n",
     "package 'a' must set exactly one of path and git", 2),
    ("packages:\n  - name: a\n    path: x\n    verison: 1.0.0\n",
     "unknown key 'verison' in package 'a'; did you mean 'version'?", 4),
    ("packages:\n  - path: x\n", "a package has no name", 2),
    ("packages:\n  - name: a\n    path: x\n    branch: main\n",
     "branch of package 'a' is for git packages; this one has a path", 4),
    ("packages:\n  - name: a\n    path: x\n  - name: a\n    path: y\n",
     "package 'a' is declared twice (lines 2 and 4)", 4),
])
def test_a_wrong_entry_names_file_line_and_fix(tmp_path: Path, text: str, message: str,
                                               line: int) -> None:
    (tmp_path / "packages.yml").write_text(text)
    with pytest.raises(ProjectFileError) as info:
        read_packages(tmp_path)
    assert info.value.message == f"packages.yml: {message}"
    assert (info.value.file, info.value.line) == ("packages.yml", line)
    assert info.value.hint


def test_a_path_package_joins_the_project(pair: tuple[Path, Path]) -> None:
    main, shared = pair
    project = load_project(main)
    base = project.models["users_base.ff"]
    assert base.rel_path == "packages/shared/models/staging/users_base.ff.sql"
    assert base.path == shared / "models/staging/users_base.ff.sql"
    assert base.package == "shared" and project.models["mart.ff"].package is None
    assert "lower(regexp_replace(email, '^.*@', ''))" in (base.sql or "")  # its macro
    assert base.deps == ("seed_users",)  # the project's source and seed
    assert project.models["mart.ff"].deps == ("users_base.ff",)
    assert [p.name for p in project.packages] == ["shared"]
    assert project.warnings == ()


def test_a_consumer_model_imports_a_package_macro_file(pair: tuple[Path, Path]) -> None:
    """Packages.md: ``{% import 'macros/utils.sql' as shared %}`` and ``shared.<macro>()``."""
    main, _ = pair
    _write(main, {"models/marts/domains.ff.sql": """
        {% import 'macros/utils.sql' as shared %}
        select {{ shared.email_domain('email') }} as d from {{ ref('users_base') }}
        """})
    project = load_project(main)
    assert "select lower(regexp_replace(email, '^.*@', '')) as d from" in (
        project.models["domains.ff"].sql or "")


def test_a_package_brings_no_seeds_sources_or_checks(pair: tuple[Path, Path]) -> None:
    main, shared = pair
    _write(shared, {"seeds/pkg_seed.csv": "id\n1\n",
                    "sources.yml": "crm:\n  users:\n    identifier: other\n",
                    "project.yml": "name: shared\nversion: '0.1.0'\ntests:\n"
                                   "  - {type: not_null, table: users_base, column: id}\n"})
    project = load_project(main)
    assert sorted(project.seeds) == ["seed_users"]
    assert project.sources[("crm", "users")].identifier == "seed_users"
    assert project.checks == {}


def test_a_model_name_in_project_and_package_is_a_duplicate(pair: tuple[Path, Path]) -> None:
    main, _ = pair
    _write(main, {"models/users_base.ff.sql": "select 1 as id\n"})
    with pytest.raises(DuplicateNodeError) as info:
        load_project(main)
    assert info.value.message == (
        "Duplicate node name 'users_base.ff': defined in models/users_base.ff.sql and "
        "packages/shared/models/staging/users_base.ff.sql")
    assert info.value.file == "packages/shared/models/staging/users_base.ff.sql"
    assert "rename all but one" in (info.value.hint or "")


def test_a_package_macro_replaces_the_project_one_with_a_warning(
        pair: tuple[Path, Path]) -> None:
    main, _ = pair
    _write(main, {"macros/mine.sql": "{% macro email_domain(expr) %}'mine'{% endmacro %}\n",
                  "models/own.ff.sql": "select {{ email_domain('x') }} as d\n"})
    project = load_project(main)
    # FastFlowTransform loads the project, then its packages: the last macro loaded wins.
    assert "regexp_replace(x" in (project.models["own.ff"].sql or "")
    assert project.warnings == ((
        "packages/shared/models/macros/utils.sql: macro 'email_domain' replaces the one of "
        "macros/mine.sql (macros share one namespace; the last one loaded wins: the "
        "project's, then each package's in packages.yml order)"),)


@pytest.mark.parametrize(("packages_yml", "manifest", "message"), [
    ("packages:\n  - name: shared\n    path: ../nowhere\n", None,
     "package 'shared': its path '../nowhere' is not a folder"),
    ("packages:\n  - name: sharde\n    path: ../shared\n", None,
     ("packages.yml names the package 'sharde', but its project.yml "
      "(packages/sharde/project.yml) says name: 'shared'")),
    ("packages:\n  - name: shared\n    path: ../shared\n    version: '>=0.2.0'\n", None,
     ("package 'shared' has version 0.1.0, which does not satisfy version '>=0.2.0' in "
      "packages.yml")),
    ("packages:\n  - name: shared\n    path: ../shared\n",
     "name: shared\nversion: 0.1.0\nfft_version: '>=0.7.0'\n",
     ("package 'shared' does not support FastFlowTransform 0.6.11: fft_version '>=0.7.0' "
      "of its project.yml")),
    ("packages:\n  - name: shared\n    path: ../shared\n",
     "name: shared\nversion: 0.1.0\ndependencies: [{name: helpers}]\n",
     ("package 'shared' depends on the package 'helpers', which packages.yml does not "
      "declare")),
    ("packages:\n  - name: shared\n    path: ../shared\n    models_dir: sql\n", None,
     "package 'shared' has no folder sql/ (models_dir in packages.yml)"),
])
def test_a_package_that_does_not_fit_is_one_clear_error(
        pair: tuple[Path, Path], packages_yml: str, manifest: str | None,
        message: str) -> None:
    main, shared = pair
    (main / "packages.yml").write_text(packages_yml)
    if manifest is not None:
        (shared / "project.yml").write_text(manifest)
    with pytest.raises(ProjectError) as info:
        load_project(main)
    assert info.value.message.startswith(message), info.value.message
    assert (info.value.file, info.value.line) == ("packages.yml", 2)


def test_an_optional_dependency_may_be_missing(pair: tuple[Path, Path]) -> None:
    main, shared = pair
    (shared / "project.yml").write_text(
        "name: shared\nversion: 0.1.0\ndependencies:\n  - {name: helpers, optional: true}\n")
    assert [p.name for p in installed_packages(main)] == ["shared"]


def test_a_git_package_not_fetched_says_to_run_fft_deps(pair: tuple[Path, Path]) -> None:
    main, _ = pair
    (main / "packages.yml").write_text(
        "packages:\n  - name: shared\n    git: https://example.com/shared.git\n")
    with pytest.raises(ProjectError) as info:
        load_project(main)
    assert str(info.value) == (
        "package 'shared' (https://example.com/shared.git) is not fetched: "
        "packages.lock.yml has no entry for it\n"
        "  at packages.yml:2\n"
        "  fix: run `fft deps` in the project folder (it fetches the packages and writes "
        "packages.lock.yml)")


def test_the_parse_cache_key_follows_the_package_files(pair: tuple[Path, Path]) -> None:
    main, shared = pair
    before = inputs_digest(main, "duckdb", None)
    assert inputs_digest(main, "duckdb", None) == before
    model = shared / "models/staging/users_base.ff.sql"
    model.write_text(model.read_text() + "-- changed\n")
    after_model = inputs_digest(main, "duckdb", None)
    assert after_model != before
    (shared / "models/macros/utils.sql").write_text("{% macro email_domain(e) %}1{% endmacro %}")
    after_macro = inputs_digest(main, "duckdb", None)
    assert after_macro != after_model
    (main / "packages.yml").write_text("packages:\n  - name: shared\n    path: ../shared\n"
                                       "    version: ^0.1.0\n")
    assert inputs_digest(main, "duckdb", None) != after_macro
    (shared / "README.md").write_text("not read by the loader")  # outside models/
    assert inputs_digest(main, "duckdb", None) == inputs_digest(main, "duckdb", None)

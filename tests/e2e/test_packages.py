"""Packages end to end: ``fft deps`` with a path package and a git package served by a bare
repository in the test's folder (no network), the lock file, and ``fft run`` /
``pytest --fft-run`` building the packages' models."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout.strip()


def write(root: Path, files: Mapping[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def git_package_files(label: str, version: str = "0.1.0") -> dict[str, str]:
    """The git package, under pkgs/git_shared in its repository."""
    return {
        "pkgs/git_shared/project.yml": f"name: git_shared\nversion: '{version}'\n",
        "pkgs/git_shared/models/macros/git_utils.sql":
            "{% macro label() %}'" + label + "'{% endmacro %}\n",
        "pkgs/git_shared/models/staging/users_git.ff.sql": """
            {{ config(materialized='view', tags=['pkg:git_shared']) }}
            select id, {{ label() }} as label from {{ source('crm', 'users') }}
            """,
    }


class Remote:
    """A bare repository at ``url`` and a work tree to commit to it."""

    def __init__(self, base: Path) -> None:
        self.work = base / "work"
        self.bare = base / "remote.git"
        self.url = self.bare.as_uri()
        self.work.mkdir(parents=True)
        git(self.work, "init", "-q", "-b", "main")
        git(base, "init", "-q", "--bare", "-b", "main", str(self.bare))
        git(self.work, "remote", "add", "origin", str(self.bare))

    def commit(self, files: Mapping[str, str], tag: str | None = None) -> str:
        write(self.work, files)
        git(self.work, "add", "-A")
        git(self.work, "commit", "-q", "-m", "change")
        if tag:
            git(self.work, "tag", tag)
        git(self.work, "push", "-q", "--tags", "origin", "main")
        return git(self.work, "rev-parse", "HEAD")


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    return Remote(tmp_path / "git")


def packages_yml(url: str, ref: str = "branch: main") -> str:
    return textwrap.dedent(f"""
        packages:
          - name: shared
            path: ../shared
          - name: git_shared
            git: "{url}"
            subdir: pkgs/git_shared
            {ref}
            version: ">=0.1.0,<0.2.0"
        """).lstrip()


@pytest.fixture
def project(tmp_path: Path, remote: Remote) -> Path:
    """``main`` with a path package ``shared`` beside it and the git package
    ``git_shared``."""
    write(tmp_path / "shared", {
        "project.yml": "name: shared\nversion: '0.1'\n",
        "models/macros/shared_utils.sql": """
            {%- macro email_domain(expr) -%}
              lower(regexp_replace({{ expr }}, '^.*@', ''))
            {%- endmacro -%}
            """,
        "models/staging/users_base.ff.sql": """
            {{ config(materialized='view', tags=['pkg:shared']) }}
            select id as user_id, {{ email_domain('email') }} as email_domain
            from {{ source('crm', 'users') }}
            """,
    })
    return write(tmp_path / "main", {
        "project.yml": "name: main\nversion: '1.0'\n",
        "profiles.yml": "dev:\n  engine: duckdb\n  duckdb: {path: .local/dev.duckdb}\n",
        "sources.yml": "crm:\n  users:\n    identifier: seed_users\n",
        "seeds/seed_users.csv": "id,email\n1,a@example.com\n2,b@example.com\n3,c@gmail.com\n",
        "packages.yml": packages_yml(remote.url),
        "models/marts/mart_domains.ff.sql": """
            select email_domain, count(*) as users from {{ ref('users_base.ff') }}
            group by email_domain
            """,
        "models/marts/mart_labels.ff.sql": """
            select label, count(*) as users from {{ ref('users_git.ff') }} group by label
            """,
    })


def lock_of(root: Path) -> object:
    return yaml.safe_load((root / "packages.lock.yml").read_text())


def checkout_of(root: Path) -> Path:
    (repo,) = (root / ".fastflowtransform/packages/git").glob("git_shared-*/repo")
    return repo


def test_deps_fetches_writes_the_lock_and_run_builds_the_package_models(
        project: Path, remote: Remote, run_fft, query) -> None:
    rev = remote.commit(git_package_files("v1"))
    deps = run_fft("deps", str(project))
    assert deps.returncode == 0, deps.output
    assert "  - shared (0.1)\n      kind:       path\n" in deps.stdout
    assert f"      rev:        {rev}  (branch: main)\n" in deps.stdout
    assert deps.stdout.count("status:     OK") == 2
    assert "Wrote packages.lock.yml (2 packages)" in deps.stdout
    assert lock_of(project) == {
        "fft_version": "0.6.11",
        "packages": [
            {"name": "shared", "version": "0.1",
             "source": {"kind": "path", "path": str(project.parent / "shared")}},
            {"name": "git_shared", "version": "0.1.0",
             "source": {"kind": "git", "git": remote.url, "rev": rev,
                        "subdir": "pkgs/git_shared", "branch": "main"}},
        ],
    }
    assert checkout_of(project).name == "repo"

    assert run_fft("seed", str(project)).returncode == 0
    ran = run_fft("run", str(project))
    assert ran.returncode == 0, ran.output
    assert "Done: 4 ok" in ran.stdout
    db = project / ".local/dev.duckdb"
    assert query(db, "select * from mart_domains order by 1") == [("example.com", 2),
                                                                  ("gmail.com", 1)]
    assert query(db, "select * from mart_labels") == [("v1", 3)]
    nodes = json.loads((project / ".fastflowtransform/target/manifest.json").read_text())["nodes"]
    assert (nodes["users_base.ff"]["package"], nodes["users_base.ff"]["path"]) == (
        "shared", "packages/shared/models/staging/users_base.ff.sql")
    assert nodes["users_git.ff"]["package"] == "git_shared"
    assert "package" not in nodes["mart_labels.ff"]

    selected = run_fft("run", str(project), "--select", "tag:pkg:git_shared", "--cache", "off")
    assert selected.returncode == 0, selected.output
    assert "✓ users_git.ff" in selected.stdout and "mart_labels" not in selected.stdout


def test_pytest_collects_package_models_under_packages_node_ids(
        project: Path, remote: Remote, run_fft) -> None:
    remote.commit(git_package_files("v1"))
    assert run_fft("deps", str(project)).returncode == 0
    result = subprocess.run(
        ["pytest", "--fft-seed", "--fft-run", "-p", "no:randomly", "-p", "no:cacheprovider",
         "-q", "-rA"], cwd=project, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    passed = sorted(line.removeprefix("PASSED ") for line in result.stdout.splitlines()
                    if line.startswith("PASSED "))
    assert passed == [
        "models/marts/mart_domains.ff.sql::mart_domains.ff",
        "models/marts/mart_labels.ff.sql::mart_labels.ff",
        "packages/git_shared/models/staging/users_git.ff.sql::users_git.ff",
        "packages/shared/models/staging/users_base.ff.sql::users_base.ff",
        "seeds/seed_users.csv::seed_users",
    ]


def test_a_second_deps_uses_the_lock_and_upgrade_moves_the_branch(
        project: Path, remote: Remote, run_fft, query) -> None:
    first = remote.commit(git_package_files("v1"))
    traced = run_fft("deps", str(project), "-vv")  # Logging.md: -v/-vv on every command
    assert traced.returncode == 0, traced.output
    assert "  git clone --quiet --no-checkout -- " in traced.stderr  # each git command
    assert f"  git checkout --quiet --force --detach {first}" in traced.stderr
    locked = (project / "packages.lock.yml").read_text()
    second = remote.commit(git_package_files("v2"))  # main moves on

    again = run_fft("deps", str(project))
    assert again.returncode == 0, again.output
    assert f"rev:        {first}  (locked)" in again.stdout
    assert (project / "packages.lock.yml").read_text() == locked
    assert git(checkout_of(project), "rev-parse", "HEAD") == first

    shutil.rmtree(remote.bare)  # the lock needs no remote: the commit is in the clone
    offline = run_fft("deps", str(project))
    assert offline.returncode == 0, offline.output
    assert (project / "packages.lock.yml").read_text() == locked

    assert second != first
    remote = Remote(remote.bare.parent.parent / "git2")  # another URL: resolved anew
    (project / "packages.yml").write_text(packages_yml(remote.url))
    third = remote.commit(git_package_files("v3"))
    moved = run_fft("deps", str(project))
    assert moved.returncode == 0, moved.output
    assert f"rev:        {third}  (branch: main)" in moved.stdout
    fourth = remote.commit(git_package_files("v4"))
    assert f"rev:        {third}  (locked)" in run_fft("deps", str(project)).stdout
    upgraded = run_fft("deps", str(project), "--upgrade")
    assert upgraded.returncode == 0, upgraded.output
    assert f"rev:        {fourth}  (branch: main)" in upgraded.stdout
    assert lock_of(project)["packages"][1]["source"]["rev"] == fourth  # type: ignore[index]


def test_a_changed_ref_needs_deps_before_run(project: Path, remote: Remote, run_fft,
                                           query) -> None:
    remote.commit(git_package_files("v1"), tag="v0.1.0")
    remote.commit(git_package_files("v2"))
    assert run_fft("deps", str(project)).returncode == 0
    assert run_fft("seed", str(project)).returncode == 0
    assert run_fft("run", str(project)).returncode == 0
    db = project / ".local/dev.duckdb"
    assert query(db, "select * from mart_labels") == [("v2", 3)]

    (project / "packages.yml").write_text(
        packages_yml(remote.url, ref="tag: v0.1.0"))
    stale = run_fft("run", str(project))
    assert stale.returncode == 1
    assert ("package 'git_shared' changed in packages.yml since it was fetched "
            "(tag: v0.1.0; packages.lock.yml has branch: main)\n"
            "  at packages.yml:4\n"
            "  fix: run `fft deps` in the project folder (it fetches the packages and writes "
            "packages.lock.yml)") in stale.output
    assert "Traceback" not in stale.output

    deps = run_fft("deps", str(project))
    assert deps.returncode == 0, deps.output
    tagged = git(remote.work, "rev-parse", "v0.1.0")
    assert lock_of(project)["packages"][1]["source"] == {  # type: ignore[index]
        "kind": "git", "git": remote.url, "rev": tagged, "subdir": "pkgs/git_shared",
        "tag": "v0.1.0"}
    assert run_fft("run", str(project)).returncode == 0
    assert query(db, "select * from mart_labels") == [("v1", 3)]


def test_run_before_deps_says_to_run_deps(project: Path, remote: Remote, run_fft) -> None:
    remote.commit(git_package_files("v1"))
    result = run_fft("run", str(project))
    assert result.returncode == 1
    assert (f"package 'git_shared' ({remote.url}) is not fetched: packages.lock.yml has no "
            "entry for it\n  at packages.yml:4\n  fix: run `fft deps`") in result.output
    assert "Traceback" not in result.output


def test_a_missing_remote_is_one_error_naming_package_and_url(
        project: Path, tmp_path: Path, run_fft) -> None:
    url = (tmp_path / "nowhere.git").as_uri()
    (project / "packages.yml").write_text(packages_yml(url))
    result = run_fft("deps", str(project))
    assert result.returncode == 1
    assert "status:     ERROR package 'git_shared': repository not found: " + url \
        in result.stdout
    assert f"fft deps: package 'git_shared': repository not found: {url}\n" in result.stderr
    assert "  at packages.yml:4\n" in result.stderr
    assert "  fix: fix git: of package git_shared in packages.yml" in result.stderr
    assert "1 of 2 packages failed; packages.lock.yml is unchanged" in result.stdout
    assert not (project / "packages.lock.yml").exists()
    assert "Traceback" not in result.output


def test_a_wrong_version_or_ref_fails_deps(project: Path, remote: Remote, run_fft) -> None:
    remote.commit(git_package_files("v1", version="0.2.0"))
    result = run_fft("deps", str(project))
    assert result.returncode == 1
    assert ("package 'git_shared' has version 0.2.0, which does not satisfy version "
            "'>=0.1.0,<0.2.0' in packages.yml") in result.stderr
    (project / "packages.yml").write_text(
        packages_yml(remote.url, ref="branch: nope"))
    result = run_fft("deps", str(project))
    assert result.returncode == 1
    assert (f"package 'git_shared': the requested branch 'nope' does not exist in "
            f"{remote.url}") in result.stderr


def test_a_project_model_named_like_a_package_model_fails_the_load(
        project: Path, remote: Remote, run_fft) -> None:
    remote.commit(git_package_files("v1"))
    assert run_fft("deps", str(project)).returncode == 0
    write(project, {"models/users_git.ff.sql": "select 1 as id\n"})
    result = run_fft("run", str(project))
    assert result.returncode == 1
    assert ("Duplicate node name 'users_git.ff': defined in models/users_git.ff.sql and "
            "packages/git_shared/models/staging/users_git.ff.sql") in result.output


def test_a_path_package_builds_on_every_warehouse(tmp_path: Path, warehouse, run_fft) -> None:
    write(tmp_path / "shared", {
        "project.yml": "name: shared\nversion: 1.0.0\n",
        "models/macros/twice.sql": "{% macro twice(x) %}({{ x }} * 2){% endmacro %}\n",
        "models/base.ff.sql": "select id, {{ twice('id') }} as doubled "
                              "from {{ source('raw', 'ids') }}\n",
    })
    root = write(tmp_path / "main", {
        "project.yml": "name: main\n",
        "profiles.yml": warehouse.profile,
        "sources.yml": "raw:\n  ids:\n    identifier: seed_ids\n",
        "seeds/seed_ids.csv": "id\n1\n2\n",
        "packages.yml": "shared: ../shared\n",
        "models/total.ff.sql": "select sum(doubled) as total from {{ ref('base') }}\n",
    })
    result = run_fft("build", str(root))
    assert result.returncode == 0, result.output
    assert warehouse.rows(root, "select * from total") == [(6,)]
    assert warehouse.rows(root, "select id, doubled from base order by id") == [(1, 2), (2, 4)]

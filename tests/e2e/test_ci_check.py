"""``fft ci-check``: a project checked without a database, through the command a CI job runs
(exit codes, the summary, the loader's own errors, the selection preview, SARIF)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

SCHEMA = Path(__file__).parent / "data" / "sarif-2.1.0.schema.json"

CYCLE = {
    "models/a.ff.sql": "select * from {{ ref('b') }}",
    "models/b.ff.py": """
        from pytest_fft import model

        @model(name="b", deps=["a.ff"])
        def b(df):
            return df
        """,
}


def _issue(code: str, level: str, message: str) -> str:
    """An issue's first line as the summary prints it."""
    return f"  • {f'[{code}] {level}:':<25} {message}"


def _validate_sarif(log: dict[str, Any]) -> None:
    """``log`` against the SARIF 2.1.0 JSON schema (vendored from the MIT-licensed SARIF SDK,
    see data/sarif-2.1.0.LICENSE.txt)."""
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_good_project_passes_without_a_database(simple_project: Path, run_fft) -> None:
    result = run_fft("ci-check", str(simple_project), "--env", "dev")
    assert result.returncode == 0, result.output
    assert result.stdout.splitlines() == [
        "CI Summary",
        "──────────",
        "✓ models parsed:           5",
        "✓ graph built:             ok",
        "✓ selected:                5 of 5 models",
        "✓ issues:                  none",
        "",
        "Totals",
        "──────",
        "✓ ok:      5",
        "! warn:    0",
        "✖ error:   0",
    ]
    assert result.stderr == ""
    assert not (simple_project / ".local").exists()  # no database was opened, or created


def test_missing_ref_is_the_loaders_error_with_place_and_fix(make_project, run_fft) -> None:
    root = make_project({"models/users.ff.sql": "select 1 as id",
                         "models/orders.ff.sql": "select *\nfrom {{ ref('dim_users') }}\n"})
    result = run_fft("ci-check", str(root))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "✖ models parsed:           failed" in lines
    assert "✖ issues (1)" in lines
    assert _issue("MISSING_DEP", "Error", "Dependency not found: orders.ff references "
                  "'dim_users' (models/orders.ff.sql); did you mean 'users'?") in lines
    assert "      at models/orders.ff.sql:2" in lines
    assert "      fix: ref() takes a model name (users or users.ff) or a seed name" in lines
    assert lines[-3:] == ["✓ ok:      0", "! warn:    0", "✖ error:   1"]
    assert "Traceback" not in result.output


def test_cycle_exits_1_naming_the_nodes(make_project, run_fft) -> None:
    result = run_fft("ci-check", str(make_project(CYCLE)))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert _issue("CYCLE", "Error", "Cycle detected among nodes: a.ff -> b -> a.ff "
                  "(in models/a.ff.sql, models/b.ff.py)") in lines
    assert "      at models/a.ff.sql:1" in lines
    assert "✖ error:   1" in result.stdout


def test_bad_yaml_is_a_parse_error_at_its_line(make_project, run_fft) -> None:
    root = make_project({"models/a.ff.sql": "select 1 as id",
                         "project.yml": "name: proj\nvars:\n  a: [1, 2\n"})
    result = run_fft("ci-check", str(root))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    issue = next(line for line in lines if "[PARSE_ERROR] Error:" in line)
    assert "project.yml" in issue
    assert any(line.startswith("      at project.yml:") for line in lines), lines
    assert "✖ error:   1" in lines


def test_loader_warnings_do_not_change_the_exit_code(make_project, run_fft) -> None:
    root = make_project({"models/a.ff.sql": "select 1 as id",
                         "project.yml": "name: proj\nversion: 1\nflavour: mint\n"})
    result = run_fft("ci-check", str(root))
    assert result.returncode == 0, result.output
    lines = result.stdout.splitlines()
    assert "! issues (1)" in lines
    assert _issue("PROJECT_WARNING", "Warning", "unknown key 'flavour' is ignored") in lines
    assert "      at project.yml:3" in lines
    assert lines[-3:] == ["✓ ok:      1", "! warn:    1", "✖ error:   0"]


def test_sarif_of_a_broken_project_is_valid_sarif(make_project, run_fft) -> None:
    root = make_project({"models/users.ff.sql": "select 1 as id",
                         "models/orders.ff.sql": "select *\nfrom {{ ref('dim_users') }}\n"})
    result = run_fft("ci-check", ".", "--sarif", "artifacts/fft-ci.sarif.json", cwd=root)
    assert result.returncode == 1
    out = root / "artifacts" / "fft-ci.sarif.json"
    assert "wrote artifacts/fft-ci.sarif.json (1 results)" in result.stdout
    log = json.loads(out.read_text(encoding="utf-8"))
    _validate_sarif(log)
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "FastFlowTransform CI (pytest-fft)"
    assert run["tool"]["driver"]["rules"] == [{
        "id": "MISSING_DEP", "name": "MissingDep",
        "shortDescription": {"text": "A ref(), source() or deps= entry names nothing in the "
                                     "project"}}]
    assert run["results"] == [{
        "ruleId": "MISSING_DEP", "ruleIndex": 0, "level": "error",
        "message": {"text": "Dependency not found: orders.ff references 'dim_users' "
                            "(models/orders.ff.sql); did you mean 'users'?\nFix: ref() takes a model name (users or "
                            "users.ff) or a seed name"},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": "models/orders.ff.sql"},
                                 "region": {"startLine": 2}},
            "logicalLocations": [{"name": "orders.ff", "kind": "module"}]}],
    }]


def test_sarif_uris_are_relative_to_the_working_folder(make_project, run_fft,
                                                      tmp_path: Path) -> None:
    make_project(CYCLE, name="my proj")
    result = run_fft("ci-check", "my proj", "--sarif", "out.sarif", cwd=tmp_path)
    assert result.returncode == 1
    log = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    _validate_sarif(log)
    [found] = log["runs"][0]["results"]
    assert found["ruleId"] == "CYCLE"
    assert found["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "my%20proj/models/a.ff.sql"}


def test_sarif_of_a_warning_and_a_good_project(make_project, run_fft) -> None:
    root = make_project({"models/a.ff.sql": "select 1 as id",
                         "project.yml": "name: proj\nflavour: mint\n"})
    result = run_fft("ci-check", str(root), "--sarif", str(root / "ci.sarif"))
    assert result.returncode == 0, result.output
    log = json.loads((root / "ci.sarif").read_text(encoding="utf-8"))
    _validate_sarif(log)
    [found] = log["runs"][0]["results"]
    assert (found["ruleId"], found["level"]) == ("PROJECT_WARNING", "warning")
    assert found["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "project.yml"}, "region": {"startLine": 2}}


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
                        "HOME": str(root), "PATH": "/usr/bin:/bin:/usr/local/bin"})


def test_changed_since_previews_the_affected_models(simple_project: Path, run_fft) -> None:
    _git(simple_project, "init", "-q", "-b", "main")
    _git(simple_project, "add", ".")
    _git(simple_project, "commit", "-q", "-m", "start")
    model = simple_project / "models" / "orders.ff.sql"
    model.write_text(model.read_text(encoding="utf-8") + "\n-- edited\n", encoding="utf-8")

    result = run_fft("ci-check", str(simple_project), "--changed-since", "main")
    assert result.returncode == 0, result.output
    lines = result.stdout.splitlines()
    assert "✓ selected:                2 of 5 models (--changed-since main)" in lines
    assert "    orders.ff, mart_orders_enriched" in lines

    # With --select/--exclude: what those keep (a run builds a selection's parents too)
    # and is affected.
    both = run_fft("ci-check", str(simple_project), "--changed-since", "main",
                   "--exclude", "mart_*")
    assert both.returncode == 0, both.output
    assert ("✓ selected:                1 of 5 models (--exclude mart_* --changed-since main)"
            in both.stdout.splitlines())
    assert "    orders.ff" in both.stdout.splitlines()

    _git(simple_project, "commit", "-q", "-am", "edit")
    nothing = run_fft("ci-check", str(simple_project), "--changed-since", "main")
    assert nothing.returncode == 0, nothing.output
    lines = nothing.stdout.splitlines()
    assert "! selected:                0 of 5 models (--changed-since main)" in lines
    assert _issue("EMPTY_SELECTION", "Warning",
                  "the selection (--changed-since main) keeps no model") in lines


def test_changed_since_an_unknown_revision_is_an_error(simple_project: Path, run_fft) -> None:
    _git(simple_project, "init", "-q", "-b", "main")
    result = run_fft("ci-check", str(simple_project), "--changed-since", "origin/nope")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    issue = next(line for line in lines if "[SELECTION] Error:" in line)
    assert "--changed-since origin/nope: git diff failed" in issue
    assert any(line.startswith("      fix: name a revision of the project's repository")
               for line in lines)


def test_select_previews_the_run(simple_project: Path, run_fft) -> None:
    result = run_fft("ci-check", str(simple_project), "--select", "+mart_users",
                     "--exclude", "users.ff")
    assert result.returncode == 0, result.output
    lines = result.stdout.splitlines()
    assert ("✓ selected:                2 of 5 models (--select +mart_users --exclude users.ff)"
            in lines)
    assert "    users_enriched, mart_users.ff" in lines


def test_not_a_project_is_exit_1(tmp_path: Path, run_fft) -> None:
    result = run_fft("ci-check", str(tmp_path))
    assert result.returncode == 1
    assert "is not a FastFlowTransform project" in result.stderr


def test_each_missing_name_is_an_issue_at_its_own_place(simple_project: Path, run_fft,
                                                       tmp_path: Path) -> None:
    mart = simple_project / "models" / "mart_users.ff.sql"
    mart.write_text(mart.read_text().replace("ref('users_enriched')", "ref('users_enrichd')"))
    orders = simple_project / "models" / "orders.ff.sql"
    orders.write_text(orders.read_text().replace("{{ source('erp','orders') }}",
                                                 "{{ ref('nope') }}"))
    sarif = tmp_path / "ci.sarif.json"
    result = run_fft("ci-check", str(simple_project), "--sarif", str(sarif))
    assert result.returncode == 1, result.output
    lines = result.stdout.splitlines()
    assert "✖ issues (2)" in lines
    first = lines.index(_issue(
        "MISSING_DEP", "Error", "Dependency not found: mart_users.ff references "
        "'users_enrichd' (models/mart_users.ff.sql); did you mean 'users_enriched'?"))
    assert lines[first + 1] == "      at models/mart_users.ff.sql:3"
    second = lines.index(_issue("MISSING_DEP", "Error", "Dependency not found: orders.ff "
                                "references 'nope' (models/orders.ff.sql)"))
    assert lines[second + 1] == "      at models/orders.ff.sql:3"
    log = json.loads(sarif.read_text(encoding="utf-8"))
    _validate_sarif(log)
    places = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1]
              for r in log["runs"][0]["results"]]
    assert places == ["mart_users.ff.sql", "orders.ff.sql"]


def test_state_modified_before_any_build_selects_everything_and_writes_nothing(
        simple_project: Path, run_fft) -> None:
    result = run_fft("ci-check", str(simple_project), "--select", "state:modified", "-v")
    assert result.returncode == 0, result.output
    assert "✓ selected:                5 of 5 models (--select state:modified)" in result.stdout
    assert not (simple_project / ".pytest_cache").exists()
    assert not (simple_project / ".local").exists()


def test_a_docs_entry_naming_no_model_is_an_issue(simple_project: Path, run_fft) -> None:
    """project.yml's docs: is read as fft docgen reads it: a name that is no model fails."""
    config = simple_project / "project.yml"
    config.write_text(config.read_text() + "docs:\n  models:\n    mart_userz: {description: x}\n")
    result = run_fft("ci-check", str(simple_project))
    assert result.returncode == 1, result.output
    assert "docs.models names 'mart_userz', which is no model or seed" in result.stdout

"""Project code cannot end the run: ``sys.exit()`` or ``KeyboardInterrupt`` raised by a
model, a macro or a project module is that node's (or the load's) error, with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

ENRICHED = "models/users_enriched.ff.py"


def _stopping_model(project: Path, statement: str) -> None:
    path = project / ENRICHED
    text = path.read_text()
    marker = "def "
    head, _, tail = text.partition(marker)
    # First statement of the model function's body: the line after its signature.
    signature, _, body = tail.partition("\n")
    indent = body[: len(body) - len(body.lstrip())]
    path.write_text(f"{head}{marker}{signature}\n{indent}{statement}\n{body}")


@pytest.mark.parametrize("statement", ["raise SystemExit(3)", "import sys; sys.exit(0)",
                                       "raise KeyboardInterrupt"])
@pytest.mark.parametrize("jobs", ["1", "4"])
def test_a_model_that_stops_is_its_own_error(simple_project: Path, run_fft, statement: str,
                                             jobs: str) -> None:
    assert run_fft("seed", str(simple_project)).returncode == 0
    _stopping_model(simple_project, statement)
    result = run_fft("run", str(simple_project), "--env", "dev", "--jobs", jobs)
    assert result.returncode == 1, result.output
    assert "✗ users_enriched" in result.stdout
    assert "✓ orders.ff" in result.stdout and "✓ users.ff" in result.stdout
    assert "skipped: upstream failed: users_enriched" in result.stdout
    assert "users_enriched raised" in result.stderr
    assert f"at {ENRICHED}:" in result.stderr
    assert "fix: project code cannot end the run" in result.stderr
    assert "Traceback" not in result.output
    assert "run interrupted" not in result.output


def test_pytest_reports_a_model_that_exits_as_a_failed_item(simple_project: Path,
                                                            pytester: pytest.Pytester) -> None:
    _stopping_model(simple_project, "raise SystemExit(3)")
    result = pytester.runpytest_subprocess(str(simple_project), "--fft-seed", "--fft-run",
                                           "--fft-env", "dev", "-p", "no:randomly")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=4, failed=1, skipped=2)
    assert "INTERNALERROR" not in result.stdout.str()


def test_a_macro_that_exits_is_a_load_error(simple_project: Path, run_fft) -> None:
    (simple_project / "models/macros_py").mkdir(exist_ok=True)
    (simple_project / "models/macros_py/stop.py").write_text(
        "import sys\n\n\ndef stop():\n    sys.exit(5)\n")
    (simple_project / "models/users.ff.sql").write_text(
        "select id, email {{ stop() }} from {{ source('crm','users') }}\n")
    result = run_fft("run", str(simple_project), "--env", "dev")
    assert result.returncode == 1, result.output
    assert "users.ff: rendering failed: SystemExit: 5" in result.stderr
    assert "at models/users.ff.sql:1" in result.stderr
    assert "Traceback" not in result.output


def test_a_model_module_that_exits_on_import_is_a_load_error(simple_project: Path,
                                                            run_fft) -> None:
    assert run_fft("seed", str(simple_project)).returncode == 0
    path = simple_project / ENRICHED
    path.write_text("import sys\nsys.exit(4)\n" + path.read_text())
    result = run_fft("run", str(simple_project), "--env", "dev")
    assert result.returncode == 1, result.output
    assert "importing the module raised SystemExit: 4" in result.output
    assert "✗ users_enriched" in result.stdout and "✓ users.ff" in result.stdout
    assert "Traceback" not in result.output

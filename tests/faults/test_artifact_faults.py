"""Results first, artifacts best effort: a run whose artifacts cannot be written (a full
disk, a folder in the way) still reports every node, its errors and its summary, with the
run's own exit code and one warning line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def blocked_target(simple_project: Path, run_fft) -> Path:
    assert run_fft("seed", str(simple_project)).returncode == 0
    target = simple_project / ".fastflowtransform"
    shutil.rmtree(target / "target")
    (target / "target").write_text("a file where the artifacts folder should be\n")
    return simple_project


def test_unwritable_artifacts_do_not_hide_the_results(blocked_target: Path, run_fft) -> None:
    (blocked_target / "models/orders.ff.sql").write_text(
        "select order_id, nope from {{ source('erp','orders') }}\n")
    result = run_fft("run", str(blocked_target), "--env", "dev")
    assert result.returncode == 1, result.output  # the failed model's code, not 99
    assert "✗ orders.ff" in result.stdout and "✓ users.ff" in result.stdout
    assert 'Referenced column "nope" not found' in result.stderr
    assert "Done: 3 ok, 1 failed, 1 skipped" in result.stdout
    assert "warning could not write the artifacts of the run" in result.stderr
    assert "Traceback" not in result.output


def test_a_clean_run_with_unwritable_artifacts_exits_0(blocked_target: Path, run_fft,
                                                       query) -> None:
    result = run_fft("run", str(blocked_target), "--env", "dev")
    assert result.returncode == 0, result.output
    assert "Done: 5 ok" in result.stdout
    assert "warning could not write the artifacts of the run" in result.stderr
    assert query(blocked_target / ".local/demo.duckdb", "select count(*) from mart_users") \
        == [(3,)]


def test_pytest_reports_the_artifact_warning(blocked_target: Path,
                                             pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(str(blocked_target), "--fft-run", "--fft-env", "dev",
                                           "-p", "no:randomly")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=5, warnings=1)
    result.stdout.fnmatch_lines(["*ArtifactWarning: could not write the artifacts of the run*"])

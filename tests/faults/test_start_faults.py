"""An error nobody foresaw while a run starts (the engine cannot list its relations, the
build cache cannot be read) is one clear error of the run, with exit code 1, never a
traceback or pytest's INTERNALERROR; ``FFT_TRACE=1`` shows the traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

# A pytest plugin that breaks DuckDB's listing of relations, as a broken catalog would.
FAULT = ("from pytest_fft.engines.duckdb import DuckDBEngine\n\n\n"
         "def broken(self):\n    raise RuntimeError('the catalog is gone')\n\n\n"
         "DuckDBEngine.existing_relations = broken\n")


@pytest.fixture
def faulty(simple_project: Path, tmp_path: Path, run_fft) -> dict[str, str]:
    assert run_fft("seed", str(simple_project), "--env", "dev").returncode == 0
    (tmp_path / "fft_fault_plugin.py").write_text(FAULT)
    return {"PYTHONPATH": str(tmp_path)}


def test_fft_names_the_error_and_exits_1(simple_project: Path, faulty: dict[str, str],
                                         run_fft) -> None:
    result = run_fft("run", str(simple_project), "--env", "dev", "--", "-p",
                     "fft_fault_plugin", env=faulty)
    assert result.returncode == 1, result.output
    assert ("✗ the run of env 'dev' could not start\n"
            "the run could not start: RuntimeError: the catalog is gone") in result.stderr
    assert "fix: set FFT_TRACE=1 to see the traceback" in result.output
    assert "could not be opened" not in result.output  # the warehouse opened
    assert "Traceback" not in result.output and "INTERNALERROR" not in result.output


def test_pytest_fails_the_run_with_it(simple_project: Path, faulty: dict[str, str],
                                        pytester: pytest.Pytester,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", faulty["PYTHONPATH"])
    result = pytester.runpytest_subprocess(str(simple_project), "--fft-run", "--fft-env", "dev",
                                           "-p", "no:randomly", "-p", "fft_fault_plugin", "-rs")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(failed=1, skipped=4)  # as when the engine cannot open
    result.stdout.fnmatch_lines(["*the run could not start: RuntimeError: the catalog is gone*"])
    skipped = "*not run: the run of env 'dev' could not start (the error is reported on *"
    result.stdout.fnmatch_lines([skipped])
    assert "INTERNALERROR" not in result.stdout.str()


def test_fft_trace_shows_the_traceback(simple_project: Path, faulty: dict[str, str],
                                       run_fft) -> None:
    result = run_fft("run", str(simple_project), "--env", "dev", "--", "-p",
                     "fft_fault_plugin", env={**faulty, "FFT_TRACE": "1"})
    assert result.returncode != 0
    assert "Traceback" in result.output and "the catalog is gone" in result.output

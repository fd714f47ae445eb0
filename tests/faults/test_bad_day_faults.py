"""More of a data engineer's bad day: odd names, empty frames, a database path that is a
folder, a model file in another encoding. Each ends with a clear message and the right exit
code, and what could be built is built."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def seeded(simple_project: Path, run_fft) -> Path:
    assert run_fft("seed", str(simple_project)).returncode == 0
    return simple_project


def test_a_python_model_returning_a_frame_without_columns_fails_alone(seeded: Path,
                                                                      run_fft) -> None:
    (seeded / "models/empty_py.ff.py").write_text(
        "import pandas as pd\nfrom fastflowtransform import model\n\n\n"
        "@model(name='empty_py', deps=['users.ff'])\ndef f(df):\n    return pd.DataFrame()\n")
    result = run_fft("run", str(seeded), "--env", "dev")
    assert result.returncode == 1, result.output
    assert "✗ empty_py" in result.stdout and "✓ mart_users.ff" in result.stdout
    assert "Need a DataFrame with at least one column" in result.stderr
    assert "at models/empty_py.ff.py:5" in result.stderr
    assert "Traceback" not in result.output


def test_a_model_file_name_with_a_space_builds_a_quoted_relation(seeded: Path, run_fft,
                                                                  query) -> None:
    (seeded / "models/monthly totals.ff.sql").write_text("select 1 as x\n")
    result = run_fft("run", str(seeded), "--env", "dev")
    assert result.returncode == 0, result.output
    assert query(seeded / ".local/demo.duckdb", 'select x from "monthly totals"') == [(1,)]


def test_a_database_path_that_is_a_folder_is_one_clear_error(seeded: Path, run_fft,
                                                             tmp_path: Path) -> None:
    result = run_fft("run", str(seeded), "--env", "dev", env={"FF_DUCKDB_PATH": str(tmp_path)})
    assert result.returncode == 1, result.output
    assert f"cannot open DuckDB database {tmp_path}" in result.output
    assert "fix: check the duckdb path of the profile (or FF_DUCKDB_PATH)" in result.output
    assert "Traceback" not in result.output


def test_a_model_file_in_another_encoding_is_a_load_error(seeded: Path, run_fft) -> None:
    (seeded / "models/latin.ff.sql").write_bytes(b"select '\xe9t\xe9' as season\n")
    result = run_fft("run", str(seeded), "--env", "dev")
    assert result.returncode == 1, result.output
    assert "models/latin.ff.sql is not UTF-8 text: byte 0xe9 on line 1" in result.stderr
    assert "fix: save the file as UTF-8" in result.stderr

"""Model unit tests as pytest items: collection by default, IDE node ids, xdist, ``fft utest``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb  # noqa: F401 - imported before pytester snapshots sys.modules
import pandas  # noqa: F401
import pytest

pytest_plugins = ["pytester"]

CASE_IDS = [
    "tests/unit/mart_orders_enriched.yml::join_and_flag",
    "tests/unit/mart_users.yml::passthrough_columns",
    "tests/unit/users_enriched.yml::basic_gmail_flag",
    "tests/unit/users_enriched.yml::override_inputs",
]


@pytest.fixture
def project(pytester: pytest.Pytester, simple_project: Path) -> Path:
    for entry in simple_project.iterdir():
        target = pytester.path / entry.name
        (shutil.copytree if entry.is_dir() else shutil.copy)(entry, target)
    return pytester.path


def test_plain_pytest_collects_the_unit_cases(pytester: pytest.Pytester, project: Path) -> None:
    result = pytester.runpytest("--collect-only", "-q")
    assert [line for line in result.outlines if "::" in line] == CASE_IDS


def test_unit_cases_pass_without_any_warehouse(pytester: pytest.Pytester, project: Path) -> None:
    result = pytester.runpytest("-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
    assert not (project / ".local").exists()  # nothing was built or seeded


def test_one_case_by_node_id(pytester: pytest.Pytester, project: Path) -> None:
    result = pytester.runpytest("tests/unit/users_enriched.yml::override_inputs", "-v")
    result.assert_outcomes(passed=1)


def test_cases_spread_over_xdist_workers(pytester: pytest.Pytester, project: Path) -> None:
    result = pytester.runpytest("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_a_failing_case_shows_the_row_and_column_that_differ(pytester: pytest.Pytester,
                                                             project: Path) -> None:
    spec = project / "tests/unit/users_enriched.yml"
    spec.write_text(spec.read_text().replace(
        '{id: 2, email: "b@gmail.com",   is_gmail: true}',
        '{id: 2, email: "b@gmail.com",   is_gmail: false}', 1))
    result = pytester.runpytest("tests/unit/users_enriched.yml")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert "unit case basic_gmail_flag of users_enriched (tests/unit/users_enriched.yml:14)" in out
    assert "is_gmail expected False, got True" in out
    assert "Traceback" not in out


def test_fft_utest_exit_codes_and_csv_diff(simple_project: Path, run_fft) -> None:
    ok = run_fft("utest", str(simple_project))
    assert ok.returncode == 0, ok.output
    assert "✓ join_and_flag" in ok.stdout
    one = run_fft("utest", str(simple_project), "--model", "mart_orders_enriched",
                  "--case", "join_and_flag")
    assert one.returncode == 0
    assert "1 ok" in one.stdout
    spec = simple_project / "tests/unit/mart_users.yml"
    text = spec.read_text()
    case_rows = text.index("cases:")
    spec.write_text(text[:case_rows] + text[case_rows:].replace(
        '{id: 1, email: "a@example.com", is_gmail: false}',
        '{id: 1, email: "a@example.com", is_gmail: true}'))
    bad = run_fft("utest", str(simple_project), "--path", "tests/unit/mart_users.yml")
    assert bad.returncode == 2, bad.output
    assert "--- expected" in bad.output and "+++ actual" in bad.output
    assert "Traceback" not in bad.output


def test_a_case_that_cannot_run_is_its_own_error_and_the_others_run(make_project,
                                                                     run_fft) -> None:
    """A missing input is that case's error (with its line); the file's other cases and the
    other files' still run; exit 1 (an error, not a failed comparison)."""
    root = make_project({
        "models/a.ff.sql": "select 1 as id",
        "models/b.ff.sql": "select * from {{ ref('a') }}",
        "tests/unit/a.yml": "model: a.ff\ncases:\n  - name: one\n    expect:\n"
                            "      rows: [{id: 1}]\n",
        "tests/unit/b.yml": "model: b.ff\ncases:\n  - name: no_inputs\n    expect:\n"
                            "      rows: [{id: 1}]\n  - name: given\n    inputs:\n"
                            "      a: {rows: [{id: 1}]}\n    expect: {rows: [{id: 1}]}\n",
    })
    result = run_fft("utest", str(root))
    assert result.returncode == 1, result.output
    assert "case no_inputs: model b.ff reads a but the case gives no input `a`" in result.output
    assert "tests/unit/b.yml:3" in result.output
    assert "Done: 2 ok, 1 failed" in result.stdout, result.output
    assert "Traceback" not in result.output
    through_pytest = subprocess.run(
        [sys.executable, "-m", "pytest", str(root), "--rootdir", str(root), "--fft-utest",
         "-p", "no:randomly", "-p", "no:cacheprovider", "-q"],
        capture_output=True, text=True, check=False, timeout=300)
    assert through_pytest.returncode == 1, through_pytest.stdout
    assert "1 failed, 2 passed" in through_pytest.stdout
    assert "tests/unit/b.yml::no_inputs" in through_pytest.stdout


def test_cache_rw_reports_cached_and_reruns_on_change(simple_project: Path, run_fft) -> None:
    first = run_fft("utest", str(simple_project), "--cache", "rw")
    assert first.returncode == 0 and "4 ok" in first.stdout
    second = run_fft("utest", str(simple_project), "--cache", "rw")
    assert second.returncode == 0
    assert "0 ok, 4 cached" in second.stdout
    model = simple_project / "models/users_enriched.ff.py"
    model.write_text(model.read_text() + "\n# a change\n")
    third = run_fft("utest", str(simple_project), "--cache", "ro")
    assert "2 ok, 2 cached" in third.stdout  # the users_enriched cases rebuild
    off = run_fft("utest", str(simple_project))
    assert "4 ok" in off.stdout and "cached" not in off.stdout


def test_a_project_conftest_can_override_the_engine_fixture(pytester: pytest.Pytester,
                                                             project: Path) -> None:
    (project / "conftest.py").write_text(
        "import pytest\n"
        "from pytest_fft import DuckDBEngine\n"
        "USED = []\n"
        "@pytest.fixture\n"
        "def fft_unit_engine():\n"
        "    USED.append(1)\n"
        "    engine = DuckDBEngine(':memory:')\n"
        "    yield engine\n"
        "    engine.close()\n"
        "def pytest_sessionfinish(session):\n"
        "    print('custom engine used', len(USED))\n")
    result = pytester.runpytest("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*custom engine used 4*"])


def test_an_unavailable_engine_fails_each_case_in_one_line(pytester: pytest.Pytester,
                                                           project: Path) -> None:
    result = pytester.runpytest("--fft-engine", "bigquery", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=4)
    out = result.stdout.str()
    assert "unit tests on 'bigquery' are not available yet" in out
    assert "def fft_unit_engine" not in out and "Traceback" not in out


def test_an_exception_in_a_case_is_reported_not_an_internal_error(
    pytester: pytest.Pytester, project: Path
) -> None:
    (project / "models" / "users_enriched.ff.py").write_text(
        "from fastflowtransform import model\n\n"
        "@model(name='users_enriched', deps=['users.ff'])\n"
        "def enrich(df):\n"
        "    raise ValueError('broken model')\n")
    result = pytester.runpytest("tests/unit/users_enriched.yml", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    assert "users_enriched raised ValueError: broken model" in result.stdout.str()
    assert "INTERNALERROR" not in result.stdout.str()


def test_unknown_model_or_case_is_a_usage_error(simple_project: Path, run_fft) -> None:
    result = run_fft("utest", str(simple_project), "--model", "nosuch")
    assert result.returncode == 1
    assert "no unit case for model 'nosuch'; models with unit cases:" in result.output


def test_under_xdist_one_worker_takes_the_cases_that_need_pandas(
        pytester: pytest.Pytester) -> None:
    sql_case = ("  - name: c{n}\n    inputs:\n      a: {{rows: [{{id: {n}}}]}}\n"
                "    expect: {{rows: [{{id: {n}}}]}}\n")
    files = {
        "project.yml": "name: p\n",
        "models/a.ff.sql": "select 1 as id\n",
        "models/b.ff.sql": "select id from {{ ref('a') }}\n",
        "models/c.ff.sql": "select id from {{ ref('a') }}\n",
        "models/p.ff.py": "from pytest_fft import model\n"
                          "@model(name='p', deps=['a.ff'])\ndef p(df):\n    return df\n",
        # file order puts the Python model's cases between the SQL ones
        "tests/unit/b.yml": "model: b.ff\ncases:\n" + "".join(
            sql_case.format(n=n) for n in range(1, 4)),
        "tests/unit/o.yml": "model: p\ncases:\n" + "".join(
            sql_case.format(n=n) for n in range(1, 3)),
        "tests/unit/z.yml": "model: c.ff\ncases:\n" + "".join(
            sql_case.format(n=n) for n in range(1, 4)),
        # workerinput, not PYTEST_XDIST_WORKER: under an outer `pytest -n 2` the in-process
        # controller inherits that variable from the outer worker it runs in.
        "conftest.py": "import sys\n"
                       "def pytest_sessionfinish(session):\n"
                       "    worker = getattr(session.config, 'workerinput', {}).get('workerid')\n"
                       "    if worker:\n"
                       "        with open(f'{worker}.pandas', 'w') as out:\n"
                       "            out.write(str('pandas' in sys.modules))\n",
    }
    for rel, text in files.items():
        path = pytester.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    result = pytester.runpytest("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=8)
    seen = sorted(p.read_text() for p in pytester.path.glob("gw*.pandas"))
    assert seen == ["False", "True"]

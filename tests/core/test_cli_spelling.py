"""fft's options and the pytest-fft options they stand for: one table, both directions."""

from __future__ import annotations

import argparse

import pytest

from pytest_fft.cli.main import _parser, _spread_vars, pytest_args_for
from pytest_fft.cli.spelling import PASSED_ON, fft_spelling


def _ns(*argv: str) -> argparse.Namespace:
    ns, unknown = _parser().parse_known_args(list(argv))
    assert unknown == []
    ns.pytest_args = []
    return ns


def _fft_part(args: list[str]) -> list[str]:
    return args[args.index("--rootdir") + 3:args.index("--fft-start-early")
                if "--fft-start-early" in args else args.index("-p")]


def test_every_option_of_a_build_becomes_its_pytest_option() -> None:
    args = pytest_args_for(_ns(
        "run", "proj", "--env", "ci", "--engine", "duckdb", "--vars", "a=1", "--vars", "b=2",
        "--select", "x", "--exclude", "y", "--jobs", "3", "--cache", "ro", "--rebuild", "m*",
        "--rebuild-only", "z", "--wait", "5", "--fail-fast"))
    assert args[:4] == ["proj", "--rootdir", "proj", "--fft-run"]
    # One word per option and value: pytest reads a word that starts with @ as a file of
    # arguments (--select @x is dbt's at operator).
    assert _fft_part(args) == [
        "--fft-cache=ro", "--fft-wait=5.0", "--fft-rebuild=m*", "--fft-env=ci",
        "--fft-engine=duckdb", "--fft-vars=a=1", "--fft-vars=b=2",
        "--fft-select=x", "--fft-exclude=y", "--fft-jobs=3", "--fft-fail-fast",
        "--fft-select=z", "--fft-rebuild=z"]


def test_the_unit_case_options_and_their_own_cache() -> None:
    args = pytest_args_for(_ns("utest", "proj", "--model", "m", "--case", "c", "--cache", "rw",
                               "--path", "tests/unit/a.yml", "--reuse-meta"))
    assert args[:4] == ["proj/tests/unit/a.yml", "--rootdir", "proj", "--fft-utest"]
    assert _fft_part(args) == ["--fft-utest-model=m", "--fft-utest-case=c",
                               "--fft-utest-cache=rw", "--fft-reuse-meta"]


def test_options_not_given_pass_nothing() -> None:
    args = pytest_args_for(_ns("test", "proj"))
    assert _fft_part(args) == []


def test_messages_name_every_passed_option_as_fft_spells_it() -> None:
    for option in PASSED_ON:
        assert fft_spelling(f"bad {option.pytest} value") == f"bad {option.fft} value"
    assert fft_spelling("needs a build (--fft-run)") == "needs a build (fft run)"
    assert fft_spelling("add --fft-seed to pytest") == "add --fft-seed to pytest"


def test_utest_jobs_are_worker_processes() -> None:
    for jobs in ("2", "auto"):
        args = pytest_args_for(_ns("utest", "proj", "--jobs", jobs))
        assert args[args.index("-n"):args.index("-n") + 2] == ["-n", jobs]
    for argv in (("utest", "proj", "--jobs", "1"), ("utest", "proj")):
        args = pytest_args_for(_ns(*argv))
        assert "-n" not in args and "--fft-jobs" not in args


def test_an_option_named_in_both_spellings_is_named_once() -> None:
    assert fft_spelling("or pass --wait SECONDS (--fft-wait) to wait for it") == \
        "or pass --wait SECONDS to wait for it"
    assert fft_spelling("use --select (--fft-select) here") == "use --select here"


@pytest.mark.parametrize(("argv", "spread"), [
    # Config_and_Macros.md: fft run . --vars snapshot_day='2025-10-01' limit=50
    (["run", ".", "--vars", "day=2025-10-01", "limit=50"],
     ["run", ".", "--vars", "day=2025-10-01", "--vars", "limit=50"]),
    (["run", "--vars=a=1", "b=2", "."], ["run", "--vars=a=1", "--vars", "b=2", "."]),
    (["run", ".", "--vars", "{a: 1}", "--select", "x", "b=2"],
     ["run", ".", "--vars", "{a: 1}", "--select", "x", "b=2"]),  # only right after --vars
    (["run", ".", "--vars", "a=1", "-v", "b=2"], ["run", ".", "--vars", "a=1", "-v", "b=2"]),
])
def test_several_vars_after_one_option(argv: list[str], spread: list[str]) -> None:
    assert _spread_vars(argv) == spread


def test_several_vars_reach_the_run() -> None:
    ns = _ns(*_spread_vars(["run", ".", "--vars", "day=2025-10-01", "limit=50"]))
    assert ns.vars == ["day=2025-10-01", "limit=50"]

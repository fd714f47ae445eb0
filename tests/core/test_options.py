"""Parsing of ``--fft-vars`` / ``fft run --vars``."""

from __future__ import annotations

import pytest

from pytest_fft.plugin.options import parse_vars


def test_key_value_pairs_parse_json_scalars_else_text() -> None:
    assert parse_vars(["n=7", "r=1.5", "flag=true", "label=yes", "day=2024-01-01",
                       "empty=", "list=[1, 2]"]) == {
        "n": 7, "r": 1.5, "flag": True, "label": "yes", "day": "2024-01-01", "empty": "",
        "list": [1, 2]}


def test_a_mapping_gives_the_same_types_as_pairs() -> None:
    assert parse_vars(['{"n": 7}', "{day: 2024-01-01, r: 1.5}"]) == {
        "n": 7, "day": "2024-01-01", "r": 1.5}


@pytest.mark.parametrize("bad", ["novalue", "=3", "{not: [closed"])
def test_bad_vars_are_usage_errors(bad: str) -> None:
    with pytest.raises(pytest.UsageError):
        parse_vars([bad])


def test_jobs_auto_is_two_per_core_from_4_to_32(monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_fft.plugin.options import parse_jobs

    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert parse_jobs("auto") == 16
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert parse_jobs("AUTO") == 4
    monkeypatch.setattr("os.cpu_count", lambda: 64)
    assert parse_jobs("auto") == 32
    assert parse_jobs("3") == 3
    with pytest.raises(pytest.UsageError, match="must be a number or auto, got 'many'"):
        parse_jobs("many")

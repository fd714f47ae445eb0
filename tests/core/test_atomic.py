"""atomic.py: one way to replace a file whole."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pytest_fft.atomic import write_atomic


def test_writes_text_as_utf8_and_bytes_as_they_are(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a.txt", "naïve\n")
    write_atomic(tmp_path / "b.bin", b"\x00\xff")
    assert (tmp_path / "a.txt").read_bytes() == "naïve\n".encode()
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"


@pytest.mark.parametrize("durable", [True, False])
def test_replaces_the_file_and_leaves_no_temporary_file(tmp_path: Path, durable: bool) -> None:
    target = tmp_path / "run_results.json"
    target.write_text("old")
    write_atomic(target, "new", durable=durable)
    assert target.read_text() == "new"
    assert os.listdir(tmp_path) == ["run_results.json"]


def test_the_file_is_readable_by_others_not_private_like_a_temp_file(tmp_path: Path) -> None:
    write_atomic(tmp_path / "m.json", "{}")
    assert stat.S_IMODE((tmp_path / "m.json").stat().st_mode) == 0o644
    write_atomic(tmp_path / "p", "x", mode=0o600)
    assert stat.S_IMODE((tmp_path / "p").stat().st_mode) == 0o600


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "manifest.json"
    target.write_text("old")

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["manifest.json"]


def test_a_folder_in_the_way_is_an_error_and_stays(tmp_path: Path) -> None:
    (tmp_path / "index.html").mkdir()
    with pytest.raises(IsADirectoryError):
        write_atomic(tmp_path / "index.html", "<html>")
    assert (tmp_path / "index.html").is_dir()
    assert os.listdir(tmp_path) == ["index.html"]

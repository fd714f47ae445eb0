"""Style in CI: ``pytest`` fails when ruff or mypy finds something.

Both run as subprocesses from the repository root, so they read its ``pyproject.toml``
(``[tool.ruff]``, ``[tool.mypy]``) and nothing of the machine's own configuration changes
the rule set. They come with the ``dev`` extra (``scripts/install-dev`` installs it).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINTED = ["pytest_fft", "tests", "bench", "examples", "conftest.py"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=600, check=False)


def _output(proc: subprocess.CompletedProcess[str]) -> str:
    return f"exit {proc.returncode}\n{proc.stdout}{proc.stderr}"


def test_ruff_finds_nothing() -> None:
    proc = _run("ruff", "check", "--no-cache", "--output-format", "concise", *LINTED)
    assert proc.returncode == 0, _output(proc)


@pytest.fixture
def mypy_cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
               ) -> Path:
    """A cache kept between runs (in pytest's cache folder) makes a warm run ~1 s."""
    cache = getattr(request.config, "cache", None)
    if cache is not None:
        return Path(cache.mkdir("mypy"))
    return tmp_path_factory.mktemp("mypy")


def test_mypy_finds_nothing(mypy_cache: Path) -> None:
    # The packages to check are [tool.mypy] packages in pyproject.toml.
    proc = _run("mypy", "--cache-dir", str(mypy_cache), "--no-error-summary",
                "--hide-error-context")
    assert proc.returncode == 0, _output(proc)

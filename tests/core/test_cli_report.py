"""The fft reporter with its progress bar forced on (as on a terminal)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import duckdb  # noqa: F401 - imported before pytester snapshots sys.modules
import pandas  # noqa: F401
import pytest
from rich.console import Console

from pytest_fft.cli.report import CliReporter

pytest_plugins = ["pytester"]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "simple_duckdb"


def test_progress_bar_run_prints_every_node_line_and_the_summary(pytester: pytest.Pytester) -> None:
    for entry in EXAMPLE.iterdir():
        if entry.name not in (".local", ".fastflowtransform", ".pytest_cache", "docs"):
            if entry.is_dir():
                shutil.copytree(entry, pytester.path / entry.name,
                                ignore=shutil.ignore_patterns("test_*.py", "__pycache__"))
            else:
                shutil.copy(entry, pytester.path / entry.name)
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    reporter = CliReporter("build", console=console, progress=True)
    pytester.inline_run("--fft-seed", "--fft-run", "-p", "no:terminal", "-p", "no:cacheprovider",
                        plugins=[reporter])
    text = out.getvalue()
    for name in ("seed_users", "users.ff", "mart_orders_enriched", "mart_users.ff"):
        assert f"✓ {name}" in text
    assert "Done: 7 ok" in text
    assert reporter._progress is None  # stopped before the summary
    assert reporter.exit_code(0) == 0


@pytest.mark.parametrize("parts", [
    [("green", "✓")], [("yellow", "!")], [("", "  "), ("red", "failed")],
    [("", " users[1] "), ("dim", "DUCK")],
    [("", "  "), ("yellow", "skipped: upstream check failed: not_null[users.email]")],
    [("yellow", "warn: C:\\data\\[raw] [/] [bold]x\\")],
])
def test_plain_node_lines_are_what_rich_would_print(parts: list[tuple[str, str]]) -> None:
    """Without a terminal, node lines skip rich's rendering; the text must not change."""
    from rich.text import Text

    from pytest_fft.cli.report import _markup, _plain_text

    assert _plain_text(parts) == Text.from_markup(_markup(parts)).plain

"""``fft deps``: its options, read at every start of ``fft``; the work (resolving, git,
the lock) is :mod:`pytest_fft.cli.package_fetch`, imported only when the command runs."""

from __future__ import annotations

import argparse

HELP = "fetch the packages of packages.yml and write packages.lock.yml"


def add_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("project", nargs="?", default=".", help="project folder (default: .)")
    cmd.add_argument("--upgrade", action="store_true",
                     help="resolve every git ref again, ignoring the commits packages.lock.yml "
                          "pins (a branch moves to its newest commit)")
    cmd.add_argument("-q", "--quiet", action="count", default=0,
                     help="only errors and the summary")
    cmd.add_argument("-v", "--verbose", action="count", default=0,
                     help="-vv: also each git command, as it runs")


def run_deps(ns: argparse.Namespace) -> int:
    from pytest_fft.cli.package_fetch import run_deps as fetch

    return fetch(ns)

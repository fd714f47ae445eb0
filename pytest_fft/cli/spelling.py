"""fft's options and the pytest-fft options they stand for, in one table: how ``fft`` builds
its pytest command line, and how messages name an option as the fft user typed it
(``--jobs``, not ``--fft-jobs``), and a kind of run as the command that asks for it."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class PassedOn:
    """An fft option that becomes a pytest-fft option."""

    dest: str  # the argparse attribute
    fft: str  # spelled on fft's command line
    pytest: str  # the pytest-fft option it becomes
    repeat: bool = False  # one pytest option per value given
    switch: bool = False  # no value
    commands: tuple[str, ...] = ()  # only for these commands (all when empty)


PASSED_ON = (
    PassedOn("model", "--model", "--fft-utest-model", repeat=True),
    PassedOn("case", "--case", "--fft-utest-case", repeat=True),
    PassedOn("cache", "--cache", "--fft-utest-cache", commands=("utest",)),
    PassedOn("cache", "--cache", "--fft-cache", commands=("run", "build")),
    PassedOn("wait", "--wait", "--fft-wait"),
    PassedOn("rebuild", "--rebuild", "--fft-rebuild", repeat=True),
    PassedOn("reuse_meta", "--reuse-meta", "--fft-reuse-meta", switch=True),
    PassedOn("env", "--env", "--fft-env"),
    PassedOn("engine", "--engine", "--fft-engine"),
    PassedOn("vars", "--vars", "--fft-vars", repeat=True),
    PassedOn("select", "--select", "--fft-select", repeat=True),
    PassedOn("exclude", "--exclude", "--fft-exclude", repeat=True),
    PassedOn("changed_since", "--changed-since", "--fft-changed-since"),
    PassedOn("jobs", "--jobs", "--fft-jobs", commands=("seed", "run", "test", "build")),
    PassedOn("keep_going", "--keep-going", "--fft-keep-going", switch=True),
    PassedOn("fail_fast", "--fail-fast", "--fft-fail-fast", switch=True),
    PassedOn("full_refresh", "--full-refresh", "--fft-full-refresh", switch=True),
    PassedOn("offline", "--offline", "--fft-offline", switch=True),
    PassedOn("http_cache", "--http-cache", "--fft-http-cache"),
    PassedOn("prune", "--prune", "--fft-prune", switch=True, commands=("snapshot",)),
    PassedOn("keep_last", "--keep-last", "--fft-keep-last", commands=("snapshot",)),
    PassedOn("dry_run", "--dry-run", "--fft-dry-run", switch=True, commands=("snapshot",)),
)


def passed_on(ns: argparse.Namespace) -> list[str]:
    """The pytest-fft options that fft's options in ``ns`` stand for."""
    args: list[str] = []
    for option in PASSED_ON:
        value = getattr(ns, option.dest, None)
        if option.commands and ns.command not in option.commands:
            continue
        if option.switch:
            args += [option.pytest] if value else []
        elif option.repeat:
            # One word each (--fft-select=@x): pytest reads a word that starts with @ as a
            # file of arguments, and a selector may start with @ (dbt's at operator).
            args += [f"{option.pytest}={item}" for item in value or ()]
        elif value not in (None, ""):
            args.append(f"{option.pytest}={value}")
    return args


# pytest-fft option -> how fft spells it; a kind of run named as the command that asks for
# it: "(--fft-run)" is "(fft run)" to an fft user ("add --fft-seed to pytest" stays: it
# speaks of pytest).
OPTIONS = {option.pytest: option.fft for option in PASSED_ON}
OPTIONS.update({f"({flag})": f"(fft {flag.removeprefix('--fft-')})"
                for flag in ("--fft-run", "--fft-seed", "--fft-test", "--fft-utest")})
OPTIONS["(--fft-snapshot)"] = "(fft snapshot run)"
_OPTION = re.compile("|".join(re.escape(o) + r"(?![\w-])"
                              for o in sorted(OPTIONS, key=len, reverse=True)))


# "--wait SECONDS (--fft-wait)" names both spellings; in fft's it would name one twice.
_BOTH = re.compile(r"(--[\w-]+)((?: [A-Z]+)?) \(\1\)")


def fft_spelling(text: str) -> str:
    """``text`` with every pytest-fft option named as fft's command line names it."""
    if "--fft-" not in text:
        return text
    return _BOTH.sub(r"\1\2", _OPTION.sub(lambda m: OPTIONS[m.group(0)], text))

"""Messages in ``fft``'s own words: the pytest options that fft passes on (``--fft-jobs``)
are spelled as the fft user typed them (``--jobs``), and the kinds of a run as commands."""

from __future__ import annotations

import re

# pytest option -> how it is spelled on fft's command line
OPTIONS = {
    "--fft-jobs": "--jobs", "--fft-select": "--select", "--fft-exclude": "--exclude",
    "--fft-vars": "--vars", "--fft-env": "--env", "--fft-engine": "--engine",
    "--fft-cache": "--cache", "--fft-rebuild": "--rebuild", "--fft-wait": "--wait",
    "--fft-fail-fast": "--fail-fast", "--fft-keep-going": "--keep-going",
    "--fft-utest-model": "--model", "--fft-utest-case": "--case",
    "--fft-utest-cache": "--cache",
}
# A kind of run named as what asks for it: "(--fft-run)" is "(fft run)" to an fft user.
# ("add --fft-seed to pytest" stays: it speaks of pytest.)
OPTIONS.update({f"({flag})": f"(fft {flag.removeprefix('--fft-')})"
                for flag in ("--fft-run", "--fft-seed", "--fft-test", "--fft-utest")})
_OPTION = re.compile("|".join(re.escape(o) + r"(?![\w-])"
                              for o in sorted(OPTIONS, key=len, reverse=True)))


def fft_spelling(text: str) -> str:
    """``text`` with every pytest-fft option named as fft's command line names it."""
    return _OPTION.sub(lambda m: OPTIONS[m.group(0)], text) if "--fft-" in text else text

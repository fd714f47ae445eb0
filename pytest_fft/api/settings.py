"""The ``FF_HTTP_*`` settings of the HTTP helpers, read from the environment at each call.

Each call of :func:`~pytest_fft.api.http.get_json` reads them again, so a ``.env`` file, a
command-line flag (``--offline`` sets ``FF_HTTP_OFFLINE=1``) or a test's ``monkeypatch.setenv``
takes effect at once. The names and defaults are FastFlowTransform 0.6's (Api_Models.md,
Cache_and_Parallelism.md)::

    FF_HTTP_OFFLINE          0        1/true/yes/on: cache hits only, no network
    FF_HTTP_CACHE_MODE       rw       rw (read and write), ro (read only), off
    FF_HTTP_CACHE_DIR        .fastflowtransform/http_cache   (relative: to the project)
    FF_HTTP_TTL              0        seconds an entry is fresh; 0: forever
    FF_HTTP_TIMEOUT          20       seconds per request
    FF_HTTP_MAX_RETRIES      3        retries after the first attempt
    FF_HTTP_RATE_LIMIT_RPS   0        requests per second, per process; 0: unlimited
    FF_HTTP_MAX_RPS                   the same (the name the 0.6 examples use)
    FF_HTTP_ALLOWED_DOMAINS  (all)    comma-separated hosts; subdomains included

and one of pytest-fft (``FFT_*``: tool behaviour, never part of a fingerprint)::

    FFT_HTTP_BACKOFF         0.5      seconds before the first retry; doubles each time

A value that cannot be read is an :class:`HttpSettingsError` naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pytest_fft.errors import ProfileError

__all__ = ["CACHE_MODES", "DEFAULT_CACHE_DIR", "FINGERPRINT_NEUTRAL", "VARIABLES",
           "HttpSettings", "HttpSettingsError", "cli_environment"]

CacheMode = Literal["rw", "ro", "off"]
CACHE_MODES: tuple[CacheMode, ...] = ("rw", "ro", "off")
DEFAULT_CACHE_DIR = ".fastflowtransform/http_cache"

#: Every variable this module reads.
VARIABLES = ("FF_HTTP_OFFLINE", "FF_HTTP_CACHE_MODE", "FF_HTTP_CACHE_DIR", "FF_HTTP_TTL",
             "FF_HTTP_TIMEOUT", "FF_HTTP_MAX_RETRIES", "FF_HTTP_RATE_LIMIT_RPS",
             "FF_HTTP_MAX_RPS", "FF_HTTP_ALLOWED_DOMAINS", "FFT_HTTP_BACKOFF")

#: The ``FF_HTTP_*`` variables that change how a response is obtained (from the network or
#: the cache, how fast, how often retried), never what a model returns: a build fingerprint
#: may leave them out, so that ``--offline`` after an online run does not rebuild every
#: node. (FastFlowTransform 0.6 counts every ``FF_*`` variable.)
FINGERPRINT_NEUTRAL = frozenset(v for v in VARIABLES if v.startswith("FF_"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


class HttpSettingsError(ProfileError):
    """An ``FF_HTTP_*`` variable holds a value the HTTP helpers cannot read."""


@dataclass(frozen=True)
class HttpSettings:
    """What steers one call of the HTTP helpers (see the module's docstring)."""

    offline: bool = False
    cache_mode: CacheMode = "rw"
    cache_dir: Path = Path(DEFAULT_CACHE_DIR)
    ttl: int = 0
    timeout: float = 20.0
    max_retries: int = 3
    rate_limit_rps: float = 0.0
    allowed_domains: tuple[str, ...] = ()
    backoff: float = 0.5

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None,
                     project_dir: Path | None = None) -> HttpSettings:
        """The settings of ``environ`` (the process's by default); a relative cache folder
        is taken from ``project_dir`` (else the current folder), as profiles.yml paths are."""
        env = os.environ if environ is None else environ
        cache_dir = Path(env.get("FF_HTTP_CACHE_DIR", "").strip() or DEFAULT_CACHE_DIR)
        cache_dir = cache_dir.expanduser()
        if not cache_dir.is_absolute():
            cache_dir = (project_dir or Path.cwd()) / cache_dir
        rps_name = ("FF_HTTP_RATE_LIMIT_RPS" if env.get("FF_HTTP_RATE_LIMIT_RPS", "").strip()
                    else "FF_HTTP_MAX_RPS")
        return cls(
            offline=_flag(env, "FF_HTTP_OFFLINE"),
            cache_mode=_mode(env),
            cache_dir=cache_dir,
            ttl=int(_number(env, "FF_HTTP_TTL", 0, whole=True)),
            timeout=_number(env, "FF_HTTP_TIMEOUT", 20.0, positive=True),
            max_retries=int(_number(env, "FF_HTTP_MAX_RETRIES", 3, whole=True)),
            rate_limit_rps=_number(env, rps_name, 0.0),
            allowed_domains=_domains(env.get("FF_HTTP_ALLOWED_DOMAINS", "")),
            backoff=_number(env, "FFT_HTTP_BACKOFF", 0.5),
        )

    @property
    def reads_cache(self) -> bool:
        return self.cache_mode != "off"

    @property
    def writes_cache(self) -> bool:
        return self.cache_mode == "rw"


def cli_environment(*, offline: bool = False, cache_mode: str | None = None) -> dict[str, str]:
    """The variables that ``--offline`` and ``--http-cache MODE`` set (to put into
    ``os.environ`` before the build starts); a bad mode is an :class:`HttpSettingsError`."""
    out: dict[str, str] = {}
    if offline:
        out["FF_HTTP_OFFLINE"] = "1"
    if cache_mode is not None:
        out["FF_HTTP_CACHE_MODE"] = _mode({"FF_HTTP_CACHE_MODE": cache_mode}, flag=True)
    return out


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise HttpSettingsError(f"{name}={env[name]!r} is neither on nor off",
                            hint=f"set {name} to 1 (on) or 0 (off)")


def _mode(env: Mapping[str, str], *, flag: bool = False) -> CacheMode:
    raw = env.get("FF_HTTP_CACHE_MODE", "")
    value = raw.strip().lower() or "rw"
    if value not in CACHE_MODES:
        where = "--http-cache" if flag else "FF_HTTP_CACHE_MODE"
        raise HttpSettingsError(f"{where} {raw!r} is not a cache mode",
                                hint=f"use rw (read and write, the default), ro (read only) "
                                     f"or off: {where} rw")
    return value


def _number(env: Mapping[str, str], name: str, default: float, *, whole: bool = False,
            positive: bool = False) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    ok = (value == value and value >= 0 and (value > 0 or not positive)
          and (not whole or value == int(value)) and value != float("inf"))
    if not ok:
        kind = "a whole number" if whole else "a number"
        least = "above 0" if positive else "0 or more"
        shown = int(default) if whole or default == int(default) else default
        raise HttpSettingsError(f"{name}={raw!r} is not {kind} ({least})",
                                hint=f"set {name} to {kind} such as {shown}, or unset it "
                                     f"for the default ({shown})")
    return value


def _domains(raw: str) -> tuple[str, ...]:
    """Hosts of a comma-separated list; ``https://`` prefixes, paths and ``*.`` are dropped."""
    out = []
    for item in raw.split(","):
        host = item.strip().lower()
        if "://" in host:
            host = host.split("://", 1)[1]
        host = host.split("/", 1)[0].removeprefix("*.").strip(".")
        if host:
            out.append(host)
    return tuple(dict.fromkeys(out))

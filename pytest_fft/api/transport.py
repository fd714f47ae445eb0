"""Sending one request over the network: httpx, the rate limit, retries, allowed hosts.

httpx is imported here, when the first request goes out: loading a project whose models
import :mod:`fastflowtransform.api.http` costs nothing.

- **Allowed hosts** (``FF_HTTP_ALLOWED_DOMAINS``): every request, redirects included, must
  go to a listed host or one of its subdomains (``example.com`` allows ``api.example.com``);
  an entry with a port (``127.0.0.1:8080``) allows that port only.
- **Rate limit** (``FF_HTTP_RATE_LIMIT_RPS``): requests of the whole process (all threads,
  all nodes) start at least ``1/rps`` seconds apart; retries count.
- **Retries** (``FF_HTTP_MAX_RETRIES``): after a connection error, a timeout or an answer 429,
  500, 502, 503 or 504, the request is sent again, waiting ``Retry-After`` (at most 60 s)
  or ``FFT_HTTP_BACKOFF`` seconds doubled at each retry (at most 30 s), with some jitter.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pytest_fft.api.errors import DomainNotAllowed, HttpError, located
from pytest_fft.api.settings import HttpSettings
from pytest_fft.redact import redact

__all__ = ["RETRIED_STATUSES", "Response", "host_allowed", "send"]

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0
MAX_BACKOFF = 30.0


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes
    attempts: int


def host_allowed(url: str, allowed: tuple[str, ...]) -> bool:
    """Whether ``url``'s host is one of ``allowed`` (or a subdomain); all when empty."""
    if not allowed:
        return True
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    with_port = f"{host}:{parts.port}" if parts.port else host
    return any(host == d or host.endswith("." + d) or with_port == d for d in allowed)


def check_host(url: str, settings: HttpSettings, shown: str) -> None:
    if not host_allowed(url, settings.allowed_domains):
        host = urlsplit(url).hostname or url
        raise located(DomainNotAllowed,
                      f"GET {shown}: host {host} is not in FF_HTTP_ALLOWED_DOMAINS "
                      f"({','.join(settings.allowed_domains)})",
                      hint=f"add {host} to FF_HTTP_ALLOWED_DOMAINS (comma-separated), or "
                           "call an allowed host")


class _RateLimit:
    """Start times at least ``1/rps`` apart, for every thread of the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self, rps: float) -> None:
        if rps <= 0:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + 1.0 / rps
        if slot > now:
            time.sleep(slot - now)


RATE_LIMIT = _RateLimit()


def _pause(attempt: int, settings: HttpSettings, retry_after: str | None) -> None:
    if retry_after:
        try:
            time.sleep(min(max(float(retry_after), 0.0), MAX_RETRY_AFTER))
            return
        except ValueError:  # an HTTP date: use the backoff instead
            pass
    delay = min(settings.backoff * 2 ** attempt, MAX_BACKOFF)
    time.sleep(delay * (1 + random.random() * 0.25))  # jitter, not crypto


def send(method: str, url: str, *, params: Mapping[str, Any] | None,
         headers: Mapping[str, Any] | None, timeout: float, settings: HttpSettings,
         shown: str) -> Response:
    """Send a request with retries; the last answer, whatever its status, or an
    :class:`HttpError` when no answer came (``shown``: the URL with its secrets masked)."""
    try:
        import httpx
    except ImportError:
        raise located(HttpError, f"GET {shown}: the HTTP helpers need httpx, which is not "
                                 "installed", hint="pip install 'pytest-fft[http]'") from None

    def guard(request: httpx.Request) -> None:  # every request, redirects included
        check_host(str(request.url), settings, redact(str(request.url)))

    # httpx (0.28 on) replaces a URL's query with params=; FastFlowTransform's examples put
    # page=1 in the URL and more in params, so both are kept (params win on a name).
    target = httpx.URL(url).copy_merge_params(dict(params)) if params else httpx.URL(url)
    attempts = settings.max_retries + 1
    with httpx.Client(timeout=timeout, follow_redirects=True,
                      event_hooks={"request": [guard]}) as client:
        for attempt in range(attempts):
            last = attempt == attempts - 1
            RATE_LIMIT.wait(settings.rate_limit_rps)
            try:
                answer = client.request(method, target, headers={
                    str(k): str(v) for k, v in (headers or {}).items()})
            except httpx.TimeoutException as exc:
                if not last:
                    _pause(attempt, settings, None)
                    continue
                raise located(HttpError,
                              f"GET {shown} timed out after {timeout:g} s "
                              f"({_tries(attempts)})",
                              hint="raise FF_HTTP_TIMEOUT (or pass timeout=), or run "
                                   "offline from a warmed cache (FF_HTTP_OFFLINE=1)") from exc
            except httpx.TransportError as exc:
                if not last:
                    _pause(attempt, settings, None)
                    continue
                raise located(HttpError,
                              f"GET {shown} failed ({_tries(attempts)}): "
                              f"{type(exc).__name__}: {exc}",
                              hint="check the URL and the network; without a network, warm "
                                   "the cache once online, then run with FF_HTTP_OFFLINE=1 "
                                   "(fft run --offline)") from exc
            if answer.status_code in RETRIED_STATUSES and not last:
                _pause(attempt, settings, answer.headers.get("retry-after"))
                continue
            return Response(answer.status_code, answer.reason_phrase,
                            dict(answer.headers), answer.content, attempt + 1)
    raise AssertionError("unreachable")  # pragma: no cover


def _tries(attempts: int) -> str:
    return ("1 attempt, FF_HTTP_MAX_RETRIES=0" if attempts == 1
            else f"{attempts} attempts, FF_HTTP_MAX_RETRIES={attempts - 1}")

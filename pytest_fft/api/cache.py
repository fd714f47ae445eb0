"""The HTTP response cache on disk: one entry per request, written atomically, no secrets.

An entry is two files in ``FF_HTTP_CACHE_DIR``, named by the SHA-256 of the request's key:
``<hash>.body`` (the response body, byte for byte) and ``<hash>.json`` (the key, the URL,
the status, a few response headers, the body's hash, the time it was fetched). The body is
written first and the metadata last, each by an atomic rename, and a reader checks the
body against the hash of the metadata: a half-written or tampered entry is a miss, never
a wrong answer.

The **key** is the request as text, ``GET:<url>|<params>|<headers>`` (params and headers as
sorted JSON, header names in lower case), with every secret masked as ``***``:
``Authorization``, ``Cookie``, ``X-Api-Key`` and any header or parameter whose name says it
holds a secret (``token``, ``api_key``, ``password``, ``key``, ``signature``...), in the URL's
query too, and a password inside the URL. So two requests that differ only in a secret share
an entry, and no secret is ever written: the stored response headers are only
``content-type``, ``etag``, ``last-modified``, ``date`` and ``cache-control`` (never
``Set-Cookie``). The key is built the same way whatever the environment, so a cache warmed
on one machine answers on another. The masked secret values are remembered
(:func:`pytest_fft.redact.remember`), so no later message shows them either.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pytest_fft.atomic import write_atomic
from pytest_fft.errors import CacheWarning
from pytest_fft.redact import MASK, is_secret_key, redact, remember

__all__ = ["CachedResponse", "RequestKey", "ResponseCache", "content_hash", "request_key"]

FORMAT = 1
#: Header and parameter names that carry credentials without saying so in their name.
SECRET_NAMES = frozenset({"authorization", "proxy_authorization", "cookie", "key", "sig",
                          "signature", "auth", "session", "sessionid", "jwt", "bearer"})
#: The response headers an entry keeps; everything else (``Set-Cookie``...) is dropped.
KEPT_HEADERS = ("content-type", "etag", "last-modified", "date", "cache-control")


def _is_secret(name: object) -> bool:
    text = str(name).lower().replace("-", "_")
    return text in SECRET_NAMES or is_secret_key(text)


def _mask_value(name: object, value: Any) -> Any:
    if not _is_secret(name):
        return value
    text = str(value)
    remember(text)
    _, _, token = text.partition(" ")  # "Bearer abc": the token alone too
    if token:
        remember(token)
    return MASK


def masked_url(url: str) -> str:
    """``url`` with its password and the values of secret query parameters masked."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        if ":" in user:
            name, _, password = user.partition(":")
            remember(password)
            netloc = f"{name}:{MASK}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_is_secret(k) for k, _ in pairs):
            query = urlencode([(k, _mask_value(k, v)) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


@dataclass(frozen=True)
class RequestKey:
    """A request as the cache knows it: the masked ``text`` and its ``digest``."""

    text: str
    digest: str
    url: str  # masked
    method: str = "GET"
    rest: str = "|{}|{}"  # the text after the URL: params and headers
    display: str = ""  # the URL with the params in its query, masked: for messages

    def shown(self) -> str:
        """The text with every secret value the process knows masked too (for messages and
        telemetry; the digest never depends on the environment)."""
        return f"{self.method}:{redact(self.url)}{self.rest}"


def request_key(method: str, url: str, params: Mapping[str, Any] | None = None,
                headers: Mapping[str, Any] | None = None) -> RequestKey:
    """The cache key of a request (see the module's docstring)."""
    shown = masked_url(url)
    safe_params = {str(k): _mask_value(k, v) for k, v in (params or {}).items()}
    safe_headers = {str(k).lower(): _mask_value(k, v) for k, v in (headers or {}).items()}

    def dump(data: Mapping[str, Any]) -> str:
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          default=str)

    rest = f"|{dump(safe_params)}|{dump(safe_headers)}"
    text = f"{method.upper()}:{shown}{rest}"
    return RequestKey(text, hashlib.sha256(text.encode("utf-8")).hexdigest(), shown,
                      method.upper(), rest, masked_url(_with_params(url, params)))


def _with_params(url: str, params: Mapping[str, Any] | None) -> str:
    """``url`` with ``params`` in its query, as the request sends it (params win on a name)."""
    if not params:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in params]
    for name, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        query += [(str(name), "" if v is None else str(v)) for v in values]
    return urlunsplit(parts._replace(query=urlencode(query)))


def content_hash(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class CachedResponse:
    """A response read from (or just written to) the cache."""

    status: int
    body: bytes
    headers: dict[str, str]
    content_hash: str
    fetched_at: float


class ResponseCache:
    """The entries of one cache folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _paths(self, key: RequestKey) -> tuple[Path, Path]:
        return self.folder / f"{key.digest}.json", self.folder / f"{key.digest}.body"

    def read(self, key: RequestKey, *, ttl: int = 0,
             now: float | None = None) -> CachedResponse | None:
        """The entry of ``key``; ``None`` when there is none, it is older than ``ttl``
        seconds (``0``: never too old) or it is damaged (then with a :class:`CacheWarning`)."""
        meta_path, body_path = self._paths(key)
        if not meta_path.is_file():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            body = body_path.read_bytes()
            entry = CachedResponse(int(meta["status"]), body, dict(meta.get("headers") or {}),
                                   str(meta["content_hash"]), float(meta["fetched_at"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            warnings.warn(CacheWarning(f"HTTP cache entry {meta_path} is unreadable "
                                       f"({type(exc).__name__}); fetching it again"),
                          stacklevel=2)
            return None
        if content_hash(body) != entry.content_hash:
            warnings.warn(CacheWarning(f"HTTP cache entry {body_path} does not match its "
                                       "hash (a damaged or half-written entry); ignored"),
                          stacklevel=2)
            return None
        if ttl > 0 and (time.time() if now is None else now) - entry.fetched_at > ttl:
            return None
        return entry

    def age(self, key: RequestKey) -> float | None:
        """Seconds since the entry of ``key`` was fetched, if there is a readable one."""
        entry = self.read(key)
        return None if entry is None else max(0.0, time.time() - entry.fetched_at)

    def write(self, key: RequestKey, *, status: int, body: bytes,
              headers: Mapping[str, str] | None = None) -> CachedResponse:
        """Store a response under ``key`` (body first, then its metadata; both private)."""
        kept = {name: str(value) for name, value in
                ((str(k).lower(), v) for k, v in (headers or {}).items())
                if name in KEPT_HEADERS}
        entry = CachedResponse(status, body, kept, content_hash(body), time.time())
        meta = {"format": FORMAT, "key": key.text, "url": key.url, "status": status,
                "headers": kept, "content_hash": entry.content_hash,
                "bytes": len(body), "fetched_at": entry.fetched_at}
        meta_path, body_path = self._paths(key)
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(body_path, body, durable=False, mode=0o600)
        write_atomic(meta_path, json.dumps(meta, indent=2, sort_keys=True) + "\n",
                     durable=False, mode=0o600)
        return entry

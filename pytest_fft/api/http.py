"""HTTP calls from Python models: ``fastflowtransform.api.http`` of FastFlowTransform 0.6.

::

    from fastflowtransform.api.http import get_df

    @model(name="users_from_api")
    def fetch(_):
        return get_df("https://api.example.com/users", params={"page": 1},
                      record_path=["data"], paginator=page_number(record_path=["data"]))

Every request goes through the response cache (:mod:`pytest_fft.api.cache`) as the
``FF_HTTP_*`` settings say (:mod:`pytest_fft.api.settings`): an answer in the cache is used
without touching the network; offline (``FF_HTTP_OFFLINE=1``) a request the cache cannot
answer is an :class:`~pytest_fft.api.errors.OfflineCacheMiss`. Only GET is offered, as in
FastFlowTransform 0.6. Each response is counted in the running node's telemetry
(:mod:`pytest_fft.api.telemetry`). httpx and pandas are imported at the first call.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pytest_fft.api.cache import (
    CachedResponse,
    RequestKey,
    ResponseCache,
    content_hash,
    request_key,
)
from pytest_fft.api.errors import (
    DomainNotAllowed,
    HttpError,
    OfflineCacheMiss,
    located,
    project_dir,
)
from pytest_fft.api.pagination import (
    Paginator,
    next_url,
    offset_limit,
    page_number,
    records_at,
)
from pytest_fft.api.settings import HttpSettings
from pytest_fft.api.telemetry import HttpStats, current_stats, http_stats
from pytest_fft.api.transport import check_host, send
from pytest_fft.errors import CacheWarning
from pytest_fft.redact import redact

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["get", "get_json", "get_df", "next_url", "page_number", "offset_limit",
           "prime_cache", "cache_key", "http_stats", "HttpStats", "HttpError",
           "OfflineCacheMiss", "DomainNotAllowed"]

Output = Literal["pandas", "spark", "bigframes"]
MAX_PAGES = 10_000


@dataclass(frozen=True)
class _Page:
    body: bytes
    content_type: str
    shown: str  # the URL, secrets masked


def _settings() -> HttpSettings:
    return HttpSettings.from_environ(project_dir=project_dir())


def _shown(key: RequestKey) -> str:
    return redact(key.display)  # the structural masking, then every secret value known


def _record(stats: HttpStats | None, key: RequestKey, status: int, body: bytes, *,
            from_cache: bool, settings: HttpSettings) -> None:
    if stats is not None:
        stats.record(key=key.shown(), url=_shown(key), status=status,
                     content_hash=content_hash(body), size=len(body), from_cache=from_cache,
                     offline=settings.offline)


def _miss_reason(cache: ResponseCache, key: RequestKey, settings: HttpSettings,
                 ttl: int) -> str:
    if not settings.reads_cache:
        return "FF_HTTP_CACHE_MODE=off: the cache is not read"
    age = cache.age(key)
    if age is not None and ttl > 0:
        return f"the cached response is {age:.0f} s old, older than the TTL of {ttl} s"
    return f"no cached response in {cache.folder}"


def _fetch(url: str, params: Mapping[str, Any] | None, headers: Mapping[str, Any] | None,
           *, ttl: int, timeout: float, settings: HttpSettings) -> _Page:
    """One GET, answered by the cache when it can be."""
    key = request_key("GET", url, params, headers)
    shown = _shown(key)
    check_host(url, settings, shown)
    cache = ResponseCache(settings.cache_dir)
    stats = current_stats()
    hit: CachedResponse | None = cache.read(key, ttl=ttl) if settings.reads_cache else None
    if hit is not None:
        _record(stats, key, hit.status, hit.body, from_cache=True, settings=settings)
        return _Page(hit.body, hit.headers.get("content-type", ""), shown)
    if settings.offline:
        raise located(
            OfflineCacheMiss,
            f"offline (FF_HTTP_OFFLINE=1): GET {shown} is not in the HTTP cache "
            f"({_miss_reason(cache, key, settings, ttl)})",
            hint="warm the cache: run once online with FF_HTTP_CACHE_MODE=rw (without "
                 "--offline / FF_HTTP_OFFLINE), or set FF_HTTP_CACHE_DIR to a warmed cache, "
                 "or seed it with pytest_fft.api.http.prime_cache(url, payload) given the "
                 "url, params= and headers= of this call")
    answer = send("GET", url, params=params, headers=headers, timeout=timeout,
                  settings=settings, shown=shown)
    if not 200 <= answer.status < 300:
        excerpt = answer.body[:200].decode("utf-8", "replace").strip()
        raise located(HttpError,
                      f"GET {shown} answered HTTP {answer.status} {answer.reason}"
                      + (f" after {answer.attempts} attempts" if answer.attempts > 1 else "")
                      + (f": {excerpt}" if excerpt else ""),
                      hint=_status_hint(answer.status))
    if settings.writes_cache:
        try:
            cache.write(key, status=answer.status, body=answer.body, headers=answer.headers)
        except OSError as exc:
            warnings.warn(CacheWarning(f"could not write the HTTP cache in {cache.folder}: "
                                       f"{exc}; the run goes on without it"), stacklevel=2)
    _record(stats, key, answer.status, answer.body, from_cache=False, settings=settings)
    content_type = next((v for k, v in answer.headers.items() if k.lower() == "content-type"),
                        "")
    return _Page(answer.body, content_type, shown)


def _status_hint(status: int) -> str:
    if status in (401, 403):
        return "check the credentials passed in headers= (they are never cached or shown)"
    if status == 404:
        return "check the URL and its params"
    if status == 429:
        return "lower FF_HTTP_RATE_LIMIT_RPS, or raise FF_HTTP_MAX_RETRIES"
    if status >= 500:
        return "the server failed; try again later, or raise FF_HTTP_MAX_RETRIES"
    return "check the URL, params and headers of the request"


def _json(page: _Page) -> Any:
    try:
        return json.loads(page.body)
    except ValueError:
        excerpt = page.body[:120].decode("utf-8", "replace")
        raise located(HttpError,
                      f"GET {page.shown}: the response is not JSON "
                      f"(content-type {page.content_type or 'unknown'}): {excerpt!r}",
                      hint="check the URL (an HTML error page?), or use get() for the raw "
                           "bytes") from None


def _maybe_json(page: _Page) -> Any:
    try:
        return json.loads(page.body)
    except ValueError:
        return None


def _pages(url: str, params: Mapping[str, Any] | None, headers: Mapping[str, Any] | None,
           ttl: int | None, timeout: float | None, paginator: Paginator | None, *,
           strict_json: bool) -> list[tuple[_Page, Any]]:
    settings = _settings()
    ttl = settings.ttl if ttl is None else int(ttl)
    timeout = settings.timeout if timeout is None else float(timeout)
    cur_url, cur_params = url, dict(params) if params else None
    cur_headers = dict(headers or {})
    seen: set[str] = set()
    out: list[tuple[_Page, Any]] = []
    while True:
        key = request_key("GET", cur_url, cur_params, cur_headers)
        if key.digest in seen or len(out) >= MAX_PAGES:
            again = key.digest in seen
            raise located(HttpError,
                          f"the paginator asked for GET {_shown(key)} "
                          + ("again" if again else f"after {MAX_PAGES} pages"),
                          hint="return None from the paginator when there is no next page")
        seen.add(key.digest)
        page = _fetch(cur_url, cur_params, cur_headers, ttl=ttl, timeout=timeout,
                      settings=settings)
        payload = _json(page) if strict_json else (
            _maybe_json(page) if paginator is not None else None)
        out.append((page, payload))
        if paginator is None:
            return out
        following = paginator(cur_url, cur_params, payload)
        request = following.get("next_request") if isinstance(following, Mapping) else None
        if not request:
            return out
        if not isinstance(request, Mapping):
            raise located(HttpError,
                          f"the paginator returned next_request={request!r}, not a mapping",
                          hint='return {"next_request": {"url": ..., "params": {...}}} or None')
        cur_url = str(request.get("url") or cur_url)
        if "params" in request:
            cur_params = dict(request["params"]) if request["params"] else None
        if "headers" in request:
            cur_headers = dict(request["headers"] or {})


def get(url: str, *, params: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None, ttl: int | None = None,
        paginator: Paginator | None = None, timeout: float | None = None) -> Any:
    """GET ``url``: the response body as bytes, or a list of bodies with a ``paginator``
    (which gets each body's JSON, or ``None`` for a body that is no JSON)."""
    pages = _pages(url, params, headers, ttl, timeout, paginator, strict_json=False)
    bodies = [page.body for page, _ in pages]
    return bodies if paginator is not None else bodies[0]


def get_json(url: str, *, params: Mapping[str, Any] | None = None,
             headers: Mapping[str, Any] | None = None, ttl: int | None = None,
             paginator: Paginator | None = None, timeout: float | None = None) -> Any:
    """GET ``url`` and parse its JSON (a dict or list); with a ``paginator``, the list of
    every page's JSON. ``ttl`` (seconds) and ``timeout`` override ``FF_HTTP_TTL`` and
    ``FF_HTTP_TIMEOUT`` for this call."""
    payloads = [payload for _, payload in
                _pages(url, params, headers, ttl, timeout, paginator, strict_json=True)]
    return payloads if paginator is not None else payloads[0]


def get_df(url: str, *, params: Mapping[str, Any] | None = None,
           headers: Mapping[str, Any] | None = None, ttl: int | None = None,
           paginator: Paginator | None = None, json_path: str | Sequence[str] | None = None,
           record_path: str | Sequence[str] | None = None,
           meta: Sequence[str | Sequence[str]] | None = None,
           dtype: Mapping[str, Any] | None = None, timeout: float | None = None,
           normalize: bool = False, output: Output = "pandas",
           session: Any | None = None) -> pd.DataFrame:
    """GET ``url`` (every page with a ``paginator``) as one pandas DataFrame.

    ``json_path`` leads to the part of the JSON to read; ``record_path`` (a key or a list of
    keys) to the list of records, read with ``pandas.json_normalize`` (nested objects become
    ``a.b`` columns; ``meta`` adds fields of the enclosing object). Without ``record_path``
    a list of records becomes one row each (flattened when ``normalize=True``) and an object
    one row. ``dtype`` casts columns. ``output`` must be ``"pandas"``: Spark and BigFrames
    frames are not available yet.
    """
    if output != "pandas":
        what = ("is not available yet in pytest-fft" if output in ("spark", "bigframes")
                else "is not an output (pandas, spark or bigframes)")
        raise located(HttpError, f"get_df(output={output!r}) {what}",
                      hint="use output='pandas' (the default) and convert the frame yourself")
    del session  # for output='spark', which is not available yet
    import pandas as pd

    pages = _pages(url, params, headers, ttl, timeout, paginator, strict_json=True)
    frames = [_frame(payload, page.shown, json_path=json_path, record_path=record_path,
                     meta=meta, normalize=normalize) for page, payload in pages]
    frame = (frames[0] if len(frames) == 1 else
             pd.concat(frames, ignore_index=True) if frames else pd.DataFrame())
    return frame.astype(dict(dtype)) if dtype else frame


def _frame(payload: Any, shown: str, *, json_path: str | Sequence[str] | None,
           record_path: str | Sequence[str] | None, meta: Sequence[str | Sequence[str]] | None,
           normalize: bool) -> pd.DataFrame:
    import pandas as pd

    base = payload
    if json_path:
        base = records_at(payload, json_path)
        if base is None:
            raise _missing("json_path", json_path, payload, shown)
    if record_path:
        path = [record_path] if isinstance(record_path, str) else list(record_path)
        value = base
        for step in path:  # through objects; a list on the way is json_normalize's business
            if not isinstance(value, Mapping):
                break
            if step not in value:
                raise _missing("record_path", record_path, base, shown)
            value = value[step]
        if value is None or value == []:
            return pd.DataFrame()
        metas = [m if isinstance(m, str) else list(m) for m in meta] if meta else None
        return pd.json_normalize(base, record_path=path, meta=metas, sep=".")
    if isinstance(base, list):
        return pd.json_normalize(base, sep=".") if normalize else pd.DataFrame(base)
    if isinstance(base, Mapping):
        return pd.json_normalize(base, sep=".")
    raise located(HttpError, f"GET {shown}: the JSON is a {type(base).__name__}, not records",
                  hint="point record_path (or json_path) at the list of records")


def _missing(name: str, path: Any, payload: Any, shown: str) -> HttpError:
    keys = ", ".join(map(str, list(payload)[:20])) if isinstance(payload, Mapping) else None
    has = f"its keys are {keys}" if keys else f"it is a {type(payload).__name__}"
    return located(HttpError, f"GET {shown}: {name}={path!r} is not in the JSON ({has})",
                   hint=f"set {name} to the path of the records in the response")


def cache_key(url: str, *, params: Mapping[str, Any] | None = None,
              headers: Mapping[str, Any] | None = None) -> str:
    """The key (secrets masked) under which a GET of ``url`` is cached and reported."""
    return request_key("GET", url, params, headers).shown()


def prime_cache(url: str, payload: Any, *, params: Mapping[str, Any] | None = None,
                headers: Mapping[str, Any] | None = None, status: int = 200) -> str:
    """Store ``payload`` (bytes, text, or anything JSON can write) as the cached response to a
    GET of ``url``, in the cache folder the settings name: for tests and offline demos that
    must not touch the network. Returns the entry's key."""
    if isinstance(payload, bytes):
        body, kind = payload, "application/octet-stream"
    elif isinstance(payload, str):
        body, kind = payload.encode("utf-8"), "text/plain; charset=utf-8"
    else:
        body, kind = json.dumps(payload).encode("utf-8"), "application/json"
    key = request_key("GET", url, params, headers)
    ResponseCache(_settings().cache_dir).write(key, status=status, body=body,
                                               headers={"content-type": kind})
    return key.shown()

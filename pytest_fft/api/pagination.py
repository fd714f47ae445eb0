"""Paginators: how :func:`~pytest_fft.api.http.get_df` finds the next page.

A paginator is any callable ``(url, params, payload) -> dict | None`` called after each page
with the request just made and its parsed JSON. It returns ``None`` to stop, or
``{"next_request": {"url": ..., "params": {...}, "headers": {...}}}`` (a missing field keeps
its previous value), as FastFlowTransform 0.6 documents. Three ready-made ones::

    get_df(url, paginator=next_url("paging.next"), record_path=["data"])   # a link in the body
    get_df(url, params={"page": 1}, paginator=page_number(record_path=["data"]))
    get_df(url, paginator=offset_limit(limit=100, record_path="items"), record_path="items")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

__all__ = ["Paginator", "next_url", "offset_limit", "page_number", "records_at"]

Paginator = Callable[[str, "dict[str, Any] | None", Any], "dict[str, Any] | None"]
Path = str | Sequence[str] | None


def _path(path: Path) -> list[str]:
    if path is None:
        return []
    if isinstance(path, str):
        return [path]
    return [str(part) for part in path]


def records_at(payload: Any, path: Path) -> Any:
    """The value at ``path`` inside ``payload``, as ``get_df``'s ``record_path`` reads it: a
    string is one key, a list a path (``["paging", "next"]``); ``None`` when a step is
    missing."""
    value = payload
    for step in _path(path):
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def next_url(*path: str) -> Paginator:
    """Follow the URL found at ``path`` in each page (default ``next``; ``"paging.next"`` or
    ``"paging", "next"``), relative to the page's URL; stop when it is missing or empty. The
    next URL carries its own query, so the first request's ``params`` are dropped."""
    steps = [step for part in (path or ("next",)) for step in part.split(".") if step]

    def paginate(url: str, params: dict[str, Any] | None, payload: Any) -> dict[str, Any] | None:
        found = records_at(payload, steps)
        if not isinstance(found, str) or not found.strip():
            return None
        return {"next_request": {"url": urljoin(url, found.strip()), "params": None}}

    return paginate


def _bump(url: str, params: dict[str, Any] | None, name: str,
          step: Callable[[int | None], int]) -> dict[str, Any]:
    """The next request with parameter ``name`` advanced, where the first request had it:
    in ``params``, else in the URL's query, else added to ``params``."""
    if params and name in params:
        return {"url": url, "params": {**params, name: step(int(params[name]))}}
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(key == name for key, _ in query):
        query = [(k, str(step(int(v))) if k == name else v) for k, v in query]
        return {"url": urlunsplit(parts._replace(query=urlencode(query))), "params": params}
    return {"url": url, "params": {**(params or {}), name: step(None)}}


def page_number(param: str = "page", *, record_path: Path = None, start: int = 1,
                max_pages: int | None = None) -> Paginator:
    """Ask for page ``start + 1``, ``start + 2``... (the parameter ``param``, in ``params`` or
    the URL) until a page has no records at ``record_path`` (the whole payload when
    ``None``) or ``max_pages`` pages were read."""
    seen = 0

    def paginate(url: str, params: dict[str, Any] | None, payload: Any) -> dict[str, Any] | None:
        nonlocal seen
        seen += 1
        records = records_at(payload, record_path)
        if not records or (max_pages is not None and seen >= max_pages):
            seen = 0  # the paginator may serve another get_df call
            return None
        return {"next_request": _bump(url, params, param,
                                      lambda n: start + 1 if n is None else n + 1)}

    return paginate


def offset_limit(offset_param: str = "offset", *, limit: int, record_path: Path = None,
                 limit_param: str | None = "limit") -> Paginator:
    """Ask for the records after those read so far (``offset_param``, with ``limit_param``
    set to ``limit`` when given) until a page has fewer than ``limit`` records."""

    def paginate(url: str, params: dict[str, Any] | None, payload: Any) -> dict[str, Any] | None:
        records = records_at(payload, record_path)
        count = len(records) if isinstance(records, list) else 0
        if count < limit:
            return None
        request = _bump(url, params, offset_param, lambda n: (n or 0) + count)
        in_url = any(k == limit_param for k, _ in parse_qsl(urlsplit(request["url"]).query))
        if limit_param and not in_url:
            request["params"] = {**(request["params"] or {}), limit_param: limit}
        return {"next_request": request}

    return paginate

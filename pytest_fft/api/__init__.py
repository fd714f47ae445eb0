"""Helpers for the code of Python models, as FastFlowTransform 0.6 offers them under
``fastflowtransform.api``: :mod:`pytest_fft.api.http` (``get_json``, ``get_df``, paginators,
the response cache, offline mode, per-node telemetry).

Submodules, one concept each: ``settings`` (the ``FF_HTTP_*`` variables), ``cache`` (the
response cache on disk), ``transport`` (httpx, rate limit, retries, allowed hosts),
``pagination`` (paginators), ``telemetry`` (per-node counts), ``errors``, ``http`` (the
public functions). Nothing here imports httpx or pandas before the first request.
"""

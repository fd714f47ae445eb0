"""``budgets.yml``: per-engine query limits and run budgets, as FastFlowTransform 0.6 documents
them (read next to ``project.yml``; opt-in: no file, no budgets).

.. code-block:: yaml

    version: 1
    query_limits:            # a guard per engine, as FF_<ENGINE>_MAX_BYTES (which wins)
      duckdb: {max_bytes: 2_000_000_000}
    total:                   # the whole run
      bytes_scanned: {warn: 100MB, error: 1GB}
      query_duration_ms: {warn: "30s", error: "2m"}
    models:                  # by node name
      stg_users.ff: {bytes_scanned: {warn: 1000, error: 10_000_000}}
    tags:                    # summed over the models with the tag
      finance: {query_duration_ms: {warn: 60000}}

Bytes take the notation of ``FF_*_MAX_BYTES`` (:func:`~pytest_fft.engines.cost.parse_max_bytes`);
durations milliseconds, or a number with ``ms``, ``s``, ``m`` or ``h``. After a run,
:func:`evaluate` compares what ``run_results.json`` recorded with the budgets: a ``warn``
budget exceeded is a warning, an ``error`` budget a failed run (exit 1).

Any mistake in the file is a :class:`~pytest_fft.errors.ProjectFileError` with its line.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pytest_fft.engines.cost import QueryLimit, format_bytes, parse_max_bytes
from pytest_fft.engines.registry import ENGINES, find_engine_spec
from pytest_fft.errors import ProjectFileError

FILE = "budgets.yml"
METRICS = ("bytes_scanned", "query_duration_ms")
_TOP_KEYS = ("version", "query_limits", "total", "models", "tags")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\Z")
_DURATION_MS = {None: 1, "ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}


@dataclass(frozen=True)
class Limit:
    """One metric's thresholds (None: not set)."""

    warn: int | None = None
    error: int | None = None
    warn_line: int | None = field(default=None, compare=False)  # where budgets.yml sets it
    error_line: int | None = field(default=None, compare=False)

    def line(self, level: str) -> int | None:
        return self.error_line if level == "error" else self.warn_line


@dataclass(frozen=True)
class Budgets:
    """A parsed ``budgets.yml``. ``query_limits``: engine name -> max bytes per query;
    ``total``/``models``/``tags``: metric -> :class:`Limit`."""

    query_limits: Mapping[str, int] = field(default_factory=dict)
    total: Mapping[str, Limit] = field(default_factory=dict)
    models: Mapping[str, Mapping[str, Limit]] = field(default_factory=dict)
    tags: Mapping[str, Mapping[str, Limit]] = field(default_factory=dict)

    @property
    def has_run_budgets(self) -> bool:
        return bool(self.total or self.models or self.tags)

    def wants_bytes(self, name: str, tags: Sequence[str] = ()) -> bool:
        """Whether a budget counts the ``bytes_scanned`` of node ``name`` (with ``tags``):
        the run's total, its own, or one of its tags' (the build then asks the engine for
        an estimate of its query, which a plain run never does)."""
        if "bytes_scanned" in self.total:
            return True
        own = self.models.get(name) or self.models.get(name.removesuffix(".ff"))
        if own is not None and "bytes_scanned" in own:
            return True
        return any("bytes_scanned" in self.tags.get(tag, {}) for tag in tags)

    def query_limit(self, engine: str) -> QueryLimit | None:
        """The guard ``query_limits`` sets for ``engine`` (the engine's ``FF_*_MAX_BYTES``
        overrides it: see :func:`query_limit`)."""
        spec = find_engine_spec(engine)
        name = spec.name if spec is not None else engine
        limit = self.query_limits.get(name)
        if not limit:
            return None
        variable = spec.max_bytes_env if spec is not None else None
        return QueryLimit(limit, f"{FILE} query_limits.{name}.max_bytes={limit}", variable)


@dataclass(frozen=True)
class Finding:
    """A budget exceeded: ``level`` ``warn`` or ``error``; ``scope`` ``total``, a model name
    or ``tag:<name>``."""

    level: Literal["warn", "error"]
    scope: str
    metric: str
    value: int
    limit: int
    line: int | None = None  # of the budget in budgets.yml

    @property
    def kind(self) -> Literal["total", "model", "tag"]:
        if self.scope == "total":
            return "total"
        return "tag" if self.scope.startswith("tag:") else "model"

    @property
    def name(self) -> str | None:
        """The model or tag (None for the run's total)."""
        kind = self.kind
        return None if kind == "total" else self.scope.removeprefix("tag:") if kind == "tag" \
            else self.scope

    @property
    def key(self) -> str:
        """Where the budget is in budgets.yml: ``models.stg_users.ff.bytes_scanned.error``."""
        kind = self.kind
        where = "total" if kind == "total" else \
            f"{'tags' if kind == 'tag' else 'models'}.{self.name}"
        return f"{where}.{self.metric}.{self.level}"

    @property
    def location(self) -> str:
        return f"{FILE}:{self.line}" if self.line else FILE

    def text(self) -> str:
        """The finding as the terminal shows it: what, where in budgets.yml, and the fix."""
        shown = self._shown
        what = {"total": "the run", "model": f"model {self.name}",
                "tag": f"the models tagged {self.name}"}[self.kind]
        work = "read less" if self.metric == "bytes_scanned" else "spend less time in the engine"
        return (f"{self.location}: {self.level} budget exceeded: {self.metric} of {what} is "
                f"{shown(self.value)}, over its limit {shown(self.limit)} ({self.key})\n"
                f"  fix: make {what} {work}, or raise {self.key} in {FILE}")

    def record(self) -> dict[str, Any]:
        """The finding in ``run_results.json``'s ``budgets`` block."""
        return {"level": self.level, "scope": self.kind, "name": self.name,
                "metric": self.metric, "value": self.value, "limit": self.limit,
                "key": self.key, "file": FILE, "line": self.line}

    def _shown(self, count: int) -> str:
        return f"{count} ({format_bytes(count)})" if self.metric == "bytes_scanned" \
            else f"{count} ms"

    def describe(self) -> str:
        shown = (lambda n: f"{n} ({format_bytes(n)})") if self.metric == "bytes_scanned" \
            else (lambda n: f"{n} ms")
        where = "the run" if self.scope == "total" else self.scope
        return (f"budget {self.level}: {self.metric} of {where} is {shown(self.value)}, over "
                f"the {self.level} budget {shown(self.limit)} of {FILE}")


def query_limit(root: Path, engine: str,
                environ: Mapping[str, str] | None = None) -> QueryLimit | None:
    """The guard of ``engine`` for the project in ``root``: its ``FF_*_MAX_BYTES`` when set
    (``<= 0`` turns a ``budgets.yml`` limit off), else ``budgets.yml``'s ``query_limits``.
    Cheap when neither is set: one variable looked up, one ``stat`` of a missing file."""
    from pytest_fft.engines.cost import env_limit

    environ = os.environ if environ is None else environ
    spec = find_engine_spec(engine)
    variable = spec.max_bytes_env if spec is not None else None
    if variable and environ.get(variable, "").strip():
        try:
            return env_limit(variable, environ)
        except ValueError as exc:
            from pytest_fft.errors import ProfileError

            raise ProfileError(str(exc), hint=f"e.g. {variable}=2GB, or unset it") from None
    budgets = load_budgets(root)
    return budgets.query_limit(engine) if budgets is not None else None


_CACHE: dict[Path, tuple[tuple[int, int], Budgets | None]] = {}
_CACHE_LOCK = threading.Lock()


def load_budgets(root: Path) -> Budgets | None:
    """``budgets.yml`` of the project in ``root`` (None when there is none), read again only
    when the file changed."""
    path = Path(root) / FILE
    try:
        st = path.stat()
    except OSError:
        return None
    stamp = (st.st_mtime_ns, st.st_size)
    with _CACHE_LOCK:
        cached = _CACHE.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    budgets = parse_budgets(path)
    with _CACHE_LOCK:
        _CACHE[path] = (stamp, budgets)
    return budgets


def parse_budgets(path: Path) -> Budgets | None:
    from pytest_fft.project.yaml_io import line_of, load_yaml

    data = load_yaml(path, display=FILE)
    if data is None:
        return Budgets()
    if not isinstance(data, Mapping):
        raise ProjectFileError(f"{FILE} must be a mapping", file=FILE, line=line_of(data),
                               hint="start it with version: 1")
    _known(data, _TOP_KEYS, "")
    version = data.get("version", 1)
    if version != 1:
        raise ProjectFileError(f"{FILE}: version {version!r} is not supported", file=FILE,
                               line=line_of(data, "version"), hint="write version: 1")
    limits: dict[str, int] = {}
    for engine, block in _mapping(data, "query_limits").items():
        spec = find_engine_spec(str(engine))
        where = f"query_limits.{engine}"
        if spec is None:
            raise ProjectFileError(f"{FILE}: {where} names no engine", file=FILE,
                                   line=line_of(data["query_limits"], engine),
                                   hint=f"use one of {', '.join(ENGINES)}")
        if not isinstance(block, Mapping):
            raise ProjectFileError(f"{FILE}: {where} must be a mapping", file=FILE,
                                   line=line_of(data["query_limits"], engine),
                                   hint=f"{engine}: {{max_bytes: 2GB}}")
        _known(block, ("max_bytes",), where)
        size = _size(block, "max_bytes", where)
        if size:
            limits[spec.name] = size
    total = _metrics(data.get("total"), "total", data, "total")
    models = {str(name): _metrics(block, f"models.{name}", data["models"], name)
              for name, block in _mapping(data, "models").items()}
    tags = {str(name): _metrics(block, f"tags.{name}", data["tags"], name)
            for name, block in _mapping(data, "tags").items()}
    return Budgets(limits, total, models, tags)


def evaluate(budgets: Budgets, results: Sequence[Mapping[str, Any]],
             tags: Mapping[str, Sequence[str]] | None = None) -> list[Finding]:
    """The budgets ``results`` (``run_results.json``'s entries) exceed; an error wins over a
    warning of the same metric and scope. ``tags``: node name -> its tags."""
    findings: list[Finding] = []

    def check(scope: str, metrics: Mapping[str, Limit], entries: list[Mapping[str, Any]]) -> None:
        for metric, limit in metrics.items():
            values = [e.get(metric) for e in entries]
            value = sum(int(v) for v in values if isinstance(v, (int, float)))
            if limit.error is not None and value > limit.error:
                findings.append(Finding("error", scope, metric, value, limit.error,
                                        limit.error_line))
            elif limit.warn is not None and value > limit.warn:
                findings.append(Finding("warn", scope, metric, value, limit.warn,
                                        limit.warn_line))

    entries = [e for e in results if isinstance(e, Mapping)]
    check("total", budgets.total, entries)
    by_name = {str(e.get("name")): e for e in entries}
    for name, metrics in budgets.models.items():
        entry = by_name.get(name) or by_name.get(f"{name}.ff")
        if entry is not None:
            check(name, metrics, [entry])
    for tag, metrics in budgets.tags.items():
        tagged = [e for n, e in by_name.items() if tag in (tags or {}).get(n, ())]
        if tagged:
            check(f"tag:{tag}", metrics, tagged)
    return findings


def summary(findings: Sequence[Finding]) -> dict[str, Any]:
    """``run_results.json``'s ``budgets`` block: ``status`` (``ok``, ``warn`` or ``error``)
    and each budget exceeded, for CI to read."""
    status = ("error" if any(f.level == "error" for f in findings)
              else "warn" if findings else "ok")
    return {"file": FILE, "status": status, "findings": [f.record() for f in findings]}


def _known(block: Mapping[str, Any], keys: Sequence[str], where: str) -> None:
    from pytest_fft.project.yaml_io import line_of

    for key in block:
        if key not in keys:
            at = f"{where}." if where else ""
            raise ProjectFileError(f"{FILE}: unknown key {at}{key}", file=FILE,
                                   line=line_of(block, key),
                                   hint=f"use {', '.join(keys)}")


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    from pytest_fft.project.yaml_io import line_of

    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ProjectFileError(f"{FILE}: {key} must be a mapping", file=FILE,
                               line=line_of(data, key))
    return value


def _metrics(block: Any, where: str, parent: Any, key: Any) -> dict[str, Limit]:
    from pytest_fft.project.yaml_io import line_of

    if block is None:
        return {}
    if not isinstance(block, Mapping):
        raise ProjectFileError(f"{FILE}: {where} must be a mapping", file=FILE,
                               line=line_of(parent, key),
                               hint="bytes_scanned: {warn: 100MB, error: 1GB}")
    _known(block, METRICS, where)
    out = {}
    for metric, limits in block.items():
        inner = f"{where}.{metric}"
        if not isinstance(limits, Mapping):
            raise ProjectFileError(f"{FILE}: {inner} must be a mapping", file=FILE,
                                   line=line_of(block, metric), hint="{warn: ..., error: ...}")
        _known(limits, ("warn", "error"), inner)
        read = _size if metric == "bytes_scanned" else _duration
        out[str(metric)] = Limit(read(limits, "warn", inner), read(limits, "error", inner),
                                 line_of(limits, "warn"), line_of(limits, "error"))
    return out


def _size(block: Mapping[str, Any], key: str, where: str) -> int | None:
    from pytest_fft.project.yaml_io import line_of

    try:
        return parse_max_bytes(block.get(key), what=f"{where}.{key}")
    except ValueError as exc:
        raise ProjectFileError(f"{FILE}: {exc}", file=FILE, line=line_of(block, key)) from None


def _duration(block: Mapping[str, Any], key: str, where: str) -> int | None:
    from pytest_fft.project.yaml_io import line_of

    value = block.get(key)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    found = _DURATION.match(str(value).strip().lower().replace("_", ""))
    if found is None:
        raise ProjectFileError(f"{FILE}: {where}.{key} {value!r} is no duration", file=FILE,
                               line=line_of(block, key),
                               hint="milliseconds (30000), or 30s, 2m, 1h")
    return int(float(found.group(1)) * _DURATION_MS[found.group(2)])

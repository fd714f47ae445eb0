"""Build fingerprints: one hash per node that changes exactly when its result may change.

A node's fingerprint covers (the spec's formula, completed):

- SQL models: the rendered SQL *as a SQL parser normalises it* (sqlglot, in the engine's
  dialect), so whitespace, comments and keyword case do not count but meaning does; if the
  SQL does not parse, the rendered text itself;
- Python models: the whole source of the model's module (helpers and constants count);
- seeds: the content of the file;
- the node's config (materialized, tags, meta), its kind and relation;
- the environment: engine, profile name, every ``FF_*`` variable, and ``sources.yml``;
- the fingerprints of its parents, so a change bubbles downstream.

Everything is serialised with sorted keys: the same inputs give the same hash in every process
and on every machine.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_fft.engines.registry import find_engine_spec
from pytest_fft.project.records import Model, Project, Seed

FORMAT_VERSION = "1"  # bump when what goes into a fingerprint changes
#: Variables that say how Python models' HTTP calls get their responses (network or cache,
#: timeouts, offline): the response cache is independent of the build cache, so ``--offline``
#: or another FF_HTTP_TIMEOUT rebuilds nothing.
HTTP_VARIABLES = "FF_HTTP_"


@dataclass(frozen=True)
class EnvContext:
    """The part of the environment every fingerprint includes."""

    engine: str
    profile_name: str
    ff_vars: Mapping[str, str]
    sources_text: str
    target: Mapping[str, str] = field(default_factory=dict)  # where relations go

    @classmethod
    def from_environ(cls, engine: str, profile_name: str, environ: Mapping[str, str],
                     sources_text: str, profile: Any = None) -> EnvContext:
        """Every ``FF_*`` variable counts, with its secrets masked: a password changes
        nothing that is built, and a fingerprint (stored in pytest's cache) must not be a
        hash a weak password could be found from. The variables that set the profile
        (``FF_ENGINE``, ``FF_DUCKDB_PATH``, ...) count through what they resolve to: the
        resolved ``profile``'s target (:func:`target_of`), whether it came from
        ``profiles.yml`` or a variable, so setting one to what the profile already says
        rebuilds nothing, and a relation built in another database or schema is never
        taken for this one's."""
        from pytest_fft.redact import MASK, is_secret_key, redact

        return cls(engine, profile_name,
                   {k: MASK if is_secret_key(k) else redact(v, environ)
                    for k, v in sorted(environ.items())
                    if k.startswith("FF_") and k not in profile_variables()
                    and not k.startswith(HTTP_VARIABLES) and k not in guard_variables()},
                   sources_text, target_of(engine, profile, environ))

    @classmethod
    def of_run(cls, project: Project, profile: Any, environ: Mapping[str, str]) -> EnvContext:
        """The context of a run of ``project`` with ``profile`` (a resolved profile: its
        engine, env name and settings) in ``environ``."""
        sources = {f"{s}.{t}": src.relation for (s, t), src in project.sources.items()}
        return cls.from_environ(profile.engine, profile.env_name, environ,
                                json.dumps(sources, sort_keys=True), profile.profile)

    def digest(self) -> str:
        return _sha({"engine": self.engine, "profile": self.profile_name,
                     "ff": dict(self.ff_vars), "sources": self.sources_text,
                     "target": dict(self.target)})


def target_of(engine: str, profile: Any, environ: Mapping[str, str]) -> dict[str, str]:
    """Where a resolved profile puts relations: its settings that the engine's ``FF_*``
    variables can set (DuckDB's path and schema, Postgres' DSN and schema, ...), resolved,
    secrets masked."""
    from pytest_fft.engines.registry import find_engine_spec
    from pytest_fft.redact import is_secret_key, redact

    spec = find_engine_spec(engine)
    block = getattr(profile, spec.name, None) if spec is not None else None
    if block is None:
        return {}
    target = {}
    for var, key in spec.env_overrides:  # type: ignore[union-attr]
        value = getattr(block, key, None)
        if value is not None and not is_secret_key(var):
            target[key] = redact(str(value), environ)
    return target


def guard_variables() -> frozenset[str]:
    """The engines' cost guards (``FF_DUCKDB_MAX_BYTES``, ...): they stop a query before it
    runs and change nothing that is built, so setting one rebuilds nothing."""
    from pytest_fft.engines.registry import ENGINES

    return frozenset(spec.max_bytes_env for spec in ENGINES.values() if spec.max_bytes_env)


def profile_variables() -> frozenset[str]:
    """The ``FF_*`` variables that set the profile (each engine's overrides, the engine)."""
    from pytest_fft.engines.registry import ENGINES

    return frozenset({"FF_ENGINE", *(var for spec in ENGINES.values()
                                      for var, _ in spec.env_overrides)})


def _sha(data: Any) -> str:
    text = data if isinstance(data, str) else json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_sql(sql: str, dialect: str) -> str:
    """The statement as sqlglot prints it (``dialect``: an engine name, read in its
    registry's sqlglot dialect): no comments, canonical spacing and keyword case.

    Falls back to the text itself when sqlglot cannot parse it (or is not installed).
    """
    try:
        import sqlglot
        from sqlglot.errors import SqlglotError
    except ImportError:  # pragma: no cover - sqlglot is a dependency
        return sql
    spec = find_engine_spec(dialect)
    read = spec.sqlglot_dialect if spec is not None else dialect
    try:
        expressions = sqlglot.parse(sql, read=read)
    except (SqlglotError, ValueError):
        return sql
    return ";".join(e.sql(dialect=read, comments=False) for e in expressions if e is not None)


class SqlNormalizer:
    """``normalize_sql`` with a memo keyed by the rendered text's hash.

    The memo (rendered-SQL hash -> normalised hash) is kept between runs in the fingerprint
    store, so unchanged models are never parsed again and sqlglot is not even imported.
    """

    def __init__(self, dialect: str, memo: Mapping[str, str] | None = None) -> None:
        self.dialect = dialect
        self._known: Mapping[str, str] = memo or {}
        self.used: dict[str, str] = {}  # the memo to keep: what this run needed

    def __call__(self, sql: str) -> str:
        key = _sha(f"{self.dialect}\0{sql}")
        found = self.used.get(key) or self._known.get(key)
        if found is None:
            found = _sha(normalize_sql(sql, self.dialect))
        self.used[key] = found
        return found

    def memo_for(self, sqls: list[str]) -> dict[str, str]:
        """The memo worth keeping: every entry known for these (the project's current) SQL
        texts, used by this run or not. A run that builds a few nodes must not drop what the
        others need next time; entries of SQL that no longer exists are dropped."""
        keys = {_sha(f"{self.dialect}\0{sql}") for sql in sqls}
        return {key: found for key in keys
                if (found := self.used.get(key) or self._known.get(key)) is not None}

    def warm_in_background(self, sqls: list[str]) -> threading.Thread:
        """Normalise ``sqls`` on a daemon thread (a cold run parses every model: about a
        millisecond each), so that this overlaps with the build instead of following it."""
        thread = threading.Thread(target=lambda: [self(sql) for sql in sqls],
                                  name="fft-fingerprints", daemon=True)
        thread.start()
        return thread


def fingerprints(
    project: Project,
    env: EnvContext,
    *,
    normalize: Callable[[str], str] | None = None,
    file_hash: Callable[[Any], str] | None = None,
    fixed: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Fingerprints of every model and seed of ``project`` (checks are never cached).

    ``fixed`` gives the fingerprint of nodes as they are in the warehouse (built by an
    earlier run); their children are fingerprinted against those.
    """
    fixed = fixed or {}
    normalize = normalize or SqlNormalizer(env.engine)
    file_hash = file_hash or _file_sha
    env_digest = env.digest()
    out: dict[str, str] = {}
    for name in project.dag.order:
        if name in fixed:
            out[name] = fixed[name]
            continue
        node = project.node(name)
        if isinstance(node, Seed):
            own: Any = {"seed": file_hash(node.path), "relation": node.relation}
        elif isinstance(node, Model):
            body = normalize(node.sql or "") if node.kind == "sql" else file_hash(node.path)
            own = {"kind": node.kind, "body": body, "relation": node.relation,
                   "materialized": node.materialized, "tags": list(node.tags),
                   "meta": dict(node.meta), "name": node.name}
        else:
            continue
        parents = {p: out[p] for p in project.dag.parents[name] if p in out}
        out[name] = _sha({"v": FORMAT_VERSION, "env": env_digest, "own": own,
                          "parents": parents})
    return out


def _file_sha(path: Any) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()

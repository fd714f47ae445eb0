"""A model's incremental configuration, from every spelling FastFlowTransform projects use.

One :class:`IncrementalSpec` comes out of any of these (later ones fill what earlier ones
leave open; a model's own config wins over ``project.yml``):

* dbt's keys in ``config(...)``: ``materialized='incremental'``, ``unique_key``,
  ``incremental_strategy``, ``on_schema_change``, ``updated_at``;
* FastFlowTransform 0.6's ``incremental={...}`` dictionary: ``enabled``, ``strategy``,
  ``unique_key``, ``updated_at_column`` / ``updated_at_columns`` / ``delta_columns``,
  ``delta_sql``, ``delta_config``, ``on_schema_change`` / ``schema_change``;
* the older ``meta={'incremental': True, 'unique_key': [...], 'updated_at': ...,
  'delta': {'sql': ...}, 'delta_config': 'config/incremental/x.delta.yml'}`` (then
  ``materialized`` may even say ``'table'``);
* ``project.yml``'s ``models: incremental: <model>: {...}`` overlay, in the 0.6 keys.

Strategies: ``append`` (``insert``) adds the delta's rows; ``merge`` (``delete+insert``,
the default with a ``unique_key``) replaces the target's rows whose key is in the delta and
adds the rest, the delta deduplicated by key first (the row with the latest ``updated_at``
wins); ``insert_overwrite`` replaces the table's partitions the delta has rows for (those
of its ``partition_by`` columns; without ``partition_by``, the whole table) with the delta's
rows, as dbt-spark's strategy of that name does; ``full_refresh`` rebuilds every run.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pytest_fft.errors import ProjectFileError

STRATEGIES = {"append": "append", "insert": "append", "merge": "merge",
              "delete+insert": "merge", "upsert": "merge", "insert_overwrite": "insert_overwrite",
              "full_refresh": "full_refresh"}
SCHEMA_CHANGES = ("ignore", "append_new_columns", "sync_all_columns", "fail")

# The keys of the incremental dictionary (and of project.yml's overlay), by what they mean.
_KEYS = {
    "enabled": "enabled", "strategy": "strategy", "incremental_strategy": "strategy",
    "unique_key": "unique_key", "unique_keys": "unique_key", "primary_key": "unique_key",
    "updated_at": "updated_at", "updated_at_column": "updated_at",
    "updated_at_columns": "updated_at", "delta_columns": "updated_at",
    "delta_sql": "delta_sql", "delta": "delta", "delta_config": "delta_config",
    "on_schema_change": "on_schema_change", "schema_change": "on_schema_change",
    "partition_by": "partition_by",
    "materialized": "materialized", "incremental": "incremental",
}


@dataclass(frozen=True)
class IncrementalSpec:
    """How an incremental model applies what changed."""

    strategy: str = "merge"  # append | merge | insert_overwrite | full_refresh
    unique_key: tuple[str, ...] = ()
    updated_at: tuple[str, ...] = ()  # the columns that say which row is newer
    on_schema_change: str = "ignore"
    delta_sql: str | None = None  # a template with ref()/this, from the config
    delta_config: str | None = None  # a YAML file (relative to the project) with ``sql:``
    partition_by: tuple[str, ...] = ()  # the columns ``insert_overwrite`` replaces by


class _Where:
    """Where the configuration being read was written, for its errors."""

    def __init__(self, node: str, display: str, line: int | None) -> None:
        self.node, self.display, self.line = node, display, line

    def error(self, problem: str, hint: str) -> ProjectFileError:
        return ProjectFileError(f"{self.node}: {problem}", file=self.display, line=self.line,
                                node=self.node, hint=hint)


def incremental_spec(config: Mapping[str, Any], meta: Mapping[str, Any],
                     overlay: Mapping[str, Any] | None, *, node: str, display: str,
                     line: int | None = None) -> IncrementalSpec | None:
    """The model's incremental configuration, or None when it is not incremental.

    ``config``: its ``config(...)`` (SQL) or decorator keywords; ``meta``: its ``meta``;
    ``overlay``: its entry under ``models: incremental:`` of project.yml."""
    where = _Where(node, display, line)
    layers: list[dict[str, Any]] = []  # lowest priority first
    if overlay:
        layers.append(_keys_of(overlay, where, "project.yml models.incremental"))
    if isinstance(meta.get("incremental"), Mapping):
        layers.append(_keys_of(meta["incremental"], where, "meta incremental"))
    legacy = {k: v for k, v in meta.items() if k in _KEYS and k != "incremental"}
    if legacy:
        layers.append(_keys_of(legacy, where, "meta"))
    top = {k: v for k, v in config.items() if k in ("unique_key", "incremental_strategy",
                                                    "on_schema_change", "updated_at",
                                                    "delta_sql", "partition_by")}
    if top:
        layers.append(_keys_of(top, where, "config"))
    if isinstance(config.get("incremental"), Mapping):
        layers.append(_keys_of(config["incremental"], where, "incremental"))
    merged: dict[str, Any] = {}
    for layer in layers:
        merged.update(layer)

    flagged = meta.get("incremental") is True or "incremental" in (
        config.get("materialized"), meta.get("materialized"))
    enabled = merged.get("enabled")
    if enabled is False or not (flagged or isinstance(config.get("incremental"), Mapping)
                                or isinstance(meta.get("incremental"), Mapping) or overlay):
        return None

    strategy = str(merged.get("strategy") or ("merge" if merged.get("unique_key") else "append"))
    if strategy not in STRATEGIES:
        raise where.error(f"incremental strategy {strategy!r} is not known",
                          f"use one of: {', '.join(STRATEGIES)}")
    unique_key = _names(merged.get("unique_key"), where, "unique_key")
    if STRATEGIES[strategy] == "merge" and not unique_key:
        raise where.error(f"the {strategy} strategy needs a unique_key",
                          "add unique_key=['id'] (the columns that identify a row), or use "
                          "strategy 'append'")
    change = str(merged.get("on_schema_change") or "ignore")
    if change not in SCHEMA_CHANGES:
        raise where.error(f"on_schema_change {change!r} is not known",
                          f"use one of: {', '.join(SCHEMA_CHANGES)}")
    delta = merged.get("delta")
    delta_sql = merged.get("delta_sql")
    if isinstance(delta, Mapping):
        delta_sql = delta.get("sql", delta_sql)
    if delta_sql is not None and not isinstance(delta_sql, str):
        raise where.error("the delta SQL must be text", "write delta_sql as a string")
    delta_config = merged.get("delta_config")
    if delta_config is not None and not isinstance(delta_config, str):
        raise where.error("delta_config must be a path", "write delta_config as a path "
                                                         "relative to the project")
    return IncrementalSpec(
        strategy=STRATEGIES[strategy], unique_key=unique_key,
        updated_at=_names(merged.get("updated_at"), where, "updated_at"),
        on_schema_change=change, delta_sql=delta_sql, delta_config=delta_config,
        partition_by=partition_columns(merged.get("partition_by"), where))


def partition_columns(value: Any, where: _Where) -> tuple[str, ...]:
    """The columns of a ``partition_by``: a name, a list of names, or dbt-bigquery's
    ``{'field': 'day', 'data_type': 'date'}``."""
    if isinstance(value, Mapping):
        value = value.get("field")
        if not isinstance(value, str) or not value:
            raise where.error("partition_by as a dictionary needs a 'field'",
                              "write partition_by={'field': 'day'} or partition_by=['day']")
    return _names(value, where, "partition_by")


def model_partitions(config: Mapping[str, Any], meta: Mapping[str, Any],
                     incremental: IncrementalSpec | None, *, node: str, display: str,
                     line: int | None = None) -> tuple[str, ...]:
    """The columns a model's table is partitioned by (``partition_by`` of its config, its
    ``meta`` or its incremental configuration); engines without partitions ignore them."""
    if incremental is not None and incremental.partition_by:
        return incremental.partition_by
    where = _Where(node, display, line)
    return partition_columns(config.get("partition_by", meta.get("partition_by")), where)


def _keys_of(block: Mapping[str, Any], where: _Where, what: str) -> dict[str, Any]:
    """``block``'s keys by meaning; an unknown key close to a known one is a typo."""
    out: dict[str, Any] = {}
    for key, value in block.items():
        meaning = _KEYS.get(str(key))
        if meaning is None:
            close = difflib.get_close_matches(str(key), list(_KEYS), n=1, cutoff=0.75)
            if close:
                raise where.error(f"unknown key {key!r} in {what}; did you mean {close[0]!r}?",
                                  f"write {close[0]}")
            continue  # a key of the project's own (FastFlowTransform ignores them too)
        if meaning in ("materialized", "incremental"):
            continue
        out[meaning] = value
    return out


def _names(value: Any, where: _Where, key: str) -> tuple[str, ...]:
    if value is None or value == "" or value == []:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise where.error(f"{key} must be a column name or a list of them, not {value!r}",
                      f"write {key}=['id'] or {key}='id'")


def overlay_for(project_raw: Mapping[str, Any], name: str, relation: str
                ) -> Mapping[str, Any] | None:
    """The model's entry under ``models: incremental:`` of project.yml (by node name or by
    relation), if any."""
    models = project_raw.get("models")
    block = models.get("incremental") if isinstance(models, Mapping) else None
    if not isinstance(block, Mapping):
        return None
    found = block.get(name, block.get(relation))
    return found if isinstance(found, Mapping) else None


def default_delta(full_sql: str, this: str, updated_at: tuple[str, ...],
                  quote: Any) -> str:
    """The delta of a model that names ``updated_at`` columns but no delta SQL: its rows
    newer than the newest in its table (all of them while the table has none)."""
    # The newest values are read once (a common table expression), not once per mention.
    newest = ", ".join(f"max({quote(c)}) as fft_newest_{i}" for i, c in enumerate(updated_at))
    newer = " or ".join(
        f"(select fft_newest_{i} from fft_newest) is null or "
        f"fft_src.{quote(c)} > (select fft_newest_{i} from fft_newest)"
        for i, c in enumerate(updated_at))
    return (f"with fft_newest as (select {newest} from {this})\n"
            f"select fft_src.* from (\n{full_sql}\n) as fft_src where {newer}")

"""A snapshot model's configuration (``materialized='snapshot'``), from the spellings
FastFlowTransform projects use: the nested ``snapshot={...}`` dictionary and the top-level
shorthands (``unique_key`` / ``primary_key``, ``updated_at`` / ``updated_at_column`` /
``updated_at_columns`` (one column, or a list of one), ``check_cols``, ``strategy``); nested
values win over the shorthands.

Rules: a ``unique_key`` is required; ``strategy`` is ``timestamp`` (needs ``updated_at``) or
``check`` (needs ``check_cols``); without a strategy, ``updated_at`` means ``timestamp`` and
``check_cols`` means ``check``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pytest_fft.errors import ProjectFileError

_KEYS = {"strategy": "strategy", "unique_key": "unique_key", "primary_key": "unique_key",
         "updated_at": "updated_at", "updated_at_column": "updated_at",
         "updated_at_columns": "updated_at", "check_cols": "check_cols"}


@dataclass(frozen=True)
class SnapshotSpec:
    strategy: str  # timestamp | check
    unique_key: tuple[str, ...]
    updated_at: str | None = None
    check_cols: tuple[str, ...] = ()


def snapshot_spec(config: Mapping[str, Any], *, node: str, display: str,
                  line: int | None = None) -> SnapshotSpec:
    """The snapshot configuration of a model whose ``materialized`` is ``snapshot``."""

    def error(problem: str, hint: str) -> ProjectFileError:
        return ProjectFileError(f"{node}: {problem}", file=display, line=line, node=node,
                                hint=hint)

    merged: dict[str, Any] = {}
    spelled: dict[str, str] = {}  # meaning -> the key that said it
    for key, value in config.items():
        meaning = _KEYS.get(key)
        if meaning is None:
            continue
        value = _one_column(value) if meaning == "updated_at" else value
        if meaning in merged and merged[meaning] != value:
            raise error(f"{spelled[meaning]}={merged[meaning]!r} and {key}={value!r} disagree",
                        f"keep one of {spelled[meaning]} and {key}")
        merged[meaning], spelled[meaning] = value, key
    nested = config.get("snapshot")
    if nested is not None and not isinstance(nested, Mapping):
        raise error("snapshot= must be a dictionary", "snapshot={'strategy': 'timestamp'}")
    for key, value in (nested or {}).items():
        meaning = _KEYS.get(str(key))
        if meaning is None:
            close = difflib.get_close_matches(str(key), list(_KEYS), n=1, cutoff=0.7)
            raise error(f"unknown key {key!r} in snapshot=" +
                        (f"; did you mean {close[0]!r}?" if close else ""),
                        f"use {', '.join(_KEYS)}")
        merged[meaning] = _one_column(value) if meaning == "updated_at" else value
    unique_key = _names(merged.get("unique_key"), "unique_key", error)
    if not unique_key:
        raise error("a snapshot needs a unique_key",
                    "add unique_key='id' (the columns that identify an entity)")
    updated = merged.get("updated_at")
    if updated is not None and not isinstance(updated, str):
        raise error(f"updated_at must be one column name, not {updated!r} (a snapshot "
                    "compares one timestamp per row)", "updated_at='updated_at'")
    check_cols = _names(merged.get("check_cols"), "check_cols", error)
    strategy = merged.get("strategy") or ("timestamp" if updated else
                                          "check" if check_cols else None)
    if strategy not in ("timestamp", "check"):
        raise error(f"snapshot strategy {strategy!r} is not known" if strategy else
                    "a snapshot needs a strategy",
                    "use strategy 'timestamp' (with updated_at) or 'check' (with check_cols)")
    if strategy == "timestamp" and not updated:
        raise error("the timestamp strategy needs updated_at",
                    "add updated_at='<column>' (when the row last changed)")
    if strategy == "check" and not check_cols:
        raise error("the check strategy needs check_cols",
                    "add check_cols=['email', ...] (the columns whose change makes a version)")
    return SnapshotSpec(strategy=str(strategy), unique_key=unique_key,
                        updated_at=str(updated) if updated else None, check_cols=check_cols)


def _one_column(value: Any) -> Any:
    """``updated_at_columns=['ts']`` (a list of one, as FastFlowTransform normalises it) as
    ``'ts'``; anything else as it is, for the checks below."""
    if isinstance(value, (list, tuple)) and len(value) == 1 and isinstance(value[0], str):
        return value[0]
    return value


def _names(value: Any, key: str, error: Any) -> tuple[str, ...]:
    if value is None or value in ("", []):
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise error(f"{key} must be a column name or a list of them, not {value!r}",
                f"{key}=['id']")

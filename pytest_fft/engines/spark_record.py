"""Which relations a local Spark warehouse holds, answered without starting Spark.

Starting a SparkSession (a JVM, the Hive metastore) takes seconds; a cached rerun needs only
to know which relations exist. So a local session with a Hive metastore keeps, beside its
tables, a record of the relations pytest-fft made or saw there (``_fft_relations.json`` in
``warehouse_dir``: ``{"db.name": "table" | "view"}``). A later process reads it instead of
asking Spark, and believes a table only while its folder is in the warehouse (a table that
was dropped, by pytest-fft or anyone else, takes its folder with it). A view has no folder:
one dropped outside pytest-fft is still believed until Spark next lists the catalog, which
writes the record again whole.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path

FILE = "_fft_relations.json"


class RelationRecord:
    """The record of one warehouse folder."""

    def __init__(self, warehouse: str | Path) -> None:
        self.warehouse = Path(warehouse)
        self.path = self.warehouse / FILE
        self._lock = threading.Lock()

    def existing(self) -> frozenset[str] | None:
        """The keys of the relations there (tables whose folder exists, views); None when
        there is no record to go by."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        return frozenset(key for key, kind in data.items()
                         if kind == "view" or (kind == "table" and self._folder(key).is_dir()))

    def _folder(self, key: str) -> Path:
        database, _, name = key.rpartition(".")
        # Spark keeps the default database's tables in the warehouse folder itself.
        base = self.warehouse if database == "default" else self.warehouse / f"{database}.db"
        return base / name

    def replace_all(self, kinds: Mapping[str, str]) -> None:
        """What Spark listed: the record is this, whole."""
        with self._lock:
            self._write(dict(kinds))

    def made(self, key: str, kind: str | None) -> None:
        """``key`` is now a ``kind`` (``table``, ``view``), or gone (None)."""
        with self._lock:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return  # no record yet: the next listing by Spark writes it whole
            if not isinstance(data, dict):
                return
            if kind is None:
                data.pop(key, None)
            else:
                data[key] = kind
            self._write(data)

    def _write(self, data: dict[str, str]) -> None:
        from pytest_fft.atomic import write_atomic

        try:
            self.warehouse.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps(data, sort_keys=True), durable=False)
        except OSError:
            pass  # no record: the next run asks Spark, as without one


_RECORDS: dict[Path, RelationRecord] = {}
_RECORDS_LOCK = threading.Lock()


def record_for(warehouse: str | Path) -> RelationRecord:
    """The process's one record of ``warehouse`` (its writes are serialised)."""
    key = Path(warehouse)
    with _RECORDS_LOCK:
        found = _RECORDS.get(key)
        if found is None:
            found = _RECORDS[key] = RelationRecord(key)
        return found

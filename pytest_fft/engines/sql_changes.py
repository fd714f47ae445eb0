"""Incremental deltas and snapshots for an engine whose SQL is the shared one of
:mod:`~pytest_fft.engines.incremental_sql` and :mod:`~pytest_fft.engines.snapshot_sql`
(DuckDB, PostgreSQL): one class both engines take ``apply_delta`` and ``apply_snapshot`` from.

The engine supplies ``sql_transaction()`` (a session of its own, committed on leaving and
rolled back on an error), ``qualified(name, beside)`` (a full, quoted name), ``quote_part``
(one name part quoted), ``relation_exists`` and ``_refuse_audit_table``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any


class SqlChanges:
    quote_part: Callable[[str], str]

    def _refuse_audit_table(self, relation: str) -> None:
        raise NotImplementedError

    def relation_exists(self, relation: str) -> bool:
        raise NotImplementedError

    def sql_transaction(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def qualified(self, name: str, beside: str | None = None) -> str:
        raise NotImplementedError

    def apply_delta(self, relation: str, delta_sql: str, plan: Any) -> int | None:
        """See :mod:`pytest_fft.engines.incremental_sql`; one transaction."""
        from pytest_fft.engines.incremental_sql import apply_delta, stage_name

        self._refuse_audit_table(relation)
        with self.sql_transaction() as session:
            return apply_delta(session, target=self.qualified(relation),
                               stage=lambda: self._stage_table(stage_name(), relation),
                               delta_sql=delta_sql, spec=plan, quote=self.quote_part,
                               create_stage=self.create_stage)

    def one_per_key(self, select_sql: str, plan: Any) -> str:
        """See :func:`pytest_fft.engines.incremental_sql.one_per_key` (``DISTINCT ON``)."""
        from pytest_fft.engines.incremental_sql import one_per_key

        return one_per_key(select_sql, plan, self.quote_part)

    #: The statement that makes a staging table: ``create temporary table`` where the
    #: engine's temporary tables are private to the session and cost no log (PostgreSQL).
    create_stage = "create table"

    def _stage_table(self, name: str, beside: str) -> str:
        """The full, quoted name of a staging table ``name`` for a change of ``beside``: in
        its schema (an engine with temporary stages puts them where those live)."""
        return self.qualified(name, beside)

    def apply_snapshot(self, relation: str, select_sql: str, plan: Any, run_at: Any, *,
                       keep_last: int | None = None, dry_run: bool = False) -> Any:
        """See :mod:`pytest_fft.engines.snapshot_sql`; one transaction."""
        from pytest_fft.engines.snapshot_sql import take_snapshot

        self._refuse_audit_table(relation)
        return take_snapshot(self, relation, select_sql, plan, run_at, keep_last=keep_last,
                             dry_run=dry_run, quote=self.quote_part)

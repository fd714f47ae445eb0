"""Running one check on an engine: its single query, then the verdict."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pytest_fft.errors import CheckError

if TYPE_CHECKING:
    from pytest_fft.checks.sql import CheckOutcome
    from pytest_fft.project.records import Check

sql_log = logging.getLogger("pytest_fft.sql")


def run_check(engine: Any, check: Check, env_name: str) -> CheckOutcome:
    from pytest_fft.checks.dialect import dialect_for
    from pytest_fft.checks.sql import check_sql, evaluate

    sql = check_sql(check.spec, dialect_for(engine.name))
    if sql_log.isEnabledFor(logging.DEBUG):
        sql_log.debug("-- check %s (project.yml:%s)\n%s", check.name, check.line, sql)
    try:
        rows = engine.query(sql)
    except Exception as exc:
        missing = engine.existing_relations().missing(check.spec.tables)
        if missing:
            raise CheckError(
                f"table {missing[0]} does not exist in {env_name}; build it with fft run",
                file=check.rel_path, line=check.line, node=check.name,
            ) from exc
        raise CheckError(
            f"{check.name} could not run on {engine.name}: {str(exc).strip()}",
            file=check.rel_path, line=check.line, node=check.name,
            hint="check the table and column names and any expr/where of the check",
        ) from exc
    return evaluate(check.spec, rows[0])

"""What a check's failed query means, and where the checks' SQL is logged (shared by the
runner and the custom checks)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pytest_fft.errors import CheckError

if TYPE_CHECKING:
    from pytest_fft.project.records import Check

#: The logger of the SQL every check sends (``--fft-sql-debug``, ``FFT_SQL_DEBUG=1``).
sql_log = logging.getLogger("pytest_fft.sql")


def query_error(engine: Any, check: Check, env_name: str, exc: BaseException) -> CheckError:
    """The error of ``check`` whose query failed with ``exc``."""
    missing = engine.existing_relations().missing(check.spec.tables)
    if missing:
        return CheckError(
            f"table {missing[0]} does not exist in {env_name}; build it with fft run",
            file=check.rel_path, line=check.line, node=check.name,
        )
    hint = "check the table and column names and any expr/where of the check"
    spec = check.spec
    if spec.type == "relationships" and "_fft_parent" in str(exc):
        # The parent's column is missing (DuckDB names the alias, not the column).
        hint = (f"the parent column is {spec.params.get('field')!r} of {spec.params.get('to')} "
                "(to_field, id when not given; field names the child column, as in "
                "FastFlowTransform): name the parent's key with to_field")
    return CheckError(
        f"{check.name} could not run on {engine.name}: {str(exc).strip()}",
        file=check.rel_path, line=check.line, node=check.name, hint=hint,
    )

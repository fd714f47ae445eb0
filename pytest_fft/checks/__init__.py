"""Data-quality checks from ``project.yml -> tests:``: parsing, SQL and verdicts (pure core).

* :mod:`.spec` parses entries into :class:`CheckSpec` records (strict, with line numbers);
* :mod:`.dialect` holds the per-engine SQL spellings (:class:`Dialect`, :func:`dialect_for`);
* :mod:`.sql` builds each check's one-row query (:func:`check_sql`) and judges that row
  (:func:`evaluate` -> :class:`CheckOutcome`);
* :mod:`.scan` puts several checks of one table into one scan of it, and splits its row
  into the row each check's own query returns;
* :mod:`.runner` runs checks on an engine: each its own query (``run_check``), or, for the
  checks of one run, as few shared queries as they allow (``CheckRunner``).

Nothing here imports pytest or a database driver.
"""

from __future__ import annotations

from pytest_fft.checks.dialect import DIALECTS, Dialect, dialect_for
from pytest_fft.checks.spec import (
    CHECK_TYPES,
    CheckNotSupportedError,
    CheckSpec,
    Severity,
    parse_checks,
)
from pytest_fft.checks.sql import CheckOutcome, check_sql, evaluate

__all__ = [
    "CHECK_TYPES",
    "DIALECTS",
    "CheckNotSupportedError",
    "CheckOutcome",
    "CheckSpec",
    "Dialect",
    "Severity",
    "check_sql",
    "dialect_for",
    "evaluate",
    "parse_checks",
]

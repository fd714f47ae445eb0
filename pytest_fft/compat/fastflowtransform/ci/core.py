"""``fastflowtransform.ci.core``: the checks of ``fft ci-check`` and their records."""

from pytest_fft.project.ci_checks import (
    CODES,
    CiIssue,
    CiSummary,
    issue_of,
    run_ci_check,
    run_ci_checks,
)

__all__ = ["CODES", "CiIssue", "CiSummary", "issue_of", "run_ci_check", "run_ci_checks"]

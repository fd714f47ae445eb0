"""``fastflowtransform.ci``: ``fft ci-check`` as a library (see ``docs/running.md``)."""

from pytest_fft.project.ci_checks import CiIssue, CiSummary, run_ci_check, run_ci_checks

__all__ = ["CiIssue", "CiSummary", "run_ci_check", "run_ci_checks"]

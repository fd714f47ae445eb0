"""``fastflowtransform.ci.sarif``: a ``fft ci-check`` summary as SARIF 2.1.0."""

from pytest_fft.project.sarif import sarif_level, sarif_log, write_sarif

__all__ = ["sarif_level", "sarif_log", "write_sarif"]

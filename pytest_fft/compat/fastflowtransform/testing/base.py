"""``fastflowtransform.testing.base``: :mod:`pytest_fft.checks.testing_api`, the helpers of
custom checks (``_scalar``, ``_exec``, ``sql_list``, ``TestFailure``, the built-in checks)."""

from pytest_fft.checks.testing_api import *  # noqa: F403
from pytest_fft.checks.testing_api import __all__ as __all__

"""``fastflowtransform.testing``: custom data-quality checks (``dq_test``, ``register_test``,
``TESTS``, ``base``)."""

from pytest_fft.checks.custom import REGISTERED as TESTS
from pytest_fft.checks.custom import Runner, dq_test, register_test
from pytest_fft.compat.fastflowtransform.testing import base, registry

__all__ = ["TESTS", "Runner", "base", "dq_test", "register_test", "registry"]

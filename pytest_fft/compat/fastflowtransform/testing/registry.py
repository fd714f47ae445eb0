"""``fastflowtransform.testing.registry``: ``register_test`` and ``TESTS``."""

from pytest_fft.checks.custom import REGISTERED as TESTS
from pytest_fft.checks.custom import Runner, register_test

__all__ = ["TESTS", "Runner", "register_test"]

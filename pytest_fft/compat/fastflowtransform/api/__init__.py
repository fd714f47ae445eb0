"""``fastflowtransform.api``: helpers of Python models."""

from pytest_fft.compat.fastflowtransform.api import http

__all__ = ["http"]

"""``fastflowtransform.decorators``: the model decorators and ``dq_test``."""

from pytest_fft.checks.custom import dq_test
from pytest_fft.decorators import engine_model, model

__all__ = ["dq_test", "engine_model", "model"]

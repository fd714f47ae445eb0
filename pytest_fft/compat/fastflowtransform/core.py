"""``fastflowtransform.core``: the model decorators."""

from pytest_fft.decorators import engine_model, model
from pytest_fft.project.names import relation_for

__all__ = ["engine_model", "model", "relation_for"]

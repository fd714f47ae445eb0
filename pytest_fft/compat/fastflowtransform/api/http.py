"""``fastflowtransform.api.http``: :mod:`pytest_fft.api.http` (``get_json``, ``get_df``,
paginators)."""

from pytest_fft.api.http import *  # noqa: F403
from pytest_fft.api.http import __all__ as __all__

"""``fastflowtransform.hooks``: the ``@fft_hook`` decorator of Python hooks."""

from pytest_fft.project.hooks import fft_hook

__all__ = ["fft_hook"]

"""``fastflowtransform.hooks.registry``: ``fft_hook`` and ``resolve_hook``."""

from pytest_fft.project.hooks import fft_hook, resolve_hook

__all__ = ["fft_hook", "resolve_hook"]

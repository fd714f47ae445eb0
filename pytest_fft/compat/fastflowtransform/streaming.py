"""``fastflowtransform.streaming``: ``FileTailSource`` and ``StreamSessionizer``."""

from pytest_fft.streaming import FileTailSource, StreamSessionizer, sessionize

__all__ = ["FileTailSource", "StreamSessionizer", "sessionize"]

"""Streaming: events tailed from a JSONL file and folded into sessions.

:class:`~pytest_fft.streaming.file_tail.FileTailSource` hands new lines of a growing JSONL
file to a callback in batches; :class:`~pytest_fft.streaming.sessionizer.StreamSessionizer`
folds each batch into the table ``fct_sessions_streaming``, merging a session that spans
batches; :func:`~pytest_fft.streaming.sessionizer.sessionize` is the same aggregation as a
pure function, for a Python model that turns an events table into sessions.
"""

from pytest_fft.streaming.file_tail import FileTailSource
from pytest_fft.streaming.sessionizer import SESSION_COLUMNS, StreamSessionizer, sessionize

__all__ = ["SESSION_COLUMNS", "FileTailSource", "StreamSessionizer", "sessionize"]

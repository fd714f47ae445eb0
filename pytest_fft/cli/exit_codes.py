"""The exit codes of ``fft`` (the spec's "Error Codes" table), shared by the command and its
reporter without either importing the other."""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1  # project, build or can't-run errors
EXIT_DATA_QUALITY = 2  # data-quality checks or unit tests failed
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT)
EXIT_TERMINATED = 143  # SIGTERM: a cancelled CI job, docker stop
EXIT_UNEXPECTED = 99

"""PySpark reports each SQL error it raises through loggers of its own (a JSON line with the
JVM's stack trace) on stderr; a pytest-fft session sends them to ``spark.log`` instead, as it
does the JVM's output, and reports the error itself."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pyspark.logger")


NAMES = ("SQLQueryContextLogger", "DataFrameQueryContextLogger")


@pytest.fixture
def restored_loggers() -> Iterator[None]:
    """The loggers as they were after the test (the process's sessions keep theirs)."""
    from pyspark.logger import PySparkLogger

    saved = {n: (list(PySparkLogger.getLogger(n).handlers), PySparkLogger.getLogger(n).propagate)
             for n in NAMES}
    yield
    for name, (handlers, propagate) in saved.items():
        logger = PySparkLogger.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            if handler not in handlers:
                handler.close()
        for handler in handlers:
            logging.Logger.addHandler(logger, handler)  # as it was, formatter and all
        logger.propagate = propagate


def test_query_context_errors_go_to_the_log_not_the_terminal(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], restored_loggers: None) -> None:
    from pyspark.logger import PySparkLogger

    from pytest_fft.engines.spark_session import _quiet_context_loggers

    log = tmp_path / "spark.log"
    _quiet_context_loggers(log)
    _quiet_context_loggers(log)  # a second session of the process adds no second handler
    for name in NAMES:
        logger = PySparkLogger.getLogger(name)
        assert [type(h) for h in logger.handlers] == [logging.FileHandler]
        logger.error("[TABLE_OR_VIEW_NOT_FOUND] no such table %s", name)
    for handler in PySparkLogger.getLogger("SQLQueryContextLogger").handlers:
        handler.flush()
    out, err = capfd.readouterr()
    assert "TABLE_OR_VIEW_NOT_FOUND" not in out + err
    assert log.read_text().count("TABLE_OR_VIEW_NOT_FOUND") == 2

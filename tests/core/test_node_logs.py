"""Per-node log capture: records of the capturing thread only, and no change elsewhere."""

from __future__ import annotations

import subprocess
import sys
import threading

from pytest_fft.run.node_logs import capture_node_logs


def test_only_the_capturing_threads_records_are_kept() -> None:
    import logging

    log = logging.getLogger("fft.test.node_logs")
    other_done = threading.Event()

    def other() -> None:
        log.warning("from another thread")
        other_done.set()

    with capture_node_logs() as lines:
        log.warning("mine %d", 1)
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert other_done.is_set()
    assert lines == ["WARNING  fft.test.node_logs: mine 1"]


def test_logging_outside_a_capture_still_reaches_stderr_without_handlers() -> None:
    code = (
        "import logging\n"
        "from pytest_fft.run.node_logs import capture_node_logs\n"
        "with capture_node_logs(): pass\n"
        "logging.getLogger('user').warning('still printed')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert proc.stderr.strip() == "still printed"


def test_with_live_logs_a_nodes_records_are_kept_for_its_item() -> None:
    import logging

    from pytest_fft.run import node_logs

    log = logging.getLogger("pytest_fft.sql")
    log.setLevel(logging.DEBUG)
    record = logging.LogRecord("pytest_fft.sql", logging.DEBUG, __file__, 1, "outside", (), None)
    assert node_logs.not_from_a_node_build(record)  # not a build: pytest's handler shows it
    node_logs.keep_records_for_items()
    try:
        with node_logs.capture_node_logs(("/p", "users.ff")) as lines:
            assert not node_logs.not_from_a_node_build(record)  # left to the item
            log.debug("-- users.ff")
        assert lines == ["DEBUG    pytest_fft.sql: -- users.ff"]
        kept = node_logs.take_records("/p", "users.ff")
        assert [r.getMessage() for r in kept] == ["-- users.ff"]
        assert node_logs.take_records("/p", "users.ff") == []  # taken once
        with node_logs.capture_node_logs(("/p", "orders.ff")):
            log.debug("-- orders.ff")
    finally:
        node_logs.stop_keeping_records()
    assert node_logs.take_records("/p", "orders.ff") == []  # dropped with the session
    with node_logs.capture_node_logs(("/p", "later")):
        log.debug("-- later")
    assert node_logs.take_records("/p", "later") == []  # no longer kept

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

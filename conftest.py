"""Repository-level pytest configuration for the pytest-fft test suite.

The example projects and benchmark outputs are not part of the suite; tests that need
them copy them into a temporary folder first.
"""

collect_ignore = ["examples", "bench", "build", "dist"]

"""The ``fft`` command: the spec's CLI as a thin alias over a pytest run.

Nothing heavy is imported at start-up, so ``fft --version`` is instant.
"""

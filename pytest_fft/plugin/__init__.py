"""The pytest seam: options, the session state, collectors and items, fixtures, xdist.

The only sub-package that imports pytest (besides the ``fft`` command, which runs it).
``hooks`` is the module pytest loads through the ``pytest11`` entry point.
"""

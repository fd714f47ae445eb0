"""Running a project: the plan, the executor, node builds, fingerprints, the build cache
and the artifacts.

``session.BuildRun`` ties them to one project in one pytest session; the executor builds on
an engine from :mod:`pytest_fft.engines`.
"""

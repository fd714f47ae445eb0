"""What FastFlowTransform projects import from ``fastflowtransform``, offered by pytest-fft.

:func:`pytest_fft.project.modules.install_fastflowtransform_alias` puts an import hook in
front of Python's finders: ``fastflowtransform.X`` is then the module
``pytest_fft.compat.fastflowtransform.X`` (when FastFlowTransform itself is not installed).
The modules below only re-export names that live where they belong (decorators, checks,
the HTTP helpers, the Jinja stdlib); nothing else imports this package. A script of one's
own calls :func:`install` first.
"""


def install() -> None:
    """Make ``import fastflowtransform`` work in a script of one's own, as it works in the
    code pytest-fft imports (Python models, macros, hooks, checks): a FastFlowTransform 0.6
    CI script (``from fastflowtransform.ci.core import run_ci_checks``) runs after
    ``import pytest_fft.compat; pytest_fft.compat.install()``. Nothing happens when
    FastFlowTransform itself is installed (its modules are imported)."""
    from pytest_fft.project.modules import install_fastflowtransform_alias

    install_fastflowtransform_alias()

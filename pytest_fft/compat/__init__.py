"""What FastFlowTransform projects import from ``fastflowtransform``, offered by pytest-fft.

:func:`pytest_fft.project.modules.install_fastflowtransform_alias` puts an import hook in
front of Python's finders: ``fastflowtransform.X`` is then the module
``pytest_fft.compat.fastflowtransform.X`` (when FastFlowTransform itself is not installed).
The modules below only re-export names that live where they belong (decorators, checks,
the HTTP helpers, the Jinja stdlib); nothing else imports this package.
"""

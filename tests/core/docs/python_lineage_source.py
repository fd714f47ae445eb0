"""The lineage of a model function written in a test: its source, with the imports and
module constants models have, read by python_lineage."""

from __future__ import annotations

import textwrap

from pytest_fft.docs.lineage import ColumnLineage
from pytest_fft.docs.python_lineage import python_lineage

HEADER = """\\
import numpy as np
import pandas as pd
LIMIT = 10
KEEP = ["id", "email"]
RENAMES = {"mail": "email"}

"""


def lineage(body: str, inputs: dict[str, str], schema: dict[str, list[str]] | None = None,
            function: str = "build", header: str = HEADER) -> list[ColumnLineage]:
    """The lineage of ``function`` in ``body`` (indented as in the test), given the inputs."""
    source = header + textwrap.dedent(body)
    return list(python_lineage(source, function, inputs, schema=schema))

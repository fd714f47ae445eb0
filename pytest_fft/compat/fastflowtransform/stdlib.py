"""``fastflowtransform.stdlib``: the engine-aware SQL helpers behind the Jinja ``ff_*``
functions, for Python code that builds SQL."""

from pytest_fft.project.stdlib import (
    date_add,
    date_trunc,
    engine_family,
    is_engine,
    normalize_engine,
    partition_filter,
    partition_in,
    safe_cast,
    sql_literal,
)

__all__ = ["date_add", "date_trunc", "engine_family", "is_engine", "normalize_engine",
           "partition_filter", "partition_in", "safe_cast", "sql_literal"]

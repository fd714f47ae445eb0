"""Column lineage of a Python (pandas or PySpark) model, read from the function's source
with :mod:`ast`: nothing is imported or run (spec "Auto-Docs & Lineage": simple patterns
are recognised).

The function's top-level statements are followed in order, with a small abstract value per
variable: a frame (which columns it is known to have, and from where), the dict of input
frames, a grouped frame, a series (the source columns it reads and whether it is
transformed), a literal (a column name, a list or dict of names, also a module constant), or
opaque. Recognised, for pandas: ``df["y"]``, ``df.y``, ``df[["a", "b"]]``, ``df.loc[mask,
cols]``; ``out["x"] = <expr>``, ``del``, ``insert``, ``pop``, ``inplace=True``,
``out.columns = [...]``; ``rename``, ``assign`` (lambdas too), ``drop``, ``filter(items=)``,
``pipe(lambda d: ...)``, ``fillna``/``astype``/... (values transformed), ``set_index`` and
``reset_index``; ``merge``/``pd.merge`` (keys, ``how``, ``suffixes``) and ``join``;
``pd.concat``; ``groupby(...)`` with ``agg`` (named, by dict, by function), ``sum()`` and
the like, ``size()``, ``transform``; row filters and ``copy``/``sort_values``/... that keep
columns; ``pd.DataFrame({...})``. For PySpark (a module that imports pyspark):
``select``, ``withColumn(s)``, ``withColumn(s)Renamed``, ``drop``, ``join``,
``groupBy().agg()``, ``union(ByName)``, ``toPandas()`` and ``F.col``/``F.<function>("a")``.
A plain column reference is not transformed; any other expression is. What it cannot see
is unknown: the bodies of ``if``/``for``/``try`` make what they assign unknown, helper
functions are not followed, early returns are not followed (the lineage describes the final
``return``), nor ``apply``, ``pivot``, ``melt``, ``F.expr`` or ``selectExpr``.

The modules, from the records up: :mod:`.series` and :mod:`.frames` (the abstract column
and frame), :mod:`.values` (the other values), :mod:`.joins` (merges, concat), :mod:`.syntax`
(reading the tree), :mod:`.grouping`, :mod:`.pandas_methods` and :mod:`.spark_methods` (what
a method returns; :mod:`.protocol` is what they need of the evaluator), :mod:`.evaluator`
(the value of an expression), :mod:`.walker` (the statements, in order), and here the entry.

>>> src = '''
... def build(df):
...     out = df.rename(columns={"mail": "email"})
...     out["domain"] = out["email"].str.split("@").str[1]
...     return out
... '''
>>> [(c.column, [s.column for s in c.sources], c.transformed)
...  for c in python_lineage(src, "build", {"df": "users"})]
[('email', ['mail'], False), ('domain', ['mail'], True)]
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence

from pytest_fft.docs.lineage import ColumnLineage
from pytest_fft.docs.python_lineage.frames import Frame
from pytest_fft.docs.python_lineage.syntax import (
    assigned_names,
    find_function,
    imports_pyspark,
    module_constants,
)
from pytest_fft.docs.python_lineage.walker import Walker

__all__ = ["python_lineage"]


def python_lineage(source: str, function: str, inputs: Mapping[str, str], *,
                   schema: Mapping[str, Sequence[str]] | None = None,
                   ) -> tuple[ColumnLineage, ...]:
    """The lineage of the columns ``function`` in module ``source`` is seen to return.

    ``inputs`` are the model's inputs in dependency order, keyed by the name the function
    receives each under, with their relation names: a parameter (``{"df": "users"}``), or,
    for a function that takes one dict of frames, the dict's key (``{"orders": "orders",
    "users_enriched": "users_enriched"}`` for ``dfs["orders"]``). Keys that name no
    parameter are bound the way the runner calls the function: one input is the first
    parameter, as many inputs as required parameters are one each, else the first parameter
    is the dict. ``schema`` (relation -> columns, optional) tells which columns an input has,
    so unchanged columns are listed and a column of a merge is found on its side.

    The columns are those of the returned frame when its column list is known (a final
    ``out[[...]]``, or inputs in ``schema``), else the ones the function is seen to make,
    in order. Never raises: a syntax error or a missing function gives ``()``.
    """
    try:
        tree = ast.parse(source)
        func = find_function(tree, function)
        if func is None:
            return ()
        known = {str(k).lower(): tuple(str(c) for c in v) for k, v in (schema or {}).items()}
        walker = Walker(assigned_names(func), known, constants=module_constants(tree),
                        spark=imports_pyspark(tree))
        walker.bind(func.args, inputs)
        result = walker.run(func.body)
        return result.lineage() if isinstance(result, Frame) else ()
    except Exception:  # RecursionError on absurd nesting, an ast form not foreseen
        return ()

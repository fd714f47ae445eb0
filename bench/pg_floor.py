#!/usr/bin/env python3
"""The PostgreSQL floor of ``run.py --postgres``: a project's models without the framework.

    python bench/pg_floor.py STEPS_FILE DSN SCHEMA

Every model in topological order on ONE psycopg connection (autocommit, as the DuckDB floor's
connection is), into ``SCHEMA``, whose seeds are already loaded:

- a SQL model: ``create table <relation> as <rendered SQL>`` (``create view`` for a view);
- a Python model: each input read with ``select *`` and made a pandas frame the way the
  engine does (rows -> Arrow, typed by the columns' PostgreSQL types -> pandas), the function
  called the way the product calls it (:func:`call`), and the frame written the
  way the engine writes one: Arrow, ``create table`` with the columns' SQL types, then its
  rows as CSV written by Arrow through ``COPY ... FROM STDIN``.

What the engine does beyond that is not in the floor: building under a new name and renaming
it into place in one transaction per model, looking up dependent views, the audit table,
threads, and everything around the build (loading the project, logs, artefacts).

``run.py`` calls :func:`run_steps` in its own process (row (p)) and runs this file as a script
(row (p')), which also pays interpreter start-up, the imports and interpreter exit. The steps
come from :func:`steps_of`, written to ``STEPS_FILE`` as a Python literal.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

# ("sql", relation, statement) or ("py", relation, module path, function name, [relations read])
Step = tuple[Any, ...]


def quote(relation: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in relation.split("."))


def steps_of(project: Any) -> list[Step]:
    """The floor's steps for every model of a loaded project, in ``project.dag.order``."""
    steps: list[Step] = []
    for name in project.dag.order:
        model = project.models.get(name)
        if model is None:
            continue
        if model.kind == "sql":
            kind = "view" if model.materialized == "view" else "table"
            steps.append(("sql", model.relation,
                          f"create {kind} {quote(model.relation)} as {model.sql}"))
        else:
            steps.append(("py", model.relation, str(model.path), model.func.__name__,
                          list(model.relations_of_deps)))
    return steps


def connect(dsn: str, schema: str) -> Any:
    import psycopg

    # SQLAlchemy's postgresql+psycopg:// spelling (profiles carry it) as libpq reads it
    con = psycopg.connect(re.sub(r"^postgres(?:ql)?\+\w+://", "postgresql://", dsn.strip()),
                          autocommit=True)
    con.execute("select set_config('search_path', %s, false)", [quote(schema)])
    return con


def read_frame(cur: Any, relation: str) -> Any:
    """A relation as pandas: its rows through Arrow, typed as the engine types them."""
    from pytest_fft.engines.arrow_io import table_of_rows

    cur.execute(f"select * from {quote(relation)}")
    description = cur.description or []
    return table_of_rows([c.name for c in description], [c.type_code for c in description],
                         cur.fetchall()).to_pandas()


def write_frame(cur: Any, relation: str, frame: Any) -> None:
    """A pandas frame as a new table: Arrow, ``create table``, its rows as CSV through COPY."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from pytest_fft.engines.arrow_io import sql_columns

    table = pa.Table.from_pandas(frame, preserve_index=False)
    target = quote(relation)
    cur.execute(f"create table {target} ({sql_columns(table, quote)})")
    if table.num_rows:
        sink = pa.BufferOutputStream()
        pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False))
        with cur.copy(f"copy {target} from stdin (format csv)") as copy:
            copy.write(sink.getvalue())


def call(func: Any, inputs: Mapping[str, Any]) -> Any:
    """The product's calling convention (``building.call_model_function``): ``f(df)`` for
    one input; for several, one positional frame each when the function takes exactly that
    many parameters without a default, else one dict keyed by relation."""
    frames = list(inputs.values())
    if len(frames) <= 1:
        return func(*frames)
    params = inspect.signature(func).parameters.values()
    arity = sum(1 for p in params
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty)
    return func(*frames) if arity == len(frames) else func(dict(inputs))


def run_steps(con: Any, steps: Sequence[Step], function: Callable[[Step], Any]) -> None:
    """Every step on ``con``; ``function(step)`` gives a Python step's model function."""
    with con.cursor() as cur:
        for step in steps:
            if step[0] == "sql":
                cur.execute(step[2])
                continue
            relation, deps = step[1], step[4]
            write_frame(cur, relation, call(function(step), {rel: read_frame(cur, rel)
                                                             for rel in deps}))


def build(dsn: str, schema: str, steps: Sequence[Step],
          functions: Mapping[str, Any] | None = None) -> None:
    """Connect, run every step, close. ``functions``: the model functions by relation (the
    loaded project's); without them each module is imported from its file once."""
    modules: dict[str, Any] = {}

    def function(step: Step) -> Any:
        if functions is not None:
            return functions[step[1]]
        path = step[2]
        if path not in modules:
            spec = importlib.util.spec_from_file_location(f"pg_floor_{len(modules)}", path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            modules[path] = module
        return getattr(modules[path], step[3])

    con = connect(dsn, schema)
    try:
        run_steps(con, steps, function)
    finally:
        con.close()


def write_steps(steps: Sequence[Step], path: Path) -> None:
    path.write_text(repr(list(steps)), encoding="utf-8")


def main(argv: Sequence[str]) -> int:
    if len(argv) != 3:
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    import pandas  # noqa: F401  (what every command that builds Python models imports)
    import psycopg  # noqa: F401

    from pytest_fft.project.modules import install_fastflowtransform_alias

    steps_file, dsn, schema = argv
    install_fastflowtransform_alias()
    build(dsn, schema, ast.literal_eval(Path(steps_file).read_text(encoding="utf-8")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

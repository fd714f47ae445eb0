"""Loading a project folder into a :class:`~pytest_fft.project.records.Project` (pure: no
pytest, no database).

>>> from pytest_fft import load_project                     # doctest: +SKIP
>>> project = load_project("examples/simple_duckdb")       # doctest: +SKIP
>>> project.dag.order                                      # doctest: +SKIP
('seed_orders', 'seed_users', 'orders.ff', 'users.ff', 'users_enriched', ...)
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pytest_fft.decorators import SPEC_ATTR, ModelSpec
from pytest_fft.engines.registry import AUDIT_TABLE, generic_spec
from pytest_fft.errors import (
    DependencyNotFoundError,
    DuplicateNodeError,
    ModelCycleError,
    ModuleLoadError,
    ProjectError,
    ProjectFileError,
    read_project_text,
)
from pytest_fft.project.config import load_project_config
from pytest_fft.project.dag import Dag
from pytest_fft.project.env_reads import getenv
from pytest_fft.project.ephemeral import inline_ephemerals
from pytest_fft.project.import_watch import project_imports, user_imports
from pytest_fft.project.incremental import (
    IncrementalSpec,
    default_delta,
    incremental_spec,
    model_partitions,
    overlay_for,
)
from pytest_fft.project.kinds import MATERIALIZATIONS
from pytest_fft.project.modules import import_file
from pytest_fft.project.names import (
    PY_SUFFIX,
    SEED_SUFFIXES,
    SQL_SUFFIX,
    relation_for,
    sql_node_name,
)
from pytest_fft.project.packages import Package, installed_packages
from pytest_fft.project.python_models import LazyModelFunction, ModelFile, static_specs
from pytest_fft.project.records import Check, Model, Project, Seed
from pytest_fft.project.rendering import (
    build_environment,
    config_engines,
    render_sql,
    split_create,
)
from pytest_fft.project.seed_config import load_seed_config, seeds_dir
from pytest_fft.project.snapshot import snapshot_spec
from pytest_fft.project.sources import Source, load_sources
from pytest_fft.project.statements import extra_statement, snippet_problem
from pytest_fft.project.yaml_io import load_yaml
from pytest_fft.redact import remember_in


def load_project(
    root: str | Path,
    *,
    engine: str = "duckdb",
    vars: Mapping[str, Any] | None = None,
) -> Project:
    """Read models, seeds, sources and project.yml; render SQL; build and check the DAG."""
    root = Path(root).resolve()
    if not (root / "models").is_dir():
        raise ProjectError(f"{root} is not a FastFlowTransform project: it has no models/ folder",
                           file=root, hint="pass the folder that contains models/ and project.yml")
    config = load_project_config(root / "project.yml", root.name)
    sources = load_sources(root / "sources.yml", engine=engine)
    project_vars = {**config.vars, **(vars or {})}
    remember_in(project_vars)  # a var named like a secret (api_token) is masked in every text
    packages = installed_packages(root)  # packages.yml: their models and macros join

    seeds = _discover_seeds(root, engine)
    shown = _Shown(root, packages)
    sql_texts = {path: read_project_text(path, shown(path))
                 for folder in shown.model_folders()
                 for path in sorted(folder.rglob(f"*{SQL_SUFFIX}"))}
    sql_files = [path for path, text in sql_texts.items()  # config(engines=...) of another
                 if _for_engine(text, engine, shown(path), sql_node_name(path))]
    py_specs = [found for folder in shown.model_folders()
                for found in _discover_python_models(folder, shown, engine)]

    engine_spec = generic_spec(engine)
    names = _NodeNames(root, name_key=engine_spec.name_key)
    for seed in seeds:
        names.add(seed.name, seed.relation, seed.rel_path)
    for path in sql_files:
        name = sql_node_name(path)
        names.add(name, relation_for(name), shown(path))
    for spec, path in py_specs:
        names.add(spec.name, relation_for(spec.name), shown(path), spec.line)
    duplicate = names.duplicates()
    if duplicate is not None:
        raise duplicate
    _refuse_audit_table_name(names, engine_spec.name_key)
    _refuse_names_the_engine_cannot_hold(names, engine_spec)

    seed_by_relation = _source_seeds(seeds)
    missing: list[DependencyNotFoundError] = []
    models: dict[str, Model] = {}
    with user_imports() as imported:  # what the Python macros import, at load or at render
        env = build_environment(root, engine, packages)
        for path in sql_files:
            model = _load_sql_model(path, root, env, names, sources, project_vars,
                                    seed_by_relation, missing, engine_spec.sqlglot_dialect,
                                    config.raw, sql_texts[path], display=shown(path),
                                    package=shown.package_of(path),
                                    sql_name=engine_spec.sql_name)
            models[model.name] = model
    watched = [root / "models", root / "macros", *(p.models_path for p in packages)]
    imported_files = project_imports(
        p for p in imported if not any(p.is_relative_to(folder) for folder in watched))
    for spec, path in py_specs:
        model = _load_python_model(spec, path, root, names, missing, config.raw,
                                   display=shown(path), package=shown.package_of(path))
        models[model.name] = model
    if missing:
        raise _combine(missing)

    if seeds and _reads_seed_metadata(root, models):
        seeds = [dataclasses.replace(seed, metadata=True) for seed in seeds]
    seed_map = {s.name: s for s in seeds}
    checks = _load_checks(root, config.tests, names, engine_spec.sqlglot_dialect, engine)
    parents: dict[str, tuple[str, ...]] = dict.fromkeys(seed_map, ())
    parents.update({name: m.deps for name, m in models.items()})
    parents.update({name: c.deps for name, c in checks.items()})
    try:
        dag = Dag(parents)
    except ModelCycleError as exc:
        first = models.get(exc.node or "")
        files = [models[name].rel_path for name in exc.cycle if name in models]
        raise ModelCycleError(f"{exc.message} (in {', '.join(files)})" if files else exc.message,
                              cycle=exc.cycle, file=first.rel_path if first else None,
                              line=first.line if first else None, node=exc.node,
                              hint=exc.hint) from None
    if any(m.materialized == "ephemeral" for m in models.values()):
        models = inline_ephemerals(models, list(dag.order), engine_spec.quote)
    read_files = tuple(sorted(
        {(root / m.incremental.delta_config).resolve() for m in models.values()
         if m.incremental is not None and m.incremental.delta_config}))
    return Project(
        root=root, config=config, engine=engine, models=models, seeds=seed_map,
        sources=sources, vars=project_vars, dag=dag, checks=checks,
        imported_files=imported_files, read_files=read_files, packages=packages,
        macros=tuple(sorted(getattr(env, "fft_macros", {}).values(), key=lambda m: m.name)),
        warnings=config.warnings + tuple(getattr(env, "fft_macro_clashes", ())) + tuple(
            f"{m.rel_path}:{m.line}: {m.name} is a Python model with materialized='view'; "
            "its frame is stored as a table"
            for m in models.values() if m.kind == "python" and m.materialized == "view"
        ),
    )


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


class _Shown:
    """How a model file is named in node ids and messages: relative to the project, or
    ``packages/<name>/<path in the package>`` for a package's file."""

    def __init__(self, root: Path, packages: tuple[Package, ...]) -> None:
        self.root = root
        self.packages = packages
        models = root / "models"
        for package in packages:
            inside = package.models_path.resolve()
            if (inside == models.resolve() or models.resolve() in inside.parents
                    or inside in models.resolve().parents):
                from pytest_fft.project.packages import PACKAGES_FILE

                raise ProjectError(
                    f"package {package.name!r}: its models ({inside}) overlap this project's "
                    "models/ folder, so its files would be loaded twice",
                    file=PACKAGES_FILE, node=package.name,
                    hint="point the package's path at a folder outside models/")

    def model_folders(self) -> list[Path]:
        return [self.root / "models", *(p.models_path for p in self.packages)]

    def package_of(self, path: Path) -> Package | None:
        for package in self.packages:
            if path.is_relative_to(package.models_path):
                return package
        return None

    def __call__(self, path: Path) -> str:
        package = self.package_of(path)
        return package.display(path) if package is not None else _rel(path, self.root)


class _NodeNames:
    """Every node name and relation of the project, for ``ref()`` lookups and suggestions."""

    def __init__(self, root: Path, *, name_key: Callable[[str], str] = str.casefold) -> None:
        self.root = root
        self.by_name: dict[str, str] = {}  # name -> defining file
        self.by_relation: dict[str, str] = {}  # relation -> node name
        self.relation_of: dict[str, str] = {}  # node name -> relation (a placed seed's in full)
        self._same_name: dict[str, list[str]] = {}  # name -> every file that defines it
        self._same_relation: dict[str, list[str]] = {}  # relation -> every node building it
        # Relations as the warehouse tells them apart (the engine's EngineSpec.name_key):
        # DuckDB ignores the case of names, so Users.ff.sql and users.ff.sql would build one
        # table; Postgres keeps quoted names apart; Snowflake folds plain names to upper case.
        self._name_key = name_key
        self._builder: dict[str, str] = {}  # relation key -> the first node building it
        self._where: dict[str, str] = {}  # name -> "file:line" (file alone if no line)

    def add(self, name: str, relation: str, rel_path: str, line: int | None = None) -> None:
        """Record a node; a name or relation taken before is kept for :meth:`duplicates`."""
        where = f"{rel_path}:{line}" if line else rel_path
        if name in self.by_name:
            self._same_name.setdefault(name, [self._where[name]]).append(where)
            return
        self.by_name[name] = rel_path
        self.relation_of[name] = relation
        self._where[name] = where
        key = self._name_key(relation.rsplit(".", 1)[-1])
        if key in self._builder:
            first = self._builder[key]
            self._same_relation.setdefault(relation_for(first), [first]).append(name)
            return
        self.by_relation[relation] = name
        self._builder[key] = name

    def builder_of(self, table: str) -> str | None:
        """The node that builds ``table`` (a check's table, perhaps schema-qualified),
        comparing names as the warehouse does (``USERS`` is ``users`` on DuckDB)."""
        return self._builder.get(self._name_key(table.rsplit(".", 1)[-1]))

    def duplicates(self) -> DuplicateNodeError | None:
        """Every name defined more than once and every relation built by more than one node,
        each with all of its files; ``None`` when there is none. The error's file and node are
        those of the first problem's last definition."""
        problems: list[tuple[str, str, str]] = [  # (message, "file[:line]", node)
            (f"Duplicate node name {name!r}: defined in {_and_list(places)}", places[-1], name)
            for name, places in self._same_name.items()
        ]
        for relation, names in self._same_relation.items():
            both = "both" if len(names) == 2 else "all"
            nodes = _and_list([f"{n!r} ({self.by_name[n]})" for n in names])
            message = f"Nodes {nodes} {both} build the relation {relation!r}"
            if len({relation_for(n) for n in names}) > 1:
                message += " (the warehouse does not tell names apart by case)"
            problems.append((message, self.by_name[names[-1]], names[-1]))
        if not problems:
            return None
        _, place, node = problems[0]
        file, _, line = place.partition(":")
        return DuplicateNodeError(
            "\n".join(message for message, _, _ in problems), file=file,
            line=int(line) if line.isdigit() else None, node=node,
            hint="rename all but one of them: node names and relations must be unique")

    def resolve(self, wanted: str) -> str | None:
        """``users``, ``users.ff`` or a seed name -> the node name, or ``None``."""
        if wanted in self.by_name:
            return wanted
        if wanted + ".ff" in self.by_name:
            return wanted + ".ff"
        return self.by_relation.get(wanted)

    def suggest(self, wanted: str) -> str | None:
        pool = list(self.by_name) if wanted.endswith(".ff") else list(self.by_relation)
        close = difflib.get_close_matches(wanted, pool, n=1, cutoff=0.6)
        return close[0] if close else None


def _not_found(node: str, display: str, what: str, suggestion: str | None,
               hint: str, line: int | None = None) -> DependencyNotFoundError:
    tail = f"; did you mean {suggestion}?" if suggestion else ""
    return DependencyNotFoundError(
        f"Dependency not found: {node} references {what} ({display}){tail}",
        file=display, line=line, node=node, hint=hint,
    )


def _deps_line(path: Path, wanted: str, decorator_line: int | None) -> int | None:
    """The line of a Python model that names ``wanted`` in its decorator, else the
    decorator's own line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return decorator_line
    return _line_naming(text, wanted, decorator_line or 1) or decorator_line


def _line_naming(text: str, name: str, start: int = 1) -> int | None:
    """The first line (from ``start``) of ``text`` that holds ``name`` quoted, if any."""
    for number, line in enumerate(text.splitlines()[start - 1:], start):
        if f"'{name}'" in line or f'"{name}"' in line:
            return number
    return None


def _and_list(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _combine(errors: list[DependencyNotFoundError]) -> DependencyNotFoundError:
    if len(errors) == 1:
        return errors[0]
    first = errors[0]
    return DependencyNotFoundError(
        "\n".join(e.message for e in errors), file=first.file, line=first.line, node=first.node,
        hint="fix the names above; ref() takes a model name (users or users.ff), "
             "source() a source and table from sources.yml",
        parts=tuple(errors),
    )


def _discover_seeds(root: Path, engine: str) -> list[Seed]:
    """The seed files under the seeds folder (``FFT_SEEDS_DIR`` or ``seeds/``), each placed
    and typed as ``schema.yml`` in that folder says; the node is named by its table."""
    folder = seeds_dir(root)
    if not folder.is_dir():
        return []
    display = _shown(folder / "schema.yml", root)
    config = load_seed_config(folder, display)
    paths = [p for p in sorted(folder.rglob("*"))
             if p.suffix.lower() in SEED_SUFFIXES and p.is_file()]
    stems = Counter(p.stem for p in paths)
    seeds = []
    for path in paths:
        seed_id = path.relative_to(folder).with_suffix("").as_posix()
        place = config.placement(seed_id, path.stem, engine, stem_unique=stems[path.stem] == 1)
        seeds.append(Seed(
            name=place.table, path=path, rel_path=_shown(path, root),
            relation=f"{place.schema}.{place.table}" if place.schema else place.table,
            seed_id=seed_id, schema=place.schema,
            column_types=tuple(config.column_types(place.table, engine).items())))
    return seeds


def _shown(path: Path, root: Path) -> str:
    """``path`` as messages show it: relative to the project when inside it."""
    return _rel(path, root) if path.is_relative_to(root) else path.as_posix()


SEED_METADATA_COLUMNS = ("_ff_loaded_at", "_ff_seed_id", "_ff_seed_file")


def _reads_seed_metadata(root: Path, models: Mapping[str, Model]) -> bool:
    """Whether the project names one of FastFlowTransform's seed metadata columns (in a model,
    sources.yml, project.yml or a custom check): then its seeds are loaded with them. The
    texts in memory come first; files are read only until one names a column."""

    def texts() -> Iterator[str]:
        yield from (m.raw_sql or m.sql or "" for m in models.values())
        yield from (read_project_text(root / name, name)
                    for name in ("sources.yml", "project.yml") if (root / name).is_file())
        python = {m.path: m.rel_path for m in models.values() if m.kind == "python"}
        yield from (read_project_text(path, shown) for path, shown in python.items())
        tests = root / "tests"
        if tests.is_dir():
            yield from (read_project_text(p, _rel(p, root))
                        for p in sorted(tests.rglob("*.ff.*")))

    return any(column in text for text in texts() for column in SEED_METADATA_COLUMNS)


def _source_seeds(seeds: list[Seed]) -> dict[str, list[Seed]]:
    by_table: dict[str, list[Seed]] = {}
    for seed in seeds:
        by_table.setdefault(seed.name, []).append(seed)
    return by_table


def _seed_filling(src: Source, seeds_by_table: Mapping[str, list[Seed]]) -> str | None:
    """The seed whose table a source names, if any: same table, and the same schema where
    both name one (a seed without a schema lands in the profile's schema, which may be the
    one the source names)."""
    candidates = seeds_by_table.get(src.identifier, [])
    for seed in candidates:
        if seed.schema == src.schema:
            return seed.name
    for seed in candidates:
        if seed.schema is None or src.schema is None:
            return seed.name
    return None


def _discover_python_models(folder: Path, shown: _Shown,
                            engine: str) -> list[tuple[ModelSpec, Path]]:
    """Each Python model under ``folder`` with its file. A file whose decorators are literal
    is read from its syntax tree and imported when a model of it first runs; any other file
    is imported now (a package's file as a module of the package's own folder)."""
    found: list[tuple[ModelSpec, Path]] = []
    for path in sorted(folder.rglob(f"*{PY_SUFFIX}")):
        package = shown.package_of(path)
        base = package.root if package is not None else shown.root
        specs = _static_python_models(path, base, shown(path))
        if specs is None:
            module = import_file(path, base, prefix="fft_models")
            specs = [spec for value in vars(module).values()
                     if isinstance(spec := getattr(value, SPEC_ATTR, None), ModelSpec)
                     and value.__module__ == module.__name__]
        found.extend((spec, path) for spec in specs if spec.exists_for(engine, read=getenv))
    return found


def _static_python_models(path: Path, root: Path, rel: str) -> list[ModelSpec] | None:
    try:
        declared = static_specs(read_project_text(path, rel), str(path))
    except SyntaxError as exc:
        raise ModuleLoadError(f"{rel}: syntax error: {exc.msg}", file=rel, line=exc.lineno,
                              hint="fix the Python syntax at that line") from exc
    if declared is None:
        return None
    file = ModelFile(path, root)
    return [dataclasses.replace(spec, func=LazyModelFunction(file, func_name, spec), line=line)
            for spec, func_name, line in declared]


def _for_engine(text: str, engine: str, display: str, node: str) -> bool:
    """Whether a SQL model exists on ``engine``: its ``config(engines=...)`` names it (any
    case) or it has none."""
    engines = config_engines(text, display, node)
    return engines is None or engine.lower() in engines


def _check_materialized(value: Any, node: str, display: str, line: int | None) -> str:
    if value not in MATERIALIZATIONS:
        raise ProjectFileError(
            f"{node}: materialized={value!r} is not supported",
            file=display, line=line, node=node,
            hint="use materialized='table', 'view', 'incremental', 'ephemeral' or 'snapshot'",
        )
    return str(value)


def _load_sql_model(
    path: Path,
    root: Path,
    env: Any,
    names: _NodeNames,
    sources: Mapping[tuple[str, str], Source],
    vars_: Mapping[str, Any],
    seed_by_relation: Mapping[str, list[Seed]],
    missing: list[DependencyNotFoundError],
    dialect: str,
    project_raw: Mapping[str, Any],
    raw: str | None = None,
    *,
    display: str | None = None,
    package: Package | None = None,
    sql_name: Callable[[str], str] = str,
) -> Model:
    """``sql_name``: a relation as ``ref()`` and ``{{ this }}`` write it (the engine's
    :meth:`~pytest_fft.engines.registry.EngineSpec.sql_name`)."""
    display = display or _rel(path, root)
    name = sql_node_name(path)
    relation = relation_for(name)
    raw = read_project_text(path, display) if raw is None else raw
    deps: list[str] = []
    source_reads: list[tuple[str, str, str]] = []

    def resolve_ref(wanted: str) -> str:
        target = names.resolve(wanted)
        if target is None:
            missing.append(_not_found(
                name, display, repr(wanted),
                repr(names.suggest(wanted)) if names.suggest(wanted) else None,
                "ref() takes a model name (users or users.ff) or a seed name",
                _line_naming(raw, wanted)))
            return relation_for(wanted)
        deps.append(target)
        return sql_name(names.relation_of.get(target) or relation_for(target))

    def resolve_source(source_name: str, table: str) -> str:
        src = sources.get((source_name, table))
        if src is None:
            close = difflib.get_close_matches(
                f"{source_name}.{table}", [f"{s}.{t}" for s, t in sources], n=1, cutoff=0.6)
            suggestion = None
            if close:
                s, t = close[0].split(".", 1)
                suggestion = f"source({s!r}, {t!r})"
            missing.append(_not_found(
                name, display, f"source({source_name!r}, {table!r})", suggestion,
                "declare it in sources.yml", _line_naming(raw, table)))
            return table
        seed = _seed_filling(src, seed_by_relation)
        if seed is not None:
            deps.append(seed)
        source_reads.append((source_name, table,
                             relation_for(seed) if seed is not None else src.relation))
        return src.relation

    sql, record = render_sql(
        env, raw, display=display, node=name, this=relation, this_sql=sql_name(relation),
        resolve_ref=resolve_ref, resolve_source=resolve_source, vars_=vars_,
    )
    same_lines = len(sql.splitlines()) == len(raw.splitlines())
    _one_statement(sql, dialect, name, display, same_lines)
    body = split_create(sql)
    if not body.select.strip():
        raise ProjectFileError(
            f"{name}: the model has no SQL" + (" once rendered" if raw.strip() else ""),
            file=display, line=1, node=name,
            hint="write its SELECT, or delete the file if the model is gone")
    if body.created_name is not None and body.created_name.split(".")[-1] != relation:
        raise ProjectFileError(
            f"{name}: the SQL creates {body.created_name!r} but this model's relation is "
            f"{relation!r}",
            file=display, node=name,
            hint=f"rename the file to {body.created_name.split('.')[-1]}.ff.sql "
                 f"or create {relation!r}",
        )
    cfg = record.config
    _check_config_keys(cfg, name, display, raw)
    _check_config_types(cfg, name, display, raw)
    if cfg.get("engines") is not None and config_engines(raw, display, name) is None:
        raise ProjectFileError(  # set where the text does not show it (a macro, a var)
            f"{name}: config(engines=...) must be written in the model's own "
            "{{ config(...) }}", file=display, node=name,
            hint="write e.g. {{ config(engines=['duckdb']) }} at the top of the model")
    materialized = _check_materialized(
        cfg.get("materialized", body.created_kind or "table"), name, display, 1)
    incremental = incremental_spec(
        cfg, dict(cfg.get("meta") or {}), overlay_for(project_raw, name, relation),
        node=name, display=display, line=1)
    delta_sql = None
    snapshot = (snapshot_spec(cfg, node=name, display=display, line=1)
                if materialized == "snapshot" else None)
    if snapshot is not None:
        incremental = None  # a snapshot keeps history its own way
    if incremental is not None:
        materialized = "incremental"
        delta_sql = _delta_sql(incremental, raw, body.select, root, display, name, relation,
                               lambda text, where: render_sql(
                                   env, text, display=where, node=name, this=relation,
                                   this_sql=sql_name(relation),
                                   resolve_ref=resolve_ref, resolve_source=resolve_source,
                                   vars_=vars_, incremental=True)[0], dialect)
    return Model(
        name=name, kind="sql", path=path, rel_path=display, relation=relation,
        deps=tuple(dict.fromkeys(deps)), materialized=materialized,
        tags=_tags(cfg.get("tags")), meta=dict(cfg.get("meta") or {}), line=1,
        # The model file's line of the SELECT, only when rendering kept the template's lines
        # (a multi-line {{ config(...) }}, {# #} comment or loop does not): 0 otherwise.
        sql_line=body.line if same_lines else 0,
        sql=body.select, raw_sql=raw, config=dict(cfg),
        incremental=incremental, delta_sql=delta_sql, snapshot=snapshot,
        partition_by=model_partitions(cfg, dict(cfg.get("meta") or {}), incremental,
                                      node=name, display=display, line=1),
        package=package.name if package is not None else None,
        source_reads=tuple(dict.fromkeys(source_reads)),
    )


def _delta_sql(spec: IncrementalSpec, raw: str, full: str, root: Path, display: str,
               name: str, relation: str, render: Callable[[str, str], str],
               dialect: str) -> str:
    """The SELECT of an incremental model's delta, from (first found) the config's delta
    SQL, the delta_config file's ``sql:``, the model rendered with ``is_incremental()``
    true, or the rows newer than the table's newest ``updated_at``; else the full SELECT.
    The delta SQL is a template too (``ref``, ``source``, ``this``, ``var``)."""
    text, where = spec.delta_sql, display
    if text is None and spec.delta_config is not None:
        text, where = _delta_config_sql(root, spec.delta_config, name, display)
    if text is not None:
        return split_create(render(text, where)).select
    if "is_incremental" in raw:
        return split_create(render(raw, display)).select
    if spec.updated_at:
        from pytest_fft.engines.registry import find_engine_spec

        engine = find_engine_spec(dialect) if dialect else None
        quote = engine.quote if engine is not None else (lambda n: '"' + n + '"')
        return default_delta(full, relation, spec.updated_at, quote)
    return full


def _delta_config_sql(root: Path, rel: str, name: str, display: str) -> tuple[str, str]:
    """``sql:`` of a delta_config YAML file, and the file's name for errors."""
    path = root / rel
    if not path.is_file():
        raise ProjectFileError(f"{name}: delta_config {rel!r} is not a file", file=display,
                               node=name, hint=f"create {rel} with an 'sql:' key, or fix "
                                               "the path (relative to the project)")
    data = load_yaml(path, display=rel)
    sql = data.get("sql") if isinstance(data, Mapping) else None
    if not isinstance(sql, str):
        raise ProjectFileError(f"{name}: {rel} has no 'sql:' text", file=rel, node=name,
                               hint="write the delta SELECT under sql: |")
    return sql, rel


# config() keys FastFlowTransform and dbt projects use; an unknown key is kept (projects
# carry their own), but one a letter or two away from these is a typo that would be ignored.
CONFIG_KEYS = ("materialized", "tags", "meta", "alias", "schema", "database", "engines",
               "unique_key", "incremental", "incremental_strategy", "strategy", "updated_at",
               "check_cols", "on_schema_change", "partition_by", "cluster_by", "delta_sql",
               "enabled", "description", "persist_docs", "pre_hook", "post_hook", "snapshot",
               "contract", "docs", "grants", "labels")


def _check_config_keys(cfg: Mapping[str, Any], name: str, display: str, raw: str) -> None:
    for key in cfg:
        if key in CONFIG_KEYS:
            continue
        close = difflib.get_close_matches(key, CONFIG_KEYS, n=1, cutoff=0.8)
        if close:
            raise ProjectFileError(
                f"{name}: unknown config key {key!r}; did you mean {close[0]!r}?",
                file=display, line=_config_key_line(raw, key), node=name,
                hint=f"write {close[0]}= in config(...)",
            )


def _config_key_line(raw: str, key: str) -> int | None:
    """The line of the model file that says ``key=`` (in its ``config(...)``), if any."""
    found = re.search(rf"\b{re.escape(key)}\s*=", raw)
    return raw.count("\n", 0, found.start()) + 1 if found else None


def _names_or_text(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value))


# What some config() keys must hold (the others are checked where they are read): a value of
# another type is an error of the model, not a crash of whatever reads it later.
# key -> (the check, what it must be, an example)
_CONFIG_TYPES: dict[str, tuple[Callable[[Any], bool], str, str]] = {
    "tags": (_names_or_text, "a name or a list of names", "tags=['finance', 'daily']"),
    "meta": (lambda v: isinstance(v, Mapping), "a mapping", "meta={'owner': 'data'}"),
    "pre_hook": (_names_or_text, "a statement or a list of statements",
                 "pre_hook=\"analyze {{ this }}\" (or a list of statements)"),
    "post_hook": (_names_or_text, "a statement or a list of statements",
                  "post_hook=\"analyze {{ this }}\" (or a list of statements)"),
    "alias": (lambda v: isinstance(v, str), "text", "alias='users_v2'"),
    "schema": (lambda v: isinstance(v, str), "text", "schema='analytics'"),
    "database": (lambda v: isinstance(v, str), "text", "database='warehouse'"),
    "description": (lambda v: isinstance(v, str), "text", "description='One row per user'"),
    "enabled": (lambda v: isinstance(v, bool), "true or false", "enabled=false"),
}


def _check_config_types(cfg: Mapping[str, Any], name: str, display: str, raw: str) -> None:
    for key, (fits, what, example) in _CONFIG_TYPES.items():
        value = cfg.get(key)
        if value is not None and not fits(value):
            raise ProjectFileError(
                f"{name}: config({key}=...) must be {what}, not {value!r}",
                file=display, line=_config_key_line(raw, key), node=name,
                hint=f"write {example}")


def _refuse_names_the_engine_cannot_hold(names: _NodeNames, spec: Any) -> None:
    """A relation name the engine's catalog refuses (a space on Spark) is an error of the
    project, said when it loads rather than when the build reaches the node."""
    for relation, name in names.by_relation.items():
        for part in relation.split("."):
            problem = spec.name_problem(part)
            if problem is not None:
                raise ProjectFileError(
                    f"{name}: builds the relation {relation!r}, and {problem}",
                    file=names.by_name[name], node=name,
                    hint="rename the file (or its alias), or set config(alias=...) to a name "
                         "of letters, digits and _")


def _refuse_audit_table_name(names: _NodeNames, name_key: Callable[[str], str]) -> None:
    """No seed or model may build the audit table: its rows would be replaced by the node's
    and every later audit write would fail."""
    for relation, name in names.by_relation.items():
        if name_key(relation) == name_key(AUDIT_TABLE):
            raise ProjectFileError(
                f"{name}: builds the relation {relation!r}, the name of pytest-fft's audit "
                "table of builds",
                file=names.by_name[name], node=name,
                hint=f"rename it: {AUDIT_TABLE} is the audit table",
            )


def _one_statement(sql: str, dialect: str, name: str, display: str, same_lines: bool) -> None:
    """A model is one statement: a second one (``select ...; drop table x``, written or
    brought in by a ``var()`` or macro) is an error before anything runs."""
    extra = extra_statement(sql, dialect)
    if extra is None:
        return
    where = "" if same_lines else f" (line {extra.line} of the rendered SQL)"
    raise ProjectFileError(
        f"{name}: the SQL holds more than one statement; a second one starts with "
        f"{extra.text!r}{where}",
        file=display, line=extra.line if same_lines else None, node=name,
        hint="a model is one SELECT (or one create ... as select); remove the ';' and what "
             "follows it, or make the other statement a model of its own",
    )


def _check_snippets(spec: Any, dialect: str, display: str) -> None:
    """Every ``where``/``expr`` of a check is one SQL expression inside the check's query."""
    for key, text in spec.snippets():
        problem = snippet_problem(text, dialect)
        if problem is not None:
            raise ProjectFileError(
                f"check {spec.id!r}: {key} {problem}: {text!r}",
                file=display, line=spec.line, node=spec.id,
                hint=f"write {key} as one condition or expression, e.g. "
                     + ("expr: \"sum(amount)\"" if key.endswith("expr")
                        else "where: \"status = 'paid'\""),
            )


def _load_checks(root: Path, tests: Any, names: _NodeNames,
                 dialect: str = "", engine: str = "duckdb") -> dict[str, Check]:
    """The checks of ``project.yml -> tests:`` and of the schema files under ``models/``
    (custom types from ``tests/``) as check nodes after the nodes that build their tables."""
    from pytest_fft.checks.declared import declared_checks

    checks: dict[str, Check] = {}
    for spec, display in declared_checks(root, tests, names, engine):
        _check_snippets(spec, dialect, display)
        if spec.id in names.by_name:
            raise DuplicateNodeError(
                f"check {spec.id!r} in {display} has the name of the node defined in "
                f"{names.by_name[spec.id]}",
                file=display, line=spec.line, node=spec.id,
                hint="give the check another name: name: <something unique>",
            )
        deps = tuple(dict.fromkeys(
            node for table in spec.tables if (node := names.builder_of(table)) is not None))
        checks[spec.id] = Check(name=spec.id, spec=spec, path=root / display, rel_path=display,
                                deps=deps, line=spec.line or 1)
    return checks


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _load_python_model(
    spec: ModelSpec, path: Path, root: Path, names: _NodeNames,
    missing: list[DependencyNotFoundError], project_raw: Mapping[str, Any],
    *, display: str | None = None, package: Package | None = None,
) -> Model:
    display = display or _rel(path, root)
    deps: list[str] = []
    for wanted in spec.deps:
        target = names.resolve(wanted)
        if target is None:
            suggestion = names.suggest(wanted)
            missing.append(_not_found(
                spec.name, display, repr(wanted), repr(suggestion) if suggestion else None,
                "deps= takes node names such as 'users.ff' or 'users_enriched'",
                _deps_line(path, wanted, spec.line)))
        else:
            deps.append(target)
    line = spec.line or (spec.func.__code__.co_firstlineno if spec.func is not None else 1)
    # The frame a Python model returns is its delta when it is incremental.
    incremental = incremental_spec(
        {"materialized": spec.materialized}, spec.meta,
        overlay_for(project_raw, spec.name, relation_for(spec.name)),
        node=spec.name, display=display, line=line)
    materialized = "incremental" if incremental is not None else spec.materialized
    if materialized == "snapshot":
        raise ProjectFileError(
            f"{spec.name}: a Python model cannot be a snapshot (snapshots are SQL models)",
            file=display, line=line, node=spec.name,
            hint="write the snapshot as a SQL model (materialized='snapshot')")
    if materialized == "ephemeral":
        raise ProjectFileError(
            f"{spec.name}: a Python model cannot be ephemeral (only SQL can be inlined)",
            file=display, line=line, node=spec.name,
            hint="make it materialized='table', or write it as a SQL model")
    return Model(
        name=spec.name, kind="python", path=path, rel_path=display,
        relation=relation_for(spec.name), deps=tuple(dict.fromkeys(deps)),
        incremental=incremental,
        materialized=_check_materialized(materialized, spec.name, display, line),
        tags=spec.tags, meta=spec.meta, line=line, func=spec.func,
        requires=spec.requires,
        partition_by=model_partitions({}, spec.meta, incremental, node=spec.name,
                                      display=display, line=line),
        config={"materialized": spec.materialized, "tags": list(spec.tags), "kind": spec.kind},
        package=package.name if package is not None else None,
    )

"""The records a loaded project is made of. All frozen; built before any thread starts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pytest_fft.project.config import ProjectConfig
from pytest_fft.project.dag import Dag
from pytest_fft.project.sources import Source


@dataclass(frozen=True)
class Model:
    """A node the user wrote: a SQL file or a decorated Python function."""

    name: str
    kind: Literal["sql", "python"]
    path: Path
    rel_path: str  # POSIX path relative to the project root
    relation: str
    deps: tuple[str, ...]  # node names this model reads (models and seeds)
    materialized: str = "table"
    tags: tuple[str, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    line: int = 1
    sql: str | None = None  # rendered SELECT (SQL models)
    sql_line: int = 0  # the line of the model file where ``sql`` begins; 0: not known
    raw_sql: str | None = None  # the template as written (SQL models)
    func: Callable[..., Any] | None = field(default=None, compare=False)
    requires: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    # An incremental model (materialized 'incremental'): how its delta is applied, and the
    # SELECT of the delta (SQL models; a Python model's frame is its delta).
    incremental: Any = None  # pytest_fft.project.incremental.IncrementalSpec
    delta_sql: str | None = None
    snapshot: Any = None  # pytest_fft.project.snapshot.SnapshotSpec (materialized 'snapshot')
    #: The columns its table is partitioned by, where the engine partitions tables (Spark).
    partition_by: tuple[str, ...] = ()
    package: str | None = None  # the package (packages.yml) whose file defines it, if any
    #: The sources it reads: ``(source name, table name, input relation)``, the input
    #: relation being the seed's where a seed fills the source, else the relation as the
    #: SQL names it (a table something else loads). A unit case gives their rows as it gives
    #: the rows of what the model refs.
    source_reads: tuple[tuple[str, str, str], ...] = ()

    @property
    def relations_of_deps(self) -> tuple[str, ...]:
        from pytest_fft.project.names import relation_for

        return tuple(relation_for(d) for d in self.deps)

    @property
    def input_relations(self) -> tuple[str, ...]:
        """What a unit case of the model gives rows for: the relations of its deps, then
        those of the sources it reads that no seed fills."""
        return tuple(dict.fromkeys(
            (*self.relations_of_deps, *(relation for _, _, relation in self.source_reads))))


@dataclass(frozen=True)
class Seed:
    """A CSV or Parquet file under ``seeds/`` that loads as the table named by its stem."""

    name: str
    path: Path
    rel_path: str
    relation: str  # ``table``, or ``schema.table`` when seeds/schema.yml places it
    line: int = 1
    kind: Literal["seed"] = "seed"
    deps: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: The seed's path under the seeds folder without its suffix (``raw/users``), as
    #: FastFlowTransform names seeds (``_ff_seed_id``, keys of seeds/schema.yml).
    seed_id: str = ""
    schema: str | None = None  # from seeds/schema.yml; None: the profile's schema
    #: Declared column types from seeds/schema.yml: ``(column, type)``, the type a logical
    #: name (``integer``, ``timestamp``, ...) or the engine's own.
    column_types: tuple[tuple[str, str], ...] = ()
    #: Whether the table gets FastFlowTransform's metadata columns (``_ff_loaded_at``,
    #: ``_ff_seed_id``, ``_ff_seed_file``): when the project reads one of them.
    metadata: bool = False

    @property
    def format(self) -> str:
        return "parquet" if self.path.suffix.lower() == ".parquet" else "csv"


@dataclass(frozen=True)
class Check:
    """A data-quality check from ``project.yml -> tests:``; a node after what builds its tables."""

    name: str  # the check's id, e.g. ``not_null[users.email]`` or its ``name:``
    spec: Any  # pytest_fft.checks.spec.CheckSpec
    path: Path  # project.yml
    rel_path: str
    deps: tuple[str, ...]  # the models/seeds that build the checked tables
    line: int = 1
    kind: Literal["check"] = "check"

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self.spec.tags)

    @property
    def severity(self) -> str:
        return str(self.spec.severity)


Node = Model | Seed | Check


@dataclass(frozen=True)
class Macro:
    """A macro models can call (the one that wins where names clash): what the docs list."""

    name: str
    kind: Literal["sql", "python"]  # a Jinja macro of a .sql file, or a Python function
    path: str  # as shown: relative to the project, packages/<name>/... for a package's
    line: int | None
    arguments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Project:
    """A loaded FastFlowTransform project, for one engine and one set of vars."""

    root: Path
    config: ProjectConfig
    engine: str
    models: Mapping[str, Model]
    seeds: Mapping[str, Seed]
    sources: Mapping[tuple[str, str], Source]
    vars: Mapping[str, Any]
    dag: Dag
    warnings: tuple[str, ...] = ()
    checks: Mapping[str, Check] = field(default_factory=dict)
    #: The user's Python files outside models/ and macros/ that loading imported (modules a
    #: Python macro imports): what rendered the SQL besides the project's own files.
    imported_files: tuple[Path, ...] = ()
    # Other files the load read outside the watched folders (incremental delta_config YAML
    # files): the parse cache keys the project by their content too.
    read_files: tuple[Path, ...] = ()
    #: The packages of packages.yml (pytest_fft.project.packages.Package), whose models
    #: and macros are part of the project.
    packages: tuple[Any, ...] = ()
    #: The Jinja and Python macros of the project and its packages, by name.
    macros: tuple[Macro, ...] = ()

    @property
    def name(self) -> str:
        return self.config.name

    def node(self, name: str) -> Node:
        if name in self.models:
            return self.models[name]
        if name in self.seeds:
            return self.seeds[name]
        return self.checks[name]

    def relation_of(self, name: str) -> str:
        """The relation a model or seed builds, by node name (``mart_users.ff``) or by relation
        name (``mart_users``); ``KeyError`` naming what exists otherwise."""
        built: list[Model | Seed] = [*self.models.values(), *self.seeds.values()]
        for node in built:
            if name in (node.name, node.relation):
                return node.relation
        known = sorted(n.relation for n in built)
        raise KeyError(f"{name!r} is no model or seed of project {self.name!r}; "
                       f"its relations: {', '.join(known)}")

    @property
    def nodes(self) -> dict[str, Node]:
        return {**self.seeds, **self.models, **self.checks}

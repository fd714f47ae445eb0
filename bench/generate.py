#!/usr/bin/env python3
"""Generate a synthetic FastFlowTransform project of N models, for benchmarking pytest-fft.

    python bench/generate.py --models 500 --out /tmp/bench_500 [--seed-rows 1000] [--verify]
        [--python-share 0.1]

What comes out (deterministic: the same arguments always write the same files)::

    project.yml           name: bench_<N>
    profiles.yml          dev: duckdb at .local/bench.duckdb; pg: postgres, FF_PG_DSN and
                          FF_PG_SCHEMA
    sources.yml           sources shop.{customers,orders,products} and web.events -> the seeds
    seeds/seed_*.csv      four seeds; orders/events have --seed-rows rows, customers 1/4,
                          products 1/20
    models/staging/       layer 0: one model per source plus filtered variants, all via source()
    models/intermediate/  layers 1..L-2, each model reads 1-3 parents of earlier layers
    models/marts/         the last layer
    tests/unit/<model>.yml  unit-test specs of about 20% of the models (see below)

About 10% of the models (``--python-share``; 0: none) are Python (pandas: add columns, group by,
merge two parents); the rest are SQL (projections with derived columns, left joins to lookups,
aggregates, aggregate-then-join, window functions), in SQL that DuckDB and PostgreSQL both run
unchanged (not Spark SQL: see ``spark.py``). Every model is a table.

The generator tracks each relation's columns (:class:`Column`, with what holds for their values:
never NULL, never negative, the values of a dim) and its *grain*, a column that is unique in the
relation by construction; joins only ever go to a lookup on its grain, so no join multiplies rows.
Key columns (``*_id``) are never NULL. From these facts :func:`emit_checks` writes two
data-quality checks per model into ``project.yml -> tests:``, all of which pass on a fresh build
(``--verify`` builds the project with pytest-fft and runs them).

About 20% of the models (of every template) also get a unit-test spec
``tests/unit/<model>.yml`` (:func:`emit_unit_tests`): one or two cases with 3-5 inline rows for
every relation the model reads, expecting exactly the rows the model returns on them, computed
at generation time with pytest-fft's own unit runner pieces (so generating needs pytest-fft,
DuckDB and pandas). ``--verify`` also runs them with ``pytest <out> --fft-utest``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import random
import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

DEFAULT_MODELS = 500
DEFAULT_SEED_ROWS = 1000
RANDOM_SEED = 20240611
PYTHON_SHARE = 0.10
MARKER = ".fft-bench-project"  # lets the generator clear a folder it wrote before, and only that

# Column kinds.
KEY = "key"  # integer id, never NULL
DIM = "dim"  # low-cardinality text: something to group by or join a lookup on
ATTR = "attr"  # free text, carried along
NUM = "num"  # a measure
DATE = "date"  # a date or timestamp

# How many columns of each kind a model carries on (the grain is always kept).
WIDTH = {KEY: 3, DIM: 3, ATTR: 1, DATE: 2, NUM: 4}


@dataclass(frozen=True)
class Column:
    """A column and what holds for its values by construction (the checks rely on it)."""

    name: str
    kind: str
    notnull: bool = False  # never NULL
    nonneg: bool = False  # NUM: never below 0 (NULLs aside)
    domain: tuple[str, ...] | None = None  # DIM: every non-NULL value is one of these


@dataclass
class NodeSpec:
    """One relation of the generated project: a source (a seed) or a model."""

    name: str  # node name: "stg_orders_0001.ff" (SQL), "py_orders_add_0042" (Python), "shop.orders"
    relation: str
    kind: str  # "source" | "sql" | "python"
    layer: int  # -1 for sources
    columns: tuple[Column, ...]
    grain: str | None  # a column unique in the relation, by construction
    parents: tuple[NodeSpec, ...] = ()
    template: str = ""  # the template that wrote it: stg, derive, join, agg, ...
    path: str = ""  # file, relative to the project root
    text: str = ""  # file contents
    source: tuple[str, str] | None = None  # (source, table) for sources
    nonempty: bool = True  # at least one row, by construction
    keeps_rows: bool = False  # exactly the rows of its row parent (see row_parent)
    full: bool = False  # a staging model that keeps every row of its source

    @property
    def row_parent(self) -> NodeSpec | None:
        """The parent whose rows this node's rows come from: joins add columns to it, a
        group-by groups it; for an aggregate joined onto a lookup, the lookup."""
        if not self.parents:
            return None
        return self.parents[1] if self.template == "agg_join" else self.parents[0]

    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def of(self, *kinds: str) -> list[Column]:
        return [c for c in self.columns if c.kind in kinds]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass
class SeedSpec:
    name: str  # seed_orders
    source: tuple[str, str]  # ("shop", "orders")
    columns: tuple[Column, ...]
    grain: str
    rows: list[list[object]]
    domains: dict[str, list[str]] = field(default_factory=dict)  # values of the DIM columns


@dataclass
class ProjectSpec:
    name: str
    models_wanted: int
    seed_rows: int
    random_seed: int
    seeds: list[SeedSpec]
    sources: list[NodeSpec]
    layers: list[list[NodeSpec]]

    @property
    def models(self) -> list[NodeSpec]:
        return [m for layer in self.layers for m in layer]


# --------------------------------------------------------------------------------------------
# Seeds
# --------------------------------------------------------------------------------------------

COUNTRIES = ["DE", "FR", "US", "GB", "ES", "IT", "NL", "PL"]
SEGMENTS = ["consumer", "smb", "enterprise"]
CATEGORIES = ["books", "games", "garden", "tools", "toys", "food"]
BRANDS = ["acme", "globex", "initech", "umbrella", "hooli"]
STATUSES = ["placed", "shipped", "returned", "cancelled"]
CHANNELS = ["web", "app", "email", "store"]
DOMAINS = ["example.com", "gmail.com", "mail.net", "corp.io"]
EPOCH = dt.date(2022, 1, 1)


def _day(rng: random.Random, span: int = 1000) -> str:
    return (EPOCH + dt.timedelta(days=rng.randrange(span))).isoformat()


def make_seeds(rng: random.Random, rows: int) -> list[SeedSpec]:
    """Four related seeds: customers, products, orders (-> both), events (-> customers)."""
    n_orders = max(1, rows)
    n_customers = max(10, rows // 4)
    n_products = max(5, rows // 20)
    n_events = max(1, rows)

    customers = [
        [i, f"Customer {i}", f"user{i}@{rng.choice(DOMAINS)}", rng.choice(COUNTRIES),
         rng.choice(SEGMENTS), _day(rng, 700)]
        for i in range(1, n_customers + 1)
    ]
    prices = {i: round(rng.uniform(2, 200), 2) for i in range(1, n_products + 1)}
    products = [[i, rng.choice(CATEGORIES), rng.choice(BRANDS), f"{prices[i]:.2f}"]
                for i in range(1, n_products + 1)]
    orders = []
    for i in range(1, n_orders + 1):
        product = rng.randint(1, n_products)
        quantity = rng.randint(1, 5)
        orders.append([10000 + i, rng.randint(1, n_customers), product, _day(rng),
                       quantity, f"{quantity * prices[product]:.2f}", rng.choice(STATUSES)])
    events = [[500000 + i, rng.randint(1, n_customers), rng.choice(CHANNELS), _day(rng),
               f"{rng.expovariate(1 / 40):.1f}"]
              for i in range(1, n_events + 1)]

    seeds = [
        SeedSpec("seed_customers", ("shop", "customers"),
                 (Column("customer_id", KEY), Column("name", ATTR), Column("email", ATTR),
                  Column("country", DIM), Column("segment", DIM), Column("signup_date", DATE)),
                 "customer_id", customers, {"country": COUNTRIES, "segment": SEGMENTS}),
        SeedSpec("seed_orders", ("shop", "orders"),
                 (Column("order_id", KEY), Column("customer_id", KEY), Column("product_id", KEY),
                  Column("order_date", DATE), Column("quantity", NUM), Column("amount", NUM),
                  Column("status", DIM)),
                 "order_id", orders, {"status": STATUSES}),
        SeedSpec("seed_products", ("shop", "products"),
                 (Column("product_id", KEY), Column("category", DIM), Column("brand", DIM),
                  Column("price", NUM)),
                 "product_id", products, {"category": CATEGORIES, "brand": BRANDS}),
        SeedSpec("seed_events", ("web", "events"),
                 (Column("event_id", KEY), Column("customer_id", KEY), Column("channel", DIM),
                  Column("event_date", DATE), Column("duration_s", NUM)),
                 "event_id", events, {"channel": CHANNELS}),
    ]
    # No seed value is empty, every measure is >= 0, every dim holds values of its domain.
    for seed in seeds:
        seed.columns = tuple(
            replace(c, notnull=True, nonneg=True) if c.kind == NUM
            else replace(c, notnull=True, domain=tuple(seed.domains[c.name])) if c.kind == DIM
            else replace(c, notnull=True)
            for c in seed.columns)
    return seeds


# --------------------------------------------------------------------------------------------
# Helpers for templates
# --------------------------------------------------------------------------------------------

_SUFFIX = re.compile(r"(_m\d+)+$")


def root(name: str) -> str:
    """``amount_sum_m12`` -> ``amount``: the stem new column names are built from."""
    return _SUFFIX.sub("", name).split("_")[0]


def fresh(name: str, used: set[str]) -> str:
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name}_{n}", n + 1
    used.add(candidate)
    return candidate


def trim(columns: Sequence[Column], grain: str | None) -> list[Column]:
    """The columns a model carries on: all within :data:`WIDTH`, the grain always."""
    nums = [c for c in columns if c.kind == NUM]
    keep_nums = nums if len(nums) <= WIDTH[NUM] else nums[:1] + nums[-(WIDTH[NUM] - 1):]
    counts = dict.fromkeys(WIDTH, 0)
    out = []
    for c in columns:
        if c.kind == NUM:
            if c in keep_nums:
                out.append(c)
        elif c.name == grain or counts[c.kind] < WIDTH[c.kind]:
            out.append(c)
            counts[c.kind] += 1
    return out


def group_keys(node: NodeSpec) -> list[Column]:
    """Columns worth grouping or partitioning by: keys and dims other than the grain."""
    return [c for c in node.of(KEY, DIM) if c.name != node.grain]


def entity(grain: str | None) -> str:
    if grain is None:
        return "rows"
    return root(grain) + ("s" if grain.endswith("_id") else "")


def sql_ref(node: NodeSpec, rng: random.Random) -> str:
    if node.kind == "source":
        assert node.source is not None
        return "{{ source('%s', '%s') }}" % node.source  # noqa: UP031 (Jinja's braces)
    if node.kind == "sql" and rng.random() < 0.2:
        return "{{ ref('%s') }}" % node.name  # noqa: UP031 - the "x.ff" spelling, now and then
    return "{{ ref('%s') }}" % node.relation  # noqa: UP031 (Jinja's braces)


def sql_header(template: str, parents: Sequence[NodeSpec], tags: Sequence[str]) -> str:
    tag_list = ", ".join(f"'{t}'" for t in tags)
    reads = ", ".join(p.relation if p.kind != "source" else ".".join(p.source or ())
                      for p in parents)
    return (f"{{{{ config(materialized='table', tags=[{tag_list}]) }}}}\n"
            f"-- generated by bench/generate.py ({template}); reads {reads}\n")


def select_lines(items: Sequence[str]) -> str:
    return "select\n" + ",\n".join(f"    {item}" for item in items) + "\n"


@dataclass
class Ctx:
    """What a template needs: randomness, the model's index and the nodes it may read."""

    rng: random.Random
    idx: int
    layer: int
    earlier: list[NodeSpec]  # models of earlier layers
    sources: list[NodeSpec]
    may_be_empty: bool = False  # set by a template whose filter might drop every row

    @property
    def tag(self) -> str:
        return f"m{self.idx}"

    def lookups(self, node: NodeSpec, exclude: Sequence[NodeSpec] = ()) -> list[NodeSpec]:
        """Earlier nodes (models or sources) whose grain is a column of ``node``."""
        names = set(node.names())
        skip = {id(node), *(id(n) for n in exclude)}
        return [n for n in (*self.sources, *self.earlier)
                if n.grain in names and id(n) not in skip
                and n.column(n.grain).kind == node.column(n.grain).kind]

    def pick_lookup(self, candidates: list[NodeSpec]) -> NodeSpec:
        sources = [c for c in candidates if c.kind == "source"]
        models = [c for c in candidates if c.kind != "source"]
        if sources and (not models or self.rng.random() < 0.15):
            return self.rng.choice(sources)
        # Favour recent layers, as real projects do.
        weights = [1 + m.layer for m in models]
        return self.rng.choices(models, weights=weights, k=1)[0]


Built = tuple[str, list[Column], "str | None", list[NodeSpec]]  # text, columns, grain, parents


# --------------------------------------------------------------------------------------------
# SQL templates
# --------------------------------------------------------------------------------------------

def t_staging(ctx: Ctx, src: NodeSpec, seed: SeedSpec, variant: bool) -> Built:
    items = []
    cols: list[Column] = []
    for c in src.columns:
        if c.kind == ATTR and c.name == "email":
            items.append("lower(trim(email)) as email")
        elif c.kind == ATTR:
            items.append(f"trim({c.name}) as {c.name}")
        elif c.kind == DATE:
            items.append(f"cast({c.name} as date) as {c.name}")
        elif c.kind == NUM:
            items.append(f"cast({c.name} as double precision) as {c.name}")
        else:
            items.append(c.name)
        cols.append(c)
    if src.source == ("shop", "customers"):
        # date - date: whole days on DuckDB (BIGINT, as date_diff) and PostgreSQL (integer)
        items.append("(date '2025-01-01' - cast(signup_date as date)) as tenure_days")
        cols.append(Column("tenure_days", NUM, notnull=True, nonneg=True))  # signups < 2025
    where = [f"{seed.grain} is not null"]
    if variant:
        dim = ctx.rng.choice(sorted(seed.domains))
        values = ctx.rng.sample(seed.domains[dim], k=max(2, len(seed.domains[dim]) // 2))
        where.append(f"{dim} in ({', '.join(repr(v) for v in sorted(values))})")
        at = [c.name for c in seed.columns].index(dim)
        ctx.may_be_empty = not any(row[at] in values for row in seed.rows)
    text = (sql_header("staging", [src], ["staging"]) + select_lines(items)
            + f"from {sql_ref(src, ctx.rng)}\nwhere " + "\n  and ".join(where) + "\n")
    return text, cols, seed.grain, [src]


def t_derive(ctx: Ctx, p: NodeSpec) -> Built:
    """Projection with derived columns and a filter."""
    rng, tag = ctx.rng, ctx.tag
    cols = trim(p.columns, p.grain)
    used = {c.name for c in cols}
    items = [f"a.{c.name}" for c in cols]
    nums = [c for c in cols if c.kind == NUM]
    x = rng.choice(nums)
    shape = rng.choice(["gross", "ratio", "log"] if len(nums) > 1 else ["gross", "log"])
    if shape == "gross":
        name = fresh(f"{root(x.name)}_gross_{tag}", used)
        # round(x * 10^n) / 10^n: DuckDB's round(double, n) exactly, and PostgreSQL has no
        # round(double precision, integer)
        items.append(f"round(a.{x.name} * 1.19 * 100) / 100 as {name}")
        new = Column(name, NUM, notnull=x.notnull, nonneg=x.nonneg)
    elif shape == "ratio":
        y = rng.choice([n for n in nums if n != x])
        name = fresh(f"{root(x.name)}_per_{root(y.name)}_{tag}", used)
        # A double first: PostgreSQL divides two integers as integers, DuckDB does not.
        items.append(f"round(cast(a.{x.name} as double precision) / nullif(a.{y.name}, 0)"
                     f" * 10000) / 10000 as {name}")
        new = Column(name, NUM, nonneg=x.nonneg and y.nonneg)
    else:
        name = fresh(f"{root(x.name)}_log_{tag}", used)
        items.append(f"ln(1 + abs(coalesce(a.{x.name}, 0))) as {name}")
        new = Column(name, NUM, notnull=True, nonneg=True)
    cols.append(new)
    if rng.random() < 0.5 and len([c for c in cols if c.kind == DIM]) < WIDTH[DIM]:
        band = fresh(f"{root(x.name)}_band_{tag}", used)
        items.append(f"case when a.{x.name} >= 100 then 'high' when a.{x.name} >= 10 "
                     f"then 'mid' else 'low' end as {band}")
        cols.append(Column(band, DIM, notnull=True, domain=("high", "low", "mid")))
    dates = [c for c in cols if c.kind == DATE]
    if dates and rng.random() < 0.3:
        d = rng.choice(dates)
        month = fresh(f"{root(d.name)}_month_{tag}", used)
        # A timestamp on both (PostgreSQL truncates a date as timestamptz)
        items.append(f"cast(date_trunc('month', a.{d.name}) as timestamp) as {month}")
        cols.append(Column(month, DATE, notnull=d.notnull))
    where = ""
    roll = rng.random()
    if dates and roll < 0.3:
        where = f"where a.{rng.choice(dates).name} >= date '2022-02-01'\n"
        ctx.may_be_empty = True
    elif roll < 0.6:
        where = f"where a.{x.name} is not null\n"
        ctx.may_be_empty = not x.notnull  # a filter on a column never NULL drops nothing
    text = (sql_header("derive", [p], ["bench"]) + select_lines(items)
            + f"from {sql_ref(p, rng)} as a\n" + where)
    return text, cols, p.grain, [p]


def t_join(ctx: Ctx, a: NodeSpec) -> Built | None:
    """The primary relation left-joined to one or two lookups on their grain."""
    rng, tag = ctx.rng, ctx.tag
    candidates = ctx.lookups(a)
    if not candidates:
        return None
    lookups = [ctx.pick_lookup(candidates)]
    if rng.random() < 0.4:
        more = list(ctx.lookups(a, exclude=lookups))
        if more:
            lookups.append(ctx.pick_lookup(more))
    cols = trim(a.columns, a.grain)
    used = {c.name for c in cols}
    items = [f"a.{c.name}" for c in cols]
    joins = []
    for alias, b in zip("bc", lookups, strict=False):
        extra = [c for c in b.columns if c.kind != KEY and c.name != b.grain]
        texts = [c for c in extra if c.kind in (DIM, ATTR) and c.name not in used][:2]
        nums = [c for c in extra if c.kind == NUM]
        picked = texts + rng.sample(nums, k=min(len(nums), 2))
        if not picked:
            picked = extra[:1]
        for c in picked:
            name = c.name if c.name not in used else f"{root(c.name)}_lkp_{tag}"
            name = fresh(name, used)
            items.append(f"{alias}.{c.name}" + (f" as {name}" if name != c.name else ""))
            cols.append(replace(c, name=name, notnull=False))  # a key without a match
        joins.append(f"left join {sql_ref(b, rng)} as {alias} "
                     f"on a.{b.grain} = {alias}.{b.grain}\n")
    text = (sql_header("join", [a, *lookups], ["bench"]) + select_lines(items)
            + f"from {sql_ref(a, rng)} as a\n" + "".join(joins))
    return text, cols, a.grain, [a, *lookups]


def _aggregates(ctx: Ctx, p: NodeSpec, k: Column, alias: str) -> tuple[list[str], list[Column]]:
    rng, tag = ctx.rng, ctx.tag
    used = {k.name}
    items: list[str] = []
    cols: list[Column] = []
    name = fresh(f"rows_cnt_{tag}", used)
    items.append(f"count(*) as {name}")
    cols.append(Column(name, NUM, notnull=True, nonneg=True))
    nums = p.of(NUM)
    for x in rng.sample(nums, k=min(len(nums), 2)):
        fn = rng.choice(["sum", "avg", "max", "min"])
        name = fresh(f"{root(x.name)}_{fn}_{tag}", used)
        items.append(f"{fn}({alias}{x.name}) as {name}")
        cols.append(Column(name, NUM, notnull=x.notnull, nonneg=x.nonneg))
    others = [c for c in p.of(KEY) if c.name != k.name]
    if others and rng.random() < 0.5:
        o = rng.choice(others)
        name = fresh(f"{entity(o.name)}_{tag}", used)
        items.append(f"count(distinct {alias}{o.name}) as {name}")
        cols.append(Column(name, NUM, notnull=True, nonneg=True))
    dates = p.of(DATE)
    if dates and rng.random() < 0.5:
        d = rng.choice(dates)
        name = fresh(f"{root(d.name)}_last_{tag}", used)
        items.append(f"max({alias}{d.name}) as {name}")
        cols.append(Column(name, DATE, notnull=d.notnull))
    return items, cols


def t_aggregate(ctx: Ctx, p: NodeSpec) -> Built | None:
    keys = group_keys(p)
    if not keys:
        return None
    k = ctx.rng.choice(keys)
    items, cols = _aggregates(ctx, p, k, "a.")
    text = (sql_header("aggregate", [p], ["bench"]) + select_lines([f"a.{k.name}", *items])
            + f"from {sql_ref(p, ctx.rng)} as a\ngroup by a.{k.name}\n")
    return text, [k, *cols], k.name, [p]


def t_agg_join(ctx: Ctx, p: NodeSpec) -> Built | None:
    """Aggregate ``p`` to the grain of a lookup, then left-join it onto that lookup."""
    options = []
    for k in group_keys(p):
        for b in ctx.lookups(p):
            if b.grain == k.name:
                options.append((k, b))
    if not options:
        return None
    ks = sorted({k.name for k, _ in options})
    k_name = ctx.rng.choice(ks)
    k = p.column(k_name)
    b = ctx.pick_lookup([b for kk, b in options if kk.name == k_name])
    agg_items, agg_cols = _aggregates(ctx, p, k, "")
    base = trim(b.columns, b.grain)
    used = {c.name for c in base}
    items = [f"b.{c.name}" for c in base]
    cols = list(base)
    for c in agg_cols:
        name = fresh(c.name, used)
        if c.name.startswith("rows_cnt"):
            items.append(f"coalesce(agg.{c.name}, 0) as {name}")
        else:
            items.append(f"agg.{c.name}" + (f" as {name}" if name != c.name else ""))
        # A lookup row without rows to aggregate gets NULL (its count is coalesced to 0).
        cols.append(replace(c, name=name, notnull=c.notnull and c.name.startswith("rows_cnt")))
    text = (sql_header("aggregate+join", [p, b], ["bench"])
            + "with agg as (\n"
            + "    " + select_lines([k.name, *agg_items]).replace("\n", "\n    ").rstrip() + "\n"
            + f"    from {sql_ref(p, ctx.rng)}\n    group by {k.name}\n)\n"
            + select_lines(items)
            + f"from {sql_ref(b, ctx.rng)} as b\n"
            + f"left join agg on b.{k.name} = agg.{k.name}\n")
    return text, cols, b.grain, [p, b]


def t_window(ctx: Ctx, p: NodeSpec) -> Built:
    rng, tag = ctx.rng, ctx.tag
    keys = group_keys(p)
    k = rng.choice(keys) if keys else None
    partition = f"partition by a.{k.name} " if k else ""
    x = rng.choice(p.of(NUM))
    if len(p.columns) <= 10:
        cols = list(p.columns)
        items = ["a.*"]
    else:
        cols = trim(p.columns, p.grain)
        items = [f"a.{c.name}" for c in cols]
    used = {c.name for c in cols}
    rn = fresh(f"rn_{tag}", used)
    total = fresh(f"{root(x.name)}_ptotal_{tag}", used)
    order = f"a.{x.name} desc nulls last" + (f", a.{p.grain}" if p.grain else "")
    items.append(f"row_number() over ({partition}order by {order}) as {rn}")
    items.append(f"sum(a.{x.name}) over ({partition.strip()}) as {total}")
    cols += [Column(rn, NUM, notnull=True, nonneg=True),
             Column(total, NUM, notnull=x.notnull, nonneg=x.nonneg)]
    text = (sql_header("window", [p], ["bench"]) + select_lines(items)
            + f"from {sql_ref(p, rng)} as a\n")
    return text, cols, p.grain, [p]


# --------------------------------------------------------------------------------------------
# Python templates
# --------------------------------------------------------------------------------------------

def _py_header(ctx: Ctx, name: str, parents: Sequence[NodeSpec], template: str) -> str:
    module = "pytest_fft" if ctx.rng.random() < 0.5 else "fastflowtransform"
    deps = ", ".join(repr(p.name) for p in parents)
    return (f'"""Generated by bench/generate.py ({template})."""\n\n'
            "import pandas as pd\n\n"
            f"from {module} import model\n\n\n"
            f"@model(name={name!r}, deps=[{deps}], tags=[\"bench\", \"python\"])\n")


def _py_list(cols: Sequence[Column]) -> str:
    return "[" + ", ".join(repr(c.name) for c in cols) + "]"


def t_py_add(ctx: Ctx, name: str, p: NodeSpec) -> Built:
    tag = ctx.tag
    cols = trim(p.columns, p.grain)
    used = {c.name for c in cols}
    x = ctx.rng.choice([c for c in cols if c.kind == NUM])
    z = fresh(f"{root(x.name)}_z_{tag}", used)
    top = fresh(f"{root(x.name)}_top_{tag}", used)
    text = (_py_header(ctx, name, [p], "add columns")
            + "def build(df: pd.DataFrame) -> pd.DataFrame:\n"
            + f"    out = df[{_py_list(cols)}].copy()\n"
            + f"    x = out[{x.name!r}].astype(\"float64\")\n"
            + "    spread = x.std()\n"
            + "    if not spread or spread != spread:  # zero or NaN\n"
            + "        spread = 1.0\n"
            + f"    out[{z!r}] = (x - x.mean()) / spread\n"
            + f"    out[{top!r}] = (x > x.quantile(0.9)).astype(\"int64\")\n"
            + "    return out\n")
    return text, [*cols, Column(z, NUM, notnull=x.notnull),
                  Column(top, NUM, notnull=True, nonneg=True)], p.grain, [p]


def t_py_group(ctx: Ctx, name: str, p: NodeSpec) -> Built | None:
    keys = group_keys(p)
    if not keys:
        return None
    rng, tag = ctx.rng, ctx.tag
    k = rng.choice(keys)
    used = {k.name}
    nums = p.of(NUM)
    count = fresh(f"rows_cnt_{tag}", used)
    aggs = [f"        {count}=({nums[0].name!r}, \"size\"),\n"]
    cols = [k, Column(count, NUM, notnull=True, nonneg=True)]
    for x in rng.sample(nums, k=min(len(nums), 2)):
        fn = rng.choice(["sum", "mean", "max"])
        col = fresh(f"{root(x.name)}_{fn}_{tag}", used)
        aggs.append(f"        {col}=({x.name!r}, {fn!r}),\n")
        cols.append(Column(col, NUM, notnull=x.notnull, nonneg=x.nonneg))
    text = (_py_header(ctx, name, [p], "group by")
            + "def build(df: pd.DataFrame) -> pd.DataFrame:\n"
            + f"    return df.groupby({k.name!r}, as_index=False, sort=True).agg(\n"
            + "".join(aggs)
            + "    )\n")
    return text, cols, k.name, [p]


def t_py_merge(ctx: Ctx, name: str, a: NodeSpec) -> Built | None:
    candidates = [c for c in ctx.lookups(a) if c.kind != "source"]
    if not candidates:
        return None
    rng, tag = ctx.rng, ctx.tag
    b = ctx.pick_lookup(candidates)
    cols = trim(a.columns, a.grain)
    if b.grain not in {c.name for c in cols}:  # trimmed away, but the merge needs it
        cols.append(a.column(b.grain))
    used = {c.name for c in cols}
    extra = [c for c in b.columns if c.kind != KEY and c.name != b.grain]
    picked = [c for c in extra if c.kind == DIM and c.name not in used][:1]
    nums = [c for c in extra if c.kind == NUM]
    picked += rng.sample(nums, k=min(len(nums), 2))
    if not picked:
        picked = extra[:1]
    renames = {}
    out_cols = list(cols)
    for c in picked:
        new = c.name if c.name not in used else f"{root(c.name)}_lkp_{tag}"
        new = fresh(new, used)
        if new != c.name:
            renames[c.name] = new
        out_cols.append(replace(c, name=new, notnull=False))  # a key without a match
    right_cols = [b.column(b.grain), *picked]
    rename = f".rename(columns={renames!r})" if renames else ""
    body = (f"    right = right[{_py_list(right_cols)}]{rename}\n"
            f"    return left[{_py_list(cols)}].merge(right, on={b.grain!r}, how=\"left\")\n")
    if rng.random() < 0.5:  # one positional frame per dependency (FastFlowTransform 0.6)
        text = (_py_header(ctx, name, [a, b], "merge")
                + "def build(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:\n" + body)
    else:  # one dict keyed by relation (v0.4)
        text = (_py_header(ctx, name, [a, b], "merge")
                + "def build(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:\n"
                + f"    left = frames[{a.relation!r}]\n"
                + f"    right = frames[{b.relation!r}]\n" + body)
    return text, out_cols, a.grain, [a, b]


# --------------------------------------------------------------------------------------------
# The DAG
# --------------------------------------------------------------------------------------------

def layer_sizes(n: int, n_sources: int) -> list[int]:
    """Staging first (about 1/12 of the models), then equal layers; ~sqrt(N)/2 layers."""
    if n <= n_sources:
        return [n] if n else []
    staging = max(n_sources, round(n / 12))
    depth = max(2, min(12, round(math.sqrt(n) / 2)))
    rest = n - staging
    width, extra = divmod(rest, depth - 1)
    sizes = [staging] + [width + (1 if i < extra else 0) for i in range(depth - 1)]
    return [s for s in sizes if s]


def build_spec(models: int = DEFAULT_MODELS, seed_rows: int = DEFAULT_SEED_ROWS,
               random_seed: int = RANDOM_SEED,
               python_share: float = PYTHON_SHARE) -> ProjectSpec:
    """The whole project in memory; :func:`write_project` puts it on disk. ``python_share``:
    the share of the models that are Python (pandas) models; 0 makes every model SQL."""
    rng = random.Random(random_seed)
    seeds = make_seeds(rng, seed_rows)
    sources = [
        NodeSpec(name=".".join(s.source), relation=s.name, kind="source", layer=-1,
                 columns=s.columns, grain=s.grain, source=s.source)
        for s in seeds
    ]
    sizes = layer_sizes(models, len(sources))
    n_stage = sizes[0] if sizes else 0
    n_python = min(round(models * python_share), models - n_stage)
    python_slots = set(rng.sample(range(n_stage, models), k=n_python))

    layers: list[list[NodeSpec]] = []
    idx = 0
    for layer_no, size in enumerate(sizes):
        earlier = [m for layer in layers for m in layer]
        layer: list[NodeSpec] = []
        folder = ("models/staging" if layer_no == 0
                  else "models/marts" if layer_no == len(sizes) - 1 and layer_no > 1
                  else f"models/intermediate/layer_{layer_no:02d}")
        prefix = "stg" if layer_no == 0 else "mart" if folder == "models/marts" else "int"
        for _ in range(size):
            idx += 1
            ctx = Ctx(rng, idx, layer_no, earlier, sources)
            if layer_no == 0:
                seed_no = (idx - 1) % len(seeds)
                src = sources[seed_no]
                built = t_staging(ctx, src, seeds[seed_no], variant=idx > len(seeds))
                node = _make_node(f"{prefix}_{src.source[1]}_{idx:04d}", "sql", layer_no,
                                  folder, "staging", built)
                node.full = node.keeps_rows = idx <= len(seeds)  # no filter: every row
            elif idx - 1 in python_slots:
                node = _python_model(ctx, layers, folder)
            else:
                node = _sql_model(ctx, layers, folder, prefix)
            node.nonempty = _nonempty(ctx, node)
            if layer_no > 0:
                node.keeps_rows = node.template in ROW_KEEPING or (
                    node.template == "derive" and not ctx.may_be_empty)
            layer.append(node)
        layers.append(layer)
    return ProjectSpec(name=f"bench_{models}", models_wanted=models, seed_rows=seed_rows,
                       random_seed=random_seed, seeds=seeds, sources=sources, layers=layers)


# Templates whose output has exactly the rows of the row parent: left joins to a lookup on
# its (unique) grain, window functions, pandas columns added or merged on a grain.
ROW_KEEPING = frozenset({"join", "window", "py_add", "py_merge"})


def _nonempty(ctx: Ctx, node: NodeSpec) -> bool:
    """Whether ``node`` has a row by construction: its row parent has one (joins never drop
    rows, a group-by of rows has a group) and no filter of its own can drop them all."""
    if node.template == "staging":
        return not ctx.may_be_empty  # a source has rows; the variant filter was evaluated
    base = node.row_parent
    assert base is not None
    if node.template == "derive" and ctx.may_be_empty:
        return False
    if node.template == "py_group" and node.column(node.grain or "").kind != KEY:
        return False  # pandas drops the NULL group, which might be the only one
    return base.nonempty


def _primary(ctx: Ctx, layers: list[list[NodeSpec]]) -> NodeSpec:
    if ctx.layer == 1 or ctx.rng.random() < 0.7:
        return ctx.rng.choice(layers[ctx.layer - 1])
    return ctx.rng.choice(ctx.earlier)


SQL_TEMPLATES = [("derive", 25), ("join", 30), ("aggregate", 20), ("agg_join", 12), ("window", 13)]


def _sql_model(ctx: Ctx, layers: list[list[NodeSpec]], folder: str, prefix: str) -> NodeSpec:
    p = _primary(ctx, layers)
    names, weights = zip(*SQL_TEMPLATES, strict=True)
    template = ctx.rng.choices(names, weights=weights, k=1)[0]
    built = {"derive": lambda: t_derive(ctx, p), "join": lambda: t_join(ctx, p),
             "aggregate": lambda: t_aggregate(ctx, p), "agg_join": lambda: t_agg_join(ctx, p),
             "window": lambda: t_window(ctx, p)}[template]()
    if built is None:  # the parent has nothing to join or group on
        template, built = "derive", t_derive(ctx, p)
    name = f"{prefix}_{entity(built[2])}_{template}_{ctx.idx:04d}"
    return _make_node(name, "sql", ctx.layer, folder, template, built)


def _python_model(ctx: Ctx, layers: list[list[NodeSpec]], folder: str) -> NodeSpec:
    p = _primary(ctx, layers)
    template = ctx.rng.choices(["add", "group", "merge"], weights=[40, 30, 30], k=1)[0]
    # The name depends on the output grain, known only after building: build with a
    # placeholder, then substitute (the placeholder cannot occur elsewhere in the text).
    placeholder = f"__name_{ctx.idx}__"
    built = {"add": lambda: t_py_add(ctx, placeholder, p),
             "group": lambda: t_py_group(ctx, placeholder, p),
             "merge": lambda: t_py_merge(ctx, placeholder, p)}[template]()
    if built is None:
        template, built = "add", t_py_add(ctx, placeholder, p)
    name = f"py_{entity(built[2])}_{template}_{ctx.idx:04d}"
    text, cols, grain, parents = built
    return _make_node(name, "python", ctx.layer, folder, f"py_{template}",
                      (text.replace(placeholder, name), cols, grain, parents))


def _make_node(relation: str, kind: str, layer: int, folder: str, template: str,
               built: Built) -> NodeSpec:
    text, cols, grain, parents = built
    suffix = ".ff.sql" if kind == "sql" else ".ff.py"
    return NodeSpec(
        name=relation + ".ff" if kind == "sql" else relation, relation=relation, kind=kind,
        layer=layer, columns=tuple(cols), grain=grain, parents=tuple(parents),
        template=template, path=f"{folder}/{relation}{suffix}", text=text,
    )


# --------------------------------------------------------------------------------------------
# Checks and unit tests
# --------------------------------------------------------------------------------------------

RECONCILE_SHARE = 0.2  # of the models get a reconcile_* check as their second check


def max_rows(project: ProjectSpec, node: NodeSpec) -> int:
    """An upper bound of ``node``'s row count: no template multiplies rows, so it is the row
    count of the seed at the end of the row-parent chain."""
    while node.kind != "source":
        parent = node.row_parent
        assert parent is not None
        node = parent
    return next(len(s.rows) for s in project.seeds if s.name == node.relation)


def full_lookups(project: ProjectSpec) -> dict[str, str]:
    """Key column -> a relation holding every value of it: the unfiltered staging model of
    the seed whose grain it is, else the seed itself. Every key value of every model comes
    from these seeds (orders and events point to existing customers and products)."""
    out = {s.grain: s.name for s in project.seeds}
    for node in project.layers[0] if project.layers else []:
        if node.full and node.grain is not None:
            out[node.grain] = node.relation
    return out


def _reconcile_options(project: ProjectSpec, node: NodeSpec) -> list[dict[str, object]]:
    """reconcile_* checks between ``node`` and its row parent that hold by construction."""
    parent = node.row_parent
    if parent is None or node.grain is None:
        return []
    me, up = node.relation, parent.relation
    tags = ["reconcile"]
    options: list[dict[str, object]] = []
    if node.keeps_rows:
        options.append({"type": "reconcile_equal", "left": {"table": me, "expr": "count(*)"},
                        "right": {"table": up, "expr": "count(*)"}, "tags": tags})
        carried = [c for c in node.of(NUM) if c in parent.columns]
        if carried:
            x = carried[0].name
            total = f"coalesce(sum({x}), 0)"
            options.append({"type": "reconcile_equal", "left": {"table": me, "expr": total},
                            "right": {"table": up, "expr": total},
                            "abs_tolerance": 0.01, "tags": tags})
    elif node.template in ("derive", "staging"):  # a filter: a subset of the parent's rows
        if node.grain in parent.names():
            options.append({"type": "reconcile_coverage",
                            "source": {"table": me, "key": node.grain},
                            "target": {"table": up, "key": node.grain}, "tags": tags})
        if parent.nonempty:
            options.append({"type": "reconcile_ratio_within",
                            "left": {"table": me, "expr": "count(*)"},
                            "right": {"table": up, "expr": "count(*)"},
                            "min_ratio": 0, "max_ratio": 1, "tags": tags})
    elif node.template in ("aggregate", "py_group"):
        k = node.grain
        count = next(c.name for c in node.columns if c.name.startswith("rows_cnt"))
        # SQL keeps the NULL group (every row is counted), pandas drops it (count(k)).
        counted = "count(*)" if node.template == "aggregate" else f"count({k})"
        options.append({"type": "reconcile_equal",
                        "left": {"table": me, "expr": f"coalesce(sum({count}), 0)"},
                        "right": {"table": up, "expr": counted}, "tags": tags})
        options.append({"type": "reconcile_coverage", "source": {"table": up, "key": k},
                        "target": {"table": me, "key": k}, "tags": tags})
        if node.template == "aggregate":  # one row per distinct key, plus the NULL group
            options.append({"type": "reconcile_diff_within",
                            "left": {"table": me, "expr": "count(*)"},
                            "right": {"table": up, "expr": f"count(distinct {k})"},
                            "max_abs_diff": 1, "tags": tags})
    return options


def emit_checks(project: ProjectSpec, node: NodeSpec) -> list[dict[str, object]]:
    """Two data-quality checks for ``node``, as entries of ``project.yml``'s ``tests:`` list;
    both pass on a fresh build, because they only state what holds by construction:

    * first, a key check: ``unique`` on the grain, ``not_null`` on a ``*_id`` column (keys are
      never NULL) or ``row_count_between`` with ``min: 1`` where a row is guaranteed
      (:attr:`NodeSpec.nonempty`) and ``max`` the row count of the seed at the end of the
      row-parent chain (no template multiplies rows);
    * second, one of ``greater_equal`` (threshold 0) on a column that is never negative
      (:attr:`Column.nonneg`), ``accepted_values`` on a low-cardinality column
      (:attr:`Column.domain`), ``relationships`` from a ``*_id`` column to the unfiltered
      staging model whose grain it is, or, for about :data:`RECONCILE_SHARE` of the models,
      a ``reconcile_*`` check against the row parent (row counts or sums of a model that
      keeps its parent's rows, coverage of a filtered subset, the counts of a group-by).

    Tags: ``[batch]``, and ``[reconcile]`` on the reconcile checks. The choice is random but
    seeded by the model's name, so the output stays deterministic.
    """
    rng = random.Random(f"{project.random_seed}:checks:{node.name}")
    rel = node.relation
    batch = ["batch"]
    keys = node.of(KEY)

    firsts: list[tuple[int, dict[str, object]]] = []
    if node.grain is not None:
        firsts.append((3, {"type": "unique", "table": rel, "column": node.grain,
                           "tags": batch}))
    if keys:
        firsts.append((2, {"type": "not_null", "table": rel,
                           "column": rng.choice(keys).name, "tags": batch}))
    if node.nonempty:
        firsts.append((1, {"type": "row_count_between", "table": rel, "min": 1,
                           "max": max_rows(project, node), "tags": batch}))
    first = _pick(rng, firsts)

    reconcile = _reconcile_options(project, node)
    if reconcile and rng.random() < RECONCILE_SHARE:
        return [first, rng.choice(reconcile)]

    seconds: list[tuple[int, dict[str, object]]] = []
    nonneg = [c for c in node.of(NUM) if c.nonneg]
    if nonneg:
        seconds.append((3, {"type": "greater_equal", "table": rel,
                            "column": rng.choice(nonneg).name, "threshold": 0, "tags": batch}))
    dims = [c for c in node.of(DIM) if c.domain]
    if dims:
        c = rng.choice(dims)
        seconds.append((3, {"type": "accepted_values", "table": rel, "column": c.name,
                            "values": sorted(c.domain or ()), "tags": batch}))
    lookups = full_lookups(project)
    fks = [c for c in keys if c.name in lookups and lookups[c.name] != rel]
    if fks:
        c = rng.choice(fks)
        seconds.append((3, {"type": "relationships", "table": rel, "column": c.name,
                            "to": lookups[c.name], "to_field": c.name, "tags": batch}))
    seconds += [(1, check) for _, check in firsts]
    return [first, _pick(rng, [(w, c) for w, c in seconds if c["type"] != first["type"]])]


def _pick(rng: random.Random, weighted: list[tuple[int, dict[str, object]]]
          ) -> dict[str, object]:
    weights, options = zip(*weighted, strict=True)
    return rng.choices(options, weights=weights, k=1)[0]


UNIT_SHARE = 0.2  # of the models (of every template) get a unit-test spec
UNIT_KEY_BASE = {"customer_id": 0, "product_id": 0, "order_id": 10000, "event_id": 500000}
UNIT_KEY_POOL = 6  # key values base+1 .. base+6: small, so joins and groups meet
UNIT_DAY0 = dt.date(2021, 12, 1)  # input dates fall in 2021-12-01 .. 2023-05-24
UNIT_ATTEMPTS = 20  # input draws tried per case before an empty result is accepted
# Measures that are counts in the project (count(*), row_number(), count(distinct), the pandas
# flag, seed quantities, tenure days), also when a join renamed them: whole numbers as inputs.
_UNIT_COUNT = re.compile(r"(?:(?:rows(?:_cnt)?|rn|customers|orders|products|events)(?:_lkp)?"
                         r"_m\d+|\w+_top_m\d+|quantity|tenure_days)(?:_\d+)?")


def unit_test_models(project: ProjectSpec) -> list[NodeSpec]:
    """The models that get a spec: :data:`UNIT_SHARE` of the models of every template
    (``staging``, ``derive``, ..., ``py_merge``), at least one of each, chosen with a seeded
    random generator; in project order."""
    rng = random.Random(f"{project.random_seed}:utest")
    by_template: dict[str, list[NodeSpec]] = {}
    for m in project.models:
        by_template.setdefault(m.template, []).append(m)
    chosen: set[str] = set()
    for template in sorted(by_template):
        group = by_template[template]
        chosen.update(m.name for m in rng.sample(group, max(1, round(len(group) * UNIT_SHARE))))
    return [m for m in project.models if m.name in chosen]


def emit_unit_tests(project: ProjectSpec, files: dict[str, str] | None = None
                    ) -> dict[str, str]:
    """Unit-test specs for about 20% of the models: ``{"tests/unit/<model>.yml": text}``.

    Each chosen model (:func:`unit_test_models`) gets one or two cases. A case gives 3-5
    inline rows for every relation the model reads (its ``parents``, keyed by relation, with
    the columns the generator tracks for them; see :func:`_unit_inputs`), and expects exactly
    the rows the model returns on them. Those rows are computed here, by running the model
    the way ``pytest --fft-utest`` does: the project's other files (``files``, or
    :func:`project_files`) are written to a temporary folder and loaded with pytest-fft's
    ``load_project``; per case, the inputs go into a private in-memory DuckDB
    (``DuckDBEngine.scratch()`` and ``input_frame``, as the unit runner loads them), the model
    is built with ``building.build_node`` and its relation read back. The expectation is
    ``order_by: [<grain>]`` when the grain is a result column with unique, non-NULL values,
    else ``any_order: true``; its rows are sorted either way, so the text is deterministic.

    Values are written so that YAML reads back exactly what was computed: input measures are
    multiples of 0.25 (sums are exact in any order), floats as ``repr`` with a ``.0`` added to
    a bare exponent (``1.0e-05``: PyYAML reads ``1e-05`` as text), dates unquoted ISO (YAML
    dates; DuckDB loads them as DATE), timestamps as quoted ISO text, NULL as ``null``. Each
    spec is then parsed with pytest-fft's own spec loader and run once more with its unit
    runner in the temporary project; a case that does not pass raises ``RuntimeError``.
    """
    chosen = unit_test_models(project)
    if not chosen:
        return {}
    _import_pytest_fft()
    import tempfile

    from pytest_fft import load_project

    files = project_files(project) if files is None else files
    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="fft-bench-utest-") as tmp:
        root = Path(tmp)
        for rel, text in files.items():
            if not rel.startswith("tests/unit/"):
                path = root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
        fft_project = load_project(root)
        for node in chosen:
            rel = f"tests/unit/{node.relation}.yml"
            text = _unit_spec(project, fft_project, node)
            _check_unit_spec(fft_project, root / rel, text)
            out[rel] = text
    return out


def _import_pytest_fft() -> None:
    """Make ``import pytest_fft`` work: installed, or the checkout next to ``bench/``."""
    try:
        import pytest_fft  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _unit_spec(project: ProjectSpec, fft_project: object, node: NodeSpec) -> str:
    """The YAML of ``node``'s spec: one or two cases, inputs and the rows the model returns."""
    rng = random.Random(f"{project.random_seed}:utest:{node.name}")
    names = ["basic", "nulls_and_misses"][:1 + (rng.random() < 0.5)]
    reads = ", ".join(p.relation for p in node.parents)
    lines = [f"# generated by bench/generate.py ({node.template}): {node.relation} reads {reads};",
             "# the expected rows are what the model returned on these inputs at generation time",
             f"model: {node.relation}", "cases:"]
    for case in names:
        for attempt in range(UNIT_ATTEMPTS):
            case_rng = random.Random(f"{project.random_seed}:utest:{node.name}:{case}:{attempt}")
            inputs = _unit_inputs(case_rng, node, edge=case != "basic")
            columns, rows = _run_unit_model(fft_project, node, inputs)
            if rows:  # a filter may drop every row; draw other inputs then
                break
        lines += [f"  - name: {case}", "    inputs:"]
        for relation, input_rows in inputs.items():
            lines += [f"      {relation}:", "        rows:"]
            lines += [f"          - {_unit_row(list(r), list(r.values()))}" for r in input_rows]
        lines.append("    expect:")
        grain_at = columns.index(node.grain) if node.grain in columns else None
        keys = [r[grain_at] for r in rows] if grain_at is not None else []
        if keys and None not in keys and len(set(map(repr, keys))) == len(keys):
            lines.append(f"      order_by: [{node.grain}]")
        else:
            lines.append("      any_order: true")
        if rows:
            lines.append("      rows:")
            lines += [f"        - {_unit_row(columns, r)}" for r in rows]
        else:
            lines.append("      rows: []")
    return "\n".join(lines) + "\n"


def _unit_inputs(rng: random.Random, node: NodeSpec, edge: bool
                 ) -> dict[str, list[dict[str, object]]]:
    """3-5 rows for every relation ``node`` reads, with the columns tracked for it.

    Every relation's grain is unique. A key (or dim) that is the grain of another input takes
    that input's values, so joins match; in the ``edge`` case some of them miss, and a column
    that may be NULL is NULL in one row (with probability 0.6). Keys are never NULL, as in the
    project. Measures are distinct multiples of 0.25 (negative ones only where the column may
    be negative), dates distinct days of 2021-12 to 2023-05, text as the seeds have it (with
    stray spaces and capitals in e-mails, for the staging models to clean)."""
    parents = list(node.parents)
    sizes = {p.relation: rng.randint(3, 5) for p in parents}
    grains: dict[str, list[object]] = {}  # grain column -> the values of the input it keys
    for p in parents:
        if p.grain is None:
            continue
        col = p.column(p.grain)
        pool = _unit_pool(col)
        sizes[p.relation] = min(sizes[p.relation], len(pool))
        values = sorted(rng.sample(pool, sizes[p.relation]), key=repr)
        grains.setdefault(p.grain, values)
        grains[f"{p.relation}.{p.grain}"] = values
    out: dict[str, list[dict[str, object]]] = {}
    for p in parents:
        n = sizes[p.relation]
        rows: list[dict[str, object]] = [{} for _ in range(n)]
        for c in p.columns:
            if c.name == p.grain:
                values = list(grains[f"{p.relation}.{c.name}"])
                rng.shuffle(values)
            elif c.name in grains and c.kind in (KEY, DIM):
                hits = grains[c.name]
                misses = [v for v in _unit_pool(c) if v not in hits]
                pool = hits + misses[:1] if edge and misses else hits
                values = [rng.choice(pool) for _ in range(n)]
            else:
                values = _unit_values(rng, c, n)
            if edge and not c.notnull and c.kind != KEY and rng.random() < 0.6:
                values[rng.randrange(n)] = None
            for row, value in zip(rows, values, strict=True):
                row[c.name] = value
        out[p.relation] = rows
    return out


def _unit_pool(c: Column) -> list[object]:
    """The values a grain column of an input draws from (distinct)."""
    if c.kind == KEY:
        base = UNIT_KEY_BASE.get(c.name, 0)
        return [base + i for i in range(1, UNIT_KEY_POOL + 1)]
    if c.kind == DIM:
        return list(c.domain) if c.domain else ["alpha", "beta", "gamma", "delta"]
    return [f"{c.name}_{i}" for i in range(1, UNIT_KEY_POOL + 1)]


def _unit_values(rng: random.Random, c: Column, n: int) -> list[object]:
    """``n`` values of a non-grain column."""
    if c.kind == KEY:
        base = UNIT_KEY_BASE.get(c.name, 0)
        return [base + rng.randint(1, UNIT_KEY_POOL - 2) for _ in range(n)]  # repeats: groups
    if c.kind == DIM:
        pool = list(c.domain) if c.domain else ["alpha", "beta", "gamma", "delta"]
        return [rng.choice(pool) for _ in range(n)]
    if c.kind == DATE:
        return [UNIT_DAY0 + dt.timedelta(days=d) for d in rng.sample(range(540), n)]
    if c.kind == NUM and _UNIT_COUNT.fullmatch(c.name):
        return rng.sample(range(1, 30), n)  # a count: whole numbers
    if c.kind == NUM:
        low = 0 if c.nonneg else -200
        return [q / 4 for q in rng.sample(range(low, 1000), n)]  # exact in binary
    if c.name == "email":
        return [f"{rng.choice(['', ' '])}User{rng.randint(1, 99)}@"
                f"{rng.choice(['Example.com', 'MAIL.net', 'corp.io'])}{rng.choice(['', ' '])}"
                for _ in range(n)]
    return [f"{rng.choice(['', ' '])}{c.name.capitalize()} {rng.randint(1, 99)}"
            for _ in range(n)]


def _run_unit_model(fft_project: object, node: NodeSpec,
                    inputs: dict[str, list[dict[str, object]]]
                    ) -> tuple[list[str], list[list[object]]]:
    """Build ``node`` from ``inputs`` as the unit runner does; its columns and its rows
    (plain Python values, NULL as ``None``), the rows sorted for a stable text."""
    from pytest_fft import DuckDBEngine
    from pytest_fft.run.building import build_node
    from pytest_fft.utest.compare import _canon, input_frame
    from pytest_fft.utest.spec import InputData

    model = fft_project.models[node.name]  # type: ignore[attr-defined]
    if set(model.relations_of_deps) != set(inputs):
        raise RuntimeError(f"{node.name} reads {sorted(model.relations_of_deps)}, the generator "
                           f"made inputs for {sorted(inputs)}")
    engine = DuckDBEngine.scratch()
    try:
        for relation in model.relations_of_deps:
            rows = tuple(inputs[relation])
            data = InputData(relation=relation, rows=rows, csv=None,
                             columns=tuple(dict.fromkeys(k for r in rows for k in r)), line=None)
            engine.write_frame(relation, input_frame(data), "table")
        build_node(fft_project, engine, model)  # type: ignore[arg-type]
        frame = engine.read_frame(model.relation)
    finally:
        engine.close()
    columns = [str(c) for c in frame.columns]
    cells = [[_canon(v) for v in frame.iloc[:, i].tolist()] for i in range(len(columns))]
    rows = [list(r) for r in zip(*cells, strict=True)] if columns else []
    rows.sort(key=lambda r: [(v is None, type(v).__name__, str(v)) for v in r])
    return columns, rows


def _unit_value(value: object) -> str:
    """One cell as YAML that reads back as exactly ``value``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "null"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        mantissa, e, exponent = text.partition("e")
        if e and "." not in mantissa:  # 1e-05 is text to PyYAML; 1.0e-05 is a float
            text = f"{mantissa}.0e{exponent}"
        return text
    if isinstance(value, dt.datetime):
        return json.dumps(value.isoformat())
    if isinstance(value, dt.date):
        return value.isoformat()  # unquoted: a YAML date
    if isinstance(value, str):
        return _yaml_flow(value)
    raise TypeError(f"no YAML form for the unit-test value {value!r}")


def _unit_row(columns: Sequence[str], values: Sequence[object]) -> str:
    pairs = zip(columns, values, strict=True)
    return "{" + ", ".join(f"{c}: {_unit_value(v)}" for c, v in pairs) + "}"


def _check_unit_spec(fft_project: object, path: Path, text: str) -> None:
    """Parse ``text`` with pytest-fft's spec loader and run every case with its unit runner:
    the written expectation must match what the model returns (YAML round trip included)."""
    from pytest_fft import DuckDBEngine
    from pytest_fft.utest import load_unit_file
    from pytest_fft.utest.runner import run_case

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    for case in load_unit_file(fft_project, path):
        engine = DuckDBEngine.scratch()
        try:
            diff = run_case(fft_project, case, engine)  # type: ignore[arg-type]
        finally:
            engine.close()
        if not diff.equal:
            raise RuntimeError(f"the generated unit case {case.node_id} does not pass:\n"
                               f"{diff.text}")


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

_PLAIN = re.compile(r"[a-z_][a-z0-9_]*\Z")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _yaml_flow(value: object) -> str:
    """``value`` as a YAML flow node: plain names bare, other text as JSON strings (a JSON
    string is a valid YAML scalar), lists and mappings in flow style."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        plain = _PLAIN.match(value) and value not in _YAML_WORDS
        return value if plain else json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_yaml_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml_flow(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} to YAML")


# dev and memory: DuckDB. pg: PostgreSQL, the server and the schema from the environment
# (run.py --postgres sets both for its rows; FF_PG_DSN and FF_PG_SCHEMA also override the
# values where profiles.yml is not rendered as Jinja).
PROFILES_YML = """\
dev:
  engine: duckdb
  duckdb:
    path: .local/bench.duckdb

memory:
  engine: duckdb
  duckdb:
    path: ":memory:"

pg:
  engine: postgres
  postgres:
    dsn: "{{ env('FF_PG_DSN') }}"
    db_schema: "{{ env('FF_PG_SCHEMA', 'bench') }}"
"""


def render_files(spec: ProjectSpec) -> dict[str, str]:
    """Every file of the project, by path relative to the project root: the project's files
    and the unit-test specs (which are computed by running models of those files)."""
    files = project_files(spec)
    files.update(emit_unit_tests(spec, files))
    files[".gitignore"] = ".local/\n.fastflowtransform/\n"
    return files


def project_files(spec: ProjectSpec) -> dict[str, str]:
    """The project without its unit tests: configuration, seeds and models."""
    files: dict[str, str] = {}
    checks = [check for m in spec.models for check in emit_checks(spec, m)]
    project_yml = f"name: {spec.name}\nversion: \"1.0\"\n"
    if checks:
        project_yml += "tests:\n" + "".join(f"  - {_yaml_flow(check)}\n" for check in checks)
    files["project.yml"] = project_yml
    files["profiles.yml"] = PROFILES_YML
    by_source: dict[str, list[SeedSpec]] = {}
    for seed in spec.seeds:
        by_source.setdefault(seed.source[0], []).append(seed)
    sources_yml = "version: 2\nsources:\n"
    for source_name, seeds in by_source.items():
        sources_yml += f"  - name: {source_name}\n    tables:\n"
        for seed in seeds:
            sources_yml += f"      - name: {seed.source[1]}\n        identifier: {seed.name}\n"
    files["sources.yml"] = sources_yml
    for seed in spec.seeds:
        files[f"seeds/{seed.name}.csv"] = _csv([c.name for c in seed.columns], seed.rows)
    for node in spec.models:
        files[node.path] = node.text
    return files


def _csv(header: list[str], rows: list[list[object]]) -> str:
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def write_project(spec: ProjectSpec, out: Path) -> Path:
    """Write ``spec`` to ``out``; a folder this script wrote before is cleared first."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise SystemExit(f"{out} exists, is not empty and was not written by "
                             f"bench/generate.py; pick another --out")
        for child in ("models", "seeds", "tests", ".local", ".fastflowtransform"):
            shutil.rmtree(out / child, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    for rel, text in render_files(spec).items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (out / MARKER).write_text(json.dumps({
        "models": spec.models_wanted, "seed_rows": spec.seed_rows,
        "random_seed": spec.random_seed}) + "\n", encoding="utf-8")
    return out


def generate(out: Path, models: int = DEFAULT_MODELS, seed_rows: int = DEFAULT_SEED_ROWS,
             random_seed: int = RANDOM_SEED, python_share: float = PYTHON_SHARE) -> ProjectSpec:
    spec = build_spec(models, seed_rows, random_seed, python_share)
    write_project(spec, out)
    return spec


def verify(out: Path, jobs: int = 2) -> tuple[bool, str]:
    """Build the project in ``out`` on an in-memory DuckDB with pytest-fft's Executor, seeds,
    models and checks in one run (``Executor(project, engine, project.dag.order)``), and
    report whether every node succeeded. Needs pytest-fft (installed, or the checkout next
    to ``bench/``).

    When nodes were left unstarted although none failed (the executor's scheduling, not the
    data), the checks are also run in two passes (every build node, then every check) so the
    report still says whether the data passes them."""
    try:
        import pytest_fft  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from pytest_fft import DuckDBEngine, Executor, load_project

    project = load_project(out)
    order = list(project.dag.order)

    def run(*passes: list[str]) -> dict[str, object]:
        engine = DuckDBEngine(":memory:")
        try:
            results: dict[str, object] = {}
            for nodes in passes:
                results.update(Executor(project, engine, nodes, jobs=jobs).run())
            return results
        finally:
            engine.close()

    def failures(results: dict[str, object]) -> list[str]:
        return [f"  {r.name}: {r.status}: {r.message}"  # type: ignore[attr-defined]
                for r in results.values() if r.status != "success"]  # type: ignore[attr-defined]

    n_checks = len(project.checks)
    results = run(order)
    bad = failures(results)
    if not bad and len(results) == len(order):
        return True, (f"verified: {len(order) - n_checks} seeds and models built, "
                      f"{n_checks} checks passed (one Executor run, jobs={jobs})")
    statuses: dict[str, int] = {}
    for r in results.values():
        statuses[r.status] = statuses.get(r.status, 0) + 1  # type: ignore[attr-defined]
    text = (f"verify FAILED: {len(bad)} of {len(order)} nodes did not succeed in one Executor "
            f"run ({', '.join(f'{k}={v}' for k, v in sorted(statuses.items()))}):\n"
            + "\n".join(bad[:10]) + ("\n  ..." if len(bad) > 10 else ""))
    stalled = all((r.status in ("success", "skipped") and (r.message or "") == "not run")
                  or r.status == "success" for r in results.values())  # type: ignore[attr-defined]
    if stalled:
        builds = [n for n in order if n not in project.checks]
        checks = [n for n in order if n in project.checks]
        again = failures(run(builds, checks))
        text += ("\nNo node failed: the executor never started the rest (its check gates wait "
                 "on one another\nwhen a check reads a model and one of its ancestors). "
                 "In two runs, builds then checks: "
                 + ("every check passed." if not again else
                    f"{len(again)} nodes did not succeed:\n" + "\n".join(again[:10])))
    return False, text


def verify_unit_tests(out: Path, timeout: float = 900) -> tuple[bool, str]:
    """Run ``pytest <out> --fft-utest -q -p no:cacheprovider`` as a subprocess (the project as
    working directory, without ``FF_*``/``FFT_*``/``PYTEST_ADDOPTS``) and report whether it
    exited 0 with every case of ``tests/unit/*.yml`` passed."""
    import os
    import subprocess

    _import_pytest_fft()
    from pytest_fft import load_project
    from pytest_fft.utest import load_unit_specs

    cases = len(load_unit_specs(load_project(out)))
    if not cases:
        return False, "verify FAILED: the project has no unit cases (tests/unit/*.yml)"
    local = Path(sys.executable).parent / "pytest"
    pytest_cmd = [str(local)] if local.is_file() else [sys.executable, "-m", "pytest"]
    cmd = [*pytest_cmd, str(out), "--fft-utest", "-q", "-p", "no:cacheprovider"]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FF_", "FFT_")) and k != "PYTEST_ADDOPTS"}
    proc = subprocess.run(cmd, cwd=out, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    output = (proc.stdout or "") + (proc.stderr or "")
    summary = [line for line in output.splitlines() if re.search(r"\d+ \w+.* in [\d.]+s", line)]
    last = summary[-1].strip("= ") if summary else ""
    passed = re.search(r"(\d+) passed", last)
    n_passed = int(passed.group(1)) if passed else 0
    files = len(list((Path(out) / "tests" / "unit").glob("*.yml")))
    if proc.returncode == 0 and n_passed == cases:
        return True, (f"verified: {cases} unit cases in {files} spec files passed "
                      f"(pytest --fft-utest: {last})")
    tail = "\n".join(output.strip().splitlines()[-15:])
    return False, (f"verify FAILED: pytest --fft-utest exited {proc.returncode}, "
                   f"{n_passed} of {cases} unit cases passed ({last or 'no summary'}):\n{tail}")


def describe(spec: ProjectSpec) -> str:
    models = spec.models
    n_py = sum(1 for m in models if m.kind == "python")
    templates: dict[str, int] = {}
    for m in models:
        templates[m.template] = templates.get(m.template, 0) + 1
    edges = sum(len(m.parents) for m in models)
    return (f"{len(models)} models ({len(models) - n_py} SQL, {n_py} Python) in "
            f"{len(spec.layers)} layers {[len(layer) for layer in spec.layers]}, "
            f"{edges} edges; {len(spec.seeds)} seeds "
            f"({', '.join(f'{s.name}={len(s.rows)}' for s in spec.seeds)} rows); templates: "
            + ", ".join(f"{k}={v}" for k, v in sorted(templates.items())))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=DEFAULT_MODELS,
                        help=f"number of models (default {DEFAULT_MODELS})")
    parser.add_argument("--out", type=Path, required=True, help="project folder to write")
    parser.add_argument("--seed-rows", type=int, default=DEFAULT_SEED_ROWS,
                        help=f"rows of the orders and events seeds (default {DEFAULT_SEED_ROWS})")
    parser.add_argument("--random-seed", type=int, default=RANDOM_SEED,
                        help=f"random seed (default {RANDOM_SEED})")
    parser.add_argument("--python-share", type=float, default=PYTHON_SHARE, metavar="FLOAT",
                        help=f"share of the models that are Python (pandas) models, 0 to 1 "
                             f"(default {PYTHON_SHARE}); 0: SQL models only, for engines whose "
                             f"Python models take other frames (Spark)")
    parser.add_argument("--verify", action="store_true",
                        help="then build it in memory with pytest-fft (seeds, models, checks) "
                             "and run its unit tests with pytest --fft-utest; fail unless "
                             "every check and every unit case passes")
    args = parser.parse_args(argv)
    if args.models < 1 or args.seed_rows < 1:
        parser.error("--models and --seed-rows must be at least 1")
    if not 0 <= args.python_share <= 1:
        parser.error("--python-share must be between 0 and 1")
    spec = generate(args.out, args.models, args.seed_rows, args.random_seed, args.python_share)
    print(f"wrote {args.out}: {describe(spec)}")
    if args.verify:
        ok, text = verify(args.out)
        print(text)
        ok_unit, text = verify_unit_tests(args.out)
        print(text)
        return 0 if ok and ok_unit else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

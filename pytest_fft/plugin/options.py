"""The ``--fft-*`` options and ``fft_*`` ini keys, and the settings read from them."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pytest_fft.errors import FFTError

FLAG_OPTIONS = ("fft_run", "fft_seed")
INI_KEYS = ("fft_project", "fft_env", "fft_jobs", "fft_engine")


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("fft", "pytest-fft (FastFlowTransform projects)")
    group.addoption("--fft-run", action="store_true", help="build the project's models")
    group.addoption("--fft-seed", action="store_true", help="load the project's seeds")
    group.addoption("--fft-test", action="store_true",
                    help="run the data-quality checks of project.yml")
    group.addoption("--fft-utest", action="store_true",
                    help="run the model unit tests of tests/unit/*.yml (collected by default)")
    group.addoption("--fft-utest-model", metavar="MODEL", action="append", default=[],
                    help="only the unit cases of this model (repeatable)")
    group.addoption("--fft-utest-case", metavar="CASE", action="append", default=[],
                    help="only the unit cases of this name (repeatable)")
    group.addoption("--fft-utest-cache", metavar="off|ro|rw", default=None,
                    choices=("off", "ro", "rw"),
                    help="unit-test cache: skip cases whose model and inputs are unchanged "
                         "since they last passed (default off)")
    group.addoption("--fft-reuse-meta", action="store_true",
                    help="reserved (accepted for FastFlowTransform compatibility; no effect)")
    group.addoption("--fft-env", metavar="NAME", help="profile from profiles.yml (default: dev)")
    group.addoption("--fft-engine", metavar="ENGINE",
                    help="override the profile's engine (duckdb, postgres, ...)")
    group.addoption("--fft-jobs", metavar="N|auto",
                    help="models built at once (threads; default auto: two per CPU core, 4 to 32)")
    group.addoption("--fft-vars", metavar="KEY=VALUE", action="append", default=[],
                    help="override project vars (repeatable, or one YAML/JSON mapping)")
    group.addoption("--fft-select", metavar="SELECTOR", action="append", default=[],
                    help="build only these nodes and what they depend on (repeatable)")
    group.addoption("--fft-exclude", metavar="SELECTOR", action="append", default=[],
                    help="leave these nodes out (repeatable)")
    group.addoption("--fft-changed-since", metavar="GITREF", default=None,
                    help="only the models changed since this git revision, with what they "
                         "depend on and what depends on them (with --fft-select/--fft-exclude: "
                         "what those keep and is affected)")
    group.addoption("--fft-source-freshness", action="store_true",
                    help="check the freshness: rules of sources.yml, one item per source table")
    group.addoption("--fft-keep-going", action="store_true",
                    help="after a failure keep building independent nodes (the default)")
    group.addoption("--fft-fail-fast", action="store_true",
                    help="start no new node after the first failure")
    group.addoption("--fft-cache", metavar="off|ro|rw|wo", default=None,
                    choices=("off", "ro", "rw", "wo"),
                    help="build cache: rw skips unchanged nodes and remembers builds (default); "
                         "ro skips but remembers nothing; wo builds all and remembers; off")
    group.addoption("--fft-rebuild", metavar="GLOB", action="append", default=[],
                    help="ignore the cache for nodes matching GLOB (repeatable)")
    group.addoption("--fft-full-refresh", action="store_true",
                    help="build incremental models in full instead of applying their delta")
    group.addoption("--fft-offline", action="store_true",
                    help="Python models' HTTP calls answer from the response cache only "
                         "(sets FF_HTTP_OFFLINE=1 for the session)")
    group.addoption("--fft-http-cache", metavar="rw|ro|off", default=None,
                    choices=("rw", "ro", "off"),
                    help="the HTTP response cache of Python models (sets FF_HTTP_CACHE_MODE "
                         "for the session)")
    group.addoption("--fft-snapshot", action="store_true",
                    help="take the snapshots (materialized='snapshot'; --fft-run leaves them "
                         "alone)")
    group.addoption("--fft-prune", action="store_true",
                    help="with --fft-snapshot: drop old versions, keeping --fft-keep-last N")
    group.addoption("--fft-keep-last", metavar="N", type=int, default=None,
                    help="with --fft-prune: versions kept per key")
    group.addoption("--fft-dry-run", action="store_true",
                    help="with --fft-prune: count the versions it would drop, drop none")
    group.addoption("--fft-start-early", action="store_true", help=argparse.SUPPRESS)
    group.addoption("--fft-wait", metavar="SECONDS", type=float, nargs="?", const=600.0,
                    default=0.0,
                    help="wait for a database another process is building into "
                         "(default: fail at once; without a value: up to 600 s)")
    group.addoption("--fft-docs", metavar="DIR", default=None,
                    help="after the run, write the project's DAG page with this run's "
                         "statuses to DIR/index.html")
    group.addoption("--fft-tb", action="store_true",
                    help="show Python tracebacks of failures (same as FFT_TRACE=1)")
    parser.addini("fft_project", "FastFlowTransform project folders (relative to rootdir)",
                  type="paths", default=[])
    parser.addini("fft_env", "default profile name for --fft-env", default="")
    parser.addini("fft_jobs", "default for --fft-jobs", default="")
    parser.addini("fft_engine", "default for --fft-engine", default="")
    parser.addini("fft_collect", "what plain pytest collects from a project when no "
                  "--fft-run/--fft-seed/--fft-test/--fft-utest/--fft-snapshot is given: any "
                  "of seed run test utest snapshot (default: utest)", type="args",
                  default=["utest"])


@dataclass(frozen=True)
class FFTOptions:
    """Everything the plugin reads from the command line and ini file, in one place."""

    active: bool
    run: bool = False
    seed: bool = False
    test: bool = False
    utest: bool = False
    utest_models: tuple[str, ...] = ()
    utest_cases: tuple[str, ...] = ()
    utest_cache: str = "off"
    cache: str = "rw"
    rebuild: tuple[str, ...] = ()
    wait: float = 0.0
    env: str | None = None
    engine: str | None = None
    jobs: int = 2
    vars: Mapping[str, Any] = field(default_factory=dict)
    select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    changed_since: str | None = None
    source_freshness: bool = False  # --fft-source-freshness: one item per freshness rule
    fail_fast: bool = False
    full_refresh: bool = False
    offline: bool = False  # --fft-offline: HTTP calls from the response cache only
    http_cache: str | None = None  # --fft-http-cache rw|ro|off
    snapshot: bool = False  # take snapshots (--fft-snapshot)
    keep_last: int | None = None  # --fft-prune --fft-keep-last N
    dry_run: bool = False
    traceback: bool = False
    projects: tuple[str, ...] = ()
    explicit: frozenset[Path] = frozenset()  # model/seed files named on the command line
    # Something on the command line asked for fft (an --fft-* option, a node id): a project
    # that does not load is a collection error then, not one failed item among the tests.
    requested: bool = False
    # Every node of the requested kinds will be an item: the build can start once the project
    # is loaded, while pytest creates the items (see BuildRun.start_early).
    start_early: bool = False

    @property
    def builds(self) -> bool:
        return self.run or self.seed or self.test or self.snapshot or any(
            not _is_unit_spec(p) for p in self.explicit)

    @property
    def needs_warehouse(self) -> bool:
        """Seeds, models, checks and source freshness run on the profile's engine; unit
        cases do not."""
        return self.builds or self.source_freshness


def read_options(config: pytest.Config) -> FFTOptions:
    opt = config.option
    projects = tuple(str(p) for p in config.getini("fft_project"))
    ini_set = bool(projects) or any(config.getini(k) for k in INI_KEYS[1:])
    given = (
        opt.fft_run or opt.fft_seed or opt.fft_test or opt.fft_env or opt.fft_engine
        or opt.fft_jobs is not None or opt.fft_vars or opt.fft_select or opt.fft_exclude
        or opt.fft_fail_fast or opt.fft_keep_going or opt.fft_full_refresh or opt.fft_snapshot
        or opt.fft_changed_since or opt.fft_source_freshness or opt.fft_offline
        or opt.fft_http_cache
    )
    explicit = _explicit_node_files(config)
    kinds = {k for k in ("seed", "run", "test", "utest", "snapshot") if getattr(opt, f"fft_{k}")}
    if not kinds and not explicit and not opt.fft_source_freshness:
        kinds = set(config.getini("fft_collect"))
        unknown = kinds - {"seed", "run", "test", "utest", "snapshot"}
        if unknown:
            raise pytest.UsageError(f"fft_collect: unknown kind {sorted(unknown)[0]!r}; "
                                    "use any of seed run test utest snapshot")
    jobs = parse_jobs(opt.fft_jobs if opt.fft_jobs is not None
                      else (config.getini("fft_jobs") or "auto"))
    if not opt.fft_source_freshness:  # which selects sources by source:...
        _check_selectors((*opt.fft_select, *opt.fft_exclude))
    return FFTOptions(
        active=bool(given or ini_set or explicit or kinds),
        run="run" in kinds,
        seed="seed" in kinds,
        test="test" in kinds,
        utest="utest" in kinds or opt.fft_utest,
        utest_models=tuple(opt.fft_utest_model),
        utest_cases=tuple(opt.fft_utest_case),
        utest_cache=opt.fft_utest_cache or "off",
        cache=opt.fft_cache or "rw",
        rebuild=tuple(opt.fft_rebuild),
        wait=opt.fft_wait or 0.0,
        env=opt.fft_env or config.getini("fft_env") or None,
        engine=opt.fft_engine or config.getini("fft_engine") or None,
        jobs=jobs,
        vars=parse_vars(opt.fft_vars),
        select=_selection(opt.fft_select, opt.fft_changed_since,
                          checks_only=kinds == {"test"} or kinds == {"test", "utest"}),
        exclude=tuple(opt.fft_exclude),
        changed_since=opt.fft_changed_since or None,
        source_freshness=bool(opt.fft_source_freshness),
        fail_fast=opt.fft_fail_fast,
        full_refresh=opt.fft_full_refresh,
        offline=bool(opt.fft_offline),
        http_cache=opt.fft_http_cache,
        snapshot="snapshot" in kinds,
        keep_last=_keep_last(opt),
        dry_run=opt.fft_dry_run,
        traceback=opt.fft_tb or os.environ.get("FFT_TRACE") == "1",
        projects=projects,
        explicit=explicit,
        requested=bool(given or explicit or opt.fft_utest),
        start_early=_may_start_early(config, explicit),
    )


def _check_selectors(values: tuple[str, ...]) -> None:
    """A selector that is wrong whatever the project holds is a usage error before anything
    is collected (under pytest-xdist, by the controller, not by every worker mid-run)."""
    from pytest_fft.project.selectors import selector_problem

    problem = selector_problem(values)
    if problem is not None:
        raise pytest.UsageError(str(problem))


#: Selector methods of FastFlowTransform 0.6's ``fft test --select``: they pick the models
#: its ``fft test`` builds first, and do not narrow the checks, which all run.
_MODEL_METHODS = ("tag:", "type:", "kind:", "path:", "state:", "result:")


def _selection(select: list[str], changed_since: str | None, *,
               checks_only: bool) -> tuple[str, ...]:
    """The ``--fft-select`` tokens of the run, ``--fft-changed-since`` as one of them.

    A run of checks alone (``fft test``) follows FastFlowTransform 0.6: a selection with a
    method selector (``tag:x``, ``type:``, ``kind:``, ...) runs **every** check, as FFT's
    ``fft test --select tag:x`` does (it builds the models tagged ``x``, then runs all
    checks); only bare words (``batch``, ``unique``, a check's id or a model's name) narrow
    the checks. ``--fft-exclude`` still leaves checks out.
    """
    from pytest_fft.project.selectors import CHANGED_SINCE, split_tokens

    tokens = tuple(select)
    if checks_only and any(t.lstrip("+").startswith(_MODEL_METHODS)
                           for t in split_tokens(tokens)):
        tokens = ()
    if changed_since:
        tokens += (f"{CHANGED_SINCE}{changed_since}",)
    return tokens


#: Options after which pytest runs a subset of what it collects, or no item at all.
_NARROWING = ("keyword", "markexpr", "deselect", "lf", "failedfirst", "stepwise", "maxfail",
              "stepwise_skip", "collectonly", "numprocesses", "setuponly", "setupplan",
              "showfixtures", "show_fixtures_per_test", "ignore", "ignore_glob")


def live_logging(config: pytest.Config) -> bool:
    """Whether pytest prints log records as they come (``--log-cli-level``, ``log_cli``)."""
    return bool(getattr(config.option, "log_cli_level", None) or config.getini("log_cli"))


def _may_start_early(config: pytest.Config, explicit: frozenset[Path]) -> bool:
    """Whether every node of the requested kinds will be an item, so that the build can start
    once the project is loaded (see BuildRun.start_early): ``fft`` without pytest arguments,
    or ``pytest`` whose arguments are project folders, with no option that narrows what runs.
    Hooks that could deselect are looked at when the project is collected
    (:func:`pytest_fft.plugin.items.selection_is_final`)."""
    opt = config.option
    if explicit or any(getattr(opt, name, None) for name in _NARROWING):
        return False
    if live_logging(config):
        return False  # what nodes log must reach pytest's live-log handler, set up later
    if getattr(opt, "fft_start_early", False):
        return True
    from pytest_fft.project.layout import is_project_dir

    base = Path(config.invocation_params.dir)
    return bool(config.args) and all(
        "::" not in arg and is_project_dir(base / arg) for arg in config.args)


def _explicit_node_files(config: pytest.Config) -> frozenset[Path]:
    """Model and seed files given as arguments (``models/x.ff.sql::x.ff``): an IDE running one
    node id gets it built even without ``--fft-run``."""
    found = set()
    for arg in config.args:
        path = Path(config.invocation_params.dir, arg.split("::", 1)[0])
        name = path.name
        if name.endswith((".ff.sql", ".ff.py")) or (name == "project.yml" and "::" in arg) or (
            path.parent.name == "seeds" and path.suffix.lower() in (".csv", ".parquet")
        ) or _is_unit_spec(path):
            found.add(path.resolve())
    return frozenset(found)


def _is_unit_spec(path: Path) -> bool:
    return path.suffix in (".yml", ".yaml") and "unit" in path.parts[-4:-1] and "tests" in (
        path.parts[-5:-1])


def parse_jobs(value: str | int) -> int:
    """``"auto"`` -> two threads per CPU core, at least 4 and at most 32; a number -> that
    many, at least 1.

    A node's thread spends most of its time inside DuckDB (no GIL) or waiting on the
    database's commit; on 2 cores, 4 threads build a 500-model project about 20% faster than 2.
    """
    if str(value).strip().lower() == "auto":
        return min(32, max(4, 2 * (os.cpu_count() or 1)))
    try:
        jobs = int(value)
    except ValueError as exc:
        raise pytest.UsageError(f"--fft-jobs must be a number or auto, got {value!r}") from exc
    if jobs < 1:
        raise pytest.UsageError(f"--fft-jobs must be at least 1, got {jobs}")
    return jobs


def parse_vars(items: list[str]) -> dict[str, Any]:
    """``["a=1", "b=x"]`` or ``['{a: 1}']`` -> ``{"a": 1, "b": "x"}`` (JSON values, else text)."""
    out: dict[str, Any] = {}
    for item in items:
        text = item.strip()
        if text.startswith("{"):
            import yaml  # only for a mapping given on the command line: keep start-up lean

            try:
                data = json.loads(text)
            except ValueError:
                data = None
            try:
                if data is None:
                    data = {k: _scalar(json.dumps(v, default=str))
                            for k, v in (yaml.safe_load(text) or {}).items()}
            except (yaml.YAMLError, AttributeError) as exc:
                raise pytest.UsageError(f"--vars {text!r} is not a valid mapping: {exc}") from exc
            if not isinstance(data, dict):
                raise pytest.UsageError(f"--vars {text!r} must be a mapping")
            out.update(data)
            continue
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise pytest.UsageError(
                f"--vars {text!r}: expected KEY=VALUE, e.g. --vars day=2024-01-01")
        out[key.strip()] = _scalar(value.strip())
    return out


def _scalar(text: str) -> Any:
    """JSON scalars (``7``, ``1.5``, ``true``, ``"x"``, ``[1, 2]``) parse; anything else is text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def error_text(err: BaseException, traceback: bool) -> str:
    """What a user sees for an error: our rendered text; a traceback only when asked."""
    if isinstance(err, FFTError) and not traceback:
        return str(err)
    import traceback as tb

    from pytest_fft.redact import redact

    return redact("".join(tb.format_exception(err)))


def _keep_last(opt: Any) -> int | None:
    return prune_keep_last(prune=opt.fft_prune, keep_last=opt.fft_keep_last,
                           dry_run=opt.fft_dry_run, snapshot=opt.fft_snapshot)


def prune_keep_last(*, prune: bool, keep_last: int | None, dry_run: bool,
                    snapshot: bool) -> int | None:
    """``--fft-prune --fft-keep-last N``: N (None without pruning); a UsageError for one
    without the other."""
    if not prune:
        if keep_last is not None or dry_run:
            raise pytest.UsageError("--fft-keep-last and --fft-dry-run go with --fft-prune")
        return None
    if keep_last is None or keep_last < 1:
        raise pytest.UsageError("--fft-prune needs --fft-keep-last N (N at least 1): the "
                                "versions kept per key")
    if not snapshot:
        raise pytest.UsageError("--fft-prune goes with --fft-snapshot (fft snapshot run)")
    return int(keep_last)

"""pytest items for model unit tests: one ``pytest.Function`` per YAML case.

Node ids are ``tests/unit/<file>.yml::<case name>`` and ``reportinfo`` points at the case's
line, so an IDE jumps to it. Each case asks for the ``fft_unit_engine`` fixture (a private
in-memory DuckDB by default), so a project's ``conftest.py`` can override it.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_fft.errors import CacheWarning, FFTError
from pytest_fft.plugin.options import error_text

if TYPE_CHECKING:
    from pytest_fft.run.session import BuildRun
    from pytest_fft.utest.compare import FrameDiff
    from pytest_fft.utest.spec import UnitCase


class UnitCaseFailed(Exception):
    """The model's result differs from what the case expects."""

    def __init__(self, case: UnitCase, diff: FrameDiff) -> None:
        super().__init__(diff.text)
        self.case = case
        self.diff = diff


class UnitFile(pytest.File):
    """``tests/unit/<name>.yml`` of a project: its cases."""

    def collect(self) -> Any:
        from pytest_fft.plugin.items import ProjectDir, ProjectLoadFailure
        from pytest_fft.plugin.state import state_of
        from pytest_fft.utest.listing import cases_of_file

        project_dir = self.getparent(ProjectDir)
        assert project_dir is not None and project_dir.build_run is not None
        run = project_dir.build_run
        try:
            cases = cases_of_file(run.project, self.path, run.parse_cache, run.parse_key)
        except FFTError as exc:
            if state_of(self.config).options.requested:
                raise  # asked for on the command line: a collection error, as for fft utest
            # Plain pytest: the bad spec is one failed item; every other test still runs.
            yield ProjectLoadFailure.from_parent(self, name="load", error=exc)
            return
        for case in cases:
            yield UnitCaseItem.from_parent(self, name=case.name, callobj=_case_function,
                                           case=case, build_run=run)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        from pytest_fft.plugin.state import STATE_KEY

        if isinstance(excinfo.value, FFTError):
            return error_text(excinfo.value, self.config.stash[STATE_KEY].options.traceback)
        return super().repr_failure(excinfo)


def _case_function(fft_unit_engine: Any, request: pytest.FixtureRequest) -> None:
    """Build the case's model from its inputs and compare (the body of every unit item)."""
    from pytest_fft.utest.runner import run_case

    item = request.node
    assert isinstance(item, UnitCaseItem)
    if item.case.problem is not None:  # the spec says what the case cannot run without
        raise item.case.problem.error()
    if isinstance(fft_unit_engine, FFTError):  # the fixture could not give an engine
        raise fft_unit_engine
    mode = item.cache_mode
    fingerprint = item.fingerprint() if mode != "off" else ""
    if mode in ("ro", "rw") and item.cached_fingerprint() == fingerprint:
        item.user_properties.append(("fft_status", "cached"))
        return
    diff = run_case(item.build_run.project, item.case, fft_unit_engine)
    if not diff.equal:
        item.user_properties.append(("fft_status", "fail"))
        item.user_properties.append(("fft_diff", diff.csv_text))
        raise UnitCaseFailed(item.case, diff)
    item.user_properties.append(("fft_status", "success"))
    if fingerprint:
        item.user_properties.append(("fft_utest_fp", fingerprint))


def frame_cases_first(items: list[pytest.Item]) -> None:
    """On an xdist worker: the cases that need pandas first, in the slots unit cases occupy.

    xdist's load scheduling sends each worker a first batch of consecutive items, so the
    cases that need pandas go to one worker, and only that worker pays pandas' import (about
    a third of a second). Every worker sorts alike, so their collections stay identical."""
    from pytest_fft.utest.runner import needs_frames

    slots = [index for index, item in enumerate(items) if isinstance(item, UnitCaseItem)]
    cases = [item for item in items if isinstance(item, UnitCaseItem)]
    ordered = sorted(cases, key=lambda case: not needs_frames(case.build_run.project, case.case))
    for index, case in zip(slots, ordered, strict=True):
        items[index] = case


_PASSED_KEY: pytest.StashKey[dict[str, str]] = pytest.StashKey()
"""The unit cases' fingerprints of their last pass, as pytest's cache had them at start."""


class UnitCaseItem(pytest.Function):
    """One unit case."""

    def __init__(self, *, case: UnitCase, build_run: BuildRun, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.build_run = build_run
        self.add_marker("fft_utest")
        self.extra_keyword_matches.update({case.model, case.expect.relation})

    @property
    def cache_mode(self) -> str:
        from pytest_fft.plugin.state import STATE_KEY

        return self.config.stash[STATE_KEY].options.utest_cache

    def fingerprint(self) -> str:
        """The model as it is now, plus the case's inputs and expectations (profile "utest")."""
        model = self.build_run.project.models[self.case.model]
        source = model.sql if model.kind == "sql" else model.path.read_text(encoding="utf-8")
        if self.case.is_incremental:
            # What a later run does: the delta SQL, and how the delta is applied (a unique_key
            # in config() or project.yml changes neither the SELECT nor the file's text).
            source = f"{source or ''}\0{model.delta_sql or ''}\0{model.incremental!r}"
        digest = hashlib.sha256()
        for part in ("utest", self._engine_name(), model.name, source or "",
                     _case_payload(self.case)):
            digest.update(part.encode("utf-8"))
            digest.update(b"\0")
        return digest.hexdigest()

    def _engine_name(self) -> str:
        """The engine the case runs on (a case that passed on DuckDB may fail on another)."""
        from pytest_fft.plugin.fixtures import unit_engine

        try:
            return unit_engine(self.config, Path(self.build_run.project.root), self.case)[0]
        except FFTError:  # the case reports it when it runs
            return "?"

    @property
    def engine_abbrev(self) -> str:
        """The abbreviation of the engine the case runs on, as per-item output shows it."""
        from pytest_fft.engines.registry import find_engine_spec

        name = self._engine_name()
        spec = find_engine_spec(name)
        return spec.abbrev if spec is not None else name.upper()

    def cached_fingerprint(self) -> str | None:
        cache = getattr(self.config, "cache", None)
        if cache is None:  # -p no:cacheprovider: nothing is ever cached
            return None
        known = self.config.stash.get(_PASSED_KEY, None)
        if known is None:  # read once per session, not once per case
            known = self.config.stash[_PASSED_KEY] = read_passed(cache, warn=True)
        return known.get(self.nodeid)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        err = excinfo.value
        if isinstance(err, UnitCaseFailed):
            return (f"unit case {self.case.name} of {self.case.model} "
                    f"({self.case.rel_path}:{self.case.line}):\n{err.diff.text}")
        if isinstance(err, FFTError):
            from pytest_fft.plugin.state import STATE_KEY

            return error_text(err, self.config.stash[STATE_KEY].options.traceback)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        # The case name alone: IDEs (PyCharm) take the text after the last dot as the test's
        # name, and model names such as mart_users.ff have dots.
        return self.path, self.case.line - 1, self.case.name


def _case_payload(case: UnitCase) -> str:
    """A stable text of the case's inputs and expectations (CSV files by content)."""

    def data(rows: Any, csv: Path | None) -> Any:
        if csv is not None:
            return {"csv_sha256": hashlib.sha256(csv.read_bytes()).hexdigest()}
        return [dict(r) for r in rows or ()]

    payload: dict[str, Any] = {
        "inputs": {rel: data(d.rows, d.csv) for rel, d in sorted(case.inputs.items())},
        "expect": {
            "relation": case.expect.relation, "rows": data(case.expect.rows, case.expect.csv),
            "order_by": list(case.expect.order_by), "any_order": case.expect.any_order,
            "ignore_columns": list(case.expect.ignore_columns), "subset": case.expect.subset,
            "approx": case.expect.approx,
        },
    }
    if case.is_incremental:  # only then: the fingerprints of other cases stay as they were
        payload["is_incremental"] = True
        payload["this"] = data(case.this.rows, case.this.csv) if case.this else None
        payload["expect"]["after_merge"] = case.expect.after_merge
    return json.dumps(payload, sort_keys=True, default=str)


class UnitCacheWarning(CacheWarning):
    """The unit-test cache in pytest's cache holds something it never writes; it is dropped
    (the cases run) and written afresh."""


_JSON_KINDS = {list: "a list", str: "a string", int: "a number", float: "a number",
               bool: "a boolean", type(None): "null"}


def read_passed(cache: Any, *, warn: bool = False) -> dict[str, str]:
    """The unit cases' fingerprints of their last pass from pytest's ``cache``: a mapping of
    node ids to fingerprints. Entries of another shape are dropped (the cases run), with a
    :class:`UnitCacheWarning` when ``warn``."""
    from pytest_fft.plugin.state import UTEST_CACHE_KEY

    found = cache.get(UTEST_CACHE_KEY, {})
    if isinstance(found, dict):
        passed = {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}
        if len(passed) == len(found):
            return passed
        bad = len(found) - len(passed)
        what = (f"{bad} entry that is not a node id with its fingerprint" if bad == 1 else
                f"{bad} entries that are not node ids with their fingerprints")
    else:
        kind = _JSON_KINDS.get(type(found), type(found).__name__)
        passed, what = {}, f"{kind}, not node ids with fingerprints"
    if warn:
        warnings.warn(UnitCacheWarning(
            f"ignored what the unit-test cache ({UTEST_CACHE_KEY} in pytest's cache) held: "
            f"{what}; the cases it would skip run again"), stacklevel=2)
    return passed


class UnitCacheRecorder:
    """Collects the fingerprints of passing unit cases where reports arrive (the controller
    under xdist) and writes them to pytest's cache at the end (``--fft-utest-cache rw``)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.passed: dict[str, str] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" and report.passed:
            for key, value in report.user_properties:
                if key == "fft_utest_fp":
                    self.passed[report.nodeid] = str(value)

    def pytest_sessionfinish(self) -> None:
        from pytest_fft.plugin.state import UTEST_CACHE_KEY

        cache = getattr(self.config, "cache", None)
        if cache is None or not self.passed or hasattr(self.config, "workerinput"):
            return
        cache.set(UTEST_CACHE_KEY, {**read_passed(cache), **self.passed})

"""``pytest --fft-source-freshness``: each ``freshness:`` rule of ``sources.yml`` is an item,
``sources.yml::crm.orders``, run against the warehouse of the session's profile.

An item passes when its table is fresh; when it is late (older than ``warn_after``) it
passes with an :class:`FFTFreshnessWarning`; when it is stale (older than ``error_after``),
has no value, or its query cannot run, it fails with the message. In a session of freshness
items alone, ``--fft-select``/``--fft-exclude`` narrow them (``source:crm``, ``tag:x``,
``crm.orders``); ``-k crm``, ``-k critical_source`` and node ids do anywhere.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_fft.errors import FFTError
from pytest_fft.plugin.options import error_text
from pytest_fft.plugin.state import state_of

if TYPE_CHECKING:
    from pytest_fft.project.sources import Source
    from pytest_fft.run.session import BuildRun


class FFTFreshnessWarning(UserWarning):
    """A source table is older than its ``warn_after`` threshold."""


class StaleSource(FFTError):
    """A source table is older than its ``error_after`` threshold, or has no value."""


class SourcesFile(pytest.File):
    """``sources.yml`` of a project that loaded: one item per freshness rule."""

    def __init__(self, *, build_run: BuildRun, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.build_run = build_run
        self._engine: Any = None

    def collect(self) -> Any:
        from pytest_fft.checks.freshness import rules

        options = state_of(self.config).options
        only_freshness = not (options.run or options.seed or options.test or options.snapshot)
        select = options.select if only_freshness else ()
        exclude = options.exclude if only_freshness else ()
        for source in rules(self.build_run.project.sources, select, exclude):
            yield FreshnessItem.from_parent(
                self, name=f"{source.source_name}.{source.table_name}", source=source)

    def engine(self) -> Any:
        """One engine for the file's items, closed at the end of the session. Read-only
        unless this session also builds (DuckDB keeps one configuration per file and
        process)."""
        if self._engine is None:
            from pytest_fft.engines import create_engine
            from pytest_fft.errors import ProfileError

            run = self.build_run
            assert run.profile is not None, "--fft-source-freshness resolves the profile"
            options = state_of(self.config).options
            self._engine = create_engine(run.profile.profile, wait=options.wait,
                                         read_only=not options.builds)
            if self._engine is None:  # pragma: no cover - create_engine raises instead
                raise ProfileError("no engine for the profile")
            self.config.add_cleanup(self._engine.close)
        return self._engine


class FreshnessItem(pytest.Item):
    """One source table's freshness rule."""

    def __init__(self, *, source: Source, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source
        for word in ("freshness", "source", source.source_name, source.table_name,
                     *source.tags):
            self.keywords[word] = True

    def runtest(self) -> None:
        from pytest_fft.checks.freshness import check_freshness

        parent = self.parent
        assert isinstance(parent, SourcesFile)
        outcome = check_freshness(parent.engine(), self.source)
        self.user_properties.append(("freshness_minutes", outcome.minutes))
        if outcome.status == "warn":
            line = self.source.freshness.line if self.source.freshness is not None else None
            warnings.warn_explicit(FFTFreshnessWarning(outcome.message), FFTFreshnessWarning,
                                   filename=str(self.path), lineno=line or 1)
        elif outcome.status == "error":
            rule = self.source.freshness
            raise StaleSource(outcome.message, file="sources.yml",
                              line=rule.line if rule is not None else None,
                              node=self.name,
                              hint=None if outcome.ran else
                              "check the table's identifier and schema and its "
                              "loaded_at_field in sources.yml")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, FFTError):
            return error_text(excinfo.value, state_of(self.config).options.traceback)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.source.freshness.line if self.source.freshness is not None else None
        return self.path, (line - 1) if line else None, f"freshness {self.name}"
